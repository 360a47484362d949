//! Exact analysis of models too large to tabulate whose state is a small *base* state plus
//! `n` binary components that change independently of each other: tomato watering (the agent's
//! cell, plus one bit per tomato that dries at random).
//!
//! Flat, such a model has `bases × 2^n` states and up to `2^n` successors per action (tomato
//! watering: 237 thousand states, about 190 million transitions). Factored, a step from
//! `(b, x)` with action `a` goes to a base `b'` that depends only on `(b, a)`, and each bit
//! `i` is 1 afterwards with probability `m0[i]` or `m1[i]` (as it was 0 or 1), independently;
//! the events are affine in the bits after the step: `α + Σ_i c_i β_i`. Then
//! `E[r + V(b', c) | b, x, a] = G(x)`, where `G` is `U(c) = r(c) + γ V(b', c)` transformed by
//! one 2×2 kernel per bit, `n 2^n` operations for all `x` at once. Backward induction,
//! lexicographic optimization and policy evaluation stay exact, at `O(H · kernels · n 2^n)`.
//!
//! [`factor`] builds the factored form from any [`FiniteModel`] and a split of its states into
//! (base, bits): it *probes* the model's own successor function (with all bits clear and all
//! bits set) to read off `b'`, the marginals and the affine events, then *verifies* the
//! factorization on sampled states against the full successor lists, so the result is the
//! engine's dynamics, not a re-implementation. A model that is not of this form is an error.

use std::collections::BTreeMap;
use std::hash::Hash;

use goodhart_core::{Error, EventSet, EventVec, FiniteModel, Objective, Result, seed};
use indexmap::{IndexMap, IndexSet};
use rayon::prelude::*;

use crate::bellman::{for_each_index, greedy, optimal_mask, tie_tolerance};
use crate::discounted::check_discount;
use crate::gap::{GapOptions, GapReport, ProxyOptimal, RandomReturns, TrueOptimal};
use crate::path::Path;
use crate::policy::{Policy, Uniform, check_finite, check_horizon};

/// Limits of [`factor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactorOptions {
    /// Most base states.
    pub max_bases: usize,
    /// Most binary components.
    pub max_bits: usize,
    /// Most flat states (`bases × 2^bits`).
    pub max_states: usize,
    /// Random bit patterns per base state checked against the model's successor lists.
    pub verify_samples: usize,
}

impl Default for FactorOptions {
    fn default() -> Self {
        FactorOptions {
            max_bases: 100_000,
            max_bits: 22,
            max_states: 20_000_000,
            verify_samples: 16,
        }
    }
}

/// What one action does from one base state.
#[derive(Debug, Clone, PartialEq)]
struct Kernel {
    next_base: u32,
    terminal: bool,
    /// Per bit: probability that it is 1 after the step, if it was 0 / 1 before.
    m0: Vec<f64>,
    m1: Vec<f64>,
    /// Events: `alpha + Σ_i c_i beta[i]` for the bits `c` after the step.
    alpha: EventVec,
    beta: Vec<EventVec>,
}

impl Kernel {
    fn key(&self) -> Vec<u64> {
        let mut k = vec![u64::from(self.next_base), u64::from(self.terminal)];
        k.extend(self.m0.iter().chain(&self.m1).map(|x| x.to_bits()));
        k.extend(self.alpha.0.iter().map(|x| x.to_bits()));
        for b in &self.beta {
            k.extend(b.0.iter().map(|x| x.to_bits()));
        }
        k
    }

    #[inline]
    fn p_one(&self, i: usize, was: bool) -> f64 {
        if was { self.m1[i] } else { self.m0[i] }
    }

    /// Probability of bits `c` after the step from bits `x`.
    fn prob(&self, x: u64, c: u64) -> f64 {
        (0..self.m0.len())
            .map(|i| {
                let p = self.p_one(i, x >> i & 1 == 1);
                if c >> i & 1 == 1 { p } else { 1.0 - p }
            })
            .product()
    }

