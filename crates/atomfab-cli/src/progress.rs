//! Progress for long runs: a bar with ETA on a terminal, plain log lines (about every 5 %) otherwise.

#![allow(dead_code)] // the engines report through it as they are wired into `run`

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    next_log: u64,
    start: Instant,
}

impl Progress {
    pub fn new(label: &str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, ETA {eta})")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar, label: label.to_string(), total: total.max(1), next_log: 0, start: Instant::now() }
    }

    /// Reports that `done` of `total` units are complete.
    pub fn set(&mut self, done: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => {
                if done >= self.next_log {
                    let elapsed = self.start.elapsed().as_secs_f64();
                    let eta = if done > 0 { elapsed * (self.total - done.min(self.total)) as f64 / done as f64 } else { 0.0 };
                    eprintln!(
                        "{}: {done}/{} ({:.0} %), {elapsed:.1} s elapsed, ETA {eta:.1} s",
                        self.label,
                        self.total,
                        100.0 * done as f64 / self.total as f64
                    );
                    self.next_log = done + self.total.div_ceil(20);
                }
            }
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{}: done in {:.1} s", self.label, self.start.elapsed().as_secs_f64());
    }
}
