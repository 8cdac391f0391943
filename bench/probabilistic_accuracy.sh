#!/usr/bin/env bash
# Accuracy of the probabilistic matchers, in one run:
#  1. the attribute matcher on the public data sets (../shared/data): the
#     matcher alone (blocking recall, candidate pairs) and the whole pipeline;
#  2. the generator's data with and without each probabilistic matcher.
#   bench/probabilistic_accuracy.sh [PEOPLE]     default 20000
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/idstitch
tests=build/bin/idstitch_tests
[ -x "$bin" ] && [ -x "$tests" ] || { echo "build first: ./setup.sh" >&2; exit 2; }
people="${1:-20000}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== Attribute matcher on the public data sets (no labels used in training)"
"$tests" --gtest_filter='AttributeAccuracy*:PublicDatasets*' 2>/dev/null | grep -E '^\|| records ' || true

echo
echo "== Generated data ($people people, seed 7): with and without each probabilistic matcher"
"$bin" gen --people "$people" --seed 7 --out "$work/data" --quiet
printf '| matchers | wall s | pairwise P | pairwise R | pairwise F1 | B-cubed F1 |\n|---|---|---|---|---|---|\n'
run() {
  local label="$1"; shift
  /usr/bin/time -f '%e' -o "$work/time" "$bin" resolve "$work/data/events.jsonl" --out "$work/out" --quiet "$@"
  "$bin" eval --truth "$work/data/truth.csv" --assignments "$work/out/assignments.csv" --out "$work/eval.json" >/dev/null
  python3 - "$label" "$(cat "$work/time")" "$work/eval.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[3])); p = e['pairwise']; b = e['bcubed']
print('| %s | %s | %.4f | %.4f | %.4f | %.4f |' % (sys.argv[1], sys.argv[2], p['precision'], p['recall'], p['f1'], b['f1']))
PY
}
run "deterministic only" --no-colocation
run "+ co-location (default)"
run "+ attribute" --no-colocation --attribute-matcher
run "+ co-location + attribute" --attribute-matcher
