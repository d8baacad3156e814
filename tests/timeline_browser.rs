//! timeline.html in a real browser: headless Chromium loads the page of a known
//! failing seed, of a passing seed and of `linsim check --html`, and the rendered DOM
//! must show one bar per op, the op that cannot be placed, fault bands, Raft lanes
//! and no script errors (the page records window errors and console.error into
//! `#console-errors`). Screenshots are kept in `target/timeline-screenshots/`.
//!
//! They run whenever Chromium is found (`chromium`, or the binary `LINSIM_CHROMIUM`
//! names, e.g. `google-chrome`). Without it they say on stderr that they were skipped,
//! so `cargo test` passes on a machine with only the Rust toolchain; with
//! `LINSIM_REQUIRE_BROWSER=1` (`.ci/run` sets it, and installs Chromium) a missing
//! browser is a failure, so CI always runs them.

mod common;
use common::linsim;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder under target/ for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("timeline-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}

/// Where the screenshots are kept.
fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .join("timeline-screenshots");
    std::fs::create_dir_all(&dir).expect("create target/timeline-screenshots");
    dir
}

/// The browser binary to use.
fn browser() -> String {
    std::env::var("LINSIM_CHROMIUM").unwrap_or_else(|_| "chromium".to_string())
}

/// Whether the browser runs here; if not, says so on stderr (the test then skips),
/// or fails when `LINSIM_REQUIRE_BROWSER` is set.
fn browser_found(test: &str) -> bool {
    let browser = browser();
    let found = Command::new(&browser)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("LINSIM_REQUIRE_BROWSER").is_none(),
            "LINSIM_REQUIRE_BROWSER is set but {browser} does not run: install it with \
             `apt-get update && apt-get install -y chromium`, or name another binary in \
             LINSIM_CHROMIUM"
        );
        // Straight to the process's stderr: the test harness captures `eprintln!` of
        // passing tests, and a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "timeline_browser: {test} SKIPPED: {browser} not found (install Chromium, or \
             set LINSIM_CHROMIUM; LINSIM_REQUIRE_BROWSER=1 makes this a failure)"
        );
    }
    found
}

