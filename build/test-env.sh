#!/usr/bin/env bash
# Provisions the real test stack on a Debian 12 machine, as root, idempotently:
#   - a Docker Engine (Debian's docker.io) with no bridge network and no NAT, started and answering, on its socket
#     and with TLS on 127.0.0.1:2376 (client certificates in /etc/pipelineimage/engine-tls/client);
#   - local stand-ins for the .NET base images, tagged with their real names and labelled as stand-ins;
#   - two registries on 127.0.0.1 (build/registries.sh): open on :5000, htpasswd auth on :5001.
# A second run only checks that everything is there (a few seconds).
set -euo pipefail

log() { printf '[test-env] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "build/test-env.sh provisions system services: run it as root" >&2; exit 1; }
  exec sudo --preserve-env=PATH,DOTNET_ROOT "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)

# ---- packages -------------------------------------------------------------------------------------------------
# clang and zlib1g-dev: the native AOT publish shape links with them.
"$here/install-packages.sh" docker.io debootstrap curl openssl clang zlib1g-dev

# ---- engine ---------------------------------------------------------------------------------------------------
# No traffic may go to private address ranges: no default bridge, no iptables, no forwarding, no masquerading.
mkdir -p /etc/docker
daemon_json='{"bridge":"none","iptables":false,"ip-forward":false,"ip-masq":false}'
if [ "$(cat /etc/docker/daemon.json 2>/dev/null)" != "$daemon_json" ]; then
  if docker version >/dev/null 2>&1; then
    log "restarting dockerd with the required daemon.json"
    pkill -x dockerd || true
    for _ in $(seq 1 30); do pgrep -x dockerd >/dev/null || break; sleep 1; done
  fi
  echo "$daemon_json" > /etc/docker/daemon.json
fi

# The engine listens on its socket and, with TLS and client certificates, on 127.0.0.1:2376 (build/engine-tls.sh).
"$here/engine-tls.sh"
tls=/etc/pipelineimage/engine-tls
tls_answers() {
  curl -s -o /dev/null --cacert "$tls/ca.pem" --cert "$tls/client/cert.pem" --key "$tls/client/key.pem" https://127.0.0.1:2376/_ping
}
if docker version >/dev/null 2>&1 && ! tls_answers; then
  log "restarting dockerd to add its TLS endpoint"
  pkill -x dockerd || true
  for _ in $(seq 1 30); do pgrep -x dockerd >/dev/null || break; sleep 1; done
fi

if ! docker version >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/pipelineimage-dockerd.log)"
  nohup dockerd -H unix:///var/run/docker.sock -H tcp://127.0.0.1:2376 \
    --tlsverify --tlscacert "$tls/ca.pem" --tlscert "$tls/server-cert.pem" --tlskey "$tls/server-key.pem" \
    >/var/log/pipelineimage-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 1
  done
  docker version >/dev/null 2>&1 || { tail -n 30 /var/log/pipelineimage-dockerd.log >&2; log "dockerd did not answer within 60 s"; exit 1; }
fi
log "engine answers: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"

# ---- base image stand-ins and registries -----------------------------------------------------------------------
"$here/base-images.sh"
"$here/registries.sh"
