//! Checks one history file and prints the verdict and time: a quick profiling target.
//! `cargo run --release -p linsim-checker --example probe -- FILE [MODEL]`
use linsim_checker::formats::read_file;
use linsim_checker::*;

fn main() {
    let path = std::env::args().nth(1).expect("usage: probe FILE [MODEL]");
    let (h, format) =
        read_file(std::path::Path::new(&path), None).unwrap_or_else(|e| panic!("{e}"));
    let model = std::env::args()
        .nth(2)
        .or(format.default_model().map(String::from))
        .unwrap_or_else(|| "cas-register".into());
    for _ in 0..3 {
        let r = check_named(&model, &h, &CheckOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        println!("{} {} {:.1}ms", path, r.verdict, r.check_ms);
    }
}
