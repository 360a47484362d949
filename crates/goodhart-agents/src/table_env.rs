//! Batched stepping through a compiled table: when every transition of a scenario is
//! deterministic (one successor per state and action), the exact compiler's table *is* the
//! simulator, and a step is a lookup.
//!
//! [`TableVecEnv`] has [`VecEnv`]'s buffers, autoreset, per-copy seeds and threading, and
//! writes bit-identical values into them (tested against the engine on every scenario it
//! accepts): the table holds the engine's own event vectors, the proxy and true rewards are
//! the same functions of them, and observations are rendered once per state. Resets still run
//! the engine, whose initial distribution may be random, and look the drawn state up among the
//! model's initial states. A copy holds only a state index and a step count, so stepping
//! touches a few bytes per copy besides the buffers it must write.
//!
//! It declines (with an error saying why) scenarios that are stochastic after the reset, that
//! remember across episodes, or whose model or rendered observations exceed the limits.
//!
//! [`VecEnv`]: crate::VecEnv

use std::collections::BTreeMap;
use std::sync::Arc;

use goodhart_core::{Env, Error, MAX_EVENTS, Result, seed};
use goodhart_grid::{GridEnv, GridScenario, GridState};
use goodhart_mdp::{CompileOptions, TERMINAL, compile};
use rayon::prelude::*;

use crate::batched::{Batched, Buffers, OutChunk};
use crate::record::Terms;
use crate::vec_env::VecEnvOptions;

/// Most bytes of rendered observations a table may hold.
pub const MAX_OBSERVATION_BYTES: usize = 256 << 20;

/// Marks a row with no transition (a state the compiler never expands: reached only by a
/// step that ends the episode).
const NO_ROW: u32 = u32::MAX;

/// One copy's episode.
#[derive(Debug, Clone, Copy, Default)]
struct Episode {
    /// Table index of the current state.
    state: u32,
    /// Steps taken.
    t: u32,
    /// Episodes started since [`TableVecEnv::reset`].
    started: u64,
    /// The episode is over: the next step resets this copy.
    pending: bool,
}

/// The compiled scenario every copy steps through.
#[derive(Debug)]
struct Table {
    num_actions: usize,
    obs_len: usize,
    max_steps: u32,
    /// Per row `state * num_actions + action`: the next state's index, with [`TERMINAL`]
    /// set when the step ends the episode, or [`NO_ROW`].
    next: Vec<u32>,
    /// Per row: the id of the step's event vector.
    label: Vec<u32>,
    /// Per event id: proxy reward, true reward and the events themselves.
    proxy: Vec<f64>,
    truth: Vec<f64>,
    events: Vec<[f64; MAX_EVENTS]>,
    /// Per state: its observation (`obs_len` bytes).
    observations: Vec<u8>,
    /// The model's initial states.
    initial: BTreeMap<GridState, u32>,
}

/// N copies of a deterministic scenario stepped through its compiled table (see the module
/// documentation).
#[derive(Debug)]
pub struct TableVecEnv {
    table: Arc<Table>,
    /// One engine per chunk, to draw initial states.
    resetters: Vec<GridEnv>,
    options: VecEnvOptions,
    seed: u64,
    started: bool,
    episodes: Vec<Episode>,
    out: Buffers,
}

/// One chunk's copies and its slices of the buffers.
struct Chunk<'a> {
    first: usize,
    resetter: &'a mut GridEnv,
    episodes: &'a mut [Episode],
    actions: &'a [u32],
    out: OutChunk<'a>,
}

impl Table {
    fn compile(scenario: &Arc<GridScenario>, max_states: usize) -> Result<Table> {
        let declined = |why: String| Error::State(format!("{}: {why}", scenario.id()));
        if crate::grid::remembers_across_episodes(scenario) {
            return Err(declined(
                "its env remembers across episodes, which a table cannot".into(),
            ));
        }
        let compiled = compile(
            &**scenario,
            &CompileOptions {
                max_states,
                ..CompileOptions::default()
            },
        )?;
        let mdp = &compiled.mdp;
        let (offsets, next_all, _, label_all) = mdp.csr();
        let rows = offsets.len() - 1;
        let mut next = vec![NO_ROW; rows];
        let mut label = vec![0; rows];
        for row in 0..rows {
            let (lo, hi) = (offsets[row] as usize, offsets[row + 1] as usize);
            match hi - lo {
                0 => {}
                1 => {
                    next[row] = next_all[lo];
                    label[row] = label_all[lo];
                }
                k => {
                    return Err(declined(format!(
                        "it is stochastic after the reset (state {} action {} has {k} \
                         successors)",
                        row / mdp.num_actions(),
                        row % mdp.num_actions()
                    )));
                }
            }
        }
        let env = GridEnv::new(scenario.clone());
        let obs_len = env.observation_len();
        let bytes = compiled.states.len().saturating_mul(obs_len);
        if bytes > MAX_OBSERVATION_BYTES {
            return Err(declined(format!(
                "its {} states' observations take {bytes} bytes (at most {MAX_OBSERVATION_BYTES})",
                compiled.states.len()
            )));
        }
        let mut observations = vec![0u8; bytes];
        for (state, out) in compiled.states.iter().zip(observations.chunks_mut(obs_len)) {
            scenario.render_chars(state, out);
            for c in out.iter_mut() {
                *c = scenario.obs_code[*c as usize];
            }
        }
        let truth = Terms::new(scenario.true_objective.weights());
        let table = mdp.event_table();
        Ok(Table {
            num_actions: mdp.num_actions(),
            obs_len,
            max_steps: scenario.max_steps,
            next,
            label,
            proxy: table.iter().map(|e| scenario.proxy.evaluate(e)).collect(),
            truth: table.iter().map(|e| truth.evaluate(e)).collect(),
            events: table.iter().map(|e| e.0).collect(),
            observations,
            initial: mdp
                .initial()
                .iter()
                .map(|&(i, _)| (compiled.states[i as usize], i))
                .collect(),
        })
    }

