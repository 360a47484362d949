//! The compiler: a breadth-first enumeration of a [`FiniteModel`] from its initial
//! distribution into a sparse (CSR) table.
//!
//! States are numbered in the order the search discovers them, which depends only on the model
//! (its initial states and successor lists are produced in a fixed order), never on hashing or
//! threads. Per state and action, the table holds a contiguous range of transitions; each is a
//! next state, a probability, an id into a deduplicated table of distinct event vectors, and a
//! terminal flag (stored in the top bit of the next-state index, see [`TERMINAL`]). Successors
//! that agree in next state, events and terminal flag are merged, keeping the first one's
//! position.

use std::hash::{BuildHasherDefault, Hash, Hasher};

use goodhart_core::{
    Error, EventSet, EventVec, FiniteModel, MAX_EVENTS, Objective, Result, Successor,
};
use indexmap::IndexMap;
use rayon::prelude::*;

/// Bit of a stored next-state index that marks a terminal transition (the episode ends; no
/// value is collected from the next state).
pub const TERMINAL: u32 = 1 << 31;

/// Limits that turn a model too large for memory into a clear error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileOptions {
    /// Most reachable states (the CLI's `--max-states`).
    pub max_states: usize,
    /// Most stored transitions (16 bytes each).
    pub max_transitions: usize,
    /// Expand only states fewer than this many steps from the start (`None`: all). States
    /// first found at this depth get no transitions: enough for finite-horizon analysis with
    /// a horizon up to the depth, which never acts there. Discounted solvers refuse such a
    /// table.
    pub max_depth: Option<u32>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            max_states: 5_000_000,
            max_transitions: 200_000_000,
            max_depth: None,
        }
    }
}

/// A compiled MDP: the sparse transition table the solvers run on.
///
/// It has no state type: [`CompiledMdp`] pairs it with the states its indices stand for.
#[derive(Debug, Clone)]
pub struct Mdp {
    pub(crate) num_actions: usize,
    pub(crate) horizon: u32,
    pub(crate) initial: Vec<(u32, f64)>,
    /// Row `s * num_actions + a` spans `offsets[row]..offsets[row + 1]`.
    pub(crate) offsets: Vec<u32>,
    pub(crate) next: Vec<u32>,
    pub(crate) prob: Vec<f64>,
    pub(crate) label: Vec<u32>,
    pub(crate) event_table: Vec<EventVec>,
    pub(crate) events: EventSet,
    pub(crate) proxy: Objective,
    pub(crate) true_objective: Objective,
    /// The depth limit the table was compiled with, if any states were left unexpanded.
    pub(crate) depth_limit: Option<u32>,
}

/// One stored transition, as [`Mdp::transitions`] yields it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// Index of the next state.
    pub next: u32,
    /// Its probability.
    pub prob: f64,
    /// Id of its event vector (see [`Mdp::event_vec`]).
    pub label: u32,
    /// The episode ends with this transition.
    pub terminal: bool,
}

/// Per-objective rewards of a compiled table: per event id, and the expected immediate reward
/// of every state-action row (in table order; the sums run in a fixed order).
#[derive(Debug, Clone, PartialEq)]
pub struct Rewards {
    /// Reward of each distinct event vector.
    pub per_label: Vec<f64>,
    /// Expected reward of row `s * num_actions + a`.
    pub per_row: Vec<f64>,
}

impl Mdp {
    /// Number of states.
    pub fn num_states(&self) -> usize {
        (self.offsets.len() - 1) / self.num_actions
    }

    /// Number of actions (the same in every state).
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// Number of stored transitions (after merging duplicates).
    pub fn num_transitions(&self) -> usize {
        self.next.len()
    }

    /// The model's step limit: episodes are truncated after this many steps.
    pub fn horizon(&self) -> u32 {
        self.horizon
    }

    /// The initial distribution as `(state, probability)`, in the model's order.
    pub fn initial(&self) -> &[(u32, f64)] {
        &self.initial
    }

    /// The events transitions carry.
    pub fn events(&self) -> &EventSet {
        &self.events
    }

    /// The model's proxy objective.
    pub fn proxy(&self) -> &Objective {
        &self.proxy
    }

    /// The model's true objective.
    pub fn true_objective(&self) -> &Objective {
        &self.true_objective
    }

    /// The distinct event vectors; a transition's `label` indexes this table.
    pub fn event_table(&self) -> &[EventVec] {
        &self.event_table
    }

