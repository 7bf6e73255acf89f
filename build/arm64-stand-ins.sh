#!/usr/bin/env bash
# Makes what multi-platform end-to-end tests need (idempotent, as root, after build/base-images.sh and
# build/registries.sh):
#   - QEMU user emulation of arm64: Debian's qemu-user-static and binfmt-support, binfmt_misc mounted and
#     qemu-aarch64 registered with the F flag (the interpreter is opened at registration, so containers use it too);
#   - arm64 stand-ins of mcr.microsoft.com/dotnet/{runtime-deps,runtime,aspnet}:<major.minor>, made like the amd64 ones
#     of build/base-images.sh: Debian bookworm minbase with the runtime-deps packages, the same environment, the user
#     `app` (UID/GID 1654, groupadd/useradd as there), the .NET runtime in /usr/share/dotnet with /usr/bin/dotnet, and
#     the stand-in labels (org.pipelineimage.stand-in.for names the image stood in for, as on the amd64 ones);
#   - in the open loopback registry, image indexes (Docker manifest lists) of both platforms, linux/amd64 being the
#     amd64 stand-ins of the engine's store and linux/arm64 (variant v8) these:
#     localhost:5000/stand-ins/dotnet/{runtime-deps,runtime,aspnet}:<major.minor>, with the per-platform images
#     under :<major.minor>-linux-amd64 and :<major.minor>-linux-arm64. Only the arm64 images stay in the engine's
#     store, under their -linux-arm64 tags (the parents of the later ones; build/copy-stand-ins.sh skips them).
# What differs from the real images, besides what build/base-images.sh lists, and why:
#   - the runtime is not the one of Microsoft's arm64 archive (which cannot be fetched here) but the same files laid
#     out from the NuGet runtime packs (Microsoft.NETCore.App.Runtime.linux-arm64 and
#     Microsoft.AspNetCore.App.Runtime.linux-arm64, the version of this machine's SDK's runtime): the shared framework
#     directories hold what a real install holds (same file names as the amd64 install here), and
#     host/fxr/<version>/libhostfxr.so comes from the runtime pack's native folder;
#   - /usr/share/dotnet/dotnet is not Microsoft's muxer, which no NuGet package ships, but build/stand-ins/dotnet-muxer.c
#     cross-compiled with Debian's gcc-aarch64-linux-gnu: it loads the highest host/fxr/<version>/libhostfxr.so and
#     calls hostfxr_main_startupinfo as the real muxer does, so `dotnet app.dll`, `dotnet --info` and
#     `dotnet --list-runtimes` behave as there;
#   - runtime-deps is one layer (debootstrap with the runtime-deps packages included, its second stage run under
#     QEMU) loaded with a written image config, because Docker 20.10's `docker import --platform` keeps the host's
#     architecture; runtime and aspnet are built on it by the engine (their RUN under QEMU), as the amd64 ones are.
# `arm64-stand-ins.sh root` makes only the slow part, runtime-deps' root (see make_root_tar), for a later run to take.
# A second run checks the binfmt registration and the indexes in the registry (the amd64 entries being the store's
# current amd64 stand-ins, the arm64 ones of this revision and runtime version) and exits within seconds. A fresh run
# takes several minutes, most of it debootstrap's second stage under QEMU.
set -euo pipefail

