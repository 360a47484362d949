/*!
The vocabulary every other goodhart crate speaks.

goodhart puts an optimizer on a *proxy* objective and scores what it found on the *true*
objective we meant. Both are [`Objective`]s: weighted sums over named, numeric [`Event`]s that an
environment emits on every transition, so they can be swapped, compared, learned and verified.

# Brief overview
* [`Env`]: the agent-facing simulator API (`reset(seed)`, `step(action)`), with observations
  written into caller-owned buffers so stepping allocates nothing. Each [`Step`] carries the proxy
  reward the agent sees and the [`EventVec`] only an evaluator looks at.
* [`FiniteModel`]: a finite scenario that can be enumerated exactly; the compiler in
  `goodhart-mdp` turns it into a table. Chance enters through [`Chance`], implemented both by a
  seeded sampler ([`Sampler`]) and by an exhaustive enumerator, so the simulator and the compiled
  model share one piece of code.
* [`EventSet`], [`EventVec`], [`Objective`]: events and objectives over them.
* [`Action`]: an action index below [`MAX_ACTIONS`]; the first five are the gridworld moves
  (`up`, `down`, `left`, `right`, `noop`), the others are named by their scenario.
* [`Trajectory`]: one episode as it happened.
* [`seed`]: reproducible random streams derived from (experiment seed, run, env index).
* [`Error`]: one error type whose messages name the file, line and field at fault.

# Example
```
use goodhart_core::{EventSet, Objective};

let events = EventSet::new(["goal", "step"]).unwrap();
let proxy = Objective::parse_toml("{ goal = 50, step = -1 }", &events).unwrap();
let mut counts = events.zeros();
counts[events.index("step").unwrap()] = 1.0;
assert_eq!(proxy.evaluate(&counts), -1.0);
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/
#![deny(missing_docs)]

mod action;
mod chance;
mod env;
mod error;
mod event;
mod model;
mod objective;
pub mod seed;
mod trajectory;

pub use crate::action::{Action, MAX_ACTIONS, parse_actions};
pub use crate::chance::{Chance, Enumerator, Sampler};
pub use crate::env::{Env, Step};
pub use crate::error::{Error, Location, Result};
pub use crate::event::{Event, EventSet, EventVec, MAX_EVENTS};
pub use crate::model::{FiniteModel, Successor};
pub use crate::objective::Objective;
pub use crate::trajectory::{Trajectory, TrajectoryStep};
