//! What every batched stepper offers: N copies stepped at once into structure-of-arrays
//! buffers with Gymnasium's `NEXT_STEP` autoreset, so that benchmarks, learners and bindings
//! can take either the engine ([`crate::VecEnv`]) or a compiled table
//! ([`crate::TableVecEnv`]).

use goodhart_core::{Error, MAX_EVENTS, Result};
use rayon::iter::Either;
use rayon::prelude::*;

/// N copies stepped at once (see [`crate::VecEnv`] for the buffers' layout, the autoreset
/// rule and the seeds, which every implementation follows).
pub trait Batched {
    /// Number of copies.
    fn len(&self) -> usize;
    /// Whether there are no copies.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Actions per step.
    fn num_actions(&self) -> usize;
    /// Bytes per observation.
    fn observation_len(&self) -> usize;
    /// Resets every copy: copy `i` starts its episode 0 with `seed::derive(seed, [i, 0])`.
    fn reset(&mut self, seed: u64) -> Result<()>;
    /// Steps every copy with its action, or resets it when its episode ended on the last step.
    fn step(&mut self, actions: &[u32]) -> Result<()>;
    /// Episodes started by copy `i` since the last reset.
    fn episodes_started(&self, i: usize) -> u64;
    /// The buffers the last step wrote.
    fn buffers(&self) -> &Buffers;
    /// Every copy's observation, copy after copy.
    fn observations(&self) -> &[u8] {
        &self.buffers().obs
    }
    /// Copy `i`'s observation.
    fn observation(&self, i: usize) -> &[u8] {
        let n = self.observation_len();
        &self.buffers().obs[i * n..(i + 1) * n]
    }
    /// Proxy rewards of the last step.
    fn rewards(&self) -> &[f64] {
        &self.buffers().rewards
    }
    /// True rewards of the last step (for evaluators; never for the agent).
    fn true_rewards(&self) -> &[f64] {
        &self.buffers().true_rewards
    }
    /// Events of the last step, `MAX_EVENTS` per copy (empty unless recorded).
    fn events(&self) -> &[f64] {
        &self.buffers().events
    }
    /// Which copies' episodes ended in a terminal state on the last step.
    fn terminated(&self) -> &[bool] {
        &self.buffers().terminated
    }
    /// Which copies' episodes hit the step limit on the last step.
    fn truncated(&self) -> &[bool] {
        &self.buffers().truncated
    }
    /// Which copies were reset (their action ignored) by the last step.
    fn autoreset(&self) -> &[bool] {
        &self.buffers().autoreset
    }
}

/// The structure-of-arrays buffers of a batched stepper. They are allocated once, by
/// [`Buffers::new`], and never resized, so their memory never moves while the stepper lives
/// (the Python bindings hand numpy views of them out).
#[derive(Debug, Clone)]
pub struct Buffers {
    pub(crate) obs: Vec<u8>,
    pub(crate) rewards: Vec<f64>,
    pub(crate) true_rewards: Vec<f64>,
    pub(crate) events: Vec<f64>,
    pub(crate) terminated: Vec<bool>,
    pub(crate) truncated: Vec<bool>,
    pub(crate) autoreset: Vec<bool>,
    obs_len: usize,
    /// Events per copy: [`MAX_EVENTS`] when recorded, else 0.
    event_width: usize,
}

/// One chunk of copies' slices of the [`Buffers`], written copy by copy (`j` counts from the
/// chunk's first copy).
pub(crate) struct OutChunk<'a> {
    obs: &'a mut [u8],
    rewards: &'a mut [f64],
    true_rewards: &'a mut [f64],
    events: &'a mut [f64],
    terminated: &'a mut [bool],
    truncated: &'a mut [bool],
    autoreset: &'a mut [bool],
    obs_len: usize,
    event_width: usize,
}

impl OutChunk<'_> {
    /// Copy `j`'s observation, to be written.
    #[inline]
    pub(crate) fn obs(&mut self, j: usize) -> &mut [u8] {
        &mut self.obs[j * self.obs_len..(j + 1) * self.obs_len]
    }

    /// Records that copy `j` was reset (its observation written through [`OutChunk::obs`]):
    /// reward 0, no events, both flags false, `autoreset` true.
    #[inline]
    pub(crate) fn reset(&mut self, j: usize) {
        self.rewards[j] = 0.0;
        self.true_rewards[j] = 0.0;
        if self.event_width > 0 {
            self.events[j * MAX_EVENTS..(j + 1) * MAX_EVENTS].fill(0.0);
        }
        self.terminated[j] = false;
        self.truncated[j] = false;
        self.autoreset[j] = true;
    }

    /// Records copy `j`'s step (its observation written through [`OutChunk::obs`]).
    #[inline]
    pub(crate) fn step(
        &mut self,
        j: usize,
        proxy: f64,
        truth: f64,
        events: &[f64; MAX_EVENTS],
        terminated: bool,
        truncated: bool,
    ) {
        self.rewards[j] = proxy;
        self.true_rewards[j] = truth;
        // A copy of constant size, which the compiler unrolls.
        if self.event_width > 0 {
            self.events[j * MAX_EVENTS..(j + 1) * MAX_EVENTS].copy_from_slice(events);
        }
        self.terminated[j] = terminated;
        self.truncated[j] = truncated;
        self.autoreset[j] = false;
    }
}

