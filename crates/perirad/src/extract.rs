//! `perirad extract`: features of the tumor (and peritumoral regions) of one image, written as
//! perirad's long table `case_id,phase,region,feature,value` with a provenance sidecar.

use crate::ReadArgs;
use anyhow::{bail, Context};
use clap::Args;
use perirad_features::diagnostics::{image_diagnostics, mask_diagnostics};
use perirad_features::extract::extract_pyradiomics_regions;
use perirad_features::ibsi::extract_ibsi_regions;
use perirad_features::{Mode, PeriradSettings, PyRadiomicsParams};
use perirad_io::{read_image, read_labels_on, write_file_atomic, GridPolicy, MaskSelector};
use perirad_regions::{
    build_regions, lesions_of, Connectivity, Constraints, RegionOptions, RegionSpec,
};
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The image.
    #[arg(long, value_name = "IMG")]
    image: PathBuf,
    /// The tumor mask.
    #[arg(long, value_name = "MASK")]
    mask: PathBuf,
    /// The tumor's label value (default: the parameter file's `label`, else 1).
    #[arg(long, value_name = "N")]
    label: Option<u32>,
    /// A PyRadiomics parameter file (YAML), or in IBSI mode a perirad settings file (see
    /// examples/ibsi/). Without it: PyRadiomics' defaults (binWidth 25, Original image, every
    /// feature class), or in IBSI mode no processing and bins of 25 units.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// Feature definitions: `pyradiomics` (the default) or `ibsi` (then `--params` is a perirad
    /// settings file; one with `mode: ibsi` selects the IBSI mode by itself).
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,
    /// The case identifier in the table (default: the image file name without extension).
    #[arg(long, value_name = "ID")]
    case_id: Option<String>,
    /// Peritumoral regions to extract besides the tumor (specs as in `perirad regions`).
    #[arg(long = "region", value_name = "SPEC")]
    regions: Vec<String>,
    /// Keep peritumoral regions inside this organ mask.
    #[arg(long, value_name = "MASK")]
    liver: Option<PathBuf>,
    /// Skip image types and feature classes perirad does not compute yet (with a warning)
    /// instead of failing.
    #[arg(long)]
    skip_unsupported: bool,
    /// PyRadiomics image types to extract, replacing the parameter file's `imageType` section:
    /// `NAME` or `NAME:{settings}` with the settings as a YAML mapping, e.g. `Original`,
    /// `'LoG:{sigma: [1.0, 3.0, 5.0]}'`, `Wavelet`, `'Wavelet:{wavelet: haar, level: 2}'`.
    #[arg(long = "image-type", value_name = "TYPE[:{...}]")]
    image_types: Vec<String>,
    /// Resample masks on another grid onto the image grid (nearest neighbour).
    #[arg(long)]
    resample_mask: bool,
    /// Output table (CSV); the provenance goes to FILE.json beside it.
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
        .map_err(|e: perirad_features::FeatureError| e.to_string())
}

/// A CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The case name of an image path: its file name without `.nii.gz`, `.nrrd`, ... .
fn default_case_id(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [
        ".nii.gz",
        ".seg.nrrd",
        ".nii",
        ".nrrd",
        ".nhdr",
        ".mha",
        ".mhd",
        ".png",
        ".jpg",
        ".jpeg",
        ".bmp",
        ".tif",
        ".tiff",
        ".dcm",
    ] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    name
}

/// The settings of a run: a PyRadiomics parameter file, or a perirad settings file (`mode: ibsi`).
#[allow(clippy::large_enum_variant)] // one value per run
enum RunSettings {
    PyRadiomics(PyRadiomicsParams),
    Ibsi(PeriradSettings),
}

impl RunSettings {
    fn mode_name(&self) -> &'static str {
        match self {
            RunSettings::PyRadiomics(_) => "pyradiomics",
            RunSettings::Ibsi(_) => "ibsi",
        }
    }
}

/// Reads `--params` as the file the mode needs: with `--mode ibsi` a perirad settings file, else a
/// PyRadiomics parameter file. A perirad settings file (top-level `mode: ibsi`) switches to the
/// IBSI mode by itself.
fn load_settings(args: &ExtractArgs) -> anyhow::Result<(RunSettings, String)> {
    let text = match &args.params {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?
        }
        None => String::new(),
    };
    let names_ibsi = text.lines().any(|l| {
        let l = l.trim_end();
        l.starts_with("mode:") && l["mode:".len()..].trim().trim_matches(['"', '\'']) == "ibsi"
    });
    let context = || match &args.params {
        Some(p) => format!("parameter file {}", p.display()),
        None => "default settings".to_string(),
    };
    if args.mode == Some(Mode::PyRadiomics) && names_ibsi {
        bail!(
            "{}: a perirad settings file (mode: ibsi) cannot run in --mode pyradiomics",
            context()
        );
    }
    if (args.mode == Some(Mode::Ibsi) || names_ibsi) && !args.image_types.is_empty() {
        bail!("--image-type is for PyRadiomics image types; in IBSI mode filters come from the settings file");
    }
    if args.mode == Some(Mode::Ibsi) || names_ibsi {
        let text = if text.is_empty() {
            DEFAULT_IBSI.to_string()
        } else {
            text
        };
        let s = PeriradSettings::from_yaml(&text).with_context(context)?;
        return Ok((RunSettings::Ibsi(s), text));
    }
    let mut params = if text.is_empty() {
        PyRadiomicsParams::default()
    } else {
        PyRadiomicsParams::from_yaml(&text).with_context(context)?
    };
    if !args.image_types.is_empty() {
        params.image_types = image_types_option(&args.image_types)?;
    }
    Ok((RunSettings::PyRadiomics(params), text))
}

