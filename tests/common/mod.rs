//! Running the linsim binary from integration tests.

use std::process::Command;

/// Runs `linsim args...`; returns (exit code, stdout, stderr).
pub fn linsim(args: &[&str]) -> (i32, String, String) {
    // From a scratch folder, not the repository: a failing seed's artifacts and its
    // regression history would otherwise land in the source tree.
    let cwd = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&cwd).expect("scratch folder");
    let out = Command::new(env!("CARGO_BIN_EXE_linsim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run linsim");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `linsim run --json args...`; returns (exit code, the report as JSON).
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn run_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["run", "--json"];
    all.extend_from_slice(args);
    let (code, out, err) = linsim(&all);
    let v = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}
