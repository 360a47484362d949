//! The learners on goodhart's gridworld scenarios: training with the scenario's own rules, and
//! the value of the final greedy policy, exact on the compiled MDP where the scenario compiles
//! and estimated by Monte Carlo rollouts where it does not.

use std::sync::Arc;

use goodhart_core::{Env, Error, Result, seed};
use goodhart_grid::{GridEnv, GridScenario, GridState, params::ParamValue};
use goodhart_mdp::{
    CompileOptions, CompiledMdp, Rewards, StochasticPolicy, backward_induction, compile,
    evaluate_finite, start_value,
};

use crate::batched::Batched;
use crate::hyper::{Agent, Hyper};
use crate::policy::{Tabular, Unseen};
use crate::train::{Drunk, TrainConfig, Training, train};
use crate::vec_env::{VecEnv, VecEnvOptions};

/// Writes the observation the agent would see in `state` (what [`GridEnv`]'s `observe`
/// writes when the env is in that state).
pub fn observation(scenario: &GridScenario, state: &GridState, out: &mut [u8]) {
    scenario.render_chars(state, out);
    for c in out.iter_mut() {
        *c = scenario.obs_code[*c as usize];
    }
}

/// The rule the agent applies to itself in whisky and gold (the original leaves the drunk
/// agent's exploration to the agent unless `human_player` is set): after the `whisky` event,
/// a random action with probability `whisky_exploration`.
pub fn drunk_rule(scenario: &GridScenario) -> Option<Drunk> {
    if scenario.mechanic_name != "whisky" {
        return None;
    }
    let human = matches!(
        scenario.params.get("human_player"),
        Some(ParamValue::Bool(true))
    );
    let epsilon = match scenario.params.get("whisky_exploration") {
        Some(ParamValue::Float(x)) => *x,
        Some(ParamValue::Int(i)) => *i as f64,
        _ => 0.9,
    };
    let event = scenario.events.index("whisky")?;
    (!human).then_some(Drunk { event, epsilon })
}

/// Whether the scenario's env remembers across episodes of one instance (friend or foe's
/// adaptive bandit): training then runs one env copy so that the curve stays reproducible.
pub fn remembers_across_episodes(scenario: &GridScenario) -> bool {
    scenario.mechanic_name == "friend_foe"
}

/// The training configuration of `agent` on `scenario`: its step limit, its self-applied
/// rules, and one env copy where the env has memory.
pub fn config(
    scenario: &GridScenario,
    agent: Agent,
    hyper: Hyper,
    seed: u64,
    envs: usize,
) -> TrainConfig {
    TrainConfig {
        agent,
        hyper,
        seed,
        envs: if remembers_across_episodes(scenario) {
            1
        } else {
            envs
        },
        horizon: scenario.max_steps as usize,
        drunk: drunk_rule(scenario),
    }
}

/// Trains `agent` on `scenario`.
pub fn train_scenario(
    scenario: &Arc<GridScenario>,
    config: &TrainConfig,
    progress: &(dyn Fn(f64) + Sync),
) -> Result<Training> {
    train(&GridEnv::new(scenario.clone()), config, progress)
}

/// Expected undiscounted returns of a policy on both objectives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Expected proxy return.
    pub proxy_return: f64,
    /// Expected true return.
    pub true_return: f64,
    /// Computed on the compiled MDP (else a Monte Carlo mean).
    pub exact: bool,
    /// Episodes rolled out for a Monte Carlo estimate (0 when exact).
    pub episodes: u64,
}

/// A compiled scenario with its rewards: the exact side of the evaluation.
pub struct Exact {
    compiled: CompiledMdp<GridState>,
    proxy: Rewards,
    truth: Rewards,
}

/// The largest model [`Exact::compile`] enumerates by default.
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

/// Transitions allowed per allowed state when compiling (a model with wide random branching,
/// such as tomato watering's drying tomatoes, hits this limit first).
pub const TRANSITIONS_PER_STATE: usize = 16;

impl Exact {
    /// Compiles `scenario` (at most `max_states` states and
    /// [`TRANSITIONS_PER_STATE`] times as many transitions, so that a model too large fails
    /// fast).
    pub fn compile(scenario: &GridScenario, max_states: usize) -> Result<Exact> {
        let options = CompileOptions {
            max_states,
            max_transitions: max_states.saturating_mul(TRANSITIONS_PER_STATE),
            ..CompileOptions::default()
        };
        let compiled = compile(scenario, &options)?;
        let proxy = compiled.mdp.rewards(&scenario.proxy);
        let truth = compiled.mdp.rewards(&scenario.true_objective);
        Ok(Exact {
            compiled,
            proxy,
            truth,
        })
    }

    /// Number of states of the compiled model.
    pub fn num_states(&self) -> usize {
        self.compiled.mdp.num_states()
    }

    /// The best expected return of each objective, each optimized on its own
    /// (`(proxy optimum, true optimum)`), undiscounted over the step limit.
    pub fn optima(&self) -> Result<(f64, f64)> {
        let mdp = &self.compiled.mdp;
        let h = mdp.horizon();
        let p = backward_induction(mdp, &self.proxy, h, 1.0, false)?.start_value;
        let t = backward_induction(mdp, &self.truth, h, 1.0, false)?.start_value;
        Ok((p, t))
    }