/// `--image-type NAME[:{settings}]` options as a PyRadiomics `imageType` section, validated as
/// PyRadiomics validates a parameter file (unknown types and settings are errors naming them).
fn image_types_option(
    options: &[String],
) -> anyhow::Result<Option<Vec<(perirad_features::ImageType, perirad_features::Settings)>>> {
    let mut yaml = String::from("imageType:\n");
    for o in options {
        let (name, settings) = match o.split_once(':') {
            Some((n, s)) => (n.trim(), s.trim()),
            None => (o.trim(), "{}"),
        };
        if name.is_empty() || name.contains(['\n', '{', '}', ' ']) {
            bail!("--image-type {o:?}: expected NAME or NAME:{{settings}}, e.g. 'LoG:{{sigma: [1.0, 3.0]}}'");
        }
        if settings.contains('\n') {
            bail!("--image-type {o:?}: write the settings on one line, e.g. {{sigma: [1.0, 3.0]}}");
        }
        yaml.push_str(&format!("  {name}: {settings}\n"));
    }
    let parsed = PyRadiomicsParams::from_yaml(&yaml).context("--image-type")?;
    Ok(parsed.image_types)
}

/// IBSI mode without a settings file: no interpolation or re-segmentation, bins of 25 units from
/// the ROI minimum for textures and the intensity histogram, discrete units for the IVH.
const DEFAULT_IBSI: &str =
    "mode: ibsi\ndiscretisation:\n  texture: { method: fbs, width: 25 }\n  ivh: { method: none }\n";

