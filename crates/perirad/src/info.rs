//! `perirad info` and `perirad convert`.

use crate::ReadArgs;
use anyhow::Context;
use clap::Args;
use perirad_core::Image;
use perirad_io::info::{image_info, inspect, is_segmentation_file, FileInfo};
use perirad_io::{
    detect_format, read_image, read_labels, read_mask, write_image, write_labels, GridPolicy,
    MaskSelector,
};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Files to describe (a DICOM folder counts as one file).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Print one JSON object per file, one per line.
    #[arg(long)]
    json: bool,
    /// Read the files as label maps (masks): adds each label's voxel count and volume.
    #[arg(long)]
    label_map: bool,
    /// A mask to check against each image: reports the ROI's voxel count, volume and intensities.
    #[arg(long, value_name = "MASK")]
    mask: Option<PathBuf>,
    /// With --mask: the label value that makes the ROI (default: every non-zero label).
    #[arg(long, value_name = "N", conflicts_with = "segment")]
    label: Option<u32>,
    /// With --mask: the named segment (3D Slicer, DICOM-SEG, RTSTRUCT) that makes the ROI.
    #[arg(long, value_name = "NAME")]
    segment: Option<String>,
    /// With --mask: resample a mask on another grid onto the image grid (nearest neighbour)
    /// instead of failing.
    #[arg(long)]
    resample_mask: bool,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Input image or mask.
    input: PathBuf,
    /// Output file: .nii.gz, .nii, .nrrd, .mha or .mhd.
    output: PathBuf,
    /// Read the input as a label map and write its labels (first layer).
    #[arg(long)]
    label_map: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn to_json(path: &Path, info: &FileInfo) -> Value {
    let g = &info.geometry;
    let mut obj = Map::new();
    obj.insert("path".into(), json!(path.display().to_string()));
    obj.insert("format".into(), json!(info.format.name()));
    obj.insert("size".into(), json!(g.size()));
    obj.insert("spacing".into(), json!(g.spacing()));
    obj.insert("origin".into(), json!(g.origin()));
    obj.insert("direction".into(), json!(g.direction_flat()));
    obj.insert("dtype".into(), json!(info.dtype.name()));
    obj.insert("min".into(), json!(info.stats.min));
    obj.insert("max".into(), json!(info.stats.max));
    obj.insert("sum".into(), json!(info.stats.sum));
    if let Some(labels) = &info.labels {
        let m: Map<String, Value> = labels
            .iter()
            .map(|(l, c)| (l.to_string(), json!(c)))
            .collect();
        obj.insert("labels".into(), Value::Object(m));
        if info.layers > 1 {
            obj.insert("layers".into(), json!(info.layers));
        }
        if !info.segments.is_empty() {
            let segs: Vec<Value> = info
                .segments
                .iter()
                .map(|(layer, s, n)| json!({"name": s.name, "id": s.id, "layer": layer, "label": s.value, "voxels": n}))
                .collect();
            obj.insert("segments".into(), Value::Array(segs));
        }
    }
    Value::Object(obj)
}

fn fmt3(v: [f64; 3]) -> String {
    format!("{} × {} × {}", v[0], v[1], v[2])
}

fn print_text(path: &Path, info: &FileInfo) {
    let g = &info.geometry;
    let s = g.size();
    crate::out(format_args!("{}", path.display()));
    crate::out(format_args!("  format     {}", info.format.name()));
    crate::out(format_args!(
        "  size       {} × {} × {}{}",
        s[0],
        s[1],
        s[2],
        if g.is_2d() { "  (2D)" } else { "" }
    ));
    crate::out(format_args!("  spacing    {} mm", fmt3(g.spacing())));
    crate::out(format_args!(
        "  origin     ({}, {}, {}) mm, LPS",
        g.origin()[0],
        g.origin()[1],
        g.origin()[2]
    ));
    let d = g.direction_flat();
    crate::out(format_args!(
        "  direction  [{} {} {}; {} {} {}; {} {} {}]",
        d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]
    ));
    crate::out(format_args!("  dtype      {}", info.dtype));
    crate::out(format_args!(
        "  range      {} .. {}  (sum {})",
        info.stats.min, info.stats.max, info.stats.sum
    ));
    if let Some(labels) = &info.labels {
        if labels.is_empty() {
            crate::out(format_args!("  labels     none (empty mask)"));
        }
        for (l, n) in labels {
            let names: Vec<&str> = info
                .segments
                .iter()
                .filter(|(_, s, _)| s.value == *l)
                .map(|(_, s, _)| s.name.as_str())
                .collect();
            crate::out(format_args!(
                "  label {l:<4} {n} voxels, {:.3} mm³{}",
                *n as f64 * g.voxel_volume(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", names.join(", "))
                }
            ));
        }
        if info.layers > 1 {
            crate::out(format_args!(
                "  layers     {} (overlapping segments)",
                info.layers
            ));
            for (layer, s, n) in &info.segments {
                crate::out(format_args!(
                    "    layer {layer}: label {} {:?}: {n} voxels",
                    s.value, s.name
                ));
            }
        }
    }
}