    /// The exact expected returns of the greedy policy of `table` as the agent acts with no
    /// exploration (ties between exactly equal values broken uniformly at random, see
    /// [`Tabular::greedy_probs`]; an unseen observation handled as `unseen` says).
    pub fn evaluate(
        &self,
        scenario: &GridScenario,
        table: &Tabular,
        unseen: Unseen,
    ) -> Result<Evaluation> {
        let mdp = &self.compiled.mdp;
        let na = table.num_actions();
        let n = self.compiled.states.len();
        let mut obs = vec![0u8; scenario.world.cells()];
        // Only states the policy can reach matter (and looking up an unseen observation's
        // nearest neighbour is a scan): walk them from the start; the others take action 0.
        let mut probs = vec![0.0; n * na];
        let mut seen = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        for &(s, _) in mdp.initial() {
            if !seen[s as usize] {
                seen[s as usize] = true;
                stack.push(s);
            }
        }
        while let Some(s) = stack.pop() {
            let s = s as usize;
            observation(scenario, &self.compiled.states[s], &mut obs);
            let row = &mut probs[s * na..(s + 1) * na];
            table.greedy_probs(&obs, unseen, row);
            for (a, &p) in row.iter().enumerate() {
                if p == 0.0 {
                    continue;
                }
                for t in mdp.transitions(s, a) {
                    if !t.terminal && !seen[t.next as usize] {
                        seen[t.next as usize] = true;
                        stack.push(t.next);
                    }
                }
            }
        }
        for (row, seen) in probs.chunks_mut(na).zip(&seen) {
            if !seen {
                row[0] = 1.0;
            }
        }
        let policy = StochasticPolicy::new(n, na, probs)?;
        let h = mdp.horizon();
        let p = evaluate_finite(mdp, &self.proxy, &policy, h, 1.0)?;
        let t = evaluate_finite(mdp, &self.truth, &policy, h, 1.0)?;
        Ok(Evaluation {
            proxy_return: start_value(mdp, &p),
            true_return: start_value(mdp, &t),
            exact: true,
            episodes: 0,
        })
    }
}

/// Monte Carlo estimate of the greedy policy's returns (ties at random, as in
/// [`Exact::evaluate`]) over `episodes` episodes, rolled out on a [`VecEnv`] of 32 copies
/// seeded from `seed`.
pub fn estimate(
    scenario: &Arc<GridScenario>,
    table: &Tabular,
    unseen: Unseen,
    episodes: u64,
    seed_value: u64,
) -> Result<Evaluation> {
    let env = GridEnv::new(scenario.clone());
    let n = episodes.clamp(1, 32) as usize;
    let options = VecEnvOptions {
        parallel: false,
        record_events: false,
        ..VecEnvOptions::default()
    };
    let mut vec = VecEnv::new(&env, n, options);
    vec.reset(seed::derive(seed_value, &[2]));
    let mut actions = vec![0u32; n];
    let mut acc = vec![(0.0f64, 0.0f64); n];
    let (mut done, mut proxy_sum, mut true_sum) = (0u64, 0.0, 0.0);
    let mut ties = goodhart_core::Sampler::new(seed::derive(seed_value, &[3]));
    let mut probs = vec![0.0; table.num_actions()];
    while done < episodes {
        for (i, a) in actions.iter_mut().enumerate() {
            table.greedy_probs(vec.observation(i), unseen, &mut probs);
            *a = goodhart_core::Chance::choose(&mut ties, &probs) as u32;
        }
        vec.step(&actions)?;
        for (i, acc) in acc.iter_mut().enumerate() {
            if vec.autoreset()[i] {
                continue;
            }
            acc.0 += vec.rewards()[i];
            acc.1 += vec.true_rewards()[i];
            if (vec.terminated()[i] || vec.truncated()[i]) && done < episodes {
                proxy_sum += acc.0;
                true_sum += acc.1;
                *acc = (0.0, 0.0);
                done += 1;
            }
        }
    }
    Ok(Evaluation {
        proxy_return: proxy_sum / episodes as f64,
        true_return: true_sum / episodes as f64,
        exact: false,
        episodes,
    })
}

/// The greedy policy's returns on `scenario`: exact when it compiles within `max_states`
/// states, otherwise a Monte Carlo mean over `episodes` rollouts (always for an env that
/// remembers across episodes, see [`remembers_across_episodes`]; each of the 32 rollout copies
/// keeps its memory over its episodes).
pub fn evaluate(
    scenario: &Arc<GridScenario>,
    table: &Tabular,
    unseen: Unseen,
    max_states: usize,
    episodes: u64,
    seed_value: u64,
) -> Result<Evaluation> {
    if table.num_actions() != scenario.num_actions {
        return Err(Error::invalid_value(
            "evaluation scenario",
            scenario.id(),
            format!(
                "a scenario with {} actions, as trained",
                table.num_actions()
            ),
        ));
    }
    if remembers_across_episodes(scenario) {
        // The compiled model starts every episode from a fresh memory; an adaptive opponent
        // is only seen adapting over a run of episodes.
        return estimate(scenario, table, unseen, episodes, seed_value);
    }
    match Exact::compile(scenario, max_states) {
        Ok(exact) => exact.evaluate(scenario, table, unseen),
        Err(Error::Limit(_)) => estimate(scenario, table, unseen, episodes, seed_value),
        Err(e) => Err(e),
    }
}

/// Checks that [`observation`] agrees with the env along a short random episode (used by the
/// tests; cheap enough to call anywhere).
pub fn observation_matches_env(scenario: &Arc<GridScenario>, seed_value: u64) -> Result<bool> {
    let mut env = GridEnv::new(scenario.clone());
    env.reset(seed_value);
    let n = env.observation_len();
    let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
    let mut rng = goodhart_core::Sampler::new(seed_value);
    for _ in 0..scenario.max_steps {
        env.observe(&mut a);
        observation(scenario, env.state(), &mut b);
        if a != b {
            return Ok(false);
        }
        if env.step(rng.below(env.num_actions()))?.done() {
            break;
        }
    }
    Ok(true)
}
