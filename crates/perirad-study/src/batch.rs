//! Cohort runs: every case of a manifest (or of one shard of it), in parallel over cases, each
//! finished case written atomically to its own part file, the tables assembled from the parts.
//!
//! A case that fails (missing file, bad geometry, empty ROI) is recorded with its reason and
//! the run goes on. With `resume`, cases whose part file exists, holds no error and was made
//! from the same settings, regions and manifest row are not extracted again. Outputs follow the
//! manifest's order whatever the number of threads.

use crate::case::{build_case_regions, extract_image, CaseRegions, ExtractOptions};
use crate::manifest::{Manifest, ManifestCase};
use crate::provenance::provenance;
use crate::settings::LoadedSettings;
use crate::table::{assemble, CaseMeta, CaseRecord, Format, Outputs, Row, RunInfo, Sidecar};
use crate::StudyError;
use perirad_core::Image;
use perirad_io::{read_image, GRID_TOLERANCE};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Shard K of N (1-based K): the cases whose manifest position i (0-based) has i mod N = K-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl std::str::FromStr for Shard {
    type Err = StudyError;
    fn from_str(s: &str) -> Result<Shard, StudyError> {
        let bad = || {
            StudyError::Invalid(format!(
                "--shard {s:?}: expected K/N with 1 <= K <= N, e.g. 2/8"
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// The shard from a cluster's environment: a Slurm job array (`SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_COUNT`, with `SLURM_ARRAY_TASK_MIN` as the first task id, default 0)
    /// or a Kubernetes indexed job (`JOB_COMPLETION_INDEX`, from 0, with the number of
    /// completions in `JOB_COMPLETIONS`). `get` reads a variable.
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Shard, StudyError> {
        let num = |name: &str| -> Result<Option<usize>, StudyError> {
            match get(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| {
                    StudyError::Invalid(format!("{name}={v:?} is not a non-negative integer"))
                }),
            }
        };
        let (index, count, from) = if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let count = num("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
                StudyError::Invalid(
                    "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not".into(),
                )
            })?;
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            if id < min {
                return Err(StudyError::Invalid(format!(
                    "SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}"
                )));
            }
            (id - min, count, "SLURM_ARRAY_TASK_ID")
        } else if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            let count = num("JOB_COMPLETIONS")?.ok_or_else(|| {
                StudyError::Invalid("JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS (the job's completions) is not".into())
            })?;
            (i, count, "JOB_COMPLETION_INDEX")
        } else {
            return Err(StudyError::Invalid(
                "--shard auto: none of SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX is set".into(),
            ));
        };
        if index >= count {
            return Err(StudyError::Invalid(format!(
                "{from}: shard {} of {count} does not exist (task ids must be consecutive)",
                index + 1
            )));
        }
        Ok(Shard {
            k: index + 1,
            n: count,
        })
    }

    pub fn contains(&self, index: usize) -> bool {
        index % self.n == self.k - 1
    }

    /// `FILE.csv` → `FILE.shardK-of-N.csv`.
    pub fn output_path(&self, out: &Path) -> PathBuf {
        crate::table::with_tag(out, &format!("shard{}-of-{}", self.k, self.n))
    }
}

/// A cohort run.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    pub manifest: Manifest,
    pub settings: LoadedSettings,
    pub options: ExtractOptions,
    /// The tumor label when the manifest gives none (else the parameter file's, else 1).
    pub label: Option<u32>,
    /// The long table; with a shard, the shard's name is derived from it.
    pub out: PathBuf,
    pub format: Format,
    /// Also write the PyRadiomics batch output layout here (see [`crate::pyradiomics_csv`]).
    pub pyradiomics_csv: Option<PathBuf>,
    /// Worker threads over cases (default: all cores).
    pub jobs: Option<usize>,
    pub resume: bool,
    pub shard: Option<Shard>,
}

/// Progress reports of a run (the command line shows a bar).
pub trait Progress: Sync {
    /// `total` cases to go through, `resumed` of them already finished.
    fn start(&self, total: usize, resumed: usize);
    /// A case was extracted (or failed).
    fn case_done(&self, meta: &CaseMeta);
}

