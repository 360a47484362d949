//! The learning rules: how an action is drawn from a row of action values (ε-greedy,
//! Boltzmann) and how a transition updates a row (Q-learning, SARSA, expected SARSA, double Q).
//!
//! A row holds one value per action, or for double Q-learning the two estimates side by side
//! (`[Q1(a0..an), Q2(a0..an)]`). Everything here is pure arithmetic on rows plus draws from
//! the episode's own random stream, so an update computed during an episode and the same update
//! replayed later give bit-identical results.

use goodhart_core::Sampler;

use crate::hyper::{Agent, Exploration, Hyper};

/// The most actions a tabular learner supports (rows live on the stack while acting): every
/// action index a scenario may have ([`goodhart_core::MAX_ACTIONS`]).
pub const MAX_ACTIONS: usize = goodhart_core::MAX_ACTIONS;

/// Values per table row for `agent` with `num_actions` actions.
pub fn row_width(agent: Agent, num_actions: usize) -> usize {
    match agent {
        Agent::DoubleQ => 2 * num_actions,
        _ => num_actions,
    }
}

/// The values the agent acts on: the row itself, or `Q1 + Q2` for double Q-learning.
#[inline]
pub fn acting_values(agent: Agent, row: &[f64], na: usize) -> [f64; MAX_ACTIONS] {
    let mut v = [0.0; MAX_ACTIONS];
    match agent {
        Agent::DoubleQ => {
            for a in 0..na {
                v[a] = row[a] + row[na + a];
            }
        }
        _ => v[..na].copy_from_slice(&row[..na]),
    }
    v
}

/// The first action of maximal value (the deterministic tie rule of the final greedy policy
/// and of the double-Q targets).
#[inline]
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for a in 1..v.len() {
        if v[a] > v[best] {
            best = a;
        }
    }
    best
}

/// A greedy action with ties broken uniformly at random (one draw only when there is a tie).
#[inline]
fn greedy_random_tie(v: &[f64], rng: &mut Sampler) -> usize {
    let best = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ties = v.iter().filter(|&&x| x == best).count();
    if ties == 1 {
        return argmax(v);
    }
    let k = rng.below(ties);
    v.iter()
        .enumerate()
        .filter(|(_, x)| **x == best)
        .nth(k)
        .map_or(0, |(a, _)| a)
}

/// Draws an action from `values` (length = number of actions) with the exploration strategy
/// and its current parameter (ε, or the temperature).
#[inline]
pub fn select(exploration: Exploration, param: f64, values: &[f64], rng: &mut Sampler) -> usize {
    let na = values.len();
    match exploration {
        Exploration::EpsilonGreedy => {
            if param > 0.0 && rng.uniform() < param {
                rng.below(na)
            } else {
                greedy_random_tie(values, rng)
            }
        }
        Exploration::Boltzmann => {
            let mut p = [0.0; MAX_ACTIONS];
            softmax(values, param, &mut p[..na]);
            let u = rng.uniform();
            let mut acc = 0.0;
            for (a, pa) in p[..na].iter().enumerate() {
                acc += pa;
                if u < acc {
                    return a;
                }
            }
            na - 1
        }
    }
}

/// `out[a] = exp(v[a] / t) / Σ exp(v[b] / t)`, computed stably.
fn softmax(v: &[f64], t: f64, out: &mut [f64]) {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for (o, x) in out.iter_mut().zip(v) {
        *o = ((x - m) / t).exp();
        z += *o;
    }
    for o in out.iter_mut() {
        *o /= z;
    }
}

/// The probability of each action under the exploring policy (for expected SARSA): ε-greedy
/// spreads the greedy mass evenly over tied best actions, as [`select`] does.
pub fn policy_probs(exploration: Exploration, param: f64, values: &[f64], out: &mut [f64]) {
    let na = values.len();
    match exploration {
        Exploration::EpsilonGreedy => {
            let best = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let ties = values.iter().filter(|&&x| x == best).count() as f64;
            let eps = param.clamp(0.0, 1.0);
            for (o, x) in out.iter_mut().zip(values) {
                *o = eps / na as f64 + if *x == best { (1.0 - eps) / ties } else { 0.0 };
            }
        }
        Exploration::Boltzmann => softmax(values, param, out),
    }
}

