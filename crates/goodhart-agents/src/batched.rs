//! What every batched stepper offers: N copies stepped at once into structure-of-arrays
//! buffers with Gymnasium's `NEXT_STEP` autoreset, so that benchmarks, learners and bindings
//! can take either the engine ([`crate::VecEnv`]) or a compiled table
//! ([`crate::TableVecEnv`]).

use goodhart_core::{Error, MAX_EVENTS, Result};

/// N copies stepped at once (see [`crate::VecEnv`] for the buffers' layout, the autoreset
/// rule and the seeds, which every implementation follows).
pub trait Batched {
    /// Number of copies.
    fn len(&self) -> usize;
    /// Whether there are no copies.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Actions per step.
    fn num_actions(&self) -> usize;
    /// Bytes per observation.
    fn observation_len(&self) -> usize;
    /// Resets every copy: copy `i` starts its episode 0 with `seed::derive(seed, [i, 0])`.
    fn reset(&mut self, seed: u64) -> Result<()>;
    /// Steps every copy with its action, or resets it when its episode ended on the last step.
    fn step(&mut self, actions: &[u32]) -> Result<()>;
    /// Episodes started by copy `i` since the last reset.
    fn episodes_started(&self, i: usize) -> u64;
    /// The buffers the last step wrote.
    fn buffers(&self) -> &Buffers;
    /// Every copy's observation, copy after copy.
    fn observations(&self) -> &[u8] {
        &self.buffers().obs
    }
    /// Copy `i`'s observation.
    fn observation(&self, i: usize) -> &[u8] {
        let n = self.observation_len();
        &self.buffers().obs[i * n..(i + 1) * n]
    }
    /// Proxy rewards of the last step.
    fn rewards(&self) -> &[f64] {
        &self.buffers().rewards
    }
    /// True rewards of the last step (for evaluators; never for the agent).
    fn true_rewards(&self) -> &[f64] {
        &self.buffers().true_rewards
    }
    /// Events of the last step, `MAX_EVENTS` per copy (empty unless recorded).
    fn events(&self) -> &[f64] {
        &self.buffers().events
    }
    /// Which copies' episodes ended in a terminal state on the last step.
    fn terminated(&self) -> &[bool] {
        &self.buffers().terminated
    }
    /// Which copies' episodes hit the step limit on the last step.
    fn truncated(&self) -> &[bool] {
        &self.buffers().truncated
    }
    /// Which copies were reset (their action ignored) by the last step.
    fn autoreset(&self) -> &[bool] {
        &self.buffers().autoreset
    }
}

/// The structure-of-arrays buffers of a batched stepper. They are allocated once, by
/// [`Buffers::new`], and never resized, so their memory never moves while the stepper lives
/// (the Python bindings hand numpy views of them out).
#[derive(Debug, Clone)]
pub struct Buffers {
    pub(crate) obs: Vec<u8>,
    pub(crate) rewards: Vec<f64>,
    pub(crate) true_rewards: Vec<f64>,
    pub(crate) events: Vec<f64>,
    pub(crate) terminated: Vec<bool>,
    pub(crate) truncated: Vec<bool>,
    pub(crate) autoreset: Vec<bool>,
}

impl Buffers {
    /// Buffers for `n` copies with observations of `obs_len` bytes, and events when
    /// `record_events`.
    pub(crate) fn new(n: usize, obs_len: usize, record_events: bool) -> Self {
        Buffers {
            obs: vec![0; n * obs_len],
            rewards: vec![0.0; n],
            true_rewards: vec![0.0; n],
            events: if record_events {
                vec![0.0; n * MAX_EVENTS]
            } else {
                Vec::new()
            },
            terminated: vec![false; n],
            truncated: vec![false; n],
            autoreset: vec![false; n],
        }
    }
}

/// Checks a step's actions: one per copy, each below `num_actions`.
pub(crate) fn check_actions(actions: &[u32], copies: usize, num_actions: usize) -> Result<()> {
    if actions.len() != copies {
        return Err(Error::invalid_value(
            "actions",
            format!("{} actions", actions.len()),
            format!("one action per copy ({copies})"),
        ));
    }
    if let Some(&bad) = actions.iter().find(|&&a| a as usize >= num_actions) {
        return Err(Error::invalid_value(
            "action",
            bad.to_string(),
            format!("an integer in 0..{num_actions}"),
        ));
    }
    Ok(())
}
