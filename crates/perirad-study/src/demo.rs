//! The synthetic demo cohort (`perirad demo`): CT-like liver phantoms with a tumor, whose
//! microvascular-invasion outcome is planted partly in the tissue just outside the tumor.
//!
//! Each patient is a portal-venous-phase CT crop on an anisotropic grid (0.8 x 0.8 x 2.5 mm,
//! 128 x 128 x 40 voxels): an irregular liver (about 60 HU, smooth low-frequency texture, a fine
//! nodular "fibrotic" texture of random strength, a few bright portal vessels) bordered by fat,
//! abdominal wall muscle, subcutaneous fat and air; a tumor of 8-25 mm mean radius with a
//! lobulated surface, a washed-out heterogeneous texture and at times a necrotic core; and
//! in-plane correlated Gaussian noise of about 12 HU. The outcome `mvi` (40 % of the patients)
//! is planted three ways:
//! * strongly in the peritumoral band 2-5 mm from the tumor surface: MVI-positive livers have
//!   patchy hypoattenuation there (altered perfusion) and small hypodense satellite nodules, in
//!   proportion to a per-patient invasion burden; a quarter of the negatives carry a little;
//! * weakly in the tumor: positives are larger on average (size drives the outcome's latent
//!   score), slightly more heterogeneous and slightly more often necrotic;
//! * weakly in the clinical columns: `afp_log` is higher in positives, `tumor_diameter_mm` is
//!   the drawn diameter with 2 mm measurement noise; `age` is unrelated.
//!
//! Every patient, whatever its outcome, also has findings of exactly the same kind (patchy
//! hypoattenuation with hypodense nodules) 6-10 mm and 12-18 mm from the tumor, of random
//! extent, and the fibrotic texture everywhere: rings wider than the planted band mix in
//! outcome-free variation, and a 2-mm ring covers only the inner edge of the band, so the area
//! under the ROC curve against ring width peaks at [`PLANTED_RING_MM`]. Distances are measured
//! radially from the tumor surface.
//!
//! All randomness comes from SplitMix64 streams derived from the seed (one stream for the
//! cohort-level draws, one per patient), so a seed gives byte-identical files whatever the
//! number of threads.

use crate::StudyError;
use perirad_core::{Geometry, Image, VoxelData, IDENTITY};
use perirad_io::{write_file_atomic, write_image};
use perirad_stats::cv::SplitMix64;
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The ring width (mm) whose band carries the planted outcome signal.
pub const PLANTED_RING_MM: f64 = 5.0;

/// Grid of every phantom: voxels per axis and spacing in mm.
const SIZE: [usize; 3] = [128, 128, 40];
const SPACING: [f64; 3] = [0.8, 0.8, 2.5];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of patients (at least 10, so that both classes reach both sets).
    pub patients: usize,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            patients: 120,
            seed: 2026,
        }
    }
}

/// The files of a generated cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCohort {
    /// The cohort's folder.
    pub dir: PathBuf,
    /// `manifest.csv`: case_id,image,mask,liver,mvi,set,age,afp_log,tumor_diameter_mm.
    pub manifest: PathBuf,
    /// `study.toml` (study file format v1).
    pub study_file: PathBuf,
    /// `params.yaml` (PyRadiomics parameter file).
    pub params: PathBuf,
    /// The ring width whose band carries the planted signal ([`PLANTED_RING_MM`]).
    pub planted_ring_mm: f64,
}

/// Cohort-level draws of one patient: the outcome, the clinical values and what the phantom
/// generator needs.
#[derive(Debug, Clone)]
struct Patient {
    case_id: String,
    mvi: bool,
    test: bool,
    age: f64,
    afp_log: f64,
    /// Mean tumor radius (mm).
    radius: f64,
    diameter_mm: f64,
    /// Invasion burden in 0..1: how much of the planted band is altered.
    burden: f64,
    seed: u64,
}

const PARAMS_YAML: &str = "\
# PyRadiomics parameter file of the perirad demo cohort: the original image, first-order and
# texture features, PyRadiomics' default bin width of 25 HU, no resampling (every phantom has
# the same 0.8 x 0.8 x 2.5 mm grid).
setting:
  binWidth: 25
  label: 1
  additionalInfo: false