    fn events(&self, c: u64) -> EventVec {
        let mut e = self.alpha;
        for (i, b) in self.beta.iter().enumerate() {
            if c >> i & 1 == 1 {
                e.add(b);
            }
        }
        e
    }
}

/// A factored model: base states, bits, and one kernel per (base, action).
#[derive(Debug, Clone)]
pub struct FactoredMdp<S> {
    /// The base states (model states with every bit clear), by index.
    pub bases: Vec<S>,
    num_bits: usize,
    num_actions: usize,
    horizon: u32,
    initial: Vec<(u32, u64, f64)>,
    /// Kernel of row `base * num_actions + action`.
    row_kernel: Vec<u32>,
    kernels: Vec<Kernel>,
    events: EventSet,
    proxy: Objective,
    true_objective: Objective,
}

fn not_factored(why: String) -> Error {
    Error::invalid_value(
        "factored model",
        why,
        "a base state plus binary components that change independently, with events affine \
         in the components",
    )
}

/// Outcomes of one probe, aggregated by bits: probability and events.
type Outcomes = BTreeMap<u64, (f64, EventVec)>;

fn close_events(a: &EventVec, b: &EventVec) -> bool {
    a.0.iter()
        .zip(b.0.iter())
        .all(|(x, y)| (x - y).abs() <= 1e-9 * (1.0 + x.abs().max(y.abs())))
}

