//! Pattern-compressed ("stencil") tables: a Jacobi sweep that reads the value vector and a
//! few bytes per run of states, instead of every transition.
//!
//! Many large MDPs offer the same *shape* of choice in most states: in a gridworld whose states
//! are numbered row-major, the move up from an interior cell `s` leads to `s − W`, `s − 1` and
//! `s + 1` with the same probabilities everywhere. A [`StencilTable`] stores each distinct
//! choice once, as a *pattern* (its expected reward and its successors as offsets relative to
//! the state, with their probabilities), and the states as *blocks*: maximal runs of
//! consecutive states whose actions have the same patterns. A sweep then computes, for each
//! block and action, `q[s] = r + γ Σ_k p_k V[s + off_k]` over the block's contiguous range of
//! states — a loop the compiler vectorizes — and the maximum over the actions.
//!
//! # Conversion ([`StencilTable::new`], [`StencilTable::from_compiled`])
//! * States are renumbered so that offsets repeat: [`StencilTable::from_compiled`] sorts them
//!   by their model state (the compiler numbers them in discovery order); [`StencilTable::new`]
//!   takes any permutation. [`StencilTable::order`] maps back to table indices.
//! * As in [`LiveTable`](crate::LiveTable), states that cannot reach a nonzero reward
//!   (*dead* states: absorbing goal, lava, `broken`) have value `0` at every iterate from
//!   `V = 0`. Their own rows are not stored. Terminal transitions contribute nothing and are
//!   dropped. A transition into a dead state contributes `p · 0` and may be kept or dropped
//!   without changing a sum: it is kept when its offset is a *regular* one (used by at least
//!   1/1024 of the transitions into live states) so that a cell next to lava keeps the
//!   pattern of its neighbours, and dropped otherwise (the offset to a single `broken` state
//!   differs from state to state).
//! * A run of at most [`MAX_GAP`] dead states between two states of the same block joins the
//!   block: the sweep computes the block's stencil there too, then writes `0` over those
//!   states (a list of such states is stored). Longer runs of dead states are blocks of zeros.
//! * The conversion declines ([`StencilDeclined`]) when there are more than
//!   [`StencilOptions::max_patterns`] distinct patterns or fewer than
//!   [`StencilOptions::min_block`] states per block on average: then the sparse table is the
//!   better sweep ([`value_iteration_stencil`] falls back on it).
//!
//! # The sweep
//! States are processed in chunks of a block (at most 512 states, so that they stay in the
//! first-level cache). For a block whose actions have at most 4 terms each (5 actions at most)
//! one *fused* pass computes every action's sum and the running maximum in registers (each
//! action padded to the block's most terms with `0 · V[s]`); other blocks take one pass per
//! action. Every pass is a loop over contiguous slices of the value vector, sliced (and so
//! bounds-checked) once per chunk, which the compiler vectorizes. Then the dead states of the
//! chunk are zeroed and its largest change taken.
//!
//! # Exactness
//! Each pattern keeps its transitions in table order, and the sweep evaluates
//! `r + γ · (((0 + p₁v₁) + p₂v₂) + …)` and the maximum with the same IEEE operations, in the
//! same order, as [`LiveTable`](crate::LiveTable)'s sweep (and so [`crate::bellman_sweep`]).
//! The terms it adds or omits besides are `p · (+0.0)` (transitions into dead states) and
//! `0 · v` (padding), and a sum that starts at `+0.0` never becomes `-0.0`, so they change
//! nothing; the fused passes also drop the leading `0 +`, which only matters for a sum of
//! `-0.0` terms and is undone exactly (see `fused`). So, given the same values (dead states at
//! `0`), a stencil sweep's values are bit-identical, state for state, to the sparse table's
//! — the error bound is zero, not a rounding tolerance — and so are its largest change and the
//! iterates, sweep counts and values of [`StencilTable::value_iteration`]. The one exception
//! is a non-finite value: a padding term `0 · ∞` is NaN, so a state the sparse sweep sets to
//! `±∞` may come out NaN (value iteration reports divergence either way). Every state's value
//! is computed by the same operations whatever the chunking, so results do not depend on the
//! number of threads.

use std::fmt;

use goodhart_core::Result;
use indexmap::IndexMap;
use rayon::prelude::*;

