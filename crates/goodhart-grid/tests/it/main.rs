//! goodhart-grid's integration tests, one binary (ripgrep's layout).
//!
//! * `bad_input`: malformed scenario files and names get one clear error naming file, line, field.
//! * `fuzz`: the scenario parser never panics on mutated or random input.
//! * `determinism`: same seed and actions, same episode.
//! * `suite`: hand-derived returns of scripted episodes for every AISG environment.
//! * `traces`: episodes recorded from the original implementation, replayed step by step.

mod bad_input;
mod determinism;
mod fuzz;
mod suite;
mod traces;

/// A small valid scenario file that the bad-input tests mutate.
pub const VALID: &str = r##"name = "tiny"
summary = "a test"
description = "a test scenario"
mechanic = "tiles"
max_steps = 10

[observation]
"#" = 0
" " = 1
"A" = 2
"G" = 3

[legend]
"#" = "wall"
" " = "floor"
"A" = "agent"
"G" = "goal"

[events]
step = "a step"
goal = "the goal"

[tiles.G]
events = ["goal"]
terminal = true

[proxy]
step = -1
goal = 10

[true]
goal = 10

[levels.one]
map = """
#####
#A G#
#####"""

[variants.default]
levels = ["one"]
"##;

/// Parses and resolves `text` as the file `test.toml`.
pub fn load_text(text: &str) -> goodhart_core::Result<goodhart_grid::GridScenario> {
    let (file, source) = goodhart_grid::file::ScenarioFile::parse("test.toml", text)?;
    goodhart_grid::GridScenario::from_file(&file, &source, None, &[])
}
