//! `perirad regions`: peritumoral regions in exact millimetres, one mask file per region.

use crate::ReadArgs;
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use perirad_core::{Image, Mask, VoxelData};
use perirad_io::{
    read_image, read_labels_on, read_mask, write_file_atomic, write_image, GridPolicy, MaskSelector,
};
use perirad_regions::{
    build_regions, lesions_of, Connectivity, Constraints, DistanceMode, Region, RegionOptions,
    RegionSpec,
};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RegionsArgs {
    /// The image the regions are built on (its grid is the output grid).
    #[arg(long, value_name = "IMG")]
    image: PathBuf,
    /// The tumor mask (label map, .seg.nrrd, DICOM-SEG or RTSTRUCT).
    #[arg(long, value_name = "MASK")]
    mask: PathBuf,
    /// The tumor's label value (default: every non-zero label; several labels are several lesions).
    #[arg(long, value_name = "N", conflicts_with = "segment")]
    label: Option<u32>,
    /// The tumor's segment name (3D Slicer segment, DICOM-SEG segment, RTSTRUCT ROI).
    #[arg(long, value_name = "NAME")]
    segment: Option<String>,
    /// A region to build; repeat for several. `tumor`, `ring:5mm`, `ring:1cm`, `shell:5-10mm`,
    /// `rings:0-10mm/1mm`, `ring:0.5r`, `inner:3mm`, `tumor+ring:10mm`.
    #[arg(long = "region", value_name = "SPEC", required = true)]
    regions: Vec<String>,
    /// Keep every peritumoral region inside this organ mask (non-zero voxels).
    #[arg(long, value_name = "MASK")]
    liver: Option<PathBuf>,
    /// Remove the non-zero voxels of this mask (vessels, other structures) from peritumoral regions.
    #[arg(long, value_name = "MASK")]
    exclude: Option<PathBuf>,
    /// Remove peritumoral voxels whose intensity lies outside LO..HI (e.g. `-100,300` in HU).
    #[arg(long, value_name = "LO,HI", value_parser = parse_window, allow_hyphen_values = true)]
    hu_window: Option<(f64, f64)>,
    /// Split the tumor into connected lesions, each with its own regions.
    #[arg(long)]
    per_lesion: bool,
    /// Voxel connectivity of a lesion with --per-lesion.
    #[arg(long, value_name = "6|26", default_value = "26", value_parser = parse_connectivity)]
    connectivity: Connectivity,
    /// Measure distances within each slice only (3D data with thick slices).
    #[arg(long)]
    in_plane: bool,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Output file format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Nifti)]
    format: OutputFormat,
    /// Print a JSON array with one object per lesion and region.
    #[arg(long)]
    json: bool,
    /// Warn when a region has fewer voxels than this.
    #[arg(long, value_name = "N", default_value_t = 10)]
    min_voxels: usize,
    /// Resample masks on another grid onto the image grid (nearest neighbour) instead of failing.
    #[arg(long)]
    resample_mask: bool,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// `.nii.gz`
    Nifti,
    /// `.nrrd`
    Nrrd,
}

impl OutputFormat {
    fn ext(self) -> &'static str {
        match self {
            OutputFormat::Nifti => "nii.gz",
            OutputFormat::Nrrd => "nrrd",
        }
    }
}

fn parse_window(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected LO,HI, e.g. -100,300"))?;
    let lo: f64 = a
        .trim()
        .parse()
        .map_err(|_| format!("{a:?} is not a number"))?;
    let hi: f64 = b
        .trim()
        .parse()
        .map_err(|_| format!("{b:?} is not a number"))?;
    if lo.is_nan() || hi.is_nan() || lo > hi {
        return Err(format!("{s}: LO must not exceed HI"));
    }
    Ok((lo, hi))
}

fn parse_connectivity(s: &str) -> Result<Connectivity, String> {
    match s {
        "6" => Ok(Connectivity::Six),
        "26" => Ok(Connectivity::TwentySix),
        _ => Err(format!("{s:?}: connectivity is 6 or 26")),
    }
}

fn mask_image(mask: &Mask) -> anyhow::Result<Image> {
    let data = VoxelData::U8(mask.data().iter().map(|&b| b as u8).collect());
    Ok(Image::new(mask.geometry().clone(), data)?)
}

/// Relative output path of a region: `[lesionN_]stem.ext`, shells of a series in a sub-folder.
fn region_path(r: &Region, ext: &str) -> PathBuf {
    let prefix = r.lesion.map(|n| format!("lesion{n}_")).unwrap_or_default();
    match &r.series {
        Some(series) => PathBuf::from(format!("{prefix}{}", series.file_stem()))
            .join(format!("{}.{ext}", r.spec.file_stem())),
        None => PathBuf::from(format!("{prefix}{}.{ext}", r.spec.file_stem())),
    }
}

