//! The reference corpus in `../shared/histories/porcupine`: locating it and reading its
//! expected verdicts. Used by the test suite and the benchmark.

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

/// The corpus root: `shared/histories/porcupine` beside the workspace root, or
/// `LINSIM_SHARED` (the `shared` directory) if set.
pub fn corpus_dir(workspace_root: &Path) -> Result<PathBuf, String> {
    let shared = match std::env::var_os("LINSIM_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace_root.join("..").join("shared"),
    };
    let dir = shared.join("histories").join("porcupine");
    if dir.join("expected.json").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "reference histories not found at {}: the shared/ directory must sit beside the workspace root (or set LINSIM_SHARED)",
            dir.display()
        ))
    }
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
