//! The most likely path of a policy: what a renderer shows for "the" trajectory of a policy in
//! a stochastic model.
//!
//! From the most probable initial state, take the policy's action and follow the most probable
//! transition (ties: the first in table order, i.e. the model's order), until a terminal
//! transition or the step limit.

use serde::Serialize;

use crate::compile::Mdp;

/// One path through a compiled table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Path {
    /// Visited states; `states[0]` is the initial state and `states[i + 1]` the state after
    /// step `i` (for a terminal step, the state the episode ended in).
    pub states: Vec<u32>,
    /// The action of every step.
    pub actions: Vec<u8>,
    /// Proxy reward of every step.
    pub proxy_rewards: Vec<f64>,
    /// True reward of every step.
    pub true_rewards: Vec<f64>,
    /// Probability of exactly this path under the policy.
    pub probability: f64,
    /// Whether the path ended with a terminal transition (otherwise at the step limit).
    pub terminated: bool,
}

impl Path {
    /// Sum of the path's proxy rewards.
    pub fn proxy_return(&self) -> f64 {
        self.proxy_rewards.iter().sum()
    }

    /// Sum of the path's true rewards.
    pub fn true_return(&self) -> f64 {
        self.true_rewards.iter().sum()
    }
}

/// The most likely path of the policy `action(t, state)` over `horizon` steps.
pub fn most_likely_path(mdp: &Mdp, action: &dyn Fn(u32, usize) -> usize, horizon: u32) -> Path {
    let proxy = mdp.rewards_per_label(&mdp.proxy);
    let truth = mdp.rewards_per_label(&mdp.true_objective);
    let (mut s, mut probability) =
        mdp.initial.iter().fold(
            (0u32, -1.0),
            |best, &(s, p)| if p > best.1 { (s, p) } else { best },
        );
    let mut path = Path {
        states: vec![s],
        actions: Vec::new(),
        proxy_rewards: Vec::new(),
        true_rewards: Vec::new(),
        probability,
        terminated: false,
    };
    for t in 0..horizon {
        let a = action(t, s as usize);
        let Some(tr) =
            mdp.transitions(s as usize, a)
                .fold(None, |best: Option<crate::Transition>, x| match best {
                    Some(b) if b.prob >= x.prob => Some(b),
                    _ => Some(x),
                })
        else {
            break;
        };
        probability *= tr.prob;
        path.actions.push(a as u8);
        path.proxy_rewards.push(proxy[tr.label as usize]);
        path.true_rewards.push(truth[tr.label as usize]);
        path.states.push(tr.next);
        s = tr.next;
        if tr.terminal {
            path.terminated = true;
            break;
        }
    }
    path.probability = probability;
    path
}
