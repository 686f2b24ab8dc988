//! Cohort manifests: which images and masks make each case.
//!
//! Two layouts, told apart by their header:
//! * perirad's: `case_id`, `mask`, either `image` (one phase) or one `image_<phase>` column per
//!   phase (each phase its own image, all with the same mask), optional `liver` (organ mask) and
//!   `label` (the tumor's label value); every other column is passed through to the wide table.
//! * PyRadiomics' batch CSV, read as it is: `Image`, `Mask`, optional `Label`; the case id is the
//!   `ID` column, else the row number (1 for the first case). Other columns are passed through.
//!
//! Relative paths are relative to the manifest's folder (as PyRadiomics resolves them).

use crate::StudyError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Which header the manifest has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Perirad,
    PyRadiomics,
}

/// One case of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestCase {
    /// Position in the manifest (0 for the first case); outputs follow this order.
    pub index: usize,
    /// The manifest line the case starts on (1 is the header).
    pub line: u64,
    pub case_id: String,
    /// One image per phase of [`Manifest::phases`]; `None` where the cell is empty (the case
    /// has no image of that phase).
    pub images: Vec<Option<PathBuf>>,
    pub mask: PathBuf,
    pub liver: Option<PathBuf>,
    pub label: Option<u32>,
    /// Values of [`Manifest::passthrough`], in that order.
    pub passthrough: Vec<String>,
    /// Every field of the row as written.
    pub fields: Vec<String>,
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub path: PathBuf,
    pub layout: Layout,
    pub header: Vec<String>,
    /// Phase names: `""` for a single `image` (or PyRadiomics `Image`) column, else the
    /// `<phase>` of each `image_<phase>` column in column order.
    pub phases: Vec<String>,
    /// Columns copied to the wide table.
    pub passthrough: Vec<String>,
    pub cases: Vec<ManifestCase>,
}