use crate::compile::{CompiledMdp, FxBuild, Mdp, Rewards, TERMINAL};
use crate::discounted::{
    DiscountedOptions, DiscountedSolution, check_value_iteration, jacobi, solution, value_iteration,
};
use crate::live::{MAX_PASSES, live_states};

/// Longest run of dead states that joins the block around it (see the module documentation).
pub const MAX_GAP: usize = 16;

/// Block id of a run of dead states (values `0`).
const ZERO: u32 = u32::MAX;
/// Tuple id of a dead state during the conversion.
const DEAD: u32 = u32::MAX;
/// States per inner pass: the chunk's values stay in the first-level cache between its
/// passes (one per action, or one fused pass, then the largest change).
const CHUNK: usize = 512;
/// States per parallel task.
const TASK: usize = 1 << 14;
/// Below this many states a sweep runs on the calling thread (same results).
const PARALLEL_MIN: usize = 1 << 15;
/// An offset is regular when at least this fraction (`1 / REGULAR`) of the transitions into
/// live states use it.
const REGULAR: usize = 1024;

/// Settings of the conversion to a [`StencilTable`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StencilOptions {
    /// Most distinct choice patterns (reward, offsets and probabilities of a state-action).
    pub max_patterns: usize,
    /// Fewest states per block on average (including runs of dead states): below it a sweep
    /// spends its time on blocks rather than states. On the 1M-state slippery grid a block
    /// costs about as much as 25 states' stencils, and the sparse (live) table's sweep was
    /// faster below about 4 states per block.
    pub min_block: f64,
}

impl Default for StencilOptions {
    fn default() -> Self {
        StencilOptions {
            max_patterns: 4096,
            min_block: 6.0,
        }
    }
}

/// Why a table was not converted (the sparse table serves instead).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StencilDeclined {
    /// More distinct choice patterns than [`StencilOptions::max_patterns`].
    TooManyPatterns {
        /// The limit.
        limit: usize,
    },
    /// Fewer states per block than [`StencilOptions::min_block`].
    ShortBlocks {
        /// States per block.
        states_per_block: f64,
        /// The limit.
        limit: f64,
    },
}

impl fmt::Display for StencilDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StencilDeclined::TooManyPatterns { limit } => write!(
                f,
                "the table's choices do not repeat: more than {limit} distinct patterns"
            ),
            StencilDeclined::ShortBlocks {
                states_per_block,
                limit,
            } => write!(
                f,
                "runs of states with the same patterns are too short: {states_per_block:.1} \
                 states per block on average, fewer than {limit}"
            ),
        }
    }
}

impl std::error::Error for StencilDeclined {}

/// One choice pattern: expected reward, and its terms `offsets[start..start + len]`,
/// `probs[start..start + len]` in table order.
#[derive(Debug, Clone, Copy)]
struct Choice {
    reward: f64,
    start: u32,
    len: u32,
}

/// How a sweep computes a tuple's states: all actions in one pass over the states, each
/// action's sum in a register and the maximum in another (`terms > 0`), or one pass per
/// action (`terms == 0`: more than [`MAX_FUSED_ACTIONS`] actions or [`MAX_FUSED_TERMS`] terms).
#[derive(Debug, Clone, Copy)]
struct Fused {
    /// Terms per action after padding (the most of any action), or 0.
    terms: u32,
    /// Every action's expected reward is `0` (with discount 1, `q` is the sum itself).
    zero_rewards: bool,
    /// Index of the first term in `fused_offsets` and `fused_probs`.
    start: u32,
}

/// Most actions of a fused kernel.
const MAX_FUSED_ACTIONS: usize = 5;
/// Most terms per action of a fused kernel.
const MAX_FUSED_TERMS: usize = 4;

/// A table compressed into choice patterns and blocks of states (see the module
/// documentation). States are numbered in *stencil order* ([`StencilTable::order`]); the
/// values a sweep reads and writes are in that order.
#[derive(Debug, Clone)]
pub struct StencilTable {
    num_actions: usize,
    num_live: usize,
    /// Table index of the state with each stencil number.
    order: Vec<u32>,
    choices: Vec<Choice>,
    offsets: Vec<isize>,
    probs: Vec<f64>,
    /// Choice pattern of each action, `num_actions` per tuple.
    tuples: Vec<u32>,
    /// The fused kernel of each tuple (see [`Fused`]).
    fused: Vec<Fused>,
    /// Terms of the fused kernels: per tuple, `num_actions × terms` offsets and
    /// probabilities, each action's padded to `terms` with `(0, 0.0)`.
    fused_offsets: Vec<isize>,
    fused_probs: Vec<f64>,
    /// Expected reward of each action of each tuple, `num_actions` per tuple.
    tuple_rewards: Vec<f64>,
    /// Block `b` spans states `block_start[b]..block_start[b + 1]` (one more entry than
    /// blocks).
    block_start: Vec<u32>,
    /// Tuple of each block, or [`ZERO`].
    block_tuple: Vec<u32>,
    /// Dead states inside blocks of live states (their values are overwritten with `0`),
    /// increasing.
    zero: Vec<u32>,
}

