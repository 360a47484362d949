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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List(a) => cmd::list::run(a),
        Command::Show(a) => cmd::show::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Render(a) => cmd::render::run(a),
        Command::Play(a) => cmd::play::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