/// Intensity summary of one image inside a mask.
fn describe_roi(
    args: &InfoArgs,
    image_path: &Path,
    image: &Image,
    mask_path: &Path,
) -> anyhow::Result<Value> {
    let opts = args.read.options();
    let selector = match (&args.label, &args.segment) {
        (Some(l), _) => MaskSelector::Label(*l),
        (_, Some(s)) => MaskSelector::Segment(s.clone()),
        _ => MaskSelector::AnyLabel,
    };
    let policy = GridPolicy::resample_if(args.resample_mask);
    let mask =
        read_mask(mask_path, image.geometry(), &selector, policy, &opts).with_context(|| {
            format!(
                "mask {} for image {}",
                mask_path.display(),
                image_path.display()
            )
        })?;
    let mut n = 0usize;
    let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for (i, &inside) in mask.data().iter().enumerate() {
        if inside {
            let v = image.data().get_f64(i);
            n += 1;
            min = min.min(v);
            max = max.max(v);
            sum += v;
        }
    }
    Ok(json!({
        "path": image_path.display().to_string(),
        "mask": mask_path.display().to_string(),
        "roi_voxels": n,
        "roi_volume_mm3": n as f64 * image.geometry().voxel_volume(),
        "roi_min": min, "roi_max": max, "roi_mean": sum / n as f64,
        "mask_resampled": args.resample_mask,
    }))
}

/// Runs `perirad info`; returns `false` when any file failed (each failure is reported and the
/// other files are still described).
pub fn run_info(args: &InfoArgs) -> anyhow::Result<bool> {
    let mut all_ok = true;
    let opts = args.read.options();
    for path in &args.paths {
        // With --mask the image is read once and serves both the summary and the ROI.
        let as_labels =
            args.label_map || detect_format(path).is_ok_and(|f| is_segmentation_file(path, f));
        let described = match &args.mask {
            Some(mask) if !as_labels => read_image(path, &opts)
                .map_err(anyhow::Error::from)
                .and_then(|image| {
                    let info = image_info(detect_format(path)?, &image);
                    Ok((info, Some(describe_roi(args, path, &image, mask)?)))
                }),
            Some(mask) => inspect(path, &opts, true)
                .map_err(anyhow::Error::from)
                .and_then(|info| {
                    let image = read_image(path, &opts)?;
                    Ok((info, Some(describe_roi(args, path, &image, mask)?)))
                }),
            None => inspect(path, &opts, args.label_map)
                .map(|info| (info, None))
                .map_err(anyhow::Error::from),
        };
        let result = described.map(|(info, roi)| {
            let mut obj = to_json(path, &info);
            if args.json {
                if let (Some(Value::Object(r)), Value::Object(o)) = (&roi, &mut obj) {
                    o.extend(r.iter().filter(|(k, _)| k.as_str() != "path").map(|(k, v)| (k.clone(), v.clone())));
                }
                crate::out(format_args!("{obj}"));
            } else {
                print_text(path, &info);
                if let Some(v) = roi {
                    crate::out(format_args!(
                        "  mask       {}{}\n  ROI        {} voxels, {:.3} mm³, intensity {} .. {} (mean {})",
                        v["mask"].as_str().unwrap_or_default(),
                        if args.resample_mask { " (resampled onto the image grid)" } else { "" },
                        v["roi_voxels"],
                        v["roi_volume_mm3"].as_f64().unwrap_or(f64::NAN),
                        v["roi_min"],
                        v["roi_max"],
                        v["roi_mean"]
                    ));
                }
            }
        });
        if let Err(e) = result {
            all_ok = false;
            let msg = crate::error_chain(&e);
            eprintln!("error: {msg}");
            if msg.contains("different grids") {
                eprintln!("hint: pass --resample-mask to resample the mask onto the image grid (nearest neighbour)");
            } else if msg.contains("choose one by its SeriesInstanceUID") {
                eprintln!("hint: choose one with --series UID");
            } else if msg.contains("RTSTRUCT without a reference") {
                eprintln!("hint: pass --reference DICOM_DIR");
            }
        }
    }
    Ok(all_ok)
}

/// Runs `perirad convert`.
pub fn run_convert(args: &ConvertArgs) -> anyhow::Result<bool> {
    let opts = args.read.options();
    if args.label_map {
        let labels = read_labels(&args.input, &opts)?;
        write_labels(&args.output, &labels.layers[0])?;
    } else {
        let image = read_image(&args.input, &opts)?;
        write_image(&args.output, &image)?;
    }
    eprintln!("wrote {}", args.output.display());
    Ok(true)
}
