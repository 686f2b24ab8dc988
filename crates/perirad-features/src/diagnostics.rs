//! PyRadiomics' diagnostics (`additionalInfo`, PyRadiomics 3.1 `generalinfo.py`): what the image
//! and the ROI looked like, under PyRadiomics' key names (`diagnostics_Mask-original_VoxelNum`).
//! The hashes of the voxel buffers are the caller's (they need the stored voxel type).

use perirad_core::{BoundingBox, Geometry, Mask, Volume};

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

/// Spacing, size, mean, minimum and maximum of a whole image (`Image-<prefix>_*`).
pub fn image_diagnostics(image: &Volume<f64>, prefix: &str) -> Vec<(String, Diagnostic)> {
    let g = image.geometry();
    let data = image.data();
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for &v in data {
        sum += v;
        min = min.min(v);
        max = max.max(v);
    }
    let key = |k: &str| format!("diagnostics_Image-{prefix}_{k}");
    let mut out = Vec::new();
    if prefix == "original" {
        let dims = if g.is_2d() { 2 } else { 3 };
        out.push((key("Dimensionality"), Diagnostic::Text(format!("{dims}D"))));
    }
    out.extend([
        (key("Spacing"), Diagnostic::Floats(spacing(g))),
        (key("Size"), Diagnostic::Ints(size(g))),
        (key("Mean"), Diagnostic::Float(sum / data.len() as f64)),
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

/// Number of 26-connected components of a mask.
fn components(mask: &Mask) -> usize {
    let [nx, ny, nz] = mask.geometry().size();
    let data = mask.data();
    let mut seen = vec![false; data.len()];
    let mut stack = Vec::new();
    let mut count = 0;
    for start in 0..data.len() {
        if !data[start] || seen[start] {
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
                        if data[m] && !seen[m] {
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

/// Spacing, size, bounding box, voxel count, number of 26-connected volumes, centre of mass
/// (index and physical) and the ROI's mean, minimum and maximum intensity (`Mask-<prefix>_*`).
/// Empty for an empty ROI.
pub fn mask_diagnostics(
    image: &Volume<f64>,
    mask: &Mask,
    prefix: &str,
) -> Vec<(String, Diagnostic)> {
    let g = mask.geometry();
    let key = |k: &str| format!("diagnostics_Mask-{prefix}_{k}");
    let Some(bbox) = BoundingBox::of(g.size(), |l| mask.data()[l]) else {
        return Vec::new();
    };
    let [nx, ny, _] = g.size();
    let mut n = 0usize;
    let mut centre = [0.0f64; 3];
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for (l, (&m, &v)) in mask.data().iter().zip(image.data()).enumerate() {
        if m {
            n += 1;
            centre[0] += (l % nx) as f64;
            centre[1] += ((l / nx) % ny) as f64;
            centre[2] += (l / (nx * ny)) as f64;
            sum += v;
            min = min.min(v);
            max = max.max(v);
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
        (key("VolumeNum"), Diagnostic::Int(components(mask) as i64)),
        (
            key("CenterOfMassIndex"),
            Diagnostic::Floats(centre[..dims].to_vec()),
        ),
        (
            key("CenterOfMass"),
            Diagnostic::Floats(g.index_to_physical(centre)[..dims].to_vec()),
        ),
        (key("Mean"), Diagnostic::Float(sum / n as f64)),
        (key("Minimum"), Diagnostic::Float(min)),
        (key("Maximum"), Diagnostic::Float(max)),
    ]
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
        assert_eq!(components(&mask), 1);
        let image = Volume::filled(g.clone(), 1.0);
        let d = mask_diagnostics(&image, &mask, "original");
        assert!(d.contains(&(
            "diagnostics_Mask-original_CenterOfMassIndex".to_string(),
            Diagnostic::Floats(vec![1.0, 1.0, 1.0])
        )));
        let empty = Volume::new(g, vec![false; 27]).expect("mask");
        assert!(mask_diagnostics(&image, &empty, "original").is_empty());
    }
}
