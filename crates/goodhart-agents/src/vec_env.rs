//! Batched stepping: N copies of an environment stepped at once into structure-of-arrays
//! buffers, auto-resetting finished copies, allocating nothing per step.
//!
//! # Buffers
//! After [`VecEnv::reset`] and every [`VecEnv::step`], copy `i` has its observation at
//! `observations()[i * obs_len..(i + 1) * obs_len]`, its proxy reward at `rewards()[i]`, its
//! true reward (computed from the events; agents must not read it) at `true_rewards()[i]`, its
//! events at `events()[i * MAX_EVENTS..(i + 1) * MAX_EVENTS]` (when recorded), and its flags at
//! `terminated()[i]`, `truncated()[i]`, `autoreset()[i]`.
//!
//! Every buffer is allocated by [`VecEnv::new`] and never reallocated or resized afterwards:
//! [`VecEnv::reset`] and [`VecEnv::step`] only overwrite elements, so the address and length of
//! each slice above are fixed for the `VecEnv`'s whole life. goodhart-python's zero-copy numpy
//! views rely on this (`tests/it/vec_env.rs` checks it).
//!
//! # Autoreset (Gymnasium's `NEXT_STEP` mode)
//! A step that ends an episode (terminated or truncated) returns the episode's last
//! observation. The *next* call to `step` resets that copy instead of stepping it: its action
//! is ignored, the observation is the new episode's first one, the reward is 0, both flags are
//! false, and `autoreset()[i]` is true. This is what Gymnasium's `AutoresetMode.NEXT_STEP` and
//! envpool do.
//!
//! # Seeds
//! Copy `i`'s `k`-th episode (counting from 0 at [`VecEnv::reset`]) is reset with
//! `seed::derive(seed, [i, k])`, so every copy's stream is fixed by the reset seed and its
//! index, whatever the thread count.
//!
//! # Observations
//! Each chunk of copies keeps a small cache of observations by state ([`StateKey`]); a hit
//! copies exactly the bytes rendering would have written.
//!
//! # Threads
//! With [`VecEnvOptions::parallel`], copies are stepped in fixed chunks on rayon's pool. Each
//! copy's computation is independent of the others, so the buffers are bit-identical to serial
//! stepping.

use goodhart_core::{Env, Error, Result, seed};
use rayon::prelude::*;

use crate::batched::{Batched, Buffers, OutChunk};
use crate::memo::{ObsMemo, StateKey};
use crate::record::Terms;

/// Observations cached per chunk (see [`StateKey`]).
const MEMO_ENTRIES: usize = 512;

/// How a [`VecEnv`] steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VecEnvOptions {
    /// Step chunks of copies on rayon's thread pool (when it has more than one thread and
    /// there is more than one chunk).
    pub parallel: bool,
    /// Copies per chunk.
    pub chunk: usize,
    /// Write every copy's event vector into [`VecEnv::events`] (16 numbers per step).
    pub record_events: bool,
}

impl Default for VecEnvOptions {
    fn default() -> Self {
        VecEnvOptions {
            parallel: true,
            chunk: 256,
            record_events: true,
        }
    }
}

/// N copies of an environment with structure-of-arrays buffers.
#[derive(Debug, Clone)]
pub struct VecEnv<E: StateKey> {
    envs: Vec<E>,
    memos: Vec<ObsMemo<E::Key>>,
    options: VecEnvOptions,
    obs_len: usize,
    num_actions: usize,
    seed: u64,
    truth: Terms,
    /// Episodes started per copy.
    episodes: Vec<u64>,
    /// The copy's episode is over: the next step resets it.
    pending: Vec<bool>,
    out: Buffers,
    started: bool,
}

/// One chunk's copies and its slices of the buffers.
struct Chunk<'a, E: StateKey> {
    first: usize,
    memo: &'a mut ObsMemo<E::Key>,
    envs: &'a mut [E],
    actions: &'a [u32],
    episodes: &'a mut [u64],
    pending: &'a mut [bool],
    out: OutChunk<'a>,
}

impl<E: Env + StateKey + Clone + Send> VecEnv<E> {
    /// `n` copies of `env` (no episode running until [`VecEnv::reset`]).
    pub fn new(env: &E, n: usize, options: VecEnvOptions) -> Self {
        let obs_len = env.observation_len();
        let chunk = options.chunk.max(1);
        VecEnv {
            memos: vec![ObsMemo::new(MEMO_ENTRIES, obs_len); n.div_ceil(chunk)],
            obs_len,
            num_actions: env.num_actions(),
            truth: Terms::new(env.true_objective().weights()),
            envs: vec![env.clone(); n],
            options: VecEnvOptions { chunk, ..options },
            seed: 0,
            episodes: vec![0; n],
            pending: vec![false; n],
            out: Buffers::new(n, obs_len, options.record_events),
            started: false,
        }
    }

    /// Number of copies.
    pub fn len(&self) -> usize {
        self.envs.len()
    }

    /// True when there are no copies.
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    /// Bytes of one copy's observation.
    pub fn observation_len(&self) -> usize {
        self.obs_len
    }