log() { printf '[arm64-stand-ins] %s\n' "$*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)

. "$here/stand-ins/dotnet-versions.sh"
registry=localhost:5000
target=$registry/stand-ins/dotnet
registry_api=http://127.0.0.1:5000/v2/stand-ins/dotnet
images=(runtime-deps runtime aspnet)
release="Debian GNU/Linux 12 (bookworm)"

# Bumped when these images change, so that a machine with older ones builds them again.
revision=2

started=$SECONDS
phase_started=$SECONDS
phase() { log "$1 ($((SECONDS - phase_started)) s)"; phase_started=$SECONDS; }

# ---- QEMU user emulation -----------------------------------------------------------------------------------------
"$here/install-packages.sh" qemu-user-static binfmt-support curl jq
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
binfmt=/proc/sys/fs/binfmt_misc/qemu-aarch64
binfmt_ready() { [ "$(head -n 1 "$binfmt" 2>/dev/null)" = enabled ] && grep -q '^flags: .*F' "$binfmt"; }
if ! binfmt_ready; then
  # Registered without F (by hand, or an older binfmt-support) is registered anew with Debian's flags (F among them).
  [ -e "$binfmt" ] && update-binfmts --disable qemu-aarch64 >/dev/null 2>&1 || true
  [ -e "$binfmt" ] && echo -1 >"$binfmt"
  update-binfmts --enable qemu-aarch64
  binfmt_ready || { log "qemu-aarch64 is not registered with the F flag: $(tr '\n' ' ' <"$binfmt" 2>/dev/null)"; exit 1; }
  log "qemu-aarch64 registered ($(grep '^flags:' "$binfmt"))"
fi

# ---- runtime-deps' root: debootstrap under QEMU ---------------------------------------------------------------------
# The slow part (minutes: debootstrap's second stage under QEMU), which needs neither an engine nor a registry: written
# to $root_tar, which build/test-env.sh has made in the background (`arm64-stand-ins.sh root`) while it provisions the rest.
root_tar=/var/tmp/pipelineimage-arm64-runtime-deps.r$revision.tar
make_root_tar() { # work directory
  local root=$1/rootfs mirror
  mirror=$("$here/apt-mirror.sh")
  # The log keeps, on each line, the seconds since the stage started: the second stage is the slow part.
  debootstrap_log=/var/log/pipelineimage-arm64-debootstrap.log
  stamp() { local t0=$SECONDS line; while IFS= read -r line; do printf '%4d %s\n' $((SECONDS - t0)) "$line"; done; }
  log "debootstrap --arch=arm64 bookworm (minbase, runtime-deps packages) from $mirror (log: $debootstrap_log)"
  debootstrap --arch=arm64 --foreign --variant=minbase \
    --include=ca-certificates,libc6,libgcc-s1,libicu72,libssl3,libstdc++6,tzdata,zlib1g \
    bookworm "$root" "$mirror" 2>&1 | stamp >"$debootstrap_log" \
    || { tail -n 30 "$debootstrap_log" >&2; exit 1; }
  phase "debootstrap first stage done"
  cp /usr/bin/qemu-aarch64-static "$root/usr/bin/"
  echo "---- second stage, under QEMU" >>"$debootstrap_log"
  chroot "$root" /debootstrap/debootstrap --second-stage 2>&1 | stamp >>"$debootstrap_log" \
    || { tail -n 30 "$debootstrap_log" >&2; exit 1; }
  phase "debootstrap second stage (under QEMU) done"
  [ "$(chroot "$root" uname -m)" = aarch64 ]
  chroot "$root" groupadd --gid=1654 app
  chroot "$root" useradd -l --uid=1654 --gid=1654 --create-home app
  rm -f "$root/usr/bin/qemu-aarch64-static"
  # As Debian's images (and so .NET's) are: no apt lists, no downloaded packages, and debuerreotype's docker-clean.
  rm -rf "$root"/var/lib/apt/lists/*
  rm -f "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/archives/partial/*.deb "$root"/var/cache/apt/*.bin
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APTCONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APTCONF

  tar --numeric-owner -C "$root" -cf "$root_tar.tmp" .
  rm -rf "$root"
  mv "$root_tar.tmp" "$root_tar"
}

# ---- already there? ------------------------------------------------------------------------------------------------
accept='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'
accept_one='application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
# The config digest of the entry for a platform in an index: index_config IMAGE ARCH
index_config() {
  local digest
  digest=$(curl -sf -H "Accept: $accept" "$registry_api/$1/manifests/$channel" \
    | jq -r --arg a "$2" '.manifests[] | select(.platform.os == "linux" and .platform.architecture == $a
        and ($a != "arm64" or .platform.variant == "v8")) | .digest' | head -n 1) || return 1
  [ -n "$digest" ] || return 1
  curl -sf -H "Accept: $accept_one" "$registry_api/$1/manifests/$digest" | jq -re .config.digest
}
# An image config (local or in the registry) is current when it is arm64/v8 with this revision and this runtime.
config_current() { # config JSON on stdin, image name
  jq -e --arg r "$revision" --arg v "$runtime_version" --arg a "$aspnet_version" --arg i "$1" '
    .architecture == "arm64" and .variant == "v8" and .os == "linux"
    and .config.Labels["org.pipelineimage.stand-in.revision"] == $r
    and ($i == "runtime-deps" or any(.config.Env[]; . == "DOTNET_VERSION=" + $v))
    and ($i != "aspnet" or any(.config.Env[]; . == "ASPNET_VERSION=" + $a))' >/dev/null
}
published() { # image
  local amd64 arm64
  amd64=$(index_config "$1" amd64) && arm64=$(index_config "$1" arm64) || return 1
  [ "$amd64" = "$(docker image inspect -f '{{.Id}}' "$repo/$1:$channel" 2>/dev/null)" ] || return 1
  curl -sf "$registry_api/$1/blobs/$arm64" | config_current "$1"
}
all_published() { for i in "${images[@]}"; do published "$i" || return 1; done; }
if [ "${1:-}" = root ]; then
  # Only the root's tar, unless the indexes or the tar are there already.
  if all_published || [ -f "$root_tar" ]; then exit 0; fi
  "$here/install-packages.sh" debootstrap
  work=$(mktemp -d /var/tmp/pipelineimage-arm64.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  make_root_tar "$work"
  log "the arm64 runtime-deps root is in $root_tar ($((SECONDS - started)) s)"
  exit 0
fi

if all_published; then
  rm -f "$root_tar"   # a root made in the background while the registry was not up yet is not needed
  log "indexes $target/{$(IFS=,; echo "${images[*]}")}:$channel (linux/amd64, linux/arm64; revision $revision) present"
  exit 0
fi

# ---- tools ---------------------------------------------------------------------------------------------------------
curl -sf -o /dev/null http://127.0.0.1:5000/v2/ || { log "no registry on 127.0.0.1:5000: run build/registries.sh"; exit 1; }
"$here/base-images.sh"   # the amd64 stand-ins (only checks them when they are current)
"$here/install-packages.sh" debootstrap gcc-aarch64-linux-gnu libc6-dev-arm64-cross

work=$(mktemp -d /var/tmp/pipelineimage-arm64.XXXXXX)
trap 'rm -rf "$work"' EXIT

# An arm64 static binary runs (through binfmt_misc, not through a chroot's copy of QEMU).
printf '#include <stdio.h>\n#include <sys/utsname.h>\nint main(void) { struct utsname u; uname(&u); puts(u.machine); return 0; }\n' >"$work/machine.c"
aarch64-linux-gnu-gcc -static -O2 -o "$work/machine" "$work/machine.c"
[ "$("$work/machine")" = aarch64 ] || { log "an arm64 static binary does not run under QEMU"; exit 1; }

# The muxer, for arm64 (see its header).
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -o "$work/dotnet" "$here/stand-ins/dotnet-muxer.c" -ldl
phase "QEMU, packages and the arm64 muxer ready"

local_current() { docker image inspect -f '{{json .}}' "$target/$1:$channel-linux-arm64" 2>/dev/null \
  | jq '{architecture: .Architecture, variant: .Variant, os: .Os, config: .Config}' | config_current "$1"; }

if ! { local_current runtime-deps && local_current runtime && local_current aspnet; }; then
  # ---- the runtime packs ---------------------------------------------------------------------------------------------
  packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  core_pack=$packages/microsoft.netcore.app.runtime.linux-arm64/$runtime_version/runtimes/linux-arm64
  aspnet_pack=$packages/microsoft.aspnetcore.app.runtime.linux-arm64/$aspnet_version/runtimes/linux-arm64
  if [ ! -f "$core_pack/native/libhostfxr.so" ] || [ ! -d "$aspnet_pack/lib/net10.0" ]; then
    log "restoring the linux-arm64 runtime packs $runtime_version and $aspnet_version from the NuGet feed"
    mkdir -p "$work/restore"
    cat >"$work/restore/packs.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$channel</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Microsoft.NETCore.App.Runtime.linux-arm64" Version="[$runtime_version]" />
    <PackageDownload Include="Microsoft.AspNetCore.App.Runtime.linux-arm64" Version="[$aspnet_version]" />
  </ItemGroup>
</Project>
CSPROJ
    (cd "$work/restore" && dotnet restore -nologo -v q packs.csproj >"$work/restore.log" 2>&1) \
      || { tail -n 20 "$work/restore.log" >&2; exit 1; }
  fi
  tfm=lib/net$channel
  [ -f "$core_pack/native/libhostfxr.so" ] && [ -d "$core_pack/$tfm" ] && [ -d "$aspnet_pack/$tfm" ] \
    || { log "no runtime packs in $packages"; exit 1; }
  phase "runtime packs found"

  # `docker import --platform linux/arm64` of Docker 20.10 records amd64: load an image archive with its own config.
  [ -f "$root_tar" ] || make_root_tar "$work"
  archive=$work/archive
  mkdir -p "$archive/layer"
  mv "$root_tar" "$archive/layer/layer.tar"
  diff_id=sha256:$(sha256sum "$archive/layer/layer.tar" | cut -d' ' -f1)
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  jq -n --arg created "$created" --arg diff_id "$diff_id" --arg revision "$revision" --arg for "$repo/runtime-deps:$channel" \
    --arg release "$release" '{
      architecture: "arm64", variant: "v8", os: "linux", created: $created,
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_UID=1654",
              "ASPNETCORE_HTTP_PORTS=8080", "DOTNET_RUNNING_IN_CONTAINER=true"],
        Cmd: ["bash"],
        Labels: {"org.pipelineimage.stand-in": "true", "org.pipelineimage.stand-in.revision": $revision,
                 "org.pipelineimage.stand-in.for": $for, "org.pipelineimage.stand-in.release": $release}
      },
      rootfs: {type: "layers", diff_ids: [$diff_id]},
      history: [{created: $created, created_by: "debootstrap --arch=arm64 --variant=minbase --include=ca-certificates,libc6,libgcc-s1,libicu72,libssl3,libstdc++6,tzdata,zlib1g bookworm; groupadd --gid=1654 app; useradd -l --uid=1654 --gid=1654 --create-home app"}]
    }' >"$archive/config.json"
  jq -n --arg tag "$target/runtime-deps:$channel-linux-arm64" \
    '[{Config: "config.json", RepoTags: [$tag], Layers: ["layer/layer.tar"]}]' >"$archive/manifest.json"
  tar -C "$archive" -c . | docker load >/dev/null
  rm -rf "$archive"
  phase "loaded $target/runtime-deps:$channel-linux-arm64"

  # ---- runtime and aspnet ------------------------------------------------------------------------------------------
  mkdir -p "$work/runtime/dotnet/host/fxr/$runtime_version" "$work/runtime/dotnet/shared/Microsoft.NETCore.App/$runtime_version"
  install -m 755 "$work/dotnet" "$work/runtime/dotnet/dotnet"
  install -m 755 "$core_pack/native/libhostfxr.so" "$work/runtime/dotnet/host/fxr/$runtime_version/"
  # Managed assemblies and the framework's deps.json and runtimeconfig.json 644, native libraries and createdump 755,
  # as a real install has them.
  install -m 644 "$core_pack/$tfm"/* "$work/runtime/dotnet/shared/Microsoft.NETCore.App/$runtime_version/"
  for f in "$core_pack"/native/*; do
    [ "${f##*/}" = libhostfxr.so ] || install -m 755 "$f" "$work/runtime/dotnet/shared/Microsoft.NETCore.App/$runtime_version/"
  done
  cat >"$work/runtime/Dockerfile" <<DOCKERFILE
FROM $target/runtime-deps:$channel-linux-arm64
ENV DOTNET_VERSION=$runtime_version
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
LABEL org.pipelineimage.stand-in=true org.pipelineimage.stand-in.revision=$revision org.pipelineimage.stand-in.for=$repo/runtime:$channel org.pipelineimage.stand-in.release="$release"
DOCKERFILE
  docker build -q --platform linux/arm64 -t "$target/runtime:$channel-linux-arm64" "$work/runtime" >/dev/null 2>"$work/build.log" \
    || { cat "$work/build.log" >&2; exit 1; }

  mkdir -p "$work/aspnet/shared/Microsoft.AspNetCore.App/$aspnet_version"
  install -m 644 "$aspnet_pack/$tfm"/* "$work/aspnet/shared/Microsoft.AspNetCore.App/$aspnet_version/"
  cat >"$work/aspnet/Dockerfile" <<DOCKERFILE
FROM $target/runtime:$channel-linux-arm64
ENV ASPNET_VERSION=$aspnet_version
COPY shared /usr/share/dotnet/shared
LABEL org.pipelineimage.stand-in=true org.pipelineimage.stand-in.revision=$revision org.pipelineimage.stand-in.for=$repo/aspnet:$channel org.pipelineimage.stand-in.release="$release"
DOCKERFILE
  docker build -q --platform linux/arm64 -t "$target/aspnet:$channel-linux-arm64" "$work/aspnet" >/dev/null 2>"$work/build.log" \
    || { cat "$work/build.log" >&2; exit 1; }
  for i in "${images[@]}"; do
    local_current "$i" || { log "$target/$i:$channel-linux-arm64 is not an arm64 image of revision $revision"; exit 1; }
  done
  phase "built $target/{runtime,aspnet}:$channel-linux-arm64"
fi

# ---- the indexes ---------------------------------------------------------------------------------------------------
# docker manifest keeps lists it creates under ~/.docker/manifests: a throwaway config directory keeps none behind.
export DOCKER_CONFIG=$work/docker-config
mkdir -p "$DOCKER_CONFIG"
for i in "${images[@]}"; do
  docker tag "$repo/$i:$channel" "$target/$i:$channel-linux-amd64"
  docker push -q "$target/$i:$channel-linux-amd64" >/dev/null
  docker push -q "$target/$i:$channel-linux-arm64" >/dev/null
  docker rmi "$target/$i:$channel-linux-amd64" >/dev/null   # only the tag: the image stays under $repo/$i:$channel
  docker manifest create --insecure "$target/$i:$channel" \
    "$target/$i:$channel-linux-amd64" "$target/$i:$channel-linux-arm64" >/dev/null
  docker manifest push --insecure --purge "$target/$i:$channel" >/dev/null
  published "$i" || { log "$target/$i:$channel in the registry is not the index expected"; exit 1; }
done
phase "pushed the indexes $target/{$(IFS=,; echo "${images[*]}")}:$channel"

# ---- run them --------------------------------------------------------------------------------------------------------
unset DOCKER_CONFIG
machine=$(docker run --rm --network none --platform linux/arm64 "$target/runtime:$channel" uname -m 2>"$work/run.log") \
  || { cat "$work/run.log" >&2; exit 1; }
runtimes=$(docker run --rm --network none --platform linux/arm64 "$target/aspnet:$channel" dotnet --list-runtimes 2>>"$work/run.log") \
  || { cat "$work/run.log" >&2; exit 1; }
docker rmi "$target/runtime:$channel" "$target/aspnet:$channel" >/dev/null   # the tags the pulls made
[ "$machine" = aarch64 ] && grep -q "^Microsoft.NETCore.App $runtime_version " <<<"$runtimes" \
  && grep -q "^Microsoft.AspNetCore.App $aspnet_version " <<<"$runtimes" \
  || { log "the arm64 stand-ins do not run: uname -m says '$machine', dotnet --list-runtimes: $runtimes"; exit 1; }
phase "ran $target/runtime:$channel and aspnet:$channel on linux/arm64 (uname -m: $machine)"
log "arm64 stand-ins ready in $((SECONDS - started)) s"
