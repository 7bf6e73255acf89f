#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet (idempotent, as root):
# `build/install-packages.sh docker.io curl`. Nothing is fetched when all of them are there.
set -euo pipefail

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  printf '[install-packages] installing %s\n' "${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
