//! The learned table and the greedy policy read from it.

use crate::hyper::Agent;
use crate::rules::{acting_values, argmax, row_width};
use crate::table::{StateIndex, ValueTable, hash_observation};

/// What a tabular learner learned: observations interned into states, and their action values.
#[derive(Debug, Clone)]
pub struct Tabular {
    agent: Agent,
    num_actions: usize,
    pub(crate) index: StateIndex,
    pub(crate) values: ValueTable,
}

/// What the greedy policy does in an observation it never saw while learning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unseen {
    /// Act as in the stored observation that differs in the fewest cells (the nearest
    /// neighbour; ties: the first stored). On a shifted level this is the tabular agent's
    /// only form of generalization: it does what it did where the board looked the same.
    #[default]
    Nearest,
    /// Take action 0.
    FirstAction,
}

impl Tabular {
    /// An empty table for `agent` with `num_actions` actions and observations of `obs_len`
    /// bytes, every value starting at `q_init`.
    pub fn new(agent: Agent, num_actions: usize, obs_len: usize, q_init: f64) -> Self {
        Tabular {
            agent,
            num_actions,
            index: StateIndex::new(obs_len),
            values: ValueTable::new(row_width(agent, num_actions), q_init),
        }
    }

    /// The agent that learned it.
    pub fn agent(&self) -> Agent {
        self.agent
    }

    /// Number of actions.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// Number of distinct observations seen.
    pub fn num_states(&self) -> usize {
        self.index.len()
    }

    /// The interned observations.
    pub fn index(&self) -> &StateIndex {
        &self.index
    }

    /// The state id of an observation, if it was seen.
    pub fn state_of(&self, obs: &[u8]) -> Option<u32> {
        self.index.find(obs, hash_observation(obs))
    }

    /// The values the agent acts on in state `id` (for double Q-learning, the sum of both
    /// estimates).
    pub fn action_values(&self, id: u32) -> Vec<f64> {
        acting_values(self.agent, self.values.row(id), self.num_actions)[..self.num_actions]
            .to_vec()
    }

    /// The greedy action in state `id` (the first of the best, so the policy is
    /// deterministic).
    pub fn greedy_in(&self, id: u32) -> usize {
        let v = acting_values(self.agent, self.values.row(id), self.num_actions);
        argmax(&v[..self.num_actions])
    }

    /// The state whose values the greedy policy uses for `obs`: its own, or for an unseen
    /// observation the nearest stored one (`None`: act with action 0).
    pub fn lookup(&self, obs: &[u8], unseen: Unseen) -> Option<u32> {
        match self.state_of(obs) {
            Some(id) => Some(id),
            None => match unseen {
                Unseen::Nearest => self.index.nearest(obs).map(|(id, _)| id),
                Unseen::FirstAction => None,
            },
        }
    }

    /// The greedy action for `obs` (the first of the best); an unseen observation is handled
    /// as `unseen` says.
    pub fn greedy(&self, obs: &[u8], unseen: Unseen) -> usize {
        self.lookup(obs, unseen).map_or(0, |id| self.greedy_in(id))
    }

    /// The greedy policy as the agent acts with no exploration: uniform over the actions of
    /// exactly maximal value (the learners break ties at random), written into `out` (one
    /// probability per action).
    pub fn greedy_probs(&self, obs: &[u8], unseen: Unseen, out: &mut [f64]) {
        out.fill(0.0);
        let Some(id) = self.lookup(obs, unseen) else {
            out[0] = 1.0;
            return;
        };
        let v = acting_values(self.agent, self.values.row(id), self.num_actions);
        let v = &v[..self.num_actions];
        let best = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let ties = v.iter().filter(|&&x| x == best).count() as f64;
        for (o, x) in out.iter_mut().zip(v) {
            if *x == best {
                *o = 1.0 / ties;
            }
        }
    }
}
