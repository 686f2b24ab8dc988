#!/usr/bin/env python3
"""Make the reader test files and their reference values for perirad-io.

Every file here is written by the field's reference tools (SimpleITK, nibabel, pynrrd, numpy,
Pillow) -- never by perirad -- and every reference value is what SimpleITK reads back (or, where
SimpleITK cannot read a file, what pynrrd/nibabel read, converted by ITK's rules; "reader" and
"note" say so).

How to run (from the repository root):

    ~/.cache/perirad-peers/bin/python scripts/make_io_references.py

The venv at ~/.cache/perirad-peers is made by ../shared/bench/setup-peers.sh (SimpleITK 2.5.7,
nibabel, pynrrd, numpy, Pillow). Any venv with `pip install SimpleITK nibabel pynrrd numpy pillow`
works too; the versions used are written into reference.json ("generator").

Output: crates/perirad-io/tests/data/{metaimage,nifti,nrrd,seg,frames}/ and
crates/perirad-io/tests/data/reference.json. The script is deterministic (fixed seeds, no
timestamps, gzip headers with mtime 0): running it twice gives byte-identical files.

Conventions of reference.json (per file, keyed by the path relative to tests/data):
  size/spacing/origin: 3 numbers (2D images: [nx, ny, 1], [sx, sy, 1], [ox, oy, 0]);
  direction: 9 numbers, row-major, ITK/LPS (2D: the 3x3 embedding of the 2x2);
  dtype: the type stored in the file (u8 i8 u16 i16 u32 i32 f32 f64);
  sitk_pixel_type: what SimpleITK returns when reading the file with no requested type;
  min/max/sum: over sitk.GetArrayFromImage(...) as float64;
  voxels_sha256: sha256 of the float64 little-endian voxel values, x fastest (then y, z);
      for multi-component images (the 2-layer .seg.nrrd) the component is fastest (file order);
  voxels: the same values as a list, for files with <= 4000 values;
  labels: {label: count} for masks, label 0 left out.
Integral values are written as JSON integers (read every number as f64). Entries also carry "reader",
"note", and per format extras (nifti_header, nibabel_affine_ras, sitk_used, segments, channels, ...).
"""

import gzip
import hashlib
import io
import json
import math
import shutil
import struct
import sys
from pathlib import Path

import nibabel as nib
import nrrd
import numpy as np
import PIL
import SimpleITK as sitk
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "perirad-io" / "tests" / "data"
SUBDIRS = ["metaimage", "nifti", "nrrd", "seg", "frames"]

REF = {}  # file key -> reference entry

DTYPE_NAMES = {
    np.dtype("u1"): "u8", np.dtype("i1"): "i8", np.dtype("u2"): "u16", np.dtype("i2"): "i16",
    np.dtype("u4"): "u32", np.dtype("i4"): "i32", np.dtype("f4"): "f32", np.dtype("f8"): "f64",
}


def dname(dt):
    return DTYPE_NAMES[np.dtype(dt).newbyteorder("=")]


# ----------------------------------------------------------------------------------------------
# geometry helpers
# ----------------------------------------------------------------------------------------------

def rotation(az_deg, ay_deg, ax_deg):
    """Proper rotation Rz(az) @ Ry(ay) @ Rx(ax)."""
    a, b, c = (math.radians(v) for v in (az_deg, ay_deg, ax_deg))
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rx = np.array([[1, 0, 0], [0, math.cos(c), -math.sin(c)], [0, math.sin(c), math.cos(c)]])
    return rz @ ry @ rx


def rot2(deg):
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


LPS2RAS = np.diag([-1.0, -1.0, 1.0])

# The common oblique geometry (ITK / LPS convention).
SPACING = (0.7, 0.8, 2.5)
ORIGIN = (-12.5, 30.25, 7.0)
DIRECTION = rotation(30.0, -20.0, 15.0)   # columns = axis directions in LPS


# ----------------------------------------------------------------------------------------------
# voxel data
# ----------------------------------------------------------------------------------------------

RANGES = {
    "u8": (0, 255), "i8": (-128, 127), "u16": (0, 60000), "i16": (-1200, 3000),
    "u32": (0, 3_500_000_000), "i32": (-2_000_000_000, 2_000_000_000),
    "f32": (-1000.0, 1000.0), "f64": (-1000.0, 1000.0),
}


def pattern(shape_zyx, dtype, seed):
    """Smooth pattern plus noise, in array order (z, y, x), spread over the type's range."""
    rng = np.random.default_rng(seed)
    dims = len(shape_zyx)
    grids = np.meshgrid(*[np.linspace(0.0, 1.0, n) for n in shape_zyx], indexing="ij")
    smooth = np.zeros(shape_zyx)
    for k, g in enumerate(grids):
        smooth += np.sin((k + 1.3) * math.pi * g + 0.4 * k)
    smooth = (smooth + dims) / (2 * dims)               # roughly 0..1
    val = np.clip(smooth + 0.08 * rng.standard_normal(shape_zyx), 0.0, 1.0)
    name = dname(dtype)
    lo, hi = RANGES[name]
    if name in ("f32", "f64"):
        v = lo + (hi - lo) * val
        v = np.round(v * 64.0) / 64.0 + rng.uniform(-1, 1, shape_zyx) * 1e-3
        return v.astype(dtype)
    v = np.round(lo + (hi - lo) * val)
    # make sure both ends of the range occur
    flat = v.reshape(-1)
    flat[0] = lo
    flat[-1] = hi
    return v.astype(dtype)


# ----------------------------------------------------------------------------------------------
# reference recording
# ----------------------------------------------------------------------------------------------

def f64list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).reshape(-1)]


def geometry3(img):
    """size/spacing/origin/direction as 3D lists (2D images embedded)."""
    dim = img.GetDimension()
    size = list(img.GetSize())
    spacing = list(img.GetSpacing())
    origin = list(img.GetOrigin())
    d = np.array(img.GetDirection()).reshape(dim, dim)
    if dim == 2:
        size += [1]
        spacing += [1.0]
        origin += [0.0]
        d3 = np.eye(3)
        d3[:2, :2] = d
        d = d3
    elif dim != 3:
        raise ValueError(f"unexpected dimension {dim}")
    return {
        "size": [int(s) for s in size],
        "spacing": [float(s) for s in spacing],
        "origin": [float(s) for s in origin],
        "direction": f64list(d),
    }


def values_entry(arr):
    a = np.asarray(arr).astype("<f8")
    flat = a.reshape(-1)
    e = {
        "min": float(flat.min()),
        "max": float(flat.max()),
        "sum": float(flat.sum()),
        "voxels_sha256": hashlib.sha256(flat.tobytes()).hexdigest(),
    }
    if flat.size <= 4000:
        e["voxels"] = [float(x) for x in flat]
    return e


def label_counts(arr):
    vals, counts = np.unique(np.asarray(arr), return_counts=True)
    return {str(int(v)): int(c) for v, c in zip(vals, counts) if v != 0}


def key_of(path):
    return Path(path).relative_to(OUT).as_posix()


def record_sitk(path, dtype, is_mask=False, note=None, extra=None):
    """Reference from SimpleITK reading the file as stored."""
    img = sitk.ReadImage(str(path))
    arr = sitk.GetArrayFromImage(img)
    e = geometry3(img)
    e["dtype"] = dtype
    e["sitk_pixel_type"] = img.GetPixelIDTypeAsString()
    e.update(values_entry(arr))
    if is_mask:
        e["labels"] = label_counts(arr)
    e["is_mask"] = is_mask
    e["reader"] = "SimpleITK"
    if note:
        e["note"] = note
    if extra:
        e.update(extra)
    REF[key_of(path)] = e
    return img, arr


def check_geometry(img, spacing, origin, direction, tol=1e-5, what=""):
    """Assert SimpleITK read the geometry we meant to write (guards the script itself)."""
    ok = (np.allclose(img.GetSpacing(), spacing, atol=tol)
          and np.allclose(img.GetOrigin(), origin, atol=tol)
          and np.allclose(np.array(img.GetDirection()).reshape(-1), np.asarray(direction).reshape(-1), atol=tol))
    if not ok:
        raise AssertionError(
            f"{what}: SimpleITK geometry differs from intent:\n spacing {img.GetSpacing()} vs {spacing}\n"
            f" origin {img.GetOrigin()} vs {origin}\n direction {img.GetDirection()} vs {np.asarray(direction).reshape(-1)}")


