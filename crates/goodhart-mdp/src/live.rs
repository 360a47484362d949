//! The part of a table that value iteration must compute (graph precomputation).
//!
//! A state from which no transition with a nonzero reward can be reached, under any policy,
//! has value `0` at every iterate of value iteration started from `V = 0` (the AISG's goal and
//! lava after the episode's end, Storm's `Prob0` and `Prob1` states for a reachability
//! reward). [`LiveTable`] drops those states, the transitions into them, and terminal
//! transitions (whose next value is never collected), renumbers the remaining *live* states
//! `0..k` in their table order, and keeps each row's expected reward. A sweep over it reads
//! less and needs no terminal test.
//!
//! Every dropped term is `p · (+0.0)` in a sum that starts at `+0.0`, and adding `+0.0`
//! changes no such sum, so a sweep over the live table gives, state for state, bit-identical
//! values to a sweep over the whole table ([`crate::bellman_sweep`]).

use crate::bellman::{best_of_rows, for_each_index_max};
use crate::compile::{Mdp, Rewards, TERMINAL};

/// The live states of a table for one reward (see the module documentation), as a compact
/// sparse table indexed by live-state number.
#[derive(Debug, Clone)]
pub struct LiveTable {
    num_actions: usize,
    num_states: usize,
    /// Index in the full table of each live state, increasing.
    states: Vec<u32>,
    /// Row `i * num_actions + a` of live state `i` spans `offsets[row]..offsets[row + 1]`.
    offsets: Vec<u32>,
    /// Live-state numbers of the kept transitions.
    next: Vec<u32>,
    prob: Vec<f64>,
    /// Expected immediate reward of every row (from [`Rewards::per_row`]).
    reward: Vec<f64>,
}

impl LiveTable {
    /// The live part of `mdp` for `rewards` (see [`live_states`]), copied into a compact
    /// table.
    pub fn new(mdp: &Mdp, rewards: &Rewards) -> Self {
        let (n, na) = (mdp.num_states(), mdp.num_actions);
        let live = live_states(mdp, rewards, MAX_PASSES);
        let mut number = vec![u32::MAX; n];
        let mut states = Vec::new();
        for (s, _) in live.iter().enumerate().filter(|(_, l)| **l) {
            number[s] = states.len() as u32;
            states.push(s as u32);
        }
        let mut offsets = Vec::with_capacity(states.len() * na + 1);
        offsets.push(0u32);
        // At most every transition is kept; pages never written are never touched.
        let mut next = Vec::with_capacity(mdp.next.len());
        let mut prob = Vec::with_capacity(mdp.next.len());
        let mut reward = Vec::with_capacity(states.len() * na);
        for &s in &states {
            for row in s as usize * na..(s as usize + 1) * na {
                for k in mdp.offsets[row] as usize..mdp.offsets[row + 1] as usize {
                    let t = mdp.next[k];
                    if t & TERMINAL == 0 && live[t as usize] {
                        next.push(number[t as usize]);
                        prob.push(mdp.prob[k]);
                    }
                }
                offsets.push(next.len() as u32);
                reward.push(rewards.per_row[row]);
            }
        }
        LiveTable {
            num_actions: na,
            num_states: n,
            states,
            offsets,
            next,
            prob,
            reward,
        }
    }

    /// Number of live states.
    pub fn num_live(&self) -> usize {
        self.states.len()
    }

    /// Number of kept transitions.
    pub fn num_transitions(&self) -> usize {
        self.next.len()
    }

    /// The full-table index of every live state, increasing.
    pub fn states(&self) -> &[u32] {
        &self.states
    }

    /// Bytes one Jacobi sweep reads and writes at least: the table (row offsets, rewards,
    /// next states and probabilities), the previous values once and the new values.
    pub fn sweep_bytes(&self) -> usize {
        4 * self.offsets.len() + 8 * self.reward.len() + 12 * self.next.len() + 16 * self.num_live()
    }

    /// `max_a [r(i, a) + γ Σ p · v[next]]` for live state `i` (`v` indexed by live number).
    ///
    /// The rows are split off the state's transitions one after the other (one bounds check
    /// per row), and the maximum is a plain comparison, which is `f64::max` here in fewer
    /// instructions: a NaN `q` is skipped by both, and no `q` is `-0.0` (`γ · acc` never is,
    /// as `acc` starts at `+0.0` and `γ > 0`), where the two could differ.
    #[inline(always)]
    fn best(&self, discount: f64, i: usize, v: &[f64]) -> f64 {
        let table = (&self.offsets[..], &self.next[..], &self.prob[..]);
        best_of_rows(
            table,
            &self.reward,
            self.num_actions,
            i,
            discount,
            |next, prob| {
                let mut acc = 0.0;
                for (&t, &p) in next.iter().zip(prob) {
                    acc += p * v[t as usize];
                }
                acc
            },
        )
    }

    /// One Jacobi sweep over the live states (`prev` and `out` indexed by live number), as
    /// [`crate::bellman_sweep`]: returns the largest change (relative with `relative`).
    /// Parallel; bit-identical for any thread count.
    pub fn sweep(&self, discount: f64, prev: &[f64], out: &mut [f64], relative: bool) -> f64 {
        for_each_index_max(out, |i, o| {
            let best = self.best(discount, i, prev);
            *o = best;
            change(best, prev[i], relative)
        })
    }

    /// One Gauss–Seidel sweep in decreasing live number, updating `v` in place; returns the
    /// largest change (relative with `relative`; a NaN counts as infinity).
    pub fn sweep_gauss_seidel(&self, discount: f64, v: &mut [f64], relative: bool) -> f64 {
        let mut residual: f64 = 0.0;
        for i in (0..self.num_live()).rev() {
            let best = self.best(discount, i, v);
            let d = change(best, v[i], relative);
            residual = if d.is_nan() {
                f64::INFINITY
            } else {
                residual.max(d)
            };
            v[i] = best;
        }
        residual
    }

