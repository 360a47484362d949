//! Finite-horizon backward induction: optimal values and a time-dependent optimal policy for
//! episodes truncated after exactly `horizon` steps.
//!
//! With `k` steps to go, `V_k(s) = max_a [ r(s, a) + γ Σ p(s' | s, a) V_{k-1}(s') ]`, where
//! terminal transitions contribute their reward and nothing after, and `V_0 = 0`. The policy
//! at step `t` uses `k = horizon - t`. The AI Safety Gridworlds are undiscounted (`γ = 1`).
//! Ties are broken by [`crate::greedy`]'s rule (lowest action index within tolerance).

use goodhart_core::Result;

use crate::bellman::{expect, for_each_index, greedy};
use crate::compile::{Mdp, Rewards};
use crate::discounted::check_discount;
use crate::policy::{DeterministicPolicy, check_finite, check_horizon, start_value};

/// What backward induction found.
#[derive(Debug, Clone, PartialEq)]
pub struct FiniteSolution {
    /// Optimal value of every state at step 0 (`horizon` steps to go).
    pub values: Vec<f64>,
    /// Expected optimal return from the initial distribution.
    pub start_value: f64,
    /// The optimal time-dependent policy (when asked for).
    pub policy: Option<DeterministicPolicy>,
    /// The step limit solved for (also the number of sweeps).
    pub horizon: u32,
}

/// Solves `mdp` for `rewards` over `horizon` steps with discount `discount` (1 for the AISG).
/// With `keep_policy`, the optimal action of every step and state is kept (`horizon × states`
/// bytes). Errors: a horizon of 0, a discount outside (0, 1], a non-finite value.
pub fn backward_induction(
    mdp: &Mdp,
    rewards: &Rewards,
    horizon: u32,
    discount: f64,
    keep_policy: bool,
) -> Result<FiniteSolution> {
    check_horizon(horizon)?;
    check_discount(discount)?;
    mdp.check_depth(Some(horizon))?;
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let mut prev = vec![0.0; n];
    let mut step: Vec<(f64, u8)> = vec![(0.0, 0); n];
    let mut actions = if keep_policy {
        vec![0u8; horizon as usize * n]
    } else {
        Vec::new()
    };
    for k in 1..=horizon {
        let t = (horizon - k) as usize;
        for_each_index(&mut step, |s, out| {
            let mut q = [0.0f64; 256];
            for (a, qa) in q[..na].iter_mut().enumerate() {
                let row = s * na + a;
                *qa = rewards.per_row[row] + discount * expect(mdp, row, &prev);
            }
            let (a, v) = greedy(&q[..na]);
            *out = (v, a as u8);
        });
        for (p, (v, _)) in prev.iter_mut().zip(&step) {
            *p = *v;
        }
        if keep_policy {
            for (dst, (_, a)) in actions[t * n..(t + 1) * n].iter_mut().zip(&step) {
                *dst = *a;
            }
        }
    }
    check_finite(&prev)?;
    Ok(FiniteSolution {
        start_value: start_value(mdp, &prev),
        values: prev,
        policy: keep_policy.then(|| DeterministicPolicy::time_dependent(n, actions)),
        horizon,
    })
}