def check_voxels(arr, expected_zyx, what=""):
    if not np.array_equal(np.asarray(arr, dtype=np.float64), np.asarray(expected_zyx, dtype=np.float64)):
        raise AssertionError(f"{what}: SimpleITK voxel values differ from what was written")


def write_gzip(path, payload):
    """gzip with a fixed header (mtime 0, no file name) so output is deterministic."""
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(payload)


# ----------------------------------------------------------------------------------------------
# MetaImage
# ----------------------------------------------------------------------------------------------

NP_TYPES = {"u8": "u1", "i8": "i1", "u16": "u2", "i16": "i2", "u32": "u4", "i32": "i4", "f32": "f4", "f64": "f8"}


def sitk_image(arr_zyx, spacing, origin, direction):
    img = sitk.GetImageFromArray(arr_zyx)
    img.SetSpacing([float(s) for s in spacing])
    img.SetOrigin([float(o) for o in origin])
    img.SetDirection(f64list(direction))
    return img


def fmt_meta(v):
    return " ".join(repr(float(x)) if not float(x).is_integer() else str(int(x)) for x in v)


def make_metaimage():
    d = OUT / "metaimage"
    shape = (5, 6, 7)  # z, y, x  -> size 7 x 6 x 5
    cases = [
        # file, dtype, compress, note
        ("meta_short.mha", "i16", False, "MET_SHORT, uncompressed, ElementDataFile LOCAL, oblique direction"),
        ("meta_float_compressed.mha", "f32", True, "MET_FLOAT, CompressedData True (zlib), CompressedDataSize"),
        ("meta_uchar.mhd", "u8", False, "MET_UCHAR, detached header .mhd + meta_uchar.raw"),
        ("meta_double.mha", "f64", False, "MET_DOUBLE, uncompressed"),
        ("meta_ushort_compressed.mha", "u16", True, "MET_USHORT, compressed"),
        ("meta_int.mha", "i32", False, "MET_INT, uncompressed"),
        ("meta_uint_compressed.mhd", "u32", True, "MET_UINT, detached + compressed: .mhd + meta_uint_compressed.zraw"),
        ("meta_char.mha", "i8", False, "MET_CHAR (signed 8-bit), uncompressed"),
    ]
    for i, (name, dt, comp, note) in enumerate(cases):
        arr = pattern(shape, NP_TYPES[dt], seed=100 + i)
        img = sitk_image(arr, SPACING, ORIGIN, DIRECTION)
        path = d / name
        sitk.WriteImage(img, str(path), comp)
        back, barr = record_sitk(path, dt, note=note + " (written by SimpleITK)")
        check_geometry(back, SPACING, ORIGIN, DIRECTION, 1e-12, name)
        check_voxels(barr, arr, name)

    # one 2D image, rotated in plane, anisotropic spacing
    arr2 = pattern((9, 11), "f4", seed=120)  # ny=9, nx=11
    img2 = sitk.GetImageFromArray(arr2)
    img2.SetSpacing((0.45, 0.6))
    img2.SetOrigin((-3.5, 12.25))
    img2.SetDirection(f64list(rot2(25.0)))
    path = d / "meta_2d_float.mha"
    sitk.WriteImage(img2, str(path), False)
    record_sitk(path, "f32", note="2D MetaImage (NDims = 2), in-plane rotation of 25 degrees (written by SimpleITK)")

    # hand-written header: Position instead of Offset, ElementSize instead of ElementSpacing
    shape_h = (4, 5, 6)
    arr = pattern(shape_h, "f4", seed=130)
    tm = DIRECTION.T.reshape(-1)   # MetaIO TransformMatrix lists the axis directions one after another
    header = "\n".join([
        "ObjectType = Image",
        "NDims = 3",
        "BinaryData = True",
        "BinaryDataByteOrderMSB = False",
        "CompressedData = False",
        "TransformMatrix = " + fmt_meta(tm),
        "Position = " + fmt_meta(ORIGIN),
        "CenterOfRotation = 0 0 0",
        "AnatomicalOrientation = RAI",
        "ElementSize = " + fmt_meta(SPACING),
        "DimSize = 6 5 4",
        "ElementType = MET_FLOAT",
        "ElementDataFile = LOCAL",
    ]) + "\n"
    path = d / "meta_position_elementsize.mha"
    path.write_bytes(header.encode("ascii") + arr.astype("<f4").tobytes())
    back, barr = record_sitk(path, "f32", note=(
        "hand-written header: 'Position' instead of 'Offset', 'ElementSize' and no 'ElementSpacing' "
        "(MetaIO then uses ElementSize as the spacing)"))
    check_geometry(back, SPACING, ORIGIN, DIRECTION, 1e-12, path.name)
    check_voxels(barr, arr, path.name)

    # hand-written header with synonyms 'Origin' and 'Orientation'
    arr = pattern(shape_h, "i2", seed=131)
    header = "\n".join([
        "ObjectType = Image",
        "NDims = 3",
        "BinaryData = True",
        "ElementByteOrderMSB = False",
        "Orientation = " + fmt_meta(tm),
        "Origin = " + fmt_meta(ORIGIN),
        "ElementSpacing = " + fmt_meta(SPACING),
        "DimSize = 6 5 4",
        "ElementType = MET_SHORT",
        "ElementDataFile = LOCAL",
    ]) + "\n"
    path = d / "meta_origin_orientation.mha"
    path.write_bytes(header.encode("ascii") + arr.astype("<i2").tobytes())
    back, barr = record_sitk(path, "i16", note=(
        "hand-written header using the MetaIO synonyms 'Origin' (for Offset), 'Orientation' (for "
        "TransformMatrix) and 'ElementByteOrderMSB' (for BinaryDataByteOrderMSB); no CompressedData line"))
    check_geometry(back, SPACING, ORIGIN, DIRECTION, 1e-12, path.name)
    check_voxels(barr, arr, path.name)

    # hand-written big-endian data
    arr = pattern(shape_h, "i2", seed=132)
    header = "\n".join([
        "ObjectType = Image",
        "NDims = 3",
        "BinaryData = True",
        "BinaryDataByteOrderMSB = True",
        "CompressedData = False",
        "TransformMatrix = " + fmt_meta(tm),
        "Offset = " + fmt_meta(ORIGIN),
        "CenterOfRotation = 0 0 0",
        "AnatomicalOrientation = RAI",
        "ElementSpacing = " + fmt_meta(SPACING),
        "DimSize = 6 5 4",
        "ElementType = MET_SHORT",
        "ElementDataFile = LOCAL",
    ]) + "\n"
    path = d / "meta_msb_short.mha"
    path.write_bytes(header.encode("ascii") + arr.astype(">i2").tobytes())
    back, barr = record_sitk(path, "i16", note="hand-written: BinaryDataByteOrderMSB = True, data stored big-endian")
    check_geometry(back, SPACING, ORIGIN, DIRECTION, 1e-12, path.name)
    check_voxels(barr, arr, path.name)


# ----------------------------------------------------------------------------------------------
# NIfTI-1 / NIfTI-2 (nibabel)
# ----------------------------------------------------------------------------------------------

def ras_affine(direction_lps, spacing, origin_lps):
    """4x4 RAS voxel->world affine from an ITK (LPS) geometry."""
    a = np.eye(4)
    a[:3, :3] = LPS2RAS @ np.asarray(direction_lps) @ np.diag(spacing)
    a[:3, 3] = LPS2RAS @ np.asarray(origin_lps)
    return a


