#!/usr/bin/env bash
# How fast each CPU of this machine runs a CPU-bound kernel, alone and with
# every CPU busy, and what that allows an N-thread run to gain over one thread.
#   bench/core_speed.sh        (BENCH_BIN=path/to/idstitch_bench to use another build)
# Why: on the 2-vCPU VMs this project is measured on, the vCPUs need not be
# equal (one measured 1.57x slower than the other, alone; README "Speed and
# scale"). A CPU-bound job split over both then gains at most
# 1 + fast/slow over one thread on the fast vCPU, whatever the code does, so
# the end-to-end scaling figure is read against this ceiling.
# The kernel is BM_HashIdentifier (XXH3 over in-cache identifiers): no memory
# traffic, no locks, so only the CPU's own speed shows.
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${BENCH_BIN:-build/bin/idstitch_bench}"
[ -x "$bench" ] || { echo "build first: ./setup.sh" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CPUs this process may run on, e.g. "0-1" or "0,2,4" -> one per line.
cpus=$(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
       awk -F- '{ if (NF == 2) for (c = $1; c <= $2; ++c) print c; else print $1 }')
run() {  # run CPU OUT: the kernel's ns per iteration, pinned to CPU
  taskset -c "$1" "$bench" --benchmark_filter='^BM_HashIdentifier/' --benchmark_min_time=1 \
    --benchmark_format=csv 2>/dev/null | awk -F, 'END { print $3 }' > "$2"
}
for cpu in $cpus; do run "$cpu" "$work/alone-$cpu"; done
for cpu in $cpus; do run "$cpu" "$work/busy-$cpu" & done
wait

python3 - "$work" $cpus <<'PY'
import sys
work, cpus = sys.argv[1], sys.argv[2:]
read = lambda name: float(open('%s/%s' % (work, name)).read())
alone = {c: read('alone-' + c) for c in cpus}
busy = {c: read('busy-' + c) for c in cpus}
print('| CPU | alone, us per 16384 hashes | all CPUs busy | relative speed, all busy |')
print('|---|---|---|---|')
fastest = min(alone.values())
for c in cpus:
    print('| %s | %.1f | %.1f | %.2f |' % (c, alone[c], busy[c], fastest / busy[c]))
ceiling = sum(fastest / busy[c] for c in cpus)
print()
print('ceiling for a CPU-bound job on all %d CPUs over one thread on the fastest: %.2fx'
      % (len(cpus), ceiling))
PY
