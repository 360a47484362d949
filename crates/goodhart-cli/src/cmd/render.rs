//! `goodhart render`.

use super::ScenarioArgs;

/// Arguments of `render`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Actions, as for `replay`.
    #[arg(long, allow_hyphen_values = true, default_value = "")]
    pub actions: String,
    /// Seed of the episode's random draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file: `.gif` (the animated episode), `.svg` or `.png` (the last frame).
    #[arg(long)]
    pub out: std::path::PathBuf,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("render is not built yet")
}
