//! Verdicts are a pure function of the history, the model and the budget: the 108
//! reference histories get identical results (fingerprints: verdict, partitions,
//! counterexamples, steps) whatever the number of threads, run after run, both under
//! the default budget and under budgets so small that some checks give up.

use linsim_checker::formats::read_file;
use linsim_checker::reference::{cases, checker_corpus_dir};
use linsim_checker::{check_named, CheckOptions, History, Verdict};

fn corpus() -> Vec<(String, &'static str, History)> {
    let dir = checker_corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    cases(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|c| {
            let (h, _) = read_file(&c.path, None).unwrap_or_else(|e| panic!("{e}"));
            (c.name, c.model, h)
        })
        .collect()
}

fn fingerprints(
    corpus: &[(String, &'static str, History)],
    opts: &CheckOptions,
) -> Vec<(String, Verdict, u64, u64)> {
    corpus
        .iter()
        .map(|(name, model, h)| {
            let r = check_named(model, h, opts).unwrap();
            (name.clone(), r.verdict, r.steps(), r.fingerprint())
        })
        .collect()
}

#[test]
fn the_same_budget_gives_the_same_results_on_any_thread_count() {
    let corpus = corpus();
    assert_eq!(corpus.len(), 108);
    for (max_steps, max_bytes) in [
        (
            linsim_checker::DEFAULT_MAX_STEPS,
            linsim_checker::DEFAULT_MAX_BYTES,
        ),
        (3_000, usize::MAX),
        (u64::MAX, 200_000),
    ] {
        let opts = |threads| CheckOptions {
            max_steps,
            max_bytes,
            threads,
            ..CheckOptions::default()
        };
        let one = fingerprints(&corpus, &opts(1));
        let again = fingerprints(&corpus, &opts(1));
        let many = fingerprints(&corpus, &opts(4));
        assert_eq!(one, again, "max_steps={max_steps} max_bytes={max_bytes}");
        assert_eq!(one, many, "max_steps={max_steps} max_bytes={max_bytes}");
        let unknown = one.iter().filter(|r| r.1 == Verdict::Unknown).count();
        if max_steps == linsim_checker::DEFAULT_MAX_STEPS {
            assert_eq!(
                unknown, 0,
                "the default budget decides every reference history"
            );
        } else {
            assert!(unknown > 0, "a small budget gives up on some histories");
        }
    }
}
