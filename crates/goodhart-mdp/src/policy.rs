//! Policies over a compiled table, and their exact evaluation.
//!
//! A [`Policy`] gives action probabilities per step and state, so one evaluator serves
//! stationary and time-dependent, deterministic and stochastic policies. Finite-horizon
//! evaluation is exact (backward recursion over the steps); discounted evaluation iterates to a
//! stated tolerance.

use goodhart_core::{Error, Result};

use crate::bellman::{expect, for_each_index, for_each_index_max};
use crate::compile::{Mdp, Rewards};
use crate::discounted::{DiscountedOptions, check_discount};

/// Action probabilities per step and state.
pub trait Policy: Sync {
    /// Writes `π(a | state)` at step `t` (0 = the first step) into `out`, whose length is the
    /// number of actions.
    fn probs(&self, t: u32, state: usize, out: &mut [f64]);
}

/// The uniformly random policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Uniform;

impl Policy for Uniform {
    fn probs(&self, _t: u32, _state: usize, out: &mut [f64]) {
        let p = 1.0 / out.len() as f64;
        out.fill(p);
    }
}

/// A deterministic policy: one action per state, or per step and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeterministicPolicy {
    num_states: usize,
    /// `actions[t * num_states + s]`; a single step's worth for a stationary policy.
    actions: Vec<u8>,
}

impl DeterministicPolicy {
    /// The stationary policy taking `actions[s]` in state `s`.
    pub fn stationary(actions: Vec<u8>) -> Self {
        DeterministicPolicy {
            num_states: actions.len(),
            actions,
        }
    }

    /// The time-dependent policy taking `actions[t * num_states + s]` at step `t`; steps past
    /// the last stored one use the last.
    pub fn time_dependent(num_states: usize, actions: Vec<u8>) -> Self {
        assert!(
            num_states > 0 && actions.len().is_multiple_of(num_states) && !actions.is_empty(),
            "time-dependent policy: length must be a positive multiple of the state count"
        );
        DeterministicPolicy {
            num_states,
            actions,
        }
    }

    /// Number of stored steps (1 for a stationary policy).
    pub fn steps(&self) -> u32 {
        (self.actions.len() / self.num_states.max(1)) as u32
    }

    /// The action at step `t` in `state`.
    #[inline]
    pub fn action(&self, t: u32, state: usize) -> usize {
        let t = (t.min(self.steps().saturating_sub(1))) as usize;
        self.actions[t * self.num_states + state] as usize
    }

    /// The stored actions (`t * num_states + s`).
    pub fn actions(&self) -> &[u8] {
        &self.actions
    }
}

impl Policy for DeterministicPolicy {
    fn probs(&self, t: u32, state: usize, out: &mut [f64]) {
        out.fill(0.0);
        out[self.action(t, state)] = 1.0;
    }
}

/// A stochastic policy given as a table of probabilities: `S × A` (stationary) or `H × S × A`
/// (time-dependent; steps past the last stored one use the last).
#[derive(Debug, Clone, PartialEq)]
pub struct StochasticPolicy {
    num_states: usize,
    num_actions: usize,
    probs: Vec<f64>,
}

impl StochasticPolicy {
    /// A policy from its table; every row must be a probability distribution.
    pub fn new(num_states: usize, num_actions: usize, probs: Vec<f64>) -> Result<Self> {
        let row = num_states * num_actions;
        if row == 0 || probs.is_empty() || !probs.len().is_multiple_of(row) {
            return Err(Error::invalid_value(
                "policy table length",
                probs.len().to_string(),
                format!("a positive multiple of states x actions = {row}"),
            ));
        }
        for (i, r) in probs.chunks(num_actions).enumerate() {
            let sum: f64 = r.iter().sum();
            if r.iter().any(|p| !(0.0..=1.0).contains(p)) || (sum - 1.0).abs() > 1e-9 {
                return Err(Error::invalid_value(
                    format!("policy row {i}"),
                    format!("{r:?}"),
                    "probabilities summing to 1",
                ));
            }
        }
        Ok(StochasticPolicy {
            num_states,
            num_actions,
            probs,
        })
    }
}