imageType:
  Original: {}
featureClass:
  firstorder:
  glcm:
  glszm:
  glrlm:
  gldm:
";

/// Writes the demo cohort into `dir` (created if needed): `images/caseNNN_ct.nii.gz`,
/// `masks/caseNNN_tumor.nii.gz`, `masks/caseNNN_liver.nii.gz`, `manifest.csv`, `params.yaml`
/// and `study.toml`. Files already there under the same names are replaced.
pub fn write_demo_cohort(dir: &Path, opts: &DemoOptions) -> Result<DemoCohort, StudyError> {
    if opts.patients < 10 {
        return Err(StudyError::Invalid(format!(
            "demo cohort: --patients {} is too few (at least 10, so that both outcome classes reach the training and test sets)",
            opts.patients
        )));
    }
    for sub in ["", "images", "masks"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| StudyError::file(&d, e))?;
    }
    let patients = draw_patients(opts);
    let geometry = Geometry::new(
        SIZE,
        SPACING,
        [
            -(SIZE[0] as f64 - 1.0) * SPACING[0] / 2.0,
            -(SIZE[1] as f64 - 1.0) * SPACING[1] / 2.0,
            -(SIZE[2] as f64 - 1.0) * SPACING[2] / 2.0,
        ],
        IDENTITY,
    )
    .map_err(|e| StudyError::Invalid(format!("demo cohort grid: {e}")))?;

    patients
        .par_iter()
        .map(|p| -> Result<(), StudyError> {
            let ph = render(p);
            let write = |name: String, data: VoxelData| -> Result<(), StudyError> {
                let path = dir.join(&name);
                let image = Image::new(geometry.clone(), data)
                    .map_err(|e| StudyError::Invalid(format!("demo cohort {name}: {e}")))?;
                write_image(&path, &image)?;
                Ok(())
            };
            write(
                format!("images/{}_ct.nii.gz", p.case_id),
                VoxelData::I16(ph.ct),
            )?;
            write(
                format!("masks/{}_tumor.nii.gz", p.case_id),
                VoxelData::U8(ph.tumor),
            )?;
            write(
                format!("masks/{}_liver.nii.gz", p.case_id),
                VoxelData::U8(ph.liver),
            )?;
            Ok(())
        })
        .collect::<Result<Vec<()>, StudyError>>()?;

    let manifest = dir.join("manifest.csv");
    write_file_atomic(&manifest, manifest_csv(&patients).as_bytes())?;
    let params = dir.join("params.yaml");
    write_file_atomic(&params, PARAMS_YAML.as_bytes())?;
    let study_file = dir.join("study.toml");
    write_file_atomic(&study_file, study_toml(opts).as_bytes())?;
    Ok(DemoCohort {
        dir: dir.to_path_buf(),
        manifest,
        study_file,
        params,
        planted_ring_mm: PLANTED_RING_MM,
    })
}

fn manifest_csv(patients: &[Patient]) -> String {
    let mut s = String::from("case_id,image,mask,liver,mvi,set,age,afp_log,tumor_diameter_mm\n");
    for p in patients {
        let _ = writeln!(
            s,
            "{id},images/{id}_ct.nii.gz,masks/{id}_tumor.nii.gz,masks/{id}_liver.nii.gz,{},{},{:.0},{:.2},{:.1}",
            u8::from(p.mvi),
            if p.test { "test" } else { "train" },
            p.age,
            p.afp_log,
            p.diameter_mm,
            id = p.case_id,
        );
    }
    s
}