    /// The event vector with id `label`.
    pub fn event_vec(&self, label: u32) -> &EventVec {
        &self.event_table[label as usize]
    }

    /// The raw table, for interop and benchmarks: row offsets (`states × actions + 1`; row
    /// `s * actions + a`), next states (with [`TERMINAL`] set on terminal transitions),
    /// probabilities and event ids.
    pub fn csr(&self) -> (&[u32], &[u32], &[f64], &[u32]) {
        (&self.offsets, &self.next, &self.prob, &self.label)
    }

    /// The transitions of `(state, action)`, in table order.
    pub fn transitions(
        &self,
        state: usize,
        action: usize,
    ) -> impl ExactSizeIterator<Item = Transition> + '_ {
        let row = state * self.num_actions + action;
        let (lo, hi) = (self.offsets[row] as usize, self.offsets[row + 1] as usize);
        (lo..hi).map(move |k| Transition {
            next: self.next[k] & !TERMINAL,
            prob: self.prob[k],
            label: self.label[k],
            terminal: self.next[k] & TERMINAL != 0,
        })
    }

    /// The rewards of `objective` on this table.
    pub fn rewards(&self, objective: &Objective) -> Rewards {
        let per_label = self.rewards_per_label(objective);
        let mut per_row = vec![0.0; self.offsets.len() - 1];
        crate::bellman::for_each_index(&mut per_row, |row, out| {
            let (lo, hi) = (self.offsets[row] as usize, self.offsets[row + 1] as usize);
            let mut acc = 0.0;
            for k in lo..hi {
                acc += self.prob[k] * per_label[self.label[k] as usize];
            }
            *out = acc;
        });
        Rewards { per_label, per_row }
    }

    /// The reward of `objective` for each distinct event vector.
    pub fn rewards_per_label(&self, objective: &Objective) -> Vec<f64> {
        self.event_table
            .iter()
            .map(|e| objective.evaluate(e))
            .collect()
    }

    /// `Some(d)` when states `d` steps from the start were left unexpanded
    /// ([`CompileOptions::max_depth`]): the table is only valid for horizons up to `d`.
    pub fn depth_limit(&self) -> Option<u32> {
        self.depth_limit
    }

    /// Checks that this table can serve a finite `horizon` (`None`: an infinite-horizon
    /// solver), given its depth limit.
    pub(crate) fn check_depth(&self, horizon: Option<u32>) -> Result<()> {
        match (self.depth_limit, horizon) {
            (None, _) => Ok(()),
            (Some(d), Some(h)) if h <= d => Ok(()),
            (Some(d), Some(h)) => Err(Error::invalid_value(
                "horizon",
                h.to_string(),
                format!("at most {d}: the table was compiled to depth {d}"),
            )),
            (Some(d), None) => Err(Error::State(format!(
                "the table was compiled to depth {d} only; infinite-horizon solvers and \
                 exports need the whole model (compile without a depth limit)"
            ))),
        }
    }

    /// Bytes the table occupies (for reports and bandwidth bounds).
    pub fn memory_bytes(&self) -> usize {
        self.offsets.len() * 4
            + self.next.len() * (4 + 8 + 4)
            + self.event_table.len() * std::mem::size_of::<EventVec>()
    }
}

/// A compiled MDP together with the model states its indices stand for.
#[derive(Debug, Clone)]
pub struct CompiledMdp<S> {
    /// The table.
    pub mdp: Mdp,
    /// `states[i]` is the model state with index `i`.
    pub states: Vec<S>,
}

/// FxHash (rustc's hasher): fast for small keys; used only for lookups, never iterated.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FxBuild = BuildHasherDefault<Fx>;

/// States numbered in the order they were first inserted: a hash map to numbers and the
/// list of states (one hash probe per look-up, where an index set takes two: the look-ups
/// of a million-state compile are cache misses).
///
/// The map is never iterated (numbers come from the list's order) and its hasher is
/// deterministic, so the project's rule against `HashMap` (random iteration order) does not
/// apply.
#[allow(clippy::disallowed_types)]
struct Numbering<S> {
    map: std::collections::HashMap<S, u32, FxBuild>,
    list: Vec<S>,
}

impl<S> Default for Numbering<S> {
    fn default() -> Self {
        Numbering {
            map: Default::default(),
            list: Vec::new(),
        }
    }
}

