//! Running the linsim binary from integration tests.

use std::process::Command;

/// Runs `linsim args...`; returns (exit code, stdout, stderr).
pub fn linsim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_linsim"))
        .args(args)
        .output()
        .expect("run linsim");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
