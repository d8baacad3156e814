//! Converts a history file to linsim JSON or Jepsen EDN in any layout, e.g. to add a
//! history to the test corpus.
//! `cargo run -p linsim-checker --example convert -- FILE json|edn|edn-pretty|edn-one-line`
use linsim_checker::formats::{read_file, write_edn_layout, write_json, EdnLayout};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, to] = args.as_slice() else {
        eprintln!("usage: convert FILE json|edn|edn-pretty|edn-one-line");
        return ExitCode::from(2);
    };
    let (h, _) = match read_file(std::path::Path::new(path), None) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match to.as_str() {
        "json" => write_json(&h),
        "edn" => write_edn_layout(&h, EdnLayout::Lines),
        "edn-pretty" => write_edn_layout(&h, EdnLayout::Pretty),
        "edn-one-line" => write_edn_layout(&h, EdnLayout::OneLine),
        other => {
            eprintln!("unknown target {other:?}");
            return ExitCode::from(2);
        }
    };
    print!("{text}");
    ExitCode::SUCCESS
}