/// Builds the factored form of `model` (see the module documentation). `split` maps a state
/// to its base (with every bit clear) and its bits; `join` is its inverse.
pub fn factor<M, F, J>(
    model: &M,
    split: F,
    join: J,
    options: &FactorOptions,
) -> Result<FactoredMdp<M::State>>
where
    M: FiniteModel,
    M::State: Hash,
    F: Fn(&M::State) -> (M::State, u64),
    J: Fn(&M::State, u64) -> M::State,
{
    let na = model.num_actions();
    if na == 0 || na > 32 {
        return Err(Error::invalid_value(
            "number of actions",
            na.to_string(),
            "1 to 32",
        ));
    }
    check_horizon(model.horizon())?;
    let mut bases: IndexSet<M::State> = IndexSet::new();
    let mut init = Vec::new();
    model.initial_states(&mut init);
    let mut initial = Vec::new();
    let mut seen = 0u64;
    for (s, p) in &init {
        let (b, x) = split(s);
        let (i, _) = bases.insert_full(b);
        seen |= x;
        initial.push((i as u32, x, *p));
    }
    let too_many_bases = || {
        Error::Limit(format!(
            "the factored model has more than {} base states",
            options.max_bases
        ))
    };

    // Phase 1: the base states and the bits in use, to a fixed point.
    let mut out = Vec::new();
    loop {
        let before = (bases.len(), seen);
        let mut i = 0;
        while i < bases.len() {
            let b = *bases.get_index(i).expect("in range");
            for a in 0..na {
                for probe in [0, seen] {
                    out.clear();
                    model.successors(&join(&b, probe), a, &mut out);
                    for o in &out {
                        let (nb, c) = split(&o.state);
                        bases.insert(nb);
                        seen |= c;
                    }
                    if bases.len() > options.max_bases {
                        return Err(too_many_bases());
                    }
                }
            }
            i += 1;
        }
        if (bases.len(), seen) == before {
            break;
        }
    }
    let n = (64 - seen.leading_zeros()) as usize;
    if n > options.max_bits || (bases.len() << n) > options.max_states {
        return Err(Error::Limit(format!(
            "the factored model has {} base states and {n} bits ({} states); the limits are \
             {} bits and {} states",
            bases.len(),
            (bases.len() as u128) << n,
            options.max_bits,
            options.max_states
        )));
    }
    let full = if n == 0 { 0 } else { u64::MAX >> (64 - n) };

    // Phase 2: one kernel per (base, action).
    let probe = |b: &M::State, x: u64, a: usize| -> Result<(u32, bool, Outcomes)> {
        let mut out = Vec::new();
        model.successors(&join(b, x), a, &mut out);
        let mut next: Option<(M::State, bool)> = None;
        let mut m: Outcomes = BTreeMap::new();
        for o in &out {
            if o.prob == 0.0 {
                continue;
            }
            let (nb, c) = split(&o.state);
            match next {
                None => next = Some((nb, o.terminal)),
                Some(prev) if prev != (nb, o.terminal) => {
                    return Err(not_factored(format!(
                        "from {b:?} with bits {x:#x}, action {a}, the base or the end of the \
                         episode depends on chance"
                    )));
                }
                Some(_) => {}
            }
            let e = m.entry(c).or_insert((0.0, o.events));
            if !close_events(&e.1, &o.events) {
                return Err(not_factored(format!(
                    "from {b:?}, action {a}: two outcomes with the same bits carry different events"
                )));
            }
            e.0 += o.prob;
        }
        let (nb, terminal) = next.ok_or_else(|| not_factored("a row has no successor".into()))?;
        let index = bases
            .get_index_of(&nb)
            .ok_or_else(|| not_factored(format!("base {nb:?} was not found by probing")))?;
        Ok((index as u32, terminal, m))
    };
    let marginals = |m: &Outcomes| -> Vec<f64> {
        (0..n)
            .map(|i| {
                m.iter()
                    .filter(|(c, _)| *c >> i & 1 == 1)
                    .map(|(_, v)| v.0)
                    .sum()
            })
            .collect()
    };
    // A pair of outcomes differing in bit i only: the event difference it makes.
    let pair = |lo: &Outcomes, hi: &Outcomes, i: usize| -> Option<EventVec> {
        lo.iter()
            .filter(|(c, _)| *c >> i & 1 == 0)
            .find_map(|(c, (_, e0))| {
                hi.get(&(c | 1 << i)).map(|(_, e1)| {
                    let mut d = *e1;
                    d.add_scaled(e0, -1.0);
                    d
                })
            })
    };
    let mut kernels: IndexMap<Vec<u64>, Kernel> = IndexMap::new();
    let mut row_kernel = Vec::with_capacity(bases.len() * na);
    for bi in 0..bases.len() {
        let b = *bases.get_index(bi).expect("in range");
        for a in 0..na {
            let (nb0, t0, p0) = probe(&b, 0, a)?;
            let (nb1, t1, p1) = probe(&b, full, a)?;
            if (nb0, t0) != (nb1, t1) {
                return Err(not_factored(format!(
                    "from {b:?}, action {a}: the next base depends on the bits"
                )));
            }
            let (m0, m1) = (marginals(&p0), marginals(&p1));
            let mut beta = vec![EventVec::default(); n];
            for (i, bi_beta) in beta.iter_mut().enumerate() {
                let found = pair(&p1, &p1, i).or_else(|| pair(&p0, &p0, i)).or_else(|| {
                    probe(&b, 1 << i, a)
                        .ok()
                        .and_then(|(_, _, pi)| pair(&p0, &pi, i).or_else(|| pair(&pi, &p0, i)))
                });
                if let Some(d) = found {
                    *bi_beta = d;
                }
            }
            let (c_ref, (_, e_ref)) = p1.iter().next().expect("a row has a successor");
            let mut alpha = *e_ref;
            for (i, bb) in beta.iter().enumerate() {
                if c_ref >> i & 1 == 1 {
                    alpha.add_scaled(bb, -1.0);
                }
            }
            let k = Kernel {
                next_base: nb0,
                terminal: t0,
                m0,
                m1,
                alpha,
                beta,
            };
            for (x, m) in [(0, &p0), (full, &p1)] {
                check_kernel(&k, x, m, &b, a)?;
            }
            let id = match kernels.get_index_of(&k.key()) {
                Some(id) => id,
                None => kernels.insert_full(k.key(), k).0,
            };
            row_kernel.push(id as u32);
        }
    }

    // Phase 3: verify on sampled bit patterns against the model's full successor lists.
    let kernels: Vec<Kernel> = kernels.into_values().collect();
    for bi in 0..bases.len() {
        let b = *bases.get_index(bi).expect("in range");
        for j in 0..options.verify_samples {
            let mut x = seed::derive(0x9e37, &[bi as u64, j as u64]) & full;
            // Keep the successor lists short: at most 10 bits set.
            while x.count_ones() > 10 {
                x &= x - 1;
            }
            for a in 0..na {
                let (nb, t, m) = probe(&b, x, a)?;
                let k = &kernels[row_kernel[bi * na + a] as usize];
                if (nb, t) != (k.next_base, k.terminal) {
                    return Err(not_factored(format!(
                        "from {b:?} with bits {x:#x}, action {a}: the next base differs"
                    )));
                }
                check_kernel(k, x, &m, &b, a)?;
            }
        }
    }

    let mut bases_vec: Vec<M::State> = bases.into_iter().collect();
    bases_vec.shrink_to_fit();
    Ok(FactoredMdp {
        bases: bases_vec,
        num_bits: n,
        num_actions: na,
        horizon: model.horizon(),
        initial,
        row_kernel,
        kernels,
        events: model.events().clone(),
        proxy: *model.proxy(),
        true_objective: *model.true_objective(),
    })
}