    /// Values of the full table from values of the live states (`0` elsewhere).
    pub fn expand(&self, live_values: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; self.num_states];
        for (&s, &x) in self.states.iter().zip(live_values) {
            v[s as usize] = x;
        }
        v
    }
}

/// Passes over the table before [`live_states`] falls back on the reversed graph.
pub(crate) const MAX_PASSES: usize = 8;

/// Which states can reach a transition with a nonzero (or NaN) reward along non-terminal
/// transitions, under some policy: the least fixed point of "earns itself, or has a
/// non-terminal successor that is live".
///
/// Found by sweeping the table from the highest state down, then up, and so on (each pass
/// streams the table once; a breadth-first numbering makes most witnesses run upwards, so a
/// few passes settle it) until a pass changes nothing; after [`MAX_PASSES`] passes, by a
/// search over the reversed graph instead (its look-ups are cache misses on large tables).
pub(crate) fn live_states(mdp: &Mdp, rewards: &Rewards, max_passes: usize) -> Vec<bool> {
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let state_range = |s: usize| {
        (
            mdp.offsets[s * na] as usize,
            mdp.offsets[(s + 1) * na] as usize,
        )
    };
    let mut live: Vec<bool> = (0..n)
        .map(|s| {
            let (lo, hi) = state_range(s);
            mdp.label[lo..hi]
                .iter()
                .any(|&l| rewards.per_label[l as usize] != 0.0)
        })
        .collect();
    let reaches_live = |live: &[bool], s: usize| {
        let (lo, hi) = state_range(s);
        mdp.next[lo..hi]
            .iter()
            .any(|&t| t & TERMINAL == 0 && live[t as usize])
    };
    for pass in 0..max_passes {
        let mut changed = false;
        for k in 0..n {
            let s = if pass % 2 == 0 { n - 1 - k } else { k };
            if !live[s] && reaches_live(&live, s) {
                live[s] = true;
                changed = true;
            }
        }
        if !changed {
            return live;
        }
    }
    // Predecessors of every state along non-terminal transitions (CSR, by counting), then a
    // search from every live state.
    let mut pred_start = vec![0u32; n + 1];
    for &t in &mdp.next {
        if t & TERMINAL == 0 {
            pred_start[t as usize + 1] += 1;
        }
    }
    for i in 0..n {
        pred_start[i + 1] += pred_start[i];
    }
    let mut fill = pred_start.clone();
    let mut pred = vec![0u32; pred_start[n] as usize];
    for s in 0..n {
        let (lo, hi) = state_range(s);
        for &t in &mdp.next[lo..hi] {
            if t & TERMINAL == 0 {
                let f = &mut fill[t as usize];
                pred[*f as usize] = s as u32;
                *f += 1;
            }
        }
    }
    let mut stack: Vec<u32> = (0..n as u32).filter(|&s| live[s as usize]).collect();
    while let Some(t) = stack.pop() {
        let t = t as usize;
        for &s in &pred[pred_start[t] as usize..pred_start[t + 1] as usize] {
            if !live[s as usize] {
                live[s as usize] = true;
                stack.push(s);
            }
        }
    }
    live
}

/// The change of one state's value by a sweep's rule.
#[inline(always)]
pub(crate) fn change(new: f64, old: f64, relative: bool) -> f64 {
    let d = (new - old).abs();
    if relative && d != 0.0 {
        d / new.abs()
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{CompileOptions, compile};
    use crate::synthetic::SlipperyGrid;

    #[test]
    fn passes_and_the_reversed_graph_find_the_same_live_states() {
        for (lava, seed) in [(0.1, 0), (0.3, 1), (0.4, 2), (0.45, 3), (0.5, 4)] {
            let grid = SlipperyGrid::new(30, lava, seed);
            let c = compile(&grid, &CompileOptions::default()).unwrap();
            for objective in [c.mdp.proxy(), c.mdp.true_objective()] {
                let r = c.mdp.rewards(objective);
                let graph = live_states(&c.mdp, &r, 0);
                assert!(graph.iter().any(|&l| !l));
                for passes in [1, 2, MAX_PASSES, 10_000] {
                    assert_eq!(
                        live_states(&c.mdp, &r, passes),
                        graph,
                        "{lava} {seed} {passes}"
                    );
                }
            }
        }
    }

    #[test]
    fn drops_the_absorbing_states_and_the_transitions_into_them() {
        let grid = SlipperyGrid::new(12, 0.1, 3);
        let c = compile(&grid, &CompileOptions::default()).unwrap();
        let r = c.mdp.rewards(c.mdp.proxy());
        let live = LiveTable::new(&c.mdp, &r);
        let is_live = |cell: u32| {
            let i = c.states.iter().position(|&x| x == cell).unwrap() as u32;
            live.states().binary_search(&i).is_ok()
        };
        // Goal, broken and lava earn nothing afterwards; the start can reach the goal.
        assert!(!is_live(grid.goal()) && !is_live(grid.broken()) && is_live(0));
        let lava = c.states.iter().filter(|&&x| grid.is_lava(x)).count();
        assert!(lava > 0);
        assert!(c.states.iter().all(|&x| !grid.is_lava(x) || !is_live(x)));
        assert!(live.num_live() <= c.states.len() - lava - 2);
        // No transition to `broken` is kept: at most 3 per row.
        assert!(live.num_transitions() <= 3 * 4 * live.num_live());
    }
}
