//! Systems under test, through the CLI: `linsim list` names them, `--system` picks one
//! on every command, a system gets only the nemeses and knobs its capabilities allow,
//! the example service (`primary-backup`, written against the public API only) is
//! found non-linearizable and shrunk, and the framework never names linsim's raft.

mod common;
use common::linsim;
use std::path::Path;

#[test]
fn list_prints_each_system_on_its_own_line_under_a_systems_heading() {
    let (code, out, _) = linsim(&["list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    let heading = lines
        .iter()
        .position(|l| *l == "systems:")
        .expect("a `systems:` heading line");
    let systems: Vec<&str> = lines[heading + 1..]
        .iter()
        .take_while(|l| !l.ends_with(':'))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(systems[0], "linsim-kv", "the default comes first: {out}");
    for name in ["linsim-kv", "raft-rs", "primary-backup"] {
        assert!(systems.contains(&name), "{name} listed: {out}");
    }
    let default = lines[heading + 1];
    assert!(default.contains("(the default)"), "{default}");
}

#[test]
fn an_unknown_system_exits_2_naming_the_valid_ones() {
    let (code, _, err) = linsim(&["run", "--seed", "1", "--system", "nosuch"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown system \"nosuch\"; valid systems: linsim-kv"),
        "{err}"
    );
}

#[test]
fn a_system_gets_only_the_knobs_bugs_and_nemeses_its_capabilities_allow() {
    // pre_vote is linsim-kv's knob: fixing it for another system is an error.
    let (code, _, err) = linsim(&[
        "run",
        "--seed",
        "1",
        "--system",
        "primary-backup",
        "--knob",
        "pre_vote=true",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("knob pre_vote does not apply to system primary-backup"),
        "{err}"
    );
    let (code, _, err) = linsim(&["bugs", "--system", "primary-backup"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("system primary-backup has no named bugs"),
        "{err}"
    );
    // A nemesis that aims at the leader needs a system that reports roles.
    let (code, _, err) = linsim(&[
        "sweep",
        "--system",
        "primary-backup",
        "--nemesis",
        "kill-leader",
        "--seeds",
        "0..1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nemesis kill-leader needs the Raft observation API"),
        "{err}"
    );
    // `all` leaves such nemeses out instead, and the run's knobs line shows the
    // framework's knobs only.
    let (code, out, err) = linsim(&[
        "run",
        "--seed",
        "3",
        "--system",
        "primary-backup",
        "--nemesis",
        "all",
        "--workload",
        "register",
        "--duration",
        "2s",
    ]);
    assert!(code == 0 || code == 1, "{out}{err}");
    let knobs = out.lines().find(|l| l.starts_with("knobs: ")).unwrap();
    assert!(knobs.contains("election_tick="), "{knobs}");
    assert!(!knobs.contains("pre_vote="), "{knobs}");
}

#[test]
fn the_example_service_is_found_non_linearizable_and_shrinks_small() {
    let (code, out, err) = linsim(&[
        "hunt",
        "--system",
        "primary-backup",
        "--workload",
        "register",
        "--nemesis",
        "all",
        "--seeds",
        "0..20",
    ]);
    assert_eq!(code, 1, "hunt finds a failure within 20 seeds: {out}{err}");
    let first = out.lines().next().unwrap();
    let seed = first
        .strip_prefix("seed ")
        .and_then(|s| s.split(':').next())
        .unwrap();
    assert!(
        out.contains("failed: linearizable:"),
        "a linearizability failure: {out}"
    );
    let (code, out, err) = linsim(&[
        "shrink",
        "--json",
        "--seed",
        seed,
        "--system",
        "primary-backup",
        "--workload",
        "register",
        "--nemesis",
        "all",
    ]);
    assert_eq!(code, 1, "shrink ends on a failing run: {out}{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["check"], "linearizable", "{v}");
    assert!(v["faults_after"].as_u64().unwrap() <= 3, "{v}");
    assert!(v["ops_after"].as_u64().unwrap() <= 40, "{v}");
    assert!(v["repro"]
        .as_str()
        .unwrap()
        .contains("--system primary-backup"));
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_framework_file_names_linsims_raft_crate() {
    // The framework knows a system only through the boundary (`linsim_sim::system`);
    // linsim's own Raft is one system among others (systems/linsim-kv).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for krate in ["sim", "workloads", "report", "checker", "probes"] {
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        let deps = manifest.split("[dev-dependencies]").next().unwrap();
        assert!(
            !deps.contains("linsim-raft") && !deps.contains("linsim-kv"),
            "{krate}/Cargo.toml depends on a system"
        );
        let mut files = Vec::new();
        rust_files(&root.join(krate).join("src"), &mut files);
        assert!(!files.is_empty());
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(
                !text.contains("linsim_raft") && !text.contains("linsim_kv"),
                "{} names a system's crate",
                f.display()
            );
        }
    }
}