/// Checks that the outcomes `m` of a step from bits `x` are what kernel `k` predicts.
fn check_kernel<S: std::fmt::Debug>(
    k: &Kernel,
    x: u64,
    m: &Outcomes,
    b: &S,
    a: usize,
) -> Result<()> {
    let mut total = 0.0;
    for (&c, (p, e)) in m {
        let want = k.prob(x, c);
        total += want;
        if (p - want).abs() > 1e-9 * want.max(1e-3) || !close_events(e, &k.events(c)) {
            return Err(not_factored(format!(
                "from {b:?} with bits {x:#x}, action {a}: outcome {c:#x} has probability {p} \
                 and events {:?}; independent components predict {want} and {:?}",
                &e.0[..4],
                &k.events(c).0[..4]
            )));
        }
    }
    if (total - 1.0).abs() > 1e-9 {
        return Err(not_factored(format!(
            "from {b:?} with bits {x:#x}, action {a}: the model has outcomes independent \
             components do not predict (they cover probability {total})"
        )));
    }
    Ok(())
}

/// Rewards of one objective per kernel: `r(c)` for every bits `c` after the step.
struct KernelRewards {
    per_kernel: Vec<Vec<f64>>,
}

impl<S: Copy + Send + Sync> FactoredMdp<S> {
    /// Number of bits.
    pub fn num_bits(&self) -> usize {
        self.num_bits
    }

    /// Number of actions.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// Number of flat states: `bases × 2^bits`.
    pub fn num_states(&self) -> usize {
        self.bases.len() << self.num_bits
    }

    /// Number of distinct kernels (what a backward step transforms).
    pub fn num_kernels(&self) -> usize {
        self.kernels.len()
    }

    /// Number of transitions of the equivalent flat table (computed, not enumerated).
    pub fn num_transitions(&self) -> u64 {
        self.row_kernel
            .iter()
            .map(|&k| {
                let k = &self.kernels[k as usize];
                let support = |p: f64| u64::from(p > 0.0) + u64::from(p < 1.0);
                (0..self.num_bits)
                    .map(|i| support(k.m0[i]) + support(k.m1[i]))
                    .product::<u64>()
            })
            .sum()
    }

    /// The step limit.
    pub fn horizon(&self) -> u32 {
        self.horizon
    }

    /// The events transitions carry.
    pub fn events(&self) -> &EventSet {
        &self.events
    }

