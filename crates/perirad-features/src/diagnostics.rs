//! PyRadiomics' diagnostics (`additionalInfo`, PyRadiomics 3.1 `generalinfo.py`): what the image
//! and the ROI looked like, under PyRadiomics' key names (`diagnostics_Mask-original_VoxelNum`).
//! The hashes of the voxel buffers are the caller's (they need the stored voxel type).

use perirad_core::{BoundingBox, Geometry, Mask, Volume, VoxelData};

/// A diagnostic value, printed as PyRadiomics prints it in its CSV output.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagnostic {
    Text(String),
    Int(i64),
    Float(f64),
    /// A Python tuple of integers, e.g. the bounding box `(162, 84, 11, 47, 70, 7)`.
    Ints(Vec<i64>),
    /// A Python tuple of floats, e.g. the spacing `(0.7812, 0.7812, 6.5)`.
    Floats(Vec<f64>),
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn tuple<T: std::fmt::Display>(
            f: &mut std::fmt::Formatter<'_>,
            items: &[T],
            show: impl Fn(&T) -> String,
        ) -> std::fmt::Result {
            let parts: Vec<String> = items.iter().map(show).collect();
            write!(f, "({})", parts.join(", "))
        }
        match self {
            Diagnostic::Text(s) => write!(f, "{s}"),
            Diagnostic::Int(i) => write!(f, "{i}"),
            Diagnostic::Float(x) => write!(f, "{}", python_float(*x)),
            Diagnostic::Ints(v) => tuple(f, v, |i| i.to_string()),
            Diagnostic::Floats(v) => tuple(f, v, |x| python_float(*x)),
        }
    }
}

/// A float as Python's `repr` writes it (shortest round-trip digits, `.0` for integers).
pub fn python_float(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// Sum (in voxel order), minimum and maximum of values.
fn sum_min_max(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        sum += v;
        min = min.min(v);
        max = max.max(v);
    }
    (sum, min, max)
}

/// Spacing, size, mean, minimum and maximum of a whole image (`Image-<prefix>_*`).
pub fn image_diagnostics(image: &Volume<f64>, prefix: &str) -> Vec<(String, Diagnostic)> {
    let (sum, min, max) = sum_min_max(image.data().iter().copied());
    image_diagnostics_of(
        image.geometry(),
        [sum, min, max],
        image.data().len(),
        prefix,
    )
}

