//! Prints, for every reference history, the verdict, the search steps and the result's
//! fingerprint under a step budget: run it twice (idle, loaded) and diff the outputs.
//! `cargo run --release -p linsim-checker --example verdicts -- [MAX_STEPS [THREADS]]`
use linsim_checker::formats::read_file;
use linsim_checker::reference::{cases, checker_corpus_dir};
use linsim_checker::{check_named, CheckOptions, DEFAULT_MAX_STEPS};

fn main() {
    let arg = |i: usize| std::env::args().nth(i).and_then(|s| s.parse().ok());
    let opts = CheckOptions {
        max_steps: arg(1).unwrap_or(DEFAULT_MAX_STEPS),
        threads: arg(2).map_or(0, |t: u64| t as usize),
        ..CheckOptions::default()
    };
    let dir = checker_corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    let (mut ms, mut unknown) = (0.0, 0);
    for case in cases(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let (h, _) = read_file(&case.path, None).unwrap_or_else(|e| panic!("{e}"));
        let r = check_named(case.model, &h, &opts).unwrap_or_else(|e| panic!("{e}"));
        ms += r.check_ms;
        unknown += usize::from(r.verdict == linsim_checker::Verdict::Unknown);
        println!(
            "{} verdict={} steps={} fingerprint={:016x}",
            case.name,
            r.verdict,
            r.steps(),
            r.fingerprint()
        );
    }
    eprintln!(
        "max_steps={} unknown={unknown} total_check_ms={ms:.1}",
        opts.max_steps
    );
}
