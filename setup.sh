#!/usr/bin/env bash
# Installs the Debian 12 packages idstitch builds against. Idempotent; run as root or with sudo.
set -euo pipefail
packages=(
  build-essential cmake pkg-config ninja-build
  libboost-graph-dev libboost-iostreams-dev zlib1g-dev
  libabsl-dev libtbb-dev libxxhash-dev libsimdjson-dev libphonenumber-dev
  libcli11-dev nlohmann-json3-dev libre2-dev libgtest-dev libgmock-dev libbenchmark-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
