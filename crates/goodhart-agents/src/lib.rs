/*!
Learning optimizers: tabular agents that learn from the proxy reward by trial, and the batched
stepping they and the Python bindings run on.

Exact solvers (`goodhart-mdp`) show what a perfect optimizer of the proxy would do; learners
show the gaming as it emerges: the training curve where the proxy return rises while the true
return falls behind it.

# Brief overview
* [`VecEnv`]: N copies of an [`goodhart_core::Env`] stepped at once into structure-of-arrays
  buffers (observations, proxy and true rewards, events, done flags), with Gymnasium's
  `NEXT_STEP` autoreset, per-copy seeds from `seed::derive(seed, [copy, episode])`, optional
  rayon stepping bit-identical to serial, and no allocation per step.
* [`TableVecEnv`]: the same for a scenario that is deterministic after its reset, stepped
  through its compiled table (a lookup per step); bit-identical buffers. Both are
  [`Batched`].
* [`Agent`]: tabular Q-learning, SARSA, expected SARSA and double Q-learning over states keyed
  by the full observation ([`StateIndex`]); [`Exploration`] ε-greedy or Boltzmann with
  [`Decay`] linear or exponential. Every hyper-parameter and its default is in [`Hyper`]
  ([`Hyper::PARAMS`]).
* [`train()`]: episodes in synchronous rounds ([`Hyper::round`]) run by several env copies at
  once; the curve and table are bit-identical for any number of copies and threads (see
  *Training semantics* below). One [`EpisodeRecord`] per episode: proxy return, true return,
  length, safety events.
* [`Tabular`]: the learned table and its greedy policy ([`Unseen`] says what it does in an
  observation it never saw).
* [`grid`]: the learners on gridworld scenarios: exact value of the greedy policy on the
  compiled MDP ([`grid::Exact`]) or a Monte Carlo estimate, evaluation on another variant.
* [`plot::learning_curve_svg`]: both returns against episodes, with the exact optima dashed.
* [`perf`]: batched stepping and training throughput (`goodhart perf vec`).

# Training semantics
Episodes are numbered `0..episodes` and grouped into rounds of [`Hyper::round`] episodes. Every
episode of a round acts on the table as it was when the round started plus its own updates
(kept in a private copy-on-write overlay); when the round is over, its transitions are replayed
onto the table in episode order with the same rule, and observations first seen in the round
are interned in that order. A round of 1 is classic online learning. Episode `e` resets its env
with `seed::derive(seed, [0, e])` and draws its actions from `seed::derive(seed, [1, e])`, so
which env copy runs it, how many copies there are ([`TrainConfig::envs`]) and how many threads
rayon has change nothing (except for an env that remembers across episodes, such as friend or
foe's adaptive bandit, which [`grid::config`] runs on one copy). Time limits are not terminal:
a truncated step still bootstraps from the next observation.

# Example
```
use goodhart_agents::{Agent, Hyper, Unseen, grid};

let boat = goodhart_grid::catalog::load("boat_race", &[])?;
let hyper = Hyper { episodes: 300, ..Hyper::default() };
let config = grid::config(&boat, Agent::QLearning, hyper, 7, 1);
let training = grid::train_scenario(&boat, &config, &|_| {})?;
assert_eq!(training.records.len(), 300);
// The greedy policy earns the maximal proxy return of 50, whichever lap it settled on.
let exact = grid::Exact::compile(&boat, grid::DEFAULT_MAX_STATES)?;
let greedy = exact.evaluate(&boat, &training.table, Unseen::Nearest)?;
assert_eq!(exact.optima()?, (50.0, 100.0));
assert!(greedy.proxy_return >= 49.0);
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/
#![deny(missing_docs)]

mod batched;
pub mod grid;
mod hyper;
pub mod linear;
mod memo;
pub mod perf;
pub mod plot;
mod policy;
mod record;
mod rules;
mod table;
mod table_env;
mod train;
mod vec_env;

pub use crate::batched::{Batched, Buffers};
pub use crate::hyper::{Agent, Decay, Exploration, Hyper, ParamDoc};
pub use crate::memo::StateKey;
pub use crate::policy::{Tabular, Unseen};
pub use crate::record::{EpisodeRecord, SafetyEvents, smooth, tail_means};
pub use crate::rules::MAX_ACTIONS;
pub use crate::table::{StateIndex, ValueTable, hash_observation};
pub use crate::table_env::{MAX_OBSERVATION_BYTES, TableVecEnv};
pub use crate::train::{Drunk, STREAM_AGENT, STREAM_ENV, TrainConfig, Training, train};
pub use crate::vec_env::{VecEnv, VecEnvOptions};