def nifti_image(cls, data_xyz, sform=None, scode=0, qform=None, qcode=0, zooms=None, slope=None, inter=None):
    hdr = cls.header_class()
    hdr.set_data_dtype(data_xyz.dtype)
    img = cls(data_xyz, None, header=hdr)
    h = img.header
    if qform is not None:
        h.set_qform(qform, code=qcode)
    else:
        h.set_qform(None, code=0)
        for k in ("quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z"):
            h[k] = 0
    if sform is not None:
        h.set_sform(sform, code=scode)
    else:
        h.set_sform(None, code=0)
    if zooms is not None:
        h.set_zooms(zooms)
    if slope is not None:
        h.set_slope_inter(slope, inter)
    h.set_xyzt_units("mm", "sec")
    return img


def raw_header(path):
    """The header as stored (nibabel's loaded header moves scl_* into the data proxy)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        blob = f.read(540)
    size = struct.unpack("<i", blob[:4])[0]
    cls = nib.Nifti1Header if size == 348 else nib.Nifti2Header
    return cls.from_fileobj(io.BytesIO(blob[:size] + b"\0" * 4))


def nifti_fields(h):
    out = {
        "sizeof_hdr": int(h["sizeof_hdr"]),
        "dim": [int(x) for x in h["dim"]],
        "pixdim": [float(x) for x in h["pixdim"]],
        "qform_code": int(h["qform_code"]),
        "sform_code": int(h["sform_code"]),
        "scl_slope": float(h["scl_slope"]),
        "scl_inter": float(h["scl_inter"]),
        "quatern_bcd": [float(h["quatern_b"]), float(h["quatern_c"]), float(h["quatern_d"])],
        "qoffset_xyz": [float(h["qoffset_x"]), float(h["qoffset_y"]), float(h["qoffset_z"])],
        "srow_x": [float(x) for x in h["srow_x"]],
        "srow_y": [float(x) for x in h["srow_y"]],
        "srow_z": [float(x) for x in h["srow_z"]],
    }
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def sitk_try(path):
    try:
        return sitk.ReadImage(str(path)), None
    except RuntimeError as err:  # SimpleITK raises RuntimeError on read failures
        # keep the ITK message, without build paths or this checkout's path (output must not depend on them)
        msg = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
        msg = msg.replace(str(Path(path).resolve()), Path(path).name).replace(str(path), Path(path).name)
        cut = msg.find("ERROR:")
        if cut >= 0:
            msg = msg[msg.rfind(" ", 0, max(cut - 1, 0)) + 1:] if " " in msg[:cut] else msg[cut:]
        return None, msg[:400]


def make_nifti():
    d = OUT / "nifti"
    shape_xyz = (7, 6, 5)
    zyx = shape_xyz[::-1]

    def data(dt, seed):
        return np.ascontiguousarray(pattern(zyx, NP_TYPES[dt], seed).transpose(2, 1, 0))  # (x, y, z)

    sp = np.array(SPACING)
    A = ras_affine(DIRECTION, SPACING, ORIGIN)                       # oblique, det > 0
    R2 = rotation(-40.0, 10.0, 5.0)
    B = ras_affine(R2, (0.9, 0.9, 3.0), (5.0, -7.5, 22.0))         # a second, different geometry

    entries = []

    # 1. sform only (qform_code 0, quaternion fields zero)
    x = data("u8", 200)
    img = nifti_image(nib.Nifti1Image, x, sform=A, scode=2, zooms=tuple(sp))
    entries.append(("nifti_sform_only_u8.nii", img, "u8", "sform_code 2 (aligned), qform_code 0 with zero quaternion; oblique sform"))

    # 2. qform only
    x = data("i16", 201)
    img = nifti_image(nib.Nifti1Image, x, qform=A, qcode=1)
    entries.append(("nifti_qform_only_i16.nii", img, "i16", "qform_code 1 (scanner), sform_code 0 (srow all zero); oblique qform"))

    # 3. both set, different matrices
    x = data("f32", 202)
    img = nifti_image(nib.Nifti1Image, x, qform=A, qcode=1, sform=B, scode=2)
    entries.append(("nifti_both_differ_f32.nii", img, "f32",
                    "qform_code 1 with geometry A, sform_code 2 with a different geometry B (different rotation, spacing, offset); "
                    "pixdim follows the qform"))

    # 3b. both set, different matrices, sform_code 1 (scanner): ITK takes the sform here
    x = data("f32", 212)
    img = nifti_image(nib.Nifti1Image, x, qform=A, qcode=1, sform=B, scode=1, zooms=(0.9, 0.9, 3.0))
    entries.append(("nifti_both_differ_scanner_f32.nii", img, "f32",
                    "qform_code 1 with geometry A, sform_code 1 (scanner) with a different geometry B; pixdim follows B"))

    # 4. sheared sform, no qform
    S = A.copy()
    S[:3, :3] = S[:3, :3] @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    x = data("f32", 203)
    img = nifti_image(nib.Nifti1Image, x, sform=S, scode=2, zooms=tuple(np.linalg.norm(S[:3, :3], axis=0)))
    entries.append(("nifti_sform_sheared_f32.nii", img, "f32",
                    "sform_code 2 with a sheared (non-orthogonal) matrix, qform_code 0"))

    # 4b. sheared sform plus a valid qform
    x = data("f64", 204)
    img = nifti_image(nib.Nifti1Image, x, sform=S, scode=2, qform=A, qcode=1)
    entries.append(("nifti_sform_sheared_qform_f64.nii", img, "f64",
                    "sform_code 2 sheared (non-orthogonal) plus qform_code 1 with the orthogonal geometry A"))

    # 5. qform with qfac = -1
    F = A.copy()
    F[:3, 2] = -F[:3, 2]          # flip the k axis -> det < 0 -> qfac (pixdim[0]) = -1
    x = data("u16", 205)
    img = nifti_image(nib.Nifti1Image, x, qform=F, qcode=1)
    entries.append(("nifti_qfac_neg_u16.nii", img, "u16",
                    "qform_code 1, left-handed matrix stored as pixdim[0] = qfac = -1; sform_code 0"))

    # 6. scl_slope / scl_inter on int16
    x = data("i16", 206)
    img = nifti_image(nib.Nifti1Image, x, sform=A, scode=1, qform=A, qcode=1, slope=2.0, inter=-5.0)
    entries.append(("nifti_scl_slope_i16.nii", img, "i16",
                    "int16 stored, scl_slope = 2, scl_inter = -5 (values = 2*stored - 5); sform_code 1 = qform_code 1 (same matrix)"))

    # 7. both codes 0
    x = data("i8", 207)
    img = nifti_image(nib.Nifti1Image, x, zooms=(1.5, 2.0, 3.5))
    entries.append(("nifti_no_codes_i8.nii", img, "i8",
                    "qform_code 0 and sform_code 0 (ANALYZE-style 'method 1': pixdim only), pixdim 1.5 2 3.5"))

    # 8. 2D image, dim[0] = 2
    x2 = np.ascontiguousarray(pattern((8, 9), "f4", 208).T)   # (x=9, y=8)
    A2 = np.eye(4)
    A2[:2, :2] = rot2(20.0) @ np.diag([0.6, 0.75])
    A2[:2, 3] = [10.0, -4.0]
    A2[2, 3] = 3.0
    img = nifti_image(nib.Nifti1Image, x2, sform=A2, scode=2, qform=A2, qcode=1)
    entries.append(("nifti_2d_f32.nii", img, "f32",
                    "2D: dim[0] = 2 (9 x 8), in-plane rotation of 20 degrees (RAS), z offset 3; sform_code 2 = qform_code 1 (same matrix)"))

    # 9-11. gzip, the common scanner case: sform and qform both set to the same matrix
    for i, dt in enumerate(("u32", "i32", "f64")):
        x = data(dt, 209 + i)
        img = nifti_image(nib.Nifti1Image, x, sform=A, scode=1, qform=A, qcode=1)
        entries.append((f"nifti_{dt}.nii.gz", img, dt, f"gzip-compressed .nii.gz, {dt}; sform_code 1 = qform_code 1 (same oblique matrix)"))

    # NIfTI-2
    x = data("i16", 220)
    img = nifti_image(nib.Nifti2Image, x, sform=A, scode=2, qform=A, qcode=1)
    entries.append(("nifti2_i16.nii", img, "i16", "NIfTI-2 (540-byte header, 64-bit dims), rotated sform_code 2 and qform_code 1 (same matrix)"))
    x = data("f32", 221)
    img = nifti_image(nib.Nifti2Image, x, sform=B, scode=2, qform=B, qcode=1)
    entries.append(("nifti2_f32.nii.gz", img, "f32", "NIfTI-2 gzip, rotated sform_code 2 and qform_code 1 (same matrix)"))

    # spatial units other than mm: ITK scales spacing and origin to mm (metres x1000, microns x0.001)
    x = data("i16", 222)
    img = nifti_image(nib.Nifti1Image, x, sform=A, scode=1, qform=A, qcode=1)
    img.header.set_xyzt_units("meter", "sec")
    entries.append(("nifti_units_meter_i16.nii", img, "i16", "xyzt_units = metres (ITK multiplies spacing and origin by 1000); sform = qform, code 1"))
    x = data("f32", 223)
    img = nifti_image(nib.Nifti1Image, x, sform=A, scode=1, qform=A, qcode=1)
    img.header.set_xyzt_units("micron", "sec")
    entries.append(("nifti_units_micron_f32.nii", img, "f32", "xyzt_units = micrometres (ITK multiplies spacing and origin by 0.001); sform = qform, code 1"))
    # a NIfTI-1 pair: .hdr with magic 'ni1' and the voxels in .img
    x = data("i16", 224)
    img = nifti_image(nib.Nifti1Pair, x, sform=A, scode=1, qform=A, qcode=1)
    entries.append(("nifti_pair_i16.hdr", img, "i16", "NIfTI-1 pair: .hdr (magic ni1) + .img; sform = qform, code 1"))

    for name, img, dt, note in entries:
        path = d / name
        if name.endswith(".gz"):
            buf = io.BytesIO()
            fm = img.make_file_map({"image": buf, "header": buf})
            img.to_file_map(fm)
            write_gzip(path, buf.getvalue())
        else:
            img.to_filename(str(path))
        stored = raw_header(path)
        fields = nifti_fields(stored)
        # nibabel's own view of the affine (its rules: sform if sform_code > 0, else qform, else pixdim)
        back_nib = nib.load(str(path))
        nib_aff = back_nib.affine
        arr_nib = np.asanyarray(back_nib.dataobj)
        extra = {"nifti_header": fields, "nibabel_affine_ras": [f64list(r) for r in nib_aff]}
        simg, err = sitk_try(path)
        if simg is None:
            # SimpleITK refuses the file: reference from nibabel, converted to ITK conventions
            e = {"size": [int(s_) for s_ in arr_nib.shape] + [1] * (3 - arr_nib.ndim)}
            m = LPS2RAS @ nib_aff[:3, :3]
            norms = np.linalg.norm(m, axis=0)
            orthogonal = np.allclose((m / norms).T @ (m / norms), np.eye(3), atol=1e-6)
            if orthogonal:
                # ITK's rules: spacing from pixdim, direction = the chosen matrix's normalised columns, origin = offset
                e["spacing"] = [float(v) for v in stored["pixdim"][1:4]]
                e["origin"] = f64list(LPS2RAS @ nib_aff[:3, 3])
                e["direction"] = f64list(m / norms)
                how = ("Geometry by ITK's rules from the header as nibabel reads it (spacing = pixdim[1..3], direction = "
                       "unit columns of diag(-1,-1,1) @ affine[:3,:3], origin = diag(-1,-1,1) @ affine[:3,3]); checked against "
                       "SimpleITK reading a NIfTI-1 copy of the same image (within 1e-5, NIfTI-1 stores float32).")
                # cross-check with SimpleITK on a NIfTI-1 copy
                tmp = OUT / "nifti" / "_tmp_nifti1_copy.nii"
                n1 = nib.Nifti1Image(np.asanyarray(back_nib.dataobj), None, header=None)
                n1.header.set_data_dtype(arr_nib.dtype)
                n1.header.set_sform(stored.get_sform(), code=int(stored["sform_code"]))
                n1.header.set_qform(stored.get_qform(), code=int(stored["qform_code"]))
                n1.header.set_zooms(tuple(float(v) for v in stored["pixdim"][1:4]))
                n1.to_filename(str(tmp))
                copy_img = sitk.ReadImage(str(tmp))
                tmp.unlink()
                check_geometry(copy_img, e["spacing"], e["origin"], e["direction"], 1e-5, name + " (NIfTI-1 copy)")
                reader = "nibabel+ITK rules"
            else:
                e["spacing"] = [float(v) for v in norms]
                e["origin"] = f64list(LPS2RAS @ nib_aff[:3, 3])
                e["direction"] = None
                how = ("No ITK geometry exists for this file: spacing here = column norms of the sform (also stored as "
                       "pixdim), origin = sform offset in LPS, 'direction' null because the matrix is not orthogonal "
                       "(full sform in nibabel_affine_ras). A reader should refuse the file or report the shear.")
                reader = "nibabel"
            e["dtype"] = dt
            e["sitk_pixel_type"] = None
            e.update(values_entry(np.asarray(arr_nib, dtype=np.float64).transpose(2, 1, 0)))
            e["is_mask"] = False
            e["reader"] = reader
            e["note"] = (note + ". SimpleITK " + sitk.Version.VersionString() + " cannot read this file: " + err
                         + " Voxel values are nibabel's (x fastest). " + how)
            e.update(extra)
            REF[key_of(path)] = e
            continue
        record_sitk(path, dt, note=note, extra=extra)
        e = REF[key_of(path)]
        # cross-check voxel values with nibabel (scaling included)
        sarr = sitk.GetArrayFromImage(simg).astype(np.float64)
        narr = np.asarray(arr_nib, dtype=np.float64)
        narr_zyx = narr.T if narr.ndim in (2, 3) else narr
        if not np.array_equal(sarr, narr_zyx):
            raise AssertionError(f"{name}: SimpleITK and nibabel voxel values differ")
        # which matrix did SimpleITK use?  compare with sform / qform
        which = []
        sitk_aff = None
        if simg.GetDimension() == 3:
            sitk_aff = ras_affine(np.array(simg.GetDirection()).reshape(3, 3), simg.GetSpacing(), simg.GetOrigin())
            hdr = stored
            if int(hdr["sform_code"]) > 0 and np.allclose(sitk_aff, hdr.get_sform(), atol=1e-4):
                which.append("sform")
            if int(hdr["qform_code"]) > 0 and np.allclose(sitk_aff, hdr.get_qform(), atol=1e-4):
                which.append("qform")
            if not which:
                which.append("neither sform nor qform (pixdim only)" if int(hdr["sform_code"]) == 0 and int(hdr["qform_code"]) == 0 else "other")
            e["sitk_used"] = "+".join(which)


def make_analyze():
    """An Analyze 7.5 pair (.hdr/.img without NIfTI magic): ITK reads it with identity direction,
    origin 0, spacing from pixdim and no scaling."""
    d = OUT / "nifti"
    x = np.ascontiguousarray(pattern((5, 6, 7), NP_TYPES["i16"], 230).transpose(2, 1, 0))
    img = nib.AnalyzeImage(x, None)
    img.header.set_data_dtype(np.int16)
    img.header.set_zooms((0.8, 0.9, 2.0))
    path = d / "analyze_i16.hdr"
    img.to_filename(str(path))
    record_sitk(path, "i16", note="Analyze 7.5 pair (.hdr + .img, no NIfTI magic), written by nibabel "
                + nib.__version__ + "; pixdim 0.8 0.9 2.0")


# ----------------------------------------------------------------------------------------------
# NRRD (pynrrd)
# ----------------------------------------------------------------------------------------------

def nrrd_write(path, data, header, slicer_style=False):
    """nrrd.write, then drop pynrrd's '# on <date>(GMT).' comment so the output is deterministic.
    slicer_style: make the preamble what 3D Slicer's vtkTeemNRRDWriter writes ('NRRD0004' and only the two
    '# Complete NRRD file format specification' comment lines)."""
    path = Path(path)
    nrrd.write(str(path), data, header, index_order="F")
    hdr_path = path.with_suffix(".nhdr") if (path.suffix == ".nrrd" and header.get("data file")) else path
    blob = hdr_path.read_bytes()
    end = blob.index(b"\n\n") + 2 if b"\n\n" in blob else len(blob)
    head, rest = blob[:end], blob[end:]
    lines = head.split(b"\n")
    drop = (b"# on ",) + ((b"# This NRRD file was generated by pynrrd",) if slicer_style else ())
    lines = [ln for ln in lines if not ln.startswith(drop)]
    if slicer_style:
        lines[0] = b"NRRD0004" if lines[0] == b"NRRD0005" else lines[0]
        lines = [b"type: unsigned char" if ln == b"type: uint8" else ln for ln in lines]
    hdr_path.write_bytes(b"\n".join(lines) + rest)


def nrrd_geometry_itk(header):
    """ITK's reading of a NRRD header's spatial part: spacing = |space direction|, direction = unit
    columns, origin = space origin; 'right-anterior-superior' (and RAS-like spaces) flip x and y to LPS.
    Non-spatial axes (direction 'none') are skipped."""
    dirs = np.asarray(header["space directions"], dtype=np.float64)
    spatial = [i for i in range(dirs.shape[0]) if not np.any(np.isnan(dirs[i]))]
    vecs = dirs[spatial]                      # one row per spatial axis
    origin = np.asarray(header["space origin"], dtype=np.float64)
    space = header.get("space", "left-posterior-superior")
    if space in ("right-anterior-superior", "RAS", "scanner-xyz"):
        flip = np.diag([-1.0, -1.0, 1.0])
        vecs = vecs @ flip
        origin = flip @ origin
    elif space not in ("left-posterior-superior", "LPS"):
        raise ValueError(space)
    spacing = np.linalg.norm(vecs, axis=1)
    direction = (vecs / spacing[:, None]).T   # columns = axes
    return spacing, origin, direction, spatial


def nrrd_header_lps(direction, spacing, origin, space="left-posterior-superior"):
    vecs = (np.asarray(direction) @ np.diag(spacing)).T   # rows = axis vectors (LPS)
    org = np.asarray(origin, dtype=np.float64)
    if space == "right-anterior-superior":
        vecs = vecs @ LPS2RAS
        org = LPS2RAS @ org
    return {"space": space, "space directions": vecs, "space origin": org}


def make_nrrd():
    d = OUT / "nrrd"
    zyx = (5, 6, 7)
    R2 = rotation(-40.0, 10.0, 5.0)
    cases = [
        # name, dtype(np), encoding, space, direction, spacing, origin, detached, note
        ("nrrd_raw_lps_i16.nrrd", "<i2", "raw", "left-posterior-superior", DIRECTION, SPACING, ORIGIN, False,
         "raw encoding, space left-posterior-superior, oblique space directions, little endian"),
        ("nrrd_gzip_ras_f32.nrrd", "<f4", "gzip", "right-anterior-superior", R2, (0.9, 0.9, 3.0), (5.0, -7.5, 22.0), False,
         "gzip encoding, space right-anterior-superior (ITK flips x and y to LPS), oblique"),
        ("nrrd_detached_u8.nhdr", "u1", "raw", "left-posterior-superior", DIRECTION, SPACING, ORIGIN, True,
         "detached header: nrrd_detached_u8.nhdr + 'data file: nrrd_detached_u8.raw' (raw)"),
        ("nrrd_detached_gzip_f64.nhdr", "<f8", "gzip", "left-posterior-superior", R2, (1.25, 0.5, 2.0), (-1.0, 2.0, -3.0), True,
         "detached header: nrrd_detached_gzip_f64.nhdr + 'data file: nrrd_detached_gzip_f64.raw.gz' (gzip)"),
        ("nrrd_bigendian_u16.nrrd", ">u2", "raw", "left-posterior-superior", DIRECTION, SPACING, ORIGIN, False,
         "raw encoding, 'endian: big' (data stored big-endian)"),
        ("nrrd_ascii_i32.nrrd", "<i4", "ascii", "left-posterior-superior", DIRECTION, SPACING, ORIGIN, False,
         "ascii (text) encoding, int32"),
        ("nrrd_gzip_i8.nrrd", "i1", "gzip", "right-anterior-superior", DIRECTION, SPACING, ORIGIN, False,
         "gzip, signed char, space right-anterior-superior"),
        ("nrrd_raw_u32.nrrd", "<u4", "raw", "left-posterior-superior", R2, (0.9, 0.9, 3.0), (5.0, -7.5, 22.0), False,
         "raw, unsigned int (values above 2^31)"),
    ]
    for i, (name, npdt, enc, space, dirn, sp, org, detached, note) in enumerate(cases):
        arr = pattern(zyx, np.dtype(npdt).newbyteorder("="), 300 + i)
        header = {"encoding": enc, "kinds": ["domain", "domain", "domain"]}
        header.update(nrrd_header_lps(dirn, sp, org, space))
        path = d / name
        data_xyz = np.asfortranarray(arr.astype(npdt).transpose(2, 1, 0))
        nrrd_write(path, data_xyz, header)
        dt = dname(npdt)
        back, barr = record_sitk(path, dt, note=note + " (written by pynrrd)")
        check_geometry(back, sp, org, dirn, 1e-9, name)
        check_voxels(barr, arr, name)

    # 2D NRRD with a 2D space
    arr = pattern((8, 9), "f4", 320)   # ny = 8, nx = 9
    vecs = (rot2(-30.0) @ np.diag([0.55, 0.65])).T
    header = {"encoding": "raw", "kinds": ["domain", "domain"], "space dimension": 2,
              "space directions": vecs, "space origin": np.array([4.5, -2.0])}
    path = d / "nrrd_2d_f32.nrrd"
    nrrd_write(path, np.asfortranarray(arr.T), header)
    back, barr = record_sitk(path, "f32", note="2D NRRD: 'space dimension: 2', 2-vectors in 'space directions', in-plane rotation (written by pynrrd)")
    check_geometry(back, (0.55, 0.65), (4.5, -2.0), rot2(-30.0), 1e-9, path.name)
    check_voxels(barr, arr, path.name)

    # old-style NRRD: no space, only per-axis 'spacings'
    arr = pattern(zyx, "u1", 321)
    header = {"encoding": "raw", "spacings": np.array([0.5, 0.75, 1.25])}
    path = d / "nrrd_spacings_nospace_u8.nrrd"
    nrrd_write(path, np.asfortranarray(arr.transpose(2, 1, 0)), header)
    back, barr = record_sitk(path, "u8", note="no 'space' field: only 'spacings: 0.5 0.75 1.25' (no space directions, no origin) (written by pynrrd)")
    check_voxels(barr, arr, path.name)


# ----------------------------------------------------------------------------------------------
# 3D Slicer .seg.nrrd (pynrrd, imitating vtkMRMLSegmentationStorageNode / vtkTeemNRRDWriter)
# ----------------------------------------------------------------------------------------------

SLICER_CONVERSION_TEMPLATE = (
    "Collapse labelmaps|1|Merge the labelmaps into as few shared labelmaps as possible 1 = created labelmaps will be "
    "shared if possible without overwriting each other.&Compute surface normals|1|Compute surface normals. 1 (default) "
    "= surface normals are computed. 0 = surface normals are not computed (slightly faster but produces less smooth "
    "surface display).&Crop to reference image geometry|0|Crop the model to the extent of reference geometry. 0 "
    "(default) = created labelmap will contain the entire model. 1 = created labelmap extent will be within reference "
    "image extent.&Decimation factor|0.0|Desired reduction in the total number of polygons. Range: 0.0 (no decimation) "
    "to 1.0 (as much simplification as possible). Value of 0.8 typically reduces data set size by 80% without losing "
    "too much details.&Fractional labelmap oversampling factor|1|Determines the oversampling of the reference image "
    "geometry. All segments are oversampled with the same value (value of 1 means no oversampling).&Joint smoothing|0|"
    "Perform joint smoothing.&Oversampling factor|1|Determines the oversampling of the reference image geometry. If it's "
    "a number, then all segments are oversampled with the same value (value of 1 means no oversampling). If it has the "
    "value \"A\", then automatic oversampling is calculated.&Reference image geometry|{geometry}|Image geometry "
    "description string determining the geometry of the labelmap that is created in course of conversion. Can be "
    "copied from a volume, using the button.&Smoothing factor|0.5|Smoothing factor. Range: 0.0 (no smoothing) to 1.0 "
    "(strong smoothing).&Surface smoothing|1|Apply smoothing to the surface.&Threshold fraction|0.5|Determines the "
    "threshold that the closed surface is created at as a fractional value between 0 and 1.&"
)

TERMS = {
    "tumor": "Segmentation category and type - 3D Slicer General Anatomy list~SCT^49755003^Morphologically Altered "
             "Structure~SCT^4147007^Mass~^^~Anatomic codes - DICOM master list~SCT^10200004^Liver~^^",
    "liver": "Segmentation category and type - 3D Slicer General Anatomy list~SCT^123037004^Anatomical Structure~"
             "SCT^10200004^Liver~^^~Anatomic codes - DICOM master list~^^~^^",
    "vessel": "Segmentation category and type - 3D Slicer General Anatomy list~SCT^123037004^Anatomical Structure~"
              "SCT^59820001^Blood vessel~^^~Anatomic codes - DICOM master list~^^~^^",
}
COLORS = {"tumor": "0.784314 0.313725 0.27451", "liver": "0.866667 0.509804 0.396078", "vessel": "0.847059 0.396078 0.309804"}


SLICER_PREAMBLE_NOTE = ("Written by pynrrd, then its preamble made the one 3D Slicer's vtkTeemNRRDWriter writes: magic "
                        "'NRRD0004', 'type: unsigned char', only the two '# Complete NRRD file format specification' "
                        "comment lines; key/value pairs sorted by key as teem writes them.")


def fmt_num(v):
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def reference_geometry_string(direction, spacing, origin_lps, extent):
    ijk_to_ras = np.eye(4)
    ijk_to_ras[:3, :3] = LPS2RAS @ np.asarray(direction) @ np.diag(spacing)
    ijk_to_ras[:3, 3] = LPS2RAS @ np.asarray(origin_lps)
    return "".join(fmt_num(v) + ";" for v in list(ijk_to_ras.reshape(-1)) + list(extent))


def effective_extent(mask_zyx):
    """Slicer's Segment extent: minI maxI minJ maxJ minK maxK of the non-empty voxels (file indices)."""
    idx = np.argwhere(mask_zyx)
    if idx.size == 0:
        return "0 -1 0 -1 0 -1"
    lo, hi = idx.min(axis=0), idx.max(axis=0)     # (k, j, i)
    return f"{lo[2]} {hi[2]} {lo[1]} {hi[1]} {lo[0]} {hi[0]}"


