//! Training: episodes in synchronous rounds, run by several env copies at once, with results
//! that depend on neither.
//!
//! # Semantics
//! Episodes are numbered `0..episodes` and grouped into rounds of [`Hyper::round`] episodes.
//! Every episode of a round acts on the table as it was when the round started, plus the
//! updates the episode made itself (kept in a private overlay, copy-on-write). When all
//! episodes of the round are done, their transitions are replayed onto the table in episode
//! order, step by step, with the same rule; observations first seen in the round are interned
//! in that order too. A round of 1 is classic online learning (the replay reproduces exactly the
//! values the episode computed, so it is skipped and the episode writes the table directly).
//!
//! Episode `e` resets its env with `seed::derive(seed, [0, e])` and draws its actions from
//! `seed::derive(seed, [1, e])`. Which env copy runs an episode, how many copies there are
//! ([`TrainConfig::envs`]) and how many threads rayon has therefore change nothing: the curve
//! and the table are bit-identical. The one exception is an environment that remembers across
//! episodes of one instance (friend or foe's adaptive bandit), where each copy has its own
//! memory; run those with one copy.
//!
//! Time limits are not terminal: after a truncated step the target still bootstraps from the
//! next observation (the observation does not show the time, so the stationary estimate is the
//! consistent one).

use goodhart_core::{Env, Error, Result, Sampler, seed};
use rayon::prelude::*;

use crate::hyper::{Agent, Hyper};
use crate::memo::{IdMemo, StateKey};
use crate::policy::Tabular;
use crate::record::{EpisodeRecord, SafetyEvents, Terms};
use crate::rules::{self, MAX_ACTIONS, Update, acting_values, select};
use crate::table::hash_observation;

/// Stream of an episode's environment seed: `seed::derive(seed, [STREAM_ENV, episode])`.
pub const STREAM_ENV: u64 = 0;
/// Stream of an episode's action draws: `seed::derive(seed, [STREAM_AGENT, episode])`.
pub const STREAM_AGENT: u64 = 1;

/// A scenario rule the agent must apply to itself: after `event` fires, each action is
/// replaced by a uniformly random one with probability `epsilon` for the rest of the episode
/// (whisky and gold: the original leaves the drunk agent's exploration to the agent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drunk {
    /// Index of the event that makes the agent drunk.
    pub event: usize,
    /// Probability of a random action once drunk.
    pub epsilon: f64,
}

/// Everything one training run needs besides the environment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// The update rule.
    pub agent: Agent,
    /// Hyper-parameters (episodes included).
    pub hyper: Hyper,
    /// The run's seed; every random draw derives from it.
    pub seed: u64,
    /// Env copies running the episodes of a round at once (0: one per rayon thread). An
    /// execution setting: results do not depend on it.
    pub envs: usize,
    /// The most steps an episode can take (buffers are sized for it; longer episodes still
    /// work, they just allocate).
    pub horizon: usize,
    /// Self-applied exploration after an event, where the scenario asks for it.
    pub drunk: Option<Drunk>,
}

impl TrainConfig {
    /// A configuration with default hyper-parameters.
    pub fn new(agent: Agent, seed: u64, horizon: usize) -> Self {
        TrainConfig {
            agent,
            hyper: Hyper::default(),
            seed,
            envs: 0,
            horizon,
            drunk: None,
        }
    }
}

/// What training produced.
#[derive(Debug, Clone)]
pub struct Training {
    /// One record per episode, in episode order.
    pub records: Vec<EpisodeRecord>,
    /// The learned table.
    pub table: Tabular,
    /// Environment steps taken.
    pub steps: u64,
}

/// A state during a round: an id of the shared table, or (top bit set) an observation first
/// seen in this round, numbered per env copy.
type StateRef = u32;
const LOCAL: u32 = 1 << 31;
const NONE: u32 = u32::MAX;

/// One transition, as recorded for the replay.
#[derive(Debug, Clone, Copy)]
struct Tr {
    s: StateRef,
    s2: StateRef,
    action: u8,
    next_action: u8,
    first: bool,
    reward: f64,
    mix: f64,
}

/// Per-episode facts the replay needs.
#[derive(Debug, Clone, Copy)]
struct Meta {
    param: f64,
    start: usize,
    end: usize,
}

