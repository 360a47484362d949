//! The agent-facing simulator interface.

use crate::error::Result;
use crate::event::{EventSet, EventVec};
use crate::objective::Objective;

/// What one `step` produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The reward the agent is trained on.
    pub proxy_reward: f64,
    /// The events of the transition; evaluators score the true objective from them.
    pub events: EventVec,
    /// The episode reached an end state of the MDP (goal, lava, ...).
    pub terminated: bool,
    /// The episode was cut off by the step limit.
    pub truncated: bool,
}

impl Step {
    /// True when the episode is over for either reason.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// A simulator an agent interacts with: `reset(seed)`, then `step(action)` until done.
///
/// Observations are written into a caller-owned byte buffer of
/// [`Env::observation_len`] cells (one code per grid cell for gridworlds), so stepping
/// allocates nothing.
pub trait Env {
    /// Number of discrete actions; valid actions are `0..num_actions()`.
    fn num_actions(&self) -> usize;
    /// Observation shape `(rows, cols)`.
    fn observation_shape(&self) -> (usize, usize);
    /// Number of bytes of an observation.
    fn observation_len(&self) -> usize {
        let (r, c) = self.observation_shape();
        r * c
    }
    /// Largest code an observation cell can hold.
    fn observation_max(&self) -> u8;
    /// Starts a new episode; every random draw of the episode derives from `seed`.
    fn reset(&mut self, seed: u64);
    /// Applies `action`; an action out of range, or a step with no episode running, is an error.
    fn step(&mut self, action: usize) -> Result<Step>;
    /// Writes the current observation into `out` (length [`Env::observation_len`]).
    fn observe(&self, out: &mut [u8]);
    /// The events this environment emits.
    fn events(&self) -> &EventSet;
    /// The objective the agent is rewarded by.
    fn proxy(&self) -> &Objective;
    /// The objective we meant; never shown to the agent.
    fn true_objective(&self) -> &Objective;
}