impl StencilTable {
    /// Converts a compiled table for `rewards`, numbering its states in the order of their
    /// model states (`Ord`), so that a grid whose state is its cell comes out row-major.
    pub fn from_compiled<S: Copy + Ord + Send>(
        compiled: &CompiledMdp<S>,
        rewards: &Rewards,
        options: &StencilOptions,
    ) -> std::result::Result<Self, StencilDeclined> {
        let mut keyed: Vec<(S, u32)> = compiled
            .states
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, i as u32))
            .collect();
        // The states are distinct, so the order is unique.
        keyed.par_sort_unstable();
        let order = keyed.into_iter().map(|(_, i)| i).collect();
        Self::new(&compiled.mdp, rewards, order, options)
    }

    /// Converts `mdp` for `rewards`, giving table state `order[i]` the stencil number `i`.
    ///
    /// # Panics
    /// If `order` is not a permutation of the table's states.
    pub fn new(
        mdp: &Mdp,
        rewards: &Rewards,
        order: Vec<u32>,
        options: &StencilOptions,
    ) -> std::result::Result<Self, StencilDeclined> {
        let (n, na) = (mdp.num_states(), mdp.num_actions);
        assert_eq!(order.len(), n, "the order must list every state once");
        let mut position = vec![u32::MAX; n];
        for (i, &s) in order.iter().enumerate() {
            let p = &mut position[s as usize];
            assert_eq!(*p, u32::MAX, "the order lists state {s} twice");
            *p = i as u32;
        }
        let live = live_states(mdp, rewards, MAX_PASSES);
        let regular = regular_offsets(mdp, &position, &live);

        // The tuple of choice patterns of every live state, interned in table order (which
        // streams the table; ids depend only on the table and the order).
        let mut choice_ids: IndexMap<Box<[u64]>, u32, FxBuild> = IndexMap::default();
        let mut tuple_ids: IndexMap<Box<[u32]>, u32, FxBuild> = IndexMap::default();
        let mut state_tuple = vec![DEAD; n];
        let mut key: Vec<u64> = Vec::new();
        // The previous live state's keys and ids (neighbours mostly share them).
        let mut last_keys: Vec<Vec<u64>> = vec![Vec::new(); na];
        let mut last_ids = vec![u32::MAX; na];
        let mut tuple = vec![0u32; na];
        let mut last_tuple: Option<(Vec<u32>, u32)> = None;
        let mut num_live = 0;
        for (s, &i) in position.iter().enumerate() {
            if !live[s] {
                continue;
            }
            num_live += 1;
            for a in 0..na {
                let row = s * na + a;
                key.clear();
                // `-0.0` acts as `+0.0` in `r + γ · acc` (`acc` is never `-0.0`).
                let r = rewards.per_row[row];
                key.push(if r == 0.0 { 0.0f64 } else { r }.to_bits());
                for k in mdp.offsets[row] as usize..mdp.offsets[row + 1] as usize {
                    let t = mdp.next[k];
                    if t & TERMINAL != 0 {
                        continue;
                    }
                    let off = position[t as usize] as isize - i as isize;
                    if !live[t as usize] && regular.binary_search(&off).is_err() {
                        continue;
                    }
                    key.push(off as u64);
                    key.push(mdp.prob[k].to_bits());
                }
                if key != last_keys[a] {
                    let next = choice_ids.len() as u32;
                    last_ids[a] = *choice_ids.entry(key.as_slice().into()).or_insert(next);
                    if choice_ids.len() > options.max_patterns {
                        return Err(StencilDeclined::TooManyPatterns {
                            limit: options.max_patterns,
                        });
                    }
                    last_keys[a].clone_from(&key);
                }
                tuple[a] = last_ids[a];
            }
            let id = match &last_tuple {
                Some((t, id)) if *t == tuple => *id,
                _ => {
                    let next = tuple_ids.len() as u32;
                    let id = *tuple_ids.entry(tuple.as_slice().into()).or_insert(next);
                    last_tuple = Some((tuple.clone(), id));
                    id
                }
            };
            state_tuple[i as usize] = id;
        }

        let (block_start, block_tuple, zero) = blocks(&state_tuple);
        let states_per_block = n as f64 / block_tuple.len() as f64;
        if states_per_block < options.min_block {
            return Err(StencilDeclined::ShortBlocks {
                states_per_block,
                limit: options.min_block,
            });
        }

        let mut choices = Vec::with_capacity(choice_ids.len());
        let (mut offsets, mut probs) = (Vec::new(), Vec::new());
        for key in choice_ids.keys() {
            choices.push(Choice {
                reward: f64::from_bits(key[0]),
                start: offsets.len() as u32,
                len: (key.len() / 2) as u32,
            });
            for term in key[1..].chunks_exact(2) {
                offsets.push(term[0] as isize);
                probs.push(f64::from_bits(term[1]));
            }
        }
        let tuples: Vec<u32> = tuple_ids.keys().flat_map(|t| t.iter().copied()).collect();
        let tuple_rewards = tuples.iter().map(|&c| choices[c as usize].reward).collect();
        let (mut fused, mut fused_offsets, mut fused_probs) = (Vec::new(), Vec::new(), Vec::new());
        for tuple in tuples.chunks_exact(na) {
            let terms = tuple
                .iter()
                .map(|&c| choices[c as usize].len as usize)
                .max()
                .unwrap_or(0);
            let fits = na <= MAX_FUSED_ACTIONS && (1..=MAX_FUSED_TERMS).contains(&terms);
            fused.push(Fused {
                terms: if fits { terms as u32 } else { 0 },
                zero_rewards: tuple.iter().all(|&c| choices[c as usize].reward == 0.0),
                start: fused_offsets.len() as u32,
            });
            if fits {
                for &c in tuple {
                    let Choice { start, len, .. } = choices[c as usize];
                    let (lo, hi) = (start as usize, (start + len) as usize);
                    fused_offsets.extend_from_slice(&offsets[lo..hi]);
                    fused_probs.extend_from_slice(&probs[lo..hi]);
                    for _ in len as usize..terms {
                        fused_offsets.push(0);
                        fused_probs.push(0.0);
                    }
                }
            }
        }
        Ok(StencilTable {
            num_actions: na,
            num_live,
            order,
            choices,
            offsets,
            probs,
            tuples,
            fused,
            fused_offsets,
            fused_probs,
            tuple_rewards,
            block_start,
            block_tuple,
            zero,
        })
    }

    /// Number of states (live and dead).
    pub fn num_states(&self) -> usize {
        self.order.len()
    }

    /// Number of live states (the others have value `0`).
    pub fn num_live(&self) -> usize {
        self.num_live
    }

    /// Number of distinct choice patterns.
    pub fn num_patterns(&self) -> usize {
        self.choices.len()
    }

    /// Number of distinct tuples of patterns (one pattern per action).
    pub fn num_tuples(&self) -> usize {
        self.tuples.len() / self.num_actions
    }

    /// Number of blocks (runs of states with one tuple, and runs of dead states).
    pub fn num_blocks(&self) -> usize {
        self.block_tuple.len()
    }

    /// Number of dead states inside blocks of live states, whose values a sweep overwrites
    /// with `0`.
    pub fn num_zeroed(&self) -> usize {
        self.zero.len()
    }

    /// The table index of the state with each stencil number.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Values in stencil order from values in table order.
    pub fn to_stencil_order(&self, table_values: &[f64]) -> Vec<f64> {
        self.order
            .iter()
            .map(|&s| table_values[s as usize])
            .collect()
    }

    /// Values in table order from values in stencil order.
    pub fn to_table_order(&self, values: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; values.len()];
        for (&s, &v) in self.order.iter().zip(values) {
            out[s as usize] = v;
        }
        out
    }

    /// Bytes one sweep reads and writes at least: the previous values once, the new values,
    /// the blocks, the list of zeroed states and the patterns.
    pub fn sweep_bytes(&self) -> usize {
        16 * self.num_states()
            + 4 * (self.block_start.len() + self.block_tuple.len() + self.zero.len())
            + 16 * self.choices.len()
            + 16 * self.offsets.len()
            + 4 * self.tuples.len()
    }

    /// One Jacobi sweep: writes `max_a [r(s, a) + γ Σ p V(s')]` into `out` from `prev` (both
    /// in stencil order; `prev` must be `0` on dead states, as every iterate from `V = 0` is)
    /// and returns the largest change (relative to the new value with `relative`; a NaN
    /// counts as infinity). Dead states get `0`. Parallel; bit-identical for any thread count
    /// and to [`crate::bellman_sweep`] (see the module documentation).
    ///
    /// # Panics
    /// If `prev` or `out` does not have one value per state.
    pub fn sweep(&self, discount: f64, prev: &[f64], out: &mut [f64], relative: bool) -> f64 {
        let n = self.num_states();
        assert!(
            prev.len() == n && out.len() == n,
            "a stencil sweep needs one value per state"
        );
        if n < PARALLEL_MIN {
            self.sweep_range(discount, prev, out, 0, relative)
        } else {
            out.par_chunks_mut(TASK)
                .enumerate()
                .map(|(c, o)| self.sweep_range(discount, prev, o, c * TASK, relative))
                .reduce(|| 0.0, f64::max)
        }
    }

    /// Value iteration on this table, as [`value_iteration`] (same options, stopping rule,
    /// iterates and values; see the module documentation). `mdp` and `rewards` must be the
    /// ones the table was converted from (for the greedy policy).
    ///
    /// # Panics
    /// If `mdp` has a different number of states or actions.
    pub fn value_iteration(
        &self,
        mdp: &Mdp,
        rewards: &Rewards,
        options: &DiscountedOptions,
    ) -> Result<DiscountedSolution> {
        assert!(
            mdp.num_states() == self.num_states() && mdp.num_actions == self.num_actions,
            "the stencil table was converted from another table"
        );
        let threshold = check_value_iteration(mdp, options)?;
        let g = options.discount;
        let (v, iterations, residual) = jacobi(self.num_states(), options, threshold, |p, c| {
            self.sweep(g, p, c, options.relative)
        })?;
        solution(
            mdp,
            rewards,
            g,
            self.to_table_order(&v),
            iterations,
            residual,
        )
    }

    /// The sweep of the states `start..start + out.len()` (`out` holds their new values).
    fn sweep_range(
        &self,
        discount: f64,
        prev: &[f64],
        out: &mut [f64],
        start: usize,
        relative: bool,
    ) -> f64 {
        let na = self.num_actions;
        let end = start + out.len();
        let mut b = self.block_start.partition_point(|&x| x as usize <= start) - 1;
        let mut z = self.zero.partition_point(|&x| (x as usize) < start);
        let mut residual: f64 = 0.0;
        let mut lo = start;
        while lo < end {
            let block_end = (self.block_start[b + 1] as usize).min(end);
            let id = self.block_tuple[b];
            let hi_of = |c: usize| (c + CHUNK).min(block_end);
            let mut c = lo;
            while c < block_end {
                let hi = hi_of(c);
                let dst = &mut out[c - start..hi - start];
                if id == ZERO {
                    dst.fill(0.0);
                } else {
                    if !self.fused_pass(id, discount, prev, c, dst) {
                        let tuple = &self.tuples[id as usize * na..(id as usize + 1) * na];
                        self.choice_pass::<true>(tuple[0], discount, prev, c, dst);
                        for &choice in &tuple[1..] {
                            self.choice_pass::<false>(choice, discount, prev, c, dst);
                        }
                    }
                    while let Some(&d) = self.zero.get(z).filter(|&&d| (d as usize) < hi) {
                        dst[d as usize - c] = 0.0;
                        z += 1;
                    }
                }
                residual = residual.max(largest_change(dst, &prev[c..hi], relative));
                c = hi;
            }
            lo = block_end;
            b += 1;
        }
        residual
    }

    /// `best[i] = max_a [r_a + γ Σ p V[first + i + off]]` for tuple `id` in one pass, if
    /// it has a fused kernel (else returns `false`).
    #[inline]
    fn fused_pass(
        &self,
        id: u32,
        discount: f64,
        prev: &[f64],
        first: usize,
        best: &mut [f64],
    ) -> bool {
        let na = self.num_actions;
        let f = self.fused[id as usize];
        let k = f.terms as usize;
        if k == 0 {
            return false;
        }
        let (lo, hi) = (f.start as usize, f.start as usize + na * k);
        let (off, p) = (&self.fused_offsets[lo..hi], &self.fused_probs[lo..hi]);
        let r = &self.tuple_rewards[id as usize * na..(id as usize + 1) * na];
        let plain = f.zero_rewards && discount == 1.0;
        macro_rules! dispatch {
            ($(($a:literal, $k:literal)),*) => {
                match (na, k, plain) {
                    $(
                        ($a, $k, true) => fused::<$a, $k, true>(off, p, r, discount, prev, first, best),
                        ($a, $k, false) => fused::<$a, $k, false>(off, p, r, discount, prev, first, best),
                    )*
                    _ => unreachable!("a fused kernel has 1 to {MAX_FUSED_ACTIONS} actions and 1 to {MAX_FUSED_TERMS} terms"),
                }
            };
        }
        dispatch!(
            (1, 1),
            (1, 2),
            (1, 3),
            (1, 4),
            (2, 1),
            (2, 2),
            (2, 3),
            (2, 4),
            (3, 1),
            (3, 2),
            (3, 3),
            (3, 4),
            (4, 1),
            (4, 2),
            (4, 3),
            (4, 4),
            (5, 1),
            (5, 2),
            (5, 3),
            (5, 4)
        );
        true
    }

    /// `best[i] = max(best[i], r + γ Σ p V[first + i + off])` for one choice pattern; with
    /// `FIRST`, `best` is taken to be `-∞` (the first action).
    #[inline]
    fn choice_pass<const FIRST: bool>(
        &self,
        id: u32,
        discount: f64,
        prev: &[f64],
        first: usize,
        best: &mut [f64],
    ) {
        let c = self.choices[id as usize];
        let (lo, hi) = (c.start as usize, (c.start + c.len) as usize);
        let (off, p, r) = (&self.offsets[lo..hi], &self.probs[lo..hi], c.reward);
        match off.len() {
            0 => pass::<0, FIRST>(off, p, r, discount, prev, first, best),
            1 => pass::<1, FIRST>(off, p, r, discount, prev, first, best),
            2 => pass::<2, FIRST>(off, p, r, discount, prev, first, best),
            3 => pass::<3, FIRST>(off, p, r, discount, prev, first, best),
            4 => pass::<4, FIRST>(off, p, r, discount, prev, first, best),
            5 => pass::<5, FIRST>(off, p, r, discount, prev, first, best),
            6 => pass::<6, FIRST>(off, p, r, discount, prev, first, best),
            7 => pass::<7, FIRST>(off, p, r, discount, prev, first, best),
            8 => pass::<8, FIRST>(off, p, r, discount, prev, first, best),
            _ => pass_any::<FIRST>(off, p, r, discount, prev, first, best),
        }
    }
}

