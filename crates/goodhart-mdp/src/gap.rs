//! The gap: how much true return is lost when the optimizer gets the proxy.
//!
//! Proxy-optimal policies are rarely unique, so the true return of "the" proxy-optimal policy
//! is an interval. A lexicographic backward induction finds both ends exactly: with `k` steps
//! to go, restrict every state to the actions whose proxy value is within the tie tolerance of
//! the optimum ([`crate::TIE_TOLERANCE`]), then minimize (or maximize) the true value over that
//! set. A Markov policy is proxy-optimal exactly when it picks from these sets wherever it can
//! be, so the minimum and maximum range over *all* proxy-optimal policies (randomized and
//! history-dependent ones included, since their returns are mixtures). The same is done with
//! the roles swapped for the true-optimal policies, and the uniformly random policy is
//! evaluated exactly.
//!
//! * `gap_pessimistic = best true return − true_min` (the headline figure);
//! * `gap_optimistic = best true return − true_max`;
//! * normalized gaps divide by `best true − random true`, clipped to [0, 1], `None` when that
//!   is zero.

use std::collections::BTreeMap;

use goodhart_core::{Error, Result};
use serde::Serialize;

use crate::bellman::{expect, for_each_index, optimal_mask, tie_tolerance};
use crate::compile::{Mdp, Rewards, TERMINAL};
use crate::discounted::check_discount;
use crate::path::{Path, most_likely_path};
use crate::policy::{Uniform, check_horizon, evaluate_finite, start_value};

/// Returns of the proxy-optimal policies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProxyOptimal {
    /// The optimal expected proxy return.
    pub proxy_return: f64,
    /// The least expected true return of a proxy-optimal policy.
    pub true_min: f64,
    /// The greatest expected true return of a proxy-optimal policy.
    pub true_max: f64,
}

/// Returns of the true-optimal policies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrueOptimal {
    /// The optimal expected true return.
    pub true_return: f64,
    /// The least expected proxy return of a true-optimal policy.
    pub proxy_min: f64,
    /// The greatest expected proxy return of a true-optimal policy.
    pub proxy_max: f64,
}

/// Returns of the uniformly random policy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RandomReturns {
    /// Its expected proxy return.
    pub proxy_return: f64,
    /// Its expected true return.
    pub true_return: f64,
}

/// A confidence interval of a sampled figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// Everything `goodhart gap` reports for one scenario variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapReport {
    /// Reachable states.
    pub states: usize,
    /// Stored transitions.
    pub transitions: usize,
    /// The step limit.
    pub horizon: u32,
    /// Returns of the proxy-optimal policies.
    pub proxy_optimal: ProxyOptimal,
    /// Returns of the true-optimal policies.
    pub true_optimal: TrueOptimal,
    /// Returns of the uniformly random policy.
    pub random: RandomReturns,
    /// `true_optimal.true_return − proxy_optimal.true_min`.
    pub gap_pessimistic: f64,
    /// `true_optimal.true_return − proxy_optimal.true_max`.
    pub gap_optimistic: f64,
    /// `gap_pessimistic / (best true − random true)`, clipped to [0, 1].
    pub normalized_gap_pessimistic: Option<f64>,
    /// `gap_optimistic / (best true − random true)`, clipped to [0, 1].
    pub normalized_gap_optimistic: Option<f64>,
    /// Whether every figure is exact (otherwise some are Monte Carlo estimates).
    pub exact: bool,
    /// Whether some state reachable under proxy-optimal play has more than one proxy-optimal
    /// action.
    pub ties: bool,
    /// For estimates: 95 % confidence intervals of the sampled figures, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub confidence: BTreeMap<String, Interval>,
    /// The most likely path of the worst proxy-optimal policy (the one reaching `true_min`).
    #[serde(skip)]
    pub worst_proxy_path: Option<Path>,
    /// The most likely path of a true-optimal policy (lowest-index ties).
    #[serde(skip)]
    pub true_optimal_path: Option<Path>,
}

impl GapReport {
    /// Fills the gaps and normalized gaps from the returns.
    pub fn finish(&mut self) {
        let best = self.true_optimal.true_return;
        let scale = tie_tolerance(best);
        let clean = |x: f64| if x.abs() <= scale { 0.0 } else { x };
        self.gap_pessimistic = clean(best - self.proxy_optimal.true_min);
        self.gap_optimistic = clean(best - self.proxy_optimal.true_max);
        let denom = best - self.random.true_return;
        let norm = |g: f64| (denom > scale).then(|| (g / denom).clamp(0.0, 1.0));
        self.normalized_gap_pessimistic = norm(self.gap_pessimistic);
        self.normalized_gap_optimistic = norm(self.gap_optimistic);
    }
}

