//! Infinite-horizon discounted solvers: value iteration and policy iteration.
//!
//! Value iteration sweeps `V ← max_a [ r(s, a) + γ P V ]` (Jacobi: every state from the
//! previous iterate, so sweeps are parallel and bit-identical for any thread count) over the
//! states whose value can be nonzero ([`LiveTable`]; the others keep `V = 0`) and stops
//! when the largest change `‖V' − V‖∞` drops below `ε (1 − γ) / (2γ)`. Then the greedy policy
//! of `V'` is ε-optimal and `‖V' − V*‖∞ < ε / 2` (Puterman 1994, theorem 6.3.1). With `γ = 1`
//! (only meaningful when every policy ends the episode) the rule is `‖V' − V‖∞ < ε`, which
//! bounds nothing; `relative` switches to `|V' − V| ≤ ε |V'|` per state, the rule of Storm's
//! and PRISM's value iteration (for benchmarks against them).
//!
//! Policy iteration evaluates each policy to `ε / 100` and improves it greedily, keeping the
//! current action while it is within the tie tolerance of the best, so it cannot cycle on
//! ties.

use goodhart_core::{Error, Result};

use crate::bellman::{
    best_value, expect, for_each_index, for_each_index_max, greedy, tie_tolerance,
};
use crate::compile::{Mdp, Rewards};
use crate::live::LiveTable;
use crate::policy::{DeterministicPolicy, check_finite, evaluate_discounted, start_value};

/// Settings of the discounted solvers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscountedOptions {
    /// Discount factor γ in (0, 1].
    pub discount: f64,
    /// Target accuracy ε of the returned policy's value.
    pub epsilon: f64,
    /// Most sweeps (value iteration) or improvement steps (policy iteration).
    pub max_iterations: usize,
    /// Use the relative per-state stopping rule `|V' − V| ≤ ε |V'|` (Storm's) instead.
    pub relative: bool,
}

impl Default for DiscountedOptions {
    fn default() -> Self {
        DiscountedOptions {
            discount: 0.99,
            epsilon: 1e-6,
            max_iterations: 100_000,
            relative: false,
        }
    }
}

/// What a discounted solver found.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscountedSolution {
    /// Values of every state.
    pub values: Vec<f64>,
    /// The greedy (ε-optimal) stationary policy, ties broken by the lowest index.
    pub policy: DeterministicPolicy,
    /// Expected value from the initial distribution.
    pub start_value: f64,
    /// Sweeps (value iteration) or improvement steps (policy iteration).
    pub iterations: usize,
    /// The last change that met the stopping rule.
    pub residual: f64,
}

/// Checks that a discount lies in (0, 1].
pub(crate) fn check_discount(discount: f64) -> Result<()> {
    if discount > 0.0 && discount <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_value(
            "discount",
            discount.to_string(),
            "a number in (0, 1]",
        ))
    }
}

fn check_epsilon(epsilon: f64) -> Result<()> {
    if epsilon > 0.0 && epsilon.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid_value(
            "epsilon",
            epsilon.to_string(),
            "a positive number",
        ))
    }
}

/// One Jacobi sweep of value iteration: writes `max_a [r(s, a) + γ Σ p V(s')]` into `out`
/// from `prev` and returns the largest change (relative to the new value with `relative`).
/// Parallel over states; bit-identical for any thread count.
pub fn bellman_sweep(
    mdp: &Mdp,
    rewards: &Rewards,
    discount: f64,
    prev: &[f64],
    out: &mut [f64],
    relative: bool,
) -> f64 {
    for_each_index_max(out, |s, o| {
        let best = best_value(mdp, &rewards.per_row, discount, s, prev);
        *o = best;
        let d = (best - prev[s]).abs();
        if relative {
            if d == 0.0 { 0.0 } else { d / best.abs() }
        } else {
            d
        }
    })
}

/// The greedy policy of `values` by the tie rule.
pub fn greedy_policy(
    mdp: &Mdp,
    rewards: &Rewards,
    discount: f64,
    values: &[f64],
) -> DeterministicPolicy {
    let na = mdp.num_actions;
    let mut actions = vec![0u8; mdp.num_states()];
    for_each_index(&mut actions, |s, out| {
        let mut q = [0.0f64; 256];
        for (a, qa) in q[..na].iter_mut().enumerate() {
            let row = s * na + a;
            *qa = rewards.per_row[row] + discount * expect(mdp, row, values);
        }
        *out = greedy(&q[..na]).0 as u8;
    });
    DeterministicPolicy::stationary(actions)
}

/// Value iteration from `V = 0` (see the module documentation for the stopping rule).
/// Errors: a discount outside (0, 1], a non-positive ε, no convergence within
/// `max_iterations` sweeps.
pub fn value_iteration(
    mdp: &Mdp,
    rewards: &Rewards,
    options: &DiscountedOptions,
) -> Result<DiscountedSolution> {
    let threshold = check_value_iteration(mdp, options)?;
    let g = options.discount;
    let live = LiveTable::new(mdp, rewards);
    let (v, iterations, residual) = jacobi(live.num_live(), options, threshold, |prev, cur| {
        live.sweep(g, prev, cur, options.relative)
    })?;
    solution(mdp, rewards, g, live.expand(&v), iterations, residual)
}