/// The contiguous values `prev[first + off..][..len]` (panics if out of range, which a valid
/// table never is).
#[inline(always)]
fn shifted(prev: &[f64], first: usize, off: isize, len: usize) -> &[f64] {
    let at = first.wrapping_add_signed(off);
    &prev[at..at + len]
}

/// The running maximum of the actions' values: `max(best, q)` as `f64::max` gives it (a NaN
/// `q` is skipped; no `q` is `-0.0`), `best` being `-∞` for the first action.
#[inline(always)]
fn update<const FIRST: bool>(best: &mut f64, q: f64) {
    let b = if FIRST { f64::NEG_INFINITY } else { *best };
    *best = if q > b { q } else { b };
}

/// [`StencilTable::choice_pass`] for a pattern of `K` terms: the terms' sum stays in a
/// register, and the loop over states is vectorized.
#[inline(always)]
fn pass<const K: usize, const FIRST: bool>(
    off: &[isize],
    probs: &[f64],
    reward: f64,
    discount: f64,
    prev: &[f64],
    first: usize,
    best: &mut [f64],
) {
    let len = best.len();
    let p: [f64; K] = std::array::from_fn(|k| probs[k]);
    let src: [&[f64]; K] = std::array::from_fn(|k| shifted(prev, first, off[k], len));
    for (i, b) in best.iter_mut().enumerate() {
        let mut acc = 0.0;
        for k in 0..K {
            acc += p[k] * src[k][i];
        }
        update::<FIRST>(b, reward + discount * acc);
    }
}

