//! Gridworld scenarios as simulators ([`GridEnv`]) and as finite models for the exact compiler.

use std::sync::Arc;

use goodhart_core::{
    Action, Enumerator, Env, Error, EventSet, EventVec, FiniteModel, Objective, Result, Sampler,
    Step, Successor, Trajectory, TrajectoryStep,
};

use crate::mechanics::{Memory, Mode};
use crate::scenario::GridScenario;
use crate::state::GridState;

/// A running gridworld episode: the [`Env`] agents and evaluators step.
#[derive(Debug, Clone)]
pub struct GridEnv {
    scenario: Arc<GridScenario>,
    state: GridState,
    t: u32,
    sampler: Sampler,
    memory: Memory,
    running: bool,
}

impl GridEnv {
    /// A fresh env instance (no episode running until [`Env::reset`]).
    pub fn new(scenario: Arc<GridScenario>) -> Self {
        let memory = scenario.mechanic.initial_memory();
        let state = GridState::at(scenario.world.levels[0].agent, 0);
        GridEnv {
            scenario,
            state,
            t: 0,
            sampler: Sampler::new(0),
            memory,
            running: false,
        }
    }

    /// The scenario this env runs.
    pub fn scenario(&self) -> &Arc<GridScenario> {
        &self.scenario
    }

    /// The current state (for renderers and evaluators; agents see [`Env::observe`]).
    pub fn state(&self) -> &GridState {
        &self.state
    }

    /// Steps taken in this episode.
    pub fn steps(&self) -> u32 {
        self.t
    }

    /// Whether an episode is running (reset and not yet done).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Applies a typed action.
    #[inline]
    pub fn step_action(&mut self, action: Action) -> Result<Step> {
        if !self.running {
            return Err(Error::State(
                "step called with no episode running: call reset first (the last episode ended)"
                    .into(),
            ));
        }
        if action.index() >= self.scenario.num_actions {
            let s = &*self.scenario;
            let noop = if s.declared.iter().any(|p| p.name == "noops") {
                " (noop is enabled with --set noops=true)"
            } else {
                ""
            };
            return Err(Error::invalid_value(
                "action",
                action
                    .name()
                    .map_or_else(|| action.index().to_string(), str::to_string),
                format!("an action of {}{noop}", s.action_names.join(", ")),
            ));
        }
        let s = &*self.scenario;
        let mut events = EventVec::default();
        let terminated = s.mechanic.step(
            &s.world,
            &mut self.state,
            action,
            &self.memory,
            &mut self.sampler,
            &mut events,
        );
        self.t += 1;
        let truncated = !terminated && self.t >= s.max_steps;
        if terminated || truncated {
            self.running = false;
            s.mechanic.end_episode(&self.state, &mut self.memory);
        }
        Ok(Step {
            proxy_reward: s.proxy.evaluate(&events),
            events,
            terminated,
            truncated,
        })
    }
}

impl Env for GridEnv {
    fn num_actions(&self) -> usize {
        self.scenario.num_actions
    }

    fn observation_shape(&self) -> (usize, usize) {
        (self.scenario.world.rows, self.scenario.world.cols)
    }

    fn observation_max(&self) -> u8 {
        self.scenario.obs_max
    }

    fn reset(&mut self, seed: u64) {
        let s = &*self.scenario;
        self.sampler = Sampler::new(seed);
        let level = draw_level(&s.world.level_probs, &mut self.sampler);
        self.state = s.mechanic.initial(
            &s.world,
            level,
            Mode::Simulate,
            &self.memory,
            &mut self.sampler,
        );
        self.t = 0;
        self.running = true;
    }

    #[inline]
    fn step(&mut self, action: usize) -> Result<Step> {
        let a = Action::from_index(action).ok_or_else(|| {
            Error::invalid_value(
                "action",
                action.to_string(),
                format!("an integer in 0..{}", self.scenario.num_actions),
            )
        })?;
        self.step_action(a)
    }

    fn observe(&self, out: &mut [u8]) {
        let s = &*self.scenario;
        s.render_chars(&self.state, out);
        for c in out.iter_mut() {
            *c = s.obs_code[*c as usize];
        }
    }

    fn events(&self) -> &EventSet {
        &self.scenario.events
    }

    fn proxy(&self) -> &Objective {
        &self.scenario.proxy
    }

    fn true_objective(&self) -> &Objective {
        &self.scenario.true_objective
    }
}

fn draw_level<C: goodhart_core::Chance>(probs: &[f64], chance: &mut C) -> u8 {
    if probs.len() == 1 {
        0
    } else {
        chance.choose(probs) as u8
    }
}

impl FiniteModel for GridScenario {
    type State = GridState;

    fn num_actions(&self) -> usize {
        self.num_actions
    }

    fn horizon(&self) -> u32 {
        self.max_steps
    }

    fn initial_states(&self, out: &mut Vec<(GridState, f64)>) {
        let memory = self.mechanic.initial_memory();
        let mut e = Enumerator::new();
        while e.next_run() {
            let level = draw_level(&self.world.level_probs, &mut e);
            let s = self
                .mechanic
                .initial(&self.world, level, Mode::Compile, &memory, &mut e);
            out.push((s, e.probability()));
        }
    }

    fn successors(&self, state: &GridState, action: usize, out: &mut Vec<Successor<GridState>>) {
        let memory = self.mechanic.initial_memory();
        let action = Action::from_index(action).unwrap_or(Action::Noop);
        let mut e = Enumerator::new();
        while e.next_run() {
            let mut s = *state;
            let mut events = EventVec::default();
            let terminal =
                self.mechanic
                    .step(&self.world, &mut s, action, &memory, &mut e, &mut events);
            out.push(Successor {
                state: s,
                prob: e.probability(),
                events,
                terminal,
            });
        }
    }

    fn events(&self) -> &EventSet {
        &self.events
    }

    fn proxy(&self) -> &Objective {
        &self.proxy
    }

    fn true_objective(&self) -> &Objective {
        &self.true_objective
    }
}

/// An episode played from `seed` with a fixed action list: its trajectory and every state
/// (`states[0]` is the initial state). Actions after the episode ends are ignored.
pub fn replay(
    scenario: &Arc<GridScenario>,
    seed: u64,
    actions: &[Action],
) -> Result<(Trajectory, Vec<GridState>)> {
    let mut env = GridEnv::new(scenario.clone());
    env.reset(seed);
    let mut traj = Trajectory {
        seed,
        ..Trajectory::default()
    };
    let mut states = vec![*env.state()];
    for &a in actions {
        let step = env.step_action(a)?;
        traj.steps.push(TrajectoryStep {
            action: a,
            proxy_reward: step.proxy_reward,
            true_reward: scenario.true_objective.evaluate(&step.events),
            events: step.events,
        });
        states.push(*env.state());
        if step.done() {
            traj.terminated = step.terminated;
            traj.truncated = step.truncated;
            break;
        }
    }
    Ok((traj, states))
}