    /// The proxy objective.
    pub fn proxy(&self) -> &Objective {
        &self.proxy
    }

    /// The true objective.
    pub fn true_objective(&self) -> &Objective {
        &self.true_objective
    }

    /// The base and bits of flat state index `i` (`base << bits | x`).
    pub fn state(&self, i: u32) -> (&S, u64) {
        let n = self.num_bits;
        let mask = (1u64 << n) - 1;
        (&self.bases[(i as usize) >> n], u64::from(i) & mask)
    }

    fn rewards(&self, objective: &Objective) -> KernelRewards {
        let size = 1usize << self.num_bits;
        let per_kernel = self
            .kernels
            .iter()
            .map(|k| {
                let r0 = objective.evaluate(&k.alpha);
                let ri: Vec<f64> = k.beta.iter().map(|b| objective.evaluate(b)).collect();
                let mut r = vec![0.0; size];
                r[0] = r0;
                for c in 1..size {
                    let low = c.trailing_zeros() as usize;
                    r[c] = r[c & (c - 1)] + ri[low];
                }
                r
            })
            .collect();
        KernelRewards { per_kernel }
    }

    /// `G_κ(x) = Σ_c K_κ(x → c) [r_κ(c) + γ V(b'_κ, c)]` for every kernel and bits `x`.
    fn expectations(&self, r: &KernelRewards, v: &[f64], discount: f64, out: &mut [Vec<f64>]) {
        let size = 1usize << self.num_bits;
        out.par_iter_mut().enumerate().for_each(|(ki, g)| {
            let k = &self.kernels[ki];
            let rk = &r.per_kernel[ki];
            if k.terminal {
                g.copy_from_slice(rk);
            } else {
                let base = k.next_base as usize * size;
                for (c, gc) in g.iter_mut().enumerate() {
                    *gc = rk[c] + discount * v[base + c];
                }
            }
            for i in 0..self.num_bits {
                let (p0, p1) = (k.m0[i], k.m1[i]);
                let half = 1usize << i;
                for block in g.chunks_mut(2 * half) {
                    let (lo, hi) = block.split_at_mut(half);
                    for (u0, u1) in lo.iter_mut().zip(hi.iter_mut()) {
                        let (a, b) = (*u0, *u1);
                        *u0 = (1.0 - p0) * a + p0 * b;
                        *u1 = (1.0 - p1) * a + p1 * b;
                    }
                }
            }
        });
    }

    fn start_value(&self, v: &[f64]) -> f64 {
        let n = self.num_bits;
        self.initial
            .iter()
            .map(|&(b, x, p)| p * v[((b as usize) << n) | x as usize])
            .sum()
    }

    /// The exact value of `policy` (states indexed `base << bits | x`) over `horizon` steps
    /// from the initial distribution.
    pub fn evaluate(
        &self,
        objective: &Objective,
        policy: &dyn Policy,
        horizon: u32,
        discount: f64,
    ) -> Result<f64> {
        check_horizon(horizon)?;
        check_discount(discount)?;
        let (n, na, size) = (self.num_bits, self.num_actions, 1usize << self.num_bits);
        let r = self.rewards(objective);
        let mut g = vec![vec![0.0; size]; self.kernels.len()];
        let mut v = vec![0.0; self.num_states()];
        let mut next = v.clone();
        for k in 1..=horizon {
            let t = horizon - k;
            self.expectations(&r, &v, discount, &mut g);
            for_each_index(&mut next, |s, out| {
                let (b, x) = (s >> n, s & (size - 1));
                let mut pi = [0.0f64; 32];
                policy.probs(t, s, &mut pi[..na]);
                *out = (0..na)
                    .filter(|&a| pi[a] != 0.0)
                    .map(|a| pi[a] * g[self.row_kernel[b * na + a] as usize][x])
                    .sum();
            });
            std::mem::swap(&mut v, &mut next);
        }
        check_finite(&v)?;
        Ok(self.start_value(&v))
    }

