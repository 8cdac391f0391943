#!/usr/bin/env bash
# Instructions executed by `idstitch resolve` on one generated file, counted by
# callgrind, for one or more builds, and whether their outputs are identical.
#   bench/instructions.sh [BIN...]        default: build/bin/idstitch
#     PEOPLE=10000 (~100k events, gen seed 7), THREADS=1, TOP=15,
#     MATCHERS="--no-colocation" (set MATCHERS= for the resolve default)
# Why: the development VM's speed drifts by 30% and more within minutes, so
# wall-time comparisons need interleaved pairs (bench/ab_compare.sh), while an
# instruction count is repeatable to about 0.1% (TBB's scheduling varies it a
# little) and names where the instructions go. It does not see cache misses,
# page faults or the kernel: a change is judged by both.
# Needs valgrind (apt-get install valgrind); not installed by ./setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null ||
  { echo "valgrind is needed: sudo apt-get install valgrind" >&2; exit 2; }
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(build/bin/idstitch)
for bin in "${bins[@]}"; do
  [ -x "$bin" ] || { echo "$bin: not an executable (build first: ./setup.sh)" >&2; exit 2; }
done
people=${PEOPLE:-10000}
threads=${THREADS:-1}
top=${TOP:-15}
read -r -a matchers <<< "${MATCHERS---no-colocation}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"${bins[0]}" gen --people "$people" --seed 7 --out "$work/data" --quiet
for i in "${!bins[@]}"; do
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$i" "${bins[$i]}" resolve \
    "$work/data/events.jsonl" --out "$work/out-$i" --threads "$threads" --quiet \
    "${matchers[@]}" 2> "$work/valgrind.$i" ||
    { cat "$work/valgrind.$i" >&2; exit 1; }
done

echo "idstitch resolve, $(wc -l < "$work/data/events.jsonl") events (gen --people $people" \
     "--seed 7), --threads $threads ${matchers[*]}"
echo
echo "| build | instructions | vs the first | outputs identical to the first's |"
echo "|---|---|---|---|"
first=""
for i in "${!bins[@]}"; do
  total=$(callgrind_annotate "$work/cg.$i" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  [ -n "$first" ] || first=$total
  same=yes
  for file in identity_map.csv assignments.csv identities.jsonl changes.jsonl rejects.jsonl; do
    cmp -s "$work/out-0/$file" "$work/out-$i/$file" || same="no ($file differs)"
  done
  awk -v bin="${bins[$i]}" -v total="$total" -v first="$first" -v same="$same" \
    'BEGIN { printf "| %s | %.4e | %.4f | %s |\n", bin, total, total / first, same }'
done
echo
echo "Top $top functions by own instructions, ${bins[-1]}:"
callgrind_annotate "$work/cg.$((${#bins[@]} - 1))" 2>/dev/null |
  awk '/^-+$/ { rule++ } rule >= 5 && /^ *[0-9,]+ / { print }' | head -n "$top" |
  sed -E 's/ \[[^]]*\]$//' | cut -c1-150
