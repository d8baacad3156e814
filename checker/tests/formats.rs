//! Reading and writing history files: each format, detection, and bad input.

use linsim_checker::formats::{detect, parse, write_edn, write_json, Format};
use linsim_checker::{check_named, CheckOptions, Function, Outcome, Value, Verdict};

fn parse_err(text: &str, format: Option<Format>) -> String {
    match parse("h.edn", text, format) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn edn_reads_with_knossos_semantics() {
    let text = r#"{:type :invoke, :f :write, :value 1, :process 0, :time 10}
{:type :invoke, :f :read, :value nil, :process 1, :time 11}
{:type :info, :f :start, :value nil, :process :nemesis, :time 12}
{:type :ok, :f :write, :value 1, :process 0, :time 20}
{:type :ok, :f :read, :value 1, :process 1, :time 21}
{:type :invoke, :f :cas, :value [1 2], :process 0, :time 30}
{:type :fail, :f :cas, :value [1 2], :process 0, :time 31}
{:type :invoke, :f :write, :value 5, :process 2, :time 40}
{:type :info, :f :write, :value 5, :process 2, :time 50}
{:type :invoke, :f :write, :value 6, :process 3, :time 60}
"#;
    let (h, format) = parse("h.edn", text, None).unwrap();
    assert_eq!(format, Format::Edn);
    assert_eq!(h.ops.len(), 5, "the nemesis entry is ignored");
    assert_eq!(
        (h.ops[0].call, h.ops[0].ret),
        (0, Some(2)),
        "entries are ordered by their place in the file, :time is ignored"
    );
    assert_eq!(h.ops[1].output, Value::Int(1));
    assert_eq!(h.ops[2].f, Function::Cas);
    assert_eq!(h.ops[2].outcome, Outcome::Fail, ":fail did not happen");
    assert_eq!(
        (h.ops[3].outcome, h.ops[3].ret),
        (Outcome::Info, None),
        ":info never completes"
    );
    assert_eq!(
        (h.ops[4].outcome, h.ops[4].ret),
        (Outcome::Info, None),
        "dangling invoke"
    );
    let r = check_named("cas-register", &h, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Ok);
}

#[test]
fn edn_without_time_uses_line_order_and_accepts_a_vector() {
    let text =
        "[{:type :invoke, :f :read, :process 0}\n {:type :ok, :f :read, :value 3, :process 0}]\n";
    let (h, _) = parse("h.edn", text, Some(Format::Edn)).unwrap();
    assert_eq!((h.ops[0].call, h.ops[0].ret), (0, Some(1)));
    let r = check_named("register", &h, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Illegal, "3 was never written");
}

#[test]
fn edn_errors_name_file_line_and_expectation() {
    let e = parse_err(
        "{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read :value\n",
        Some(Format::Edn),
    );
    assert!(e.starts_with("h.edn:2:1: `{` is never closed"), "{e}");
    let e = parse_err(
        "{:type :invoke, :f :read, :process 0}\n  {:type :ok, :f :read :value 0x}\n",
        Some(Format::Edn),
    );
    assert!(
        e.starts_with("h.edn:2:3") && e.contains("invalid EDN"),
        "{e}"
    );
    let e = parse_err(
        "{:type :invoke, :f :frobnicate, :process 0}\n",
        Some(Format::Edn),
    );
    assert!(e.contains("h.edn:1:1: unknown function :frobnicate"), "{e}");
    let e = parse_err(
        "{:type :ok, :f :read, :process 0, :value 1}\n",
        Some(Format::Edn),
    );
    assert!(
        e.contains("h.edn:1:1: process 0 completes (:ok) an op it never invoked"),
        "{e}"
    );
    let e = parse_err("[{:type :invoke, :f :read}]\n", Some(Format::Edn));
    assert!(e.contains("h.edn:1:2: missing :process"), "{e}");
    let e = parse_err(
        "{:type :invoke, :f :cas, :process 0, :value 3}\n",
        Some(Format::Edn),
    );
    assert!(e.contains("expected a cas value [expected new]"), "{e}");
}

#[test]
fn empty_files_are_empty_histories_and_undetectable_files_are_rejected() {
    for text in ["", "\n  \n", "; nothing here\n", "[]", "()"] {
        let (h, format) = parse("h.edn", text, None).unwrap();
        assert_eq!((h.ops.len(), format), (0, Format::Edn), "{text:?}");
        let r = check_named("register", &h, &CheckOptions::default()).unwrap();
        assert_eq!(r.verdict, Verdict::Ok);
        assert!(r.note.unwrap().contains("no client operations"));
    }
    let (h, _) = parse(
        "h.edn",
        "\u{feff}#_{:x 1} {:type :invoke, :f :read, :process 0}",
        None,
    )
    .unwrap();
    assert_eq!(
        h.ops.len(),
        1,
        "a byte order mark and a leading discard are fine"
    );
    let e = parse_err("\nhello world\n", None);
    assert!(
        e.starts_with("h.edn:2: cannot detect the history format"),
        "{e}"
    );
}

#[test]
fn porcupine_etcd_log_reads_fail_cas_as_false_and_info_as_unknown() {
    let text = "INFO  jepsen.util - 0\t:invoke\t:cas\t[0 4]\n\
                INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
                INFO  jepsen.util - 0\t:fail\t:cas\t[0 4]\n\
                INFO  jepsen.util - 1\t:fail\t:read\t:timed-out\n\
                INFO  jepsen.util - 2   :invoke :write  3\n\
                INFO  jepsen.util - 2   :info   :write  :timed-out\n";
    let (h, format) = parse("e.log", text, None).unwrap();
    assert_eq!(format, Format::PorcupineEtcd);
    assert_eq!(format.default_model(), Some("cas-register"));
    assert_eq!(
        (h.ops[0].outcome, &h.ops[0].output),
        (Outcome::Ok, &Value::Bool(false))
    );
    assert_eq!(h.ops[0].input, vec![Value::Int(0), Value::Int(4)]);
    assert_eq!(
        h.ops[1].outcome,
        Outcome::Info,
        "a timed-out read has an unknown result"
    );
    assert_eq!(h.ops[2].outcome, Outcome::Info);
}

#[test]
fn porcupine_etcd_garbage_line_names_the_line() {
    let text = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nthis is not a log line\n";
    let e = match parse("e.log", text, Some(Format::PorcupineEtcd)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("garbage accepted"),
    };
    assert!(e.starts_with("e.log:2: expected `INFO  jepsen.util"), "{e}");
    let e = match parse(
        "e.log",
        "INFO  jepsen.util - 0\t:invoke\t:delete\tnil\n",
        None,
    ) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("unknown function accepted"),
    };
    assert!(e.contains("e.log:1: unknown function :delete"), "{e}");
}