def ellipsoid(shape_zyx, center_ijk, radii_ijk):
    k, j, i = np.meshgrid(*[np.arange(n) for n in shape_zyx], indexing="ij")
    return (((i - center_ijk[0]) / radii_ijk[0]) ** 2 + ((j - center_ijk[1]) / radii_ijk[1]) ** 2
            + ((k - center_ijk[2]) / radii_ijk[2]) ** 2) <= 1.0


def segment_fields(index, seg_id, name, label, layer, extent):
    p = f"Segment{index}_"
    return {
        p + "Color": COLORS[name],
        p + "ColorAutoGenerated": "1",
        p + "Extent": extent,
        p + "ID": seg_id,
        p + "LabelValue": str(label),
        p + "Layer": str(layer),
        p + "Name": name,
        p + "NameAutoGenerated": "0",
        p + "Tags": f"Segmentation.Status:inprogress|TerminologyEntry:{TERMS[name]}|",
    }


def parse_segments(header):
    segs = []
    n = 0
    while f"Segment{n}_ID" in header:
        n += 1
    for s in range(n):
        g = lambda k: header[f"Segment{s}_{k}"]
        segs.append({"index": s, "id": g("ID"), "name": g("Name"), "layer": int(g("Layer")),
                     "label_value": int(g("LabelValue")), "color": [float(c) for c in g("Color").split()],
                     "extent": [int(v) for v in g("Extent").split()]})
    return segs


