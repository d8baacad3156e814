//! Jepsen EDN read as Knossos reads it, and histories that would be misread refused
//! with their place: one test per rule.

use linsim_checker::formats::{parse_detailed, write_edn, Format};
use linsim_checker::{
    check_named, check_named_init, infer_model, parse_init, CheckOptions, Function, History,
    Outcome, Value, Verdict,
};

fn read(text: &str) -> linsim_checker::formats::ReadHistory {
    parse_detailed("k.edn", text, Some(Format::Edn)).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(text: &str) -> String {
    parse_detailed("k.edn", text, None)
        .map(|r| format!("read, not refused: {:?}", r.history.ops))
        .unwrap_or_else(|e| e.to_string())
}

fn verdict(text: &str, init: Option<&str>) -> Verdict {
    let init = init.map(|i| parse_init(i).unwrap());
    let h = read(text).history;
    check_named_init("cas-register", init.as_ref(), &h, &CheckOptions::default())
        .unwrap()
        .verdict
}

#[test]
fn a_completed_ops_value_is_its_ok_entrys() {
    let text = "[{:process 0 :type :invoke :f :write :value 1}
                 {:process 0 :type :ok :f :write :value 2}
                 {:process 1 :type :invoke :f :cas :value [0 0]}
                 {:process 1 :type :ok :f :cas :value [2 3]}
                 {:process 2 :type :invoke :f :read :value nil}
                 {:process 2 :type :ok :f :read :value 3}]";
    let h = read(text).history;
    assert_eq!(h.ops[0].input, vec![Value::Int(2)]);
    assert_eq!(h.ops[1].input, vec![Value::Int(2), Value::Int(3)]);
    assert_eq!(verdict(text, None), Verdict::Ok);
}

#[test]
fn a_fail_must_repeat_its_invocations_value() {
    let e = refused(
        "[{:process 0 :type :invoke :f :cas :value [1 2]}\n {:process 0 :type :fail :f :cas :value [1 3]}]",
    );
    assert!(
        e.starts_with(
            "k.edn:2:2: :fail value [1 3] differs from the value [1 2] invoked at line 1"
        ),
        "{e}"
    );
    // Clojure's =: a list equals a vector with the same elements.
    let h = read("[{:process 0 :type :invoke :f :cas :value [1 2]} {:process 0 :type :fail :f :cas :value (1 2)}]");
    assert_eq!(h.history.ops[0].outcome, Outcome::Fail);
}

#[test]
fn a_read_of_nil_is_unknown_unless_the_history_is_linsims() {
    let text = "[{:process 0 :type :invoke :f :write :value 1} {:process 0 :type :ok :f :write :value 1}
                 {:process 1 :type :invoke :f :read :value nil} {:process 1 :type :ok :f :read :value nil}]";
    let r = read(text);
    assert_eq!(r.edn.as_ref().unwrap().unknown_nil_reads, 1);
    assert_eq!(verdict(text, None), Verdict::Ok);
    // Written by linsim, the same read of nil saw no write: illegal after write 1.
    let linsim = write_edn(&r.history.clone());
    assert!(linsim.starts_with("; linsim history"), "{linsim}");
    let mut h: History = read(text).history;
    h.ops[1].outcome = Outcome::Ok;
    h.ops[1].output = Value::Nil;
    let back = read(&write_edn(&h));
    assert_eq!(back.edn.as_ref().unwrap().unknown_nil_reads, 0);
    assert!(back.edn.as_ref().unwrap().linsim);
    let r = check_named("cas-register", &back.history, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Illegal);
}

#[test]
fn init_starts_the_register_as_knossos_tests_do() {
    let text =
        "[{:process 0 :type :invoke :f :read :value nil} {:process 0 :type :ok :f :read :value 0}]";
    assert_eq!(verdict(text, None), Verdict::Illegal);
    assert_eq!(verdict(text, Some("0")), Verdict::Ok);
    let txn = "[{:process 0 :type :invoke :f :txn :value [[:read :x nil] [:read :y nil]]}
                {:process 0 :type :ok :f :txn :value [[:read :x 0] [:read :y 0]]}]";
    let h = read(txn).history;
    assert_eq!(infer_model(&h), Ok("multi-register"));
    let run = |init: Option<&str>| {
        let init = init.map(|i| parse_init(i).unwrap());
        check_named_init(
            "multi-register",
            init.as_ref(),
            &h,
            &CheckOptions::default(),
        )
        .unwrap()
        .verdict
    };
    assert_eq!(run(None), Verdict::Illegal);
    assert_eq!(run(Some("{:x 0 :y 0}")), Verdict::Ok);
}

