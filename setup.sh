#!/usr/bin/env bash
# idstitch setup: installs the Debian 12 packages, builds in Release into build/,
# then optionally runs the demo or the test suite.
#   ./setup.sh            install + build
#   ./setup.sh --demo     ... then generate 100,000 people (~1M events), resolve, score
#   ./setup.sh --test     ... then run the whole test suite (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-}"
case "$mode" in ""|--demo|--test) ;; *) echo "usage: $0 [--demo|--test]" >&2; exit 2;; esac

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-graph-dev libboost-iostreams-dev zlib1g-dev
  libabsl-dev libtbb-dev libxxhash-dev libsimdjson-dev libphonenumber-dev libre2-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  librocksdb-dev libcpp-httplib-dev libjemalloc-dev
  time python3
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
echo "setup: built build/bin/idstitch"

case "$mode" in
  --demo)
    build/bin/idstitch gen --people 100000 --seed 7 --out data
    build/bin/idstitch resolve data/events.jsonl --out out
    build/bin/idstitch eval --truth data/truth.csv --assignments out/assignments.csv --out out/eval.json
    ;;
  --test)
    ctest --test-dir build --output-on-failure -j "$(nproc)"
    ;;
esac
