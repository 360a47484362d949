//! The tabular learners of `goodhart-agents` (`q-learning`, `sarsa`, `expected-sarsa`,
//! `double-q`): trained on the proxy, scored by the exact value of the final greedy policy on
//! the compiled MDP (or a Monte Carlo estimate where the scenario does not compile), with the
//! training curve.

use goodhart_agents::{Agent, Hyper, Unseen, grid};
use serde_json::Value;

use super::{CurvePoint, Optimizer, Outcome, ParamInfo, RunContext, RunResult, gap};
use crate::error::{Error, Result};

/// Largest model compiled to evaluate a learner's greedy policy exactly.
const MAX_STATES: usize = 250_000;
/// Rollouts of the greedy policy where the scenario does not compile.
const ROLLOUTS: u64 = 1000;

/// One tabular learner.
#[derive(Debug, Clone, Copy)]
pub struct Learner(pub Agent);

impl Optimizer for Learner {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn description(&self) -> &'static str {
        self.0.description()
    }

    fn params(&self) -> Vec<ParamInfo> {
        let defaults = serde_json::to_value(Hyper::default()).unwrap_or(Value::Null);
        Hyper::PARAMS
            .iter()
            .map(|p| ParamInfo {
                name: p.name,
                default: defaults[p.name].clone(),
                description: p.description,
            })
            .collect()
    }

    fn run(&self, ctx: &RunContext<'_>) -> Result<RunResult> {
        let s = ctx.scenario;
        let fail = |e: goodhart_core::Error| Error::Run {
            run_id: String::new(),
            what: s.id(),
            message: e.to_string(),
        };
        let params = Value::Object(ctx.params.0.clone().into_iter().collect());
        let hyper = Hyper::from_json(&params).map_err(fail)?;
        let config = grid::config(s, self.0, hyper, ctx.seed, 0);
        let training = grid::train_scenario(s, &config, ctx.progress).map_err(fail)?;
        let greedy = grid::evaluate(
            s,
            &training.table,
            Unseen::Nearest,
            MAX_STATES,
            ROLLOUTS,
            ctx.seed,
        )
        .map_err(fail)?;
        let mut outcome = Outcome {
            proxy_return: greedy.proxy_return,
            true_return: greedy.true_return,
            exact: greedy.exact,
            episodes: Some(hyper.episodes),
            ..Outcome::default()
        };
        if let Ok(Some(r)) = ctx.references.get(s) {
            let (g, n) = gap(r.best_true, r.random_true, greedy.true_return);
            outcome.best_true_return = Some(r.best_true);
            outcome.random_true_return = Some(r.random_true);
            outcome.gap_pessimistic = Some(g);
            outcome.gap_optimistic = Some(g);
            outcome.normalized_gap_pessimistic = n;
            outcome.normalized_gap_optimistic = n;
        }
        let curve = if ctx.record.curves {
            training
                .records
                .iter()
                .map(|r| CurvePoint {
                    episode: r.episode,
                    proxy_return: r.proxy_return,
                    true_return: r.true_return,
                    length: r.length,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(RunResult {
            outcome,
            curve,
            artefacts: Vec::new(),
        })
    }
}