/// Small open-addressing map `u32 -> u32` whose entries expire when the generation changes
/// (cleared per episode in O(1)).
#[derive(Debug, Clone)]
struct GenMap {
    slots: Vec<(u32, u32, u32)>,
    generation: u32,
    len: usize,
}

impl GenMap {
    fn new(capacity: usize) -> Self {
        GenMap {
            slots: vec![(0, 0, 0); (capacity * 2).next_power_of_two().max(16)],
            generation: 1,
            len: 0,
        }
    }

    fn clear(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.fill((0, 0, 0));
            self.generation = 1;
        }
        self.len = 0;
    }

    #[inline]
    fn get(&self, key: u32, h: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let (g, k, v) = self.slots[i];
            if g != self.generation {
                return None;
            }
            if k == key {
                return Some(v);
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts a key known to be absent.
    fn insert(&mut self, key: u32, h: u64, value: u32, rehash: impl Fn(u32) -> u64) {
        if (self.len + 1) * 2 > self.slots.len() {
            let old: Vec<(u32, u32)> = self
                .slots
                .iter()
                .filter(|s| s.0 == self.generation)
                .map(|s| (s.1, s.2))
                .collect();
            self.slots = vec![(0, 0, 0); self.slots.len() * 2];
            self.generation = 1;
            self.len = 0;
            for (k, v) in old {
                self.put(k, rehash(k), v);
            }
        }
        self.put(key, h, value);
    }

    fn put(&mut self, key: u32, h: u64, value: u32) {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i].0 == self.generation {
            i = (i + 1) & mask;
        }
        self.slots[i] = (self.generation, key, value);
        self.len += 1;
    }
}

#[inline]
fn ref_hash(r: StateRef) -> u64 {
    seed::mix(u64::from(r))
}

/// Table ids cached by state key per env copy (see [`StateKey`]).
const ID_MEMO_ENTRIES: usize = 4096;

/// An env copy with the buffers of the episodes it runs in a round.
struct Slot<E: StateKey> {
    env: E,
    ids: IdMemo<E::Key>,
    obs: Vec<u8>,
    next_obs: Vec<u8>,
    scratch: Scratch,
}

/// What the episodes of one env copy record during a round.
struct Scratch {
    /// Observations first seen this round (not in the shared table at the round's start).
    local_keys: Vec<u8>,
    local_hashes: Vec<u64>,
    /// Local index -> shared id, filled by the replay.
    resolved: Vec<u32>,
    /// This episode's local observations: local-key hash -> local index.
    local_map: GenMap,
    /// This episode's overlay: state -> offset in `rows`.
    overlay: GenMap,
    rows: Vec<f64>,
    transitions: Vec<Tr>,
    episodes: Vec<Meta>,
    records: Vec<EpisodeRecord>,
    steps: u64,
    error: Option<Error>,
}

impl<E: Env + StateKey> Slot<E> {
    fn new(env: E, horizon: usize, width: usize) -> Self {
        let n = env.observation_len();
        Slot {
            env,
            ids: IdMemo::new(ID_MEMO_ENTRIES),
            obs: vec![0; n],
            next_obs: vec![0; n],
            scratch: Scratch::new(n, horizon, width),
        }
    }
}

impl Scratch {
    fn new(n: usize, horizon: usize, width: usize) -> Self {
        Scratch {
            local_keys: Vec::with_capacity((horizon + 1) * n),
            local_hashes: Vec::with_capacity(horizon + 1),
            resolved: Vec::new(),
            local_map: GenMap::new(horizon + 2),
            overlay: GenMap::new(horizon + 2),
            rows: Vec::with_capacity((horizon + 2) * width),
            transitions: Vec::new(),
            episodes: Vec::new(),
            records: Vec::new(),
            steps: 0,
            error: None,
        }
    }

    fn clear_round(&mut self) {
        self.local_keys.clear();
        self.local_hashes.clear();
        self.resolved.clear();
        self.transitions.clear();
        self.episodes.clear();
        self.records.clear();
    }
}

/// Where an episode reads and writes action values.
trait View {
    /// The state of an observation (interned or created as needed).
    fn state(&mut self, obs: &[u8]) -> StateRef;
    /// The row of a state.
    fn row(&self, s: StateRef) -> &[f64];
    /// Applies the update of `(s, a) -> s2` and records it.
    fn update(&mut self, s: StateRef, s2: StateRef, u: &Update);
}

