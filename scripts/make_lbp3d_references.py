#!/usr/bin/env python3
"""Writes crates/perirad-features/tests/data/lbp3d/pyradiomics_lbp3d.txt: PyRadiomics 3.1's own
`imageoperations.getLBP3DImage` on small synthetic images, for what the shared feature values do
not reach: ROIs touching every face of the image (map_coordinates' `constant` mode), axes of 1
and 2 voxels, int16 / uint8 / float32 / float64 images, 2 to 4 levels (PyRadiomics fails on 1) (the Legendre recursion of
degree 3), icosphere subdivisions 0 to 2, radii 1, 1.5 and 2, and a flat neighbourhood (NaN
kurtosis). Also trimesh's icosphere vertices for those (subdivision, radius) pairs.

Layout (whitespace separated, x fastest, floats as Python's round-trip `repr`):
    sphere <subdivision> <radius> <n>
    vertex <x> <y> <z>                                   (n lines, in trimesh's order)
    case <id> <dtype> <levels> <radius> <subdivision> <nx> <ny> <nz>
    input <nx*ny*nz values>
    mask <nx*ny*nz 0/1>
    image <name> <values at the ROI voxels, x fastest>   (one line per image, PyRadiomics' order)

Only the ROI voxels are written: PyRadiomics leaves the rest of its result array uninitialised.

`numpy.arccos` and `numpy.arctan2` are replaced by Python's `math.acos` and `math.atan2` (the C
library's) while this runs: numpy's AVX-512 versions are one unit in the last place off for some
icosphere vertices (e.g. arccos(0.5); arctan2 at subdivision 2), and the shared PyRadiomics 3.1
values (`v3.1/values`) were computed with the C library's (brain1's
`lbp-3D-m2_firstorder_RobustMeanAbsoluteDeviation` is reproduced only that way: it depends on the
last bits, see `filters::lbp3d`). Everything else is numpy's.

Run from the repository root with the peers' Python (PyRadiomics 3.1.0, SciPy 1.14.1, trimesh):
    ~/.cache/perirad-peers/bin/python scripts/make_lbp3d_references.py
"""
import os

import math

import numpy as np
import SimpleITK as sitk
from radiomics import imageoperations
from trimesh.creation import icosphere


def libm_arccos(x, *args, **kwargs):
    x = np.asarray(x, dtype=np.float64)
    return np.array([math.acos(v) for v in x.ravel()]).reshape(x.shape)


def libm_arctan2(y, x, *args, **kwargs):
    y, x = np.broadcast_arrays(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64))
    return np.array([math.atan2(a, b) for a, b in zip(y.ravel(), x.ravel())]).reshape(y.shape)


np.arccos = libm_arccos
np.arctan2 = libm_arctan2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "perirad-features", "tests", "data", "lbp3d",
                   "pyradiomics_lbp3d.txt")

SPHERES = [(0, 2.0), (1, 1.0), (2, 1.5)]

# id, numpy dtype, levels, radius, subdivision, (nx, ny, nz), mask kind
CASES = [
    ("int16_default", np.int16, 2, 1.0, 1, (7, 6, 5), "corners"),
    ("int16_levels4_sub0_r2", np.int16, 4, 2.0, 0, (6, 5, 5), "block"),
    ("float64_levels3_sub2_r1_5", np.float64, 3, 1.5, 2, (5, 6, 4), "corners"),
    ("float32_block", np.float32, 2, 1.0, 1, (5, 4, 4), "block"),
    ("uint8_two_slices", np.uint8, 2, 1.0, 1, (6, 5, 2), "all"),
    ("int16_one_slice", np.int16, 2, 1.0, 1, (5, 4, 1), "all"),
    ("int16_flat", np.int16, 2, 1.0, 1, (7, 7, 7), "flat"),
]


def values(array):
    return " ".join(repr(float(v)) for v in np.asarray(array, dtype=np.float64).ravel())


def intensities(dtype, shape):
    """Deterministic intensities with structure, ties and (for signed types) sign changes."""
    nz, ny, nx = shape
    z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    base = 37.0 * np.sin(1.3 * x + 0.7 * y * y - 0.9 * z) + 11.0 * ((x * 7 + y * 3 + z * 5) % 9)
    if dtype == np.uint8:
        return np.round(base + 60.0).astype(np.uint8)
    if dtype == np.int16:
        return np.round(4.0 * base - 30.0).astype(np.int16)
    if dtype == np.float32:
        return (base / 3.0 - 5.0).astype(np.float32)
    return base / 7.0 + 0.25 * x * y - 2.0


def roi(kind, shape):
    nz, ny, nx = shape
    m = np.zeros(shape, dtype=np.uint8)
    if kind == "all":
        m[...] = 1
    elif kind == "block":
        m[1:-1, 1:, :-1] = 1
        m[0, 0, 0] = 1
    elif kind == "corners":
        m[1:-1, 1:-1, 1:-1] = 1
        for z in (0, nz - 1):
            for y in (0, ny - 1):
                for x in (0, nx - 1):
                    m[z, y, x] = 1
        m[0, ny // 2, nx // 2] = 1
        m[nz // 2, 0, nx // 2] = 1
        m[nz // 2, ny // 2, nx - 1] = 1
    elif kind == "flat":
        m[1:6, 2:5, 2:5] = 1
    return m


def main():
    lines = []
    for subdivision, radius in SPHERES:
        v = np.array(icosphere(subdivision, radius).vertices)
        lines.append(f"sphere {subdivision} {radius!r} {len(v)}")
        for row in v:
            lines.append("vertex " + values(row))
    for case_id, dtype, levels, radius, subdivision, (nx, ny, nz), kind in CASES:
        shape = (nz, ny, nx)
        arr = intensities(dtype, shape)
        if kind == "flat":
            # 100 but for small variations in the first slice: the samples of the inner ROI
            # voxels all round to 100 (zero variance, NaN kurtosis), not those near z = 0.
            arr[1:] = 100
            arr[0] = 100 + arr[0] % 5 - 2
        mask = roi(kind, shape)
        image = sitk.GetImageFromArray(arr)
        image.SetSpacing((0.8, 0.9, 2.5))
        label = sitk.GetImageFromArray(mask)
        label.CopyInformation(image)
        lines.append(f"case {case_id} {np.dtype(dtype).name} {levels} {radius!r} {subdivision} "
                     f"{nx} {ny} {nz}")
        lines.append("input " + values(arr))
        lines.append("mask " + " ".join(str(int(b)) for b in mask.ravel()))
        inside = mask == 1
        for im, name, _ in imageoperations.getLBP3DImage(
                image, label, lbp3DLevels=levels, lbp3DIcosphereRadius=radius,
                lbp3DIcosphereSubdivision=subdivision, label=1):
            lines.append(f"image {name} " + values(sitk.GetArrayFromImage(im)[inside]))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
