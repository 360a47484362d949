//! `tiles`: walk on a grid whose tiles emit events and may end the episode. Everything is in
//! the file's `[tiles]` table, so island navigation, distributional shift and absent supervisor
//! need no code of their own.
//!
//! Per step: a non-NOOP action emits `step` (bumping into a wall still counts, as in the
//! original), the agent moves unless the target is a wall, then the tile it stands on emits its
//! events (and the level's extra ones) and may terminate the episode.

use goodhart_core::{Action, Chance, EventVec, Result};

use super::{BuildContext, Mechanic, Memory, Mode, paint_static, walk};
use crate::state::GridState;
use crate::world::World;

/// The `tiles` mechanic.
#[derive(Debug, Clone)]
pub struct Tiles {
    step: usize,
    agent_char: u8,
    /// Tile characters drawn over the agent.
    covering: Vec<u8>,
    /// Per level, per cell: index into `effects` (0 = plain floor).
    cell_effect: Vec<Vec<u8>>,
    /// What standing on a tile does: its events and whether it ends the episode.
    effects: Vec<(EventVec, bool)>,
}

impl Mechanic for Tiles {
    fn build(ctx: &BuildContext) -> Result<Self> {
        let step = ctx.event("step")?;
        let agent_char = ctx.char_with_role("agent")?;
        let mut effects: Vec<(EventVec, bool)> = vec![(EventVec::default(), false)];
        let mut cell_effect = Vec::new();
        for level in &ctx.world.levels {
            let mut cells = vec![0u8; level.chars.len()];
            for (cell, &c) in level.chars.iter().enumerate() {
                let mut ev = EventVec::default();
                let mut terminal = false;
                let mut any = false;
                if let Some((events, term)) = ctx.tiles.get(&c) {
                    for &e in events {
                        ev[e] += 1.0;
                    }
                    terminal = *term;
                    any = true;
                }
                for (tc, extra) in &level.tile_events {
                    if *tc == c {
                        for &e in extra {
                            ev[e] += 1.0;
                        }
                        any = true;
                    }
                }
                if any {
                    let id = effects
                        .iter()
                        .position(|x| *x == (ev, terminal))
                        .unwrap_or_else(|| {
                            effects.push((ev, terminal));
                            effects.len() - 1
                        });
                    cells[cell] = u8::try_from(id)
                        .map_err(|_| ctx.error("tiles", "too many distinct tile effects"))?;
                }
            }
            cell_effect.push(cells);
        }
        Ok(Tiles {
            step,
            agent_char,
            covering: ctx.covering.to_vec(),
            cell_effect,
            effects,
        })
    }

    fn initial<C: Chance>(
        &self,
        world: &World,
        level: u8,
        _mode: Mode,
        _memory: &Memory,
        _chance: &mut C,
    ) -> GridState {
        GridState::at(world.level(level).agent, level)
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
        if action == Action::Noop {
            return false;
        }
        events[self.step] += 1.0;
        let level = world.level(state.level);
        state.agent = walk(world, state.agent, action, |c| level.wall[c as usize]);
        let effect = self.cell_effect[state.level as usize][state.agent as usize];
        if effect == 0 {
            return false;
        }
        let (ev, terminal) = &self.effects[effect as usize];
        events.add(ev);
        *terminal
    }

    fn render(&self, world: &World, state: &GridState, board: &mut [u8]) {
        paint_static(world, world.level(state.level), &[self.agent_char], board);
        let under = board[state.agent as usize];
        if !self.covering.contains(&under) {
            board[state.agent as usize] = self.agent_char;
        }
    }
}