/// The shared table, written directly (rounds of one episode).
struct Direct<'a> {
    table: &'a mut Tabular,
    agent: Agent,
    hyper: &'a Hyper,
}

impl View for Direct<'_> {
    #[inline]
    fn state(&mut self, obs: &[u8]) -> StateRef {
        let (id, new) = self.table.index.insert(obs, hash_observation(obs));
        if new {
            self.table.values.ensure_rows(self.table.index.len());
        }
        id
    }

    #[inline]
    fn row(&self, s: StateRef) -> &[f64] {
        self.table.values.row(s)
    }

    #[inline]
    fn update(&mut self, s: StateRef, s2: StateRef, u: &Update) {
        let na = self.table.num_actions();
        let t = {
            let next = (s2 != NONE).then(|| self.table.values.row(s2));
            rules::target(self.agent, self.hyper, na, next, u)
        };
        rules::apply(
            self.agent,
            self.hyper.alpha,
            na,
            self.table.values.row_mut(s),
            u,
            t,
        );
    }
}

/// The shared table as of the round's start, plus this episode's own updates.
struct Overlaid<'a> {
    table: &'a Tabular,
    slot: &'a mut Scratch,
    agent: Agent,
    hyper: &'a Hyper,
    width: usize,
}

impl Overlaid<'_> {
    fn local_key(&self, l: u32) -> &[u8] {
        let n = self.table.index.obs_len();
        &self.slot.local_keys[l as usize * n..(l as usize + 1) * n]
    }

    /// The overlay row of `s`, created (copied from the shared table, or fresh) if missing.
    fn row_offset(&mut self, s: StateRef) -> usize {
        let h = ref_hash(s);
        if let Some(off) = self.slot.overlay.get(s, h) {
            return off as usize;
        }
        let off = self.slot.rows.len();
        if s & LOCAL == 0 {
            self.slot.rows.extend_from_slice(self.table.values.row(s));
        } else {
            let init = self.table.values.init();
            self.slot.rows.resize(off + self.width, init);
        }
        self.slot.overlay.insert(s, h, off as u32, ref_hash);
        off
    }
}

impl View for Overlaid<'_> {
    #[inline]
    fn state(&mut self, obs: &[u8]) -> StateRef {
        let h = hash_observation(obs);
        if let Some(id) = self.table.index.find(obs, h) {
            return id;
        }
        // A local observation: keyed by its hash, with a full comparison.
        let mask = self.slot.local_map.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let (g, _, l) = self.slot.local_map.slots[i];
            if g != self.slot.local_map.generation {
                break;
            }
            if self.slot.local_hashes[l as usize] == h && self.local_key(l) == obs {
                return LOCAL | l;
            }
            i = (i + 1) & mask;
        }
        let l = self.slot.local_hashes.len() as u32;
        self.slot.local_keys.extend_from_slice(obs);
        self.slot.local_hashes.push(h);
        let hashes = &self.slot.local_hashes;
        // The map is keyed by local index; its probe position comes from the key's hash.
        let rehash = |k: u32| hashes[k as usize];
        self.slot.local_map.insert(l, h, l, rehash);
        let s = LOCAL | l;
        self.row_offset(s);
        s
    }

    #[inline]
    fn row(&self, s: StateRef) -> &[f64] {
        match self.slot.overlay.get(s, ref_hash(s)) {
            Some(off) => &self.slot.rows[off as usize..off as usize + self.width],
            None => self.table.values.row(s),
        }
    }

    #[inline]
    fn update(&mut self, s: StateRef, s2: StateRef, u: &Update) {
        let na = self.table.num_actions();
        let t = {
            let next = (s2 != NONE).then(|| self.row(s2));
            rules::target(self.agent, self.hyper, na, next, u)
        };
        let off = self.row_offset(s);
        let row = &mut self.slot.rows[off..off + self.width];
        rules::apply(self.agent, self.hyper.alpha, na, row, u, t);
        self.slot.transitions.push(Tr {
            s,
            s2,
            action: u.action as u8,
            next_action: u.next_action as u8,
            first: u.first,
            reward: u.reward,
            mix: u.mix,
        });
    }
}

