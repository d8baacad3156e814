//! The reference corpus checked into the repository at `histories/reference/porcupine`
//! (porcupine's test data, MIT licence): locating it and reading its expected verdicts.
//! Used by the test suite and the benchmark; nothing outside the repository is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One reference history with its known verdict.
#[derive(Clone, Debug)]
pub struct ReferenceCase {
    /// Path relative to the corpus root, e.g. `jepsen/etcd_000.log`.
    pub name: String,
    /// Absolute path.
    pub path: PathBuf,
    /// The linsim model to check it with.
    pub model: &'static str,
    /// Whether porcupine finds it linearizable.
    pub linearizable: bool,
}

/// The corpus root inside the repository: `histories/reference/porcupine` under the
/// workspace root.
pub fn corpus_dir(workspace_root: &Path) -> Result<PathBuf, String> {
    let dir = workspace_root
        .join("histories")
        .join("reference")
        .join("porcupine");
    if dir.join("expected.json").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "reference histories not found at {}: they are part of the repository (histories/reference/porcupine)",
            dir.display()
        ))
    }
}

/// The corpus root, found from this crate's own manifest directory (for tests and
/// benches of the checker).
pub fn checker_corpus_dir() -> Result<PathBuf, String> {
    corpus_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

/// Every case of `expected.json`, in name order.
pub fn cases(dir: &Path) -> Result<Vec<ReferenceCase>, String> {
    let text = std::fs::read_to_string(dir.join("expected.json")).map_err(|e| e.to_string())?;
    let raw: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| format!("expected.json: {e}"))?;
    raw.into_iter()
        .map(|(name, v)| {
            let model = match v["model"].as_str() {
                Some("etcd-cas-register") => "cas-register",
                Some("kv-append") => "kv",
                other => return Err(format!("{name}: unknown reference model {other:?}")),
            };
            let linearizable = v["linearizable"]
                .as_bool()
                .ok_or_else(|| format!("{name}: missing linearizable"))?;
            Ok(ReferenceCase {
                path: dir.join(&name),
                name,
                model,
                linearizable,
            })
        })
        .collect()
}