#[test]
fn a_process_whose_op_ended_info_never_invokes_again_and_stray_infos_are_skipped() {
    let e = refused(
        "[{:process 0 :type :invoke :f :write :value 1}\n {:process 0 :type :info :f :write :value 1}\n {:process 0 :type :invoke :f :read :value nil}]",
    );
    assert!(e.starts_with("k.edn:3:2: process 0 invokes again after its op invoked at line 1 ended :info at line 2"), "{e}");
    let r = read("[{:process 3 :type :info :f :crash} {:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :read :value nil}]");
    assert_eq!(r.edn.unwrap().stray_infos, 1);
    assert_eq!(r.history.ops.len(), 1);
}

#[test]
fn a_completion_of_another_function_is_refused() {
    let e = refused("[{:process 0 :type :invoke :f :write :value 1}\n {:process 0 :type :ok :f :read :value 1}]");
    assert!(
        e.starts_with("k.edn:2:2: completion :read does not match the invoked :write (line 1)"),
        "{e}"
    );
}

#[test]
fn characters_and_strings_or_sets_and_vectors_together_are_refused() {
    let e = refused(
        r#"[{:process 0, :type :invoke, :f :write, :value \a} {:process 0, :type :ok, :f :write, :value \a} {:process 1, :type :invoke, :f :read, :value nil} {:process 1, :type :ok, :f :read, :value "a"}]"#,
    );
    assert!(
        e.contains("mix a character (\\a, line 1) and a string (\"a\", line 1)"),
        "{e}"
    );
    let e = refused("[{:process 0 :type :invoke :f :write :value #{1 2}}\n {:process 0 :type :ok :f :write :value #{1 2}}\n {:process 1 :type :invoke :f :read}\n {:process 1 :type :ok :f :read :value [1 2]}]");
    assert!(
        e.starts_with("k.edn:4:2: the history's values mix a set"),
        "{e}"
    );
    // Characters alone compare as Clojure compares them.
    let chars = r#"[{:process 0 :type :invoke :f :write :value \a} {:process 0 :type :ok :f :write :value \a}
                    {:process 1 :type :invoke :f :read} {:process 1 :type :ok :f :read :value \b}]"#;
    assert_eq!(verdict(chars, None), Verdict::Illegal);
}

#[test]
fn discards_metadata_and_tags_read_as_clojure_reads_them() {
    let ops = "{:process 0 :type :invoke :f :write :value ^:m 1} #_ {:process 9} {:process 0 :type :ok :f :write :value 1}";
    for text in [
        format!("#_ {{:junk 1}} [{ops}] #_ [2]"),
        format!("^{{:m 1}} [{ops}]"),
        format!(";; comment\n#^{{:m 1}} ({ops}) #_ #_ 3 4"),
    ] {
        let r = read(&text);
        assert_eq!(r.history.ops.len(), 1, "{text}");
        assert_eq!(r.history.ops[0].input, vec![Value::Int(1)], "{text}");
        assert_eq!(r.edn.unwrap().discarded, 1, "{text}");
    }
    let e = refused("[{:process 0 :type :invoke :f :write :value #inst \"2020-01-01T00:00:00Z\"}]");
    assert!(e.contains("unsupported value"), "{e}");
}

#[test]
fn without_a_model_the_functions_choose_one_or_the_error_names_the_op() {
    let h = |fs: &[&str]| {
        let text: String = fs
            .iter()
            .enumerate()
            .map(|(p, f)| format!("{{:process {p} :type :invoke :f :{f} :value 1}}\n"))
            .collect();
        read(&text).history
    };
    assert_eq!(infer_model(&h(&["acquire", "release"])), Ok("mutex"));
    assert_eq!(infer_model(&h(&["add", "read"])), Ok("set"));
    let u = infer_model(&h(&["write", "enqueue"])).unwrap_err();
    assert_eq!(u.index, 1);
    assert!(h(&["write"]).ops[0].f == Function::Write);
}

