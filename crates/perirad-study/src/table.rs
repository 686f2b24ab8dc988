//! Feature tables: the records of finished cases and the files made from them.
//!
//! * long table `case_id,phase,region,feature,value` (one row per value, cases in manifest order);
//! * wide table: one row per case that has values, `case_id`, the passthrough columns, then one
//!   column per `{phase}__{region}__{feature}` (the phase left out when the manifest has one),
//!   columns in the order they first appear in the long table;
//! * `FILE.errors.csv`: `case_id,error`, one row per error;
//! * the provenance sidecar `FILE.json`.

use crate::StudyError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One value of the long table: phase, region, feature and the value as written (Rust's
/// shortest round-trip decimal, `NaN` for a degenerate feature).
pub type Row = [String; 4];

/// What a case produced, besides its values (recorded in the sidecar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseMeta {
    /// Position in the manifest (0 for the first case).
    pub index: usize,
    pub case_id: String,
    /// Values of the manifest's passthrough columns.
    pub passthrough: Vec<String>,
    /// The manifest row as written.
    pub fields: Vec<String>,
    /// The case has no values at all.
    pub failed: bool,
    /// Why the case, a phase or a region failed (one message each).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Inputs with checksums, label, regions with voxel counts, diagnostics per phase.
    pub provenance: Value,
}

/// A finished case: what a part file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Hash of the settings, regions and manifest row that produced it.
    pub hash: String,
    pub meta: CaseMeta,
    pub rows: Vec<Row>,
}

/// What every output of a run records about the run as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub perirad_version: String,
    pub mode: String,
    pub settings: String,
    pub settings_sha256: String,
    pub params_file: Option<Value>,
    pub image_type_options: Vec<String>,
    pub regions: Vec<String>,
    pub manifest: Value,
    pub manifest_header: Vec<String>,
    pub phases: Vec<String>,
    pub passthrough_columns: Vec<String>,
    /// Number of cases in the whole manifest.
    pub manifest_cases: usize,
    /// Hash of everything above but the manifest's path: shards of one run share it.
    pub run_hash: String,
    /// `[K, N]` for shard K of N.
    pub shard: Option<[usize; 2]>,
}

/// The sidecar JSON of a cohort table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    #[serde(flatten)]
    pub run: RunInfo,
    pub failed_cases: Vec<FailedCase>,
    pub cases: Vec<CaseMeta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedCase {
    pub case_id: String,
    /// True when the case has no values at all (else a phase or region failed).
    pub no_values: bool,
    pub errors: Vec<String>,
}

/// Format of the long and wide tables (the errors table is always CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Csv,
    Parquet,
}

impl std::str::FromStr for Format {
    type Err = StudyError;
    fn from_str(s: &str) -> Result<Format, StudyError> {
        match s {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            other => Err(StudyError::Invalid(format!(
                "--format {other:?}: expected csv or parquet"
            ))),
        }
    }
}

impl Format {
    /// The format a table file's name says (`.parquet`, else CSV).
    pub fn of_path(path: &Path) -> Format {
        if path.extension().is_some_and(|e| e == "parquet") {
            Format::Parquet
        } else {
            Format::Csv
        }
    }
}

/// The long table being written.
#[allow(clippy::large_enum_variant)] // one per run
enum LongWriter {
    Csv(AtomicFile),
    Parquet(crate::parquet_table::LongParquet),
}

/// The wide table being written.
#[allow(clippy::large_enum_variant)] // one per run
enum WideWriter {
    Csv(AtomicFile),
    Parquet(crate::parquet_table::WideParquet),
}

/// The files of a cohort table named `FILE.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// The long table, `FILE.csv`.
    pub long: PathBuf,
    /// `FILE.wide.csv`.
    pub wide: PathBuf,
    /// `FILE.errors.csv`.
    pub errors: PathBuf,
    /// `FILE.csv.json`.
    pub sidecar: PathBuf,
    /// The work folder of per-case part files, `FILE.csv.parts/`.
    pub parts: PathBuf,
}

/// `path` with `tag` put before its extension: `a/f.csv` + `wide` → `a/f.wide.csv`.
pub fn with_tag(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let new = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{tag}.{ext}"),
        _ => format!("{name}.{tag}"),
    };
    path.with_file_name(new)
}

impl Outputs {
    pub fn for_table(long: &Path) -> Outputs {
        let suffixed = |s: &str| PathBuf::from(format!("{}{s}", long.display()));
        Outputs {
            long: long.to_path_buf(),
            wide: with_tag(long, "wide"),
            errors: {
                let name = long
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let stem = match name.rsplit_once('.') {
                    Some((stem, _)) if !stem.is_empty() => stem.to_string(),
                    _ => name,
                };
                long.with_file_name(format!("{stem}.errors.csv"))
            },
            sidecar: suffixed(".json"),
            parts: suffixed(".parts"),
        }
    }
}

/// A CSV field, quoted when it needs to be.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A file written under a temporary name and renamed into place when complete, so that a
/// reader (or an interrupted run) never sees half of it.
pub(crate) struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    writer: std::io::BufWriter<std::fs::File>,
}

