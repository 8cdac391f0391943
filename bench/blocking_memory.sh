#!/usr/bin/env bash
# Memory of the attribute matcher's blocking stage on ~1M synthetic profiles
# (2^19 people, default rules, block cap 2000): candidate pairs streamed in
# chunks (what the matcher does) vs collected in one vector. Each variant runs
# in its own process so its peak RSS is its own.
#   bench/blocking_memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bench=build/bin/idstitch_bench
[ -x "$bench" ] || { echo "build first: ./setup.sh (with -DIDSTITCH_BUILD_BENCH=ON, the default)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '| variant | profiles | candidate pairs | wall s | pairs/s | peak RSS MB |\n|---|---|---|---|---|---|\n'
for variant in Stream Collect; do
  /usr/bin/time -f '%e %M' -o "$work/time" "$bench" --benchmark_filter="BM_AttributeBlocking_$variant\$|BM_AttributeBlocking_$variant/" \
    --benchmark_format=json > "$work/out.json" 2>/dev/null
  read -r wall rss_kb < "$work/time"
  python3 - "$variant" "$wall" "$rss_kb" "$work/out.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[4]))['benchmarks'][0]
print('| %s | %d | %d | %s | %.3gM | %d |' % (sys.argv[1].lower(), b['profiles'], b['pairs'], sys.argv[2],
      b['items_per_second'] / 1e6, int(sys.argv[3]) // 1024))
PY
done
