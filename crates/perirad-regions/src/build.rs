//! Building the regions of each lesion: distances on a crop around the lesion, the rule of each
//! spec, then the constraints (organ, exclusions, intensity window) and the cut by every lesion's
//! tumor voxels.

use crate::edt::{squared_distance, DistanceMode};
use crate::spec::RegionSpec;
use crate::RegionError;
use perirad_core::{BoundingBox, Geometry, Mask, Volume};
use std::f64::consts::PI;

/// Relative tolerance at a region's boundary: a distance equal to the width (within 1e-9
/// relative) is inside.
pub const BOUNDARY_TOLERANCE: f64 = 1e-9;

/// What cuts the peritumoral regions (tumor and inner rim are never cut).
#[derive(Debug, Clone, Copy, Default)]
pub struct Constraints<'a> {
    /// Keep only voxels inside this organ mask (the liver).
    pub organ: Option<&'a Mask>,
    /// Remove voxels of this mask (vessels, other structures).
    pub exclude: Option<&'a Mask>,
    /// Keep only voxels whose intensity lies in `[lo, hi]`.
    pub window: Option<(&'a Volume<f32>, f64, f64)>,
}

/// How regions are built.
#[derive(Debug, Clone, Copy)]
pub struct RegionOptions {
    pub mode: DistanceMode,
}

impl Default for RegionOptions {
    fn default() -> Self {
        Self {
            mode: DistanceMode::ThreeD,
        }
    }
}

/// One built region.
#[derive(Debug, Clone)]
pub struct Region {
    /// 1-based lesion number, `None` when the tumor is treated as one lesion.
    pub lesion: Option<usize>,
    /// The single region (a `rings:` series is expanded into shells).
    pub spec: RegionSpec,
    /// The `rings:` series this shell belongs to, if any.
    pub series: Option<RegionSpec>,
    pub mask: Mask,
    pub voxels: usize,
    /// Voxels before the organ, exclusion and window constraints.
    pub unconstrained_voxels: usize,
    pub volume_mm3: f64,
    /// Equivalent radius (mm) of the lesion the region was built from.
    pub equivalent_radius_mm: f64,
}

impl Region {
    /// Share of the unconstrained region the constraints kept (1 without constraints; NaN for an
    /// empty unconstrained region).
    pub fn kept_fraction(&self) -> f64 {
        if self.unconstrained_voxels == 0 {
            f64::NAN
        } else {
            self.voxels as f64 / self.unconstrained_voxels as f64
        }
    }
}

/// Equivalent radius of a lesion of `voxels` voxels: of the sphere of equal volume for 3D images,
/// of the circle of equal area for 2D images (one slice).
pub fn equivalent_radius(geometry: &Geometry, voxels: usize) -> f64 {
    let s = geometry.spacing();
    if geometry.is_2d() {
        (voxels as f64 * s[0] * s[1] / PI).sqrt()
    } else {
        (3.0 * voxels as f64 * geometry.voxel_volume() / (4.0 * PI)).cbrt()
    }
}

fn check_grid(g: &Geometry, m: &Geometry, what: &'static str) -> Result<(), RegionError> {
    if g.size() == m.size() {
        Ok(())
    } else {
        Err(RegionError::Grid { what })
    }
}

/// Builds every spec for every lesion. `lesions` are the tumor masks of the lesions (one, or
/// several numbered lesions when `numbered`); `all_tumor` holds every lesion's voxels and is
/// removed from every peritumoral region.
pub fn build_regions(
    lesions: &[Mask],
    numbered: bool,
    all_tumor: &Mask,
    specs: &[RegionSpec],
    options: RegionOptions,
    constraints: Constraints<'_>,
) -> Result<Vec<Region>, RegionError> {
    let g = all_tumor.geometry();
    if let Some(o) = constraints.organ {
        check_grid(g, o.geometry(), "the organ mask")?;
    }
    if let Some(e) = constraints.exclude {
        check_grid(g, e.geometry(), "the exclusion mask")?;
    }
    if let Some((img, _, _)) = constraints.window {
        check_grid(g, img.geometry(), "the image")?;
    }
    let mut out = Vec::new();
    for (n, lesion) in lesions.iter().enumerate() {
        check_grid(g, lesion.geometry(), "a lesion mask")?;
        let id = numbered.then_some(n + 1);
        out.extend(lesion_regions(
            id,
            lesion,
            all_tumor,
            specs,
            options,
            constraints,
        )?);
    }
    Ok(out)
}

