//! `perirad distance`: the exact Euclidean distance map of a mask, in mm.

use crate::ReadArgs;
use anyhow::{bail, Context};
use clap::Args;
use perirad_core::{Image, Mask, Volume, VoxelData};
use perirad_io::info::is_segmentation_file;
use perirad_io::{detect_format, read_image, read_labels, write_image, Format, MaskSelector};
use perirad_regions::{signed_distance, squared_distance, DistanceMode};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DistanceArgs {
    /// The mask (label map): distances are measured to its voxels.
    #[arg(long, value_name = "MASK")]
    mask: PathBuf,
    /// The label value of the mask (default: every non-zero label).
    #[arg(long, value_name = "N")]
    label: Option<u32>,
    /// Output distance map (float32, mm): .nii.gz, .nii, .nrrd, .mha or .mhd.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Signed distance: negative inside the mask (minus the distance to the nearest outside voxel).
    #[arg(long)]
    signed: bool,
    /// Measure distances within each slice only.
    #[arg(long)]
    in_plane: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run_distance(args: &DistanceArgs) -> anyhow::Result<bool> {
    let mask = read_binary_mask(args)?;
    let mode = if args.in_plane {
        DistanceMode::InPlane
    } else {
        DistanceMode::ThreeD
    };
    let data: Vec<f32> = if args.signed {
        signed_distance(&mask, mode)
            .data()
            .iter()
            .map(|&d| d as f32)
            .collect()
    } else {
        squared_distance(&mask, mode)
            .data()
            .iter()
            .map(|&d| d.sqrt() as f32)
            .collect()
    };
    let image = Image::new(mask.geometry().clone(), VoxelData::F32(data))?;
    write_image(&args.out, &image)?;
    Ok(true)
}

/// The mask: straight from the voxels for plain images (no label map in between: a CT-sized
/// mask stays one byte per voxel), through the segmentation readers otherwise.
fn read_binary_mask(args: &DistanceArgs) -> anyhow::Result<Mask> {
    let opts = args.read.options();
    let plain = match detect_format(&args.mask)? {
        Format::Nifti | Format::MetaImage | Format::Raster => true,
        Format::Nrrd => !is_segmentation_file(&args.mask, Format::Nrrd),
        _ => false,
    };
    if plain {
        let image = read_image(&args.mask, &opts)?;
        let data = match args.label {
            Some(l) => image.data().mask_where(|v| v == l as f64),
            None => image.data().mask_where(|v| v != 0.0),
        };
        if !data.iter().any(|&b| b) {
            match args.label {
                Some(l) => bail!("{}: label {l} is not present", args.mask.display()),
                None => bail!("{}: the mask is empty", args.mask.display()),
            }
        }
        return Ok(Volume::new(image.geometry().clone(), data)?);
    }
    let labels = read_labels(&args.mask, &opts)?;
    let selector = args
        .label
        .map_or(MaskSelector::AnyLabel, MaskSelector::Label);
    let (layer, label) = selector.resolve(&args.mask, &labels)?;
    let lm = &labels.layers[layer];
    let mask = match label {
        Some(l) => lm.mask(l),
        None => lm.foreground(),
    }
    .with_context(|| format!("{}: choosing the mask", args.mask.display()))?;
    Ok(mask)
}
