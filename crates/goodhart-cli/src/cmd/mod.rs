//! One module per subcommand, plus the arguments they share.

use std::sync::Arc;

use goodhart_grid::{GridScenario, catalog};

pub mod bench;
pub mod export;
pub mod export_results;
pub mod gap;
pub mod list;
pub mod merge;
pub mod perf;
pub mod play;
pub mod render;
pub mod replay;
pub mod report;
pub mod run;
pub mod show;
pub mod solve;
pub mod train;

/// `SCENARIO[:VARIANT]` and `--set NAME=VALUE`, shared by every command that loads a scenario.
#[derive(clap::Args, Debug, Clone)]
pub struct ScenarioArgs {
    /// Scenario name, optionally with a variant (`boat_race`, `distributional_shift:test_v1`),
    /// or a path to a scenario file.
    pub scenario: String,
    /// Set a scenario parameter (repeatable), e.g. `--set noops=true --set supervisor=false`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioArgs {
    /// Loads the scenario with its overrides.
    pub fn load(&self) -> anyhow::Result<Arc<GridScenario>> {
        let overrides = catalog::parse_set(&self.set)?;
        Ok(catalog::load(&self.scenario, &overrides)?)
    }
}
