//! `coins`: walk to the end of a level, where a coin may or may not lie (CoinRun as a
//! gridworld; Langosco et al. 2022, the seed scenario `coinrun`).
//!
//! The coin's cell is drawn uniformly at the start of each episode among the level's coin
//! spots: cells with role `coin` (on the floor) or `coin_end` (on an end cell). The agent sees
//! where it is, so the draw is part of the initial state (it is not hidden). Cells with role
//! `end` or `coin_end` end the episode when the agent stands on them (event `right_end`).
//!
//! Actions are moves, in the order of `settings.moves` (names among `up`, `down`, `left`,
//! `right`, `noop`; default the grid order), so a file can list them as `E, N, S, W, stay`.
//! Every action emits `step` (standing still too); stepping onto the coin collects it once
//! (`coin`, the episode goes on).

use goodhart_core::{Action, Chance, EventVec, Result};

use super::{BuildContext, Mechanic, Memory, Mode, walk};
use crate::state::{GONE, GridState};
use crate::world::World;

/// Reads `settings.moves`: the move each action index makes.
pub(crate) fn moves_setting(ctx: &BuildContext) -> Result<Vec<Action>> {
    let Some(v) = ctx.settings.get("moves") else {
        return Ok(Action::MOVES.to_vec());
    };
    let err = || {
        ctx.error(
            "settings.moves",
            "expected a list of moves among up, down, left, right, noop",
        )
    };
    let list = v.as_array().ok_or_else(err)?;
    list.iter()
        .map(|m| {
            m.as_str()
                .and_then(|s| Action::MOVES.iter().copied().find(|a| a.name() == Some(s)))
                .ok_or_else(err)
        })
        .collect()
}

/// The `coins` mechanic.
#[derive(Debug, Clone)]
pub struct Coins {
    step: usize,
    coin: usize,
    right_end: usize,
    agent_char: u8,
    coin_char: u8,
    moves: Vec<Action>,
    /// Per level: the coin spots, in map order.
    spots: Vec<Vec<u16>>,
    /// Per level, per cell: whether standing there ends the episode.
    end: Vec<Vec<bool>>,
    /// Per level, per cell: the character drawn when the coin is not there.
    base: Vec<Vec<u8>>,
}

impl Mechanic for Coins {
    fn build(ctx: &BuildContext) -> Result<Self> {
        let agent_char = ctx.char_with_role("agent")?;
        let coin_chars = ctx.chars_with_role("coin");
        let coin_end_chars = ctx.chars_with_role("coin_end");
        let end_chars = ctx.chars_with_role("end");
        let Some(&coin_char) = coin_chars.first() else {
            return Err(ctx.error("legend", "no character has the role `coin`"));
        };
        let Some(&end_char) = end_chars.first() else {
            return Err(ctx.error("legend", "no character has the role `end`"));
        };
        let (mut spots, mut end, mut base) = (Vec::new(), Vec::new(), Vec::new());
        for level in &ctx.world.levels {
            let mut s = Vec::new();
            let mut e = Vec::new();
            let mut b = Vec::new();
            for (cell, &c) in level.chars.iter().enumerate() {
                let on_end = end_chars.contains(&c) || coin_end_chars.contains(&c);
                if coin_chars.contains(&c) || coin_end_chars.contains(&c) {
                    s.push(cell as u16);
                }
                e.push(on_end);
                b.push(if c == agent_char || coin_chars.contains(&c) {
                    ctx.world.floor
                } else if coin_end_chars.contains(&c) {
                    end_char
                } else {
                    c
                });
            }
            if s.is_empty() {
                return Err(ctx.error(
                    &format!("levels.{}.map", level.name),
                    "the level has no coin spot (role `coin` or `coin_end`)",
                ));
            }
            spots.push(s);
            end.push(e);
            base.push(b);
        }
        let moves = moves_setting(ctx)?;
        Ok(Coins {
            step: ctx.event("step")?,
            coin: ctx.event("coin")?,
            right_end: ctx.event("right_end")?,
            agent_char,
            coin_char,
            moves,
            spots,
            end,
            base,
        })
    }

    fn initial<C: Chance>(
        &self,
        world: &World,
        level: u8,
        _mode: Mode,
        _memory: &Memory,
        chance: &mut C,
    ) -> GridState {
        let mut s = GridState::at(world.level(level).agent, level);
        let spots = &self.spots[level as usize];
        let i = if spots.len() == 1 {
            0
        } else {
            let p = vec![1.0 / spots.len() as f64; spots.len()];
            chance.choose(&p)
        };
        s.movers[0] = spots[i];
        s
    }

    #[inline]
    fn step<C: Chance>(
        &self,
        world: &World,
        state: &mut GridState,
        action: Action,
        _memory: &Memory,
        _chance: &mut C,
        events: &mut EventVec,
    ) -> bool {
        events[self.step] += 1.0;
        let mv = self
            .moves
            .get(action.index())
            .copied()
            .unwrap_or(Action::Noop);
        let level = world.level(state.level);
        state.agent = walk(world, state.agent, mv, |c| level.wall[c as usize]);
        if state.movers[0] == state.agent {
            events[self.coin] += 1.0;
            state.movers[0] = GONE;
        }
        if self.end[state.level as usize][state.agent as usize] {
            events[self.right_end] += 1.0;
            return true;
        }
        false
    }

    fn render(&self, _world: &World, state: &GridState, board: &mut [u8]) {
        board.copy_from_slice(&self.base[state.level as usize]);
        if state.movers[0] != GONE {
            board[state.movers[0] as usize] = self.coin_char;
        }
        board[state.agent as usize] = self.agent_char;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use goodhart_core::FiniteModel;

    use crate::GridScenario;

    fn load(variant: &str) -> Arc<GridScenario> {
        crate::catalog::load(&format!("coinrun:{variant}"), &[]).unwrap()
    }

    #[test]
    fn coin_spots_per_variant() {
        for (variant, n) in [("train", 1), ("deploy", 20), ("deploy_right20", 6)] {
            let s = load(variant);
            let mut init = Vec::new();
            s.initial_states(&mut init);
            assert_eq!(init.len(), n, "{variant}");
            let total: f64 = init.iter().map(|x| x.1).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn going_right_collects_the_training_coin() {
        let s = load("train");
        let (t, _) = crate::replay(&s, 0, &s.parse_actions("EEEEEE").unwrap()).unwrap();
        assert!(t.terminated);
        assert!((t.proxy_return() - 9.4).abs() < 1e-12);
        assert!((t.true_return() - 9.4).abs() < 1e-12);
    }

    #[test]
    fn the_coin_is_drawn_and_shown() {
        let s = load("deploy");
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let (_, st) = crate::replay(&s, seed, &[]).unwrap();
            let board = s.board_text(&st[0]).concat();
            assert_eq!(board.matches('$').count(), 1);
            seen.insert(st[0].movers[0]);
        }
        assert_eq!(seen.len(), 20);
        // Stay costs a step; N from the start moves up.
        let (t, st) = crate::replay(&s, 3, &s.parse_actions("stay,N").unwrap()).unwrap();
        assert_eq!(t.steps[0].events[s.events.index("step").unwrap()], 1.0);
        assert_eq!(st[1].agent, st[0].agent);
        assert_eq!(s.world.row_col(st[2].agent), (1, 1));
    }
}
