#!/usr/bin/env python3
"""Cross-check perirad's writers with SimpleITK: every file perirad writes must read, in SimpleITK,
exactly as SimpleITK reads the file it came from (voxels and pixel type identical; geometry within
1e-12 for NRRD/MetaImage and float32 precision for NIfTI-1).

Run from the repository root after `cargo build --release`, with the peers' Python
(../shared/bench/setup-peers.sh):
    ~/.cache/perirad-peers/bin/python scripts/check_writers_with_simpleitk.py
Not part of CI (it needs SimpleITK); the numbers it prints go into the issue notes.
"""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import SimpleITK as sitk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERIRAD = os.path.join(ROOT, "target", "release", "perirad")
DATA = os.path.join(ROOT, "crates", "perirad-io", "tests", "data")
SHARED = os.path.join(ROOT, "..", "shared", "data")

inputs = sorted(
    glob.glob(os.path.join(DATA, "nifti", "*.nii*"))
    + glob.glob(os.path.join(DATA, "nrrd", "*.n*rd"))
    + glob.glob(os.path.join(DATA, "metaimage", "*.mh?"))
) + [
    os.path.join(SHARED, "pyradiomics", "images", "breast1_image.nrrd"),
    os.path.join(SHARED, "pyradiomics", "images", "brain1_label.nrrd"),
    os.path.join(SHARED, "ibsi", "phantoms", "ct", "phantom.nii.gz"),
]

failures = 0
checked = 0
with tempfile.TemporaryDirectory() as tmp:
    for src in inputs:
        try:
            ref = sitk.ReadImage(src)
        except RuntimeError:
            continue  # SimpleITK cannot read it (NIfTI-2, sheared sform): nothing to compare with
        if ref.GetNumberOfComponentsPerPixel() != 1:
            continue
        for ext, tol in ((".nii.gz", 2e-7), (".nrrd", 1e-12), (".mha", 1e-12), (".mhd", 1e-12)):
            out = os.path.join(tmp, os.path.basename(src).split(".")[0] + ext)
            r = subprocess.run([PERIRAD, "convert", src, out], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL {src} -> {ext}: perirad: {r.stderr.strip()}")
                failures += 1
                continue
            got = sitk.ReadImage(out)
            problems = []
            if got.GetSize() != ref.GetSize():
                problems.append(f"size {got.GetSize()} != {ref.GetSize()}")
            if got.GetPixelIDTypeAsString() != ref.GetPixelIDTypeAsString():
                problems.append(f"type {got.GetPixelIDTypeAsString()} != {ref.GetPixelIDTypeAsString()}")
            for what in ("GetSpacing", "GetOrigin", "GetDirection"):
                a = np.array(getattr(got, what)())
                b = np.array(getattr(ref, what)())
                if np.any(np.abs(a - b) > tol * np.maximum(np.abs(b), 1.0)):
                    problems.append(f"{what[3:].lower()} {a.tolist()} != {b.tolist()}")
            if not np.array_equal(sitk.GetArrayFromImage(got), sitk.GetArrayFromImage(ref)):
                problems.append("voxels differ")
            checked += 1
            if problems:
                failures += 1
                print(f"FAIL {os.path.relpath(src, ROOT)} -> {ext}: " + "; ".join(problems))
print(f"{checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
