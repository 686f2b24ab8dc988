//! Lesions: connected components of a tumor mask, numbered 1, 2, ... by decreasing voxel count
//! (ties: by the first voxel in index order).

use perirad_core::{Mask, Volume};

/// Voxel connectivity of a lesion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connectivity {
    /// Face neighbours only.
    Six,
    /// Faces, edges and corners (the default: a lesion touching at a corner is one lesion).
    #[default]
    TwentySix,
}

/// Splits `mask` into its connected components, largest first (ties: the component whose first
/// voxel comes first in index order).
pub fn connected_components(mask: &Mask, connectivity: Connectivity) -> Vec<Mask> {
    let g = mask.geometry();
    let [nx, ny, nz] = g.size();
    let data = mask.data();
    let mut label = vec![0u32; data.len()];
    let mut components: Vec<(usize, usize, Vec<usize>)> = Vec::new(); // (count, first voxel, voxels)
    let mut stack = Vec::new();
    let offsets: Vec<[isize; 3]> = {
        let mut o = Vec::new();
        for dz in -1isize..=1 {
            for dy in -1isize..=1 {
                for dx in -1isize..=1 {
                    let n = dx.abs() + dy.abs() + dz.abs();
                    let keep = match connectivity {
                        Connectivity::Six => n == 1,
                        Connectivity::TwentySix => n >= 1,
                    };
                    if keep {
                        o.push([dx, dy, dz]);
                    }
                }
            }
        }
        o
    };
    for start in 0..data.len() {
        if !data[start] || label[start] != 0 {
            continue;
        }
        let id = components.len() as u32 + 1;
        label[start] = id;
        stack.push(start);
        let mut voxels = Vec::new();
        while let Some(l) = stack.pop() {
            voxels.push(l);
            let [i, j, k] = g.index_of(l);
            for o in &offsets {
                let (a, b, c) = (i as isize + o[0], j as isize + o[1], k as isize + o[2]);
                if a < 0
                    || b < 0
                    || c < 0
                    || a >= nx as isize
                    || b >= ny as isize
                    || c >= nz as isize
                {
                    continue;
                }
                let m = g.linear_index(a as usize, b as usize, c as usize);
                if data[m] && label[m] == 0 {
                    label[m] = id;
                    stack.push(m);
                }
            }
        }
        components.push((voxels.len(), start, voxels));
    }
    components.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    components
        .into_iter()
        .map(|(_, _, voxels)| {
            let mut m = vec![false; data.len()];
            for v in voxels {
                m[v] = true;
            }
            Volume::new(g.clone(), m).unwrap_or_else(|_| unreachable!("same grid"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use perirad_core::Geometry;

    #[test]
    fn components_are_ordered_by_size_then_position() {
        let g = Geometry::with_spacing([6, 3, 1], [1.0; 3]).expect("valid");
        #[rustfmt::skip]
        let data = vec![
            true,  false, false, false, true, true,
            false, true,  false, false, false, false,
            false, false, false, true,  false, false,
        ].into_iter().collect::<Vec<bool>>();
        let m = Volume::new(g, data).expect("len");
        let c26 = connected_components(&m, Connectivity::TwentySix);
        // {0, 7} (diagonal) has 2 voxels and comes first by position; {4, 5} has 2; {15} has 1.
        let firsts: Vec<usize> = c26
            .iter()
            .map(|c| c.data().iter().position(|&b| b).expect("non-empty"))
            .collect();
        assert_eq!(firsts, vec![0, 4, 15]);
        let c6 = connected_components(&m, Connectivity::Six);
        assert_eq!(c6.len(), 4);
        assert_eq!(c6[0].data().iter().filter(|&&b| b).count(), 2);
    }
}

/// The lesions of a label map, ready for [`crate::build_regions`].
#[derive(Debug, Clone)]
pub struct Lesions {
    /// One mask per lesion, largest first.
    pub masks: Vec<Mask>,
    /// True when lesions are numbered (several labels, or connected components).
    pub numbered: bool,
    /// Every lesion's voxels: removed from every peritumoral region.
    pub all_tumor: Mask,
    /// The label value of each lesion (`None` for connected components of several labels).
    pub labels: Vec<Option<u32>>,
}

/// Chooses the lesions of `labels`:
/// * `label` given: that label is the tumor (`per_lesion`: its connected components);
/// * no label and one label present: the same with that label;
/// * no label and several labels: each label is a lesion (`per_lesion`: the connected
///   components of all of them).
///
/// Lesions are numbered by decreasing voxel count (ties: the first voxel in index order).
pub fn lesions_of(
    labels: &perirad_core::LabelMap,
    label: Option<u32>,
    per_lesion: bool,
    connectivity: Connectivity,
) -> Result<Lesions, crate::RegionError> {
    let counts = labels.counts();
    let chosen: Vec<u32> = match label {
        Some(l) => vec![l],
        None => counts.keys().copied().collect(),
    };
    let all_tumor = match label {
        Some(l) => labels.mask(l)?,
        None => labels.foreground()?,
    };
    if per_lesion {
        let masks = connected_components(&all_tumor, connectivity);
        let n = masks.len();
        let only = (chosen.len() == 1).then(|| chosen[0]);
        return Ok(Lesions {
            masks,
            numbered: true,
            all_tumor,
            labels: vec![only; n],
        });
    }
    if chosen.len() == 1 {
        return Ok(Lesions {
            masks: vec![all_tumor.clone()],
            numbered: false,
            all_tumor,
            labels: vec![Some(chosen[0])],
        });
    }
    // Several labels: each is a lesion, largest first, ties by first voxel.
    let mut per_label: Vec<(usize, usize, u32)> = chosen
        .iter()
        .map(|&l| {
            let first = labels
                .labels()
                .iter()
                .position(|&v| v == l)
                .unwrap_or(usize::MAX);
            (counts.get(&l).copied().unwrap_or(0), first, l)
        })
        .collect();
    per_label.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let masks = per_label
        .iter()
        .map(|&(_, _, l)| labels.mask(l))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Lesions {
        masks,
        numbered: true,
        all_tumor,
        labels: per_label.iter().map(|&(_, _, l)| Some(l)).collect(),
    })
}