/// What every episode of a run shares.
struct Ctx<'a> {
    agent: Agent,
    hyper: &'a Hyper,
    seed: u64,
    truth: Terms,
    safety: Terms,
    drunk: Option<Drunk>,
    na: usize,
}

/// Draws the action for state values `row`.
#[inline]
fn act(ctx: &Ctx<'_>, row: &[f64], param: f64, mix: f64, rng: &mut Sampler) -> usize {
    if mix > 0.0 && rng.uniform() < mix {
        return rng.below(ctx.na);
    }
    let v = acting_values(ctx.agent, row, ctx.na);
    select(ctx.hyper.exploration, param, &v[..ctx.na], rng)
}

/// The state of `env`'s current observation: from the id cache when the env's state was seen
/// before, else rendered, looked up (or created) in `view`, and cached if it is a shared id
/// (shared ids never change; round-local ones do).
#[inline]
fn observe_state<E: Env + StateKey, V: View>(
    env: &E,
    ids: &mut IdMemo<E::Key>,
    view: &mut V,
    obs: &mut [u8],
) -> StateRef {
    if !E::MEMOIZE {
        env.observe(obs);
        return view.state(obs);
    }
    let key = env.state_key();
    let slot = ids.slot(E::key_hash(&key));
    if let Some(id) = ids.get(slot, &key) {
        return id;
    }
    env.observe(obs);
    let s = view.state(obs);
    if s & LOCAL == 0 {
        ids.put(slot, key, s);
    }
    s
}

/// Runs episode `episode` on `env` against `view`.
fn run_episode<E: Env + StateKey, V: View>(
    ctx: &Ctx<'_>,
    env: &mut E,
    ids: &mut IdMemo<E::Key>,
    view: &mut V,
    obs: &mut Vec<u8>,
    next_obs: &mut Vec<u8>,
    episode: u64,
) -> Result<EpisodeRecord> {
    let param = ctx.hyper.exploration_at(episode);
    let mut rng = Sampler::new(seed::derive(ctx.seed, &[STREAM_AGENT, episode]));
    env.reset(seed::derive(ctx.seed, &[STREAM_ENV, episode]));
    let mut s = observe_state(env, ids, view, obs);
    let mut mix = 0.0;
    let mut a = act(ctx, view.row(s), param, mix, &mut rng);
    let mut rec = EpisodeRecord {
        episode,
        proxy_return: 0.0,
        true_return: 0.0,
        length: 0,
        safety_events: 0.0,
        terminated: false,
    };
    loop {
        let step = env.step(a)?;
        rec.length += 1;
        rec.proxy_return += step.proxy_reward;
        rec.true_return += ctx.truth.evaluate(&step.events);
        rec.safety_events += ctx.safety.evaluate(&step.events);
        let s2 = if step.terminated {
            NONE
        } else {
            observe_state(env, ids, view, next_obs)
        };
        let sarsa_next = if ctx.agent == Agent::Sarsa && s2 != NONE {
            act(ctx, view.row(s2), param, mix, &mut rng)
        } else {
            0
        };
        let first = ctx.agent == Agent::DoubleQ && rng.uniform() < 0.5;
        let u = Update {
            action: a,
            reward: step.proxy_reward,
            next_action: sarsa_next,
            first,
            param,
            mix,
        };
        view.update(s, s2, &u);
        if let Some(d) = ctx.drunk
            && step.events[d.event] > 0.0
        {
            mix = d.epsilon;
        }
        if step.done() {
            rec.terminated = step.terminated;
            return Ok(rec);
        }
        a = if ctx.agent == Agent::Sarsa {
            sarsa_next
        } else {
            act(ctx, view.row(s2), param, mix, &mut rng)
        };
        s = s2;
        std::mem::swap(obs, next_obs);
    }
}

/// Trains a tabular learner on copies of `env`; `progress` is told the fraction done after
/// every round (at most about a hundred times).
pub fn train<E>(env: &E, config: &TrainConfig, progress: &(dyn Fn(f64) + Sync)) -> Result<Training>
where
    E: Env + StateKey + Clone + Send,
{
    train_impl(env, config, progress, true)
}

