#!/usr/bin/env python3
"""Writes crates/perirad-features/tests/data/wavelet/pyradiomics_wavelet.txt: the voxels of
PyRadiomics 3.1's own `imageoperations.getWaveletImage` on small synthetic int16 images, for the
cases the shared feature values do not reach: odd sizes, axes shorter than the filter, other
wavelets (haar, db3, sym4, bior2.4, rbio3.1, dmey), `level` 2 and 3, `start_level`, `force2D`
along each axis, a single-slice volume.

Layout (whitespace separated, x fastest, values as Python's round-trip `repr`):
    case <id> <wavelet> <level> <start_level> <force2D 0/1> <force2Ddimension> <nx> <ny> <nz>
    input <nx*ny*nz values>
    band <name> <nx*ny*nz values>      (one line per image, in PyRadiomics' order)

Run from the repository root with the peers' Python (PyRadiomics 3.1.0, PyWavelets 1.8.0):
    ~/.cache/perirad-peers/bin/python scripts/make_wavelet_references.py
"""
import os

import numpy as np
import SimpleITK as sitk
from radiomics import imageoperations

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "perirad-features", "tests", "data", "wavelet",
                   "pyradiomics_wavelet.txt")

# id, wavelet, level, start_level, force2D, force2Ddimension, (nx, ny, nz)
CASES = [
    ("coif1_odd", "coif1", 1, 0, False, 0, (5, 4, 3)),
    ("coif1_level3", "coif1", 3, 0, False, 0, (6, 5, 4)),
    ("haar_start1_level2", "haar", 2, 1, False, 0, (5, 6, 3)),
    ("db3_force2d_z", "db3", 1, 0, True, 0, (7, 5, 3)),
    ("sym4_force2d_x", "sym4", 2, 0, True, 2, (3, 6, 5)),
    ("coif1_force2d_y", "coif1", 1, 0, True, 1, (4, 3, 5)),
    ("bior2.4", "bior2.4", 1, 0, False, 0, (9, 4, 3)),
    ("rbio3.1", "rbio3.1", 1, 0, False, 0, (4, 5, 2)),
    ("dmey", "dmey", 1, 0, False, 0, (5, 4, 3)),
    ("coif1_one_slice", "coif1", 1, 0, False, 0, (6, 5, 1)),
]


def values(array):
    return " ".join(repr(float(v)) for v in np.asarray(array, dtype=np.float64).ravel())


def main():
    lines = []
    for case_id, wavelet, level, start_level, force2d, dim, (nx, ny, nz) in CASES:
        n = nx * ny * nz
        # Deterministic int16 intensities with structure and sign changes.
        idx = np.arange(n)
        data = ((idx * 7919 + (idx // nx) * 104729) % 2001 - 1000).astype(np.int16)
        array = data.reshape(nz, ny, nx)
        image = sitk.GetImageFromArray(array)
        image.SetSpacing((0.7, 0.8, 2.5))
        mask = sitk.GetImageFromArray(np.ones_like(array, dtype=np.uint8))
        mask.CopyInformation(image)
        kwargs = {"wavelet": wavelet, "level": level, "start_level": start_level,
                  "force2D": force2d, "force2Ddimension": dim}
        lines.append(f"case {case_id} {wavelet} {level} {start_level} {int(force2d)} {dim} "
                     f"{nx} {ny} {nz}")
        lines.append("input " + values(array))
        for band, name, _ in imageoperations.getWaveletImage(image, mask, **kwargs):
            lines.append(f"band {name} " + values(sitk.GetArrayFromImage(band)))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
