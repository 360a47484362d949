//! `goodhart play`.

use super::ScenarioArgs;

/// Arguments of `play`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed of the episode's random draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("play is not built yet")
}
