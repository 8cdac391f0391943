#!/usr/bin/env bash
# End-to-end accuracy and speed on generated data, printed as a table.
#   bench/end_to_end.sh [PEOPLE...]      default: 10000 100000 (~100k and ~1M events)
# Needs a Release build in build/ (./setup.sh). For each size: generate
# (seed 7), resolve with 1 and 2 threads, score the 2-thread run against the truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/idstitch
[ -x "$bin" ] || { echo "build first: ./setup.sh" >&2; exit 2; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '| people | events | threads | wall s | events/s | peak RSS MB | identities | pairwise P | pairwise R | pairwise F1 | B-cubed F1 |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for people in "${sizes[@]}"; do
  data="$work/data-$people"
  "$bin" gen --people "$people" --seed 7 --out "$data" --quiet
  events=$(wc -l < "$data/events.jsonl")
  for threads in 1 2; do
    out="$work/out-$people-$threads"
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" resolve "$data/events.jsonl" --out "$out" \
      --threads "$threads" --quiet
    read -r wall rss_kb < "$work/time"
    identities=$(python3 -c "import json;print(json.load(open('$out/report.json'))['identities']['count'])")
    "$bin" eval --truth "$data/truth.csv" --assignments "$out/assignments.csv" --out "$work/eval.json" >/dev/null
    scores=$(python3 -c "
import json; e=json.load(open('$work/eval.json'))
p=e['pairwise']; b=e['bcubed']
print('%.4f | %.4f | %.4f | %.4f' % (p['precision'], p['recall'], p['f1'], b['f1']))")
    rate=$(python3 -c "print(int($events / max($wall, 0.001)))")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$people" "$events" "$threads" "$wall" \
      "$rate" "$((rss_kb / 1024))" "$identities" "$scores"
  done
done