/// Settings of [`gap`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapOptions {
    /// Step limit (default: the model's).
    pub horizon: Option<u32>,
    /// Discount (1 for the AISG).
    pub discount: f64,
    /// Also extract the most likely paths (keeps `horizon × states` actions in memory).
    pub paths: bool,
}

impl Default for GapOptions {
    fn default() -> Self {
        GapOptions {
            horizon: None,
            discount: 1.0,
            paths: true,
        }
    }
}

/// The result of a lexicographic backward induction.
#[derive(Debug, Clone)]
pub struct Lexicographic {
    /// Optimal expected primary return from the initial distribution.
    pub primary: f64,
    /// Least expected secondary return among primary-optimal policies.
    pub secondary_min: f64,
    /// Greatest expected secondary return among primary-optimal policies.
    pub secondary_max: f64,
    /// Per step and state (`t * states + s`): the bit mask of primary-optimal actions.
    pub masks: Vec<u32>,
    /// Per step and state: the primary-optimal action minimizing the secondary return
    /// (lowest index among ties).
    pub min_actions: Vec<u8>,
    /// Number of states.
    pub num_states: usize,
}

impl Lexicographic {
    /// The primary-optimal action of lowest index at step `t`.
    pub fn first_optimal(&self, t: u32, s: usize) -> usize {
        self.masks[t as usize * self.num_states + s].trailing_zeros() as usize
    }

    /// The primary-optimal action minimizing the secondary return at step `t`.
    pub fn worst(&self, t: u32, s: usize) -> usize {
        self.min_actions[t as usize * self.num_states + s] as usize
    }

    /// Whether a state reachable at some step under primary-optimal play has more than one
    /// primary-optimal action.
    pub fn has_reachable_ties(&self, mdp: &Mdp) -> bool {
        let n = self.num_states;
        let na = mdp.num_actions;
        let horizon = self.masks.len() / n;
        let mut reach = vec![false; n];
        for &(s, _) in &mdp.initial {
            reach[s as usize] = true;
        }
        let mut next = vec![false; n];
        for t in 0..horizon {
            next.fill(false);
            let mut any = false;
            for s in (0..n).filter(|&s| reach[s]) {
                let mask = self.masks[t * n + s];
                if mask.count_ones() > 1 {
                    return true;
                }
                for a in (0..na).filter(|a| mask & (1 << a) != 0) {
                    let row = s * na + a;
                    let (lo, hi) = (mdp.offsets[row] as usize, mdp.offsets[row + 1] as usize);
                    for &x in &mdp.next[lo..hi] {
                        if x & TERMINAL == 0 {
                            next[x as usize] = true;
                            any = true;
                        }
                    }
                }
            }
            if !any {
                break;
            }
            std::mem::swap(&mut reach, &mut next);
        }
        false
    }
}

/// Backward induction optimizing `primary`, then minimizing and maximizing `secondary` over the
/// primary-optimal actions of every step and state. At most 32 actions.
pub fn lexicographic(
    mdp: &Mdp,
    primary: &Rewards,
    secondary: &Rewards,
    horizon: u32,
    discount: f64,
) -> Result<Lexicographic> {
    check_horizon(horizon)?;
    check_discount(discount)?;
    mdp.check_depth(Some(horizon))?;
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    if na > 32 {
        return Err(Error::invalid_value(
            "number of actions",
            na.to_string(),
            "at most 32 for the lexicographic analysis",
        ));
    }
    let h = horizon as usize;
    let mut masks = vec![0u32; h * n];
    let mut min_actions = vec![0u8; h * n];
    let mut v = vec![0.0; n];
    let mut lo = vec![0.0; n];
    let mut hi = vec![0.0; n];
    #[derive(Clone, Copy, Default)]
    struct Out {
        v: f64,
        lo: f64,
        hi: f64,
        mask: u32,
        worst: u8,
    }
    let mut step = vec![Out::default(); n];
    for k in 1..=h {
        let t = h - k;
        for_each_index(&mut step, |s, out| {
            let mut q = [0.0f64; 32];
            for (a, qa) in q[..na].iter_mut().enumerate() {
                let row = s * na + a;
                *qa = primary.per_row[row] + discount * expect(mdp, row, &v);
            }
            let best = q[..na].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mask = optimal_mask(&q[..na], best);
            let mut smin = [f64::INFINITY; 32];
            let (mut wmin, mut wmax) = (f64::INFINITY, f64::NEG_INFINITY);
            for a in (0..na).filter(|a| mask & (1 << a) != 0) {
                let row = s * na + a;
                let r = secondary.per_row[row];
                smin[a] = r + discount * expect(mdp, row, &lo);
                wmin = wmin.min(smin[a]);
                wmax = wmax.max(r + discount * expect(mdp, row, &hi));
            }
            let tol = tie_tolerance(wmin);
            let worst = (0..na)
                .find(|&a| mask & (1 << a) != 0 && smin[a] <= wmin + tol)
                .unwrap_or(0);
            *out = Out {
                v: best,
                lo: wmin,
                hi: wmax,
                mask,
                worst: worst as u8,
            };
        });
        for (s, o) in step.iter().enumerate() {
            v[s] = o.v;
            lo[s] = o.lo;
            hi[s] = o.hi;
            masks[t * n + s] = o.mask;
            min_actions[t * n + s] = o.worst;
        }
    }
    for x in [&v, &lo, &hi] {
        crate::policy::check_finite(x)?;
    }
    Ok(Lexicographic {
        primary: start_value(mdp, &v),
        secondary_min: start_value(mdp, &lo),
        secondary_max: start_value(mdp, &hi),
        masks,
        min_actions,
        num_states: n,
    })
}