    fn observation(&self, state: u32) -> &[u8] {
        let i = state as usize * self.obs_len;
        &self.observations[i..i + self.obs_len]
    }
}

impl TableVecEnv {
    /// `n` copies of `scenario` stepped through its table, compiled with at most
    /// `max_states` states; an error says why a scenario is declined (see the module
    /// documentation).
    pub fn new(
        scenario: &Arc<GridScenario>,
        n: usize,
        options: VecEnvOptions,
        max_states: usize,
    ) -> Result<Self> {
        let table = Table::compile(scenario, max_states)?;
        let chunk = options.chunk.max(1);
        let obs_len = table.obs_len;
        Ok(TableVecEnv {
            table: Arc::new(table),
            resetters: vec![GridEnv::new(scenario.clone()); n.div_ceil(chunk)],
            options: VecEnvOptions { chunk, ..options },
            seed: 0,
            started: false,
            episodes: vec![Episode::default(); n],
            out: Buffers::new(n, obs_len, options.record_events),
        })
    }

    /// Number of states in the table.
    pub fn num_states(&self) -> usize {
        self.table.next.len() / self.table.num_actions
    }
}

impl Batched for TableVecEnv {
    fn len(&self) -> usize {
        self.episodes.len()
    }

    fn num_actions(&self) -> usize {
        self.table.num_actions
    }

    fn observation_len(&self) -> usize {
        self.table.obs_len
    }

    fn reset(&mut self, seed_value: u64) -> Result<()> {
        self.seed = seed_value;
        self.started = true;
        // A reset is the autoreset of a step whose copies are all pending, with episode
        // numbers starting at 0.
        for e in &mut self.episodes {
            *e = Episode {
                pending: true,
                ..Episode::default()
            };
        }
        let actions = vec![0; self.episodes.len()];
        self.step(&actions)?;
        self.out.autoreset.fill(false);
        Ok(())
    }

    fn step(&mut self, actions: &[u32]) -> Result<()> {
        if !self.started {
            return Err(Error::State("TableVecEnv::step called before reset".into()));
        }
        crate::batched::check_actions(actions, self.episodes.len(), self.table.num_actions)?;
        let (c, seed_value) = (self.options.chunk, self.seed);
        let table = &*self.table;
        let run = |k: usize, (resetter, episodes, actions, out): ChunkTuple<'_>| {
            let ch = Chunk {
                first: k * c,
                resetter,
                episodes,
                actions,
                out,
            };
            step_chunk(ch, table, seed_value).map_err(|e| (k, e))
        };
        let chunks = self.resetters.len();
        let outcome = if self.options.parallel && chunks > 1 && rayon::current_num_threads() > 1 {
            (
                self.resetters.par_iter_mut(),
                self.episodes.par_chunks_mut(c),
                actions.par_chunks(c),
                self.out.par_chunks_mut(c),
            )
                .into_par_iter()
                .enumerate()
                // Every chunk runs; the error of the first failing chunk is reported.
                .filter_map(|(k, t)| run(k, t).err())
                .min_by_key(|(k, _)| *k)
                .map_or(Ok(()), Err)
        } else {
            self.resetters
                .iter_mut()
                .zip(self.episodes.chunks_mut(c))
                .zip(actions.chunks(c))
                .zip(self.out.chunks_mut(c))
                .enumerate()
                .try_for_each(|(k, (((r, e), a), o))| run(k, (r, e, a, o)))
        };
        outcome.map_err(|(_, e)| e)
    }

    fn episodes_started(&self, i: usize) -> u64 {
        self.episodes[i].started
    }

    fn buffers(&self) -> &Buffers {
        &self.out
    }
}

type ChunkTuple<'a> = (&'a mut GridEnv, &'a mut [Episode], &'a [u32], OutChunk<'a>);

/// Steps (or resets) the copies of one chunk.
#[inline]
fn step_chunk(mut ch: Chunk<'_>, table: &Table, seed_value: u64) -> Result<()> {
    let na = table.num_actions;
    for (j, ep) in ch.episodes.iter_mut().enumerate() {
        if ep.pending {
            let i = (ch.first + j) as u64;
            ch.resetter
                .reset(seed::derive(seed_value, &[i, ep.started]));
            let Some(&state) = table.initial.get(ch.resetter.state()) else {
                return Err(Error::State(format!(
                    "copy {i}: the engine's initial state {:?} is not an initial state of the \
                     compiled table",
                    ch.resetter.state()
                )));
            };
            *ep = Episode {
                state,
                t: 0,
                started: ep.started + 1,
                pending: false,
            };
            ch.out.obs(j).copy_from_slice(table.observation(state));
            ch.out.reset(j);
            continue;
        }
        let row = ep.state as usize * na + ch.actions[j] as usize;
        let next = table.next[row];
        if next == NO_ROW {
            return Err(Error::State(format!(
                "copy {}: state {} has no transition in the table",
                ch.first + j,
                ep.state
            )));
        }
        let label = table.label[row] as usize;
        let terminated = next & TERMINAL != 0;
        ep.state = next & !TERMINAL;
        ep.t += 1;
        let truncated = !terminated && ep.t >= table.max_steps;
        ep.pending = terminated || truncated;
        ch.out.obs(j).copy_from_slice(table.observation(ep.state));
        ch.out.step(
            j,
            table.proxy[label],
            table.truth[label],
            &table.events[label],
            terminated,
            truncated,
        );
    }
    Ok(())
}
