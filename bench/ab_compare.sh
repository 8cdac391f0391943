#!/usr/bin/env bash
# Compares two idstitch builds on the same generated file, interleaving their
# runs (A B, B A, A B ...) so that the machine's drift hits both alike, and prints
# the median wall time, CPU time (user+sys), peak RSS and per-stage seconds of each. Used to judge every
# speed change in the README: two separate runs minutes apart are not
# comparable on a shared VM.
#   bench/ab_compare.sh BIN_A BIN_B [PEOPLE] [REPS] [THREADS]
#     defaults: 100000 people (~1M events), 5 repetitions, 2 threads;
#     deterministic matchers (--no-colocation), as issue 5 measures.
#   PREVIOUS=1 bench/ab_compare.sh ...  measures the incremental run: every run
#     gets --previous DIR, DIR being BIN_A's output for the same file (the day
#     after a run that saw the same log: every identity keeps its ID).
#   COLD=1 bench/ab_compare.sh ...  drops the page cache before every run, so
#     each run reads the input from disk, as a fresh log would be (needs root:
#     it writes /proc/sys/vm/drop_caches). The default measures a cached file.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BIN_A BIN_B [PEOPLE] [REPS] [THREADS]" >&2; exit 2; }
bin_a=$(realpath "$1"); bin_b=$(realpath "$2")
people=${3:-100000}; reps=${4:-5}; threads=${5:-2}
for bin in "$bin_a" "$bin_b"; do
  [ -x "$bin" ] || { echo "$bin: not an executable" >&2; exit 2; }
done
if [ "${COLD:-0}" = 1 ] && [ ! -w /proc/sys/vm/drop_caches ]; then
  echo "COLD=1 needs root (it writes /proc/sys/vm/drop_caches)" >&2; exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin_a" gen --people "$people" --seed 7 --out "$work/data" --quiet
previous=()
if [ "${PREVIOUS:-0}" = 1 ]; then
  "$bin_a" resolve "$work/data/events.jsonl" --out "$work/previous" --threads "$threads" \
    --quiet --no-colocation
  previous=(--previous "$work/previous")
fi
: > "$work/rows"
for rep in $(seq "$reps"); do
  # A B, then B A: the second run of a pair was measured to gain up to 10-20%
  # (ingest) from the first, so the order alternates and the bias cancels.
  order="A B"; [ $((rep % 2)) = 0 ] && order="B A"
  for label in $order; do
    bin=$bin_a; [ "$label" = B ] && bin=$bin_b
    rm -rf "$work/out-$label"
    if [ "${COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$bin" resolve "$work/data/events.jsonl" \
      --out "$work/out-$label" --threads "$threads" --quiet --no-colocation "${previous[@]}"
    python3 -c '
import json, sys
t = json.load(open(sys.argv[3]))["timing_seconds"]
wall, user, system, rss_kb = (float(x) for x in sys.argv[2].split())
print(sys.argv[1], wall, user + system, rss_kb / 1024, *(t.get(s, 0.0) for s in
      ("read_parse_match", "graph", "load_previous", "assign_ids", "write", "total")))' \
      "$label" "$(cat "$work/time")" "$work/out-$label/report.json" >> "$work/rows"
  done
done
for file in identity_map.csv assignments.csv identities.jsonl changes.jsonl; do
  cmp -s "$work/out-A/$file" "$work/out-B/$file" || echo "note: A and B wrote different $file" >&2
done
python3 - "$work/rows" "$bin_a" "$bin_b" "$people" "$threads" "$reps" <<'PY'
import os, statistics, sys
rows, bin_a, bin_b, people, threads, reps = sys.argv[1:]
runs = {'A': [], 'B': []}
for line in open(rows):
    label, *values = line.split()
    runs[label].append([float(v) for v in values])
cache = 'input read from disk (page cache dropped before each run)' if os.environ.get('COLD') == '1' else 'input in the page cache'
mode = ', --previous (incremental run)' if os.environ.get('PREVIOUS') == '1' else ''
print(f'{people} people, {threads} threads, {cache}{mode}, medians of {reps} interleaved runs (ABBA order)')
print('| build | wall s | CPU s (user+sys) | peak RSS MB | read+parse+match | graph | load previous | assign | write | stages total |')
print('|---|---|---|---|---|---|---|---|---|---|')
medians = {}
for label, path in (('A', bin_a), ('B', bin_b)):
    medians[label] = [statistics.median(column) for column in zip(*runs[label])]
    print(f'| {label}: {path} | ' + ' | '.join('%.3f' % m for m in medians[label]) + ' |')
print('B/A wall: %.3f, CPU: %.3f, peak RSS: %.3f' % tuple(medians['B'][i] / medians['A'][i] for i in range(3)))
PY