#[test]
fn json_refuses_ok_without_ret_and_overlapping_ops_of_a_process() {
    let e = parse_detailed(
        "j.json",
        "{\"ops\": [\n{\"process\": 0, \"f\": \"read\", \"output\": 1, \"call\": 1, \"outcome\": \"ok\"}]}",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("j.json:2: op 0 (read -> 1, process 0): outcome ok but no \"ret\""),
        "{e}"
    );
    let text = |ret0: &str, outcome0: &str| {
        format!("[\n{{\"process\": 0, \"f\": \"write\", \"input\": [1], \"call\": 1{ret0}, \"outcome\": \"{outcome0}\"}},\n{{\"process\": 0, \"f\": \"read\", \"output\": 1, \"call\": 5, \"ret\": 9, \"outcome\": \"ok\"}}]")
    };
    let e = parse_detailed("j.json", &text(", \"ret\": 6", "ok"), None)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("j.json:3: op 1 (read -> 1, process 0): called at 5, before the process's previous op 0 (line 2) returned at 6"), "{e}");
    // At the instant it returned: one after the other.
    assert!(parse_detailed("j.json", &text(", \"ret\": 5", "ok"), None).is_ok());
    let e = parse_detailed("j.json", &text("", "info"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("never returned: its outcome is unknown, so it may still be running"),
        "{e}"
    );
    assert!(parse_detailed("j.json", &text(", \"ret\": 4", "ok"), None).is_ok());
}

#[test]
fn a_process_calling_at_the_instant_its_op_returned_follows_it() {
    // Process 0 writes 1 during [1, 5], then reads nil during [5, 7]: its read follows
    // its write, so nil is stale. Process 1's read of nil at [5, 6] stays concurrent
    // with the write (a timestamp tie says nothing of its order).
    let ops = |p: u64| {
        format!(
            "[{{\"process\": 0, \"f\": \"write\", \"input\": [1], \"call\": 1, \"ret\": 5, \"outcome\": \"ok\"}},
              {{\"process\": {p}, \"f\": \"read\", \"output\": null, \"call\": 5, \"ret\": 7, \"outcome\": \"ok\"}}]"
        )
    };
    let run = |p| {
        let r = parse_detailed("t.json", &ops(p), None).unwrap();
        check_named("register", &r.history, &CheckOptions::default())
            .unwrap()
            .verdict
    };
    assert_eq!(run(0), Verdict::Illegal);
    assert_eq!(run(1), Verdict::Ok);
    // Written as EDN, the chain keeps its order, the other read stays concurrent.
    for (p, want) in [(0, Verdict::Illegal), (1, Verdict::Ok)] {
        let h = parse_detailed("t.json", &ops(p), None).unwrap().history;
        let back = read(&write_edn(&h)).history;
        let r = check_named("register", &back, &CheckOptions::default()).unwrap();
        assert_eq!(r.verdict, want, "{}", write_edn(&h));
    }
}

#[test]
fn two_processes_calling_at_the_instant_their_ops_returned_are_refused() {
    let text = "[\n{\"process\": 0, \"f\": \"write\", \"input\": [1], \"call\": 1, \"ret\": 5, \"outcome\": \"ok\"},\n{\"process\": 1, \"f\": \"write\", \"input\": [2], \"call\": 1, \"ret\": 5, \"outcome\": \"ok\"},\n{\"process\": 0, \"f\": \"read\", \"output\": 1, \"call\": 5, \"ret\": 7, \"outcome\": \"ok\"},\n{\"process\": 1, \"f\": \"read\", \"output\": 2, \"call\": 5, \"ret\": 7, \"outcome\": \"ok\"}]";
    let e = parse_detailed("t.json", text, None)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.json:5: op 3 (read -> 2, process 1): called at 5, the instant its process's previous op returned, as is op 2 (line 4) of process 0"), "{e}");
}
