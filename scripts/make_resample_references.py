#!/usr/bin/env python3
"""Reference outputs of SimpleITK's Resample for perirad's ITK-exact resampling tests.

How to run (from the repository root):

    ~/.cache/perirad-peers/bin/python scripts/make_resample_references.py

(SimpleITK 2.5.7 and numpy; any venv with `pip install SimpleITK numpy` works.)

Two small input images (fixed seed) with anisotropic spacing and non-identity directions:

  in_i16.nrrd  int16,   11x9x6,  spacing 0.9/0.75/2.5, y axis flipped
  in_f32.nrrd  float32, 10x8x7,  spacing 1.3/1.1/1.9, rotated about z and x

are resampled with sitk.Resample (identity transform, default value 0, output type = input type)
onto four output grids, each with the nearest-neighbour, linear and B-spline (order 3)
interpolators:

  up_i16      upsampling of in_i16 (grid larger than the input: voxels outside get 0)
  down_i16    downsampling of in_i16, origin shifted by a fraction of a voxel
  oblique_f32 in_f32 onto a grid with another direction (rotated 35 degrees about z)
  down_f32    downsampling of in_f32 onto an axis-aligned grid

Output: crates/perirad-features/tests/data/resample/<grid>_<interp>.nrrd (interp: nearest,
linear, bspline) and the two inputs. The grid of each output file is the requested output grid.
"""

import math
import os

import numpy as np
import SimpleITK as sitk

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "perirad-features",
                   "tests", "data", "resample")


def rot_z(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rot_x(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def make_input(size, spacing, origin, direction, dtype, rng, scale, offset):
    nx, ny, nz = size
    z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    smooth = np.sin(0.7 * x) * np.cos(0.5 * y) + 0.3 * z
    noise = rng.standard_normal((nz, ny, nx))
    arr = offset + scale * (smooth + 0.5 * noise)
    if np.issubdtype(dtype, np.integer):
        arr = np.round(arr)
    img = sitk.GetImageFromArray(arr.astype(dtype))
    img.SetSpacing(spacing)
    img.SetOrigin(origin)
    img.SetDirection([float(v) for v in np.asarray(direction).ravel()])
    return img


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(20240531)
    flip_y = np.diag([1.0, -1.0, 1.0])
    in_i16 = make_input((11, 9, 6), (0.9, 0.75, 2.5), (-4.2, 3.1, -7.0), flip_y, np.int16, rng,
                        900.0, 300.0)
    oblique = rot_z(math.radians(20)) @ rot_x(math.radians(10))
    in_f32 = make_input((10, 8, 7), (1.3, 1.1, 1.9), (2.0, -1.5, 4.0), oblique, np.float32, rng,
                        40.0, -15.0)
    sitk.WriteImage(in_i16, os.path.join(OUT, "in_i16.nrrd"), True)
    sitk.WriteImage(in_f32, os.path.join(OUT, "in_f32.nrrd"), True)

    grids = {
        # name: (input, size, spacing, origin, direction)
        "up_i16": (in_i16, (22, 17, 14), (0.5, 0.45, 1.2), (-4.9, 3.6, -8.1), flip_y),
        "down_i16": (in_i16, (5, 5, 5), (2.1, 1.6, 3.7), (-4.37, 2.93, -6.2), flip_y),
        "oblique_f32": (in_f32, (16, 14, 14), (0.8, 0.9, 1.0), (1.0, -1.0, 3.5),
                        rot_z(math.radians(35))),
        "down_f32": (in_f32, (6, 7, 6), (2.2, 2.2, 2.2), (-3.0, -2.0, 2.5), np.eye(3)),
    }
    interps = {"nearest": sitk.sitkNearestNeighbor, "linear": sitk.sitkLinear,
               "bspline": sitk.sitkBSpline}
    for name, (img, size, spacing, origin, direction) in grids.items():
        for iname, interp in interps.items():
            out = sitk.Resample(img, list(size), sitk.Transform(), interp, list(origin),
                                list(spacing), [float(v) for v in np.asarray(direction).ravel()],
                                0.0, img.GetPixelID())
            sitk.WriteImage(out, os.path.join(OUT, f"{name}_{iname}.nrrd"), True)
    print("SimpleITK", sitk.Version_VersionString(), "->", OUT)


if __name__ == "__main__":
    main()
