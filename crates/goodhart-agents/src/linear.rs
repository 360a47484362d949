//! A linear Q-learner: function approximation over the observation, for goal
//! misgeneralization (Langosco et al. 2022, the seed scenario `coinrun`).
//!
//! The features are the observation one-hot coded, one indicator per (cell, observation code),
//! plus a bias: Q(o, a) = w_a · φ(o). Tabular learners key a table by the whole observation and
//! know nothing about one they never saw; this learner generalizes, so it can be trained on one
//! variant and deployed on another. Training is semi-gradient Q-learning, undiscounted by
//! default, with ε-greedy exploration decayed linearly over the episodes and random tie-breaks
//! (both from a seeded stream, so a run is reproducible); the step size is divided by the
//! number of active features. A truncated episode bootstraps from its last observation (the
//! time left is not observed); a terminated one does not.
//!
//! [`LinearQ::evaluate`] scores the greedy policy (lowest action index among ties) exactly on
//! any compiled variant of the scenario, by the observation of each state.

use std::sync::Arc;

use goodhart_core::{Env, Error, Objective, Result, Sampler, seed};
use goodhart_grid::{GridEnv, GridScenario};

use crate::{EpisodeRecord, SafetyEvents};
use goodhart_mdp::{CompileOptions, DeterministicPolicy, compile, evaluate_finite, start_value};

/// Settings of [`train_linear`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearConfig {
    /// Training episodes.
    pub episodes: u64,
    /// Step size (divided by the number of active features).
    pub alpha: f64,
    /// Discount.
    pub gamma: f64,
    /// Exploration at the first episode.
    pub epsilon_start: f64,
    /// Exploration at the last episode.
    pub epsilon_end: f64,
    /// Seed of the env draws and of exploration.
    pub seed: u64,
}

impl Default for LinearConfig {
    fn default() -> Self {
        LinearConfig {
            episodes: 10_000,
            alpha: 0.2,
            gamma: 1.0,
            epsilon_start: 1.0,
            epsilon_end: 0.05,
            seed: 0,
        }
    }
}

/// A linear action-value function over one-hot observation features.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearQ {
    num_actions: usize,
    obs_len: usize,
    codes: usize,
    /// Per action: `obs_len * codes` feature weights, then the bias.
    weights: Vec<f64>,
}

/// What the greedy policy of a [`LinearQ`] achieves on one scenario variant, exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearEvaluation {
    /// Expected proxy return.
    pub proxy_return: f64,
    /// Expected true return.
    pub true_return: f64,
}

impl LinearQ {
    /// Zero weights for `scenario`'s observations and actions.
    pub fn new(scenario: &GridScenario) -> Self {
        let obs_len = scenario.world.cells();
        let codes = usize::from(scenario.obs_max) + 1;
        LinearQ {
            num_actions: scenario.num_actions,
            obs_len,
            codes,
            weights: vec![0.0; scenario.num_actions * (obs_len * codes + 1)],
        }
    }

    fn row(&self, a: usize) -> &[f64] {
        let n = self.obs_len * self.codes + 1;
        &self.weights[a * n..(a + 1) * n]
    }

    /// Q(obs, a).
    pub fn q(&self, obs: &[u8], a: usize) -> f64 {
        let w = self.row(a);
        let mut v = w[self.obs_len * self.codes];
        for (i, &c) in obs.iter().enumerate() {
            v += w[i * self.codes + (c as usize).min(self.codes - 1)];
        }
        v
    }

    fn values(&self, obs: &[u8]) -> Vec<f64> {
        (0..self.num_actions).map(|a| self.q(obs, a)).collect()
    }

    /// The greedy action: the lowest index among the best.
    pub fn greedy(&self, obs: &[u8]) -> usize {
        let q = self.values(obs);
        let best = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        q.iter().position(|&x| x == best).unwrap_or(0)
    }

    fn update(&mut self, obs: &[u8], a: usize, step: f64) {
        let n = self.obs_len * self.codes + 1;
        let scaled = step / (self.obs_len + 1) as f64;
        let w = &mut self.weights[a * n..(a + 1) * n];
        w[n - 1] += scaled;
        for (i, &c) in obs.iter().enumerate() {
            w[i * self.codes + (c as usize).min(self.codes - 1)] += scaled;
        }
    }

    /// The expected proxy and true return of the greedy policy on `scenario` (any variant
    /// with the same board size and actions), and of `extra` objectives, exactly.
    pub fn evaluate(
        &self,
        scenario: &GridScenario,
        extra: &[&Objective],
    ) -> Result<(LinearEvaluation, Vec<f64>)> {
        if scenario.world.cells() != self.obs_len || scenario.num_actions != self.num_actions {
            return Err(Error::invalid_value(
                "scenario",
                scenario.id(),
                "a variant with the board size and actions the learner was trained on",
            ));
        }
        let c = compile(scenario, &CompileOptions::default())?;
        let mut obs = vec![0u8; self.obs_len];
        let actions = c
            .states
            .iter()
            .map(|st| {
                crate::grid::observation(scenario, st, &mut obs);
                self.greedy(&obs) as u8
            })
            .collect();
        let policy = DeterministicPolicy::stationary(actions);
        let m = &c.mdp;
        let h = m.horizon();
        let value = |o: &Objective| -> Result<f64> {
            Ok(start_value(
                m,
                &evaluate_finite(m, &m.rewards(o), &policy, h, 1.0)?,
            ))
        };
        let eval = LinearEvaluation {
            proxy_return: value(m.proxy())?,
            true_return: value(m.true_objective())?,
        };
        let extra = extra
            .iter()
            .map(|o| value(o))
            .collect::<Result<Vec<f64>>>()?;
        Ok((eval, extra))
    }
}