def make_seg():
    d = OUT / "seg"
    zyx = (8, 10, 12)   # 12 x 10 x 8
    sp = (0.8, 0.8, 2.0)
    org = (-20.0, 15.5, -40.0)
    dirn = rotation(10.0, 0.0, -8.0)

    # --- (a) single layer, three non-overlapping segments, labels 1 2 3 ---------------------
    liver = ellipsoid(zyx, (6.0, 5.0, 3.5), (5.5, 4.5, 3.6))
    tumor = ellipsoid(zyx, (4.0, 4.0, 3.0), (1.8, 1.6, 1.2))
    vessel = np.zeros(zyx, bool)
    vessel[:, 7, 8:11] = True
    lab = np.zeros(zyx, np.uint8)
    lab[liver] = 2
    lab[vessel] = 3
    lab[tumor] = 1
    segs_a = [("Segment_1", "tumor", 1), ("Segment_2", "liver", 2), ("Segment_3", "vessel", 3)]
    extent_full = (0, zyx[2] - 1, 0, zyx[1] - 1, 0, zyx[0] - 1)
    header = {"encoding": "gzip", "kinds": ["domain", "domain", "domain"]}
    header.update(nrrd_header_lps(dirn, sp, org))
    custom = {}
    for idx, (sid, name, label) in enumerate(segs_a):
        custom.update(segment_fields(idx, sid, name, label, 0, effective_extent(lab == label)))
    custom["Segmentation_ContainedRepresentationNames"] = "Binary labelmap|Closed surface|"
    custom["Segmentation_ConversionParameters"] = SLICER_CONVERSION_TEMPLATE.format(
        geometry=reference_geometry_string(dirn, sp, org, extent_full))
    custom["Segmentation_MasterRepresentation"] = "Binary labelmap"
    custom["Segmentation_ReferenceImageExtentOffset"] = "0 0 0"
    for k in sorted(custom):          # teem writes key/value pairs sorted by key
        header[k] = custom[k]
    path = d / "seg_single_layer.seg.nrrd"
    nrrd_write(path, np.asfortranarray(lab.transpose(2, 1, 0)), header, slicer_style=True)

    img, arr = record_sitk(path, "u8", is_mask=True)
    check_geometry(img, sp, org, dirn, 1e-9, path.name)
    hdr_back = nrrd.read_header(str(path))
    segs = parse_segments(hdr_back)
    for s in segs:
        s["voxel_count"] = int(np.count_nonzero(arr == s["label_value"]))
    e = REF[key_of(path)]
    e["segments"] = segs
    e["layers"] = 1
    e["reader"] = "SimpleITK (geometry, voxels) + pynrrd (segment metadata)"
    e["note"] = ("3D Slicer 5 style .seg.nrrd, one layer (3D, kinds 'domain domain domain'), gzip, uchar, oblique LPS; "
                 "segments tumor/liver/vessel with label values 1/2/3 in layer 0; key/value pairs as Slicer writes them "
                 "(SegmentN_ID/Name/LabelValue/Layer/Color/Extent/Tags/NameAutoGenerated/ColorAutoGenerated, "
                 "Segmentation_MasterRepresentation, Segmentation_ContainedRepresentationNames, "
                 "Segmentation_ConversionParameters, Segmentation_ReferenceImageExtentOffset). "
                 "voxel_count = number of voxels equal to the label value in its layer. " + SLICER_PREAMBLE_NOTE)

    # --- (b) two layers (4D, first axis kind 'list'), overlapping segments -------------------
    # Imitates Slicer's CropToMinimumExtent: the file covers a sub-box of the reference image that
    # starts at voxel (2, 1, 1); 'space origin' is the origin of the first voxel in the file.
    offset = (2, 1, 1)
    ref_extent = (0, zyx[2] + 3, 0, zyx[1] + 2, 0, zyx[0] + 1)
    ref_origin = np.asarray(org) - np.asarray(dirn) @ (np.diag(sp) @ np.asarray(offset, dtype=float))
    layer0 = np.zeros(zyx, np.uint8)
    layer1 = np.zeros(zyx, np.uint8)
    layer0[liver] = 1                          # liver: layer 0, label 1
    layer1[tumor] = 1                          # tumor: overlaps the liver -> layer 1, label 1
    layer1[vessel] = 2                         # vessel: overlaps the liver -> layer 1, label 2
    assert not np.any(tumor & vessel) and np.any(tumor & liver) and np.any(vessel & liver)
    segs_b = [("Segment_1", "liver", 1, 0), ("Segment_2", "tumor", 1, 1), ("Segment_3", "vessel", 2, 1)]
    layers = [layer0, layer1]
    data4 = np.stack(layers, axis=-1)          # (z, y, x, layer): layer fastest on disk
    vec_lps = (np.asarray(dirn) @ np.diag(sp)).T
    header = {
        "encoding": "gzip",
        "kinds": ["list", "domain", "domain", "domain"],
        "space": "left-posterior-superior",
        "space directions": np.vstack([np.full((1, 3), np.nan), vec_lps]),
        "space origin": np.asarray(org, dtype=float),
    }
    custom = {}
    for idx, (sid, name, label, layer) in enumerate(segs_b):
        custom.update(segment_fields(idx, sid, name, label, layer, effective_extent(layers[layer] == label)))
    custom["Segmentation_ContainedRepresentationNames"] = "Binary labelmap|"
    custom["Segmentation_ConversionParameters"] = SLICER_CONVERSION_TEMPLATE.format(
        geometry=reference_geometry_string(dirn, sp, ref_origin, ref_extent))
    custom["Segmentation_MasterRepresentation"] = "Binary labelmap"
    custom["Segmentation_ReferenceImageExtentOffset"] = " ".join(str(v) for v in offset)
    for k in sorted(custom):
        header[k] = custom[k]
    path = d / "seg_two_layers.seg.nrrd"
    nrrd_write(path, np.asfortranarray(data4.transpose(3, 2, 1, 0)), header, slicer_style=True)

    # read back: header + data by pynrrd, geometry by ITK's rules
    data_back, hdr_back = nrrd.read(str(path), index_order="C")     # (z, y, x, layer)
    if not np.array_equal(data_back, data4):
        raise AssertionError("seg_two_layers: pynrrd round trip differs")
    spacing_itk, origin_itk, direction_itk, spatial = nrrd_geometry_itk(hdr_back)
    segs = parse_segments(hdr_back)
    for s in segs:
        s["voxel_count"] = int(np.count_nonzero(data_back[..., s["layer"]] == s["label_value"]))
    e = {
        "size": [int(zyx[2]), int(zyx[1]), int(zyx[0])],
        "spacing": [float(v) for v in spacing_itk],
        "origin": [float(v) for v in origin_itk],
        "direction": f64list(direction_itk),
        "dtype": "u8",
        "layers": 2,
    }
    # SimpleITK's view of the same file
    simg, err = sitk_try(path)
    if simg is not None:
        e["sitk_pixel_type"] = simg.GetPixelIDTypeAsString()
        e["sitk_dimension"] = simg.GetDimension()
        e["sitk_number_of_components"] = simg.GetNumberOfComponentsPerPixel()
        sarr = sitk.GetArrayFromImage(simg)
        g = geometry3(simg) if simg.GetDimension() in (2, 3) else None
        same = (g is not None and g["size"] == e["size"]
                and np.allclose(g["spacing"], e["spacing"], atol=1e-12)
                and np.allclose(g["origin"], e["origin"], atol=1e-12)
                and np.allclose(g["direction"], e["direction"], atol=1e-12)
                and np.array_equal(np.asarray(sarr).reshape(-1), data4.reshape(-1)))
        e["sitk_agrees"] = bool(same)
        if same:
            e.update(g)          # identical within 1e-12; keep SimpleITK's own numbers
    else:
        e["sitk_pixel_type"] = None
        e["sitk_error"] = err
    e.update(values_entry(data4))
    e["labels"] = label_counts(data4)
    e["labels_per_layer"] = [label_counts(layer) for layer in layers]
    e["is_mask"] = True
    e["segments"] = segs
    e["reader"] = "SimpleITK (vector image, 2 components) + pynrrd+ITK rules" if (simg is not None and e.get("sitk_agrees")) else "pynrrd+ITK rules"
    e["note"] = ("3D Slicer 5 style .seg.nrrd with two layers: dimension 4, sizes 2 12 10 8, kinds 'list domain domain "
                 "domain', space directions 'none (..) (..) (..)', gzip, uchar. Segments: liver (layer 0, label 1), "
                 "tumor (layer 1, label 1, overlaps liver), vessel (layer 1, label 2, overlaps liver). "
                 "Segmentation_ReferenceImageExtentOffset is '2 1 1' (as Slicer writes with CropToMinimumExtent): the "
                 "file's 'space origin' is already the physical point of file voxel (0,0,0), so readers use it as is. "
                 "Geometry: pynrrd header converted by ITK's rules for the 3 spatial axes (spacing = norm of each "
                 "space direction, direction = unit vectors as columns, origin = space origin; LPS unchanged); "
                 "SimpleITK reads the file as a 3D vector image with 2 components per voxel and gives the same "
                 "numbers (sitk_agrees). size/spacing/origin/direction are those of the 3 spatial axes. "
                 "min/max/sum/voxels/voxels_sha256/labels cover both layers in file order (layer fastest, then x, y, z); "
                 "labels_per_layer counts each layer; voxel_count = voxels equal to the label value in its layer. "
                 + SLICER_PREAMBLE_NOTE)
    REF[key_of(path)] = e


