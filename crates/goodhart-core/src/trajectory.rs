//! One episode as it happened, for replays, renderings and reports.

use crate::action::Action;
use crate::event::EventVec;

/// One step of an episode.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryStep {
    /// The action taken.
    pub action: Action,
    /// The proxy reward received.
    pub proxy_reward: f64,
    /// The true reward of the step.
    pub true_reward: f64,
    /// The step's events.
    pub events: EventVec,
}

/// An episode: its steps and how it ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trajectory {
    /// The seed the episode was reset with.
    pub seed: u64,
    /// The steps, in order.
    pub steps: Vec<TrajectoryStep>,
    /// Ended in a terminal state.
    pub terminated: bool,
    /// Cut off by the step limit.
    pub truncated: bool,
}

impl Trajectory {
    /// Sum of proxy rewards.
    pub fn proxy_return(&self) -> f64 {
        self.steps.iter().map(|s| s.proxy_reward).sum()
    }

    /// Sum of true rewards.
    pub fn true_return(&self) -> f64 {
        self.steps.iter().map(|s| s.true_reward).sum()
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when no step was taken.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}
