//! Progress of a sweep: an indicatif bar (runs done, runs/s, ETA) on a terminal, plain log lines
//! otherwise (CI logs, pipes, cluster job output).

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::store::{RunFailure, RunRecord};

/// How to show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, log lines otherwise.
    #[default]
    Auto,
    /// Always the bar.
    Bar,
    /// Always log lines.
    Lines,
    /// Nothing.
    Quiet,
}

/// Reports runs as they finish.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: usize,
    done: usize,
    start: Instant,
}

impl Progress {
    /// A reporter for `total` runs to do.
    pub fn new(mode: ProgressMode, total: usize) -> Progress {
        let mode = match mode {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Lines,
            m => m,
        };
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::new(total as u64);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:32.cyan/blue} {pos}/{len} runs  \
                 {per_sec}  ETA {eta}  {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            lines: mode == ProgressMode::Lines,
            total,
            done: 0,
            start: Instant::now(),
        }
    }

    /// A run has been stored.
    pub fn finished(&mut self, rec: &RunRecord) {
        self.done += 1;
        let summary = match &rec.result {
            Ok(r) => {
                let o = &r.outcome;
                let mut s = format!("proxy {} true {}", num(o.proxy_return), num(o.true_return));
                if let Some(g) = o.gap_pessimistic {
                    s.push_str(&format!(" gap {}", num(g)));
                }
                s
            }
            Err(RunFailure::NotApplicable(e)) => format!("not applicable: {e}"),
            Err(RunFailure::Failed(e)) => format!("FAILED: {e}"),
        };
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}: {summary}", rec.run.label()));
            bar.inc(1);
            if matches!(rec.result, Err(RunFailure::Failed(_))) {
                bar.println(format!("{}: {summary}", rec.run.label()));
            }
        } else if self.lines {
            let elapsed = self.start.elapsed().as_secs_f64();
            let rate = self.done as f64 / elapsed.max(1e-9);
            let eta = (self.total - self.done) as f64 / rate.max(1e-9);
            eprintln!(
                "[{}/{} {:.1} runs/s ETA {:.0}s] {} ({:.2}s): {summary}",
                self.done,
                self.total,
                rate,
                eta,
                rec.run.label(),
                rec.seconds
            );
        }
    }

    /// The sweep is over.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Prints a line without breaking the bar.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

fn num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}
