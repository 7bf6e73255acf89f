#!/usr/bin/env bash
# Starts Debian's docker-registry on 127.0.0.1 only (idempotent, as root): the open registry on :5000.
# The engine trusts plain HTTP to loopback registries without configuration.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[registries] %s\n' "$*" >&2; }

if ! dpkg-query -W -f='${Status}' docker-registry 2>/dev/null | grep -q 'install ok installed'; then
  log "installing docker-registry"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
fi

start() { # name port config
  if curl -s -o /dev/null "http://127.0.0.1:$2/v2/"; then
    return
  fi
  log "starting the $1 registry on 127.0.0.1:$2"
  nohup docker-registry serve "$3" >"/var/log/pipelineimage-registry-$1.log" 2>&1 &
  for _ in $(seq 1 30); do
    curl -s -o /dev/null "http://127.0.0.1:$2/v2/" && return
    sleep 1
  done
  tail -n 20 "/var/log/pipelineimage-registry-$1.log" >&2
  log "the $1 registry did not answer"; exit 1
}

start open 5000 "$here/registry/open.yml"
