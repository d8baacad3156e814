//! The README's example nemesis is the real file, verbatim, and fits in 40 lines.

#[test]
fn readme_example_nemesis_is_the_registered_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example =
        std::fs::read_to_string(root.join("workloads/src/nemeses/kill_leader.rs")).unwrap();
    assert!(
        readme.starts_with("# linsim\n\n```sh\ncargo run --release"),
        "README opens with the two commands"
    );
    assert!(readme.contains("cargo test "), "README names cargo test");
    assert!(
        readme.contains(&example),
        "README's example differs from kill_leader.rs"
    );
    assert!(
        example.lines().count() <= 40,
        "the example nemesis is at most 40 lines"
    );
    let zoo = format!("{} of them", linsim_kv::zoo::ZOO.len());
    assert!(readme.contains(&zoo), "README counts the zoo: {zoo}");
}

#[test]
fn readme_screenshot_caption_matches_the_run_it_names() {
    // The caption names the run (`linsim run ...` in backticks) and the read that
    // cannot be placed (`KEY -> VALUE`); the run must fail on exactly that read.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let at = readme
        .find("![timeline.html of a failing seed]")
        .expect("the screenshot");
    let caption = &readme[readme[..at]
        .rfind("Here is `linsim run")
        .expect("a caption")..at];
    let caption = caption.split_whitespace().collect::<Vec<_>>().join(" ");
    let between = |s: &str, from: &str| -> String {
        let start = s.find(from).unwrap() + from.len();
        s[start..start + s[start..].find('`').unwrap()].to_string()
    };
    let command = between(&caption, "Here is `linsim ");
    let read = between(&caption, "the read `");
    let mut args: Vec<&str> = command.split_whitespace().collect();
    args.insert(1, "--json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linsim"))
        .args(&args)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let facts = v["failures"][0]["facts"].as_str().unwrap_or_default();
    assert!(
        facts.starts_with(&format!("read {read} cannot be linearized")),
        "README's caption names `{read}`, the run says: {facts} (regenerate the screenshot with `cargo test --test timeline_browser`)"
    );
}