/// [`StencilTable::fused_pass`] for `NA` actions of `K` terms each (padded with `0 · V[s]`):
/// every action's sum and the maximum stay in registers, and the loop over states is
/// vectorized.
///
/// The sums start at their first term, not at `+0.0` as the sparse sweep's do: that can only
/// turn a `+0.0` sum into `-0.0` (when every term is `-0.0`). Without `PLAIN`, `r + γ · acc`
/// then maps `-0.0` and `+0.0` to the same `q` (`r` is never `-0.0`: patterns store `-0.0`
/// rewards as `+0.0`, which acts the same in the sparse sweep). With `PLAIN` (every
/// reward `0`, discount 1, so `q` is the sum itself) a `q` may come out `-0.0` where the sparse
/// sweep has `+0.0`; the maximum compares them as equal, so it picks the same action, and
/// adding `+0.0` to it restores `+0.0`. Either way the result equals the sparse sweep's, bit
/// for bit, as long as the values are finite (a padding term `0 · ∞` would be NaN).
#[inline(always)]
fn fused<const NA: usize, const K: usize, const PLAIN: bool>(
    off: &[isize],
    probs: &[f64],
    rewards: &[f64],
    discount: f64,
    prev: &[f64],
    first: usize,
    best: &mut [f64],
) {
    let len = best.len();
    let p: [[f64; K]; NA] = std::array::from_fn(|a| std::array::from_fn(|k| probs[a * K + k]));
    let r: [f64; NA] = std::array::from_fn(|a| rewards[a]);
    let src: [[&[f64]; K]; NA] =
        std::array::from_fn(|a| std::array::from_fn(|k| shifted(prev, first, off[a * K + k], len)));
    for (i, b) in best.iter_mut().enumerate() {
        let mut m = f64::NEG_INFINITY;
        for a in 0..NA {
            let mut acc = p[a][0] * src[a][0][i];
            for k in 1..K {
                acc += p[a][k] * src[a][k][i];
            }
            let q = if PLAIN { acc } else { r[a] + discount * acc };
            m = if q > m { q } else { m };
        }
        *b = if PLAIN { m + 0.0 } else { m };
    }
}

