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

use goodhart_core::{Env, Error, MAX_EVENTS, Result, seed};
use rayon::prelude::*;

use crate::batched::{Batched, Buffers};
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

/// One chunk's slices of every buffer.
struct Chunk<'a, E: StateKey> {
    first: usize,
    memo: &'a mut ObsMemo<E::Key>,
    envs: &'a mut [E],
    actions: &'a [u32],
    episodes: &'a mut [u64],
    pending: &'a mut [bool],
    obs: &'a mut [u8],
    rewards: &'a mut [f64],
    true_rewards: &'a mut [f64],
    events: &'a mut [f64],
    terminated: &'a mut [bool],
    truncated: &'a mut [bool],
    autoreset: &'a mut [bool],
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
        self.out.rewards.fill(0.0);
        self.out.true_rewards.fill(0.0);
        self.out.events.fill(0.0);
        self.out.terminated.fill(false);
        self.out.truncated.fill(false);
        self.out.autoreset.fill(false);
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
        let n = self.envs.len();
        let ev_w = if self.options.record_events {
            MAX_EVENTS
        } else {
            0
        };
        let (obs_len, seed_value, truth) = (self.obs_len, self.seed, self.truth);
        let chunks = n.div_ceil(c);
        let parallel = self.options.parallel && chunks > 1 && rayon::current_num_threads() > 1;
        let make = |k: usize, t: ChunkTuple<'_, E>, events: &mut [f64]| -> Result<()> {
            let (
                memo,
                envs,
                actions,
                episodes,
                pending,
                obs,
                rewards,
                true_rewards,
                terminated,
                truncated,
                autoreset,
            ) = t;
            step_chunk(
                Chunk {
                    first: k * c,
                    memo,
                    envs,
                    actions,
                    episodes,
                    pending,
                    obs,
                    rewards,
                    true_rewards,
                    events,
                    terminated,
                    truncated,
                    autoreset,
                },
                obs_len,
                ev_w,
                seed_value,
                &truth,
            )
        };
        if parallel {
            let chunked = (
                self.memos.par_iter_mut(),
                self.envs.par_chunks_mut(c),
                actions.par_chunks(c),
                self.episodes.par_chunks_mut(c),
                self.pending.par_chunks_mut(c),
                self.out.obs.par_chunks_mut(c * obs_len),
                self.out.rewards.par_chunks_mut(c),
                self.out.true_rewards.par_chunks_mut(c),
                self.out.terminated.par_chunks_mut(c),
                self.out.truncated.par_chunks_mut(c),
                self.out.autoreset.par_chunks_mut(c),
            )
                .into_par_iter();
            // Every chunk runs; the error of the first failing chunk is reported.
            let first_error = if ev_w > 0 {
                chunked
                    .zip(self.out.events.par_chunks_mut(c * ev_w))
                    .enumerate()
                    .filter_map(|(k, (t, ev))| make(k, t, ev).err().map(|e| (k, e)))
                    .min_by_key(|(k, _)| *k)
            } else {
                chunked
                    .enumerate()
                    .filter_map(|(k, t)| make(k, t, &mut []).err().map(|e| (k, e)))
                    .min_by_key(|(k, _)| *k)
            };
            if let Some((_, e)) = first_error {
                return Err(e);
            }
        } else {
            let mut events = self.out.events.chunks_mut((c * ev_w).max(1));
            let chunked = self
                .memos
                .iter_mut()
                .zip(self.envs.chunks_mut(c))
                .zip(actions.chunks(c))
                .zip(self.episodes.chunks_mut(c))
                .zip(self.pending.chunks_mut(c))
                .zip(self.out.obs.chunks_mut(c * obs_len))
                .zip(self.out.rewards.chunks_mut(c))
                .zip(self.out.true_rewards.chunks_mut(c))
                .zip(self.out.terminated.chunks_mut(c))
                .zip(self.out.truncated.chunks_mut(c))
                .zip(self.out.autoreset.chunks_mut(c));
            for (k, ((((((((((m, a), b), c), d), e), f), g), h), i), j)) in chunked.enumerate() {
                let ev: &mut [f64] = if ev_w > 0 {
                    events.next().unwrap_or(&mut [])
                } else {
                    &mut []
                };
                make(k, (m, a, b, c, d, e, f, g, h, i, j), ev)?;
            }
        }
        Ok(())
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
    &'a mut [u8],
    &'a mut [f64],
    &'a mut [f64],
    &'a mut [bool],
    &'a mut [bool],
    &'a mut [bool],
);

/// Steps (or resets) the copies of one chunk.
#[inline]
fn step_chunk<E: Env + StateKey>(
    ch: Chunk<'_, E>,
    obs_len: usize,
    ev_w: usize,
    seed_value: u64,
    truth: &Terms,
) -> Result<()> {
    for (j, env) in ch.envs.iter_mut().enumerate() {
        let obs = &mut ch.obs[j * obs_len..(j + 1) * obs_len];
        if ch.pending[j] {
            let i = (ch.first + j) as u64;
            env.reset(seed::derive(seed_value, &[i, ch.episodes[j]]));
            ch.episodes[j] += 1;
            ch.pending[j] = false;
            ch.memo.observe(env, obs);
            ch.rewards[j] = 0.0;
            ch.true_rewards[j] = 0.0;
            if ev_w > 0 {
                ch.events[j * ev_w..(j + 1) * ev_w].fill(0.0);
            }
            ch.terminated[j] = false;
            ch.truncated[j] = false;
            ch.autoreset[j] = true;
            continue;
        }
        let step = env.step(ch.actions[j] as usize)?;
        ch.memo.observe(env, obs);
        ch.rewards[j] = step.proxy_reward;
        ch.true_rewards[j] = truth.evaluate(&step.events);
        if ev_w > 0 {
            ch.events[j * ev_w..(j + 1) * ev_w].copy_from_slice(&step.events.0);
        }
        ch.terminated[j] = step.terminated;
        ch.truncated[j] = step.truncated;
        ch.autoreset[j] = false;
        ch.pending[j] = step.done();
    }
    Ok(())
}