#[test]
fn porcupine_kv_is_detected_and_defaults_to_the_kv_model() {
    let text = "{:process 0, :type :invoke, :f :append, :key \"1\", :value \"x\"}\n\
                {:process 0, :type :ok, :f :append, :key \"1\", :value \"x\"}\n\
                {:process 1, :type :invoke, :f :get, :key \"1\", :value nil}\n\
                {:process 1, :type :ok, :f :get, :key \"1\", :value \"x\"}\n";
    assert_eq!(detect("k.txt", text).unwrap(), Format::PorcupineKv);
    let (h, format) = parse("k.txt", text, None).unwrap();
    let r = check_named(
        format.default_model().unwrap(),
        &h,
        &CheckOptions::default(),
    )
    .unwrap();
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.partitions.len(), 1);
}

#[test]
fn json_and_edn_writers_round_trip_to_the_same_verdict() {
    let dir = linsim_checker::reference::checker_corpus_dir()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("jepsen");
    for name in ["etcd_000.log", "etcd_002.log"] {
        let text = std::fs::read_to_string(dir.join(name)).expect("reference file");
        let (h, _) = parse(name, &text, None).unwrap();
        let want = check_named("cas-register", &h, &CheckOptions::default())
            .unwrap()
            .verdict;
        let (from_json, f) = parse("x.json", &write_json(&h), None).unwrap();
        assert_eq!(f, Format::Json);
        assert_eq!(from_json, h, "JSON round trip is exact");
        let (from_edn, f) = parse("x.edn", &write_edn(&h), None).unwrap();
        assert_eq!(f, Format::Edn);
        let got = check_named("cas-register", &from_edn, &CheckOptions::default())
            .unwrap()
            .verdict;
        assert_eq!(got, want, "{name} through EDN");
    }
}

#[test]
fn json_errors_name_the_line() {
    let e = match parse(
        "h.json",
        "{\"ops\": [\n  {\"process\": 1, \"f\": \"teleport\"}\n]}",
        None,
    ) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("bad JSON accepted"),
    };
    assert!(
        e.starts_with("h.json:2:") && e.contains("invalid linsim JSON history"),
        "{e}"
    );
}