/// [`StencilTable::choice_pass`] for any number of terms: one vectorized pass per term into
/// a buffer of sums.
fn pass_any<const FIRST: bool>(
    off: &[isize],
    probs: &[f64],
    reward: f64,
    discount: f64,
    prev: &[f64],
    first: usize,
    best: &mut [f64],
) {
    let len = best.len();
    let mut buf = [0.0f64; CHUNK];
    let acc = &mut buf[..len];
    for (&o, &p) in off.iter().zip(probs) {
        for (a, &v) in acc.iter_mut().zip(shifted(prev, first, o, len)) {
            *a += p * v;
        }
    }
    for (b, &a) in best.iter_mut().zip(acc.iter()) {
        update::<FIRST>(b, reward + discount * a);
    }
}

/// The largest change from `old` to `new` by [`crate::live::change`]'s rule (a NaN counts as infinity).
#[inline]
fn largest_change(new: &[f64], old: &[f64], relative: bool) -> f64 {
    if relative {
        largest_change_by::<true>(new, old)
    } else {
        largest_change_by::<false>(new, old)
    }
}

/// [`largest_change`], in lanes that the compiler vectorizes (division included: computed
/// for every state and used where the change is nonzero, as [`crate::live::change`] does).
#[inline(always)]
fn largest_change_by<const RELATIVE: bool>(new: &[f64], old: &[f64]) -> f64 {
    const LANES: usize = 4;
    #[inline(always)]
    fn step<const RELATIVE: bool>(m: f64, x: f64, y: f64) -> f64 {
        let d = (x - y).abs();
        let d = if RELATIVE {
            let r = d / x.abs();
            if d != 0.0 { r } else { d }
        } else {
            d
        };
        let d = if d.is_nan() { f64::INFINITY } else { d };
        if d > m { d } else { m }
    }
    let (new_lanes, new_rest) = new.as_chunks::<LANES>();
    let (old_lanes, old_rest) = old[..new.len()].as_chunks::<LANES>();
    let mut m = [0.0f64; LANES];
    for (x, y) in new_lanes.iter().zip(old_lanes) {
        for l in 0..LANES {
            m[l] = step::<RELATIVE>(m[l], x[l], y[l]);
        }
    }
    let mut best = m.into_iter().fold(0.0, f64::max);
    for (&x, &y) in new_rest.iter().zip(old_rest) {
        best = step::<RELATIVE>(best, x, y);
    }
    best
}

