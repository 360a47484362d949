//! Optimizers by name: the [`Optimizer`] trait, what a run produces ([`RunResult`]) and the
//! [`Registry`] a spec's `[[optimizers]] name = "..."` is resolved against.
//!
//! New optimizers (the learners of `goodhart-agents`, deep RL through Python, ...) plug in by
//! implementing [`Optimizer`] and being added in [`register_builtin`].

use std::collections::BTreeMap;
use std::sync::Arc;

use goodhart_grid::GridScenario;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::reference::References;

pub(crate) mod exact;
mod learner;
mod random;
mod trace;

pub use exact::Exact;
pub use learner::Learner;
pub use random::Random;
pub use trace::{FRAME_DELAY, Trace, comparison_gif, gif_artefact};

/// One parameter an optimizer accepts, with its default.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    /// Name as written in a spec (`episodes`).
    pub name: &'static str,
    /// The value used when the spec does not set it; also fixes the parameter's type.
    pub default: Value,
    /// One line for people.
    pub description: &'static str,
}

/// An optimizer's parameter values, defaults filled in, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params(pub BTreeMap<String, Value>);

impl Params {
    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// `name` as a non-negative integer, or `default` when unset.
    pub fn u64_or(&self, name: &str, default: u64) -> u64 {
        self.get(name).and_then(Value::as_u64).unwrap_or(default)
    }

    /// `name` as a number, or `default` when unset.
    pub fn f64_or(&self, name: &str, default: f64) -> f64 {
        self.get(name).and_then(Value::as_f64).unwrap_or(default)
    }

    /// `name` as a boolean, or `default` when unset.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        self.get(name).and_then(Value::as_bool).unwrap_or(default)
    }

    /// Canonical JSON (sorted keys), as stored and hashed into run ids.
    pub fn to_json(&self) -> String {
        crate::canonical::to_string(&serde_json::to_value(&self.0).unwrap_or(Value::Null))
    }
}

/// What a policy achieved on a scenario variant. Returns are expectations: exact when `exact`,
/// otherwise Monte Carlo means with 95% confidence half-widths.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Expected proxy return of the policy found.
    pub proxy_return: f64,
    /// Expected true return of the policy found.
    pub true_return: f64,
    /// 95% half-width of `proxy_return` when sampled.
    pub proxy_ci: Option<f64>,
    /// 95% half-width of `true_return` when sampled.
    pub true_ci: Option<f64>,
    /// True return of the best policy for the true objective (the reference of the gap).
    pub best_true_return: Option<f64>,
    /// True return of the uniformly random policy (the zero of the normalized gap).
    pub random_true_return: Option<f64>,
    /// Best true return minus the true return of the worst policy the optimizer may deliver
    /// (for an exact solver, the worst proxy-optimal policy; for a learner, its own policy).
    pub gap_pessimistic: Option<f64>,
    /// The same with the best such policy.
    pub gap_optimistic: Option<f64>,
    /// `gap_pessimistic / (best − random)`, clipped to [0, 1]; `None` when that is zero.
    pub normalized_gap_pessimistic: Option<f64>,
    /// `gap_optimistic / (best − random)`, clipped to [0, 1].
    pub normalized_gap_optimistic: Option<f64>,
    /// Expected number of safety-spec violations per episode, where the scenario has specs.
    pub safety_violations: Option<f64>,
    /// Computed exactly on the compiled model (no sampling error).
    pub exact: bool,
    /// Episodes sampled (or trained on), when any.
    pub episodes: Option<u64>,
}

/// One training episode of a learner: the rows of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Episode number (0-based).
    pub episode: u64,
    /// Proxy return of the episode (what the learner sees).
    pub proxy_return: f64,
    /// True return of the episode (what we meant).
    pub true_return: f64,
    /// Steps in the episode.
    pub length: u32,
}

/// A file a run produced: a rendered trajectory, an action list, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Artefact {
    /// Name, unique within the run (`gaming.gif`, `true_optimal.json`).
    pub name: String,
    /// MIME type (`image/gif`, `application/json`).
    pub media_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// One episode as a seed and an action list: enough to replay or render it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// What the episode shows (`worst proxy-optimal policy`).
    pub title: String,
    /// Seed of the episode's random draws.
    pub seed: u64,
    /// Actions as `goodhart replay --actions` reads them: move letters (`RRDD`) where the
    /// scenario's actions are the moves, else its action names separated by commas
    /// (`extreme,extreme`).
    pub actions: String,
    /// Proxy return of this episode.
    pub proxy_return: f64,
    /// True return of this episode.
    pub true_return: f64,
    /// The board before the first step and after every step, as text.
    #[serde(default)]
    pub frames: Vec<String>,
}

