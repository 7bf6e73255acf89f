#!/usr/bin/env bash
# Copies the .NET base image stand-ins (build/base-images.sh) from the host's dockerd into another engine's store,
# when that engine lacks their revision: `build/copy-stand-ins.sh NAME CLI...`, CLI being the command that talks to
# the other engine (`podman`, `/usr/local/libexec/pipelineimage/docker-containerd`, ...); it must understand
# `image inspect --format` and `load` as docker's and podman's do.
# Only the stand-ins themselves are copied: images whose org.pipelineimage.stand-in.for label names their own
# repository:tag. Images built on a stand-in inherit its labels and are left alone.
set -euo pipefail

name=$1; shift
[ $# -gt 0 ] || { echo "usage: $0 NAME CLI..." >&2; exit 2; }
log() { printf '[stand-ins] %s\n' "$*" >&2; }

label_of() { # label image cli...
  local label=$1 image=$2; shift 2
  "$@" image inspect --format "{{ index .Config.Labels \"$label\" }}" "$image" 2>/dev/null || true
}

missing=()
for image in $(docker image ls --filter label=org.pipelineimage.stand-in.for --format '{{.Repository}}:{{.Tag}}' | sort -u); do
  [ "$(label_of org.pipelineimage.stand-in.for "$image" docker)" = "$image" ] || continue
  want=$(label_of org.pipelineimage.stand-in.revision "$image" docker)
  [ "$(label_of org.pipelineimage.stand-in.revision "$image" "$@")" = "$want" ] || missing+=("$image")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "loading ${missing[*]} into $name's store"
  docker save "${missing[@]}" | "$@" load >/dev/null
fi
