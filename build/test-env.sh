#!/usr/bin/env bash
# Provisions the real test stack on a Debian 12 machine, as root, idempotently:
#   - a Docker Engine (Debian's docker.io) with no bridge network and no NAT, started and answering, on its socket
#     and with TLS on 127.0.0.1:2376 (client certificates in /etc/pipelineimage/engine-tls/client);
#   - local stand-ins for the .NET base images, tagged with their real names and labelled as stand-ins;
#   - two registries on 127.0.0.1 (build/registries.sh): open on :5000, htpasswd auth on :5001;
#   - QEMU user emulation of arm64 and arm64 stand-ins, published with the amd64 ones as two-platform indexes in the
#     open registry (build/arm64-stand-ins.sh);
#   - Podman (Debian's podman 4.3, buildah behind its Docker-compatible API), rootful, serving on
#     unix:///run/podman/podman.sock, with the stand-ins in its own store;
#   - today's engines from a Debian 13 root (build/modern-engines.sh), each with the stand-ins: Docker 26 on the
#     containerd image store (unix:///run/pipelineimage/docker-containerd.sock), Docker 26 on overlay2
#     (unix:///run/pipelineimage/docker-graphdriver.sock) and Podman 5 (unix:///run/pipelineimage/podman5.sock), with
#     CLIs in /usr/local/libexec/pipelineimage/ (docker-containerd, docker-graphdriver, podman5);
#   - PowerShell 7.6 (the global tool) in /usr/local/lib/pipelineimage/pwsh, for the README's command lines.
# A second run only checks that everything is there (a few seconds).
set -euo pipefail

log() { printf '[test-env] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "build/test-env.sh provisions system services: run it as root" >&2; exit 1; }
  exec sudo --preserve-env=PATH,DOTNET_ROOT "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)

# ---- packages -------------------------------------------------------------------------------------------------
# clang and zlib1g-dev: the native AOT publish shape links with them; gcc-aarch64-linux-gnu and libc6-dev-arm64-cross
# too, for arm64 (and the arm64 stand-ins' small binaries). catatonit: the pause process of the pods `podman kube play`
# makes (Podman builds its local pause image with it). mono-runtime (with System.Xml.Linq, and System.Xaml
# that MSBuild's attributes name): the Mono tests load the net472 ToolTasks as .NET Framework would.
# All of the scripts' packages at once, so that no later install (one runs in the background) waits for apt's lock.
"$here/install-packages.sh" docker.io podman debootstrap curl openssl clang zlib1g-dev mono-runtime libmono-system-xml-linq4.0-cil libmono-system-xaml4.0-cil \
  docker-registry apache2-utils util-linux jq qemu-user-static binfmt-support gcc-aarch64-linux-gnu libc6-dev-arm64-cross catatonit

# The arm64 stand-ins' slow part (minutes of debootstrap under QEMU) goes on in the background while the rest is
# provisioned; build/arm64-stand-ins.sh, below, waits for it.
arm64_log=/var/log/pipelineimage-arm64-root.log
"$here/arm64-stand-ins.sh" root >"$arm64_log" 2>&1 &
arm64_root=$!

# PowerShell 7 (the PowerShell global tool from the NuGet feed; 7.7.0 does not install here): the README's command-line
# forms are typed into it as into bash.
pwsh_dir=/usr/local/lib/pipelineimage/pwsh
if [ "$("$pwsh_dir/pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" != 7.6.10 ]; then
  log "installing PowerShell 7.6.10 into $pwsh_dir"
  rm -rf "$pwsh_dir"
  dotnet tool install PowerShell --version 7.6.10 --tool-path "$pwsh_dir" >/dev/null
fi

# ---- engine ---------------------------------------------------------------------------------------------------
# This machine's dockerd only, by its pid file: the engines of build/modern-engines.sh are dockerd processes too.
stop_dockerd() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 30); do [ -d "/proc/$pid" ] || break; sleep 1; done
}
# No traffic may go to private address ranges: no default bridge, no iptables, no forwarding, no masquerading.
# BuildKit keeps 3 GB of build cache (by default a tenth of the disk: build/modern-engines.sh says why not).
mkdir -p /etc/docker
daemon_json='{"bridge":"none","iptables":false,"ip-forward":false,"ip-masq":false,"builder":{"gc":{"enabled":true,"defaultKeepStorage":"3GB"}}}'
if [ "$(cat /etc/docker/daemon.json 2>/dev/null)" != "$daemon_json" ]; then
  if docker version >/dev/null 2>&1; then
    log "restarting dockerd with the required daemon.json"
    stop_dockerd
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
  stop_dockerd