impl Manifest {
    /// Reads and checks a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, StudyError> {
        let text = std::fs::read_to_string(path).map_err(|e| StudyError::file(path, e))?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Manifest::parse(&text, path, &base)
    }

    /// Parses manifest text; `path` names it in errors, relative paths are joined to `base`.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<Manifest, StudyError> {
        let whole = |reason: String| StudyError::Manifest {
            path: path.to_path_buf(),
            reason,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| whole(format!("cannot read the header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(whole("empty file: expected a header line".into()));
        }
        let mut seen = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            if h.is_empty() {
                return Err(whole(format!("column {} has no name", i + 1)));
            }
            if let Some(j) = seen.insert(h.as_str(), i) {
                return Err(whole(format!(
                    "column {h:?} appears twice (columns {} and {})",
                    j + 1,
                    i + 1
                )));
            }
        }
        let col = |name: &str| seen.get(name).copied();
        let layout = if col("Image").is_some() && col("Mask").is_some() && col("mask").is_none() {
            Layout::PyRadiomics
        } else {
            Layout::Perirad
        };
        // Column indices of the phases, the mask, liver, label and case id.
        let (phase_cols, phases, mask_col, liver_col, label_col, id_col) = match layout {
            Layout::PyRadiomics => (
                vec![col("Image").unwrap_or(0)],
                vec![String::new()],
                col("Mask").unwrap_or(0),
                None,
                col("Label"),
                col("ID"),
            ),
            Layout::Perirad => {
                let Some(id) = col("case_id") else {
                    return Err(whole(
                        "no case_id column (perirad manifests have case_id, image or image_<phase>, mask; PyRadiomics batch files have Image, Mask)".into(),
                    ));
                };
                let Some(mask) = col("mask") else {
                    return Err(whole("no mask column".into()));
                };
                let mut phase_cols = Vec::new();
                let mut phases = Vec::new();
                for (i, h) in header.iter().enumerate() {
                    if let Some(p) = h.strip_prefix("image_") {
                        if p.is_empty() || p.contains("__") || p.contains(',') {
                            return Err(whole(format!(
                                "column {h:?}: a phase name must be non-empty and hold no \"__\""
                            )));
                        }
                        phase_cols.push(i);
                        phases.push(p.to_string());
                    }
                }
                match (col("image"), phase_cols.is_empty()) {
                    (Some(i), true) => {
                        phase_cols.push(i);
                        phases.push(String::new());
                    }
                    (Some(_), false) => {
                        return Err(whole(
                            "both an image column and image_<phase> columns: use one image column, or one image_<phase> column per phase".into(),
                        ))
                    }
                    (None, true) => {
                        return Err(whole(
                            "no image column (image, or image_<phase> per phase)".into(),
                        ))
                    }
                    (None, false) => {}
                }
                (
                    phase_cols,
                    phases,
                    mask,
                    col("liver"),
                    col("label"),
                    Some(id),
                )
            }
        };
        let used: Vec<usize> = phase_cols
            .iter()
            .copied()
            .chain([mask_col])
            .chain(liver_col)
            .chain(label_col)
            .chain(id_col)
            .collect();
        let passthrough_cols: Vec<usize> =
            (0..header.len()).filter(|i| !used.contains(i)).collect();
        let resolve = |p: &str| {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        };
        let mut cases = Vec::new();
        let mut ids: HashMap<String, u64> = HashMap::new();
        for (index, record) in reader.records().enumerate() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                StudyError::ManifestLine {
                    path: path.to_path_buf(),
                    line,
                    reason: match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("{len} fields, the header has {expected_len}"),
                        _ => e.to_string(),
                    },
                }
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let fields: Vec<String> = record.iter().map(str::to_string).collect();
            if fields.iter().all(|f| f.is_empty()) {
                continue;
            }
            let at_line = |reason: String| StudyError::ManifestLine {
                path: path.to_path_buf(),
                line,
                reason,
            };
            let case_id = match id_col {
                Some(c) => fields[c].clone(),
                None => (index + 1).to_string(),
            };
            if case_id.is_empty() {
                return Err(at_line(format!("empty {}", header[id_col.unwrap_or(0)])));
            }
            if let Some(first) = ids.insert(case_id.clone(), line) {
                return Err(at_line(format!(
                    "case id {case_id:?} already used on line {first}"
                )));
            }
            let images: Vec<Option<PathBuf>> = phase_cols
                .iter()
                .map(|&c| (!fields[c].is_empty()).then(|| resolve(&fields[c])))
                .collect();
            if images.iter().all(Option::is_none) {
                return Err(at_line(format!("case {case_id}: no image")));
            }
            if fields[mask_col].is_empty() {
                return Err(at_line(format!(
                    "case {case_id}: empty {}",
                    header[mask_col]
                )));
            }
            let label = match label_col.map(|c| fields[c].as_str()) {
                None | Some("") => None,
                Some(s) => match s.parse::<u32>() {
                    Ok(l) if l > 0 => Some(l),
                    _ => {
                        return Err(at_line(format!(
                            "case {case_id}: {} {s:?} is not a positive integer label",
                            header[label_col.unwrap_or(0)]
                        )))
                    }
                },
            };
            cases.push(ManifestCase {
                index: cases.len(),
                line,
                case_id,
                images,
                mask: resolve(&fields[mask_col]),
                liver: liver_col
                    .filter(|&c| !fields[c].is_empty())
                    .map(|c| resolve(&fields[c])),
                label,
                passthrough: passthrough_cols
                    .iter()
                    .map(|&c| fields[c].clone())
                    .collect(),
                fields,
            });
        }
        if cases.is_empty() {
            return Err(whole("no cases (only a header)".into()));
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            layout,
            passthrough: passthrough_cols
                .iter()
                .map(|&c| header[c].clone())
                .collect(),
            header,
            phases,
            cases,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, StudyError> {
        Manifest::parse(text, Path::new("/data/cases.csv"), Path::new("/data"))
    }

    #[test]
    fn perirad_layout_with_phases_liver_label_and_passthrough() {
        let m = parse(
            "case_id,image_arterial,image_portal,mask,liver,label,outcome,center\n\
             p1,a/p1.nii.gz,/abs/p1_pv.nii.gz,m/p1.nii.gz,l/p1.nii.gz,2,1,A\n\
             \"p,2\",a/p2.nii.gz,,m/p2.nii.gz,,,0,B\n",
        )
        .expect("valid manifest");
        assert_eq!(m.layout, Layout::Perirad);
        assert_eq!(m.phases, vec!["arterial", "portal"]);
        assert_eq!(m.passthrough, vec!["outcome", "center"]);
        let c = &m.cases[0];
        assert_eq!((c.index, c.line, c.case_id.as_str()), (0, 2, "p1"));
        assert_eq!(
            c.images,
            vec![
                Some(PathBuf::from("/data/a/p1.nii.gz")),
                Some(PathBuf::from("/abs/p1_pv.nii.gz"))
            ]
        );
        assert_eq!(c.mask, PathBuf::from("/data/m/p1.nii.gz"));
        assert_eq!(c.liver, Some(PathBuf::from("/data/l/p1.nii.gz")));
        assert_eq!(c.label, Some(2));
        assert_eq!(c.passthrough, vec!["1", "A"]);
        let c = &m.cases[1];
        assert_eq!((c.case_id.as_str(), c.line), ("p,2", 3));
        assert_eq!(c.images[1], None);
        assert_eq!((c.liver.clone(), c.label), (None, None));
    }

    #[test]
    fn single_image_column_is_the_unnamed_phase() {
        let m = parse("case_id,image,mask\nc1,i.nrrd,m.nrrd\n").expect("valid");
        assert_eq!(m.phases, vec![""]);
        assert!(m.passthrough.is_empty());
    }

    #[test]
    fn pyradiomics_batch_csv_is_read_as_it_is() {
        let m = parse("Image,Mask,Label,Patient\ni1.nrrd,m1.nrrd,2,x\ni2.nrrd,m2.nrrd,,y\n")
            .expect("valid");
        assert_eq!(m.layout, Layout::PyRadiomics);
        assert_eq!(m.phases, vec![""]);
        assert_eq!(m.passthrough, vec!["Patient"]);
        assert_eq!(m.cases[0].case_id, "1");
        assert_eq!(m.cases[1].case_id, "2");
        assert_eq!(m.cases[0].label, Some(2));
        assert_eq!(m.cases[1].label, None);
        assert_eq!(m.cases[1].images[0], Some(PathBuf::from("/data/i2.nrrd")));
        let m = parse("ID,Image,Mask\nA7,i1.nrrd,m1.nrrd\n").expect("valid");
        assert_eq!(m.cases[0].case_id, "A7");
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(m) => panic!("accepted {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_name_the_manifest_and_line() {
        let e = error("case_id,image,mask\nc1,i.nrrd,m.nrrd\nc1,j.nrrd,n.nrrd\n");
        assert!(
            e.contains("/data/cases.csv, line 3") && e.contains("already used on line 2"),
            "{e}"
        );
        let e = error("case_id,image,mask\nc1,i.nrrd\n");
        assert!(
            e.contains("line 2") && e.contains("2 fields, the header has 3"),
            "{e}"
        );
        let e = error("case_id,image,mask,label\nc1,i.nrrd,m.nrrd,one\n");
        assert!(e.contains("line 2") && e.contains("\"one\""), "{e}");
        let e = error("case_id,image,mask\nc1,i.nrrd,\n");
        assert!(e.contains("line 2") && e.contains("empty mask"), "{e}");
        let e = error("case_id,image,mask\n,i.nrrd,m.nrrd\n");
        assert!(e.contains("line 2") && e.contains("empty case_id"), "{e}");
        assert!(error("image,mask\ni,m\n").contains("no case_id column"));
        assert!(error("case_id,mask\nc,m\n").contains("no image column"));
        assert!(error("case_id,image,image_pv,mask\nc,i,j,m\n").contains("both an image column"));
        assert!(error("case_id,image,mask,image\nc,i,m,j\n").contains("appears twice"));
        assert!(error("case_id,image,mask\n").contains("no cases"));
        assert!(error("").contains("expected a header"));
    }
}
