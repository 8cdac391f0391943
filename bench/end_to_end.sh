#!/usr/bin/env bash
# End-to-end speed, memory and accuracy on generated data, printed as tables.
#   bench/end_to_end.sh [--default-matchers] [PEOPLE...]
#     default sizes: 10000 100000 1000000 (~100k, ~1M, ~10M events)
#     default matchers: deterministic only (--no-colocation), as issue 5 measures;
#     --default-matchers adds device co-location (the resolve default).
# Needs a Release build in build/ (./setup.sh). For each size: generate (seed
# 7), resolve with 1 and 2 threads alternately REPS times (default 3; the VM's
# speed drifts), report the median-wall run of each, score the 2-thread one.
# Per-stage seconds and the graph's bytes per distinct identifier come from
# report.json; wall time and peak RSS from /usr/bin/time. The 2-thread scaling
# is printed beside the ceiling that bench/core_speed.sh measured for this
# machine just before the runs (the VM's vCPUs are not always equal).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/idstitch
[ -x "$bin" ] || { echo "build first: ./setup.sh" >&2; exit 2; }
matchers=(--no-colocation)
if [ "${1:-}" = "--default-matchers" ]; then
  matchers=()
  shift
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
reps=${REPS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ceiling=$( (bench/core_speed.sh 2>/dev/null || true) | sed -n 's/^ceiling.*: //p')
[ -n "$ceiling" ] || ceiling="not measured (bench/core_speed.sh failed)"
rows="$work/rows"
: > "$rows"
for people in "${sizes[@]}"; do
  data="$work/data-$people"
  "$bin" gen --people "$people" --seed 7 --out "$data" --quiet
  sync  # the generator's write-back must not run into the timed runs
  events=$(wc -l < "$data/events.jsonl")
  # 1 and 2 threads alternately, REPS times; each run's report kept.
  for rep in $(seq "$reps"); do
    for threads in 1 2; do
      out="$work/out-$people-$threads-$rep"
      /usr/bin/time -f '%e %M' -o "$work/time" "$bin" resolve "$data/events.jsonl" --out "$out" \
        --threads "$threads" --quiet "${matchers[@]}"
      read -r wall rss_kb < "$work/time"
      echo "$wall $rss_kb $out" >> "$work/runs-$people-$threads"
    done
  done
  for threads in 1 2; do
    # The run with the median wall time stands for the configuration.
    read -r wall rss_kb out < <(sort -n "$work/runs-$people-$threads" |
                                 awk -v n="$reps" 'NR == int((n + 1) / 2)')
    scores="null"
    if [ "$threads" = 2 ]; then
      scores="$work/eval-$people.json"
      "$bin" eval --truth "$data/truth.csv" --assignments "$out/assignments.csv" --out "$scores" >/dev/null
    fi
    echo "$people $events $threads $wall $rss_kb $out/report.json $scores" >> "$rows"
  done
  rm -rf "$data" "$work"/out-"$people"-*/assignments.csv
done

python3 - "$rows" "$ceiling" <<'PY'
import json, sys
rows = [line.split() for line in open(sys.argv[1])]
ceiling = sys.argv[2]
print('| people | events | threads | wall s | events/s | read+parse+match | graph | assign | write | peak RSS MB | identifiers | graph B/identifier | identities | pairwise P | pairwise R | pairwise F1 |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
one_thread = {}
for people, events, threads, wall, rss_kb, report, scores in rows:
    r = json.load(open(report)); t = r['timing_seconds']; m = r['memory']
    acc = ['', '', '']
    if scores != 'null':
        p = json.load(open(scores))['pairwise']
        acc = ['%.4f' % p['precision'], '%.4f' % p['recall'], '%.4f' % p['f1']]
    if threads == '1':
        one_thread[people] = float(wall)
    print('| %s | %s | %s | %s | %d | %.2f | %.2f | %.2f | %.2f | %d | %d | %.1f | %d | %s |' % (
        people, events, threads, wall, int(events) / max(float(wall), 1e-3), t['read_parse_match'],
        t['graph'], t['assign_ids'], t['write'], int(rss_kb) // 1024, r['identifiers']['distinct'],
        m['graph_bytes_per_identifier'], r['identities']['count'], ' | '.join(acc)))
print()
for people, events, threads, wall, *_ in rows:
    if threads == '2':
        print('%s people: 2 threads are %.2fx one thread (this machine\'s ceiling for a '
              'CPU-bound job, bench/core_speed.sh: %s)' % (people, one_thread[people] / float(wall), ceiling))
PY
