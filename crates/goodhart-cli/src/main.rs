//! `goodhart`: the laboratory for specification gaming, on the command line. This binary only
//! parses arguments and calls the library crates.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// goodhart: optimizers on a proxy, scored on what we meant.
#[derive(Parser)]
#[command(name = "goodhart", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The specification-gaming benchmark: every scenario × every optimizer, then the report.
    Bench(cmd::bench::Args),
    /// Run an experiment spec (TOML) into the results store.
    Run(cmd::run::Args),
    /// Write the static HTML report of a results store.
    Report(cmd::report::Args),
    /// Combine the stores of a sharded sweep.
    Merge(cmd::merge::Args),
    /// Export run outcomes as CSV, one row per run with its parameters as columns.
    ExportResults(cmd::export_results::Args),
    /// List every scenario and variant with a one-line summary.
    List(cmd::list::Args),
    /// Show a scenario: the map, the events, both objectives, the step limit, the parameters.
    Show(cmd::show::Args),
    /// Run an action sequence and print rewards, true rewards and events.
    Replay(cmd::replay::Args),
    /// Render an episode to a GIF (animation), SVG or PNG (one frame).
    Render(cmd::render::Args),
    /// Play a scenario in the terminal with the arrow keys.
    Play(cmd::play::Args),
    /// Compile a scenario to an MDP and solve it exactly for the proxy or the true objective.
    Solve(cmd::solve::Args),
    /// The specification-gaming gap: true return lost by proxy-optimal policies (exact).
    Gap(cmd::gap::Args),
    /// Export the compiled MDP (PRISM explicit format or JSON) for PRISM, Storm or scripts.
    Export(cmd::export::Args),
    /// Measure speed (environment stepping, ...).
    Perf(cmd::perf::Args),
    /// Train a tabular learner (q-learning, sarsa, expected-sarsa, double-q) on the proxy and
    /// score it on both objectives; plot the learning curve.
    Train(cmd::train::Args),
}

/// Dies quietly on a closed pipe (`goodhart list | head`), as command-line tools do, instead of
/// panicking on the failed write.
#[cfg(unix)]
#[allow(unsafe_code)]
fn restore_sigpipe() {
    // SAFETY: called once at the start of main, before any thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(a) => cmd::bench::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Merge(a) => cmd::merge::run(a),
        Command::ExportResults(a) => cmd::export_results::run(a),
        Command::List(a) => cmd::list::run(a),
        Command::Show(a) => cmd::show::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Render(a) => cmd::render::run(a),
        Command::Play(a) => cmd::play::run(a),
        Command::Perf(a) => cmd::perf::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Solve(a) => cmd::solve::run(a),
        Command::Gap(a) => cmd::gap::run(a),
        Command::Export(a) => cmd::export::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
