//! Progress of long commands (`seed`, the first `demo` start, `bench`): a bar with count, rate
//! and time left on a terminal; a plain line every few seconds when output goes to a log.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
    total: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    pub fn new(label: &'static str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{wide_bar}] {human_pos}/{human_len} {per_sec} ({eta} left)")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label);
            bar
        });
        let now = Instant::now();
        Self { bar, label, total, done: 0, started: now, last_line: now }
    }

    pub fn advance(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        } else if self.last_line.elapsed() >= PLAIN_EVERY {
            self.last_line = Instant::now();
            eprintln!("{}", self.line());
        }
    }

    /// `label: done/total (rate/s, about N s left)`.
    fn line(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.done as f64 / seconds;
        let left = if rate > 0.0 { (self.total.saturating_sub(self.done)) as f64 / rate } else { 0.0 };
        format!("{}: {}/{} ({rate:.0}/s, about {left:.0} s left)", self.label, self.done, self.total)
    }

    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_line_says_count_rate_and_time_left() {
        let mut progress = Progress::new("seeding", 1_000);
        progress.bar = None;
        progress.started = Instant::now() - Duration::from_secs(10);
        progress.done = 250;
        let line = progress.line();
        assert!(line.starts_with("seeding: 250/1000 (25/s, about 30 s left)"), "{line}");
    }
}