/// The offsets (sorted) that at least `1 / REGULAR` of the transitions from live states into
/// live states use (`position`: stencil number of each table state).
fn regular_offsets(mdp: &Mdp, position: &[u32], live: &[bool]) -> Vec<isize> {
    let na = mdp.num_actions;
    let mut index: IndexMap<isize, usize, FxBuild> = IndexMap::default();
    let mut count: Vec<usize> = Vec::new();
    // The last few offsets and their counters (a row's offsets repeat in the next rows).
    let mut recent = [(isize::MIN, 0usize); 8];
    let mut next_slot = 0;
    let mut total = 0;
    for (s, &i) in position.iter().enumerate() {
        if !live[s] {
            continue;
        }
        for k in mdp.offsets[s * na] as usize..mdp.offsets[(s + 1) * na] as usize {
            let t = mdp.next[k];
            if t & TERMINAL != 0 || !live[t as usize] {
                continue;
            }
            let off = position[t as usize] as isize - i as isize;
            total += 1;
            if let Some(&(_, c)) = recent.iter().find(|(o, _)| *o == off) {
                count[c] += 1;
                continue;
            }
            let c = *index.entry(off).or_insert(count.len());
            if c == count.len() {
                count.push(0);
            }
            count[c] += 1;
            recent[next_slot] = (off, c);
            next_slot = (next_slot + 1) % recent.len();
        }
    }
    let min = (total / REGULAR).max(1);
    let mut regular: Vec<isize> = index
        .into_iter()
        .filter(|&(_, c)| count[c] >= min)
        .map(|(o, _)| o)
        .collect();
    regular.sort_unstable();
    regular
}