fn lesion_regions(
    id: Option<usize>,
    lesion: &Mask,
    all_tumor: &Mask,
    specs: &[RegionSpec],
    options: RegionOptions,
    constraints: Constraints<'_>,
) -> Result<Vec<Region>, RegionError> {
    let g = lesion.geometry();
    let bbox = BoundingBox::of_mask(g.size(), lesion.data()).ok_or(RegionError::EmptyTumor)?;
    let count = lesion.data().iter().filter(|&&b| b).count();
    let r_eq = equivalent_radius(g, count);
    let reach =
        specs.iter().map(|s| s.reach(r_eq)).fold(0.0, f64::max) * (1.0 + BOUNDARY_TOLERANCE);
    let s = g.spacing();
    // Voxels farther than `reach` along any axis cannot be in a region; one more voxel keeps a
    // layer of non-tumor voxels for the inner distance.
    let margin = |a: usize| ((reach / s[a]).ceil() as usize).saturating_add(1);
    let pad = match options.mode {
        DistanceMode::ThreeD => [margin(0), margin(1), margin(2)],
        DistanceMode::InPlane => [margin(0), margin(1), 0],
    };
    let crop = bbox.padded(pad, g.size());
    let local = lesion.crop(&crop)?;

    let needs_outside = specs.iter().any(RegionSpec::is_peritumoral);
    let needs_inside = specs.iter().any(|s| matches!(s, RegionSpec::Inner(_)));
    let d_out = needs_outside.then(|| squared_distance(&local, options.mode));
    let d_in = needs_inside.then(|| squared_distance(&local.map(|&b| !b), options.mode));

    let within = |d2: f64, w: f64| {
        let t = w * (1.0 + BOUNDARY_TOLERANCE);
        d2 <= t * t
    };
    let lg = local.geometry();
    let mut regions = Vec::new();
    for top in specs {
        let series = matches!(top, RegionSpec::Rings { .. }).then(|| top.clone());
        for spec in top.expand() {
            // Membership in the crop: (tumor part, peritumoral part).
            let member = |l: usize| -> (bool, bool) {
                let inside = local.data()[l];
                let out_d = || d_out.as_ref().map_or(f64::INFINITY, |d| d.data()[l]);
                match spec {
                    RegionSpec::Tumor => (inside, false),
                    RegionSpec::Ring(w) => (false, !inside && within(out_d(), w.mm(r_eq))),
                    RegionSpec::TumorPlusRing(w) => {
                        (inside, !inside && within(out_d(), w.mm(r_eq)))
                    }
                    RegionSpec::Shell { from, to } => (
                        false,
                        !inside && !within(out_d(), from) && within(out_d(), to),
                    ),
                    RegionSpec::Inner(w) => {
                        let d = d_in.as_ref().map_or(f64::INFINITY, |d| d.data()[l]);
                        (inside && within(d, w.mm(r_eq)), false)
                    }
                    RegionSpec::Rings { .. } => unreachable!("expanded above"),
                }
            };
            let mut mask = vec![false; g.len()];
            let (mut voxels, mut unconstrained) = (0usize, 0usize);
            for l in 0..lg.len() {
                let (tumor_part, ring_part) = member(l);
                if !(tumor_part || ring_part) {
                    continue;
                }
                let [i, j, k] = lg.index_of(l);
                let full = g.linear_index(i + crop.lower[0], j + crop.lower[1], k + crop.lower[2]);
                if tumor_part {
                    mask[full] = true;
                    voxels += 1;
                    unconstrained += 1;
                    continue;
                }
                // Peritumoral voxel: never a tumor voxel of any lesion, then the constraints.
                if all_tumor.data()[full] {
                    continue;
                }
                unconstrained += 1;
                let keep = constraints.organ.is_none_or(|o| o.data()[full])
                    && constraints.exclude.is_none_or(|e| !e.data()[full])
                    && constraints.window.is_none_or(|(img, lo, hi)| {
                        let v = img.data()[full] as f64;
                        v >= lo && v <= hi
                    });
                if keep {
                    mask[full] = true;
                    voxels += 1;
                }
            }
            regions.push(Region {
                lesion: id,
                spec,
                series: series.clone(),
                mask: Volume::new(g.clone(), mask)?,
                voxels,
                unconstrained_voxels: unconstrained,
                volume_mm3: voxels as f64 * g.voxel_volume(),
                equivalent_radius_mm: r_eq,
            });
        }
    }
    Ok(regions)
}
