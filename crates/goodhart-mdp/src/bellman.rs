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
/// `f64::max` over the actions would give it.
#[inline(always)]
pub(crate) fn best_value(
    mdp: &Mdp,
    rewards: &[f64],
    discount: f64,
    state: usize,
    v: &[f64],
) -> f64 {
    let table = (&mdp.offsets[..], &mdp.next[..], &mdp.prob[..]);
    best_of_rows(
        table,
        rewards,
        mdp.num_actions,
        state,
        discount,
        |next, prob| expect_range(next, prob, v),
    )
}

/// The maximum over the `num_actions` rows of `state` in a CSR table `(offsets, next, prob)`
/// of `reward + discount * expect(row's next, row's prob)`, as `f64::max` would give it: no q
/// is `-0.0` (`discount * sum` never is) and a NaN q is skipped. The sweeps of the whole table
/// ([`best_value`]) and of [`crate::LiveTable`] share it, each with its own expectation.
#[inline(always)]
pub(crate) fn best_of_rows(
    (offsets, next, prob): (&[u32], &[u32], &[f64]),
    rewards: &[f64],
    num_actions: usize,
    state: usize,
    discount: f64,
    expect: impl Fn(&[u32], &[f64]) -> f64,
) -> f64 {
    let base = state * num_actions;
    let offsets = &offsets[base..=base + num_actions];
    let rewards = &rewards[base..base + num_actions];
    let (lo, hi) = (offsets[0] as usize, offsets[num_actions] as usize);
    let (mut next, mut prob) = (&next[lo..hi], &prob[lo..hi]);
    let mut start = lo;
    let mut best = f64::NEG_INFINITY;
    for (&end, &r) in offsets[1..].iter().zip(rewards) {
        let len = end as usize - start;
        start = end as usize;
        let (row_next, rest_next) = next.split_at(len);
        let (row_prob, rest_prob) = prob.split_at(len);
        (next, prob) = (rest_next, rest_prob);
        let q = r + discount * expect(row_next, row_prob);
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