/// Runs headless Chromium on `page` (a file, with an optional `#fragment`) with
/// `args`; returns its stdout. Each call gets its own profile, so tests can run at
/// once.
fn chromium(page: &Path, fragment: &str, args: &[&str], profile: &Path) -> String {
    let url = format!("file://{}{fragment}", page.display());
    let browser = browser();
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args([
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {browser} ({e}): these tests need headless Chromium; install it with \
                 `apt-get update && apt-get install -y chromium` (.ci/run does), or name \
                 another binary in LINSIM_CHROMIUM"
            )
        });
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The DOM after the page's scripts ran.
fn dump_dom(page: &Path, fragment: &str, scratch: &Path) -> String {
    let dom = chromium(
        page,
        fragment,
        &["--dump-dom"],
        &scratch.join("profile-dom"),
    );
    assert!(
        dom.contains(r#"data-rendered="yes""#),
        "the page script did not finish: {}",
        console_errors(&dom)
    );
    assert!(
        dom.contains(r#"<pre id="console-errors" hidden=""></pre>"#),
        "script errors: {}",
        console_errors(&dom)
    );
    dom
}

/// The text of `#console-errors`, for failure messages.
fn console_errors(dom: &str) -> String {
    dom.split_once(r#"<pre id="console-errors""#)
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map_or("(no #console-errors element)".to_string(), |(e, _)| {
            e.to_string()
        })
}

/// Saves a screenshot of `page` as `name` and checks it is a PNG.
fn screenshot(page: &Path, fragment: &str, name: &str, scratch: &Path) {
    let file = screenshots().join(name);
    let _ = std::fs::remove_file(&file);
    chromium(
        page,
        fragment,
        &[
            "--window-size=1600,1100",
            &format!("--screenshot={}", file.display()),
        ],
        &scratch.join("profile-shot"),
    );
    let png = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        png.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        file.display()
    );
}

/// The class attribute of every op bar, in DOM order.
fn op_bars(dom: &str) -> Vec<&str> {
    dom.split(r#"<rect class="op "#)
        .skip(1)
        .map(|rest| rest.split_once('"').map_or(rest, |(cls, _)| cls))
        .collect()
}

/// How many times `needle` occurs in the DOM.
fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A seed that fails with the zoo bug `respond-on-propose`, run with `--out dir`.
fn failing_seed(dir: &Path) {
    let out = dir.join("run");
    let (code, stdout, stderr) = linsim(&[
        "run",
        "--seed",
        "2",
        "--workload",
        "register",
        "--nemesis",
        "partition-leader",
        "--bug",
        "respond-on-propose",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("timeline: "), "{stdout}");
}

#[test]
fn a_failing_seed_shows_every_op_the_unplaceable_one_faults_and_raft_lanes() {
    if !browser_found("a_failing_seed_shows_every_op_the_unplaceable_one_faults_and_raft_lanes") {
        return;
    }
    let dir = scratch("failing");
    failing_seed(&dir);
    let page = dir.join("run").join("timeline.html");
    let dom = dump_dom(&page, "", &dir);
    let ops = json(&dir.join("run/history.json"))["ops"]
        .as_array()
        .unwrap()
        .len();
    let bars = op_bars(&dom);
    assert_eq!(bars.len(), ops, "one bar per op");
    let result = json(&dir.join("run/result.json"));
    let illegal = result["check"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["verdict"] == "illegal")
        .expect("the seed is not linearizable");
    let blocked = &illegal["counterexample"]["blocked"];
    let unplaceable = bars.iter().filter(|c| c.contains("unplaceable")).count();
    assert_eq!(unplaceable, 1, "one op cannot be placed");
    assert!(
        dom.contains(&format!(
            r#"<rect class="op ok unplaceable" height="10" data-op="{blocked}""#
        )),
        "op {blocked} is marked as the one that cannot be placed"
    );
    assert!(count(&dom, r#"class="fault-band fault-partition"#) >= 1);
    assert_eq!(
        count(&dom, r#"<g class="raft-lane""#),
        5,
        "one Raft lane per server"
    );
    assert!(count(&dom, r#"class="role role-leader""#) >= 1);
    assert_eq!(
        count(&dom, r#"<tr class="stuck">"#),
        1,
        "the step table ends at it"
    );
    screenshot(&page, "", "failing-seed.png", &dir);
    screenshot(&page, "#failure", "failing-seed-zoomed.png", &dir);
}

#[test]
fn a_passing_seed_shows_its_linearization_and_lanes_by_key() {
    if !browser_found("a_passing_seed_shows_its_linearization_and_lanes_by_key") {
        return;
    }
    let dir = scratch("passing");
    let out = dir.join("run");
    let (code, stdout, stderr) = linsim(&[
        "run",
        "--seed",
        "3",
        "--workload",
        "kv",
        "--nemesis",
        "all",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let page = out.join("timeline.html");
    let dom = dump_dom(&page, "", &dir);
    let history = json(&out.join("history.json"));
    let ops = history["ops"].as_array().unwrap();
    let bars = op_bars(&dom);
    assert_eq!(bars.len(), ops.len(), "one bar per op");
    assert!(bars.iter().all(|c| !c.contains("unplaceable")));
    let ok = ops.iter().filter(|o| o["outcome"] == "ok").count();
    assert!(
        count(&dom, r#"<rect class="lin-point"#) >= ok,
        "every ok op has its linearization point"
    );
    assert!(count(&dom, r#"class="fault-band"#) >= 5);
    assert_eq!(count(&dom, r#"<g class="raft-lane""#), 5);
    let key_label = format!(">key {}<", ops[0]["key"].as_str().unwrap());
    assert!(!dom.contains(&key_label), "lanes are per client by default");
    let by_key = dump_dom(&page, "#by-key", &dir);
    assert!(
        by_key.contains(&key_label),
        "#by-key groups the lanes by key"
    );
    screenshot(&page, "", "passing-seed.png", &dir);
}

#[test]
fn check_html_draws_a_history_file_without_raft_lanes() {
    if !browser_found("check_html_draws_a_history_file_without_raft_lanes") {
        return;
    }
    let dir = scratch("check");
    failing_seed(&dir);
    let page = dir.join("check.html");
    let history = dir.join("run").join("history.json");
    let (code, stdout, stderr) = linsim(&[
        "check",
        history.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let dom = dump_dom(&page, "", &dir);
    assert_eq!(count(&dom, r#"<rect class="op ok unplaceable""#), 1);
    assert_eq!(
        count(&dom, r#"<g class="raft-lane""#),
        0,
        "a history has no servers"
    );
    assert!(dom.contains(">virtual time<") && dom.contains(">throughput<"));
    // The same history as EDN records no times: entry order, no time plots.
    let edn_page = dir.join("check-edn.html");
    let edn = dir.join("run").join("history.edn");
    let (code, stdout, stderr) = linsim(&[
        "check",
        edn.to_str().unwrap(),
        "--model",
        "cas-register",
        "--html",
        edn_page.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let dom = dump_dom(&edn_page, "", &dir);
    assert!(dom.contains(">entry order<"), "the axis is entry order");
    assert!(!dom.contains(">throughput<") && !dom.contains(">latency<"));
}