/// No progress reports.
pub struct Silent;
impl Progress for Silent {
    fn start(&self, _: usize, _: usize) {}
    fn case_done(&self, _: &CaseMeta) {}
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct BatchSummary {
    pub outputs: Outputs,
    /// Cases of this run (of the shard).
    pub cases: usize,
    /// Cases taken from part files of an earlier run.
    pub resumed: usize,
    pub sidecar: Sidecar,
}

impl BatchSummary {
    /// Whether every case (every phase and region) succeeded.
    pub fn all_ok(&self) -> bool {
        self.sidecar.failed_cases.is_empty()
    }
}

fn sha256_parts(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    format!("{:x}", h.finalize())
}

impl BatchConfig {
    fn run_info(&self) -> RunInfo {
        let m = &self.manifest;
        let regions: Vec<String> = self.options.specs.iter().map(|s| s.to_string()).collect();
        let mut info = RunInfo {
            perirad_version: env!("CARGO_PKG_VERSION").to_string(),
            mode: self.settings.mode_name().to_string(),
            settings: self.settings.text.clone(),
            settings_sha256: self.settings.sha256(),
            params_file: self.settings.params_file.as_deref().map(provenance),
            image_type_options: self.settings.image_types.clone(),
            regions,
            manifest: provenance(&m.path),
            manifest_header: m.header.clone(),
            phases: m.phases.clone(),
            passthrough_columns: m.passthrough.clone(),
            manifest_cases: m.cases.len(),
            run_hash: String::new(),
            shard: None,
        };
        info.run_hash = sha256_parts(&[
            &info.perirad_version,
            &info.mode,
            &info.settings,
            &info.image_type_options.join("\n"),
            &info.regions.join("\n"),
            &format!("{:?}", info.manifest.get("sha256")),
            &self.options_text(),
        ]);
        info.shard = self.shard.map(|s| [s.k, s.n]);
        info
    }

    /// Options beyond settings and regions that change values.
    fn options_text(&self) -> String {
        format!(
            "skip_unsupported={} resample_mask={} label={:?} read={:?}",
            self.options.skip_unsupported,
            self.options.resample_mask,
            self.label,
            self.options.read
        )
    }

    /// The hash a case's part file must carry to be reused.
    fn case_hash(&self, case: &ManifestCase) -> String {
        let regions: Vec<String> = self.options.specs.iter().map(|s| s.to_string()).collect();
        sha256_parts(&[
            env!("CARGO_PKG_VERSION"),
            self.settings.mode_name(),
            &self.settings.text,
            &self.settings.image_types.join("\n"),
            &regions.join("\n"),
            &self.options_text(),
            &self.manifest.header.join("\n"),
            &case.fields.join("\n"),
            &case.index.to_string(),
            &format!("{:?}", case.images),
            &format!("{:?} {:?}", case.mask, case.liver),
            &input_stamps(case),
        ])
    }