pub fn run_regions(args: &RegionsArgs) -> anyhow::Result<bool> {
    let opts = args.read.options();
    let specs: Vec<RegionSpec> = args
        .regions
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    let image = read_image(&args.image, &opts)?;
    let g = image.geometry().clone();
    let policy = GridPolicy::resample_if(args.resample_mask);
    let labels = read_labels_on(&args.mask, &g, policy, &opts)
        .with_context(|| format!("tumor mask for image {}", args.image.display()))?;
    let selector = match (&args.label, &args.segment) {
        (Some(l), _) => MaskSelector::Label(*l),
        (_, Some(s)) => MaskSelector::Segment(s.clone()),
        _ => MaskSelector::AnyLabel,
    };
    let (layer, label) = selector.resolve(&args.mask, &labels)?;
    let lesions = lesions_of(
        &labels.layers[layer],
        label,
        args.per_lesion,
        args.connectivity,
    )
    .with_context(|| format!("{}: choosing the tumor", args.mask.display()))?;

    let organ = match &args.liver {
        Some(p) => Some(
            read_mask(p, &g, &MaskSelector::AnyLabel, policy, &opts)
                .context("organ mask (--liver)")?,
        ),
        None => None,
    };
    let exclude = match &args.exclude {
        Some(p) => Some(
            read_mask(p, &g, &MaskSelector::AnyLabel, policy, &opts)
                .context("exclusion mask (--exclude)")?,
        ),
        None => None,
    };
    let intensities = args.hu_window.map(|_| image.to_f32_volume());
    let constraints = Constraints {
        organ: organ.as_ref(),
        exclude: exclude.as_ref(),
        window: intensities
            .as_ref()
            .zip(args.hu_window)
            .map(|(v, (lo, hi))| (v, lo, hi)),
    };
    let mode = if args.in_plane {
        DistanceMode::InPlane
    } else {
        DistanceMode::ThreeD
    };
    let regions = build_regions(
        &lesions.masks,
        lesions.numbered,
        &lesions.all_tumor,
        &specs,
        RegionOptions { mode },
        constraints,
    )?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let ext = args.format.ext();
    let mut report = Vec::new();
    for r in &regions {
        let rel = region_path(r, ext);
        let path = args.out.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        write_image(&path, &mask_image(&r.mask)?)?;
        let name = match r.lesion {
            Some(n) => format!("lesion {n} {}", r.spec),
            None => r.spec.to_string(),
        };
        if r.voxels == 0 {
            eprintln!("warning: {name} is empty");
        } else if r.voxels < args.min_voxels {
            eprintln!(
                "warning: {name} has only {} voxels (fewer than --min-voxels {})",
                r.voxels, args.min_voxels
            );
        }
        let kept = r.kept_fraction();
        report.push(json!({
            "lesion": r.lesion,
            "region": r.spec.to_string(),
            "series": r.series.as_ref().map(ToString::to_string),
            "voxels": r.voxels,
            "volume_mm3": r.volume_mm3,
            "kept_fraction": if kept.is_finite() { json!(kept) } else { Value::Null },
            "unconstrained_voxels": r.unconstrained_voxels,
            "equivalent_radius_mm": r.equivalent_radius_mm,
            "file": rel.to_string_lossy(),
        }));
    }

    // One label map for viewing when no two regions share a voxel.
    let mut owner = vec![0u16; g.len()];
    let mut overlap = regions.len() > u16::MAX as usize;
    for (i, r) in regions.iter().enumerate() {
        for (o, &b) in owner.iter_mut().zip(r.mask.data()) {
            if b {
                overlap |= *o != 0;
                *o = (i + 1) as u16;
            }
        }
    }
    let labelmap = if overlap {
        Value::Null
    } else {
        let file = format!("regions_labelmap.{ext}");
        let img = Image::new(g.clone(), VoxelData::U16(owner))?;
        write_image(&args.out.join(&file), &img)?;
        json!({"file": file, "labels": regions.iter().enumerate().map(|(i, r)| json!({"label": i + 1, "lesion": r.lesion, "region": r.spec.to_string()})).collect::<Vec<_>>()})
    };
    let sidecar = json!({
        "perirad_version": env!("CARGO_PKG_VERSION"),
        "image": crate::provenance::provenance(&args.image),
        "mask": crate::provenance::provenance(&args.mask),
        "liver": args.liver.as_deref().map(crate::provenance::provenance),
        "exclude": args.exclude.as_deref().map(crate::provenance::provenance),
        "regions_requested": args.regions,
        "label": args.label,
        "segment": args.segment,
        "connectivity": match args.connectivity { Connectivity::Six => 6, Connectivity::TwentySix => 26 },
        "hu_window": args.hu_window.map(|(a, b)| [a, b]),
        "mode": if args.in_plane { "in-plane" } else { "3d" },
        "per_lesion": args.per_lesion,
        "regions": report,
        "labelmap": labelmap,
    });
    let sidecar_path = args.out.join("regions.json");
    write_file_atomic(
        &sidecar_path,
        (serde_json::to_string_pretty(&sidecar)? + "\n").as_bytes(),
    )?;

    if args.json {
        crate::out(format_args!("{}", Value::Array(report)));
    } else {
        for r in &regions {
            let who = r
                .lesion
                .map(|n| format!("lesion {n}  "))
                .unwrap_or_default();
            let kept = r.kept_fraction();
            crate::out(format_args!(
                "{who}{:<20} {:>8} voxels {:>12.1} mm³{}  {}",
                r.spec.to_string(),
                r.voxels,
                r.volume_mm3,
                if kept.is_finite() && kept < 1.0 {
                    format!("  kept {:.1}%", 100.0 * kept)
                } else {
                    String::new()
                },
                args.out.join(region_path(r, ext)).display()
            ));
        }
    }
    if regions.is_empty() {
        bail!("no region was built");
    }
    Ok(true)
}
