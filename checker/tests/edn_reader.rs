//! The Jepsen EDN reader: whole files in any layout, every form accounted for, Jepsen's
//! function names for every model, jepsen.independent tuples, and errors with places.

use linsim_checker::formats::{
    parse, parse_detailed, read_file, write_edn_layout, EdnLayout, Format, LINSIM_MARKER,
};
use linsim_checker::{check_named, CheckOptions, Function, History, Outcome, Value, Verdict};
use std::path::Path;

fn read(text: &str) -> History {
    parse("h.edn", text, Some(Format::Edn))
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn verdict(model: &str, text: &str) -> Verdict {
    check_named(model, &read(text), &CheckOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .verdict
}

fn error(text: &str) -> String {
    match parse("h.edn", text, Some(Format::Edn)) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_one_line_read_of_5_from_an_empty_register_is_illegal() {
    let text =
        "[{:type :invoke :f :read :process 0 :value nil} {:type :ok :f :read :process 0 :value 5}]";
    let h = read(text);
    assert_eq!(h.ops.len(), 1);
    assert_eq!(
        (h.ops[0].outcome, &h.ops[0].output),
        (Outcome::Ok, &Value::Int(5))
    );
    assert_eq!(verdict("register", text), Verdict::Illegal);
    assert_eq!(verdict("cas-register", text), Verdict::Illegal);
}

#[test]
fn every_layout_of_a_history_reads_back_to_the_same_ops() {
    let corpus = linsim_checker::reference::checker_corpus_dir().unwrap();
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../histories/regressions");
    let files = [
        corpus.join("jepsen/etcd_000.log"),
        corpus.join("jepsen/etcd_002.log"),
        corpus.join("kv/c01-ok.txt"),
        regressions.join("stale-reads-isolate-leader-seed0.illegal.json"),
        regressions.join("register-partition+crash-seed7.ok.json"),
    ];
    for path in files {
        let (h, _) = read_file(&path, None).unwrap_or_else(|e| panic!("{e}"));
        let model = h.model.clone().unwrap_or_else(|| {
            if path.to_string_lossy().contains("kv/") {
                "kv".into()
            } else {
                "cas-register".into()
            }
        });
        let want = check_named(&model, &h, &CheckOptions::default()).unwrap();
        let pretty = write_edn_layout(&h, EdnLayout::Pretty);
        // linsim's marker line, then the vector.
        let (marker, vector) = pretty.split_once('\n').expect("a marker line first");
        assert!(marker.starts_with(LINSIM_MARKER));
        let list_with_comments = format!(
            "{marker}\n; a comment\n({}\n ; the end\n)",
            vector
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .replace("\n {", "\n ; between ops\n {")
        );
        for (layout, text) in [
            ("lines", write_edn_layout(&h, EdnLayout::Lines)),
            ("one-line", write_edn_layout(&h, EdnLayout::OneLine)),
            ("pretty", pretty.clone()),
            ("list", list_with_comments),
        ] {
            let r = parse_detailed("x.edn", &text, None).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                matches!(r.format, Format::Edn | Format::PorcupineKv),
                "{layout}"
            );
            let got = &r.history;
            assert_eq!(got.ops.len(), h.ops.len(), "{} {layout}", path.display());
            for (a, b) in got.ops.iter().zip(&h.ops) {
                assert_eq!(
                    (a.process, a.f, &a.key, &a.input, a.outcome),
                    (b.process, b.f, &b.key, &b.input, b.outcome),
                    "{layout}"
                );
            }
            let summary = r.edn.expect("EDN summary");
            assert_eq!(summary.client_entries, 2 * h.ops.len(), "{layout}");
            let r = check_named(&model, got, &CheckOptions::default()).unwrap();
            assert_eq!(r.verdict, want.verdict, "{} {layout}", path.display());
        }
    }
}

#[test]
fn nemesis_and_log_entries_are_counted_and_skipped_and_an_empty_history_is_ok() {
    let text = "[{:type :info, :f :start, :process :nemesis, :value nil}\n\
                {:type :log, :value \"hi\"}\n #_{:type :invoke}\n]";
    let r = parse_detailed("h.edn", text, None).unwrap();
    let s = r.edn.unwrap();
    assert_eq!(
        (
            s.client_entries,
            s.nemesis_entries,
            s.log_entries,
            s.discarded
        ),
        (0, 1, 1, 1)
    );
    let c = check_named("register", &r.history, &CheckOptions::default()).unwrap();
    assert_eq!(c.verdict, Verdict::Ok);
    assert_eq!(
        c.note.as_deref(),
        Some("the history has no client operations: trivially linearizable")
    );
}

#[test]
fn keywords_stay_distinct_from_strings() {
    let write = "{:type :invoke, :f :write, :value :x, :process 0}\n\
                 {:type :ok, :f :write, :value :x, :process 0}\n";
    let ok = format!("{write}{{:type :invoke, :f :read, :process 1}}\n{{:type :ok, :f :read, :value :x, :process 1}}");
    let bad = format!("{write}{{:type :invoke, :f :read, :process 1}}\n{{:type :ok, :f :read, :value \"x\", :process 1}}");
    assert_eq!(verdict("register", &ok), Verdict::Ok);
    assert_eq!(verdict("register", &bad), Verdict::Illegal);
    assert_eq!(read(&ok).ops[0].input, vec![Value::keyword("x")]);
}

#[test]
fn independent_tuples_become_keyed_ops() {
    let text = "[{:type :invoke, :f :cas, :value [7 [1 2]], :process 0}\n\
                {:type :fail, :f :cas, :value [7 [1 2]], :process 0}\n\
                {:type :invoke, :f :write, :value [:k \"v\"], :process 1}\n\
                {:type :ok, :f :write, :value [:k \"v\"], :process 1}\n\
                {:type :invoke, :f :read, :value [7 nil], :process 2}\n\
                {:type :ok, :f :read, :value [7 nil], :process 2}]";
    let r = parse_detailed("h.edn", text, None).unwrap();
    assert!(r.edn.unwrap().independent);
    let h = r.history;
    assert_eq!(
        (h.ops[0].key.as_str(), &h.ops[0].input),
        ("7", &vec![Value::Int(1), Value::Int(2)])
    );
    assert_eq!(
        (h.ops[1].key.as_str(), &h.ops[1].input),
        (":k", &vec![Value::Str("v".into())])
    );
    let c = check_named("cas-register", &h, &CheckOptions::default()).unwrap();
    assert_eq!((c.verdict, c.partitions.len()), (Verdict::Ok, 2));
    // A tagged tuple is read the same way.
    let tagged = "{:type :invoke, :f :write, :value #jepsen.independent.Tuple{:key 1, :value 2}, :process 0}";
    let h = read(tagged);
    assert_eq!(
        (h.ops[0].key.as_str(), &h.ops[0].input),
        ("1", &vec![Value::Int(2)])
    );
    // A plain cas history is not mistaken for tuples.
    let plain = "{:type :invoke, :f :cas, :value [1 2], :process 0}";
    let r = parse_detailed("h.edn", plain, None).unwrap();
    assert!(!r.edn.unwrap().independent);
    assert_eq!(r.history.ops[0].key, "");
}

#[test]
fn jepsen_function_names_map_to_every_model() {
    let cases = [
        (":txn", "[[:read :x nil]]", Function::Txn),
        (":acquire", "nil", Function::Acquire),
        (":release", "nil", Function::Release),
        (":add", "1", Function::Add),
        (":enqueue", "1", Function::Enqueue),
        (":dequeue", "nil", Function::Dequeue),
        (":get", "nil", Function::Read),
        (":put", "1", Function::Write),
    ];
    for (f, v, want) in cases {
        let h = read(&format!(
            "{{:type :invoke, :f {f}, :value {v}, :process 0}}"
        ));
        assert_eq!(h.ops[0].f, want, "{f}");
    }
}

#[test]
fn errors_name_file_line_and_column() {
    let e =
        error("[{:type :invoke, :f :read, :process 0}\n {:type :ok,\n  :f :read,\n  :process 1}]");
    assert_eq!(
        e,
        "h.edn:2:2: process 1 completes (:ok) an op it never invoked"
    );
    let e = error("[{:type :invoke, :f :read, :process 0}\n {:type :ok, :f :read, :process 0, :value {:a 1}}]");
    assert!(e.starts_with("h.edn:2:2: unsupported value {:a 1}"), "{e}");
    let e = error("({:type :invoke, :f :read, :process 0}\n  [1 2])");
    assert!(e.starts_with("h.edn:2:3: expected an op map"), "{e}");
    let e = error(
        "[{:type :invoke, :f :read, :process 0}\n {:type :ok, :f :read, :process 0, :value 1.2.3}]",
    );
    assert!(
        e.starts_with("h.edn:2:") && e.contains("invalid EDN"),
        "{e}"
    );
    let e = error("{:type :invoke, :f :read, :process 0} ]");
    assert_eq!(e, "h.edn:1:39: unexpected `]`: nothing is open");
    let e = error("{:type :invoke, :f :read, :process -1}");
    assert!(e.contains("non-negative integer or :nemesis"), "{e}");
}
