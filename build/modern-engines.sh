#!/usr/bin/env bash
# Provisions today's container engines beside Debian 12's (build/test-env.sh), as root, idempotently, without
# installing them on this machine: they run from a Debian 13 (trixie, stable) root in /var/lib/pipelineimage/trixie,
# each in a private mount namespace (chroot), and listen on unix sockets only (no bridge, no iptables, no NAT):
#
#   Docker 26.1 (trixie's docker.io) on the containerd image store (the containerd-snapshotter feature, overlayfs),
#     with its own containerd 1.7:  unix:///run/pipelineimage/docker-containerd.sock
#                                   CLI /usr/local/libexec/pipelineimage/docker-containerd
#   Docker 26.1 on the graph-driver store (overlay2), with its own containerd 1.7:
#                                   unix:///run/pipelineimage/docker-graphdriver.sock
#                                   CLI /usr/local/libexec/pipelineimage/docker-graphdriver
#   Podman 5.4 (podman system service, runc):
#                                   unix:///run/pipelineimage/podman5.sock
#                                   CLI /usr/local/libexec/pipelineimage/podman5
#
# The docker-* CLIs are this machine's docker CLI with DOCKER_HOST set. podman5 is trixie's podman in remote mode,
# run here with the root's dynamic loader and libraries, so that file and directory arguments are this machine's.
# /usr/local/libexec/pipelineimage/trixie-chroot COMMAND... runs a command of the root (skopeo, docker, docker buildx,
# ctr, and sid's cosign 3, crane and oras...) in the same kind of namespace, with this machine's sockets, /tmp and /var/tmp; BuildKit, for example:
#   trixie-chroot env DOCKER_HOST=unix:///run/pipelineimage/docker-containerd.sock docker buildx build ...
# The engines see this machine's /tmp and /var/tmp (for bind mounts) and no other directory of it; containers get no
# network unless they ask for the host's. They log to /var/log/pipelineimage-<engine>.log and get the .NET base image
# stand-ins of the host's dockerd (build/base-images.sh) when they lack their revision.
# The first run takes about 2.5 minutes (debootstrap and apt about 1.5, copying the stand-ins most of the rest); a
# second one only checks that everything answers (a few seconds). Stopping an engine:
# kill -TERM $(cat /run/pipelineimage/<engine>.pid); the next run starts it again.
set -euo pipefail

