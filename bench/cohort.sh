#!/usr/bin/env bash
# Cohort extraction: perirad against PyRadiomics 3.1's batch command, same run, same machine.
#
# Cohort: PyRadiomics' test cases brain1, breast1 and lung1, each with its tumor and the rings of
# 2, 5 and 10 mm around it (12 regions).
# * PyRadiomics: `pyradiomics cases_pyradiomics.csv -p PARAMS --jobs N -o out.csv -f csv`, one
#   manifest row per region (the tumor masks and the ring masks of ../shared/data/rings/<case>/3d/,
#   which are what `perirad regions` builds).
# * perirad (rings): `perirad extract --manifest cases.csv --region ring:2mm --region ring:5mm
#   --region ring:10mm --params PARAMS --jobs N` (3 rows; builds the rings itself, filters each
#   image once for its four regions).
# * perirad (same manifest): `perirad extract --manifest cases_pyradiomics.csv --params PARAMS
#   --jobs N`, PyRadiomics' 12-row manifest read as it is.
# Parameter files (bench/params/): cohort_original.yaml (Original, diagnostics on),
# cohort_original_nodiag.yaml (the same without diagnostics), cohort_log_wavelet.yaml
# (Original + LoG 1/3/5 mm + Wavelet, no diagnostics).
# Wall time and peak RSS from /usr/bin/time (for PyRadiomics with --jobs 2, the peak of its
# largest process: its workers are separate processes). The values of both sides are compared.
#
# Run from the repository root after `cargo build --release -p perirad`, with the peers installed
# by ../shared/bench/setup-peers.sh:   bash bench/cohort.sh [RUNS (default 3)] [JOBS (default "1 2")]
# (PERIRAD_BENCH_CONFIGS="cohort_original" to run fewer parameter files, PERIRAD_BIN for another
# perirad binary, PERIRAD_BENCH_REPEAT=K to list each case K times, e.g. 3 for 9 cases, which
# shows how process start is amortised.)
# Prints Markdown tables for BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
jobs_list=${2:-"1 2"}
data=${PERIRAD_SHARED_DATA:-$root/../shared/data}
peers=${PERIRAD_PEERS:-$HOME/.cache/perirad-peers}/bin
perirad=${PERIRAD_BIN:-$root/target/release/perirad}
configs=${PERIRAD_BENCH_CONFIGS:-"cohort_original cohort_original_nodiag cohort_log_wavelet"}
repeat=${PERIRAD_BENCH_REPEAT:-1}
[ -x "$perirad" ] || { echo "build first: cargo build --release -p perirad" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
img=$data/pyradiomics/images
echo "case_id,image,mask" > "$work/cases.csv"
echo "ID,Image,Mask" > "$work/cases_pyradiomics.csv"
for rep in $(seq "$repeat"); do
  for c in brain1 breast1 lung1; do
    id=$c
    [ "$repeat" -gt 1 ] && id=${c}-$rep
    echo "$id,$img/${c}_image.nrrd,$img/${c}_label.nrrd" >> "$work/cases.csv"
    for r in tumor ring_2mm ring_5mm ring_10mm; do
      echo "${id}__$r,$img/${c}_image.nrrd,$data/rings/$c/3d/$r.nrrd" >> "$work/cases_pyradiomics.csv"
    done
  done
done

# measure NAME RUN_DIR COMMAND...: appends "name seconds peak_kb" to $work/times.
measure() {
  local name=$1 dir=$2
  shift 2
  rm -rf "$dir" && mkdir -p "$dir"
  /usr/bin/time -o "$dir/time.txt" -f "%e %M" "$@" > "$dir/stdout.txt" 2> "$dir/stderr.txt" || true
  echo "$name $(cat "$dir/time.txt" | tail -1)" >> "$work/times"
}

for params in $configs; do
  p=$root/bench/params/$params.yaml
  for run in $(seq "$runs"); do
    for j in $jobs_list; do
      d=$work/$params/j$j
      measure "$params pyradiomics $j" "$d/py" \
        "$peers/pyradiomics" "$work/cases_pyradiomics.csv" -p "$p" --jobs "$j" \
        -o "$d/py/out.csv" -f csv
      measure "$params perirad-rings $j" "$d/pr" \
        "$perirad" extract --manifest "$work/cases.csv" --params "$p" --region ring:2mm \
        --region ring:5mm --region ring:10mm --jobs "$j" --quiet --out "$d/pr/out.csv"
      measure "$params perirad-same-manifest $j" "$d/ps" \
        "$perirad" extract --manifest "$work/cases_pyradiomics.csv" --params "$p" --jobs "$j" \
        --quiet --out "$d/ps/out.csv"
    done
  done
done

"$peers/python" - "$work" "$runs" "$jobs_list" "$configs" <<'PY'
import csv, math, statistics, sys, os
work, runs, jobs, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()
times = {}
for line in open(os.path.join(work, "times")):
    params, tool, j, sec, kb = line.split()
    times.setdefault((params, tool, j), []).append((float(sec), int(kb)))

def compare(params, j):
    """Max relative difference between PyRadiomics' and perirad's values (rings run)."""
    ref = {}
    with open(os.path.join(work, params, f"j{j}", "py", "out.csv")) as f:
        for row in csv.DictReader(f):
            case, region = row["ID"].split("__")
            region = {"tumor": "tumor"}.get(region, region.replace("ring_", "ring:"))
            for k, v in row.items():
                if k.startswith(("original_", "log-", "wavelet-")) and v != "":
                    ref[(case, region, k)] = float(v)
    worst, n = 0.0, 0
    missing = 0
    with open(os.path.join(work, params, f"j{j}", "pr", "out.csv")) as f:
        got = {(r["case_id"], r["region"], r["feature"]): float(r["value"]) for r in csv.DictReader(f)}
    for key, w in ref.items():
        g = got.get(key)
        if g is None:
            missing += 1
            continue
        n += 1
        if not (math.isnan(w) and math.isnan(g)) and g != w:
            # relative, or absolute for values within 1e-9 of zero
            d = abs(g - w) / max(abs(w), 1e-9)
            if d > worst:
                worst, where = d, (key, g, w)
    if worst > 0:
        print(f"{params} jobs {j}: largest difference at {where}", file=sys.stderr)
    return n, len(ref), missing, worst

for params in configs:
    ncases = sum(1 for _ in open(os.path.join(work, "cases.csv"))) - 1
    print(f"\n{params}, {ncases} cases: min / median of {runs} runs, seconds; peak RSS MB (max over runs)\n")
    print("| jobs | PyRadiomics s | MB | perirad (rings) s | MB | ratio | perirad (same manifest) s | MB | ratio | values compared | max rel. diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for j in jobs:
        cells = [j]
        base = None
        for tool in ["pyradiomics", "perirad-rings", "perirad-same-manifest"]:
            t = times[(params, tool, j)]
            secs = [s for s, _ in t]
            med = statistics.median(secs)
            cells += [f"{min(secs):.2f} / {med:.2f}", f"{max(k for _, k in t) / 1024:.0f}"]
            if base is None:
                base = med
            else:
                cells.append(f"{base / med:.0f}×")
        n, total, missing, worst = compare(params, j)
        cells += [f"{n}/{total}" + (f" ({missing} missing)" if missing else ""), f"{worst:.1e}"]
        print("| " + " | ".join(cells) + " |")
PY
