#!/usr/bin/env bash
# Micro-benchmarks of the hot inner pieces (union-find vs Boost, identifier
# dictionary, normalizers, deterministic matchers, ParallelSort vs TBB's), printed as one table from a
# single run, so the union-find ours/Boost ratio compares like with like. Each
# benchmark runs REPS times (default 3) in random interleaved order and the
# table shows medians: on a shared machine one run can be off by 2x.
#   bench/micro.sh          (BENCH_BIN=path/to/idstitch_bench to use another build)
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${BENCH_BIN:-build/bin/idstitch_bench}"
[ -x "$bench" ] || { echo "build first: ./setup.sh (with -DIDSTITCH_BUILD_BENCH=ON, the default)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" --benchmark_format=json --benchmark_repetitions="${REPS:-3}" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_filter='^BM_(UnionFind|IdentifierDictionary|HashIdentifier|Normalize|DeterministicMatchers|ParallelSort)' \
  > "$work/micro.json"

python3 - "$work/micro.json" <<'EOF'
import json, sys

data = json.load(open(sys.argv[1]))
STANDARD = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
            "repetitions", "repetition_index", "threads", "iterations", "real_time",
            "cpu_time", "time_unit", "items_per_second", "bytes_per_second", "label",
            "error_occurred", "error_message", "aggregate_name", "aggregate_unit"}

def si(x):
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div:
            return "%.3g%s" % (x / div, suffix)
    return "%.3g" % x

def count(x):  # exact when integral (set counts are compared by eye)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e7 else si(x)

def size(arg):
    n = int(arg)
    return "2^%d" % (n.bit_length() - 1) if n > 0 and n & (n - 1) == 0 else arg

rates = {}  # (benchmark, size) -> items/s, for the ratio line
errors = 0
print("| benchmark | size | rate /s | ns/op | counters |")
print("|---|---|---|---|---|")
runs = data["benchmarks"]
# With repetitions, the medians (errored runs are left out of them, so they
# are listed too); single runs otherwise.
failed = [b for b in runs if b.get("error_occurred")]
good = [b for b in runs if not b.get("error_occurred")]
medians = [b for b in good if b.get("aggregate_name") == "median"]
rows = (medians or [b for b in good if b["run_type"] == "iteration"]) + failed
# Registration order: interleaving shuffles the order runs finish in.
for b in sorted(rows, key=lambda b: (b["family_index"], b["per_family_instance_index"])):
    # "BM_X/1048576/min_time:1.000" or "BM_Normalize/phone_us/4096": numeric parts
    # are the size, other parts name the case, "key:value" parts are run settings.
    # ("threads:N" is a benchmark's own argument: part of the name.)
    parts = [p for p in b["run_name"].split("/")
             if (":" not in p or p.startswith("threads:")) and p != "real_time"]
    name = "/".join([parts[0]] + [p for p in parts[1:] if not p.isdigit()])
    sz = " ".join(size(p) for p in parts[1:] if p.isdigit())
    if b.get("error_occurred"):
        errors += 1
        print("| %s | %s | ERROR: %s | | |" % (name, sz, b.get("error_message", "")))
        continue
    ips = b.get("items_per_second")
    rates[(name, sz)] = ips
    counters = ", ".join("%s=%s" % (k, count(v)) for k, v in b.items()
                         if k not in STANDARD and isinstance(v, (int, float)))
    ns = "" if not ips else "%.3g" % (1e9 / ips) if ips > 1e6 else "%.0f" % (1e9 / ips)
    print("| %s | %s | %s | %s | %s |" % (name, sz, si(ips) if ips else "", ns, counters))

def ratio(sz):
    ours, boost = rates.get(("BM_UnionFind_Ours", sz)), rates.get(("BM_UnionFind_Boost", sz))
    return "%.2f" % (ours / boost) if ours and boost else "n/a"

print()
print("union-find ours/boost ratio at 2^20 and 2^25: %s and %s (unions/s; > 1: ours faster)"
      % (ratio("2^20"), ratio("2^25")))
for case in ("PackedEdges", "LinkKeys"):
    found = [(k[0].split("/", 1)[1], k[1], v) for k, v in rates.items()
             if k[0].startswith("BM_ParallelSort_Ours_" + case + "/")]
    for threads, sz, ours in sorted(found):
        tbb = rates.get(("BM_ParallelSort_Tbb_%s/%s" % (case, threads), sz))
        if ours and tbb:
            print("ParallelSort / tbb::parallel_sort, %s %s, %s: %.2fx the rate" % (case, sz, threads, ours / tbb))
ctx = data["context"]
print("(%d CPUs at %.0f MHz, load average at start %s)" % (
    ctx["num_cpus"], ctx["mhz_per_cpu"], " ".join("%.2f" % x for x in ctx.get("load_avg", []))))
sys.exit(1 if errors else 0)
EOF