fn study_toml(opts: &DemoOptions) -> String {
    format!(
        "\
title = \"Demo cohort: peritumoral radiomics of microvascular invasion\"
# Synthetic cohort from `perirad demo` ({n} patients, seed {seed}). The outcome is planted in the
# liver tissue 2-5 mm from the tumor surface; the best ring should be {ring} mm.
manifest = \"manifest.csv\"
params = \"params.yaml\"
regions = [\"tumor\", \"ring:2mm\", \"ring:5mm\", \"ring:10mm\", \"ring:20mm\", \"ring:0.5r\"]
output = \"results\"
seed = 42
jobs = 0

[validation]
split_column = \"set\"

[[outcome]]
name = \"MVI\"
target = \"mvi\"
clinical = [\"age\", \"afp_log\", \"tumor_diameter_mm\"]
pipeline = \"zscore,corr:0.9,lasso:1se\"
",
        n = opts.patients,
        seed = opts.seed,
        ring = PLANTED_RING_MM,
    )
}

/// A uniform draw in `[0, 1)` (53 bits).
fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(rng)
}

/// A standard normal draw (Box-Muller, one value per pair of uniforms).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - unit(rng); // (0, 1]
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The cohort-level draws: sizes, outcome, clinical values, split and per-patient seeds.
fn draw_patients(opts: &DemoOptions) -> Vec<Patient> {
    let n = opts.patients;
    let mut rng = SplitMix64::new(opts.seed ^ 0x5045_5249_5241_4430); // "PERIRAD0"
    let width = n.to_string().len().max(3);
    let radii: Vec<f64> = (0..n).map(|_| uniform(&mut rng, 8.0, 25.0)).collect();
    // MVI: the 40 % of patients with the highest size-dependent logit plus logistic noise
    // (an exact prevalence, larger tumors more often positive).
    let latent: Vec<f64> = radii
        .iter()
        .map(|r| {
            let u = unit(&mut rng).clamp(1e-12, 1.0 - 1e-12);
            0.18 * (r - 16.5) + (u / (1.0 - u)).ln()
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| latent[b].total_cmp(&latent[a]).then(a.cmp(&b)));
    let positives = ((n as f64) * 0.4).round() as usize;
    let mut mvi = vec![false; n];
    for &i in &order[..positives] {
        mvi[i] = true;
    }
    // Split: 30 % of each class to the test set.
    let mut test = vec![false; n];
    for class in [true, false] {
        let mut members: Vec<usize> = (0..n).filter(|&i| mvi[i] == class).collect();
        for i in (1..members.len()).rev() {
            let j = rng.below(i + 1);
            members.swap(i, j);
        }
        let k = ((members.len() as f64) * 0.3).round() as usize;
        for &i in &members[..k] {
            test[i] = true;
        }
    }
    (0..n)
        .map(|i| {
            let m = mvi[i];
            let age = (60.0 + 9.0 * normal(&mut rng)).round().clamp(30.0, 85.0);
            let afp_log =
                (2.6 + if m { 1.0 } else { 0.0 } + 1.1 * normal(&mut rng)).clamp(0.0, 11.0);
            let diameter_mm = (2.0 * radii[i] + 2.0 * normal(&mut rng)).max(5.0);
            let burden = if m {
                uniform(&mut rng, 0.4, 1.0)
            } else if unit(&mut rng) < 0.25 {
                uniform(&mut rng, 0.0, 0.35)
            } else {
                0.0
            };
            Patient {
                case_id: format!("case{:0width$}", i + 1),
                mvi: m,
                test: test[i],
                age,
                afp_log,
                radius: radii[i],
                diameter_mm,
                burden,
                seed: rng.next_u64(),
            }
        })
        .collect()
}

/// A plane wave `amp * cos(k . x + phase)`.
#[derive(Debug, Clone, Copy)]
struct Wave {
    k: [f64; 3],
    phase: f64,
    amp: f64,
}

impl Wave {
    /// A wave of random direction with wavelength in `lambda` (mm, or radians for unit vectors).
    fn random(rng: &mut SplitMix64, lambda: (f64, f64), amp: f64) -> Wave {
        let dir = random_direction(rng);
        let kmag = std::f64::consts::TAU / uniform(rng, lambda.0, lambda.1);
        Wave {
            k: [dir[0] * kmag, dir[1] * kmag, dir[2] * kmag],
            phase: uniform(rng, 0.0, std::f64::consts::TAU),
            amp,
        }
    }
    fn at(&self, x: [f64; 3]) -> f64 {
        self.amp * (self.k[0] * x[0] + self.k[1] * x[1] + self.k[2] * x[2] + self.phase).cos()
    }
}

/// Plane waves sampled on the phantom grid, factored per axis: `cos(kx x + ky y + kz z + phase)`
/// is the real part of `e^(i (kx x + phase)) e^(i ky y) e^(i kz z)`, so a voxel costs one
/// complex product per wave once the (y, z) factor of its row is known.
struct GridWaves {
    n: usize,
    x: Vec<[f64; 2]>,
    y: Vec<[f64; 2]>,
    z: Vec<[f64; 2]>,
}

fn axis_coordinate(axis: usize, index: usize) -> f64 {
    (index as f64 - (SIZE[axis] as f64 - 1.0) / 2.0) * SPACING[axis]
}

fn cis(angle: f64, amp: f64) -> [f64; 2] {
    [amp * angle.cos(), amp * angle.sin()]
}

fn cmul(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
}

impl GridWaves {
    fn new(waves: &[Wave]) -> GridWaves {
        let table = |axis: usize, first: bool| -> Vec<[f64; 2]> {
            (0..SIZE[axis])
                .flat_map(|i| {
                    let c = axis_coordinate(axis, i);
                    waves.iter().map(move |w| {
                        if first {
                            cis(w.k[axis] * c + w.phase, w.amp)
                        } else {
                            cis(w.k[axis] * c, 1.0)
                        }
                    })
                })
                .collect()
        };
        GridWaves {
            n: waves.len(),
            x: table(0, true),
            y: table(1, false),
            z: table(2, false),
        }
    }

    /// The (y, z) factors of row `(j, k)`, one per wave, into `out`.
    fn yz(&self, j: usize, k: usize, out: &mut Vec<[f64; 2]>) {
        out.clear();
        out.extend((0..self.n).map(|m| cmul(self.y[j * self.n + m], self.z[k * self.n + m])));
    }

    /// The sum of the waves at voxel `i` of the row whose factors are `yz`.
    fn at(&self, i: usize, yz: &[[f64; 2]]) -> f64 {
        let x = &self.x[i * self.n..(i + 1) * self.n];
        x.iter()
            .zip(yz)
            .map(|(a, b)| a[0] * b[0] - a[1] * b[1])
            .sum()
    }
}

fn sum(waves: &[Wave], x: [f64; 3]) -> f64 {
    waves.iter().map(|w| w.at(x)).sum()
}

fn random_direction(rng: &mut SplitMix64) -> [f64; 3] {
    let z = uniform(rng, -1.0, 1.0);
    let t = uniform(rng, 0.0, std::f64::consts::TAU);
    let s = (1.0 - z * z).sqrt();
    [s * t.cos(), s * t.sin(), z]
}

fn smoothstep(e0: f64, e1: f64, x: f64) -> f64 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// A patchy pattern over directions from the tumor center covering about `coverage` of them:
/// 1 inside patches, 0 outside, soft edges.
#[derive(Debug, Clone)]
struct Patches {
    waves: Vec<Wave>,
    threshold: f64,
    on: bool,
}

impl Patches {
    fn new(rng: &mut SplitMix64, coverage: f64) -> Patches {
        // Three waves over the unit sphere; their normalised sum is roughly standard normal,
        // thresholded at the (logistic approximation of the) 1 - coverage quantile.
        let waves: Vec<Wave> = (0..3).map(|_| Wave::random(rng, (1.6, 2.6), 1.0)).collect();
        let c = coverage.clamp(0.0, 1.0);
        let threshold = if c >= 0.98 {
            -10.0
        } else if c <= 0.02 {
            10.0
        } else {
            ((1.0 - c) / c).ln() / 1.7
        };
        Patches {
            waves,
            threshold,
            on: c > 0.02,
        }
    }
    fn at(&self, u: [f64; 3]) -> f64 {
        if !self.on {
            return 0.0;
        }
        let g = sum(&self.waves, u) / (1.5f64).sqrt();
        smoothstep(-0.3, 0.3, g - self.threshold)
    }
}

/// A small round nodule placed relative to the tumor surface.
#[derive(Debug, Clone, Copy)]
struct Nodule {
    center: [f64; 3],
    radius: f64,
    delta: f64,
}

/// Altered liver tissue in a band `inner..outer` mm outside the tumor surface: patchy
/// hypoattenuation (altered perfusion) over about `coverage` of the directions from the tumor
/// center, and `round(6 coverage)` small hypodense nodules inside the band.
#[derive(Debug, Clone)]
struct Finding {
    inner: f64,
    outer: f64,
    patches: Patches,
    delta: f64,
    nodules: Vec<Nodule>,
}

impl Finding {
    fn new(
        rng: &mut SplitMix64,
        coverage: f64,
        (inner, outer): (f64, f64),
        center: [f64; 3],
        radius: f64,
        lobes: &[Wave],
    ) -> Finding {
        let patches = Patches::new(rng, coverage);
        let delta = -uniform(rng, 18.0, 26.0);
        let count = (coverage * 6.0).round() as usize;
        let nodules = nodules(
            rng,
            count,
            center,
            radius,
            lobes,
            (inner + 0.8, outer - 0.8),
            (1.4, 2.2),
            (-40.0, -30.0),
        );
        Finding {
            inner,
            outer,
            patches,
            delta,
            nodules,
        }
    }

    /// The HU shift at `x` (direction `u` from the tumor center, radial distance `d` from its
    /// surface).
    fn shift(&self, x: [f64; 3], u: [f64; 3], d: f64) -> f64 {
        if d < self.inner - 3.0 || d > self.outer + 3.0 {
            return 0.0;
        }
        let w = smoothstep(self.inner - 0.5, self.inner + 0.5, d)
            * (1.0 - smoothstep(self.outer - 0.5, self.outer + 0.5, d));
        let band = if w > 0.0 {
            w * self.delta * self.patches.at(u)
        } else {
            0.0
        };
        band + nodule_shift(&self.nodules, x)
    }
}

/// A straight vessel segment (infinite line through the crop).
#[derive(Debug, Clone, Copy)]
struct Vessel {
    point: [f64; 3],
    dir: [f64; 3],
    radius: f64,
    hu: f64,
}

struct Phantom {
    ct: Vec<i16>,
    tumor: Vec<u8>,
    liver: Vec<u8>,
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

/// Tumor surface radius along unit direction `u`.
fn surface(radius: f64, lobes: &[Wave], u: [f64; 3]) -> f64 {
    radius * (1.0 + sum(lobes, u))
}

/// Places `count` nodules at radial distance `dist` (mm) outside the tumor surface.
#[allow(clippy::too_many_arguments)]
fn nodules(
    rng: &mut SplitMix64,
    count: usize,
    center: [f64; 3],
    radius: f64,
    lobes: &[Wave],
    dist: (f64, f64),
    size: (f64, f64),
    delta: (f64, f64),
) -> Vec<Nodule> {
    (0..count)
        .map(|_| {
            let u = random_direction(rng);
            let r = surface(radius, lobes, u) + uniform(rng, dist.0, dist.1);
            Nodule {
                center: [
                    center[0] + u[0] * r,
                    center[1] + u[1] * r,
                    center[2] + u[2] * r,
                ],
                radius: uniform(rng, size.0, size.1),
                delta: uniform(rng, delta.0, delta.1),
            }
        })
        .collect()
}

fn nodule_shift(list: &[Nodule], x: [f64; 3]) -> f64 {
    list.iter()
        .map(|n| {
            let d = norm(sub(x, n.center));
            n.delta * (1.0 - smoothstep(n.radius - 0.4, n.radius + 0.4, d))
        })
        .sum()
}

/// Renders one patient's CT (HU), tumor mask and liver mask.
fn render(p: &Patient) -> Phantom {
    let mut rng = SplitMix64::new(p.seed);
    let r = p.radius;
    let center = [
        uniform(&mut rng, 0.0, 8.0),
        uniform(&mut rng, -6.0, 6.0),
        uniform(&mut rng, -5.0, 5.0),
    ];
    let lobes: Vec<Wave> = (0..4)
        .map(|_| {
            let a = uniform(&mut rng, 0.025, 0.05);
            Wave::random(&mut rng, (1.8, 3.2), a)
        })
        .collect();
    let reach = 1.25 * r;

    // Liver: a large perturbed ellipsoid whose lateral edge crosses the crop, never closer
    // than 8 mm to the tumor.
    let semi = [
        uniform(&mut rng, 75.0, 90.0),
        uniform(&mut rng, 70.0, 85.0),
        uniform(&mut rng, 75.0, 95.0),
    ];
    let edge = uniform(&mut rng, -46.0, -32.0).min(center[0] - reach - 8.0);
    let liver_center = [
        edge + semi[0],
        uniform(&mut rng, 10.0, 30.0),
        uniform(&mut rng, -10.0, 10.0),
    ];
    let liver_shape: Vec<Wave> = (0..3)
        .map(|_| Wave::random(&mut rng, (60.0, 140.0), 0.015))
        .collect();
    let liver_hu = 60.0 + 5.0 * normal(&mut rng);
    let liver_texture: Vec<Wave> = (0..6)
        .map(|_| Wave::random(&mut rng, (15.0, 50.0), 2.5))
        .collect();
    // Fine nodular texture of a fibrotic liver, of a per-patient strength unrelated to the
    // outcome: it dilutes the planted band more the wider the ring.
    let fibrosis_sd = uniform(&mut rng, 2.0, 12.0);
    let fibrosis: Vec<Wave> = (0..12)
        .map(|_| Wave::random(&mut rng, (3.0, 8.0), fibrosis_sd * (2.0f64 / 12.0).sqrt()))
        .collect();

    // Tumor: washed-out, heterogeneous, sometimes necrotic (more often when MVI-positive).
    let tumor_hu = uniform(&mut rng, 35.0, 55.0);
    let hetero = uniform(&mut rng, 5.0, 14.0) + if p.mvi { 1.5 } else { 0.0 };
    let tumor_texture: Vec<Wave> = (0..4)
        .map(|_| Wave::random(&mut rng, (8.0, 20.0), hetero / 2.0f64.sqrt()))
        .collect();
    let necrosis = unit(&mut rng) < if p.mvi { 0.38 } else { 0.3 };
    let necrosis_size = uniform(&mut rng, 0.3, 0.55);

    // The planted signal: patchy hypoattenuation and satellite nodules 2-5 mm out, in
    // proportion to the invasion burden; then outcome-free findings of exactly the same kind
    // 6.5-9.5 mm and 13-16 mm out in every patient.
    let planted = Finding::new(&mut rng, p.burden, (2.0, 5.0), center, r, &lobes);
    let near_coverage = unit(&mut rng);
    let near = Finding::new(&mut rng, near_coverage, (6.0, 10.0), center, r, &lobes);
    let far_coverage = unit(&mut rng);
    let far = Finding::new(&mut rng, far_coverage, (12.0, 18.0), center, r, &lobes);
    let findings = [planted, near, far];
    let vessel_count = 2 + rng.below(3);
    let mut vessels = Vec::with_capacity(vessel_count);
    for _ in 0..vessel_count {
        // A line whose closest approach to the tumor center is 8-30 mm beyond the surface.
        let dir = random_direction(&mut rng);
        let radius = uniform(&mut rng, 1.5, 3.5);
        let mut off = random_direction(&mut rng);
        let along = dot(off, dir);
        off = sub(off, [dir[0] * along, dir[1] * along, dir[2] * along]);
        let len = norm(off).max(1e-9);
        let gap = reach + radius + uniform(&mut rng, 8.0, 30.0);
        vessels.push(Vessel {
            point: [
                center[0] + off[0] / len * gap,
                center[1] + off[1] / len * gap,
                center[2] + off[2] / len * gap,
            ],
            dir,
            radius,
            hu: uniform(&mut rng, 150.0, 190.0),
        });
    }

    let n = SIZE[0] * SIZE[1] * SIZE[2];
    let mut value = vec![0f64; n];
    let mut tumor = vec![0u8; n];
    let mut liver = vec![0u8; n];
    let near_tumor = reach + 24.0;
    let shape_grid = GridWaves::new(&liver_shape);
    let texture_grid = GridWaves::new(&liver_texture);
    let fibrosis_grid = GridWaves::new(&fibrosis);
    let tumor_grid = GridWaves::new(&tumor_texture);
    let (mut shape_yz, mut texture_yz, mut fibrosis_yz, mut tumor_yz) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for k in 0..SIZE[2] {
        for j in 0..SIZE[1] {
            shape_grid.yz(j, k, &mut shape_yz);
            texture_grid.yz(j, k, &mut texture_yz);
            fibrosis_grid.yz(j, k, &mut fibrosis_yz);
            tumor_grid.yz(j, k, &mut tumor_yz);
            for i in 0..SIZE[0] {
                let idx = i + SIZE[0] * (j + SIZE[1] * k);
                let x = [
                    (i as f64 - (SIZE[0] as f64 - 1.0) / 2.0) * SPACING[0],
                    (j as f64 - (SIZE[1] as f64 - 1.0) / 2.0) * SPACING[1],
                    (k as f64 - (SIZE[2] as f64 - 1.0) / 2.0) * SPACING[2],
                ];
                // Liver: normalised ellipsoid radius with a gently perturbed surface.
                let q = sub(x, liver_center);
                let rho = ((q[0] / semi[0]).powi(2)
                    + (q[1] / semi[1]).powi(2)
                    + (q[2] / semi[2]).powi(2))
                .sqrt()
                    * (1.0 + shape_grid.at(i, &shape_yz));
                let rel = sub(x, center);
                let dist_c = norm(rel);
                let mut hu;
                let in_liver = rho < 1.0;
                if in_liver {
                    hu = liver_hu
                        + texture_grid.at(i, &texture_yz)
                        + fibrosis_grid.at(i, &fibrosis_yz);
                    for v in &vessels {
                        let w = sub(x, v.point);
                        let a = dot(w, v.dir);
                        let perp = norm(sub(w, [v.dir[0] * a, v.dir[1] * a, v.dir[2] * a]));
                        let t = 1.0 - smoothstep(v.radius - 0.5, v.radius + 0.5, perp);
                        hu += t * (v.hu - hu);
                    }
                } else {
                    // Outside the liver: perirenal/omental fat, abdominal wall muscle,
                    // subcutaneous fat, then air, by approximate distance from the liver edge.
                    let out = (rho - 1.0) * semi[0];
                    hu = if out < 6.0 {
                        -95.0 + 8.0 * texture_grid.at(i, &texture_yz) / 2.5
                    } else if out < 14.0 {
                        45.0
                    } else if out < 20.0 {
                        -105.0
                    } else {
                        -1000.0
                    };
                }
                if dist_c < near_tumor {
                    let u = if dist_c > 1e-9 {
                        [rel[0] / dist_c, rel[1] / dist_c, rel[2] / dist_c]
                    } else {
                        [0.0, 0.0, 1.0]
                    };
                    let rs = surface(r, &lobes, u);
                    let d = dist_c - rs;
                    if d <= 0.0 {
                        tumor[idx] = 1;
                        hu = tumor_hu + tumor_grid.at(i, &tumor_yz);
                        if necrosis && dist_c < necrosis_size * rs {
                            hu = 18.0 + 0.3 * tumor_grid.at(i, &tumor_yz);
                        }
                    } else if in_liver {
                        for f in &findings {
                            hu += f.shift(x, u, d);
                        }
                    }
                }
                if in_liver || tumor[idx] == 1 {
                    liver[idx] = 1;
                }
                value[idx] = hu;
            }
        }
    }

    // Quantum-like noise: white noise smoothed in-plane by [1 2 1]/4 in x and y (the kernel
    // divides its SD by 2.67), about 12 HU after smoothing.
    let mut noise: Vec<f64> = (0..n).map(|_| 32.0 * normal(&mut rng)).collect();
    smooth_axis(&mut noise, 1);
    smooth_axis(&mut noise, SIZE[0]);
    let ct = value
        .iter()
        .zip(&noise)
        .map(|(v, e)| (v + e).round().clamp(-1024.0, 3071.0) as i16)
        .collect();
    Phantom { ct, tumor, liver }
}

/// Smooths `data` along the axis whose stride is `stride` (1 for x, SIZE[0] for y) with
/// [1 2 1]/4, edges replicated.
fn smooth_axis(data: &mut [f64], stride: usize) {
    let len = if stride == 1 { SIZE[0] } else { SIZE[1] };
    let src = data.to_vec();
    for (idx, out) in data.iter_mut().enumerate() {
        let pos = (idx / stride) % len;
        let prev = if pos > 0 { src[idx - stride] } else { src[idx] };
        let next = if pos + 1 < len {
            src[idx + stride]
        } else {
            src[idx]
        };
        *out = 0.25 * prev + 0.5 * src[idx] + 0.25 * next;
    }
}
