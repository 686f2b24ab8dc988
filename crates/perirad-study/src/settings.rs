//! The settings of an extraction run: a PyRadiomics parameter file, or a perirad settings file
//! (`mode: ibsi`), plus `--image-type` options; shared by single-case and cohort extraction.

use crate::StudyError;
use perirad_features::{ImageType, Mode, PeriradSettings, PyRadiomicsParams, Settings};
use std::path::{Path, PathBuf};

/// The parsed settings of a run.
#[allow(clippy::large_enum_variant)] // one value per run
#[derive(Debug, Clone)]
pub enum RunSettings {
    PyRadiomics(PyRadiomicsParams),
    Ibsi(PeriradSettings),
}

/// Settings with the text they were read from (recorded and hashed in the provenance).
#[derive(Debug, Clone)]
pub struct LoadedSettings {
    pub run: RunSettings,
    /// The parameter file's text (or perirad's default IBSI settings text); empty for
    /// PyRadiomics' defaults.
    pub text: String,
    pub params_file: Option<PathBuf>,
    /// `--image-type` options as given.
    pub image_types: Vec<String>,
    /// Region specs of the parameter file's `regions:` section (perirad's addition to both
    /// kinds of file), as written.
    pub regions: Vec<String>,
}

impl LoadedSettings {
    pub fn mode_name(&self) -> &'static str {
        match self.run {
            RunSettings::PyRadiomics(_) => "pyradiomics",
            RunSettings::Ibsi(_) => "ibsi",
        }
    }

    /// SHA-256 of the settings text.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(self.text.as_bytes()))
    }

    /// The tumor label the parameter file sets (`label`), if any.
    pub fn label(&self) -> Option<u32> {
        match &self.run {
            RunSettings::PyRadiomics(p) => p.setting.label.map(|l| l as u32),
            RunSettings::Ibsi(_) => None,
        }
    }

    /// PyRadiomics' `correctMask: true`: masks on another grid go onto the image grid.
    pub fn correct_mask(&self) -> bool {
        match &self.run {
            RunSettings::PyRadiomics(p) => p.setting.correct_mask == Some(true),
            RunSettings::Ibsi(_) => false,
        }
    }

    /// Whether diagnostics are recorded (PyRadiomics' `additionalInfo`, default true).
    pub fn additional_info(&self) -> bool {
        match &self.run {
            RunSettings::PyRadiomics(p) => p.setting.additional_info.unwrap_or(true),
            RunSettings::Ibsi(_) => true,
        }
    }
}

/// Takes a top-level `regions:` section (a list of region specs, or one spec) out of a
/// parameter file's text: the specs, and the text the feature settings are parsed from (the
/// file as it is when it has no such section).
pub fn split_regions(text: &str, context: &str) -> Result<(Vec<String>, String), StudyError> {
    let has_section = text.lines().any(|l| l.starts_with("regions:"));
    if !has_section {
        return Ok((Vec::new(), text.to_string()));
    }
    let bad = |reason: String| StudyError::Invalid(format!("{context}: regions: {reason}"));
    let mut value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| bad(format!("cannot read the file: {e}")))?;
    let Some(map) = value.as_mapping_mut() else {
        return Ok((Vec::new(), text.to_string()));
    };
    let Some(section) = map.remove("regions") else {
        return Ok((Vec::new(), text.to_string()));
    };
    let specs = match section {
        serde_yaml::Value::Null => Vec::new(),
        serde_yaml::Value::String(s) => vec![s],
        serde_yaml::Value::Sequence(items) => items
            .into_iter()
            .map(|v| match v {
                serde_yaml::Value::String(s) => Ok(s),
                other => Err(bad(format!(
                    "{other:?} is not a region spec (write specs as text, e.g. ring:5mm)"
                ))),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(bad(format!(
                "expected a list of region specs, e.g. [ring:5mm, ring:10mm], not {other:?}"
            )))
        }
    };
    let rest = if map.is_empty() {
        String::new()
    } else {
        serde_yaml::to_string(&value).map_err(|e| bad(e.to_string()))?
    };
    Ok((specs, rest))
}

/// IBSI mode without a settings file: no interpolation or re-segmentation, bins of 25 units from
/// the ROI minimum for textures and the intensity histogram, discrete units for the IVH.
pub const DEFAULT_IBSI: &str =
    "mode: ibsi\ndiscretisation:\n  texture: { method: fbs, width: 25 }\n  ivh: { method: none }\n";

