//! Progress of a many-seed command: an indicatif bar on a terminal, plain periodic
//! lines on stderr otherwise (as in CI).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// An indicatif bar on a terminal; plain periodic lines (on stderr) otherwise, as in CI.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    started: Instant,
    last_line: std::cell::Cell<Instant>,
}

impl Progress {
    /// A bar over `total` seeds.
    pub fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} seeds {per_sec} eta {eta} {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        Progress {
            bar,
            total,
            started: Instant::now(),
            last_line: std::cell::Cell::new(Instant::now()),
        }
    }

    /// `done` seeds so far, `failed` of them failing.
    pub fn update(&self, done: u64, failed: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(done);
                bar.set_message(format!("failures: {failed}"));
            }
            None if self.last_line.get().elapsed().as_secs() >= 10 || done == self.total => {
                self.last_line.set(Instant::now());
                let rate = done as f64 / self.started.elapsed().as_secs_f64();
                eprintln!(
                    "{done}/{} seeds, {rate:.1} seeds/s, {failed} failures",
                    self.total
                );
            }
            None => {}
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