/// [`image_diagnostics`] of an image's voxels in their stored type, without an f64 copy (the
/// same values: each voxel is converted to f64 and summed in the same order).
pub fn image_diagnostics_voxels(
    g: &Geometry,
    data: &VoxelData,
    prefix: &str,
) -> Vec<(String, Diagnostic)> {
    let (sum, min, max) = match data {
        VoxelData::U8(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::I8(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::U16(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::I16(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::U32(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::I32(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::U64(v) => sum_min_max(v.iter().map(|&x| x as f64)),
        VoxelData::I64(v) => sum_min_max(v.iter().map(|&x| x as f64)),
        VoxelData::F32(v) => sum_min_max(v.iter().map(|&x| f64::from(x))),
        VoxelData::F64(v) => sum_min_max(v.iter().copied()),
    };
    image_diagnostics_of(g, [sum, min, max], data.len(), prefix)
}

fn image_diagnostics_of(
    g: &Geometry,
    [sum, min, max]: [f64; 3],
    n: usize,
    prefix: &str,
) -> Vec<(String, Diagnostic)> {
    let key = |k: &str| format!("diagnostics_Image-{prefix}_{k}");
    let mut out = Vec::new();
    if prefix == "original" {
        let dims = if g.is_2d() { 2 } else { 3 };
        out.push((key("Dimensionality"), Diagnostic::Text(format!("{dims}D"))));
    }
    out.extend([
        (key("Spacing"), Diagnostic::Floats(spacing(g))),
        (key("Size"), Diagnostic::Ints(size(g))),
        (key("Mean"), Diagnostic::Float(sum / n as f64)),
        (key("Minimum"), Diagnostic::Float(min)),
        (key("Maximum"), Diagnostic::Float(max)),
    ]);
    out
}

fn spacing(g: &Geometry) -> Vec<f64> {
    let s = g.spacing();
    if g.is_2d() {
        s[..2].to_vec()
    } else {
        s.to_vec()
    }
}

fn size(g: &Geometry) -> Vec<i64> {
    let s = g.size();
    let n = if g.is_2d() { 2 } else { 3 };
    s[..n].iter().map(|&v| v as i64).collect()
}

/// Number of 26-connected components of a mask, searched inside `bbox` (which holds every
/// voxel of the mask, so no component reaches outside it).
fn components(mask: &Mask, bbox: &BoundingBox) -> usize {
    let [gx, gy, _] = mask.geometry().size();
    let [nx, ny, nz] = bbox.size();
    let data = mask.data();
    // The box's voxels, raster order; `seen` marks those already counted.
    let mut inside = vec![false; nx * ny * nz];
    for k in 0..nz {
        for j in 0..ny {
            let from = bbox.lower[0] + gx * (bbox.lower[1] + j + gy * (bbox.lower[2] + k));
            let to = nx * (j + ny * k);
            inside[to..to + nx].copy_from_slice(&data[from..from + nx]);
        }
    }
    let mut seen = vec![false; inside.len()];
    let mut stack = Vec::new();
    let mut count = 0;
    for start in 0..inside.len() {
        if !inside[start] || seen[start] {
            continue;
        }
        count += 1;
        seen[start] = true;
        stack.push(start);
        while let Some(l) = stack.pop() {
            let (i, j, k) = (l % nx, (l / nx) % ny, l / (nx * ny));
            for dk in -1i64..=1 {
                for dj in -1i64..=1 {
                    for di in -1i64..=1 {
                        let (a, b, c) = (i as i64 + di, j as i64 + dj, k as i64 + dk);
                        if a < 0
                            || b < 0
                            || c < 0
                            || a >= nx as i64
                            || b >= ny as i64
                            || c >= nz as i64
                        {
                            continue;
                        }
                        let m = a as usize + nx * (b as usize + ny * c as usize);
                        if inside[m] && !seen[m] {
                            seen[m] = true;
                            stack.push(m);
                        }
                    }
                }
            }
        }
    }
    count
}

/// Smallest box holding every `true` voxel of a mask, or `None` for an empty mask. Finds the
/// first and last slices, rows and columns without visiting every voxel's coordinates.
fn mask_bbox(mask: &Mask) -> Option<BoundingBox> {
    let [nx, ny, nz] = mask.geometry().size();
    let data = mask.data();
    let mut lower = [usize::MAX; 3];
    let mut upper = [0usize; 3];
    for k in 0..nz {
        for j in 0..ny {
            let row = &data[nx * (j + ny * k)..nx * (j + 1 + ny * k)];
            let Some(first) = row.iter().position(|&b| b) else {
                continue;
            };
            let last = row.iter().rposition(|&b| b).unwrap_or(first);
            lower = [lower[0].min(first), lower[1].min(j), lower[2].min(k)];
            upper = [
                upper[0].max(last + 1),
                upper[1].max(j + 1),
                upper[2].max(k + 1),
            ];
        }
    }
    (lower[0] != usize::MAX).then_some(BoundingBox { lower, upper })
}

/// Spacing, size, bounding box, voxel count, number of 26-connected volumes, centre of mass
/// (index and physical) and, except for the `original` mask (as in PyRadiomics), the ROI's mean,
/// minimum and maximum intensity (`Mask-<prefix>_*`). Empty for an empty ROI.
pub fn mask_diagnostics(
    image: &Volume<f64>,
    mask: &Mask,
    prefix: &str,
) -> Vec<(String, Diagnostic)> {
    mask_diagnostics_in(image, [0; 3], mask, prefix)
}

/// [`mask_diagnostics`] with the intensities of a box of the mask's grid only: `image` is the
/// box starting at voxel `offset`, and must hold every voxel of the mask (empty otherwise).
pub fn mask_diagnostics_in(
    image: &Volume<f64>,
    offset: [usize; 3],
    mask: &Mask,
    prefix: &str,
) -> Vec<(String, Diagnostic)> {
    let g = mask.geometry();
    let key = |k: &str| format!("diagnostics_Mask-{prefix}_{k}");
    let Some(bbox) = mask_bbox(mask) else {
        return Vec::new();
    };
    let [bx, by, _] = image.geometry().size();
    let within = (0..3).all(|a| {
        offset[a] <= bbox.lower[a]
            && bbox.upper[a] <= offset[a] + image.geometry().size()[a]
            && image.geometry().size()[a] + offset[a] <= g.size()[a]
    });
    if !within || image.data().len() != image.geometry().len() {
        return Vec::new();
    }
    let [nx, ny, _] = g.size();
    let mut n = 0usize;
    let mut centre = [0.0f64; 3];
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    // Only the box: the mask's voxels in the same (raster) order as over the whole grid, so the
    // sums are the same.
    let (m, d) = (mask.data(), image.data());
    for k in bbox.lower[2]..bbox.upper[2] {
        for j in bbox.lower[1]..bbox.upper[1] {
            for i in bbox.lower[0]..bbox.upper[0] {
                let l = i + nx * (j + ny * k);
                if m[l] {
                    n += 1;
                    centre[0] += i as f64;
                    centre[1] += j as f64;
                    centre[2] += k as f64;
                    let v = d[(i - offset[0]) + bx * ((j - offset[1]) + by * (k - offset[2]))];
                    sum += v;
                    min = min.min(v);
                    max = max.max(v);
                }
            }
        }
    }
    let centre = centre.map(|c| c / n as f64);
    let dims = if g.is_2d() { 2 } else { 3 };
    let bb = bbox.size();
    let mut bounding: Vec<i64> = bbox.lower[..dims].iter().map(|&v| v as i64).collect();
    bounding.extend(bb[..dims].iter().map(|&v| v as i64));
    vec![
        (key("Spacing"), Diagnostic::Floats(spacing(g))),
        (key("Size"), Diagnostic::Ints(size(g))),
        (key("BoundingBox"), Diagnostic::Ints(bounding)),
        (key("VoxelNum"), Diagnostic::Int(n as i64)),
        (
            key("VolumeNum"),
            Diagnostic::Int(components(mask, &bbox) as i64),
        ),
        (
            key("CenterOfMassIndex"),
            Diagnostic::Floats(centre[..dims].to_vec()),
        ),
        (
            key("CenterOfMass"),
            Diagnostic::Floats(g.index_to_physical(centre)[..dims].to_vec()),
        ),
    ]
    .into_iter()
    // PyRadiomics gives the ROI's intensities for the masks it made (corrected, resegmented,
    // interpolated), not for the original one.
    .chain(
        (prefix != "original")
            .then(|| {
                [
                    (key("Mean"), Diagnostic::Float(sum / n as f64)),
                    (key("Minimum"), Diagnostic::Float(min)),
                    (key("Maximum"), Diagnostic::Float(max)),
                ]
            })
            .into_iter()
            .flatten(),
    )
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_reprs() {
        assert_eq!(python_float(2.0), "2.0");
        assert_eq!(python_float(0.1), "0.1");
        assert_eq!(
            Diagnostic::Ints(vec![162, 84, 11]).to_string(),
            "(162, 84, 11)"
        );
        assert_eq!(Diagnostic::Floats(vec![1.0, 6.5]).to_string(), "(1.0, 6.5)");
    }

    #[test]
    fn two_diagonal_voxels_are_one_volume_and_empty_roi_has_none() {
        let g = Geometry::with_spacing([3, 3, 3], [1.0; 3]).expect("geometry");
        let mut m = vec![false; 27];
        m[0] = true;
        m[13] = true; // (1,1,1): 26-connected to (0,0,0)
        m[26] = true; // (2,2,2)
        let mask = Volume::new(g.clone(), m).expect("mask");
        assert_eq!(components(&mask, &mask_bbox(&mask).expect("not empty")), 1);
        let image = Volume::filled(g.clone(), 1.0);
        let d = mask_diagnostics(&image, &mask, "original");
        assert!(d.contains(&(
            "diagnostics_Mask-original_CenterOfMassIndex".to_string(),
            Diagnostic::Floats(vec![1.0, 1.0, 1.0])
        )));
        // PyRadiomics 3.1 (generalinfo.addMaskElements): intensities only for the masks it
        // made, not the original one.
        assert!(!d.iter().any(|(k, _)| k.ends_with("_Mean")));
        let d = mask_diagnostics(&image, &mask, "interpolated");
        assert!(d.contains(&(
            "diagnostics_Mask-interpolated_Mean".to_string(),
            Diagnostic::Float(1.0)
        )));
        let empty = Volume::new(g, vec![false; 27]).expect("mask");
        assert!(mask_diagnostics(&image, &empty, "original").is_empty());
    }
}
