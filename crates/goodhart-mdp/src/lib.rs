/*!
Exact analysis: compile finite scenarios to MDPs, solve them, and measure the gap.

Wherever a scenario is finite, goodhart computes its figures exactly, with no sampling noise:
the compiler enumerates a [`goodhart_core::FiniteModel`] from its initial distribution through
its exact transition probabilities into a sparse table ([`Mdp`]), and the solvers run on that
table. The central figure is the [`gap`]: the true return lost when an optimizer is given the
proxy instead of what we meant, as an interval over all proxy-optimal policies.

# Brief overview
* [`compile`] turns a model into a [`CompiledMdp`]: the table plus the model state of every
  index. [`CompileOptions`] bounds states and transitions ([`goodhart_core::Error::Limit`]).
* [`Mdp::rewards`] scores an [`goodhart_core::Objective`] on the table ([`Rewards`]).
* Solvers: [`backward_induction`] (finite horizon, the AISG's 100 undiscounted steps),
  [`value_iteration`] (parallel Jacobi sweeps), [`value_iteration_gauss_seidel`] and
  [`policy_iteration`] (discounted, [`DiscountedOptions`]); exact
  evaluation of any [`Policy`] with [`evaluate_finite`] / [`evaluate_discounted`].
* [`gap`] computes proxy-optimal, true-optimal and random returns and the gaps
  ([`GapReport`]), by [`lexicographic`] dynamic programming; [`most_likely_path`] extracts the
  trajectory a renderer shows.
* [`write_prism`], [`write_drn`], [`write_json`] and [`write_npy`] export the table for
  PRISM, Storm or a script.
* [`factored`] solves, exactly, models too large to tabulate whose state is a small base state
  plus independent binary components (tomato watering), after checking that form against the
  model's own successor lists.
* [`stencil`] compresses a table whose choices repeat (every grid) into patterns and runs of
  states ([`StencilTable`]), whose sweep reads little more than the value vector;
  [`value_iteration_stencil`] uses it when the conversion applies.
* [`synthetic`] generates the large stochastic gridworld of the speed benchmark.

Parallel sweeps give bit-identical results for any thread count, and ties between optimal
actions are broken by one documented rule ([`greedy`]: the lowest action index within
[`TIE_TOLERANCE`] of the best, relative).

# Example
```
use goodhart_mdp::{CompileOptions, GapOptions, compile, gap};

let boat = goodhart_grid::catalog::load("boat_race", &[])?;
let compiled = compile(&*boat, &CompileOptions::default())?;
let report = gap(&compiled.mdp, &GapOptions::default())?;
// Laps and shuttling over one checkpoint both earn the maximal reward of 50 ...
assert_eq!(report.proxy_optimal.proxy_return, 50.0);
// ... but only laps make progress: the worst proxy-optimal policy scores 0, laps 100.
assert_eq!((report.proxy_optimal.true_min, report.true_optimal.true_return), (0.0, 100.0));
assert_eq!(report.gap_pessimistic, 100.0);
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/
#![deny(missing_docs)]

mod bellman;
mod compile;
mod discounted;
mod export;
pub mod factored;
mod finite;
mod gap;
mod live;
mod path;
mod policy;
pub mod stencil;
pub mod synthetic;

pub use crate::bellman::{TIE_TOLERANCE, greedy, tie_tolerance};
pub use crate::compile::{
    CompileOptions, CompiledMdp, Mdp, Rewards, TERMINAL, Transition, compile,
};
pub use crate::discounted::{
    DiscountedOptions, DiscountedSolution, bellman_sweep, greedy_policy, policy_iteration,
    value_iteration, value_iteration_gauss_seidel,
};
pub use crate::export::{write_drn, write_json, write_npy, write_prism};
pub use crate::finite::{FiniteSolution, backward_induction};
pub use crate::gap::{
    GapOptions, GapReport, Interval, Lexicographic, ProxyOptimal, RandomReturns, TrueOptimal, gap,
    lexicographic,
};
pub use crate::live::LiveTable;
pub use crate::path::{Path, most_likely_path};
pub use crate::policy::{
    DeterministicPolicy, Policy, StochasticPolicy, Uniform, evaluate_discounted, evaluate_finite,
    start_value,
};
pub use crate::stencil::{StencilDeclined, StencilOptions, StencilTable, value_iteration_stencil};
