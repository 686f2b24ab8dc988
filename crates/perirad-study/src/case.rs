//! One case: the tumor and its peritumoral regions from a mask, and the features of one image
//! (one phase) in every region. Shared by `perirad extract` (one case) and cohort runs.

use crate::settings::{LoadedSettings, RunSettings};
use crate::StudyError;
use perirad_core::{BoundingBox, Geometry, Image, Mask, Volume};
use perirad_features::diagnostics::{image_diagnostics_voxels, mask_diagnostics_in};
use perirad_features::extract::{extract_pyradiomics_regions_in, pyradiomics_values_local};
use perirad_features::ibsi::extract_ibsi_regions;
use perirad_features::FeatureError;
use perirad_io::{read_labels_on, GridPolicy, MaskSelector, ReadOptions};
use perirad_regions::{
    build_regions, lesions_of, Connectivity, Constraints, RegionOptions, RegionSpec,
};
use std::path::Path;

/// What every case of a run shares besides the settings.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Peritumoral regions besides the tumor.
    pub specs: Vec<RegionSpec>,
    /// Skip image types and classes perirad does not compute yet (with a warning).
    pub skip_unsupported: bool,
    /// Put masks on another grid onto the image grid (nearest neighbour).
    pub resample_mask: bool,
    pub read: ReadOptions,
}

/// The regions of one case on one image grid: `tumor` first, then the peritumoral regions in
/// the order of the specs, named by their spec.
#[derive(Debug, Clone)]
pub struct CaseRegions {
    pub geometry: Geometry,
    pub label: u32,
    pub regions: Vec<(String, Mask)>,
    /// Per region (in the order of `regions`), the `diagnostics_Mask-original_Hash` PyRadiomics
    /// would record: for the tumor, SHA-1 of the mask file's labels as 32-bit unsigned integers
    /// (PyRadiomics casts the mask to UInt32 first); for a peritumoral region, that of the region
    /// saved as a 0/1 mask. Empty when the settings ask for no diagnostics.
    pub mask_hashes: Vec<String>,
}

impl CaseRegions {
    /// Region names with their voxel counts.
    pub fn voxel_counts(&self) -> Vec<(String, usize)> {
        self.regions
            .iter()
            .map(|(n, m)| (n.clone(), m.data().iter().filter(|&&b| b).count()))
            .collect()
    }
}

/// Reads the tumor mask (and organ mask) on `geometry` and builds the regions. `label`: the
/// tumor label (the caller resolves manifest, option and parameter file; default 1).
pub fn build_case_regions(
    mask: &Path,
    liver: Option<&Path>,
    label: u32,
    geometry: &Geometry,
    settings: &LoadedSettings,
    opts: &ExtractOptions,
) -> Result<CaseRegions, StudyError> {
    // PyRadiomics' `correctMask: true` puts a mask on another grid onto the image grid, as
    // `--resample-mask` does.
    let policy = GridPolicy::resample_if(opts.resample_mask || settings.correct_mask());
    let labels = read_labels_on(mask, geometry, policy, &opts.read)?;
    let (layer, _) = MaskSelector::Label(label).resolve(mask, &labels)?;
    let lesions = lesions_of(
        &labels.layers[layer],
        Some(label),
        false,
        Connectivity::TwentySix,
    )
    .map_err(|e| StudyError::from(e).context(format!("{}: label {label}", mask.display())))?;
    let tumor = lesions.all_tumor.clone();
    let organ = match liver {
        Some(p) => Some(
            perirad_io::read_mask(p, geometry, &MaskSelector::AnyLabel, policy, &opts.read)
                .map_err(|e| StudyError::from(e).context("organ mask (liver)"))?,
        ),
        None => None,
    };
    let mut regions: Vec<(String, Mask)> = vec![("tumor".to_string(), tumor.clone())];
    if !opts.specs.is_empty() {
        let constraints = Constraints {
            organ: organ.as_ref(),
            ..Default::default()
        };
        for r in build_regions(
            &lesions.masks,
            false,
            &tumor,
            &opts.specs,
            RegionOptions::default(),
            constraints,
        )? {
            if r.spec != RegionSpec::Tumor {
                regions.push((r.spec.to_string(), r.mask));
            }
        }
    }
    let mask_hashes = if settings.additional_info() {
        let labels = labels.layers[layer].labels();
        let mut streams: Vec<U32Stream> = vec![U32Stream::Labels(labels)];
        streams.extend(regions[1..].iter().map(|(_, m)| U32Stream::Mask(m.data())));
        sha1_u32_streams(&streams)
    } else {
        Vec::new()
    };
    Ok(CaseRegions {
        geometry: geometry.clone(),
        label,
        regions,
        mask_hashes,
    })
}