impl<S: Copy + Eq + Hash> Numbering<S> {
    /// The number of `s`, numbering it next if it is new; and whether it was new.
    fn insert_full(&mut self, s: S) -> (usize, bool) {
        let next = self.list.len() as u32;
        match self.map.entry(s) {
            std::collections::hash_map::Entry::Occupied(e) => (*e.get() as usize, false),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(next);
                self.list.push(s);
                (next as usize, true)
            }
        }
    }

    fn len(&self) -> usize {
        self.list.len()
    }

    fn get_index(&self, k: usize) -> Option<&S> {
        self.list.get(k)
    }

    fn get_index_of(&self, s: &S) -> Option<usize> {
        self.map.get(s).map(|&j| j as usize)
    }
}

/// The bits of an event vector, with `-0.0` read as `0.0`: the dedup key.
fn event_key(e: &EventVec) -> [u64; MAX_EVENTS] {
    let mut k = [0u64; MAX_EVENTS];
    for (dst, v) in k.iter_mut().zip(e.0.iter()) {
        *dst = if *v == 0.0 { 0 } else { v.to_bits() };
    }
    k
}

/// Event keys remembered per thread by [`expand_state`].
const RECENT_LABELS: usize = 4;

/// Equality of two event keys, branch-free (the compiler vectorizes it; a call to `memcmp`
/// per successor cost a tenth of the compile time).
#[inline]
fn same_key(a: &[u64; MAX_EVENTS], b: &[u64; MAX_EVENTS]) -> bool {
    a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Enumerates `model` from its initial distribution into a table.
///
/// Errors: [`Error::Limit`] when the model has more reachable states or transitions than
/// `options` allow; [`Error::InvalidValue`] for a model with no actions, more than 255 actions,
/// a step limit of zero, or an invalid probability; [`Error::Numeric`] when the successors of a
/// state-action do not sum to one.
pub fn compile<M>(model: &M, options: &CompileOptions) -> Result<CompiledMdp<M::State>>
where
    M: FiniteModel + Sync,
    M::State: Send + Sync,
{
    let num_actions = model.num_actions();
    if num_actions == 0 || num_actions > 255 {
        return Err(Error::invalid_value(
            "number of actions",
            num_actions.to_string(),
            "1 to 255",
        ));
    }
    let horizon = model.horizon();
    if horizon == 0 {
        return Err(Error::invalid_value(
            "horizon",
            "0",
            "a step limit of at least 1",
        ));
    }
    let max_states = options.max_states.min(TERMINAL as usize - 1);
    let limit_states = || {
        Error::Limit(format!(
            "the model has more than {max_states} reachable states; raise the limit \
             (--max-states) or use a smaller variant"
        ))
    };
    let with_depth = |e: Error, depth: u32| match e {
        Error::Limit(m) => Error::Limit(format!(
            "{m} (the search had reached states {depth} steps from the start)"
        )),
        e => e,
    };

    let mut states: Numbering<M::State> = Numbering::default();
    let mut labels: IndexMap<[u64; MAX_EVENTS], u32, FxBuild> = IndexMap::default();
    let mut event_table: Vec<EventVec> = Vec::new();

    // Initial distribution, duplicates merged.
    let mut init_raw = Vec::new();
    model.initial_states(&mut init_raw);
    let mut initial: Vec<(u32, f64)> = Vec::new();
    let mut total = 0.0;
    for (s, p) in init_raw {
        check_prob(p)?;
        if p == 0.0 {
            continue;
        }
        total += p;
        let (i, _) = states.insert_full(s);
        if states.len() > max_states {
            return Err(limit_states());
        }
        match initial.iter_mut().find(|(j, _)| *j as usize == i) {
            Some(e) => e.1 += p,
            None => initial.push((i as u32, p)),
        }
    }
    if initial.is_empty() || (total - 1.0).abs() > 1e-9 {
        return Err(Error::Numeric(format!(
            "the initial distribution sums to {total}, not 1"
        )));
    }

    let mut offsets: Vec<u32> = vec![0];
    let mut next: Vec<u32> = Vec::new();
    let mut prob: Vec<f64> = Vec::new();
    let mut label: Vec<u32> = Vec::new();
    let max_transitions = options.max_transitions.min(u32::MAX as usize);

    // Breadth-first, in windows of states that do not cross a depth level: the windows'
    // successor lists are produced in parallel (model calls, merging, and read-only lookups of
    // states and events already numbered), then numbered in order on this thread. Numbering
    // therefore depends only on the model, never on threads.
    let (mut depth, mut level_end) = (0u32, states.len());
    let mut truncated = false;
    let mut i = 0;
    while i < states.len() {
        if i == level_end {
            depth += 1;
            level_end = states.len();
        }
        if options.max_depth.is_some_and(|d| depth >= d) {
            // Never acted from within the horizon: no transitions.
            truncated = true;
            for _ in i..level_end {
                for _ in 0..num_actions {
                    offsets.push(next.len() as u32);
                }
            }
            i = level_end;
            continue;
        }
        // About WINDOW_SUCCESSORS successors per window.
        let per_state = (next.len() as f64 / i.max(1) as f64).max(1.0);
        let width = ((WINDOW_SUCCESSORS as f64 / per_state) as usize).clamp(16, 8192);
        let end = (i + width).min(level_end);
        // Runs of RUN_STATES states per parallel task (one allocation per run).
        let expand = |scratch: &mut Scratch<M::State>, start: usize| {
            let mut run = ExpandedRun {
                rows: Expanded {
                    rows: Vec::with_capacity(RUN_STATES * num_actions),
                    succ: Vec::new(),
                },
                error: None,
            };
            for k in start..(start + RUN_STATES).min(end) {
                let (r, x) = (run.rows.rows.len(), run.rows.succ.len());
                let s = *states.get_index(k).expect("in range");
                if let Err(e) = expand_state(model, &states, &labels, s, scratch, &mut run.rows) {
                    run.rows.rows.truncate(r);
                    run.rows.succ.truncate(x);
                    run.error = Some(e);
                    break;
                }
            }
            run
        };
        let starts = (i..end).step_by(RUN_STATES);
        let window: Vec<ExpandedRun<M::State>> = if end - i >= 64 {
            starts
                .collect::<Vec<_>>()
                .into_par_iter()
                .map_init(Scratch::default, expand)
                .collect()
        } else {
            let mut scratch = Scratch::default();
            starts.map(|k| expand(&mut scratch, k)).collect()
        };
        for run in window {
            let e = run.rows;
            let mut at = 0;
            for (r, &len) in e.rows.iter().enumerate() {
                for x in &e.succ[at..at + len as usize] {
                    let j = match x.state_hint {
                        Some(j) => j,
                        None => {
                            let (j, _) = states.insert_full(x.state);
                            if states.len() > max_states {
                                return Err(with_depth(limit_states(), depth + 1));
                            }
                            j as u32
                        }
                    };
                    let id = match &x.label {
                        Label::Known(id) => *id,
                        Label::New(key) => match labels.get(&**key) {
                            Some(id) => *id,
                            None => {
                                let id = event_table.len() as u32;
                                labels.insert(**key, id);
                                event_table.push(EventVec(key.map(f64::from_bits)));
                                id
                            }
                        },
                    };
                    next.push(j | if x.terminal { TERMINAL } else { 0 });
                    prob.push(x.prob);
                    label.push(id);
                }
                at += len as usize;
                offsets.push(next.len() as u32);
                // After each state's rows, as the states come.
                if (r + 1) % num_actions == 0 && next.len() > max_transitions {
                    return Err(Error::Limit(format!(
                        "the model has more than {max_transitions} transitions ({} states \
                         enumerated so far, {depth} steps from the start); raise the limit or \
                         use a smaller variant",
                        states.len()
                    )));
                }
            }
            if let Some(e) = run.error {
                return Err(e);
            }
        }
        i = end;
    }

    let mdp = Mdp {
        num_actions,
        horizon,
        initial,
        offsets,
        next,
        prob,
        label,
        event_table,
        events: model.events().clone(),
        proxy: *model.proxy(),
        true_objective: *model.true_objective(),
        depth_limit: if truncated { options.max_depth } else { None },
    };
    Ok(CompiledMdp {
        mdp,
        states: states.list,
    })
}

/// Successors per compile window (bounds the memory of one parallel batch).
const WINDOW_SUCCESSORS: usize = 1 << 18;

/// States per parallel task of a compile window.
const RUN_STATES: usize = 32;

/// One successor after merging, with the state and event ids if they were already known.
struct Pending<S> {
    state: S,
    prob: f64,
    terminal: bool,
    state_hint: Option<u32>,
    label: Label,
}

/// The events of a pending successor: an id already assigned, or the key of events not yet
/// numbered (rare; boxed to keep [`Pending`] small).
enum Label {
    Known(u32),
    New(Box<[u64; MAX_EVENTS]>),
}

impl Label {
    fn matches(&self, id: Option<u32>, key: &[u64; MAX_EVENTS]) -> bool {
        match self {
            Label::Known(k) => id == Some(*k),
            Label::New(k) => id.is_none() && same_key(k, key),
        }
    }
}

/// The merged rows of one state: row lengths (one per action) and their successors.
struct Expanded<S> {
    rows: Vec<u32>,
    succ: Vec<Pending<S>>,
}

/// The rows of a run of consecutive states (all of their actions), and the error of the
/// state after them if one stopped the run.
struct ExpandedRun<S> {
    rows: Expanded<S>,
    error: Option<Error>,
}

/// Per-thread buffers of [`expand_state`].
struct Scratch<S> {
    buf: Vec<Successor<S>>,
    merge: IndexMap<(S, [u64; MAX_EVENTS], bool), usize, FxBuild>,
    /// The last few event keys looked up, and their ids if they had one.
    recent_labels: Vec<([u64; MAX_EVENTS], Option<u32>)>,
    /// The next states of the current state looked up so far, and their numbers if they had
    /// one (a state's rows mostly lead to the same few states).
    seen: Vec<(S, Option<u32>)>,
}

impl<S> Default for Scratch<S> {
    fn default() -> Self {
        Scratch {
            buf: Vec::new(),
            merge: IndexMap::default(),
            recent_labels: Vec::new(),
            seen: Vec::new(),
        }
    }
}

/// Calls the model for every action of `s`, checks and merges each row, and looks up the
/// states and events already numbered (read-only, so this runs in parallel).
fn expand_state<M: FiniteModel>(
    model: &M,
    states: &Numbering<M::State>,
    labels: &IndexMap<[u64; MAX_EVENTS], u32, FxBuild>,
    s: M::State,
    scratch: &mut Scratch<M::State>,
    out: &mut Expanded<M::State>,
) -> Result<()> {
    let na = model.num_actions();
    let Expanded { rows, succ } = out;
    let Scratch {
        buf,
        merge,
        recent_labels,
        seen,
    } = scratch;
    seen.clear();
    let mut number = |t: M::State| match seen.iter().find(|(y, _)| *y == t) {
        Some(&(_, j)) => j,
        None => {
            let j = states.get_index_of(&t).map(|j| j as u32);
            if seen.len() < 16 {
                seen.push((t, j));
            }
            j
        }
    };
    for a in 0..na {
        buf.clear();
        model.successors(&s, a, buf);
        let row_start = succ.len();
        merge.clear();
        let mut sum = 0.0;
        for x in buf.iter() {
            check_prob(x.prob)?;
            sum += x.prob;
            if x.prob == 0.0 {
                continue;
            }
            let key = event_key(&x.events);
            // Nearby transitions mostly carry one of a few event vectors.
            let label_hint = match recent_labels.iter().find(|(k, _)| same_key(k, &key)) {
                Some(&(_, id)) => id,
                None => {
                    let id = labels.get(&key).copied();
                    if recent_labels.len() == RECENT_LABELS {
                        recent_labels.remove(0);
                    }
                    recent_labels.push((key, id));
                    id
                }
            };
            let found = if buf.len() <= 8 {
                // Short rows: a linear scan beats hashing.
                succ[row_start..].iter().position(|y| {
                    y.state == x.state
                        && y.terminal == x.terminal
                        && y.label.matches(label_hint, &key)
                })
            } else {
                match merge.get(&(x.state, key, x.terminal)) {
                    Some(&k) => Some(k),
                    None => {
                        merge.insert((x.state, key, x.terminal), succ.len() - row_start);
                        None
                    }
                }
            };
            match found {
                Some(k) => succ[row_start + k].prob += x.prob,
                None => succ.push(Pending {
                    state: x.state,
                    prob: x.prob,
                    terminal: x.terminal,
                    state_hint: number(x.state),
                    label: match label_hint {
                        Some(id) => Label::Known(id),
                        None => Label::New(Box::new(key)),
                    },
                }),
            }
        }
        if (sum - 1.0).abs() > 1e-9 {
            return Err(Error::Numeric(format!(
                "the successors of state {s:?}, action {a} sum to {sum}, not 1"
            )));
        }
        rows.push((succ.len() - row_start) as u32);
    }
    Ok(())
}

fn check_prob(p: f64) -> Result<()> {
    if (0.0..=1.0 + 1e-12).contains(&p) {
        Ok(())
    } else {
        Err(Error::invalid_value(
            "transition probability",
            p.to_string(),
            "a number in [0, 1]",
        ))
    }
}