pub fn run_extract(args: &ExtractArgs) -> anyhow::Result<bool> {
    let (settings, params_text) = load_settings(args)?;
    let setting_label = match &settings {
        RunSettings::PyRadiomics(p) => p.setting.label.map(|l| l as u32),
        RunSettings::Ibsi(_) => None,
    };
    let specs: Vec<RegionSpec> = args
        .regions
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    let opts = args.read.options();
    let image = read_image(&args.image, &opts)?;
    let g = image.geometry().clone();
    // PyRadiomics' `correctMask: true` puts a mask on another grid onto the image grid, as
    // `--resample-mask` does.
    let correct_mask = match &settings {
        RunSettings::PyRadiomics(p) => p.setting.correct_mask == Some(true),
        RunSettings::Ibsi(_) => false,
    };
    let policy = GridPolicy::resample_if(args.resample_mask || correct_mask);
    let labels = read_labels_on(&args.mask, &g, policy, &opts)?;
    let label = args.label.or(setting_label).unwrap_or(1);
    let (layer, _) = MaskSelector::Label(label).resolve(&args.mask, &labels)?;
    let lesions = lesions_of(
        &labels.layers[layer],
        Some(label),
        false,
        Connectivity::TwentySix,
    )
    .with_context(|| format!("{}: label {label}", args.mask.display()))?;
    let tumor = lesions.all_tumor.clone();
    let organ = match &args.liver {
        Some(p) => Some(
            perirad_io::read_mask(p, &g, &MaskSelector::AnyLabel, policy, &opts)
                .context("organ mask (--liver)")?,
        ),
        None => None,
    };
    let mut regions: Vec<(String, perirad_core::Mask)> = vec![("tumor".to_string(), tumor.clone())];
    if !specs.is_empty() {
        let constraints = Constraints {
            organ: organ.as_ref(),
            ..Default::default()
        };
        for r in build_regions(
            &lesions.masks,
            false,
            &tumor,
            &specs,
            RegionOptions::default(),
            constraints,
        )? {
            if r.spec != RegionSpec::Tumor {
                regions.push((r.spec.to_string(), r.mask));
            }
        }
    }
    let intensities = image.to_f64_volume();
    let additional_info = match &settings {
        RunSettings::PyRadiomics(p) => p.setting.additional_info.unwrap_or(true),
        RunSettings::Ibsi(_) => true,
    };
    let mut diagnostics = serde_json::Map::new();
    if additional_info {
        let image_hash = {
            use sha1::{Digest, Sha1};
            let mut h = Sha1::new();
            perirad_io::write_voxels_le(image.data(), &mut h)?;
            format!("{:x}", h.finalize())
        };
        let mut common = vec![("diagnostics_Image-original_Hash".to_string(), image_hash)];
        common.extend(
            image_diagnostics(&intensities, "original")
                .into_iter()
                .map(|(k, v)| (k, v.to_string())),
        );
        for (name, mask) in &regions {
            let mut d = serde_json::Map::new();
            for (k, v) in common.iter().cloned().chain(
                mask_diagnostics(&intensities, mask, "original")
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string())),
            ) {
                d.insert(k, json!(v));
            }
            diagnostics.insert(name.clone(), serde_json::Value::Object(d));
        }
    }
    let case_id = args
        .case_id
        .clone()
        .unwrap_or_else(|| default_case_id(&args.image));
    let mut rows = String::from("case_id,phase,region,feature,value\n");
    let mut warnings = Vec::new();
    let mut failed = Vec::new();
    // PyRadiomics mode: every region in one run, so that each filtered image is made once.
    let mut pyradiomics_results = match &settings {
        RunSettings::PyRadiomics(params) => {
            let masks: Vec<&perirad_core::Mask> = regions.iter().map(|(_, m)| m).collect();
            extract_pyradiomics_regions(
                &intensities,
                image.dtype(),
                &masks,
                params,
                args.skip_unsupported,
            )
            .with_context(|| format!("case {case_id}"))?
            .into_iter()
        }
        RunSettings::Ibsi(_) => Vec::new().into_iter(),
    };
    // IBSI mode likewise: the image is interpolated and each IBSI-2 filter applied once.
    let mut ibsi_results = match &settings {
        RunSettings::Ibsi(s) => {
            let masks: Vec<&perirad_core::Mask> = regions.iter().map(|(_, m)| m).collect();
            extract_ibsi_regions(&intensities, &masks, s)
                .with_context(|| format!("case {case_id}"))?
                .into_iter()
        }
        RunSettings::PyRadiomics(_) => Vec::new().into_iter(),
    };
    for (name, _) in &regions {
        let result = match &settings {
            RunSettings::PyRadiomics(_) => pyradiomics_results
                .next()
                .unwrap_or(Err(perirad_features::FeatureError::EmptyRoi))
                .map(|ex| (ex.features, ex.warnings)),
            RunSettings::Ibsi(_) => ibsi_results
                .next()
                .unwrap_or(Err(perirad_features::FeatureError::EmptyRoi))
                .map(|ex| {
                    // Values of the original image get `original_`; those of IBSI-2 response
                    // maps are already named `<filter name>_<tag>`.
                    let features = ex
                        .features
                        .into_iter()
                        .map(|(tag, v)| (format!("original_{tag}"), v))
                        .chain(ex.filtered)
                        .collect();
                    (features, Vec::new())
                }),
        };
        match result {
            Ok((features, new_warnings)) => {
                for w in new_warnings {
                    if !warnings.contains(&w) {
                        eprintln!("warning: {w}");
                        warnings.push(w);
                    }
                }
                for (feature, value) in features {
                    rows.push_str(&format!(
                        "{},,{},{},{}\n",
                        field(&case_id),
                        field(name),
                        field(&feature),
                        value
                    ));
                }
            }
            Err(e) if name == "tumor" => {
                return Err(anyhow::Error::from(e).context(format!("case {case_id}, region tumor")))
            }
            Err(e) => {
                eprintln!("error: case {case_id}, region {name}: {e}");
                failed.push(json!({"region": name, "error": e.to_string()}));
            }
        }
    }
    let out = &args.out;
    write_file_atomic(out, rows.as_bytes())?;
    let settings_hash = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(params_text.as_bytes()))
    };
    let sidecar = json!({
        "perirad_version": env!("CARGO_PKG_VERSION"),
        "mode": settings.mode_name(),
        "case_id": case_id,
        "image": crate::provenance::provenance(&args.image),
        "mask": crate::provenance::provenance(&args.mask),
        "label": label,
        "liver": args.liver.as_deref().map(crate::provenance::provenance),
        "params_file": args.params.as_deref().map(crate::provenance::provenance),
        "settings": params_text,
        "image_type_options": args.image_types,
        "settings_sha256": settings_hash,
        "regions": regions.iter().map(|(n, m)| json!({"region": n, "voxels": m.data().iter().filter(|&&b| b).count()})).collect::<Vec<_>>(),
        "warnings": warnings,
        "failed_regions": failed,
        "diagnostics": diagnostics,
    });
    let sidecar_path = PathBuf::from(format!("{}.json", out.display()));
    write_file_atomic(
        &sidecar_path,
        (serde_json::to_string_pretty(&sidecar)? + "\n").as_bytes(),
    )?;
    Ok(failed.is_empty())
}