fi

if ! docker version >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/pipelineimage-dockerd.log)"
  # From /, as every engine here: a daemon started in a clone that is removed later runs on in a deleted directory.
  (cd / && exec nohup dockerd -H unix:///var/run/docker.sock -H tcp://127.0.0.1:2376 \
    --tlsverify --tlscacert "$tls/ca.pem" --tlscert "$tls/server-cert.pem" --tlskey "$tls/server-key.pem" \
    >/var/log/pipelineimage-dockerd.log 2>&1) &
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

# ---- Podman ---------------------------------------------------------------------------------------------------
# runc cannot raise the default rlimits on these machines ("error setting rlimits"), and containers get no network
# unless a build asks for one (RUN steps that download use network host). Changing this restarts the service.
podman_sock=/run/podman/podman.sock
containers_conf='[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"'
# Podman speaks plain HTTP to a registry only when registries.conf says so (dockerd does to 127.0.0.0/8 by itself).
registries_conf='[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "127.0.0.1:5001"
insecure = true'
restart_podman=false
mkdir -p /etc/containers/registries.conf.d
if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$containers_conf" ]; then
  printf '%s\n' "$containers_conf" > /etc/containers/containers.conf
  restart_podman=true
fi
if [ "$(cat /etc/containers/registries.conf.d/50-pipelineimage-loopback.conf 2>/dev/null)" != "$registries_conf" ]; then
  printf '%s\n' "$registries_conf" > /etc/containers/registries.conf.d/50-pipelineimage-loopback.conf
  restart_podman=true
fi
podman_answers() { curl -s -o /dev/null --max-time 5 --unix-socket "$podman_sock" http://podman/_ping; }
if $restart_podman || ! podman_answers; then
  # This service only: Podman 5's (build/modern-engines.sh) is a podman system service too, on another socket.
  pkill -f "podman system service .*unix://$podman_sock\$" || true
  for _ in $(seq 1 30); do pgrep -f "podman system service .*unix://$podman_sock\$" >/dev/null || break; sleep 1; done
  log "starting podman system service on $podman_sock (log: /var/log/pipelineimage-podman.log)"
  mkdir -p "$(dirname "$podman_sock")"
  (cd / && exec nohup podman system service --time=0 "unix://$podman_sock" >/var/log/pipelineimage-podman.log 2>&1) &
  for _ in $(seq 1 30); do podman_answers && break; sleep 1; done
  podman_answers || { tail -n 30 /var/log/pipelineimage-podman.log >&2; log "podman did not answer within 30 s"; exit 1; }
fi

# The stand-ins, copied from dockerd's store when Podman's has none of this revision (only the stand-ins themselves,
# not the images built on them, which inherit their labels).
"$here/copy-stand-ins.sh" podman podman
log "podman answers: $(curl -s --unix-socket "$podman_sock" http://podman/version | grep -o '"ApiVersion":"[^"]*"' | head -n 1)"

# ---- today's engines ------------------------------------------------------------------------------------------
"$here/modern-engines.sh"

# ---- arm64 stand-ins ------------------------------------------------------------------------------------------
# QEMU for arm64, and localhost:5000/stand-ins/dotnet/*:10.0 as amd64+arm64 indexes (multi-platform tests).
wait "$arm64_root" || { cat "$arm64_log" >&2; log "the arm64 stand-ins' root could not be made"; exit 1; }
"$here/arm64-stand-ins.sh"
