#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt uses (deb822 sources or the one-line sources.list), for debootstrap:
# build/base-images.sh and build/arm64-stand-ins.sh take their roots from it, so that no package host is named here.
set -euo pipefail
uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
  /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
[ -n "$uri" ] || { echo "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/" >&2; exit 1; }
printf '%s\n' "$uri"