/// Reads `params` as the file the mode needs: with `Mode::Ibsi` a perirad settings file, else a
/// PyRadiomics parameter file. A perirad settings file (top-level `mode: ibsi`) switches to the
/// IBSI mode by itself. `image_types` (`NAME` or `NAME:{settings}`) replace the parameter file's
/// `imageType` section.
pub fn load_settings(
    params: Option<&Path>,
    mode: Option<Mode>,
    image_types: &[String],
) -> Result<LoadedSettings, StudyError> {
    let text = match params {
        Some(p) => std::fs::read_to_string(p).map_err(|e| StudyError::file(p, e))?,
        None => String::new(),
    };
    let names_ibsi = text.lines().any(|l| {
        let l = l.trim_end();
        l.starts_with("mode:") && l["mode:".len()..].trim().trim_matches(['"', '\'']) == "ibsi"
    });
    let context = || match params {
        Some(p) => format!("parameter file {}", p.display()),
        None => "default settings".to_string(),
    };
    if mode == Some(Mode::PyRadiomics) && names_ibsi {
        return Err(StudyError::Invalid(format!(
            "{}: a perirad settings file (mode: ibsi) cannot run in --mode pyradiomics",
            context()
        )));
    }
    let ibsi = mode == Some(Mode::Ibsi) || names_ibsi;
    if ibsi && !image_types.is_empty() {
        return Err(StudyError::Invalid("--image-type is for PyRadiomics image types; in IBSI mode filters come from the settings file".into()));
    }
    let params_file = params.map(Path::to_path_buf);
    let image_types_given = image_types.to_vec();
    let (regions, features_text) = split_regions(&text, &context())?;
    if ibsi {
        let (text, features_text) = if text.is_empty() {
            (DEFAULT_IBSI.to_string(), DEFAULT_IBSI.to_string())
        } else {
            (text, features_text)
        };
        let s = PeriradSettings::from_yaml(&features_text)
            .map_err(|e| StudyError::from(e).context(context()))?;
        return Ok(LoadedSettings {
            run: RunSettings::Ibsi(s),
            text,
            params_file,
            image_types: image_types_given,
            regions,
        });
    }
    let mut p = if features_text.trim().is_empty() {
        PyRadiomicsParams::default()
    } else {
        PyRadiomicsParams::from_yaml(&features_text)
            .map_err(|e| StudyError::from(e).context(context()))?
    };
    if !image_types.is_empty() {
        p.image_types = image_types_option(image_types)?;
    }
    Ok(LoadedSettings {
        run: RunSettings::PyRadiomics(p),
        text,
        params_file,
        image_types: image_types_given,
        regions,
    })
}

/// `--image-type NAME[:{settings}]` options as a PyRadiomics `imageType` section, validated as
/// PyRadiomics validates a parameter file (unknown types and settings are errors naming them).
#[allow(clippy::type_complexity)]
fn image_types_option(
    options: &[String],
) -> Result<Option<Vec<(ImageType, Settings)>>, StudyError> {
    let mut yaml = String::from("imageType:\n");
    for o in options {
        let (name, settings) = match o.split_once(':') {
            Some((n, s)) => (n.trim(), s.trim()),
            None => (o.trim(), "{}"),
        };
        if name.is_empty() || name.contains(['\n', '{', '}', ' ']) {
            return Err(StudyError::Invalid(format!("--image-type {o:?}: expected NAME or NAME:{{settings}}, e.g. 'LoG:{{sigma: [1.0, 3.0]}}'")));
        }
        if settings.contains('\n') {
            return Err(StudyError::Invalid(format!(
                "--image-type {o:?}: write the settings on one line, e.g. {{sigma: [1.0, 3.0]}}"
            )));
        }
        yaml.push_str(&format!("  {name}: {settings}\n"));
    }
    let parsed = PyRadiomicsParams::from_yaml(&yaml)
        .map_err(|e| StudyError::from(e).context("--image-type"))?;
    Ok(parsed.image_types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_section_is_taken_out_of_the_parameter_file() {
        let text = "setting:\n  binWidth: 5\nregions: [ring:5mm, 'shell:5-10mm']\n";
        let (specs, rest) = split_regions(text, "params.yaml").expect("valid");
        assert_eq!(specs, vec!["ring:5mm", "shell:5-10mm"]);
        let p = PyRadiomicsParams::from_yaml(&rest).expect("the rest is a PyRadiomics file");
        assert_eq!(p.setting.bin_width, Some(5.0));
        let (specs, rest) = split_regions("regions: ring:2mm\n", "f").expect("one spec");
        assert_eq!((specs, rest), (vec!["ring:2mm".to_string()], String::new()));
        let (specs, rest) = split_regions("setting:\n  label: 2\n", "f").expect("none");
        assert!(specs.is_empty());
        assert_eq!(rest, "setting:\n  label: 2\n");
        let e = split_regions("regions: 5\n", "params.yaml")
            .expect_err("not a spec")
            .to_string();
        assert!(e.contains("params.yaml: regions:"), "{e}");
        let e = split_regions("regions: {a: 1}\n", "params.yaml")
            .expect_err("not a list")
            .to_string();
        assert!(e.contains("expected a list of region specs"), "{e}");
    }
}