/// The exact gap of a compiled model (see the module documentation).
pub fn gap(mdp: &Mdp, options: &GapOptions) -> Result<GapReport> {
    let horizon = options.horizon.unwrap_or(mdp.horizon);
    let g = options.discount;
    let proxy = mdp.rewards(&mdp.proxy);
    let truth = mdp.rewards(&mdp.true_objective);
    let p = lexicographic(mdp, &proxy, &truth, horizon, g)?;
    let ties = p.has_reachable_ties(mdp);
    let worst_proxy_path = options
        .paths
        .then(|| most_likely_path(mdp, &|t, s| p.worst(t, s), horizon));
    let proxy_optimal = ProxyOptimal {
        proxy_return: p.primary,
        true_min: p.secondary_min,
        true_max: p.secondary_max,
    };
    drop(p);
    let q = lexicographic(mdp, &truth, &proxy, horizon, g)?;
    let true_optimal_path = options
        .paths
        .then(|| most_likely_path(mdp, &|t, s| q.first_optimal(t, s), horizon));
    let random_proxy = start_value(mdp, &evaluate_finite(mdp, &proxy, &Uniform, horizon, g)?);
    let random_true = start_value(mdp, &evaluate_finite(mdp, &truth, &Uniform, horizon, g)?);
    let mut report = GapReport {
        states: mdp.num_states(),
        transitions: mdp.num_transitions(),
        horizon,
        proxy_optimal,
        true_optimal: TrueOptimal {
            true_return: q.primary,
            proxy_min: q.secondary_min,
            proxy_max: q.secondary_max,
        },
        random: RandomReturns {
            proxy_return: random_proxy,
            true_return: random_true,
        },
        gap_pessimistic: 0.0,
        gap_optimistic: 0.0,
        normalized_gap_pessimistic: None,
        normalized_gap_optimistic: None,
        exact: true,
        ties,
        confidence: BTreeMap::new(),
        worst_proxy_path,
        true_optimal_path,
    };
    report.finish();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_clips_and_handles_zero_denominator() {
        let mut r = GapReport {
            states: 1,
            transitions: 1,
            horizon: 1,
            proxy_optimal: ProxyOptimal {
                proxy_return: 1.0,
                true_min: -5.0,
                true_max: 1.0 - 1e-13,
            },
            true_optimal: TrueOptimal {
                true_return: 1.0,
                proxy_min: 1.0,
                proxy_max: 1.0,
            },
            random: RandomReturns {
                proxy_return: 0.0,
                true_return: 0.0,
            },
            gap_pessimistic: 0.0,
            gap_optimistic: 0.0,
            normalized_gap_pessimistic: None,
            normalized_gap_optimistic: None,
            exact: true,
            ties: false,
            confidence: BTreeMap::new(),
            worst_proxy_path: None,
            true_optimal_path: None,
        };
        r.finish();
        assert_eq!(r.gap_pessimistic, 6.0);
        assert_eq!(r.gap_optimistic, 0.0);
        assert_eq!(r.normalized_gap_pessimistic, Some(1.0));
        assert_eq!(r.normalized_gap_optimistic, Some(0.0));
        r.random.true_return = 1.0;
        r.finish();
        assert_eq!(r.normalized_gap_pessimistic, None);
    }
}
