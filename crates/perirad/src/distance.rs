//! `perirad distance`: the exact Euclidean distance map of a mask, in mm.

use crate::ReadArgs;
use anyhow::Context;
use clap::Args;
use perirad_core::{Image, VoxelData};
use perirad_io::{read_labels, write_image, MaskSelector};
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
    let labels = read_labels(&args.mask, &args.read.options())?;
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