# ----------------------------------------------------------------------------------------------
# 2D frames (Pillow)
# ----------------------------------------------------------------------------------------------

def frame_pattern(h, w, seed, maxval):
    rng = np.random.default_rng(seed)
    y, x = np.meshgrid(np.linspace(0, 1, h), np.linspace(0, 1, w), indexing="ij")
    base = 0.45 * x + 0.25 * y + 0.2 * np.sin(2 * math.pi * (1.5 * x + 0.7 * y)) + 0.1
    v = np.clip(base + 0.04 * rng.standard_normal((h, w)), 0.0, 1.0)
    return np.round(v * maxval)


def make_frames():
    d = OUT / "frames"
    h, w = 42, 62   # odd-ish width: BMP rows of 186 bytes need 2 bytes of padding
    grey8 = frame_pattern(h, w, 400, 255).astype(np.uint8)
    grey16 = frame_pattern(h, w, 401, 65535).astype(np.uint16)
    rgb = np.stack([frame_pattern(h, w, 402 + c, 255) for c in range(3)], axis=-1)
    rgb[..., 1] = 255 - rgb[..., 1]
    rgb = rgb.astype(np.uint8)
    alpha = np.clip(np.round(np.linspace(40, 255, w))[None, :].repeat(h, 0), 0, 255).astype(np.uint8)
    alpha[:4, :] = 255
    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)

    files = []
    p = d / "png_grey8.png"; Image.fromarray(grey8, "L").save(p, optimize=False); files.append((p, "u8", 1, "PNG 8-bit greyscale"))
    p = d / "png_grey16.png"; Image.fromarray(grey16).save(p); files.append((p, "u16", 1, "PNG 16-bit greyscale"))
    p = d / "png_rgb.png"; Image.fromarray(rgb, "RGB").save(p); files.append((p, "u8", 3, "PNG 8-bit RGB"))
    p = d / "png_rgba.png"; Image.fromarray(rgba, "RGBA").save(p); files.append((p, "u8", 4, "PNG 8-bit RGBA, alpha ramps 40..255 along x"))
    p = d / "jpeg_grey.jpg"; Image.fromarray(grey8, "L").save(p, quality=92)
    files.append((p, "u8", 1, "baseline JPEG greyscale, quality 92 (JFIF density 1:1, no unit: ITK spacing 1)"))
    p = d / "jpeg_rgb.jpg"; Image.fromarray(rgb, "RGB").save(p, quality=92, subsampling=0)
    files.append((p, "u8", 3, "baseline JPEG YCbCr, quality 92, 4:4:4 (no chroma subsampling)"))
    p = d / "bmp_rgb.bmp"; Image.fromarray(rgb, "RGB").save(p); files.append((p, "u8", 3, "BMP 24-bit RGB (bottom-up rows)"))
    p = d / "tiff_grey8.tif"; Image.fromarray(grey8, "L").save(p); files.append((p, "u8", 1, "TIFF 8-bit greyscale, uncompressed"))
    p = d / "tiff_grey16.tif"; Image.fromarray(grey16).save(p); files.append((p, "u16", 1, "TIFF 16-bit greyscale, uncompressed"))
    small8 = np.ascontiguousarray(grey8[::2, ::2])      # 31 x 21
    p = d / "tiff_grey8_dpi.tif"; Image.fromarray(small8, "L").save(p, dpi=(300, 150))
    files.append((p, "u8", 1, "TIFF 8-bit greyscale 31 x 21 with XResolution 300 / YResolution 150 dpi: ITK sets spacing "
                              "25.4/dpi mm"))
    p = d / "png_grey8_dpi.png"; Image.fromarray(small8, "L").save(p, dpi=(300, 150))
    files.append((p, "u8", 1, "PNG 8-bit greyscale 31 x 21 with a pHYs chunk (300 x 150 dpi): ITK ignores pHYs, spacing stays 1"))
    p = d / "jpeg_grey_dpi.jpg"; Image.fromarray(small8, "L").save(p, quality=92, dpi=(300, 150))
    files.append((p, "u8", 1, "baseline JPEG greyscale 31 x 21, JFIF density 300 x 150 dots per inch: ITK sets spacing 25.4/dpi mm"))

    sources = {"tiff_grey8_dpi.tif": small8, "png_grey8_dpi.png": small8, "png_grey8.png": grey8, "png_grey16.png": grey16, "png_rgb.png": rgb, "png_rgba.png": rgba,
               "bmp_rgb.bmp": rgb, "tiff_grey8.tif": grey8, "tiff_grey16.tif": grey16}

    for path, dt, ch, note in files:
        native = sitk.ReadImage(str(path))
        img = sitk.ReadImage(str(path), sitk.sitkFloat64)
        arr = sitk.GetArrayFromImage(img)
        e = geometry3(img)
        e["dtype"] = dt
        e["channels"] = ch
        e["sitk_pixel_type"] = native.GetPixelIDTypeAsString()
        e["sitk_components"] = native.GetNumberOfComponentsPerPixel()
        e.update(values_entry(arr))
        e["is_mask"] = False
        e["reader"] = "SimpleITK (sitk.ReadImage(path, sitk.sitkFloat64))"
        extra_note = ""
        if ch >= 3:
            extra_note = (" Values are ITK's grey conversion, in float64 with no rounding: "
                          "(2125*R + 7154*G + 721*B) / 10000"
                          + (" * A  (ITK multiplies the luminance by the raw alpha value without dividing by 255, "
                             "so values reach 255*255)" if ch == 4 else "")
                          + "; computed in that order it matches SimpleITK bit for bit.")
        if path.suffix == ".jpg":
            pil = np.asarray(Image.open(path)).astype(np.float64)
            if pil.ndim == 3:
                pil_grey = (2125.0 * pil[..., 0] + 7154.0 * pil[..., 1] + 721.0 * pil[..., 2]) / 10000.0
            else:
                pil_grey = pil
            e["pillow_decoded_sum"] = float(pil_grey.sum())
            e["pillow_decoded_max_abs_diff"] = float(np.abs(pil_grey - arr).max())
            extra_note += (" JPEG decoding differs slightly between decoders (IDCT, colour conversion); "
                           "pillow_decoded_* give Pillow's (libjpeg-turbo) decode, converted the same way, for scale.")
        e["note"] = note + "; written by Pillow " + PIL.__version__ + "." + extra_note
        # sanity: lossless files equal the source array (grey conversion for colour)
        src = sources.get(path.name)
        if src is not None:
            s = src.astype(np.float64)
            if s.ndim == 3:
                g = (2125.0 * s[..., 0] + 7154.0 * s[..., 1] + 721.0 * s[..., 2]) / 10000.0
                if s.shape[-1] == 4:
                    g = g * s[..., 3]
                s = g
            if not np.array_equal(arr, s):
                raise AssertionError(f"{path.name}: SimpleITK values differ from the written image "
                                     f"(max diff {np.abs(arr - s).max()})")
        REF[key_of(path)] = e


