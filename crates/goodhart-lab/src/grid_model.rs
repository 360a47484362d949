//! The exact model of a grid scenario for finite-horizon analysis: a flat table when it fits
//! the limits, else the factored form when the scenario's items are independent binary
//! components (tomato watering). The CLI's `gap`/`solve` and the lab's exact optimizer share it
//! so that they always analyse a scenario the same way.

use goodhart_core::{Action, Error, FiniteModel, Result, Trajectory, TrajectoryStep};
use goodhart_grid::{GridScenario, GridState};

use goodhart_mdp::factored::{FactorOptions, FactoredMdp, factor};
use goodhart_mdp::{CompileOptions, CompiledMdp, GapOptions, GapReport, Path, compile, gap};

/// An exact model of a grid scenario.
pub enum GridModel {
    /// The compiled table.
    Flat(CompiledMdp<GridState>),
    /// Base states (items cleared) and one bit per item.
    Factored(FactoredMdp<GridState>),
}

fn split(s: &GridState) -> (GridState, u64) {
    (GridState { items: 0, ..*s }, s.items)
}

fn join(b: &GridState, x: u64) -> GridState {
    GridState { items: x, ..*b }
}

/// Whether some action from an initial state has so many outcomes that the flat table will be
/// huge; then the factored form is tried first, since building the flat one would take minutes
/// before hitting the limits.
fn wide(s: &GridScenario) -> bool {
    let mut init = Vec::new();
    s.initial_states(&mut init);
    let mut out = Vec::new();
    init.iter().take(4).any(|(st, _)| {
        (0..s.num_actions).any(|a| {
            out.clear();
            s.successors(st, a, &mut out);
            out.len() >= 256
        })
    })
}

impl GridModel {
    /// The flat table if it fits `limits` (states beyond the step limit are not expanded), else
    /// the factored form if the scenario has it, else the flat compiler's
    /// [`Error::Limit`].
    pub fn build(s: &GridScenario, limits: &CompileOptions) -> Result<GridModel> {
        let factored = || factor(s, split, join, &FactorOptions::default());
        if wide(s)
            && let Ok(f) = factored()
        {
            return Ok(GridModel::Factored(f));
        }
        let options = CompileOptions {
            max_depth: Some(s.max_steps),
            ..*limits
        };
        match compile(s, &options) {
            Ok(c) => Ok(GridModel::Flat(c)),
            Err(Error::Limit(msg)) => match factored() {
                Ok(f) => Ok(GridModel::Factored(f)),
                Err(_) => Err(Error::Limit(msg)),
            },
            Err(e) => Err(e),
        }
    }

    /// The exact gap.
    pub fn gap(&self, options: &GapOptions) -> Result<GapReport> {
        match self {
            GridModel::Flat(c) => gap(&c.mdp, options),
            GridModel::Factored(f) => f.gap(options),
        }
    }

    /// The scenario state of index `i` of a path.
    pub fn state(&self, i: u32) -> GridState {
        match self {
            GridModel::Flat(c) => c.states[i as usize],
            GridModel::Factored(f) => {
                let (b, x) = f.state(i);
                join(b, x)
            }
        }
    }

    /// A path as a replayable trajectory and its states.
    pub fn trajectory(&self, path: &Path) -> (Trajectory, Vec<GridState>) {
        path_trajectory(path, |i| self.state(i))
    }
}

/// A solver's path as a replayable trajectory, and its states by `state(index)`.
pub fn path_trajectory(
    path: &Path,
    state: impl Fn(u32) -> GridState,
) -> (Trajectory, Vec<GridState>) {
    let steps = path
        .actions
        .iter()
        .enumerate()
        .map(|(i, &a)| TrajectoryStep {
            action: Action::from_index(a as usize).unwrap_or(Action::Noop),
            proxy_reward: path.proxy_rewards[i],
            true_reward: path.true_rewards[i],
            events: Default::default(),
        })
        .collect();
    let traj = Trajectory {
        seed: 0,
        steps,
        terminated: path.terminated,
        truncated: !path.terminated,
    };
    (traj, path.states.iter().map(|&i| state(i)).collect())
}