    /// Actions per copy.
    pub fn num_actions(&self) -> usize {
        self.num_actions
    }

    /// Resets every copy: copy `i` starts its episode 0 with `seed::derive(seed, [i, 0])`.
    pub fn reset(&mut self, seed_value: u64) {
        self.seed = seed_value;
        let obs_len = self.obs_len;
        for (i, env) in self.envs.iter_mut().enumerate() {
            env.reset(seed::derive(seed_value, &[i as u64, 0]));
            env.observe(&mut self.out.obs[i * obs_len..(i + 1) * obs_len]);
        }
        self.episodes.fill(1);
        self.pending.fill(false);
        self.out.clear();
        self.started = true;
    }

    /// Steps every copy with its action (`actions.len()` must equal the number of copies);
    /// a copy whose episode ended on the previous step is reset instead (see the module
    /// documentation).
    pub fn step(&mut self, actions: &[u32]) -> Result<()> {
        if !self.started {
            return Err(Error::State("VecEnv::step called before reset".into()));
        }
        crate::batched::check_actions(actions, self.envs.len(), self.num_actions)?;
        let c = self.options.chunk;
        let (seed_value, truth) = (self.seed, self.truth);
        let chunks = self.envs.len().div_ceil(c);
        let parallel = self.options.parallel && chunks > 1 && rayon::current_num_threads() > 1;
        let run = |k: usize, (memo, envs, actions, episodes, pending, out): ChunkTuple<'_, E>| {
            let ch = Chunk {
                first: k * c,
                memo,
                envs,
                actions,
                episodes,
                pending,
                out,
            };
            step_chunk(ch, seed_value, &truth).map_err(|e| (k, e))
        };
        let outcome = if parallel {
            (
                self.memos.par_iter_mut(),
                self.envs.par_chunks_mut(c),
                actions.par_chunks(c),
                self.episodes.par_chunks_mut(c),
                self.pending.par_chunks_mut(c),
                self.out.par_chunks_mut(c),
            )
                .into_par_iter()
                .enumerate()
                // Every chunk runs; the error of the first failing chunk is reported.
                .filter_map(|(k, t)| run(k, t).err())
                .min_by_key(|(k, _)| *k)
                .map_or(Ok(()), Err)
        } else {
            self.memos
                .iter_mut()
                .zip(self.envs.chunks_mut(c))
                .zip(actions.chunks(c))
                .zip(self.episodes.chunks_mut(c))
                .zip(self.pending.chunks_mut(c))
                .zip(self.out.chunks_mut(c))
                .enumerate()
                .try_for_each(|(k, (((((m, e), a), ep), p), o))| run(k, (m, e, a, ep, p, o)))
        };
        outcome.map_err(|(_, e)| e)
    }

    /// Episodes started by copy `i` since the last [`VecEnv::reset`].
    pub fn episodes_started(&self, i: usize) -> u64 {
        self.episodes[i]
    }

    /// The copies themselves (for renderers and evaluators).
    pub fn envs(&self) -> &[E] {
        &self.envs
    }
}

impl<E: Env + StateKey + Clone + Send> Batched for VecEnv<E> {
    fn len(&self) -> usize {
        self.envs.len()
    }
    fn num_actions(&self) -> usize {
        self.num_actions
    }
    fn observation_len(&self) -> usize {
        self.obs_len
    }
    fn reset(&mut self, seed: u64) -> Result<()> {
        VecEnv::reset(self, seed);
        Ok(())
    }
    fn step(&mut self, actions: &[u32]) -> Result<()> {
        VecEnv::step(self, actions)
    }
    fn episodes_started(&self, i: usize) -> u64 {
        self.episodes[i]
    }
    fn buffers(&self) -> &Buffers {
        &self.out
    }
}

type ChunkTuple<'a, E> = (
    &'a mut ObsMemo<<E as StateKey>::Key>,
    &'a mut [E],
    &'a [u32],
    &'a mut [u64],
    &'a mut [bool],
    OutChunk<'a>,
);

/// Steps (or resets) the copies of one chunk.
#[inline]
fn step_chunk<E: Env + StateKey>(
    mut ch: Chunk<'_, E>,
    seed_value: u64,
    truth: &Terms,
) -> Result<()> {
    for (j, env) in ch.envs.iter_mut().enumerate() {
        if ch.pending[j] {
            let i = (ch.first + j) as u64;
            env.reset(seed::derive(seed_value, &[i, ch.episodes[j]]));
            ch.episodes[j] += 1;
            ch.pending[j] = false;
            ch.memo.observe(env, ch.out.obs(j));
            ch.out.reset(j);
            continue;
        }
        let step = env.step(ch.actions[j] as usize)?;
        ch.memo.observe(env, ch.out.obs(j));
        ch.out.step(
            j,
            step.proxy_reward,
            truth.evaluate(&step.events),
            &step.events.0,
            step.terminated,
            step.truncated,
        );
        ch.pending[j] = step.done();
    }
    Ok(())
}