/// [`train`], with the shortcut for rounds of one episode optional (the tests check that it
/// changes nothing).
fn train_impl<E>(
    env: &E,
    config: &TrainConfig,
    progress: &(dyn Fn(f64) + Sync),
    direct: bool,
) -> Result<Training>
where
    E: Env + StateKey + Clone + Send,
{
    let hyper = config.hyper;
    hyper.validate()?;
    let agent = config.agent;
    let na = env.num_actions();
    if na == 0 || na > MAX_ACTIONS {
        return Err(Error::invalid_value(
            "number of actions",
            na.to_string(),
            format!("1 to {MAX_ACTIONS} for a tabular learner"),
        ));
    }
    let ctx = Ctx {
        agent,
        hyper: &hyper,
        seed: config.seed,
        truth: Terms::new(env.true_objective().weights()),
        safety: Terms::new(SafetyEvents::new(env.proxy(), env.true_objective()).mask()),
        drunk: config.drunk,
        na,
    };
    let mut table = Tabular::new(agent, na, env.observation_len(), hyper.q_init);
    let width = table.values.width();
    let episodes = hyper.episodes;
    let round = hyper.round.max(1);
    let direct = direct && round == 1;
    let copies = if direct {
        1
    } else {
        let want = if config.envs == 0 {
            rayon::current_num_threads()
        } else {
            config.envs
        };
        want.clamp(1, round.min(1 << 16) as usize)
    };
    let mut slots: Vec<Slot<E>> = (0..copies)
        .map(|_| Slot::new(env.clone(), config.horizon, width))
        .collect();
    if !direct {
        let per = round.div_ceil(copies as u64) as usize;
        for s in &mut slots {
            s.scratch.transitions.reserve(per * (config.horizon + 1));
            s.scratch.episodes.reserve(per);
            s.scratch.records.reserve(per);
        }
    }
    let mut records = Vec::with_capacity(episodes as usize);
    let report_every = (episodes / 100).max(1);
    let mut next_report = report_every;
    let mut e = 0u64;
    while e < episodes {
        let n = round.min(episodes - e);
        if direct {
            let slot = &mut slots[0];
            let mut view = Direct {
                table: &mut table,
                agent,
                hyper: &hyper,
            };
            let rec = run_episode(
                &ctx,
                &mut slot.env,
                &mut slot.ids,
                &mut view,
                &mut slot.obs,
                &mut slot.next_obs,
                e,
            )?;
            slot.scratch.steps += u64::from(rec.length);
            records.push(rec);
        } else {
            run_round(&ctx, &table, &mut slots, e, n, width)?;
            replay(&ctx, &mut table, &mut slots, n);
            for k in 0..n as usize {
                let (j, i) = (
                    k % slots.len().min(n as usize),
                    k / slots.len().min(n as usize),
                );
                records.push(slots[j].scratch.records[i]);
            }
        }
        e += n;
        if e >= next_report || e == episodes {
            progress(e as f64 / episodes.max(1) as f64);
            next_report = e + report_every;
        }
    }
    let steps = slots.iter().map(|s| s.scratch.steps).sum();
    Ok(Training {
        records,
        table,
        steps,
    })
}

/// Runs episodes `first..first + n` (one round) on the env copies: copy `j` runs the round's
/// episodes `j, j + b, j + 2b, ...`.
fn run_round<E: Env + StateKey + Send>(
    ctx: &Ctx<'_>,
    table: &Tabular,
    slots: &mut [Slot<E>],
    first: u64,
    n: u64,
    width: usize,
) -> Result<()> {
    let b = slots.len().min(n as usize);
    let work = |j: usize, slot: &mut Slot<E>| {
        let Slot {
            env,
            ids,
            obs,
            next_obs,
            scratch,
        } = slot;
        scratch.clear_round();
        let mut k = j as u64;
        while k < n {
            scratch.local_map.clear();
            scratch.overlay.clear();
            scratch.rows.clear();
            let start = scratch.transitions.len();
            let result = {
                let mut view = Overlaid {
                    table,
                    slot: &mut *scratch,
                    agent: ctx.agent,
                    hyper: ctx.hyper,
                    width,
                };
                run_episode(ctx, env, ids, &mut view, obs, next_obs, first + k)
            };
            match result {
                Ok(rec) => {
                    scratch.steps += u64::from(rec.length);
                    scratch.episodes.push(Meta {
                        param: ctx.hyper.exploration_at(first + k),
                        start,
                        end: scratch.transitions.len(),
                    });
                    scratch.records.push(rec);
                }
                Err(e) => {
                    scratch.error = Some(e);
                    return;
                }
            }
            k += b as u64;
        }
    };
    if b > 1 && rayon::current_num_threads() > 1 {
        slots[..b]
            .par_iter_mut()
            .enumerate()
            .for_each(|(j, slot)| work(j, slot));
    } else {
        for (j, slot) in slots[..b].iter_mut().enumerate() {
            work(j, slot);
        }
    }
    for slot in &mut slots[..b] {
        if let Some(e) = slot.scratch.error.take() {
            return Err(e);
        }
    }
    Ok(())
}

