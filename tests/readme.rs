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
