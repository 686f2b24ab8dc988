//! Provenance of outputs: inputs with their checksums.

use serde_json::{json, Value};
use std::path::PathBuf;

/// Path and SHA-256 of an input (for a folder, of its sorted file names and contents).
pub fn provenance(path: &std::path::Path) -> Value {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut f: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        f.sort();
        f
    } else {
        vec![path.to_path_buf()]
    };
    for f in &files {
        if path.is_dir() {
            h.update(
                f.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
                    .as_bytes(),
            );
        }
        match std::fs::read(f) {
            Ok(bytes) => h.update(&bytes),
            Err(_) => return json!({"path": path.display().to_string(), "sha256": Value::Null}),
        }
    }
    json!({"path": path.display().to_string(), "sha256": format!("{:x}", h.finalize())})
}
