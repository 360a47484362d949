//! The inner loop every solver shares: the expected next value of one state-action row, the
//! tie rule, and a deterministic parallel map over states.
//!
//! Parallel sweeps split the states into fixed-size chunks; each state's result is computed
//! from the previous iterate alone, in a fixed order, so results are bit-identical for any
//! number of threads. The only reduction is a maximum, which does not depend on order.

use rayon::prelude::*;

use crate::compile::{Mdp, TERMINAL};

/// Relative tolerance of the tie rule: an action is optimal when its value is within
/// `TIE_TOLERANCE * max(1, |best|)` of the best.
pub const TIE_TOLERANCE: f64 = 1e-9;

/// States per parallel task.
const CHUNK: usize = 1024;
/// Below this many items a sweep runs on the calling thread (same results, less overhead).
const PARALLEL_MIN: usize = 8192;

/// The absolute tolerance the tie rule allows around `best`.
#[inline]
pub fn tie_tolerance(best: f64) -> f64 {
    TIE_TOLERANCE * best.abs().max(1.0)
}

/// `Σ p · v[next]` over the non-terminal transitions of `row` (`state * num_actions + action`).
#[inline]
pub(crate) fn expect(mdp: &Mdp, row: usize, v: &[f64]) -> f64 {
    let (lo, hi) = (mdp.offsets[row] as usize, mdp.offsets[row + 1] as usize);
    expect_range(&mdp.next[lo..hi], &mdp.prob[lo..hi], v)
}

/// `Σ p · v[next]` over the non-terminal transitions among `next` and `prob`, in order.
///
/// Branch-free: the value of a terminal transition's next state is loaded (the index is a
/// valid state) and replaced by `0` after the product. Adding `+0.0` to the sum changes
/// nothing, as the sum starts at `+0.0` and so is never `-0.0`: the result is bit-identical
/// to skipping terminal transitions.
#[inline(always)]
pub(crate) fn expect_range(next: &[u32], prob: &[f64], v: &[f64]) -> f64 {
    let mut acc = 0.0;
    for (&n, &p) in next.iter().zip(prob) {
        let x = p * v[(n & !TERMINAL) as usize];
        acc += if n & TERMINAL == 0 { x } else { 0.0 };
    }
    acc
}

/// `max_a [r(s, a) + γ Σ p · v[next]]` over the actions of `state` (`rewards` per row), as
/// `f64::max` over the actions would give it (see [`crate::LiveTable`]'s sweep, which runs
/// the same loop).
#[inline(always)]
pub(crate) fn best_value(
    mdp: &Mdp,
    rewards: &[f64],
    discount: f64,
    state: usize,
    v: &[f64],
) -> f64 {
    let na = mdp.num_actions;
    let base = state * na;
    let offsets = &mdp.offsets[base..=base + na];
    let rewards = &rewards[base..base + na];
    let (lo, hi) = (offsets[0] as usize, offsets[na] as usize);
    let (mut next, mut prob) = (&mdp.next[lo..hi], &mdp.prob[lo..hi]);
    let mut start = lo;
    let mut best = f64::NEG_INFINITY;
    for (&end, &r) in offsets[1..].iter().zip(rewards) {
        let len = end as usize - start;
        start = end as usize;
        let (row_next, rest_next) = next.split_at(len);
        let (row_prob, rest_prob) = prob.split_at(len);
        (next, prob) = (rest_next, rest_prob);
        // No q is -0.0 (discount * sum never is) and a NaN q is skipped: f64::max.
        let q = r + discount * expect_range(row_next, row_prob, v);
        best = if q > best { q } else { best };
    }
    best
}

/// The tie rule: the lowest action index whose value is within [`tie_tolerance`] of the
/// maximum, and that maximum.
#[inline]
pub fn greedy(q: &[f64]) -> (usize, f64) {
    let best = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tol = tie_tolerance(best);
    let a = q.iter().position(|&x| x >= best - tol).unwrap_or(0);
    (a, best)
}

/// Bit mask of the actions whose value is within [`tie_tolerance`] of `best`.
#[inline]
pub(crate) fn optimal_mask(q: &[f64], best: f64) -> u32 {
    let tol = tie_tolerance(best);
    q.iter()
        .enumerate()
        .filter(|(_, x)| **x >= best - tol)
        .fold(0, |m, (a, _)| m | 1 << a)
}

/// Calls `f(i, &mut out[i])` for every index, in parallel for long slices.
pub(crate) fn for_each_index<T: Send>(out: &mut [T], f: impl Fn(usize, &mut T) + Sync) {
    if out.len() < PARALLEL_MIN {
        for (i, o) in out.iter_mut().enumerate() {
            f(i, o);
        }
    } else {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                for (j, o) in chunk.iter_mut().enumerate() {
                    f(c * CHUNK + j, o);
                }
            });
    }
}

/// Like [`for_each_index`], returning the maximum of the values `f` returns (`0` when empty;
/// a NaN counts as infinity so that it cannot hide).
pub(crate) fn for_each_index_max<T: Send>(
    out: &mut [T],
    f: impl Fn(usize, &mut T) -> f64 + Sync,
) -> f64 {
    let g = |i: usize, o: &mut T| {
        let x = f(i, o);
        if x.is_nan() { f64::INFINITY } else { x }
    };
    if out.len() < PARALLEL_MIN {
        out.iter_mut()
            .enumerate()
            .map(|(i, o)| g(i, o))
            .fold(0.0, f64::max)
    } else {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                chunk
                    .iter_mut()
                    .enumerate()
                    .map(|(j, o)| g(c * CHUNK + j, o))
                    .fold(0.0, f64::max)
            })
            .reduce(|| 0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_rule_takes_the_lowest_index_within_tolerance() {
        assert_eq!(greedy(&[1.0, 3.0, 3.0 - 1e-12, 2.0]), (1, 3.0));
        assert_eq!(greedy(&[3.0 - 1e-12, 3.0]), (0, 3.0));
        assert_eq!(greedy(&[3.0 - 1e-6, 3.0]), (1, 3.0));
        assert_eq!(optimal_mask(&[3.0, 1.0, 3.0], 3.0), 0b101);
    }

    #[test]
    fn parallel_max_sees_nan() {
        let mut v = vec![0.0; 10_000];
        let m = for_each_index_max(&mut v, |i, o| {
            *o = i as f64;
            if i == 5000 { f64::NAN } else { 1.0 }
        });
        assert_eq!(m, f64::INFINITY);
        assert_eq!(v[9999], 9999.0);
    }
}