/// Voxels hashed as little-endian 32-bit unsigned integers.
enum U32Stream<'a> {
    Labels(&'a [u32]),
    /// 0/1.
    Mask(&'a [bool]),
}

impl U32Stream<'_> {
    fn len(&self) -> usize {
        match self {
            U32Stream::Labels(v) => v.len(),
            U32Stream::Mask(v) => v.len(),
        }
    }

    fn first_nonzero(&self) -> usize {
        match self {
            U32Stream::Labels(v) => v.iter().position(|&x| x != 0),
            U32Stream::Mask(v) => v.iter().position(|&x| x),
        }
        .unwrap_or(self.len())
    }

    /// Writes the values from `from` on into `h`, through a buffer.
    fn feed(&self, from: usize, h: &mut sha1::Sha1) {
        use sha1::Digest;
        const CHUNK: usize = 16 * 1024;
        let mut buf = Vec::with_capacity(4 * CHUNK);
        let mut at = from;
        while at < self.len() {
            let to = (at + CHUNK).min(self.len());
            buf.clear();
            match self {
                U32Stream::Labels(v) => {
                    for &x in &v[at..to] {
                        buf.extend_from_slice(&x.to_le_bytes());
                    }
                }
                U32Stream::Mask(v) => {
                    for &x in &v[at..to] {
                        buf.extend_from_slice(&u32::from(x).to_le_bytes());
                    }
                }
            }
            h.update(&buf);
            at = to;
        }
    }
}

/// SHA-1 of each stream as little-endian 32-bit unsigned integers (SimpleITK's `Hash` of a
/// UInt32 image). The streams' leading zeros are hashed once: the hasher's state after the
/// common zeros is cloned for each stream where its first non-zero value comes.
fn sha1_u32_streams(streams: &[U32Stream]) -> Vec<String> {
    use sha1::{Digest, Sha1};
    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    let firsts: Vec<usize> = streams.iter().map(U32Stream::first_nonzero).collect();
    let mut order: Vec<usize> = (0..streams.len()).collect();
    order.sort_by_key(|&s| firsts[s]);
    let mut zeros = Sha1::new();
    let mut done = 0usize;
    let mut out = vec![String::new(); streams.len()];
    for s in order {
        let mut bytes = 4 * (firsts[s] - done);
        while bytes > 0 {
            let n = bytes.min(ZEROS.len());
            zeros.update(&ZEROS[..n]);
            bytes -= n;
        }
        done = firsts[s];
        let mut h = zeros.clone();
        streams[s].feed(firsts[s], &mut h);
        out[s] = format!("{:x}", h.finalize());
    }
    out
}

/// SHA-1 of an image's voxels as stored, little-endian: SimpleITK's `Hash`, which PyRadiomics
/// records as `diagnostics_Image-original_Hash`.
pub fn voxel_sha1(image: &Image) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    // Writing into a hasher cannot fail.
    let _ = perirad_io::write_voxels_le(image.data(), &mut h);
    format!("{:x}", h.finalize())
}

/// The box holding every voxel of every region, grown by one voxel on each side (within the
/// grid); `None` when the regions are empty or not on `grid`.
fn regions_box(regions: &CaseRegions, grid: &Geometry) -> Option<BoundingBox> {
    let size = grid.size();
    let mut union: Option<BoundingBox> = None;
    for (_, m) in &regions.regions {
        if m.geometry().size() != size {
            return None;
        }
        if let Some(b) = BoundingBox::of_mask(size, m.data()) {
            union = Some(union.map_or(b, |u| u.union(&b)));
        }
    }
    union.map(|u| u.padded([1; 3], size))
}

/// The voxels of `image` inside `bbox` as f64, on the cropped grid.
fn f64_box(image: &Image, bbox: &BoundingBox) -> Result<Volume<f64>, StudyError> {
    let g = image.geometry();
    let geometry = g
        .cropped(bbox)
        .map_err(|e| StudyError::Invalid(e.to_string()))?;
    let data = image.data();
    let mut out = Vec::with_capacity(geometry.len());
    for k in bbox.lower[2]..bbox.upper[2] {
        for j in bbox.lower[1]..bbox.upper[1] {
            let start = g.linear_index(bbox.lower[0], j, k);
            out.extend((start..start + bbox.size()[0]).map(|l| data.get_f64(l)));
        }
    }
    Volume::new(geometry, out).map_err(|e| StudyError::Invalid(e.to_string()))
}

/// Named values of one region with the warnings of their extraction.
type Named = (Vec<(String, f64)>, Vec<String>);

/// The features of one region, or why they could not be computed.
#[derive(Debug)]
pub struct RegionFeatures {
    pub region: String,
    pub result: Result<Vec<(String, f64)>, FeatureError>,
}

