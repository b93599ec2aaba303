#!/usr/bin/env bash
# Install Debian's Go toolchains side by side under /usr/lib/go-1.NN.
#
# usage: scripts/install-go.sh [VERSION...]     e.g. 1.19 1.22 1.26
#        (no argument: every release gostuck supports)
#
# 1.19 comes from bookworm, 1.21-1.23 from bookworm-backports, 1.24 from
# trixie, 1.25-1.27 from trixie-backports.  The extra suites are added with an
# apt pin below the default release (priority 100), so nothing but the named
# golang-1.NN packages is ever taken from them.  Idempotent: a toolchain that
# is already installed is left alone, and apt is only asked when something
# is missing.
set -euo pipefail

all="1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"
versions=${*:-$all}

suite_of() {
  case "$1" in
    1.19|1.20) echo bookworm ;;
    1.21|1.22|1.23) echo bookworm-backports ;;
    1.24) echo trixie ;;
    1.25|1.26|1.27) echo trixie-backports ;;
    *) echo "install-go.sh: Go $1 is not packaged by Debian for this machine (supported: $all)" >&2; return 1 ;;
  esac
}

missing=()
for v in $versions; do
  suite_of "$v" >/dev/null
  [ -x "/usr/lib/go-$v/bin/go" ] || missing+=("$v")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

list=/etc/apt/sources.list.d/gostuck-go.sources
pin=/etc/apt/preferences.d/gostuck-go
want_sources=$(cat <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
)
want_pin=$(cat <<'PIN'
# gostuck: Go toolchains only; everything else stays on the default release.
Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 100
PIN
)
changed=0
if [ "$(cat "$list" 2>/dev/null)" != "$want_sources" ]; then
  printf '%s\n' "$want_sources" | $SUDO tee "$list" >/dev/null; changed=1
fi
if [ "$(cat "$pin" 2>/dev/null)" != "$want_pin" ]; then
  printf '%s\n' "$want_pin" | $SUDO tee "$pin" >/dev/null; changed=1
fi
stamp=/var/lib/apt/lists/gostuck-go.updated
if [ $changed -eq 1 ] || [ ! -e "$stamp" ]; then
  $SUDO apt-get update -qq
  $SUDO touch "$stamp"
fi

pkgs=()
for v in "${missing[@]}"; do
  pkgs+=("golang-$v-go/$(suite_of "$v")")
done
echo "install-go.sh: installing ${pkgs[*]}" >&2
# -t is not used: each package names its suite, so dependencies that exist
# in the default release come from there.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
for v in "${missing[@]}"; do
  [ -x "/usr/lib/go-$v/bin/go" ] || { echo "install-go.sh: golang-$v-go installed but /usr/lib/go-$v/bin/go is missing" >&2; exit 1; }
done
