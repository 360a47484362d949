//! Finite scenarios that can be enumerated exactly.

use std::hash::Hash;

use crate::event::{EventSet, EventVec};
use crate::objective::Objective;

/// One outcome of taking an action in a state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Successor<S> {
    /// The next state.
    pub state: S,
    /// Its probability (the successors of one state-action sum to 1).
    pub prob: f64,
    /// Events of the transition; fractional when a hidden draw is weighted by its belief.
    pub events: EventVec,
    /// The episode ends in this transition (no reward after it).
    pub terminal: bool,
}

/// A scenario whose states can be enumerated: the input of the exact compiler.
///
/// States hold only what the agent can condition on; a random draw the agent cannot see is
/// either drawn lazily when it is revealed or folded into event weights by its belief.
pub trait FiniteModel {
    /// A compact, hashable state.
    type State: Copy + Eq + Hash + Ord + std::fmt::Debug;
    /// Number of actions, the same in every state.
    fn num_actions(&self) -> usize;
    /// The step limit: episodes are truncated after this many steps.
    fn horizon(&self) -> u32;
    /// The initial-state distribution, appended to `out`.
    fn initial_states(&self, out: &mut Vec<(Self::State, f64)>);
    /// The successors of `(state, action)`, appended to `out`.
    fn successors(&self, state: &Self::State, action: usize, out: &mut Vec<Successor<Self::State>>);
    /// The events transitions carry.
    fn events(&self) -> &EventSet;
    /// The proxy objective.
    fn proxy(&self) -> &Objective;
    /// The true objective.
    fn true_objective(&self) -> &Objective;
}
