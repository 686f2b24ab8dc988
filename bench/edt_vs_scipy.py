#!/usr/bin/env python3
"""Distance transform and ring building: perirad against SciPy, measured in the same run.

1. EDT on a 512 x 512 x 300 mask with 0.7 x 0.7 x 2.5 mm voxels (three ellipsoidal "lesions"):
   whole process on both sides (read the NIfTI mask, transform, write an uncompressed .mha):
   `perirad --threads 1|N distance` against a Python process doing SimpleITK read +
   scipy.ndimage.distance_transform_edt(~mask, sampling) + SimpleITK write. The two maps are
   compared voxel for voxel.
2. The common case: tumor + rings of 2, 5 and 10 mm on lung1 (PyRadiomics test CT), whole command
   (`perirad regions`) against a Python process doing the same with SciPy on the volume cropped to
   the tumor's bounding box plus the 10 mm margin, writing four .nii.gz masks.

Run from the repository root after `cargo build --release`, with the peers' Python
(../shared/bench/setup-peers.sh):
    ~/.cache/perirad-peers/bin/python bench/edt_vs_scipy.py [--runs 3]
Prints a Markdown table (min and median of the runs) for BENCHMARKS.md.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import SimpleITK as sitk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERIRAD = os.path.join(ROOT, "target", "release", "perirad")
SHARED = os.path.join(ROOT, "..", "shared", "data")
PY = sys.executable

SCIPY_EDT = r"""
import sys, numpy as np, SimpleITK as sitk
from scipy import ndimage
img = sitk.ReadImage(sys.argv[1])
m = sitk.GetArrayFromImage(img) > 0
sp = img.GetSpacing()[::-1]
d = ndimage.distance_transform_edt(~m, sampling=sp).astype(np.float32)
out = sitk.GetImageFromArray(d)
out.CopyInformation(img)
sitk.WriteImage(out, sys.argv[2], useCompression=False)
"""

SCIPY_RINGS = r"""
import sys, os, numpy as np, SimpleITK as sitk
from scipy import ndimage
img = sitk.ReadImage(sys.argv[1])
lab = sitk.ReadImage(sys.argv[2])
out_dir = sys.argv[3]
m = sitk.GetArrayFromImage(lab) == 1
sp = np.array(lab.GetSpacing()[::-1])
widths = (2.0, 5.0, 10.0)
margin = np.ceil(max(widths) / sp).astype(int) + 1
idx = np.argwhere(m)
lo = np.maximum(idx.min(0) - margin, 0)
hi = np.minimum(idx.max(0) + 1 + margin, m.shape)
crop = m[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
d = ndimage.distance_transform_edt(~crop, sampling=sp)
def save(name, region):
    full = np.zeros(m.shape, np.uint8)
    full[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = region
    o = sitk.GetImageFromArray(full)
    o.CopyInformation(lab)
    sitk.WriteImage(o, os.path.join(out_dir, name + ".nii.gz"), useCompression=True)
save("tumor", crop)
for w in widths:
    save(f"ring_{int(w)}mm", (~crop) & (d <= w * (1 + 1e-9)))
"""


def timed(cmd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def make_mask(path):
    nx, ny, nz = 512, 512, 300
    sp = (0.7, 0.7, 2.5)
    z, y, x = np.ogrid[:nz, :ny, :nx]
    m = np.zeros((nz, ny, nx), bool)
    for (cx, cy, cz, rx, ry, rz) in ((200, 240, 150, 25, 20, 8), (330, 300, 120, 12, 12, 4), (260, 180, 200, 6, 6, 2)):
        m |= ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - cz) / rz) ** 2 <= 1.0
    img = sitk.GetImageFromArray(m.astype(np.uint8))
    img.SetSpacing(sp)
    sitk.WriteImage(img, path, useCompression=True)
    return int(m.sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    ncpu = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        mask = os.path.join(tmp, "mask.nii.gz")
        n_in = make_mask(mask)
        script = os.path.join(tmp, "edt.py")
        open(script, "w").write(SCIPY_EDT)
        ours, theirs = os.path.join(tmp, "perirad.mha"), os.path.join(tmp, "scipy.mha")
        s_min, s_med = timed([PY, script, mask, theirs], args.runs)
        p1 = timed([PERIRAD, "--threads", "1", "distance", "--mask", mask, "--out", ours], args.runs)
        pn = timed([PERIRAD, "--threads", str(ncpu), "distance", "--mask", mask, "--out", ours], args.runs)
        a = sitk.GetArrayFromImage(sitk.ReadImage(ours)).astype(np.float64)
        b = sitk.GetArrayFromImage(sitk.ReadImage(theirs)).astype(np.float64)
        maxdiff = float(np.max(np.abs(a - b)))
        rows.append(("EDT 512×512×300, 0.7×0.7×2.5 mm (%d mask voxels), whole process" % n_in, s_min, s_med, p1, pn))

        lung_img = os.path.join(SHARED, "pyradiomics", "images", "lung1_image.nrrd")
        lung_lab = os.path.join(SHARED, "pyradiomics", "images", "lung1_label.nrrd")
        rscript = os.path.join(tmp, "rings.py")
        open(rscript, "w").write(SCIPY_RINGS)
        d1, d2 = os.path.join(tmp, "scipy_rings"), os.path.join(tmp, "perirad_rings")
        os.makedirs(d1)
        r_s = timed([PY, rscript, lung_img, lung_lab, d1], args.runs)
        cmd = [PERIRAD, "--threads", "{}", "regions", "--image", lung_img, "--mask", lung_lab, "--label", "1",
               "--region", "tumor", "--region", "ring:2mm", "--region", "ring:5mm", "--region", "ring:10mm", "--out", d2]
        r1 = timed([c.format(1) for c in cmd], args.runs)
        rn = timed([c.format(ncpu) for c in cmd], args.runs)
        same = all(
            np.array_equal(sitk.GetArrayFromImage(sitk.ReadImage(os.path.join(d1, f"{n}.nii.gz"))),
                           sitk.GetArrayFromImage(sitk.ReadImage(os.path.join(d2, f"{n}.nii.gz"))))
            for n in ("tumor", "ring_2mm", "ring_5mm", "ring_10mm"))
        rows.append(("lung1 tumor + rings 2/5/10 mm, whole command", r_s[0], r_s[1], r1, rn))

    import scipy
    print(f"SciPy {scipy.__version__}, SimpleITK {sitk.Version.VersionString()}, {ncpu} cores, {args.runs} runs (min / median, seconds)")
    print()
    print("| task | SciPy | perirad 1 thread | perirad %d threads | ratio 1 thread (median) | ratio %d threads (median) |" % (ncpu, ncpu))
    print("|---|---|---|---|---|---|")
    for name, smin, smed, p1, pn in rows:
        print(f"| {name} | {smin:.2f} / {smed:.2f} | {p1[0]:.2f} / {p1[1]:.2f} | {pn[0]:.2f} / {pn[1]:.2f} | "
              f"{smed / p1[1]:.1f}× | {smed / pn[1]:.1f}× |")
    print()
    print(f"EDT maps: max |perirad − SciPy| = {maxdiff:.3g} mm (float32 output). lung1 regions identical to SciPy's: {same}")


if __name__ == "__main__":
    main()
