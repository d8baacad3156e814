//! Every history reader, fed arbitrary bytes and mutated valid files, returns a history
//! or an error naming a place: it never panics. Whatever it reads, every model then
//! gives a verdict or a model error, never a panic.

use linsim_checker::formats::{parse_detailed, read_file_detailed, Format};
use linsim_checker::{check_named, CheckOptions, MODEL_NAMES};
use proptest::prelude::*;
use std::path::Path;

const FORMATS: [Option<Format>; 5] = [
    None,
    Some(Format::Json),
    Some(Format::Edn),
    Some(Format::PorcupineEtcd),
    Some(Format::PorcupineKv),
];

/// Valid files to mutate: one of each format and layout.
fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = [
        "histories/edn/pretty-vector-cas-register.edn",
        "histories/edn/pretty-list-stale-read.edn",
        "histories/edn/one-line-read-of-unwritten-5.edn",
        "histories/edn/independent-registers.edn",
        "histories/edn/multi-register-ok.edn",
        "histories/edn/set-ok.edn",
        "histories/edn/fifo-queue-ok.edn",
        "histories/edn/mutex-ok.edn",
        "histories/reference/porcupine/jepsen/etcd_001.log",
        "histories/reference/porcupine/kv/c01-ok.txt",
    ];
    let mut out: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(root.join(f)).expect("seed file"))
        .map(|t| t.chars().take(3000).collect())
        .collect();
    out.push(
        r#"{"model": "kv", "ops": [{"process": 0, "f": "append", "key": "k", "input": ["x"], "output": null, "call": 1, "ret": 2, "outcome": "ok"}, {"process": 1, "f": "read", "key": "k", "output": "x", "call": 3, "ret": 4, "outcome": "ok"}, {"process": 2, "f": "dequeue", "output": {"keyword": "a"}, "call": 3, "outcome": "info"}]}"#
            .to_string(),
    );
    out
}

/// Reads `text` in every format; checks whatever was read with every model under a
/// small budget.
fn read_everything(text: &str) -> Result<(), TestCaseError> {
    for format in FORMATS {
        match parse_detailed("fuzz.edn", text, format) {
            Ok(r) => {
                let opts = CheckOptions {
                    max_steps: 20_000,
                    max_bytes: 64 << 20,
                    threads: 1,
                    ..CheckOptions::default()
                };
                for model in MODEL_NAMES {
                    let _ = check_named(model, &r.history, &opts);
                }
            }
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(shown.starts_with("fuzz.edn:"), "{shown}");
                prop_assert!(!e.message.is_empty());
            }
        }
    }
    Ok(())
}

/// One edit of a text.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
    Truncate(usize),
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let piece = "[\\[\\](){}#_:;\"\\\\ ,\\n0-9a-z.-]{1,8}";
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), piece).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (any::<usize>(), 1usize..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

/// The char boundary at or before `i % (len + 1)`.
fn boundary(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut s: String, m: &Mutation) -> String {
    match m {
        Mutation::Delete(a, n) => {
            let a = boundary(&s, *a);
            let b = boundary(&s, a + n);
            if b > a {
                s.replace_range(a..b, "");
            }
        }
        Mutation::Insert(a, piece) => s.insert_str(boundary(&s, *a), piece),
        Mutation::Duplicate(a, n) => {
            let a = boundary(&s, *a);
            let b = boundary(&s, a + n).max(a);
            let slice = s[a..b].to_string();
            s.insert_str(b, &slice);
        }
        Mutation::Truncate(a) => s.truncate(boundary(&s, *a)),
        Mutation::Swap(a, b) => {
            let (a, b) = (boundary(&s, *a), boundary(&s, *b));
            let (a, b) = (a.min(b), a.max(b));
            if let (Some(x), Some(y)) = (s[a..].chars().next(), s[b..].chars().next()) {
                if b > a && a + x.len_utf8() <= b {
                    let mut t = String::with_capacity(s.len());
                    t.push_str(&s[..a]);
                    t.push(y);
                    t.push_str(&s[a + x.len_utf8()..b]);
                    t.push(x);
                    t.push_str(&s[b + y.len_utf8()..]);
                    s = t;
                }
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        read_everything(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn edn_like_text_never_panics(text in "[\\[\\](){}#_:;\"\\\\ ,\\n0-9a-z.+-]{0,300}") {
        read_everything(&text)?;
    }

    #[test]
    fn mutated_valid_files_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut text = seeds[seed.index(seeds.len())].clone();
        for m in &edits {
            text = apply(text, m);
        }
        read_everything(&text)?;
    }
}

#[test]
fn deep_nesting_and_long_prefix_chains_are_errors_not_stack_overflows() {
    for text in [
        "[".repeat(100_000),
        format!("{}1{}", "[".repeat(60), "]".repeat(60)),
        format!("{}{{:a 1}}", "#_".repeat(100_000)),
        format!(
            "{{:type :invoke, :f :write, :process 0, :value {}}}",
            "#{".repeat(50_000)
        ),
        format!("{}{{}}", "#foo ".repeat(100_000)),
    ] {
        for format in FORMATS {
            let _ = parse_detailed("deep.edn", &text, format);
        }
    }
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_with_a_place() {
    let dir = std::env::temp_dir().join(format!("linsim-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.edn");
    std::fs::write(&path, b"{:type :invoke}\n  \xff\xfe").unwrap();
    let e = read_file_detailed(&path, None).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("bad.edn:2:3: the file is not UTF-8 text"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