/// The features of one image in every region of a case.
#[derive(Debug)]
pub struct ImageFeatures {
    /// One entry per region, in the order of [`CaseRegions::regions`]; the tumor's always
    /// succeeded (a failed tumor is an error of the whole image).
    pub regions: Vec<RegionFeatures>,
    /// What was skipped (with `skip_unsupported`), each message once.
    pub warnings: Vec<String>,
    /// Per region, PyRadiomics' diagnostics (`diagnostics_Image-original_Hash`,
    /// `diagnostics_Mask-original_BoundingBox`, ...), unless `additionalInfo: false`.
    pub diagnostics: Vec<(String, Vec<(String, String)>)>,
}

/// Extracts the features of `image` in every region of `regions`. A failed tumor fails the
/// image; a failed peritumoral region is reported in its [`RegionFeatures`].
pub fn extract_image(
    image: &Image,
    regions: &CaseRegions,
    settings: &LoadedSettings,
    opts: &ExtractOptions,
) -> Result<ImageFeatures, StudyError> {
    // When the features only read each region's box (see `pyradiomics_values_local`), only the
    // box holding every region (plus a voxel) is converted to f64, and the masks are cropped to
    // it; `offset` is where it starts on the image grid.
    let local_box = match &settings.run {
        RunSettings::PyRadiomics(params) if pyradiomics_values_local(params) => {
            regions_box(regions, image.geometry())
        }
        _ => None,
    };
    let (intensities, offset, cropped_masks) = match &local_box {
        Some(b) => (
            f64_box(image, b)?,
            b.lower,
            Some(
                regions
                    .regions
                    .iter()
                    .map(|(_, m)| m.crop(b))
                    .collect::<Result<Vec<Mask>, _>>()
                    .map_err(|e| StudyError::Invalid(e.to_string()))?,
            ),
        ),
        None => (image.to_f64_volume(), [0; 3], None),
    };
    let mut diagnostics = Vec::new();
    if settings.additional_info() {
        let image_hash = voxel_sha1(image);
        let mut common = vec![("diagnostics_Image-original_Hash".to_string(), image_hash)];
        common.extend(
            image_diagnostics_voxels(image.geometry(), image.data(), "original")
                .into_iter()
                .map(|(k, v)| (k, v.to_string())),
        );
        for (r, (name, mask)) in regions.regions.iter().enumerate() {
            let mask_hash = regions.mask_hashes.get(r).cloned().unwrap_or_default();
            let d = common
                .iter()
                .cloned()
                .chain([("diagnostics_Mask-original_Hash".to_string(), mask_hash)])
                .chain(
                    mask_diagnostics_in(&intensities, offset, mask, "original")
                        .into_iter()
                        .map(|(k, v)| (k, v.to_string())),
                )
                .collect();
            diagnostics.push((name.clone(), d));
        }
    }
    let masks: Vec<&Mask> = match &cropped_masks {
        Some(c) => c.iter().collect(),
        None => regions.regions.iter().map(|(_, m)| m).collect(),
    };
    // Every region in one run, so that each filtered image is made once.
    let results: Vec<Result<Named, FeatureError>> = match &settings.run {
        RunSettings::PyRadiomics(params) => extract_pyradiomics_regions_in(
            &intensities,
            image.dtype(),
            &masks,
            params,
            opts.skip_unsupported,
            offset,
        )?
        .into_iter()
        .map(|r| r.map(|ex| (ex.features, ex.warnings)))
        .collect(),
        RunSettings::Ibsi(s) => extract_ibsi_regions(&intensities, &masks, s)?
            .into_iter()
            .map(|r| {
                r.map(|ex| {
                    // Values of the original image get `original_`; those of IBSI-2 response
                    // maps are already named `<filter name>_<tag>`.
                    let features = ex
                        .features
                        .into_iter()
                        .map(|(tag, v)| (format!("original_{tag}"), v))
                        .chain(ex.filtered)
                        .collect();
                    (features, Vec::new())
                })
            })
            .collect(),
    };
    let mut results = results.into_iter();
    let mut out = ImageFeatures {
        regions: Vec::new(),
        warnings: Vec::new(),
        diagnostics,
    };
    for (name, _) in &regions.regions {
        let result = results.next().unwrap_or(Err(FeatureError::EmptyRoi));
        match result {
            Ok((features, warnings)) => {
                for w in warnings {
                    if !out.warnings.contains(&w) {
                        out.warnings.push(w);
                    }
                }
                out.regions.push(RegionFeatures {
                    region: name.clone(),
                    result: Ok(features),
                });
            }
            Err(e) if name == "tumor" => {
                return Err(StudyError::from(e).context("region tumor"));
            }
            Err(e) => out.regions.push(RegionFeatures {
                region: name.clone(),
                result: Err(e),
            }),
        }
    }
    Ok(out)
}
