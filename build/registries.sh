#!/usr/bin/env bash
# Starts Debian's docker-registry on 127.0.0.1 only (idempotent, as root): an open registry on :5000 and one with
# htpasswd authentication on :5001 (user pipeline-ci, password below: test credentials for a loopback registry that
# the end-to-end tests know). The engine trusts plain HTTP to loopback registries without configuration.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[registries] %s\n' "$*" >&2; }

"$here/install-packages.sh" docker-registry apache2-utils curl

auth_user=pipeline-ci
auth_password=pimg-loopback-test-password
mkdir -p /var/lib/pipelineimage-registry
if ! htpasswd -vb /var/lib/pipelineimage-registry/htpasswd "$auth_user" "$auth_password" >/dev/null 2>&1; then
  htpasswd -Bbc /var/lib/pipelineimage-registry/htpasswd "$auth_user" "$auth_password" 2>/dev/null
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
start auth 5001 "$here/registry/auth.yml"
