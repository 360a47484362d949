//! `random`: the uniformly random policy, estimated by Monte Carlo rollouts of the simulator.
//! The baseline every gap is normalized against; needs nothing but the gridworld engine.

use goodhart_core::{Action, Env, Sampler, seed};
use goodhart_grid::GridEnv;
use serde_json::json;

use super::{Optimizer, Outcome, ParamInfo, RunContext, RunResult, Trace, gap};
use crate::error::Result;

/// The uniformly random policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

/// Running mean and variance (Welford).
#[derive(Default)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// 95% confidence half-width of the mean.
    fn ci95(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let var = self.m2 / (self.n - 1) as f64;
        1.96 * (var / self.n as f64).sqrt()
    }
}

impl Optimizer for Random {
    fn name(&self) -> &'static str {
        "random"
    }

    fn description(&self) -> &'static str {
        "uniformly random actions, estimated by Monte Carlo rollouts (the baseline)"
    }

    fn params(&self) -> Vec<ParamInfo> {
        vec![ParamInfo {
            name: "episodes",
            default: json!(1000),
            description: "episodes to roll out",
        }]
    }

    fn run(&self, ctx: &RunContext<'_>) -> Result<RunResult> {
        let episodes = ctx.params.u64_or("episodes", 1000).max(1);
        let s = ctx.scenario;
        let mut env = GridEnv::new(s.clone());
        let mut policy = Sampler::new(seed::derive(ctx.seed, &[u64::MAX]));
        let (mut proxy, mut truth) = (Moments::default(), Moments::default());
        let mut first: Option<Trace> = None;
        let mut actions = Vec::new();
        let every = (episodes / 100).max(1);
        for ep in 0..episodes {
            let ep_seed = seed::derive(ctx.seed, &[ep]);
            env.reset(ep_seed);
            let (mut p, mut t) = (0.0, 0.0);
            actions.clear();
            loop {
                let a = policy.below(s.num_actions);
                let step = env.step(a)?;
                if first.is_none() {
                    actions.push(Action::from_index(a).unwrap_or(Action::Noop));
                }
                p += step.proxy_reward;
                t += s.true_objective.evaluate(&step.events);
                if step.done() {
                    break;
                }
            }
            proxy.push(p);
            truth.push(t);
            if first.is_none() && ctx.record.trajectories {
                first = Some(Trace::replay("a random episode", s, ep_seed, &actions)?);
            }
            if ep % every == 0 {
                (ctx.progress)(ep as f64 / episodes as f64);
            }
        }
        let mut outcome = Outcome {
            proxy_return: proxy.mean,
            true_return: truth.mean,
            proxy_ci: Some(proxy.ci95()),
            true_ci: Some(truth.ci95()),
            exact: false,
            episodes: Some(episodes),
            ..Outcome::default()
        };
        if let Ok(Some(r)) = ctx.references.get(s) {
            let (g, n) = gap(r.best_true, r.random_true, truth.mean);
            outcome.best_true_return = Some(r.best_true);
            outcome.random_true_return = Some(r.random_true);
            outcome.gap_pessimistic = Some(g);
            outcome.gap_optimistic = Some(g);
            outcome.normalized_gap_pessimistic = n;
            outcome.normalized_gap_optimistic = n;
        }
        let artefacts = match first {
            Some(trace) => trace.artefacts(s, "episode")?,
            None => Vec::new(),
        };
        Ok(RunResult {
            outcome,
            curve: Vec::new(),
            artefacts,
        })
    }
}