# ----------------------------------------------------------------------------------------------

def _compact(v):
    """Integral floats as integers (JSON has one number type; keeps the file small)."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return int(v)
    if isinstance(v, list):
        return [_compact(x) for x in v]
    if isinstance(v, dict):
        return {k: _compact(x) for k, x in v.items()}
    return v


def dump_json(doc):
    """One line per field of each file entry; lists and small objects inline."""
    j = lambda v: json.dumps(_compact(v), allow_nan=False, ensure_ascii=True)
    lines = ["{", f' "generator": {j(doc["generator"])},', f' "conventions": {j(doc["conventions"])},', ' "files": {']
    keys = list(doc["files"])
    for n, k in enumerate(keys):
        e = doc["files"][k]
        lines.append(f"  {j(k)}: {{")
        fields = list(e)
        for m, f in enumerate(fields):
            if f == "segments":
                inner = ",\n".join(f"    {j(s_)}" for s_ in e[f])
                lines.append(f'   "segments": [\n{inner}\n   ]' + ("," if m < len(fields) - 1 else ""))
            else:
                lines.append(f"   {j(f)}: {j(e[f])}" + ("," if m < len(fields) - 1 else ""))
        lines.append("  }" + ("," if n < len(keys) - 1 else ""))
    lines += [" }", "}", ""]
    text = "\n".join(lines)
    if json.loads(text) != json.loads(json.dumps(_compact(doc))):
        raise AssertionError("dump_json lost information")
    return text


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for sub in SUBDIRS:
        p = OUT / sub
        if p.exists():
            shutil.rmtree(p)
        p.mkdir()
    make_metaimage()
    make_nifti()
    make_analyze()
    make_nrrd()
    make_seg()
    make_frames()
    generator = (f"scripts/make_io_references.py with SimpleITK {sitk.Version.VersionString()} "
                 f"(ITK {sitk.Version.ITKVersionString()}), nibabel {nib.__version__}, pynrrd {nrrd.__version__}, "
                 f"numpy {np.__version__}, Pillow {PIL.__version__}")
    doc = {
        "generator": generator,
        "conventions": (
            "Paths relative to this folder. size/spacing/origin/direction as SimpleITK's GetSize/GetSpacing/GetOrigin/"
            "GetDirection (direction row-major, LPS); 2D images as [nx, ny, 1], [sx, sy, 1], [ox, oy, 0] and the 3x3 "
            "embedding of the 2x2 direction. dtype = type stored in the file; sitk_pixel_type = SimpleITK's pixel type "
            "when reading without a requested type. min/max/sum/voxels/voxels_sha256 over sitk.GetArrayFromImage as "
            "float64 (x fastest); voxels_sha256 = sha256 of those values as little-endian float64 bytes; 'voxels' only "
            "for files with <= 4000 values. labels: voxel count per non-zero label (masks only). Suggested tolerances: "
            "size, labels, voxels of lossless files exact; spacing/origin/direction 1e-6 (text headers, float32 NIfTI "
            "fields); sum 1e-9 relative; JPEG values are decoder-dependent (see note)."),
        "files": {k: REF[k] for k in sorted(REF)},
    }
    with open(OUT / "reference.json", "w") as f:
        f.write(dump_json(doc))
    total = 0
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            total += p.stat().st_size
            if p.stat().st_size > 200_000:
                print(f"warning: {p} is {p.stat().st_size} bytes", file=sys.stderr)
    print(f"wrote {len(REF)} reference entries, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
