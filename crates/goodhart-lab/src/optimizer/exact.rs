//! `exact`: the proxy-optimal policies, solved exactly on the compiled MDP (goodhart-mdp).
//! Reports the worst proxy-optimal policy (the pessimistic gap, the headline figure: what an
//! optimizer indifferent between equally rewarded policies may deliver) and records the
//! optimistic gap of the best one.

use goodhart_core::Action;
use goodhart_grid::{GridScenario, GridState};
use goodhart_mdp::{CompileOptions, GapOptions, Path};

use crate::GridModel;

use super::{Optimizer, Outcome, RunContext, RunResult, Trace, comparison_gif, gif_artefact};
use crate::error::{Error, Result};
use crate::reference::{Reference, ReferenceFn};

/// Exact backward induction on the compiled model, over the scenario's own step limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exact;

/// Whether this build can solve exactly.
pub fn available() -> bool {
    reference_fn().is_some()
}

/// The exact reference computation.
pub fn reference_fn() -> Option<ReferenceFn> {
    Some(reference)
}

/// Most reachable states of a flat table (the CLI's `--max-states` default).
pub const MAX_STATES: usize = 5_000_000;
/// Most stored transitions of a flat table (the CLI's `--max-transitions` default).
pub const MAX_TRANSITIONS: usize = 50_000_000;

/// Compiles `scenario` (a flat table expanded to its step limit, or the factored form of a
/// model too large to tabulate, as `goodhart gap` does) and computes its gap figures and the two
/// trajectories worth showing.
pub fn reference(scenario: &GridScenario) -> Result<Option<Reference>> {
    let limits = CompileOptions {
        max_states: MAX_STATES,
        max_transitions: MAX_TRANSITIONS,
        max_depth: None,
    };
    let model = GridModel::build(scenario, &limits)?;
    let report = model.gap(&GapOptions::default())?;
    let state = |i: u32| model.state(i);
    let trace = |title: &str, path: &Option<Path>| {
        path.as_ref().map(|p| {
            let states: Vec<GridState> = p.states.iter().map(|&i| state(i)).collect();
            let actions: Vec<Action> = p
                .actions
                .iter()
                .map(|&a| Action::from_index(a as usize).unwrap_or(Action::Noop))
                .collect();
            Trace::from_path(
                title,
                states,
                &actions,
                &p.proxy_rewards,
                &p.true_rewards,
                p.terminated,
            )
        })
    };
    Ok(Some(Reference {
        states: report.states as u64,
        exact: report.exact,
        proxy_optimal_proxy: report.proxy_optimal.proxy_return,
        proxy_optimal_true_min: report.proxy_optimal.true_min,
        proxy_optimal_true_max: report.proxy_optimal.true_max,
        best_true: report.true_optimal.true_return,
        random_proxy: report.random.proxy_return,
        random_true: report.random.true_return,
        gap_pessimistic: report.gap_pessimistic,
        gap_optimistic: report.gap_optimistic,
        normalized_gap_pessimistic: report.normalized_gap_pessimistic,
        normalized_gap_optimistic: report.normalized_gap_optimistic,
        gaming: trace("worst proxy-optimal policy", &report.worst_proxy_path),
        true_optimal: trace("a true-optimal policy", &report.true_optimal_path),
    }))
}

impl Optimizer for Exact {
    fn name(&self) -> &'static str {
        "exact"
    }

    fn description(&self) -> &'static str {
        "proxy-optimal policies by exact backward induction on the compiled MDP"
    }

    fn uses_seed(&self) -> bool {
        false
    }

    fn run(&self, ctx: &RunContext<'_>) -> Result<RunResult> {
        let s = ctx.scenario;
        let r = ctx
            .references
            .get(s)
            .map_err(|e| match e.too_large {
                true => Error::NotApplicable(format!("too large for exact analysis: {e}")),
                false => Error::Optimizer(e.message),
            })?
            .ok_or_else(|| {
                Error::NotApplicable("exact analysis is not available in this build".into())
            })?;
        let outcome = Outcome {
            proxy_return: r.proxy_optimal_proxy,
            true_return: r.proxy_optimal_true_min,
            best_true_return: Some(r.best_true),
            random_true_return: Some(r.random_true),
            gap_pessimistic: Some(r.gap_pessimistic),
            gap_optimistic: Some(r.gap_optimistic),
            normalized_gap_pessimistic: r.normalized_gap_pessimistic,
            normalized_gap_optimistic: r.normalized_gap_optimistic,
            exact: r.exact,
            ..Outcome::default()
        };
        let mut artefacts = Vec::new();
        if ctx.record.trajectories {
            if let Some(t) = &r.gaming {
                artefacts.extend(t.artefacts(s, "gaming")?);
            }
            if let Some(t) = &r.true_optimal {
                artefacts.extend(t.artefacts(s, "true_optimal")?);
            }
            if let (Some(a), Some(b)) = (&r.gaming, &r.true_optimal) {
                let gif = comparison_gif(s, a, b, ["proxy-optimal (worst)", "true-optimal"])?;
                artefacts.push(gif_artefact("comparison.gif", gif));
            }
        }
        Ok(RunResult {
            outcome,
            curve: Vec::new(),
            artefacts,
        })
    }
}
