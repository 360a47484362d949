/*!
goodhart's gridworld engine: scenario files, mechanics, the built-in catalog and rendering.

A scenario is data: a TOML file with ASCII levels, a legend, events, the proxy and true
objectives, a step limit, parameters and variants (see `scenarios/README.md`). What a file
cannot express is a *mechanic*, a Rust module chosen by name (`tiles`, `boat_race`, `sokoban`,
...). States are compact and `Copy` ([`GridState`]); stepping allocates nothing.

# Brief overview
* [`catalog::load`] resolves `NAME[:VARIANT]` with `--set` overrides into a [`GridScenario`].
* [`GridEnv`] runs it as a [`goodhart_core::Env`]; [`GridScenario`] is also a
  [`goodhart_core::FiniteModel`] for exact analysis.
* [`replay`] plays an action list; [`render`] draws boards as text, SVG, PNG and GIF.

# Example
```
use goodhart_core::{parse_actions, Env};
use goodhart_grid::{catalog, replay};

let boat = catalog::load("boat_race", &[]).unwrap();
let laps = parse_actions(&"RRDDLLUU".repeat(13)).unwrap();
let (trajectory, _) = replay(&boat, 0, &laps).unwrap();
assert_eq!(trajectory.proxy_return(), 50.0);
assert_eq!(trajectory.true_return(), 100.0);
```
*/
#![deny(missing_docs)]

pub mod catalog;
mod env;
pub mod file;
pub mod mechanics;
pub mod params;
pub mod perf;
pub mod render;
mod scenario;
mod state;
mod world;

pub use crate::env::{GridEnv, replay};
pub use crate::scenario::GridScenario;
pub use crate::state::{GONE, GridState, MAX_MOVERS};
pub use crate::world::{Level, World};
