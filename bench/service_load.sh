#!/usr/bin/env bash
# Load benchmark of `idstitch serve` on loopback, printed as one markdown table.
#   bench/service_load.sh [RATE...]     default rates: 1000 2000 5000 10000 20000 req/s
# Starts the server on a fresh temporary store, prefills PREFILL people (untimed),
# then runs the open-loop client (bench/load_client.cc) for LOAD_SECONDS at each
# rate: 70% GET /v1/resolve, 30% POST /v1/events (WRITE_FRACTION). Latencies
# run from each request's scheduled send time, so a stalled server is charged
# for every request queued behind the stall. A rate is "within bounds" if
# lookup p99 < 1 ms, durable-write p99 < 5 ms, no errors, nothing unsent and
# >= 95% of it achieved ("unsent": scheduled requests an overloaded server never
# got to; the client gives up 2 s after each window). The client shares the
# machine's cores with the server, so the table is a lower bound for the server.
# Env: IDSTITCH_BIN (default build/bin/idstitch), LOAD_BIN (build/bin/idstitch_load),
# LOAD_SECONDS (10), CONNECTIONS (8: the server's httplib thread-pool size on
# <= 9 cores), PREFILL (100000), WRITE_FRACTION (0.3).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${IDSTITCH_BIN:-build/bin/idstitch}"
load="${LOAD_BIN:-build/bin/idstitch_load}"
[ -x "$bin" ] || { echo "build first: ./setup.sh" >&2; exit 2; }
[ -x "$load" ] || { echo "no load client at $load (build idstitch_load or set LOAD_BIN)" >&2; exit 2; }
seconds="${LOAD_SECONDS:-10}"
connections="${CONNECTIONS:-8}"
prefill="${PREFILL:-100000}"
write_fraction="${WRITE_FRACTION:-0.3}"
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 2000 5000 10000 20000)

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" serve --data "$work/store" --listen 127.0.0.1:0 --port-file "$work/port" 2> "$work/server.log" &
server=$!
for _ in $(seq 300); do
  [ -s "$work/port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/port" ] || { echo "the server did not write its port file" >&2; exit 1; }
port=$(cat "$work/port")

"$load" --port "$port" --prefill "$prefill" --seconds 0 --connections "$connections"
echo "load average before the sweep: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared by server and client)"
: > "$work/rows"
for rate in "${rates[@]}"; do
  "$load" --port "$port" --rate "$rate" --seconds "$seconds" --connections "$connections" \
    --write-fraction "$write_fraction" --known "$prefill" --seed "$rate" --row >> "$work/rows"
done
echo "load average after the sweep: $(cut -d' ' -f1-3 /proc/loadavg)"

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
[ "$status" = 0 ] || { echo "the server exited with status $status:" >&2; cat "$work/server.log" >&2; }

echo
echo "$seconds s per rate, $connections connections, $prefill people prefilled, write fraction $write_fraction; latencies in us"
echo
awk '
  BEGIN {
    print "| target req/s | achieved req/s | lookup p50 | lookup p99 | lookup p999 | write p50 | write p99 | write p999 | errors | lookup misses | unsent | within bounds |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|"
    best = 0
  }
  {
    ok = ($4 < 1000 && $7 < 5000 && $9 == 0 && $11 == 0 && $2 >= 0.95 * $1)
    if (ok && $1 > best) best = $1
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ok ? "yes" : "no"
  }
  END {
    print ""
    if (best > 0) print "highest rate within bounds (lookup p99 < 1 ms, write p99 < 5 ms): " best " req/s"
    else print "no rate tried met the bounds (lookup p99 < 1 ms, write p99 < 5 ms)"
  }' "$work/rows"
exit "$status"