/// One transition as the update rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Update {
    /// The action taken.
    pub action: usize,
    /// The proxy reward received.
    pub reward: f64,
    /// The next action (SARSA's target).
    pub next_action: usize,
    /// Double Q-learning's coin: update the first estimate (else the second).
    pub first: bool,
    /// The exploration parameter of the episode (expected SARSA's target policy).
    pub param: f64,
    /// Probability that an action is replaced by a uniformly random one on top of the
    /// exploration (a drunk agent; 0 normally), also part of expected SARSA's target policy.
    pub mix: f64,
}

/// The TD target of `u` given the next state's row (`None` after a terminal transition).
#[inline]
pub fn target(agent: Agent, hyper: &Hyper, na: usize, next: Option<&[f64]>, u: &Update) -> f64 {
    let Some(next) = next else {
        return u.reward;
    };
    let bootstrap = match agent {
        Agent::QLearning => next[..na].iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Agent::Sarsa => next[u.next_action],
        Agent::ExpectedSarsa => {
            let mut p = [0.0; MAX_ACTIONS];
            policy_probs(hyper.exploration, u.param, &next[..na], &mut p[..na]);
            let uniform = u.mix / na as f64;
            p[..na]
                .iter()
                .zip(&next[..na])
                .map(|(p, q)| (uniform + (1.0 - u.mix) * p) * q)
                .sum()
        }
        Agent::DoubleQ => {
            let (q1, q2) = next.split_at(na);
            if u.first {
                q2[argmax(q1)]
            } else {
                q1[argmax(q2)]
            }
        }
    };
    u.reward + hyper.gamma * bootstrap
}

/// Moves the updated value of `row` towards `target` by the step size.
#[inline]
pub fn apply(agent: Agent, alpha: f64, na: usize, row: &mut [f64], u: &Update, target: f64) {
    let i = match agent {
        Agent::DoubleQ if !u.first => na + u.action,
        _ => u.action,
    };
    row[i] += alpha * (target - row[i]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsilon_greedy_probabilities_sum_to_one_and_split_ties() {
        let mut p = [0.0; 4];
        policy_probs(
            Exploration::EpsilonGreedy,
            0.2,
            &[1.0, 3.0, 3.0, 0.0],
            &mut p,
        );
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[1] - (0.05 + 0.4)).abs() < 1e-12);
        assert!((p[0] - 0.05).abs() < 1e-12);
    }

    #[test]
    fn greedy_selection_without_exploration_takes_the_best() {
        let mut rng = Sampler::new(1);
        for _ in 0..20 {
            assert_eq!(
                select(Exploration::EpsilonGreedy, 0.0, &[0.0, 2.0, 1.0], &mut rng),
                1
            );
        }
        // Ties are broken at random, over both tied actions.
        let picks: Vec<usize> = (0..64)
            .map(|_| select(Exploration::EpsilonGreedy, 0.0, &[2.0, 2.0, 1.0], &mut rng))
            .collect();
        assert!(picks.contains(&0) && picks.contains(&1) && !picks.contains(&2));
    }

    #[test]
    fn boltzmann_prefers_high_values_at_low_temperature() {
        let mut rng = Sampler::new(2);
        let n = (0..200)
            .filter(|_| select(Exploration::Boltzmann, 0.01, &[0.0, 1.0], &mut rng) == 1)
            .count();
        assert_eq!(n, 200);
    }

    #[test]
    fn targets_of_each_rule() {
        let h = Hyper {
            gamma: 0.5,
            ..Hyper::default()
        };
        let u = Update {
            action: 0,
            reward: 1.0,
            next_action: 0,
            first: true,
            param: 0.0,
            mix: 0.0,
        };
        let next = [2.0, 4.0];
        assert_eq!(target(Agent::QLearning, &h, 2, Some(&next), &u), 3.0);
        assert_eq!(target(Agent::Sarsa, &h, 2, Some(&next), &u), 2.0);
        assert_eq!(target(Agent::ExpectedSarsa, &h, 2, Some(&next), &u), 3.0);
        assert_eq!(target(Agent::QLearning, &h, 2, None, &u), 1.0);
        // Double Q: Q1 picks action 1, Q2 values it.
        let next2 = [2.0, 4.0, 10.0, 6.0];
        assert_eq!(target(Agent::DoubleQ, &h, 2, Some(&next2), &u), 4.0);
        let u2 = Update { first: false, ..u };
        assert_eq!(target(Agent::DoubleQ, &h, 2, Some(&next2), &u2), 2.0);
        let mut row = [0.0, 0.0, 0.0, 0.0];
        apply(Agent::DoubleQ, 0.5, 2, &mut row, &u2, 2.0);
        assert_eq!(row, [0.0, 0.0, 1.0, 0.0]);
    }
}