    fn part_path(&self, parts: &Path, case: &ManifestCase) -> PathBuf {
        parts.join(format!("{:06}.json", case.index))
    }
}

/// Size and modification time of each input file of a case, so that a replaced file is
/// extracted again on `--resume` (a folder, e.g. a DICOM series, by its own entry).
fn input_stamps(case: &ManifestCase) -> String {
    let stamp = |p: &Path| match std::fs::metadata(p) {
        Ok(m) => {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{} {modified}", m.len())
        }
        Err(_) => "missing".to_string(),
    };
    case.images
        .iter()
        .flatten()
        .chain([&case.mask])
        .chain(case.liver.as_ref())
        .map(|p| stamp(p))
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads a part file; `None` when it is missing or unreadable (then the case runs again).
fn read_part(path: &Path) -> Option<CaseRecord> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Runs a cohort: see the module documentation.
pub fn run_batch(cfg: &BatchConfig, progress: &dyn Progress) -> Result<BatchSummary, StudyError> {
    let long = match cfg.shard {
        Some(s) => s.output_path(&cfg.out),
        None => cfg.out.clone(),
    };
    let outputs = Outputs::for_table(&long);
    std::fs::create_dir_all(&outputs.parts).map_err(|e| StudyError::file(&outputs.parts, e))?;
    let mut run = cfg.run_info();
    run.shard = cfg.shard.map(|s| [s.k, s.n]);
    let cases: Vec<&ManifestCase> = cfg
        .manifest
        .cases
        .iter()
        .filter(|c| cfg.shard.is_none_or(|s| s.contains(c.index)))
        .collect();
    let todo: Vec<&ManifestCase> = cases
        .iter()
        .copied()
        .filter(|c| {
            !cfg.resume
                || !read_part(&cfg.part_path(&outputs.parts, c))
                    .is_some_and(|r| r.hash == cfg.case_hash(c) && r.meta.errors.is_empty())
        })
        .collect();
    let resumed = cases.len() - todo.len();
    progress.start(cases.len(), resumed);
    // `jobs` threads take the cases in manifest order, one at a time, so that at most `jobs`
    // cases are in memory at once; inside a case the feature engine's own parallel work runs
    // on a rayon pool of as many threads. (A rayon loop over the cases would let a thread that
    // waits inside one case start another.)
    let pool = match cfg.jobs {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| StudyError::Invalid(format!("--jobs {n}: {e}")))?,
        ),
        None => None,
    };
    let threads = cfg
        .jobs
        .unwrap_or_else(rayon::current_num_threads)
        .max(1)
        .min(todo.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failure: std::sync::Mutex<Option<StudyError>> = std::sync::Mutex::new(None);
    let failed = || failure.lock().map(|f| f.is_some()).unwrap_or(true);
    let one = |case: &ManifestCase| -> Result<(), StudyError> {
        let record = match &pool {
            Some(p) => p.install(|| run_case_guarded(cfg, case)),
            None => run_case_guarded(cfg, case),
        };
        let path = cfg.part_path(&outputs.parts, case);
        let text = serde_json::to_string(&record)
            .map_err(|e| StudyError::Invalid(format!("case {}: {e}", case.case_id)))?;
        perirad_io::write_file_atomic(&path, text.as_bytes())?;
        progress.case_done(&record.meta);
        Ok(())
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while !failed() {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = todo.get(i) else { break };
                    if let Err(e) = one(case) {
                        if let Ok(mut f) = failure.lock() {
                            f.get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let parts = outputs.parts.clone();
    let records = || -> Box<dyn Iterator<Item = Result<CaseRecord, StudyError>> + '_> {
        Box::new(cases.iter().map(|c| {
            let path = cfg.part_path(&parts, c);
            let text = std::fs::read_to_string(&path).map_err(|e| StudyError::file(&path, e))?;
            serde_json::from_str::<CaseRecord>(&text).map_err(|e| StudyError::Output {
                path: path.clone(),
                reason: format!("not a part file: {e}"),
            })
        }))
    };
    let pyradiomics_csv = cfg.pyradiomics_csv.as_ref().map(|p| match cfg.shard {
        Some(s) => s.output_path(p),
        None => p.clone(),
    });
    let sidecar = assemble(
        &run,
        &outputs,
        cfg.format,
        pyradiomics_csv.as_deref(),
        &records,
    )?;
    Ok(BatchSummary {
        outputs,
        cases: cases.len(),
        resumed,
        sidecar,
    })
}

/// [`run_case`], with a panic (a bug) recorded as the case's error instead of ending the run.
fn run_case_guarded(cfg: &BatchConfig, case: &ManifestCase) -> CaseRecord {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(cfg, case))) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            case_record(
                cfg,
                case,
                Vec::new(),
                vec![format!("internal error (please report): {what}")],
                Vec::new(),
                Value::Null,
            )
        }
    }
}

/// The record of `case` with its values and messages; a case without any value has failed.
fn case_record(
    cfg: &BatchConfig,
    case: &ManifestCase,
    rows: Vec<Row>,
    errors: Vec<String>,
    warnings: Vec<String>,
    provenance: Value,
) -> CaseRecord {
    CaseRecord {
        hash: cfg.case_hash(case),
        meta: CaseMeta {
            index: case.index,
            case_id: case.case_id.clone(),
            passthrough: case.passthrough.clone(),
            fields: case.fields.clone(),
            failed: rows.is_empty(),
            errors,
            warnings,
            provenance,
        },
        rows,
    }
}