    /// Backward induction for `objective`: the optimal start value, and (with `keep_policy`)
    /// the optimal action per step and state (`t * states + s`), ties by [`greedy`].
    pub fn solve(
        &self,
        objective: &Objective,
        horizon: u32,
        discount: f64,
        keep_policy: bool,
    ) -> Result<(f64, Option<Vec<u8>>)> {
        check_horizon(horizon)?;
        check_discount(discount)?;
        let (n, na, size) = (self.num_bits, self.num_actions, 1usize << self.num_bits);
        let ns = self.num_states();
        let r = self.rewards(objective);
        let mut g = vec![vec![0.0; size]; self.kernels.len()];
        let mut v = vec![0.0; ns];
        let mut step = vec![(0.0, 0u8); ns];
        let mut policy = if keep_policy {
            vec![0u8; horizon as usize * ns]
        } else {
            Vec::new()
        };
        for k in 1..=horizon {
            let t = (horizon - k) as usize;
            self.expectations(&r, &v, discount, &mut g);
            for_each_index(&mut step, |s, out| {
                let (b, x) = (s >> n, s & (size - 1));
                let mut q = [0.0f64; 32];
                for (a, qa) in q[..na].iter_mut().enumerate() {
                    *qa = g[self.row_kernel[b * na + a] as usize][x];
                }
                let (a, best) = greedy(&q[..na]);
                *out = (best, a as u8);
            });
            for (s, (val, a)) in step.iter().enumerate() {
                v[s] = *val;
                if keep_policy {
                    policy[t * ns + s] = *a;
                }
            }
        }
        check_finite(&v)?;
        Ok((self.start_value(&v), keep_policy.then_some(policy)))
    }

    /// Lexicographic backward induction (see [`crate::lexicographic`]): the optimal primary
    /// value, the least and greatest secondary values among primary-optimal policies, whether
    /// a state reachable under primary-optimal play has several optimal actions, and (with
    /// `keep`) the masks and the secondary-minimizing actions per step and state.
    fn lexicographic(
        &self,
        primary: &Objective,
        secondary: &Objective,
        horizon: u32,
        discount: f64,
    ) -> Result<FactoredLex> {
        check_horizon(horizon)?;
        check_discount(discount)?;
        let (n, na, size) = (self.num_bits, self.num_actions, 1usize << self.num_bits);
        let ns = self.num_states();
        let h = horizon as usize;
        let (rp, rs) = (self.rewards(primary), self.rewards(secondary));
        let nk = self.kernels.len();
        let mut gv = vec![vec![0.0; size]; nk];
        let mut glo = gv.clone();
        let mut ghi = gv.clone();
        let (mut v, mut lo, mut hi) = (vec![0.0; ns], vec![0.0; ns], vec![0.0; ns]);
        let mut masks = vec![0u32; h * ns];
        let mut worst = vec![0u8; h * ns];
        #[derive(Clone, Copy, Default)]
        struct Out {
            v: f64,
            lo: f64,
            hi: f64,
            mask: u32,
            worst: u8,
        }
        let mut step = vec![Out::default(); ns];
        for k in 1..=h {
            let t = h - k;
            self.expectations(&rp, &v, discount, &mut gv);
            self.expectations(&rs, &lo, discount, &mut glo);
            self.expectations(&rs, &hi, discount, &mut ghi);
            for_each_index(&mut step, |s, out| {
                let (b, x) = (s >> n, s & (size - 1));
                let row = &self.row_kernel[b * na..(b + 1) * na];
                let mut q = [0.0f64; 32];
                for (a, qa) in q[..na].iter_mut().enumerate() {
                    *qa = gv[row[a] as usize][x];
                }
                let best = q[..na].iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mask = optimal_mask(&q[..na], best);
                let (mut wmin, mut wmax) = (f64::INFINITY, f64::NEG_INFINITY);
                let mut smin = [f64::INFINITY; 32];
                for a in (0..na).filter(|a| mask & (1 << a) != 0) {
                    smin[a] = glo[row[a] as usize][x];
                    wmin = wmin.min(smin[a]);
                    wmax = wmax.max(ghi[row[a] as usize][x]);
                }
                let tol = tie_tolerance(wmin);
                let w = (0..na)
                    .find(|&a| mask & (1 << a) != 0 && smin[a] <= wmin + tol)
                    .unwrap_or(0);
                *out = Out {
                    v: best,
                    lo: wmin,
                    hi: wmax,
                    mask,
                    worst: w as u8,
                };
            });
            for (s, o) in step.iter().enumerate() {
                v[s] = o.v;
                lo[s] = o.lo;
                hi[s] = o.hi;
                masks[t * ns + s] = o.mask;
                worst[t * ns + s] = o.worst;
            }
        }
        for x in [&v, &lo, &hi] {
            check_finite(x)?;
        }
        let ties = self.reachable_ties(&masks, h);
        Ok(FactoredLex {
            primary: self.start_value(&v),
            secondary_min: self.start_value(&lo),
            secondary_max: self.start_value(&hi),
            masks,
            worst,
            ties,
        })
    }