/// Blocks of `state_tuple` (tuple ids, [`DEAD`] for dead states): their starts (and the
/// end), their tuples ([`ZERO`] for a run of dead states), and the dead states inside blocks
/// of live states. A run of at most [`MAX_GAP`] dead states between two states of the same
/// tuple joins their block.
fn blocks(state_tuple: &[u32]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n = state_tuple.len();
    let (mut start, mut tuple, mut zero) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < n {
        let t = state_tuple[i];
        if t == DEAD {
            let j = (i..n).find(|&j| state_tuple[j] != DEAD).unwrap_or(n);
            let last = tuple.last().copied();
            if j < n && j - i <= MAX_GAP && last.is_some_and(|l| l != ZERO && l == state_tuple[j]) {
                zero.extend(i as u32..j as u32);
            } else {
                start.push(i as u32);
                tuple.push(ZERO);
            }
            i = j;
        } else {
            if tuple.last() != Some(&t) {
                start.push(i as u32);
                tuple.push(t);
            }
            i += 1;
        }
    }
    start.push(n as u32);
    (start, tuple, zero)
}

/// Value iteration through a [`StencilTable`] when `compiled` converts to one (default
/// [`StencilOptions`]), else through the sparse table ([`value_iteration`]): the same
/// iterates and values either way (see the module documentation). Errors: as
/// [`value_iteration`].
pub fn value_iteration_stencil<S: Copy + Ord + Send>(
    compiled: &CompiledMdp<S>,
    rewards: &Rewards,
    options: &DiscountedOptions,
) -> Result<DiscountedSolution> {
    check_value_iteration(&compiled.mdp, options)?;
    match StencilTable::from_compiled(compiled, rewards, &StencilOptions::default()) {
        Ok(table) => table.value_iteration(&compiled.mdp, rewards, options),
        Err(_) => value_iteration(&compiled.mdp, rewards, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_dead_runs_join_the_block_around_them() {
        const D: u32 = DEAD;
        let (start, tuple, zero) = blocks(&[D, 0, 0, D, D, 0, 1, D, 1, D, D]);
        assert_eq!(start, [0, 1, 6, 9, 11]);
        assert_eq!(tuple, [ZERO, 0, 1, ZERO]);
        assert_eq!(zero, [3, 4, 7]);
        let mut long = vec![0; 2];
        long.extend([D; MAX_GAP + 1]);
        long.push(0);
        let (start, tuple, zero) = blocks(&long);
        assert_eq!(start, [0, 2, 2 + MAX_GAP as u32 + 1, long.len() as u32]);
        assert_eq!(tuple, [0, ZERO, 0]);
        assert!(zero.is_empty());
    }
}