/// Applies a round's transitions to the table in episode order.
fn replay<E: StateKey>(ctx: &Ctx<'_>, table: &mut Tabular, slots: &mut [Slot<E>], n: u64) {
    let b = slots.len().min(n as usize);
    let na = ctx.na;
    for k in 0..n as usize {
        let slot = &mut slots[k % b].scratch;
        let meta = slot.episodes[k / b];
        for t in meta.start..meta.end {
            let tr = slot.transitions[t];
            let s = resolve(table, slot, tr.s);
            let s2 = if tr.s2 == NONE {
                NONE
            } else {
                resolve(table, slot, tr.s2)
            };
            let u = Update {
                action: tr.action as usize,
                reward: tr.reward,
                next_action: tr.next_action as usize,
                first: tr.first,
                param: meta.param,
                mix: tr.mix,
            };
            let target = {
                let next = (s2 != NONE).then(|| table.values.row(s2));
                rules::target(ctx.agent, ctx.hyper, na, next, &u)
            };
            rules::apply(
                ctx.agent,
                ctx.hyper.alpha,
                na,
                table.values.row_mut(s),
                &u,
                target,
            );
        }
    }
}

/// The shared id of a round-time state, interning a local observation on first use.
fn resolve(table: &mut Tabular, slot: &mut Scratch, r: StateRef) -> u32 {
    if r & LOCAL == 0 {
        return r;
    }
    let l = (r & !LOCAL) as usize;
    if slot.resolved.len() < slot.local_hashes.len() {
        slot.resolved.resize(slot.local_hashes.len(), NONE);
    }
    if slot.resolved[l] == NONE {
        let n = table.index.obs_len();
        let key = &slot.local_keys[l * n..(l + 1) * n];
        let (id, new) = table.index.insert(key, slot.local_hashes[l]);
        if new {
            table.values.ensure_rows(table.index.len());
        }
        slot.resolved[l] = id;
    }
    slot.resolved[l]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hyper::Exploration;

    fn sokoban() -> goodhart_grid::GridEnv {
        goodhart_grid::GridEnv::new(
            goodhart_grid::catalog::load("side_effects_sokoban", &[]).unwrap(),
        )
    }

    #[test]
    fn online_shortcut_equals_a_replayed_round_of_one() {
        let env = sokoban();
        for agent in Agent::ALL {
            for exploration in [Exploration::EpsilonGreedy, Exploration::Boltzmann] {
                let mut config = TrainConfig::new(agent, 3, 100);
                config.hyper.episodes = 60;
                config.hyper.exploration = exploration;
                let a = train_impl(&env, &config, &|_| {}, true).unwrap();
                let b = train_impl(&env, &config, &|_| {}, false).unwrap();
                assert_eq!(a.records, b.records, "{agent:?} {exploration:?}");
                assert_eq!(a.table.values.rows(), b.table.values.rows());
                for id in 0..a.table.num_states() as u32 {
                    assert_eq!(a.table.index.key(id), b.table.index.key(id));
                    assert_eq!(a.table.values.row(id), b.table.values.row(id));
                }
            }
        }
    }

    #[test]
    fn gen_map_survives_growth_and_clearing() {
        let mut m = GenMap::new(2);
        for k in 0..100u32 {
            m.insert(k, ref_hash(k), k * 2, ref_hash);
        }
        for k in 0..100u32 {
            assert_eq!(m.get(k, ref_hash(k)), Some(k * 2));
        }
        m.clear();
        assert_eq!(m.get(5, ref_hash(5)), None);
    }
}