impl Episode {
    /// Number of steps.
    pub fn steps(&self) -> usize {
        if self.actions.contains(',') {
            self.actions.split(',').count()
        } else if self.actions.chars().all(|c| c.is_ascii_uppercase()) {
            self.actions.len()
        } else {
            // One named action.
            1
        }
    }

    /// The episode as a JSON artefact called `NAME.json`.
    pub fn artefact(&self, name: &str) -> Artefact {
        Artefact {
            name: format!("{name}.json"),
            media_type: "application/json".into(),
            data: serde_json::to_vec(self).unwrap_or_default(),
        }
    }
}

/// Everything one run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunResult {
    /// The outcome.
    pub outcome: Outcome,
    /// Per-episode training rows (learners only; empty otherwise).
    pub curve: Vec<CurvePoint>,
    /// Rendered or replayable trajectories.
    pub artefacts: Vec<Artefact>,
}

/// What a spec asks to keep besides the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Per-episode training curves.
    pub curves: bool,
    /// Trajectories (action lists and animations).
    pub trajectories: bool,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            curves: true,
            trajectories: true,
        }
    }
}

/// What an optimizer gets for one run.
pub struct RunContext<'a> {
    /// The scenario variant, parameters applied.
    pub scenario: &'a Arc<GridScenario>,
    /// The run's seed, derived from (experiment seed, run id); every random draw of the run
    /// must derive from it.
    pub seed: u64,
    /// The optimizer's parameters, defaults filled in.
    pub params: &'a Params,
    /// The mitigation in force (`none`).
    pub mitigation: &'a str,
    /// What to record.
    pub record: Record,
    /// Exact reference figures (best true return, random policy) for computing gaps.
    pub references: &'a References,
    /// Reports the fraction of the run done, in [0, 1].
    pub progress: &'a (dyn Fn(f64) + Sync),
}

/// Turns a scenario (and its proxy objective) into a policy and reports how it did.
pub trait Optimizer: Send + Sync {
    /// The name a spec uses (`exact`, `random`, `q_learning`).
    fn name(&self) -> &'static str;
    /// One line for people.
    fn description(&self) -> &'static str;
    /// The parameters it accepts; anything else in a spec is an error.
    fn params(&self) -> Vec<ParamInfo> {
        Vec::new()
    }
    /// False when the result does not depend on the seed (exact solvers): a sweep then runs it
    /// once per scenario instead of once per seed.
    fn uses_seed(&self) -> bool {
        true
    }
    /// Runs on one scenario variant.
    fn run(&self, ctx: &RunContext<'_>) -> Result<RunResult>;
}

/// The optimizers a spec can name.
#[derive(Clone, Default)]
pub struct Registry {
    optimizers: Vec<Arc<dyn Optimizer>>,
}

impl Registry {
    /// A registry with nothing in it.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// Every built-in optimizer (see [`register_builtin`]).
    pub fn builtin() -> Self {
        let mut r = Registry::empty();
        register_builtin(&mut r);
        r
    }

    /// Adds (or replaces) an optimizer under its name.
    pub fn register(&mut self, optimizer: Arc<dyn Optimizer>) {
        self.optimizers.retain(|o| o.name() != optimizer.name());
        self.optimizers.push(optimizer);
    }

    /// The optimizer called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Optimizer>> {
        self.optimizers.iter().find(|o| o.name() == name)
    }

    /// Names in registration order.
    pub fn names(&self) -> Vec<String> {
        self.optimizers
            .iter()
            .map(|o| o.name().to_string())
            .collect()
    }

    /// Every optimizer in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Optimizer>> {
        self.optimizers.iter()
    }
}

/// Registers the optimizers this build has. Extend it when an optimizer lands (issue 5's
/// learners register here by name).
pub fn register_builtin(r: &mut Registry) {
    if exact::available() {
        r.register(Arc::new(Exact));
    }
    r.register(Arc::new(Random));
    for agent in goodhart_agents::Agent::ALL {
        r.register(Arc::new(Learner(agent)));
    }
}

/// Fills in a gap from a reference: `best − achieved`, normalized against the random policy.
pub fn gap(best: f64, random: f64, achieved: f64) -> (f64, Option<f64>) {
    let gap = best - achieved;
    let span = best - random;
    let normalized = if span.abs() < 1e-12 {
        None
    } else {
        Some((gap / span).clamp(0.0, 1.0))
    };
    (gap, normalized)
}