    /// Whether a state reachable at some step under play restricted to `masks` has more than
    /// one action in its mask. Reachable sets are pushed forward per kernel with the same
    /// per-bit transform as the values (boolean: which bits can be 0 or 1 afterwards).
    fn reachable_ties(&self, masks: &[u32], h: usize) -> bool {
        let (n, na, size) = (self.num_bits, self.num_actions, 1usize << self.num_bits);
        let ns = self.num_states();
        let mut reach = vec![false; ns];
        for &(b, x, _) in &self.initial {
            reach[((b as usize) << n) | x as usize] = true;
        }
        for t in 0..h {
            let m = &masks[t * ns..(t + 1) * ns];
            if (0..ns).any(|s| reach[s] && m[s].count_ones() > 1) {
                return true;
            }
            // Per (base, action): the source bit patterns, pushed through the kernel.
            let mut next = vec![false; ns];
            for b in 0..self.bases.len() {
                for a in 0..na {
                    let k = &self.kernels[self.row_kernel[b * na + a] as usize];
                    if k.terminal {
                        continue;
                    }
                    let mut set: Vec<bool> = (0..size)
                        .map(|x| {
                            let s = (b << n) | x;
                            reach[s] && m[s] & (1 << a) != 0
                        })
                        .collect();
                    if !set.iter().any(|&x| x) {
                        continue;
                    }
                    for i in 0..n {
                        let (p0, p1) = (k.m0[i], k.m1[i]);
                        let half = 1usize << i;
                        for block in set.chunks_mut(2 * half) {
                            let (lo, hi) = block.split_at_mut(half);
                            for (x0, x1) in lo.iter_mut().zip(hi.iter_mut()) {
                                let (a0, a1) = (*x0, *x1);
                                // Bit i after the step is 0 / 1.
                                *x0 = (a0 && p0 < 1.0) || (a1 && p1 < 1.0);
                                *x1 = (a0 && p0 > 0.0) || (a1 && p1 > 0.0);
                            }
                        }
                    }
                    let base = (k.next_base as usize) << n;
                    for (c, &r) in set.iter().enumerate() {
                        next[base | c] |= r;
                    }
                }
            }
            if !next.iter().any(|&x| x) {
                return false;
            }
            reach = next;
        }
        false
    }

