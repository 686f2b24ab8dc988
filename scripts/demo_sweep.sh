#!/bin/bash
# Runs the demo cohort generator and `perirad study` for several sizes and seeds and prints the
# validation AUC of every model and the paired DeLong p of tumor + ring 5 mm vs tumor only.
# A diagnostic of the phantom (the planted signal), not a test oracle.
# Usage: scripts/demo_sweep.sh [OUTDIR] (after cargo build -p perirad and
#        cargo build -p perirad-study --example demo_cohort)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/perirad-demo-sweep}
for spec in "120 2026" "120 7" "120 11" "60 2026" "60 7" "60 11"; do
  set -- $spec
  d=$out/n$1_seed$2; rm -rf "$d"
  gen=$("$root/target/debug/examples/demo_cohort" "$d" "$1" "$2" 2>&1 >/dev/null)
  t0=$(date +%s.%N); "$root/target/debug/perirad" study "$d/study.toml" >"$d.study.log" 2>&1 || true; t1=$(date +%s.%N)
  echo "== $gen; study $(python3 -c "print(round($t1 - $t0, 1))") s"
  python3 - "$d/results/results.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["outcomes"][0]
print("  ", " | ".join(f"{m['name']}: {m['validation']['value']:.3f}" for m in o["models"]))
for c in o["comparisons"]:
    if c["model"] == "Tumor + ring 5 mm":
        print("   DeLong", c["model"], "vs", c["reference"], f"p={c['p_value']}")
PY
done