/// Extracts one case, every phase; failures become error messages of the record.
pub fn run_case(cfg: &BatchConfig, case: &ManifestCase) -> CaseRecord {
    let label = case
        .label
        .or(cfg.label)
        .or(cfg.settings.label())
        .unwrap_or(1);
    let mut rows: Vec<Row> = Vec::new();
    let mut errors = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut phases = serde_json::Map::new();
    let mut regions: Option<CaseRegions> = None;
    for (phase, image_path) in cfg.manifest.phases.iter().zip(&case.images) {
        let prefix = if phase.is_empty() {
            String::new()
        } else {
            format!("phase {phase}: ")
        };
        let Some(image_path) = image_path else {
            warnings.push(format!("{prefix}no image in the manifest"));
            continue;
        };
        let result = (|| -> Result<Value, StudyError> {
            let image: Image = read_image(image_path, &cfg.options.read)?;
            let reuse = regions
                .as_ref()
                .is_some_and(|r| r.geometry.same_grid(image.geometry(), GRID_TOLERANCE));
            if !reuse {
                regions = Some(build_case_regions(
                    &case.mask,
                    case.liver.as_deref(),
                    label,
                    image.geometry(),
                    &cfg.settings,
                    &cfg.options,
                )?);
            }
            let case_regions = regions
                .as_ref()
                .ok_or_else(|| StudyError::Invalid("regions were not built".into()))?;
            let features = extract_image(&image, case_regions, &cfg.settings, &cfg.options)?;
            for w in features.warnings {
                let w = format!("{prefix}{w}");
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            for r in features.regions {
                match r.result {
                    Ok(values) => rows.extend(values.into_iter().map(|(feature, value)| {
                        [phase.clone(), r.region.clone(), feature, value.to_string()]
                    })),
                    Err(e) => errors.push(format!("{prefix}region {}: {e}", r.region)),
                }
            }
            let diagnostics: serde_json::Map<String, Value> = features
                .diagnostics
                .into_iter()
                .map(|(region, d)| {
                    let d: serde_json::Map<String, Value> =
                        d.into_iter().map(|(k, v)| (k, json!(v))).collect();
                    (region, Value::Object(d))
                })
                .collect();
            Ok(json!({
                "image": provenance(image_path),
                "regions": case_regions.voxel_counts().iter().map(|(n, v)| json!({"region": n, "voxels": v})).collect::<Vec<_>>(),
                "diagnostics": diagnostics,
            }))
        })();
        match result {
            Ok(v) => {
                phases.insert(phase.clone(), v);
            }
            Err(e) => errors.push(format!("{prefix}{e}")),
        }
    }
    let inputs = json!({
        "mask": provenance(&case.mask),
        "liver": case.liver.as_deref().map(provenance),
        "label": label,
        "phases": phases,
    });
    case_record(cfg, case, rows, errors, warnings, inputs)
}

/// The rows of a long CSV table: `(case_id, [phase, region, feature, value])`.
fn read_long_csv(long: &Path) -> Result<Vec<(String, Row)>, StudyError> {
    let bad = |reason: String| StudyError::Output {
        path: long.to_path_buf(),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(long)
        .map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| bad(e.to_string()))?;
        if r.len() != 5 {
            return Err(bad(format!(
                "line {}: expected case_id,phase,region,feature,value",
                r.position().map(|p| p.line()).unwrap_or(0)
            )));
        }
        out.push((
            r[0].to_string(),
            [
                r[1].to_string(),
                r[2].to_string(),
                r[3].to_string(),
                r[4].to_string(),
            ],
        ));
    }
    Ok(out)
}

/// Shard outputs read back for [`merge`].
fn read_shard(long: &Path) -> Result<(Sidecar, Vec<CaseRecord>), StudyError> {
    let outputs = Outputs::for_table(long);
    let text = std::fs::read_to_string(&outputs.sidecar)
        .map_err(|e| StudyError::file(&outputs.sidecar, e))?;
    let sidecar: Sidecar = serde_json::from_str(&text).map_err(|e| StudyError::Output {
        path: outputs.sidecar.clone(),
        reason: format!("not a perirad cohort sidecar: {e}"),
    })?;
    let mut by_case: std::collections::HashMap<String, Vec<Row>> = Default::default();
    let rows = match Format::of_path(long) {
        Format::Parquet => crate::parquet_table::read_long(long)?,
        Format::Csv => read_long_csv(long)?,
    };
    for (case_id, row) in rows {
        by_case.entry(case_id).or_default().push(row);
    }
    let records = sidecar
        .cases
        .iter()
        .map(|m| CaseRecord {
            hash: String::new(),
            meta: m.clone(),
            rows: by_case.remove(&m.case_id).unwrap_or_default(),
        })
        .collect();
    if let Some(id) = by_case.keys().next() {
        return Err(StudyError::Output {
            path: long.to_path_buf(),
            reason: format!("case {id:?} has rows but is not in the sidecar"),
        });
    }
    Ok((sidecar, records))
}