/// Trains a [`LinearQ`] on `scenario` from its proxy reward.
pub fn train_linear(scenario: &Arc<GridScenario>, config: &LinearConfig) -> Result<LinearQ> {
    train_linear_recorded(scenario, config).map(|(q, _)| q)
}

/// Trains a [`LinearQ`] on `scenario` from its proxy reward, recording every episode (proxy
/// and true return, length, safety events) for the learning curve.
pub fn train_linear_recorded(
    scenario: &Arc<GridScenario>,
    config: &LinearConfig,
) -> Result<(LinearQ, Vec<EpisodeRecord>)> {
    if !(config.alpha > 0.0 && (0.0..=1.0).contains(&config.gamma)) {
        return Err(Error::invalid_value(
            "alpha, gamma",
            format!("{}, {}", config.alpha, config.gamma),
            "alpha > 0 and gamma in [0, 1]",
        ));
    }
    let mut q = LinearQ::new(scenario);
    let mut records = Vec::with_capacity(config.episodes.min(1 << 20) as usize);
    let safety = SafetyEvents::new(&scenario.proxy, &scenario.true_objective);
    let mut env = GridEnv::new(scenario.clone());
    let mut rng = Sampler::new(seed::derive(config.seed, &[1]));
    let (mut obs, mut next) = (vec![0u8; q.obs_len], vec![0u8; q.obs_len]);
    let span = config.episodes.saturating_sub(1).max(1) as f64;
    for episode in 0..config.episodes {
        let frac = episode as f64 / span;
        let epsilon = config.epsilon_start + (config.epsilon_end - config.epsilon_start) * frac;
        env.reset(seed::derive(config.seed, &[0, episode]));
        env.observe(&mut obs);
        let mut rec = EpisodeRecord {
            episode,
            proxy_return: 0.0,
            true_return: 0.0,
            length: 0,
            safety_events: 0.0,
            terminated: false,
        };
        loop {
            let a = if rng.uniform() < epsilon {
                rng.below(q.num_actions)
            } else {
                let v = q.values(&obs);
                let best = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let ties: Vec<usize> = (0..v.len()).filter(|&i| v[i] == best).collect();
                ties[rng.below(ties.len())]
            };
            let step = env.step(a)?;
            rec.proxy_return += step.proxy_reward;
            rec.true_return += scenario.true_objective.evaluate(&step.events);
            rec.safety_events += safety.count(&step.events);
            rec.length += 1;
            env.observe(&mut next);
            let mut target = step.proxy_reward;
            if !step.terminated {
                let v = q.values(&next);
                target += config.gamma * v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            }
            let delta = target - q.q(&obs, a);
            q.update(&obs, a, config.alpha * delta);
            if step.done() {
                rec.terminated = step.terminated;
                break;
            }
            std::mem::swap(&mut obs, &mut next);
        }
        records.push(rec);
    }
    Ok((q, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coin(s: &GridScenario) -> Objective {
        Objective::from_pairs([("coin", 1.0)], &s.events).unwrap()
    }

    fn end(s: &GridScenario) -> Objective {
        Objective::from_pairs([("right_end", 1.0)], &s.events).unwrap()
    }

    /// Trained where the coin is always at the right end, the linear learner goes right; on
    /// levels with the coin anywhere it still goes right, and gets the coin only when it lies
    /// on its row (the exact right-end hypothesis: true 2.4, P(coin) 0.3).
    #[test]
    fn coinrun_goal_misgeneralization() {
        let train = goodhart_grid::catalog::load("coinrun:train", &[]).unwrap();
        let deploy = goodhart_grid::catalog::load("coinrun:deploy", &[]).unwrap();
        for seed in [0, 1] {
            let q = train_linear(
                &train,
                &LinearConfig {
                    seed,
                    ..LinearConfig::default()
                },
            )
            .unwrap();
            let (t, _) = q.evaluate(&train, &[]).unwrap();
            assert!((t.true_return - 9.4).abs() < 1e-9, "{t:?}");
            let (d, x) = q
                .evaluate(&deploy, &[&coin(&deploy), &end(&deploy)])
                .unwrap();
            assert!((x[1] - 1.0).abs() < 1e-9, "reaches the right end: {x:?}");
            assert!((x[0] - 0.3).abs() < 1e-9, "P(coin) {x:?}");
            assert!((d.true_return - 2.4).abs() < 1e-9, "{d:?}");
            // Where the coin lies on the way (the start row), it is collected.
            let mut init = Vec::new();
            goodhart_core::FiniteModel::initial_states(&*deploy, &mut init);
            let on_row = init
                .iter()
                .filter(|(st, _)| deploy.world.row_col(st.movers[0]).0 == 2);
            assert_eq!(on_row.count(), 6);
        }
    }

    #[test]
    fn training_is_reproducible() {
        let train = goodhart_grid::catalog::load("coinrun:train", &[]).unwrap();
        let c = LinearConfig {
            episodes: 200,
            seed: 5,
            ..LinearConfig::default()
        };
        assert_eq!(
            train_linear(&train, &c).unwrap(),
            train_linear(&train, &c).unwrap()
        );
    }
}
