//! IBSI-2 filters in `extract_ibsi`: filters with a finite reach run on a crop around the ROI;
//! the values must be those of the response of the whole image (a property of the crop, checked
//! on a synthetic image with ROIs at the image border and inside, for every boundary condition).
//! Reference values are in `ibsi2_phase2.rs`.

use perirad_core::{Geometry, Mask, Volume};
use perirad_features::families::ibsi_intensity::intensity_statistics;
use perirad_features::families::ibsi_spatial::local_intensity;
use perirad_features::ibsi::extract_ibsi;
use perirad_features::settings::PeriradSettings;

const SIZE: [usize; 3] = [23, 20, 14];

/// A deterministic pseudo-random image with 1.2 x 0.9 x 2 mm voxels.
fn image() -> Volume<f64> {
    let g = Geometry::with_spacing(SIZE, [1.2, 0.9, 2.0]).expect("geometry");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let data = (0..g.len())
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f64 - 1000.0
        })
        .collect();
    Volume::new(g, data).expect("volume")
}

/// A box ROI `lo..hi`.
fn roi(lo: [usize; 3], hi: [usize; 3]) -> Mask {
    let g = Geometry::with_spacing(SIZE, [1.2, 0.9, 2.0]).expect("geometry");
    let mut m = Volume::filled(g, false);
    for k in lo[2]..hi[2] {
        for j in lo[1]..hi[1] {
            for i in lo[0]..hi[0] {
                let l = m.geometry().linear_index(i, j, k);
                m.data_mut()[l] = true;
            }
        }
    }
    m
}

const FILTERS: &[&str] = &[
    "{kind: mean, dims: 3d, support: 5}",
    "{kind: mean, dims: 2d, support: 3}",
    "{kind: log, dims: 3d, sigma_mm: 1.5, cutoff: 3}",
    "{kind: log, dims: 2d, sigma_mm: 2, cutoff: 4}",
    "{kind: laws, dims: 3d, laws_kernel: E3W5R5, rotation_invariance: true, pooling: max, \
     energy_delta: 2}",
    "{kind: laws, dims: 2d, laws_kernel: L5S5, energy_delta: 3}",
    "{kind: separable_wavelet, dims: 3d, wavelet: db3, level: 2, subband: LHL, \
     rotation_invariance: true, pooling: average}",
    "{kind: separable_wavelet, dims: 2d, wavelet: coif1, level: 1, subband: HL}",
];

#[test]
fn cropped_filtering_equals_whole_image_filtering() {
    let image = image();
    let rois = [
        roi([0, 3, 0], [6, 9, 4]),      // touches three borders
        roi([9, 8, 5], [13, 12, 8]),    // inside
        roi([18, 15, 9], [23, 20, 14]), // touches the far borders
    ];
    for boundary in ["zero", "nearest", "periodic", "mirror"] {
        for (f, filter) in FILTERS.iter().enumerate() {
            let spec = filter.replacen('{', &format!("{{name: f, boundary: {boundary}, "), 1);
            let settings = PeriradSettings::from_yaml(&format!(
                "mode: ibsi\nfamilies: [intensity_statistics, local_intensity]\nfilters:\n  - \
                 {spec}\n"
            ))
            .expect("settings");
            let whole = settings.ibsi2_filters().expect("filter")[0]
                .apply(&image)
                .expect("response");
            for (r, mask) in rois.iter().enumerate() {
                let ex = extract_ibsi(&image, mask, &settings).expect("extraction");
                let values: Vec<f64> = mask
                    .data()
                    .iter()
                    .zip(whole.data())
                    .filter_map(|(&m, &v)| m.then_some(v))
                    .collect();
                let mut want: Vec<(String, f64)> = local_intensity(&whole, mask)
                    .expect("local intensity")
                    .into_iter()
                    .map(|(t, v)| (format!("f_{t}"), v))
                    .collect();
                want.extend(
                    intensity_statistics(&values)
                        .expect("statistics")
                        .into_iter()
                        .map(|(t, v)| (format!("f_{t}"), v)),
                );
                assert_eq!(ex.filtered.len(), want.len(), "filter {f}, roi {r}");
                for (name, v) in &want {
                    let got = ex
                        .filtered
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|p| p.1)
                        .unwrap_or_else(|| panic!("{name} missing"));
                    let scale = v.abs().max(1.0);
                    assert!(
                        (got - v).abs() <= 1e-9 * scale,
                        "{boundary} filter {f} roi {r} {name}: {got} vs {v}"
                    );
                }
            }
        }
    }
}

/// Several regions in one IBSI run (the image interpolated and each filter applied once) give
/// exactly what one run per region gives; an empty region fails alone.
#[test]
fn ibsi_regions_together_equal_regions_one_by_one() {
    use perirad_features::ibsi::{extract_ibsi, extract_ibsi_regions};
    use perirad_features::PeriradSettings;
    let settings = PeriradSettings::from_yaml(
        "mode: ibsi\nround_intensities: true\ninterpolation: {spacing: [2, 2, 2], image: linear, mask: linear, round_intensities: true}\n\
         resegmentation: {range: [-1000, 400]}\ndiscretisation: {texture: {method: fbn, bins: 32}, ivh: {method: none}}\n\
         families: [intensity_statistics, glcm]\n\
         filters:\n  - {name: mean5, kind: mean, dims: 3d, support: 5, boundary: mirror}\n",
    )
    .expect("settings");
    let dir = perirad_testdata::shared_data().join("ibsi/phantoms/ct");
    let image = perirad_io::read_image(&dir.join("phantom.nii.gz"), &Default::default())
        .expect("image")
        .to_f64_volume();
    let tumor = perirad_io::read_labels(&dir.join("mask.nii.gz"), &Default::default())
        .expect("mask")
        .layers[0]
        .foreground()
        .expect("ROI");
    let ring = perirad_io::read_labels(
        &perirad_testdata::shared_data().join("rings/ibsi_ct/3d/ring_5mm.nrrd"),
        &Default::default(),
    )
    .expect("ring")
    .layers[0]
        .foreground()
        .expect("ring voxels");
    let empty = tumor.map(|_| false);
    let together = extract_ibsi_regions(&image, &[&tumor, &ring, &empty], &settings).expect("runs");
    for (i, m) in [&tumor, &ring].into_iter().enumerate() {
        let alone = extract_ibsi(&image, m, &settings).expect("alone");
        let both = together[i].as_ref().expect("region");
        assert_eq!(both.features, alone.features, "region {i}");
        assert_eq!(both.filtered, alone.filtered, "region {i} filtered");
        assert_eq!(both.filtered.len(), 18 + 2 * 25, "statistics and 3D GLCM");
    }
    assert!(together[2].is_err());
}