impl Policy for StochasticPolicy {
    fn probs(&self, t: u32, state: usize, out: &mut [f64]) {
        let steps = self.probs.len() / (self.num_states * self.num_actions);
        let t = (t as usize).min(steps - 1);
        let at = (t * self.num_states + state) * self.num_actions;
        out.copy_from_slice(&self.probs[at..at + self.num_actions]);
    }
}

/// Checks a step limit.
pub(crate) fn check_horizon(horizon: u32) -> Result<()> {
    if horizon == 0 {
        Err(Error::invalid_value(
            "horizon",
            "0",
            "a step limit of at least 1",
        ))
    } else {
        Ok(())
    }
}

/// Expected return from the start distribution for per-state `values`.
pub fn start_value(mdp: &Mdp, values: &[f64]) -> f64 {
    mdp.initial
        .iter()
        .map(|&(s, p)| p * values[s as usize])
        .sum()
}

/// The value of `policy` over `horizon` steps from every state at step 0:
/// `V(s) = E[Σ_{t < H} discount^t r_t]`, stopping at terminal transitions. Exact (one backward
/// pass per step).
pub fn evaluate_finite(
    mdp: &Mdp,
    rewards: &Rewards,
    policy: &dyn Policy,
    horizon: u32,
    discount: f64,
) -> Result<Vec<f64>> {
    check_horizon(horizon)?;
    check_discount(discount)?;
    mdp.check_depth(Some(horizon))?;
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let mut prev = vec![0.0; n];
    let mut cur = vec![0.0; n];
    for k in 1..=horizon {
        let t = horizon - k;
        for_each_index(&mut cur, |s, out| {
            let mut pi = [0.0f64; 256];
            policy.probs(t, s, &mut pi[..na]);
            let mut v = 0.0;
            for (a, &p) in pi[..na].iter().enumerate() {
                if p != 0.0 {
                    let row = s * na + a;
                    v += p * (rewards.per_row[row] + discount * expect(mdp, row, &prev));
                }
            }
            *out = v;
        });
        std::mem::swap(&mut prev, &mut cur);
    }
    check_finite(&prev)?;
    Ok(prev)
}

/// The discounted value of a stationary `policy` (its step-0 probabilities), iterated until
/// the values are within `options.epsilon` of the exact ones (for discount 1: until the change
/// per sweep is below epsilon). Returns the values and the number of sweeps.
pub fn evaluate_discounted(
    mdp: &Mdp,
    rewards: &Rewards,
    policy: &dyn Policy,
    options: &DiscountedOptions,
) -> Result<(Vec<f64>, usize)> {
    check_discount(options.discount)?;
    mdp.check_depth(None)?;
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let g = options.discount;
    // ||V_{n+1} - V_n|| < eps (1-g)/g  implies  ||V_{n+1} - V^pi|| < eps.
    let threshold = if g < 1.0 {
        options.epsilon * (1.0 - g) / g
    } else {
        options.epsilon
    };
    let mut pis = vec![0.0; n * na];
    for (s, row) in pis.chunks_mut(na).enumerate() {
        policy.probs(0, s, row);
    }
    let mut prev = vec![0.0; n];
    let mut cur = vec![0.0; n];
    for it in 1..=options.max_iterations {
        let residual = for_each_index_max(&mut cur, |s, out| {
            let mut v = 0.0;
            for a in 0..na {
                let p = pis[s * na + a];
                if p != 0.0 {
                    let row = s * na + a;
                    v += p * (rewards.per_row[row] + g * expect(mdp, row, &prev));
                }
            }
            *out = v;
            (v - prev[s]).abs()
        });
        std::mem::swap(&mut prev, &mut cur);
        if !residual.is_finite() {
            return Err(Error::Numeric(
                "policy evaluation diverged (a value became infinite or NaN)".into(),
            ));
        }
        if residual < threshold {
            return Ok((prev, it));
        }
    }
    Err(Error::Numeric(format!(
        "policy evaluation did not converge within {} sweeps (discount {g}); with discount 1 \
         every policy must end the episode, otherwise use the finite-horizon evaluator",
        options.max_iterations
    )))
}

pub(crate) fn check_finite(values: &[f64]) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::Numeric(
            "a value became infinite or NaN (check the rewards)".into(),
        ))
    }
}