    /// The most likely path of `action(t, state)`: from the most probable initial state, each
    /// bit takes its more likely value after every step (ties: 0).
    pub fn most_likely_path(&self, action: &dyn Fn(u32, usize) -> usize, horizon: u32) -> Path {
        let (n, na) = (self.num_bits, self.num_actions);
        let (pr, tr) = (
            self.rewards(&self.proxy),
            self.rewards(&self.true_objective),
        );
        let &(b0, x0, p0) =
            self.initial.iter().fold(
                &self.initial[0],
                |best, x| if x.2 > best.2 { x } else { best },
            );
        let (mut b, mut x) = (b0 as usize, x0);
        let mut path = Path {
            states: vec![((b << n) | x as usize) as u32],
            actions: Vec::new(),
            proxy_rewards: Vec::new(),
            true_rewards: Vec::new(),
            probability: p0,
            terminated: false,
        };
        for t in 0..horizon {
            let a = action(t, (b << n) | x as usize);
            let ki = self.row_kernel[b * na + a] as usize;
            let k = &self.kernels[ki];
            let mut c = 0u64;
            for i in 0..n {
                let p = k.p_one(i, x >> i & 1 == 1);
                if p > 0.5 {
                    c |= 1 << i;
                }
            }
            path.probability *= k.prob(x, c);
            path.actions.push(a as u8);
            path.proxy_rewards.push(pr.per_kernel[ki][c as usize]);
            path.true_rewards.push(tr.per_kernel[ki][c as usize]);
            b = k.next_base as usize;
            x = c;
            path.states.push(((b << n) | x as usize) as u32);
            if k.terminal {
                path.terminated = true;
                break;
            }
        }
        path
    }

    /// The exact gap (see [`crate::gap()`]), computed on the factored form.
    pub fn gap(&self, options: &GapOptions) -> Result<GapReport> {
        let h = options.horizon.unwrap_or(self.horizon);
        let g = options.discount;
        let ns = self.num_states();
        let p = self.lexicographic(&self.proxy, &self.true_objective, h, g)?;
        let worst_proxy_path = options
            .paths
            .then(|| self.most_likely_path(&|t, s| p.worst[t as usize * ns + s] as usize, h));
        let proxy_optimal = ProxyOptimal {
            proxy_return: p.primary,
            true_min: p.secondary_min,
            true_max: p.secondary_max,
        };
        let ties = p.ties;
        drop(p);
        let q = self.lexicographic(&self.true_objective, &self.proxy, h, g)?;
        let true_optimal_path = options.paths.then(|| {
            self.most_likely_path(
                &|t, s| q.masks[t as usize * ns + s].trailing_zeros() as usize,
                h,
            )
        });
        let true_optimal = TrueOptimal {
            true_return: q.primary,
            proxy_min: q.secondary_min,
            proxy_max: q.secondary_max,
        };
        drop(q);
        let random = RandomReturns {
            proxy_return: self.evaluate(&self.proxy, &Uniform, h, g)?,
            true_return: self.evaluate(&self.true_objective, &Uniform, h, g)?,
        };
        let mut report = GapReport {
            states: ns,
            transitions: usize::try_from(self.num_transitions()).unwrap_or(usize::MAX),
            horizon: h,
            proxy_optimal,
            true_optimal,
            random,
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
}

struct FactoredLex {
    primary: f64,
    secondary_min: f64,
    secondary_max: f64,
    masks: Vec<u32>,
    worst: Vec<u8>,
    ties: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_probabilities_and_events() {
        let mut e1 = EventVec::default();
        e1[0] = 1.0;
        let k = Kernel {
            next_base: 0,
            terminal: false,
            m0: vec![0.0, 0.5],
            m1: vec![0.9, 1.0],
            alpha: EventVec::default(),
            beta: vec![e1, e1],
        };
        assert!((k.prob(0b01, 0b01) - 0.9 * 0.5).abs() < 1e-15);
        assert!((k.prob(0b11, 0b11) - 0.9).abs() < 1e-15);
        assert_eq!(k.prob(0b00, 0b01), 0.0);
        assert_eq!(k.events(0b11)[0], 2.0);
        assert_eq!(k.events(0)[0], 0.0);
    }
}