impl Buffers {
    /// Buffers for `n` copies with observations of `obs_len` bytes, and events when
    /// `record_events`.
    pub(crate) fn new(n: usize, obs_len: usize, record_events: bool) -> Self {
        Buffers {
            obs: vec![0; n * obs_len],
            rewards: vec![0.0; n],
            true_rewards: vec![0.0; n],
            events: if record_events {
                vec![0.0; n * MAX_EVENTS]
            } else {
                Vec::new()
            },
            terminated: vec![false; n],
            truncated: vec![false; n],
            autoreset: vec![false; n],
            obs_len,
            event_width: if record_events { MAX_EVENTS } else { 0 },
        }
    }

    /// The state right after a reset of every copy (observations aside).
    pub(crate) fn clear(&mut self) {
        self.rewards.fill(0.0);
        self.true_rewards.fill(0.0);
        self.events.fill(0.0);
        self.terminated.fill(false);
        self.truncated.fill(false);
        self.autoreset.fill(false);
    }

    /// The buffers in chunks of `c` copies, in order.
    pub(crate) fn chunks_mut(&mut self, c: usize) -> impl Iterator<Item = OutChunk<'_>> {
        let (obs_len, event_width) = (self.obs_len, self.event_width);
        let mut events = self.events.chunks_mut((c * event_width).max(1));
        self.obs
            .chunks_mut(c * obs_len)
            .zip(self.rewards.chunks_mut(c))
            .zip(self.true_rewards.chunks_mut(c))
            .zip(self.terminated.chunks_mut(c))
            .zip(self.truncated.chunks_mut(c))
            .zip(self.autoreset.chunks_mut(c))
            .map(
                move |(((((obs, rewards), true_rewards), terminated), truncated), autoreset)| {
                    OutChunk {
                        obs,
                        rewards,
                        true_rewards,
                        events: if event_width > 0 {
                            events.next().unwrap_or(&mut [])
                        } else {
                            &mut []
                        },
                        terminated,
                        truncated,
                        autoreset,
                        obs_len,
                        event_width,
                    }
                },
            )
    }

    /// The buffers in chunks of `c` copies, for rayon.
    pub(crate) fn par_chunks_mut<'a>(
        &'a mut self,
        c: usize,
    ) -> impl IndexedParallelIterator<Item = OutChunk<'a>> + 'a {
        let (obs_len, event_width) = (self.obs_len, self.event_width);
        let chunks = self.rewards.len().div_ceil(c);
        let events = if event_width > 0 {
            Either::Left(self.events.par_chunks_mut(c * event_width))
        } else {
            Either::Right(
                (0..chunks)
                    .into_par_iter()
                    .map(|_| -> &'a mut [f64] { &mut [] }),
            )
        };
        (
            self.obs.par_chunks_mut(c * obs_len),
            self.rewards.par_chunks_mut(c),
            self.true_rewards.par_chunks_mut(c),
            events,
            self.terminated.par_chunks_mut(c),
            self.truncated.par_chunks_mut(c),
            self.autoreset.par_chunks_mut(c),
        )
            .into_par_iter()
            .map(
                move |(obs, rewards, true_rewards, events, terminated, truncated, autoreset)| {
                    OutChunk {
                        obs,
                        rewards,
                        true_rewards,
                        events,
                        terminated,
                        truncated,
                        autoreset,
                        obs_len,
                        event_width,
                    }
                },
            )
    }
}

/// Checks a step's actions: one per copy, each below `num_actions`.
pub(crate) fn check_actions(actions: &[u32], copies: usize, num_actions: usize) -> Result<()> {
    if actions.len() != copies {
        return Err(Error::invalid_value(
            "actions",
            format!("{} actions", actions.len()),
            format!("one action per copy ({copies})"),
        ));
    }
    if let Some(&bad) = actions.iter().find(|&&a| a as usize >= num_actions) {
        return Err(Error::invalid_value(
            "action",
            bad.to_string(),
            format!("an integer in 0..{num_actions}"),
        ));
    }
    Ok(())
}