impl AtomicFile {
    pub(crate) fn create(path: &Path) -> Result<AtomicFile, StudyError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(|e| StudyError::file(&tmp, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            writer: std::io::BufWriter::new(file),
        })
    }

    pub(crate) fn write(&mut self, text: &str) -> Result<(), StudyError> {
        self.writer
            .write_all(text.as_bytes())
            .map_err(|e| StudyError::file(&self.tmp, e))
    }

    pub(crate) fn finish(self) -> Result<(), StudyError> {
        let AtomicFile { path, tmp, writer } = self;
        let file = writer
            .into_inner()
            .map_err(|e| StudyError::file(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| StudyError::file(&tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| StudyError::file(&path, e))
    }
}

/// The records of a run in manifest order; called once per pass over them.
pub type Records<'a> =
    dyn Fn() -> Box<dyn Iterator<Item = Result<CaseRecord, StudyError>> + 'a> + 'a;

/// Writes the long table, wide table, errors and sidecar from the records. Returns the
/// sidecar.
pub fn assemble(
    run: &RunInfo,
    outputs: &Outputs,
    format: Format,
    pyradiomics_csv: Option<&Path>,
    records: &Records<'_>,
) -> Result<Sidecar, StudyError> {
    let phase_in_columns = run.phases.len() > 1;
    let column = |r: &Row| {
        if phase_in_columns {
            format!("{}__{}__{}", r[0], r[1], r[2])
        } else {
            format!("{}__{}", r[1], r[2])
        }
    };
    // Pass 1: long table, errors, metas and the wide table's columns.
    let mut long = match format {
        Format::Csv => {
            let mut f = AtomicFile::create(&outputs.long)?;
            f.write("case_id,phase,region,feature,value\n")?;
            LongWriter::Csv(f)
        }
        Format::Parquet => {
            LongWriter::Parquet(crate::parquet_table::LongParquet::create(&outputs.long)?)
        }
    };
    let mut errors = AtomicFile::create(&outputs.errors)?;
    errors.write("case_id,error\n")?;
    let mut metas = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut column_index: HashMap<String, usize> = HashMap::new();
    for record in records() {
        let record = record?;
        let id = field(&record.meta.case_id);
        let mut text = String::new();
        for r in &record.rows {
            match &mut long {
                LongWriter::Csv(_) => text.push_str(&format!(
                    "{id},{},{},{},{}\n",
                    field(&r[0]),
                    field(&r[1]),
                    field(&r[2]),
                    field(&r[3])
                )),
                LongWriter::Parquet(p) => p.push(&record.meta.case_id, r)?,
            }
            let c = column(r);
            if !column_index.contains_key(&c) {
                column_index.insert(c.clone(), columns.len());
                columns.push(c);
            }
        }
        if let LongWriter::Csv(f) = &mut long {
            f.write(&text)?;
        }
        for e in &record.meta.errors {
            errors.write(&format!("{id},{}\n", field(e)))?;
        }
        metas.push(record.meta);
    }
    match long {
        LongWriter::Csv(f) => f.finish()?,
        LongWriter::Parquet(p) => p.finish()?,
    }
    errors.finish()?;
    // Pass 2: the wide table.
    let header: Vec<String> = std::iter::once("case_id".to_string())
        .chain(run.passthrough_columns.iter().cloned())
        .chain(columns.iter().cloned())
        .collect();
    let mut wide = match format {
        Format::Csv => {
            let mut f = AtomicFile::create(&outputs.wide)?;
            let line: Vec<String> = header.iter().map(|c| field(c)).collect();
            f.write(&(line.join(",") + "\n"))?;
            WideWriter::Csv(f)
        }
        Format::Parquet => WideWriter::Parquet(crate::parquet_table::WideParquet::create(
            &outputs.wide,
            &header,
            1 + run.passthrough_columns.len(),
        )?),
    };
    for record in records() {
        let record = record?;
        if record.rows.is_empty() {
            continue;
        }
        let mut values = vec![String::new(); columns.len()];
        for r in &record.rows {
            if let Some(&i) = column_index.get(&column(r)) {
                values[i] = r[3].clone();
            }
        }
        let cells: Vec<String> = std::iter::once(record.meta.case_id.clone())
            .chain(record.meta.passthrough.iter().cloned())
            .chain(values)
            .collect();
        match &mut wide {
            WideWriter::Csv(f) => {
                let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
                f.write(&(line.join(",") + "\n"))?;
            }
            WideWriter::Parquet(p) => p.push(cells)?,
        }
    }
    match wide {
        WideWriter::Csv(f) => f.finish()?,
        WideWriter::Parquet(p) => p.finish()?,
    }
    if let Some(p) = pyradiomics_csv {
        crate::pyradiomics_csv::write(p, run, records)?;
    }
    let sidecar = Sidecar {
        run: run.clone(),
        failed_cases: metas
            .iter()
            .filter(|m| !m.errors.is_empty())
            .map(|m| FailedCase {
                case_id: m.case_id.clone(),
                no_values: m.failed,
                errors: m.errors.clone(),
            })
            .collect(),
        cases: metas,
    };
    let text = serde_json::to_string_pretty(&sidecar)
        .map_err(|e| StudyError::Invalid(format!("cannot write the sidecar: {e}")))?;
    perirad_io::write_file_atomic(&outputs.sidecar, (text + "\n").as_bytes())?;
    Ok(sidecar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names() {
        let o = Outputs::for_table(Path::new("out/features.csv"));
        assert_eq!(o.wide, PathBuf::from("out/features.wide.csv"));
        assert_eq!(o.errors, PathBuf::from("out/features.errors.csv"));
        assert_eq!(o.sidecar, PathBuf::from("out/features.csv.json"));
        assert_eq!(o.parts, PathBuf::from("out/features.csv.parts"));
        assert_eq!(
            Outputs::for_table(Path::new("t")).errors,
            PathBuf::from("t.errors.csv")
        );
        assert_eq!(
            with_tag(Path::new("t"), "shard1-of-3"),
            PathBuf::from("t.shard1-of-3")
        );
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(field("ring:5mm"), "ring:5mm");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
    }
}
