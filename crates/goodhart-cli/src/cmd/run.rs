//! `goodhart run`: run an experiment spec into the results store.

use std::path::PathBuf;

use goodhart_lab::{Experiment, ProgressMode, Registry, RunOptions, Shard, Store, runner};

/// Arguments of `run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The experiment spec (TOML); see experiments/example.toml.
    pub spec: PathBuf,
    /// The results store (SQLite); created if missing, finished runs are skipped.
    #[arg(long, default_value = goodhart_lab::DEFAULT_STORE)]
    pub store: PathBuf,
    /// Run only shard I of N (1-based), e.g. `--shard 2/8` in a cluster job array; combine the
    /// shard stores with `goodhart merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Worker threads (default: RAYON_NUM_THREADS or every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How to show progress.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Progress {
    /// A bar on a terminal, log lines otherwise.
    Auto,
    /// The progress bar.
    Bar,
    /// One log line per run.
    Lines,
    /// Nothing.
    Quiet,
}

impl From<Progress> for ProgressMode {
    fn from(p: Progress) -> Self {
        match p {
            Progress::Auto => ProgressMode::Auto,
            Progress::Bar => ProgressMode::Bar,
            Progress::Lines => ProgressMode::Lines,
            Progress::Quiet => ProgressMode::Quiet,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    let experiment = Experiment::read(&args.spec, &registry)?;
    let mut store = Store::open(&args.store)?;
    let options = RunOptions {
        shard: args.shard,
        threads: args.threads,
        progress: args.progress.into(),
    };
    let summary = runner::run(&experiment, &mut store, &registry, &options)?;
    print_summary(&experiment.name, &args.store, &summary, args.json);
    if summary.failed > 0 {
        anyhow::bail!(
            "{} of {} runs failed (recorded in {}; a re-run retries them)",
            summary.failed,
            summary.total,
            args.store.display()
        );
    }
    Ok(())
}

/// Prints what a sweep did, for people or as JSON.
pub fn print_summary(name: &str, store: &std::path::Path, s: &goodhart_lab::Summary, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::json!({
                "experiment": name,
                "store": store.display().to_string(),
                "total": s.total,
                "skipped": s.skipped,
                "finished": s.finished,
                "failed": s.failed,
                "not_applicable": s.not_applicable,
                "seconds": s.seconds,
            })
        );
    } else {
        println!(
            "{name}: {} runs, {} already stored, {} finished now, {} failed, {} not applicable, \
             {:.1} s → {}",
            s.total,
            s.skipped,
            s.finished,
            s.failed,
            s.not_applicable,
            s.seconds,
            store.display()
        );
    }
}