log() { printf '[modern-engines] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "build/modern-engines.sh provisions system services: run it as root" >&2; exit 1; }
  exec sudo --preserve-env=PATH "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
root=/var/lib/pipelineimage/trixie
run=/run/pipelineimage
libexec=/usr/local/libexec/pipelineimage
suite=trixie

"$here/install-packages.sh" debootstrap curl util-linux

mkdir -p "$run" "$libexec" "$(dirname "$root")"
exec 9>"$run/modern-engines.lock"
flock 9

# ---- files ----------------------------------------------------------------------------------------------------
changed=false
put() { # path mode content: writes the file when its content differs, and then sets changed=true
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$3" ]; then
    mkdir -p "$(dirname "$1")"
    printf '%s\n' "$3" >"$1.tmp"
    chmod "$2" "$1.tmp"
    mv -f "$1.tmp" "$1"
    changed=true
  fi
}

# Runs a command of the root in a private mount namespace: the root is bound onto itself (containerd's snapshotters,
# dockerd and podman look their directories' mounts up in mountinfo), with proc, sys (cgroups included), dev, a
# private /run, and this machine's /run/pipelineimage (the sockets), /tmp and /var/tmp. The working directory is kept
# when the root has it.
put "$libexec/trixie-chroot" 755 '#!/bin/bash
# Written by build/modern-engines.sh: runs a command of the Debian trixie root in a private mount namespace.
set -euo pipefail
root=/var/lib/pipelineimage/trixie
if [ "${1:-}" != --inside ]; then
  exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mkdir -p "$root/run/lock" "$root/run/pipelineimage"
mount --bind /run/pipelineimage "$root/run/pipelineimage"
mount --bind /tmp "$root/tmp"
mount --bind /var/tmp "$root/var/tmp"
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  ${TERM:+TERM="$TERM"} chroot "$root" /bin/sh -c '"'"'cd "$1" 2>/dev/null || cd /; shift; exec "$@"'"'"' sh "$PWD" "$@"'
launcher_changed=$changed
chroot_cmd=("$libexec/trixie-chroot")

# The Debian mirror this machine's apt uses (deb822 sources or the one-line sources.list), as build/base-images.sh.
apt_mirror() { # [security]: the security archive's instead
  local want=${1:-} uri match
  if [ "$want" = security ]; then match='$i ~ /security/'; else match='$i !~ /security/'; fi
  uri=$(awk "/^URIs:/ { for (i = 2; i <= NF; i++) if ($match) { print \$i; exit } }" /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  [ -n "$uri" ] || uri=$(awk "\$1 == \"deb\" { for (i = 2; i <= NF; i++) if (\$i ~ /^[a-z]+:\\/\\// && ($match)) { print \$i; exit } }" \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
  printf '%s\n' "$uri"
}

# ---- the trixie root ------------------------------------------------------------------------------------------
# Bumped, with the package lists, when the root must be installed again (apt only; debootstrap runs once).
packages=(docker.io containerd runc podman conmon catatonit tini xz-utils ca-certificates)
verifiers=(skopeo docker-cli docker-buildx)   # installed when trixie has them
# From sid (pinned at 50: nothing else comes from there): cosign 3 (trixie's is 2.5, without cosign 3's signatures and
# bundles), crane and oras, the tests' verifiers of signatures and referrers. They need nothing of sid but themselves.
sid_verifiers=(cosign crane oras)
root_revision="1 $suite ${packages[*]} / ${verifiers[*]} / sid ${sid_verifiers[*]}"
apt_opts=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false -o Dpkg::Use-Pty=0)

pid_of() { # engine: the pid of its running supervisor, or nothing
  local pid
  pid=$(cat "$run/$1.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "pipelineimage.*$1\|$1.*pipelineimage" && echo "$pid"
  return 0
}
stop_engine() { # engine
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] || return 0
  log "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do [ -d "/proc/$pid" ] || return 0; sleep 0.5; done
  log "$1 did not stop: pid $pid still runs 30 s after SIGTERM"; exit 1
}
engines=(docker-containerd docker-graphdriver podman5)

marker=$root/etc/pipelineimage/root-revision
if [ "$(cat "$marker" 2>/dev/null)" != "$root_revision" ]; then
  started=$(date +%s)
  mirror=$(apt_mirror)
  [ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/"; exit 1; }
  security=$(apt_mirror security)
  for engine in "${engines[@]}"; do stop_engine "$engine"; done
  if [ ! -f "$root/etc/pipelineimage/debootstrap-done" ]; then
    if [ -e "$root" ]; then
      log "removing the unfinished root $root"
      rm -rf --one-file-system "$root"
    fi
    log "debootstrap $suite (minbase) into $root from $mirror (log: /var/log/pipelineimage-debootstrap.log)"
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >/var/log/pipelineimage-debootstrap.log 2>&1 \
      || { tail -n 30 /var/log/pipelineimage-debootstrap.log >&2; log "debootstrap $suite failed"; exit 1; }
    mkdir -p "$root/etc/pipelineimage"
    touch "$root/etc/pipelineimage/debootstrap-done"
  fi
  sources="Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  [ -z "$security" ] || sources="$sources

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  put "$root/etc/apt/sources.list.d/debian.sources" 644 "$sources"
  put "$root/etc/apt/sources.list.d/sid.sources" 644 "Types: deb
URIs: $mirror
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  put "$root/etc/apt/preferences.d/sid" 644 'Package: *
Pin: release n=sid
Pin-Priority: 50'
  rm -f "$root/etc/apt/sources.list"
  # Nothing installed in the root starts a service.
  put "$root/usr/sbin/policy-rc.d" 755 '#!/bin/sh
exit 101'
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  log "installing ${packages[*]} in the root (log: /var/log/pipelineimage-trixie-apt.log)"
  {
    "${chroot_cmd[@]}" apt-get "${apt_opts[@]}" update \
    && "${chroot_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y "${packages[@]}"
  } >/var/log/pipelineimage-trixie-apt.log 2>&1 \
    || { tail -n 30 /var/log/pipelineimage-trixie-apt.log >&2; log "apt-get install in the $suite root failed"; exit 1; }
  for p in "${verifiers[@]}"; do
    if "${chroot_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y "$p" \
        >>/var/log/pipelineimage-trixie-apt.log 2>&1; then
      log "verifier $p installed"
    else
      log "verifier $p is not available in $suite (skipped)"
    fi
  done
  "${chroot_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -t sid "${sid_verifiers[@]}" \
    >>/var/log/pipelineimage-trixie-apt.log 2>&1 \
    || { tail -n 30 /var/log/pipelineimage-trixie-apt.log >&2; log "apt-get install -t sid ${sid_verifiers[*]} in the root failed"; exit 1; }
  "${chroot_cmd[@]}" apt-get clean
  printf '%s\n' "$root_revision" >"$marker"
  log "root ready in $(( $(date +%s) - started )) s"
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# ---- Docker 26, twice -----------------------------------------------------------------------------------------
# Supervises one containerd and the dockerd that uses it (they must share a mount namespace: dockerd mounts the
# containers' root file systems that containerd's shims hand to runc); SIGTERM stops dockerd, then containerd.
changed=$launcher_changed
put "$root/usr/local/sbin/pipelineimage-docker-engine" 755 '#!/bin/bash
# Written by build/modern-engines.sh: runs containerd and dockerd for one engine (docker-containerd, docker-graphdriver).
set -u
name=$1
conf=/etc/pipelineimage/$name
state=/run/pipelineimage-$name
mkdir -p "$state"
containerd --config "$conf/containerd.toml" &
containerd_pid=$!
for _ in $(seq 1 120); do
  [ -S "$state/containerd.sock" ] && break
  kill -0 "$containerd_pid" 2>/dev/null || { echo "[$name] containerd exited" >&2; exit 1; }
  sleep 0.5
done
dockerd --config-file "$conf/daemon.json" &
dockerd_pid=$!
stop() {
  kill -TERM "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid"
  kill -TERM "$containerd_pid" 2>/dev/null && wait "$containerd_pid"
  exit 0
}
trap stop TERM INT
wait -n "$dockerd_pid" "$containerd_pid"
echo "[$name] dockerd or containerd exited; stopping the other" >&2
kill -TERM "$dockerd_pid" "$containerd_pid" 2>/dev/null
wait
exit 1'
docker_engine_files_changed=$changed

docker_engine_config() { # name containerd-snapshotter(true|false)
  local name=$1 snapshotter=$2 dir=$root/etc/pipelineimage/$1 storage_driver=''
  $snapshotter || storage_driver='
  "storage-driver": "overlay2",'
  changed=$docker_engine_files_changed
  put "$dir/containerd.toml" 644 "version = 2
root = \"/var/lib/pipelineimage-$name/containerd\"
state = \"/run/pipelineimage-$name/containerd\"
disabled_plugins = [
  \"io.containerd.grpc.v1.cri\",
  \"io.containerd.snapshotter.v1.aufs\",
  \"io.containerd.snapshotter.v1.btrfs\",
  \"io.containerd.snapshotter.v1.zfs\",
  \"io.containerd.snapshotter.v1.devmapper\",
  \"io.containerd.snapshotter.v1.blockfile\",
  \"io.containerd.snapshotter.v1.erofs\",
]

[grpc]
  address = \"/run/pipelineimage-$name/containerd.sock\"

[ttrpc]
  address = \"/run/pipelineimage-$name/containerd.sock.ttrpc\""
  # No traffic may go to private address ranges: no default bridge, no iptables, no forwarding, no masquerading.
  # The socket's group is root: the root's docker group has a GID that means another group on this machine.
  # BuildKit keeps 3 GB of build cache: its default, a tenth of the disk, let one engine's store grow past 20 GB over
  # repeated test runs, on which dockerd no longer started.
  put "$dir/daemon.json" 644 "{
  \"hosts\": [\"unix:///run/pipelineimage/$name.sock\"],
  \"group\": \"root\",
  \"data-root\": \"/var/lib/pipelineimage-$name/docker\",
  \"exec-root\": \"/run/pipelineimage-$name/docker\",
  \"pidfile\": \"/run/pipelineimage-$name/dockerd.pid\",
  \"containerd\": \"/run/pipelineimage-$name/containerd.sock\",
  \"cgroup-parent\": \"pipelineimage-$name\",
  \"features\": {\"containerd-snapshotter\": $snapshotter},$storage_driver
  \"builder\": {\"gc\": {\"enabled\": true, \"defaultKeepStorage\": \"3GB\"}},
  \"bridge\": \"none\",
  \"iptables\": false,
  \"ip6tables\": false,
  \"ip-forward\": false,
  \"ip-masq\": false
}"
}

answers() { [ "$(curl -s --max-time 5 --unix-socket "$1" http://engine/_ping 2>/dev/null)" = OK ]; }

# Starts an engine's supervisor and waits for its answer; on failure prints the log's tail and sets reason.
start_engine() { # engine command...
  local engine=$1 socket=$run/$1.sock logfile=/var/log/pipelineimage-$1.log pid status
  shift
  stop_engine "$engine"
  rm -f "$socket"
  log "starting $engine on $socket (log: $logfile)"
  (cd / && exec setsid nohup "$@" >"$logfile" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$run/$engine.pid"
  for _ in $(seq 1 60); do
    answers "$socket" && return 0
    [ -d "/proc/$pid" ] || break
    sleep 1
  done
  if answers "$socket"; then return 0; fi
  if [ -d "/proc/$pid" ]; then
    reason="no answer on $socket within 60 s (pid $pid still runs)"
    stop_engine "$engine"
  else
    status=0; wait "$pid" || status=$?
    reason="it exited with status $status before answering on $socket"
  fi
  tail -n 30 "$logfile" >&2
  return 1
}

ensure_engine() { # engine restart(true|false) command...
  local engine=$1 restart=$2 socket=$run/$1.sock pid reason data=$root/var/lib/pipelineimage-$1
  shift 2
  if answers "$socket"; then
    pid=$(pid_of "$engine")
    # An engine started from a clone that is gone since (a CI run's) works on, but Podman's conmon then cannot start a
    # container ("Failed to get working directory"): engines run in their root.
    if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/cwd")" != "$(readlink "/proc/$pid/root")" ]; then
      log "restarting $engine: it runs in $(readlink "/proc/$pid/cwd"), not in its root"
    else
      $restart || return 0
      log "restarting $engine: its configuration changed"
    fi
  fi
  start_engine "$engine" "$@" && return 0
  # These engines hold nothing but test images and the stand-ins (copied again below), so a store an engine cannot
  # start on (Docker 26 with 20 GB of build cache ended its BuildKit start-up in "context deadline exceeded") is
  # removed and the engine started once more on an empty one.
  if [ -d "$data" ]; then
    log "$engine did not start ($reason): removing its store $data and starting it on an empty one"
    rm -rf --one-file-system "$data"
    start_engine "$engine" "$@" && return 0
  fi
  log "$engine did not start: $reason"
  exit 1
}

docker_engine_config docker-containerd true
ensure_engine docker-containerd "$changed" "${chroot_cmd[@]}" /usr/local/sbin/pipelineimage-docker-engine docker-containerd
docker_engine_config docker-graphdriver false
ensure_engine docker-graphdriver "$changed" "${chroot_cmd[@]}" /usr/local/sbin/pipelineimage-docker-engine docker-graphdriver

# ---- Podman 5 -------------------------------------------------------------------------------------------------
# runc, not crun (crun refuses the hybrid cgroup v1 layout of these machines); cgroupfs and a file for events (no
# systemd); runc cannot raise the default rlimits here; no network unless asked (RUN steps that download use network
# host); plain HTTP to the loopback registries.
changed=$launcher_changed
put "$root/etc/containers/containers.conf" 644 '[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"'
put "$root/etc/containers/storage.conf" 644 '[storage]
driver = "overlay"
graphroot = "/var/lib/pipelineimage-podman5/storage"
runroot = "/run/pipelineimage-podman5/storage"'
put "$root/etc/containers/registries.conf.d/50-pipelineimage-loopback.conf" 644 '[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "127.0.0.1:5001"
insecure = true'
ensure_engine podman5 "$changed" "${chroot_cmd[@]}" env PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
  podman system service --time=0 "unix://$run/podman5.sock"

# ---- CLIs -----------------------------------------------------------------------------------------------------
for name in docker-containerd docker-graphdriver; do
  put "$libexec/$name" 755 "#!/bin/sh
# Written by build/modern-engines.sh: this machine's docker CLI on the $name engine.
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
DOCKER_HOST=unix://$run/$name.sock exec docker \"\$@\""
done
loader=$(cd "$root" && ls lib64/ld-linux-x86-64.so.2 2>/dev/null || ls lib/ld-linux-*.so.* | head -n 1)
multiarch=$(cd "$root/usr/lib" && ls -d ./*-linux-gnu | head -n 1)
multiarch=${multiarch#./}
put "$libexec/podman5" 755 "#!/bin/sh
# Written by build/modern-engines.sh: trixie's podman, remote, on the podman5 engine. It runs here (not chrooted),
# with the root's dynamic loader and libraries, so that paths given to it are this machine's.
root=$root
export CONTAINERS_CONF=\$root/etc/pipelineimage/podman5-client.conf
exec \"\$root/$loader\" --library-path \"\$root/usr/lib/$multiarch:\$root/lib/$multiarch\" \\
  \"\$root/usr/bin/podman\" --remote --url unix://$run/podman5.sock \"\$@\""
put "$root/etc/pipelineimage/podman5-client.conf" 644 '[engine]
remote = true'

# ---- stand-ins ------------------------------------------------------------------------------------------------
if docker version >/dev/null 2>&1; then
  for name in docker-containerd docker-graphdriver podman5; do
    "$here/copy-stand-ins.sh" "$name" "$libexec/$name"
  done
else
  log "the host's dockerd does not answer: no base image stand-ins copied (run build/test-env.sh)"
fi

for name in docker-containerd docker-graphdriver; do
  log "$name answers: $("$libexec/$name" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}'), $("$libexec/$name" info --format 'driver {{.Driver}}')"
done
log "podman5 answers: $("$libexec/podman5" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
