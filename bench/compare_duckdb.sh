#!/usr/bin/env bash
# idstitch against the SQL approach warehouse users run today (DuckDB, bench/duckdb/stitch.mjs:
# identifiers sharing a record joined, connected components by label propagation), on the
# same generated logs, timed in the same run; prints a table with the ratio of wall times.
#   bench/compare_duckdb.sh [PEOPLE...]      default: 10000 100000 (~100k and ~1M events)
# Needs a Release build in build/ (./setup.sh), Node 20+ and npm (installs @duckdb/node-api
# into bench/duckdb/node_modules on first use). For each size: generate (seed 7), run
# `idstitch resolve --no-colocation --threads 2` and stitch.mjs (DuckDB's default threads,
# one per core; DUCKDB_THREADS=N overrides) alternately REPS times (default 3), report each
# one's median wall time, score both with `idstitch eval`.
# stdout: the table; stderr: stitch.mjs's phase times and iteration counts.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/idstitch
[ -x "$bin" ] || { echo "build first: ./setup.sh" >&2; exit 2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then echo "needs node and npm" >&2; exit 2; fi
# `npm install`, not `npm ci`: the lock lacks the bindings of platforms whose build of this
# version the registry does not offer, and `npm ci` refuses a lock missing optional packages.
# With the lock present, `npm install` installs exactly the locked versions.
if [ ! -d bench/duckdb/node_modules ]; then
  (cd bench/duckdb && npm install --no-audit --no-fund >&2)
fi
duckdb_pkg=$(node -p "require('./bench/duckdb/node_modules/@duckdb/node-api/package.json').version")
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
reps=${REPS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints "P | R | F1" of an assignments file against the truth.
score() {
  "$bin" eval --truth "$1" --assignments "$2" --out "$work/eval.json" >/dev/null
  python3 -c "
import json; p=json.load(open('$work/eval.json'))['pairwise']
print('%.4f | %.4f | %.4f' % (p['precision'], p['recall'], p['f1']))"
}

printf '| people | events | engine | wall s | events/s | peak RSS MB | pairwise P | pairwise R | pairwise F1 | wall / idstitch wall |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
# Runs "$@" under /usr/bin/time; appends "wall rss_kb" to the file named by $1.
timed() {
  local log=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@"
  cat "$work/time" >> "$log"
}
# The median wall time of a log (REPS lines), and that run's peak RSS in MB.
median() { sort -n "$1" | awk '{ w[NR] = $1; m[NR] = $2 } END { i = int((NR + 1) / 2); print w[i], int(m[i] / 1024) }'; }

for people in "${sizes[@]}"; do
  data="$work/data-$people"
  "$bin" gen --people "$people" --seed 7 --out "$data" --quiet
  sync  # the generator's write-back must not run into the timed runs
  events=$(wc -l < "$data/events.jsonl")
  : > "$work/idstitch.log"
  : > "$work/duckdb.log"
  echo "# stitch.mjs, $people people:" >&2
  for rep in $(seq "$reps"); do
    rm -rf "$work/idstitch-$people" "$work/duckdb-$people"
    timed "$work/idstitch.log" "$bin" resolve "$data/events.jsonl" --out "$work/idstitch-$people" \
      --no-colocation --threads 2 --quiet
    timed "$work/duckdb.log" node bench/duckdb/stitch.mjs "$data/events.jsonl" \
      --out "$work/duckdb-$people"
  done
  read -r id_wall id_rss < <(median "$work/idstitch.log")
  read -r wall rss < <(median "$work/duckdb.log")
  rate=$(python3 -c "print(int($events / max($id_wall, 0.001)))")
  printf '| %s | %s | idstitch | %s | %s | %s | %s | 1.00 |\n' "$people" "$events" "$id_wall" \
    "$rate" "$id_rss" "$(score "$data/truth.csv" "$work/idstitch-$people/assignments.csv")"
  rate=$(python3 -c "print(int($events / max($wall, 0.001)))")
  ratio=$(python3 -c "print('%.2f' % ($wall / max($id_wall, 0.01)))")
  printf '| %s | %s | DuckDB | %s | %s | %s | %s | %s |\n' "$people" "$events" "$wall" \
    "$rate" "$rss" "$(score "$data/truth.csv" "$work/duckdb-$people/assignments.csv")" "$ratio"
done
printf '\nMedians of %s interleaved runs each. DuckDB %s (@duckdb/node-api %s), %s threads; idstitch --threads 2 --no-colocation.\n' "$reps" \
  "$(node -p "require('./bench/duckdb/node_modules/@duckdb/node-bindings/package.json').version.split('-')[0]")" \
  "$duckdb_pkg" "${DUCKDB_THREADS:-$(nproc)}"
