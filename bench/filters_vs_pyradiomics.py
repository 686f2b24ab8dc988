#!/usr/bin/env python3
"""Filtered-image extraction: perirad against PyRadiomics 3.1, whole process, same run.

Case: lung1 (PyRadiomics' largest test CT, 512 x 512 x 48), the tumor and the rings of 2, 5 and
10 mm around it. Parameter file `bench/params/log_wavelet.yaml`: LoG sigma 1, 3, 5 mm and the
eight wavelet bands (coif1), first-order and the five texture classes (93 features per image,
4 x 11 x 93 = 4,092 values), bin width 25, no diagnostics.

* PyRadiomics side: one Python process running `featureextractor.execute` once per region (the
  tumor mask and the three ring masks of `../shared/data/rings/lung1/3d/`, which are what
  `perirad regions` builds), SimpleITK limited to N threads
  (`ProcessObject.SetGlobalDefaultNumberOfThreads`).
* perirad side: `perirad --threads N extract --image lung1_image.nrrd --mask lung1_label.nrrd
  --region ring:2mm --region ring:5mm --region ring:10mm --params log_wavelet.yaml` (builds the
  rings itself and filters the image once for the four regions).

The values of the two sides are compared feature by feature (max relative difference).
Run from the repository root after `cargo build --release`, with the peers' Python
(../shared/bench/setup-peers.sh):
    ~/.cache/perirad-peers/bin/python bench/filters_vs_pyradiomics.py [--runs 3] [--threads 1 2]
Prints a Markdown table (min and median of the runs) for BENCHMARKS.md.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERIRAD = os.path.join(ROOT, "target", "release", "perirad")
SHARED = os.path.join(ROOT, "..", "shared", "data")
PARAMS = os.path.join(ROOT, "bench", "params", "log_wavelet.yaml")
IMAGE = os.path.join(SHARED, "pyradiomics", "images", "lung1_image.nrrd")
MASKS = [
    ("tumor", os.path.join(SHARED, "pyradiomics", "images", "lung1_label.nrrd")),
    ("ring:2mm", os.path.join(SHARED, "rings", "lung1", "3d", "ring_2mm.nrrd")),
    ("ring:5mm", os.path.join(SHARED, "rings", "lung1", "3d", "ring_5mm.nrrd")),
    ("ring:10mm", os.path.join(SHARED, "rings", "lung1", "3d", "ring_10mm.nrrd")),
]

PYRADIOMICS = r"""
import json, sys, logging
import SimpleITK as sitk
import radiomics
from radiomics import featureextractor
radiomics.setVerbosity(logging.ERROR)
sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(int(sys.argv[1]))
params, image, out = sys.argv[2], sys.argv[3], sys.argv[4]
masks = json.loads(sys.argv[5])
ex = featureextractor.RadiomicsFeatureExtractor(params)
res = {}
for name, mask in masks:
    r = ex.execute(image, mask, label=1)
    res[name] = {k: float(v) for k, v in r.items() if not k.startswith("diagnostics_")}
json.dump(res, open(out, "w"))
"""


def timed(cmd, env=None):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            py_json = os.path.join(tmp, "py.json")
            ours_csv = os.path.join(tmp, "ours.csv")
            py_t, ours_t = [], []
            for _ in range(args.runs):
                py_t.append(timed([sys.executable, "-c", PYRADIOMICS, str(threads), PARAMS, IMAGE, py_json,
                                   json.dumps(MASKS)]))
                ours_t.append(timed([PERIRAD, "--threads", str(threads), "extract", "--image", IMAGE, "--mask",
                                     MASKS[0][1], "--region", "ring:2mm", "--region", "ring:5mm", "--region",
                                     "ring:10mm", "--params", PARAMS, "--out", ours_csv]))
            py = json.load(open(py_json))
            ours = {}
            with open(ours_csv) as f:
                for r in csv.DictReader(f):
                    ours.setdefault(r["region"], {})[r["feature"]] = float(r["value"])
            worst, compared = 0.0, 0
            for region, feats in py.items():
                for k, v in feats.items():
                    g = ours[region][k]
                    compared += 1
                    worst = max(worst, abs(g - v) / max(abs(v), 1e-9))
            rows.append((threads, py_t, ours_t, compared, worst))
    print("| threads | PyRadiomics s (min / median) | perirad s (min / median) | ratio (median) | values compared | max rel. diff |")
    print("|---|---|---|---|---|---|")
    for threads, py, ours, compared, worst in rows:
        print("| %d | %.2f / %.2f | %.2f / %.2f | %.1f× | %d | %.1e |" % (
            threads, min(py), statistics.median(py), min(ours), statistics.median(ours),
            statistics.median(py) / statistics.median(ours), compared, worst))


if __name__ == "__main__":
    main()
