#!/usr/bin/env bash
# Creates local stand-ins for mcr.microsoft.com/dotnet/{runtime-deps,runtime,aspnet}:<major.minor> (which
# cannot be pulled here), from a Debian bookworm minbase and the .NET runtime of this machine's SDK, following
# Microsoft's Dockerfiles for .NET 10: the packages runtime-deps installs (without ICU .NET aborts), the same
# environment (APP_UID, ASPNETCORE_HTTP_PORTS, DOTNET_RUNNING_IN_CONTAINER, DOTNET_VERSION, ASPNET_VERSION), the
# runtime in /usr/share/dotnet with /usr/bin/dotnet, and the non-root user made as they make it:
# `groupadd --gid=1654 app && useradd -l --uid=1654 --gid=1654 --create-home app` (home /home/app, shell /bin/sh).
# What differs, and why:
#   - the release: the real .NET 10 images are Ubuntu 24.04 (noble); this machine's mirror serves Debian only, so
#     these are Debian 12 (bookworm), and os-release says so (the package reads it: README, "The base image");
#   - package names follow the release: libicu72 and libssl3 here, libicu74 and libssl3t64 on noble;
#   - the runtime is this machine's SDK's (its patch version), not the one the real tag holds that day;
#   - labels: org.pipelineimage.stand-in=true, .revision, .for (the image stood in for) and .release (what it is
#     built on); the real images carry none of these.
# Existing stand-ins of the current revision are kept.
set -euo pipefail

log() { printf '[base-images] %s\n' "$*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)

. "$here/stand-ins/dotnet-versions.sh"
minbase=pipelineimage/bookworm-minbase:stand-in

have() { docker image inspect "$1" >/dev/null 2>&1; }

# Bumped when the stand-ins change, so that a machine with older ones builds them again.
revision=3
current() { [ "$(docker image inspect -f '{{ index .Config.Labels "org.pipelineimage.stand-in.revision" }}' "$1" 2>/dev/null)" = "$revision" ]; }

if current "$repo/runtime-deps:$channel" && current "$repo/runtime:$channel" && current "$repo/aspnet:$channel"; then
  log "stand-ins for $repo/*:$channel (revision $revision) already present"
  exit 0
fi

work=$(mktemp -d /var/tmp/pipelineimage-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! have "$minbase"; then
  mirror=$("$here/apt-mirror.sh")
  log "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  tar -C "$work/rootfs" -c . | docker import \
    -c 'LABEL org.pipelineimage.stand-in=true' -c 'CMD ["bash"]' - "$minbase" >/dev/null
  rm -rf "$work/rootfs"
fi

mkdir -p "$work/deps"
# Debian's images (and so .NET's) delete every package apt downloads, through this file of debuerreotype's.
cat >"$work/deps/docker-clean" <<'APTCONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APTCONF
cat >"$work/deps/Dockerfile" <<DOCKERFILE
FROM $minbase
COPY docker-clean /etc/apt/apt.conf.d/docker-clean
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates libc6 libgcc-s1 libicu72 libssl3 libstdc++6 tzdata zlib1g \\
 && rm -rf /var/lib/apt/lists/* \\
 && groupadd --gid=1654 app \\
 && useradd -l --uid=1654 --gid=1654 --create-home app
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true
LABEL org.pipelineimage.stand-in=true org.pipelineimage.stand-in.revision=$revision org.pipelineimage.stand-in.for=$repo/runtime-deps:$channel org.pipelineimage.stand-in.release="Debian GNU/Linux 12 (bookworm)"
DOCKERFILE
log "building $repo/runtime-deps:$channel"
docker build -q --network host -t "$repo/runtime-deps:$channel" "$work/deps" >/dev/null

mkdir -p "$work/runtime/dotnet/shared"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$work/runtime/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$work/runtime/dotnet/shared/"
cat >"$work/runtime/Dockerfile" <<DOCKERFILE
FROM $repo/runtime-deps:$channel
ENV DOTNET_VERSION=$runtime_version
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
LABEL org.pipelineimage.stand-in=true org.pipelineimage.stand-in.revision=$revision org.pipelineimage.stand-in.for=$repo/runtime:$channel org.pipelineimage.stand-in.release="Debian GNU/Linux 12 (bookworm)"
DOCKERFILE
log "building $repo/runtime:$channel (.NET $runtime_version)"
docker build -q -t "$repo/runtime:$channel" "$work/runtime" >/dev/null

mkdir -p "$work/aspnet/shared"
cp -a "$dotnet_root/shared/Microsoft.AspNetCore.App" "$work/aspnet/shared/"
cat >"$work/aspnet/Dockerfile" <<DOCKERFILE
FROM $repo/runtime:$channel
ENV ASPNET_VERSION=$aspnet_version
COPY shared /usr/share/dotnet/shared
LABEL org.pipelineimage.stand-in=true org.pipelineimage.stand-in.revision=$revision org.pipelineimage.stand-in.for=$repo/aspnet:$channel org.pipelineimage.stand-in.release="Debian GNU/Linux 12 (bookworm)"
DOCKERFILE
log "building $repo/aspnet:$channel (ASP.NET Core $aspnet_version)"
docker build -q -t "$repo/aspnet:$channel" "$work/aspnet" >/dev/null
log "stand-ins ready"