/// Joins shard tables (`FILE.shardK-of-N.csv` or `.parquet`, each with its sidecar) into the
/// table of the whole cohort at `out` (Parquet when its name ends in `.parquet`): the same
/// files, rows and columns as one unsharded run. Every shard of one run must be given once.
pub fn merge(
    out: &Path,
    shards: &[PathBuf],
    pyradiomics_csv: Option<&Path>,
) -> Result<Sidecar, StudyError> {
    let format = Format::of_path(out);
    if shards.is_empty() {
        return Err(StudyError::Invalid("merge: no shard tables given".into()));
    }
    let mut run: Option<RunInfo> = None;
    let mut seen: Vec<Option<PathBuf>> = Vec::new();
    let mut records = Vec::new();
    for path in shards {
        let (sidecar, recs) = read_shard(path)?;
        let [k, n] = sidecar.run.shard.ok_or_else(|| StudyError::Output {
            path: path.clone(),
            reason: "not a shard (the run had no --shard)".into(),
        })?;
        match &run {
            None => {
                seen = vec![None; n];
                run = Some(sidecar.run.clone());
            }
            Some(r) => {
                if r.run_hash != sidecar.run.run_hash {
                    return Err(StudyError::Output {
                        path: path.clone(),
                        reason: format!(
                            "made with other settings, regions or manifest than {}",
                            shards[0].display()
                        ),
                    });
                }
                if r.shard.map(|s| s[1]) != Some(n) {
                    return Err(StudyError::Output {
                        path: path.clone(),
                        reason: format!(
                            "shard of {n}, but {} is a shard of {}",
                            shards[0].display(),
                            r.shard.map(|s| s[1]).unwrap_or(0)
                        ),
                    });
                }
            }
        }
        if k == 0 || k > seen.len() {
            return Err(StudyError::Output {
                path: path.clone(),
                reason: format!("shard {k} of {n} is out of range"),
            });
        }
        if let Some(first) = &seen[k - 1] {
            return Err(StudyError::Output {
                path: path.clone(),
                reason: format!("shard {k}/{n} given twice (also {})", first.display()),
            });
        }
        seen[k - 1] = Some(path.clone());
        records.extend(recs);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{}", i + 1, seen.len()))
        .collect();
    if !missing.is_empty() {
        return Err(StudyError::Invalid(format!(
            "merge: missing shard(s) {}",
            missing.join(", ")
        )));
    }
    let mut run = run.ok_or_else(|| StudyError::Invalid("merge: no shard tables given".into()))?;
    run.shard = None;
    records.sort_by_key(|r| r.meta.index);
    let outputs = Outputs::for_table(out);
    let iter = || -> Box<dyn Iterator<Item = Result<CaseRecord, StudyError>> + '_> {
        Box::new(records.iter().cloned().map(Ok))
    };
    assemble(&run, &outputs, format, pyradiomics_csv, &iter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shard_option_and_membership() {
        let s: Shard = "2/3".parse().expect("valid");
        assert_eq!(s, Shard { k: 2, n: 3 });
        let members: Vec<usize> = (0..7).filter(|&i| s.contains(i)).collect();
        assert_eq!(members, vec![1, 4]);
        assert_eq!(
            s.output_path(Path::new("o/f.csv")),
            PathBuf::from("o/f.shard2-of-3.csv")
        );
        for bad in ["0/3", "4/3", "2", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shard_from_slurm_and_kubernetes_variables() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(
            Shard::from_env(&env(&slurm)).expect("slurm"),
            Shard { k: 1, n: 4 }
        );
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(
            Shard::from_env(&env(&slurm)).expect("slurm from 1"),
            Shard { k: 4, n: 4 }
        );
        let k8s = [("JOB_COMPLETION_INDEX", "2"), ("JOB_COMPLETIONS", "3")];
        assert_eq!(
            Shard::from_env(&env(&k8s)).expect("k8s"),
            Shard { k: 3, n: 3 }
        );
        let e = Shard::from_env(&env(&[("JOB_COMPLETION_INDEX", "2")]))
            .expect_err("count missing")
            .to_string();
        assert!(e.contains("JOB_COMPLETIONS"), "{e}");
        let e = Shard::from_env(&env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]))
        .expect_err("out of range")
        .to_string();
        assert!(e.contains("shard 4 of 3"), "{e}");
        assert!(Shard::from_env(&env(&[])).is_err());
    }
}
