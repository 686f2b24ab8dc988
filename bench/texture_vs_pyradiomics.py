#!/usr/bin/env python3
"""Texture stage: perirad against PyRadiomics 3.1, in-process, measured in the same run.

Both sides compute every feature of the texture classes of the PyRadiomics default parameter file
(`../shared/data/pyradiomics/v3.1/params/default.yaml`: glcm, glrlm, glszm, gldm, ngtdm; bin width
25) on the image and ROI already cropped to the ROI's bounding box, single-threaded:

* PyRadiomics: for each class, construct it on the cropped image and mask (this discretises the
  ROI) and call `execute()` (matrices and features); the time is the sum over the five classes.
  PyRadiomics' C extension computes the matrices.
* perirad: `examples/texture_timing.rs` (`pyradiomics_texture`: discretisation, matrices and
  features of the five classes), with RAYON_NUM_THREADS=1.

Cases: the lung1 tumor (PyRadiomics test CT), the lung1 10 mm ring (`../shared/data/rings`), and the
IBSI CT phantom ROI (125,256 voxels). The feature values of the two sides are compared too.

Each side runs `--warmup` runs that are not timed, then `--runs` timed runs, in one process, as
criterion does (the first calls of a process are slower: caches and branch predictors are cold,
fresh memory is faulted in). `--warmup 0` times every run from the first. Repeating one ROI also
lets the branch predictors learn its exact branches, which speeds perirad's repeated runs up more
than a cohort's calls on ever new ROIs (PyRadiomics' numpy and C loops gain nothing from it):
`PERIRAD_TIMING_INTERLEAVE=MASK` (see `examples/texture_timing.rs`) measures perirad without it.

Run from the repository root with the peers' Python (../shared/bench/setup-peers.sh):
    cargo build --release -p perirad-features --example texture_timing
    ~/.cache/perirad-peers/bin/python bench/texture_vs_pyradiomics.py [--runs 10] [--warmup 3]
Prints a Markdown table (min and median of the timed runs) for BENCHMARKS.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
import SimpleITK as sitk
import yaml
from radiomics import glcm, gldm, glrlm, glszm, imageoperations, ngtdm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
# Another build of the example (e.g. one made with RUSTFLAGS="-C target-cpu=x86-64-v3") can be
# timed by naming it in PERIRAD_TEXTURE_TIMING.
TIMING = os.environ.get(
    "PERIRAD_TEXTURE_TIMING", os.path.join(ROOT, "target", "release", "examples", "texture_timing")
)
PARAMS = os.path.join(SHARED, "pyradiomics", "v3.1", "params", "default.yaml")
CLASSES = [("glcm", glcm.RadiomicsGLCM), ("glrlm", glrlm.RadiomicsGLRLM),
           ("glszm", glszm.RadiomicsGLSZM), ("gldm", gldm.RadiomicsGLDM),
           ("ngtdm", ngtdm.RadiomicsNGTDM)]
CASES = [
    ("lung1 tumor", "pyradiomics/images/lung1_image.nrrd", "pyradiomics/images/lung1_label.nrrd", 1),
    ("lung1 10 mm ring", "pyradiomics/images/lung1_image.nrrd", "rings/lung1/3d/ring_10mm.nrrd", 1),
    ("IBSI CT phantom ROI", "ibsi/phantoms/ct/phantom.nii.gz", "ibsi/phantoms/ct/mask.nii.gz", 1),
]


def pyradiomics_run(image, mask, settings):
    """One run: the five classes on the cropped image; returns (seconds, features)."""
    total = 0.0
    features = {}
    for name, cls in CLASSES:
        t = time.perf_counter()
        fc = cls(image, mask, **settings)
        fc.enableAllFeatures()
        values = fc.execute()
        total += time.perf_counter() - t
        for k, v in values.items():
            features["original_%s_%s" % (name, k)] = float(v)
    return total, features


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    with open(PARAMS) as f:
        settings = {k: v for k, v in yaml.safe_load(f)["setting"].items() if v is not None}
    rows = []
    for label, image_path, mask_path, value in CASES:
        image = sitk.ReadImage(os.path.join(SHARED, image_path))
        mask = sitk.ReadImage(os.path.join(SHARED, mask_path))
        if mask.GetPixelID() != sitk.sitkUInt32:
            mask = sitk.Cast(mask, sitk.sitkUInt32)
        bb, _ = imageoperations.checkMask(image, mask, label=value, **{k: v for k, v in settings.items() if k != "label"})
        cimage, cmask = imageoperations.cropToTumorMask(image, mask, bb)
        voxels = int((sitk.GetArrayFromImage(cmask) == value).sum())
        py_times, py_features = [], {}
        for _ in range(args.warmup + args.runs):
            t, py_features = pyradiomics_run(cimage, cmask, dict(settings, label=value))
            py_times.append(t)
        py_times = py_times[args.warmup:]
        out = subprocess.run(
            [TIMING, os.path.join(SHARED, image_path), os.path.join(SHARED, mask_path), str(value), PARAMS,
             str(args.warmup + args.runs)],
            check=True, capture_output=True, text=True, env=dict(os.environ, RAYON_NUM_THREADS="1"))
        ours = json.loads(out.stdout)
        ours["times"] = ours["times"][args.warmup:]
        assert ours["voxels"] == voxels, (label, ours["voxels"], voxels)
        worst = 0.0
        compared = 0
        for k, v in py_features.items():
            if k not in ours["features"] or not np.isfinite(v):
                continue
            g = ours["features"][k]
            compared += 1
            worst = max(worst, abs(g - v) / max(abs(v), 1e-9))
        rows.append((label, voxels, py_times, ours["times"], compared, len(py_features), worst))
    print("| ROI | voxels | PyRadiomics s (min / median) | perirad s (min / median) | ratio (median) | values compared | max rel. diff |")
    print("|---|---|---|---|---|---|---|")
    for label, voxels, py, ours, compared, total, worst in rows:
        print("| %s | %s | %.4f / %.4f | %.5f / %.5f | %.0f× | %d/%d | %.1e |" % (
            label, f"{voxels:,}", min(py), statistics.median(py), min(ours), statistics.median(ours),
            statistics.median(py) / statistics.median(ours), compared, total, worst))


if __name__ == "__main__":
    main()
