//! Episodes worth showing (a gaming trajectory, a true-optimal one, a sample of a learner):
//! the visited states and rewards, turned into a replayable JSON [`Episode`] and animated GIFs.

use std::sync::Arc;
use std::time::Duration;

use goodhart_core::{Action, Trajectory, TrajectoryStep};
use goodhart_grid::{GridScenario, GridState, render, replay};

use super::{Artefact, Episode};
use crate::error::Result;

/// Delay between animation frames.
pub const FRAME_DELAY: Duration = Duration::from_millis(180);

/// One episode: its states (`states[0]` initial) and steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// What it shows (`worst proxy-optimal policy`).
    pub title: String,
    /// The seed it was played with (for replays), when it came from the simulator.
    pub seed: Option<u64>,
    /// The states, one more than the steps.
    pub states: Vec<GridState>,
    /// The steps (actions, proxy and true rewards).
    pub trajectory: Trajectory,
}

impl Trace {
    /// Plays `actions` from `seed` in the simulator.
    pub fn replay(
        title: &str,
        scenario: &Arc<GridScenario>,
        seed: u64,
        actions: &[Action],
    ) -> Result<Trace> {
        let (trajectory, states) = replay(scenario, seed, actions)?;
        Ok(Trace {
            title: title.to_string(),
            seed: Some(seed),
            states,
            trajectory,
        })
    }

    /// A trace from visited states, actions and per-step rewards (a path of a compiled model).
    pub fn from_path(
        title: &str,
        states: Vec<GridState>,
        actions: &[Action],
        proxy_rewards: &[f64],
        true_rewards: &[f64],
        terminated: bool,
    ) -> Trace {
        let steps = actions
            .iter()
            .zip(proxy_rewards.iter().zip(true_rewards))
            .map(|(&action, (&proxy_reward, &true_reward))| TrajectoryStep {
                action,
                proxy_reward,
                true_reward,
                events: Default::default(),
            })
            .collect();
        Trace {
            title: title.to_string(),
            seed: None,
            states,
            trajectory: Trajectory {
                seed: 0,
                steps,
                terminated,
                truncated: !terminated,
            },
        }
    }

    /// The replayable JSON form, with the boards as text.
    pub fn episode(&self, scenario: &GridScenario) -> Episode {
        Episode {
            title: self.title.clone(),
            seed: self.seed.unwrap_or(0),
            actions: replayable_actions(scenario, &self.trajectory),
            proxy_return: self.trajectory.proxy_return(),
            true_return: self.trajectory.true_return(),
            frames: self
                .states
                .iter()
                .map(|s| scenario.board_text(s).join("\n"))
                .collect(),
        }
    }

    /// One captioned frame per state.
    pub fn frames(&self, scenario: &GridScenario) -> Vec<render::Frame> {
        render::episode(
            scenario,
            &self.trajectory,
            &self.states,
            render::DEFAULT_TILE,
        )
    }

    /// The episode as an animated GIF.
    pub fn gif(&self, scenario: &GridScenario) -> Result<Vec<u8>> {
        Ok(render::gif(&self.frames(scenario), FRAME_DELAY)?)
    }

    /// `NAME.json` and `NAME.gif` artefacts.
    pub fn artefacts(&self, scenario: &GridScenario, name: &str) -> Result<Vec<Artefact>> {
        Ok(vec![
            self.episode(scenario).artefact(name),
            gif_artefact(&format!("{name}.gif"), self.gif(scenario)?),
        ])
    }
}

/// Two episodes side by side in one animation, each under its title.
pub fn comparison_gif(
    scenario: &GridScenario,
    left: &Trace,
    right: &Trace,
    titles: [&str; 2],
) -> Result<Vec<u8>> {
    let frames = render::side_by_side(&left.frames(scenario), &right.frames(scenario), titles);
    Ok(render::gif(&frames, FRAME_DELAY)?)
}

/// A GIF as an artefact.
pub fn gif_artefact(name: &str, data: Vec<u8>) -> Artefact {
    Artefact {
        name: name.to_string(),
        media_type: "image/gif".into(),
        data,
    }
}

/// The actions of `trajectory` as `goodhart replay` reads them: a run of move letters (`RRDD`)
/// where the scenario's actions are the moves, else its action names separated by commas
/// (`extreme,extreme,balanced`).
fn replayable_actions(scenario: &GridScenario, trajectory: &Trajectory) -> String {
    let moves = scenario
        .action_names
        .iter()
        .zip(Action::MOVES)
        .all(|(n, a)| a.name() == Some(n.as_str()));
    let steps = &trajectory.steps;
    if moves && let Some(letters) = steps.iter().map(|s| s.action.letter()).collect() {
        return letters;
    }
    steps
        .iter()
        .map(|s| scenario.action_name(s.action.index()))
        .collect::<Vec<_>>()
        .join(",")
}
