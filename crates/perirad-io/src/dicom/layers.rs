//! Packing possibly overlapping segments into label-map layers.

use crate::IoError;
use perirad_core::{Geometry, LabelMap, Segment, Volume};
use std::path::Path;

/// Puts each segment (with the linear indices of its voxels) into the first layer where it
/// overlaps no voxel already labelled, opening a new layer when it overlaps every existing one.
/// Segments are taken in the given order; a segment without voxels joins the first layer. At least
/// one layer is returned (all zero when there are no voxels).
pub(crate) fn pack(
    path: &Path,
    geometry: &Geometry,
    segments: Vec<(Segment, Vec<usize>)>,
) -> Result<Vec<LabelMap>, IoError> {
    let n = geometry.len();
    let mut layers: Vec<(Vec<u32>, Vec<Segment>)> = Vec::new();
    for (segment, voxels) in segments {
        let slot = layers.iter().position(|(labels, _)| {
            voxels
                .iter()
                .all(|&v| labels[v] == 0 || labels[v] == segment.value)
        });
        let slot = match slot {
            Some(s) => s,
            None => {
                layers.push((vec![0; n], Vec::new()));
                layers.len() - 1
            }
        };
        let (labels, segs) = &mut layers[slot];
        for &v in &voxels {
            labels[v] = segment.value;
        }
        segs.push(segment);
    }
    if layers.is_empty() {
        layers.push((vec![0; n], Vec::new()));
    }
    layers
        .into_iter()
        .map(|(labels, segs)| {
            let volume =
                Volume::new(geometry.clone(), labels).map_err(|e| IoError::geometry(path, e))?;
            Ok(LabelMap::new(volume)
                .map_err(|e| IoError::geometry(path, e))?
                .with_segments(segs))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(value: u32) -> Segment {
        Segment {
            value,
            name: format!("s{value}"),
            id: Some(value.to_string()),
        }
    }

    #[test]
    fn overlapping_segments_go_to_new_layers() {
        let g = Geometry::with_spacing([4, 1, 1], [1.0; 3]).expect("valid");
        let layers = pack(
            Path::new("x"),
            &g,
            vec![
                (seg(1), vec![0, 1]),
                (seg(2), vec![1, 2]),
                (seg(3), vec![3]),
                (seg(4), vec![]),
            ],
        )
        .expect("packed");
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].labels(), &[1, 1, 0, 3]);
        assert_eq!(layers[1].labels(), &[0, 2, 2, 0]);
        let names: Vec<u32> = layers[0].segments().iter().map(|s| s.value).collect();
        assert_eq!(names, vec![1, 3, 4]);
    }
}