/// Checks the options of value iteration and the table; returns the stopping threshold on
/// the largest change of a sweep.
pub(crate) fn check_value_iteration(mdp: &Mdp, options: &DiscountedOptions) -> Result<f64> {
    check_discount(options.discount)?;
    check_epsilon(options.epsilon)?;
    mdp.check_depth(None)?;
    let g = options.discount;
    Ok(if options.relative || g >= 1.0 {
        options.epsilon
    } else {
        options.epsilon * (1.0 - g) / (2.0 * g)
    })
}

/// Jacobi sweeps from `V = 0` (`len` values) until a sweep's largest change, as `sweep`
/// returns it, is below `threshold`; returns the last iterate, the number of sweeps and that
/// change. Errors: divergence, no convergence within `options.max_iterations` sweeps.
pub(crate) fn jacobi(
    len: usize,
    options: &DiscountedOptions,
    threshold: f64,
    mut sweep: impl FnMut(&[f64], &mut [f64]) -> f64,
) -> Result<(Vec<f64>, usize, f64)> {
    let mut prev = vec![0.0; len];
    let mut cur = vec![0.0; len];
    for it in 1..=options.max_iterations {
        let residual = sweep(&prev, &mut cur);
        std::mem::swap(&mut prev, &mut cur);
        if !residual.is_finite() {
            return Err(Error::Numeric(
                "value iteration diverged (a value became infinite or NaN)".into(),
            ));
        }
        if residual < threshold {
            return Ok((prev, it, residual));
        }
    }
    Err(Error::Numeric(format!(
        "value iteration did not converge within {} sweeps (discount {}, epsilon {}); \
         raise the limit, lower the discount, or use the finite-horizon solver",
        options.max_iterations, options.discount, options.epsilon
    )))
}

/// The solution for converged `values` (table order): the greedy policy and start value.
pub(crate) fn solution(
    mdp: &Mdp,
    rewards: &Rewards,
    discount: f64,
    values: Vec<f64>,
    iterations: usize,
    residual: f64,
) -> Result<DiscountedSolution> {
    check_finite(&values)?;
    let policy = greedy_policy(mdp, rewards, discount, &values);
    Ok(DiscountedSolution {
        start_value: start_value(mdp, &values),
        values,
        policy,
        iterations,
        residual,
    })
}

/// Gauss–Seidel value iteration: like [`value_iteration`] (same options and stopping rule,
/// which bounds the greedy policy's error the same way), but each state's new value is used
/// at once by the states swept after it. Sweeps go from the highest state number down: the
/// compiler numbers states breadth-first from the start, so successors tend to come later
/// and values flow back towards the start within one sweep (Storm's order, too). Often needs
/// far fewer sweeps; runs on one thread (deterministic by construction).
pub fn value_iteration_gauss_seidel(
    mdp: &Mdp,
    rewards: &Rewards,
    options: &DiscountedOptions,
) -> Result<DiscountedSolution> {
    let threshold = check_value_iteration(mdp, options)?;
    let g = options.discount;
    let live = LiveTable::new(mdp, rewards);
    let mut v = vec![0.0; live.num_live()];
    for it in 1..=options.max_iterations {
        let residual = live.sweep_gauss_seidel(g, &mut v, options.relative);
        if !residual.is_finite() {
            return Err(Error::Numeric(
                "value iteration diverged (a value became infinite or NaN)".into(),
            ));
        }
        if residual < threshold {
            return solution(mdp, rewards, g, live.expand(&v), it, residual);
        }
    }
    Err(Error::Numeric(format!(
        "value iteration did not converge within {} sweeps (discount {g}, epsilon {}); \
         raise the limit, lower the discount, or use the finite-horizon solver",
        options.max_iterations, options.epsilon
    )))
}

/// Policy iteration from the greedy policy of the immediate rewards.
/// Errors: as [`value_iteration`], and when a policy's evaluation does not converge.
pub fn policy_iteration(
    mdp: &Mdp,
    rewards: &Rewards,
    options: &DiscountedOptions,
) -> Result<DiscountedSolution> {
    check_discount(options.discount)?;
    check_epsilon(options.epsilon)?;
    mdp.check_depth(None)?;
    let g = options.discount;
    let na = mdp.num_actions;
    let zeros = vec![0.0; mdp.num_states()];
    let mut policy = greedy_policy(mdp, rewards, g, &zeros);
    let eval = DiscountedOptions {
        epsilon: options.epsilon / 100.0,
        max_iterations: options.max_iterations.max(100_000),
        ..*options
    };
    for it in 1..=options.max_iterations {
        let (values, _) = evaluate_discounted(mdp, rewards, &policy, &eval)?;
        let mut next = vec![0u8; mdp.num_states()];
        for_each_index(&mut next, |s, out| {
            let mut q = [0.0f64; 256];
            for (a, qa) in q[..na].iter_mut().enumerate() {
                let row = s * na + a;
                *qa = rewards.per_row[row] + g * expect(mdp, row, &values);
            }
            let (a, best) = greedy(&q[..na]);
            let current = policy.action(0, s);
            // Keep the current action while it is (within tolerance) optimal.
            *out = if q[current] >= best - tie_tolerance(best) - eval.epsilon {
                current as u8
            } else {
                a as u8
            };
        });
        if next == policy.actions() {
            return Ok(DiscountedSolution {
                start_value: start_value(mdp, &values),
                values,
                policy,
                iterations: it,
                residual: 0.0,
            });
        }
        policy = DeterministicPolicy::stationary(next);
    }
    Err(Error::Numeric(format!(
        "policy iteration did not converge within {} improvement steps",
        options.max_iterations
    )))
}
