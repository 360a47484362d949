//! `goodhart bench`: the specification-gaming benchmark (every built-in scenario × every
//! optimizer × default seeds) into the store, then the report.

use std::path::PathBuf;
use std::time::Instant;

use goodhart_lab::report::{self, ReportOptions};
use goodhart_lab::{Registry, RunOptions, Store, bench, runner};

use super::run::{Progress, print_summary};

/// Arguments of `bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A one-minute subset: each scenario's default variant, one seed, short rollouts.
    #[arg(long)]
    pub quick: bool,
    /// The results store; finished runs are skipped.
    #[arg(long, default_value = goodhart_lab::DEFAULT_STORE)]
    pub store: PathBuf,
    /// Report directory.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
    /// Worker threads (default: RAYON_NUM_THREADS or every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Print the built-in spec and exit.
    #[arg(long)]
    pub print_spec: bool,
    /// Exit with an error when any run failed (by default failures, such as a model too large
    /// for exact analysis, are reported and recorded, and the benchmark still succeeds).
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let registry = Registry::builtin();
    if args.print_spec {
        print!("{}", bench::spec_text(&registry, args.quick));
        return Ok(());
    }
    let experiment = bench::spec(&registry, args.quick)?;
    eprintln!(
        "goodhart bench{}: {} runs ({} scenario variants × optimizers {} × seeds) → {}",
        if args.quick { " --quick" } else { "" },
        experiment.runs.len(),
        experiment.scenarios.len(),
        registry.names().join(", "),
        args.store.display()
    );
    let mut store = Store::open(&args.store)?;
    let options = RunOptions {
        shard: None,
        threads: args.threads,
        progress: args.progress.into(),
    };
    let summary = runner::run(&experiment, &mut store, &registry, &options)?;
    let runs = store.runs(Some(&experiment.name))?;
    print!("{}", report::table::text(&report::gap_rows(&runs)));
    print_summary(&experiment.name, &args.store, &summary, false);
    let r = report::write(
        &store,
        &args.out,
        &ReportOptions {
            experiment: Some(experiment.name.clone()),
        },
    )?;
    println!(
        "report: {} ({} pages, {} images) · total {:.1} s",
        r.index.display(),
        r.pages,
        r.images,
        start.elapsed().as_secs_f64()
    );
    for r in runs.iter().filter(|r| r.status == "not_applicable") {
        eprintln!(
            "not applicable: {}:{} {}: {}",
            r.scenario,
            r.variant,
            r.optimizer,
            r.error.as_deref().unwrap_or("")
        );
    }
    let failed: Vec<_> = runs.iter().filter(|r| r.status == "failed").collect();
    if !failed.is_empty() {
        eprintln!(
            "{} run(s) failed (recorded in {}; a re-run retries them):",
            failed.len(),
            args.store.display()
        );
        for r in &failed {
            eprintln!(
                "  {}:{} {} seed={}: {}",
                r.scenario,
                r.variant,
                r.optimizer,
                r.seed,
                r.error.as_deref().unwrap_or("")
            );
        }
        if args.strict {
            anyhow::bail!("{} of {} runs failed", failed.len(), summary.total);
        }
    }
    Ok(())
}
