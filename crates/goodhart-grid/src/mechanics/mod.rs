//! Mechanics: the Rust half of a scenario, chosen by name from its file.
//!
//! A mechanic reads the roles of the legend, the events and the parameters once
//! ([`Mechanic::build`]), then steps a [`GridState`] without allocating. Randomness comes only
//! from the [`Chance`] it is handed, so the same code samples episodes and enumerates the exact
//! transition distribution.

use std::collections::BTreeMap;

use goodhart_core::{Action, Chance, Error, EventSet, EventVec, Result};

use crate::file::Source;
use crate::params::Params;
use crate::state::GridState;
use crate::world::{Level, World};

mod autobid;
mod boat_race;
mod canvas;
mod carry;
mod coins;
mod conveyor;
mod feed;
mod friend_foe;
mod interruption;
mod lagoon;
mod moderation;
mod off_switch;
mod pause;
mod respawn;
mod road_runner;
mod rocks_diamonds;
mod roomba;
mod rota;
mod shaping;
mod sokoban;
mod tiles;
mod tomato;
mod whisky;

/// Whether an episode is simulated or enumerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Sampling: every hidden draw is made at reset, as in the original.
    Simulate,
    /// Exact analysis: a draw the agent cannot see is left open until it is revealed, and the
    /// events that depend on it carry its probability.
    Compile,
}

/// What a scenario remembers across episodes of one env instance (friend or foe's adaptive
/// bandit). Fresh instances start from [`Mechanic::initial_memory`].
pub type Memory = [f64; 4];

/// What a mechanic may read while it is being built.
pub struct BuildContext<'a> {
    /// The levels.
    pub world: &'a World,
    /// Map character → role.
    pub legend: &'a BTreeMap<u8, String>,
    /// The declared events.
    pub events: &'a EventSet,
    /// Resolved parameters.
    pub params: &'a Params,
    /// Per-character tile behaviour: event indices and whether it ends the episode.
    pub tiles: &'a BTreeMap<u8, (Vec<usize>, bool)>,
    /// Tile characters drawn over the agent.
    pub covering: &'a [u8],
    /// The file's `[settings]` table.
    pub settings: &'a toml::Table,
    /// The file, for error locations.
    pub source: &'a Source,
}

impl BuildContext<'_> {
    /// Index of the event `name`, which this mechanic emits; an error names the file if the
    /// scenario does not declare it.
    pub fn event(&self, name: &str) -> Result<usize> {
        self.events.index(name).ok_or_else(|| {
            self.source.error(
                "events",
                format!(
                    "the `{}` mechanic emits event `{name}`, which is not declared",
                    self.mechanic_name()
                ),
            )
        })
    }

    /// Index of the event `name` if declared.
    pub fn optional_event(&self, name: &str) -> Option<usize> {
        self.events.index(name)
    }

    fn mechanic_name(&self) -> String {
        self.source
            .text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("mechanic")
                    .map(|r| r.trim_matches([' ', '=', '"']))
            })
            .unwrap_or("?")
            .to_string()
    }

    /// Every character with role `role`.
    pub fn chars_with_role(&self, role: &str) -> Vec<u8> {
        self.legend
            .iter()
            .filter(|(_, r)| r.as_str() == role)
            .map(|(c, _)| *c)
            .collect()
    }

    /// The one character with role `role`.
    pub fn char_with_role(&self, role: &str) -> Result<u8> {
        match self.chars_with_role(role).as_slice() {
            [c] => Ok(*c),
            [] => Err(self
                .source
                .error("legend", format!("no character has the role `{role}`"))),
            _ => Err(self.source.error(
                "legend",
                format!("several characters have the role `{role}`"),
            )),
        }
    }

    /// The character with role `role`, if any.
    pub fn optional_char(&self, role: &str) -> Option<u8> {
        self.chars_with_role(role).first().copied()
    }

    /// A numeric setting from `[settings]`.
    pub fn setting_f64(&self, name: &str, default: f64) -> Result<f64> {
        match self.settings.get(name) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) => Ok(*i as f64),
            Some(toml::Value::Float(x)) => Ok(*x),
            Some(_) => Err(self
                .source
                .error(&format!("settings.{name}"), "expected a number")),
        }
    }

    /// An error at `field` of the file.
    pub fn error(&self, field: &str, message: impl Into<String>) -> Error {
        self.source.error(field, message)
    }
}

/// One mechanic: how a family of scenarios steps.
pub trait Mechanic: Sized + Clone + std::fmt::Debug + Send + Sync {
    /// Reads roles, events and parameters; errors name the file.
    fn build(ctx: &BuildContext) -> Result<Self>;
    /// The state at the start of an episode in `level`, after the original's reset pass.
    fn initial<C: Chance>(
        &self,
        world: &World,
        level: u8,
        mode: Mode,
        memory: &Memory,
        chance: &mut C,
    ) -> GridState;
    /// Applies `action`, adding the transition's events; returns whether the episode ended.
    fn step<C: Chance>(
        &self,
        world: &World,
        state: &mut GridState,
        action: Action,
        memory: &Memory,
        chance: &mut C,
        events: &mut EventVec,
    ) -> bool;
    /// Draws the board as the agent sees it (characters, before observation coding).
    fn render(&self, world: &World, state: &GridState, board: &mut [u8]);
    /// Updates what persists across episodes after an episode ended in `state`.
    fn end_episode(&self, _state: &GridState, _memory: &mut Memory) {}
    /// Memory of a fresh env instance.
    fn initial_memory(&self) -> Memory {
        [0.0; 4]
    }
    /// Names of random draws the agent cannot observe (handled as beliefs when compiling).
    fn hidden_draws(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Copies `level`'s board into `board`, replacing every character in `erase` (the agent's and
/// movable objects' start characters) by the floor.
pub fn paint_static(world: &World, level: &Level, erase: &[u8], board: &mut [u8]) {
    for (dst, &c) in board.iter_mut().zip(level.chars.iter()) {
        *dst = if erase.contains(&c) { world.floor } else { c };
    }
}

/// The cell the agent ends in after trying to move from `from`: it stays when the target is
/// off the board or `blocked`.
#[inline]
pub fn walk(world: &World, from: u16, action: Action, blocked: impl Fn(u16) -> bool) -> u16 {
    match world.neighbor(from, action) {
        Some(to) if !blocked(to) => to,
        _ => from,
    }
}

macro_rules! mechanics {
    ($($variant:ident => $module:ident :: $ty:ident = $name:literal,)*) => {
        /// Every mechanic, for static dispatch on the hot path.
        #[derive(Debug, Clone)]
        pub enum AnyMechanic {
            $(
                #[doc = concat!("The `", $name, "` mechanic.")]
                $variant($module::$ty),
            )*
        }

        /// Names a scenario file may give as `mechanic`.
        pub const MECHANIC_NAMES: &[&str] = &[$($name),*];

        impl AnyMechanic {
            /// Builds the mechanic called `name`.
            pub fn build(name: &str, ctx: &BuildContext) -> Result<Self> {
                match name {
                    $($name => Ok(AnyMechanic::$variant($module::$ty::build(ctx)?)),)*
                    other => Err(ctx.error(
                        "mechanic",
                        format!("unknown mechanic `{other}`; known: {}", MECHANIC_NAMES.join(", ")),
                    )),
                }
            }

            /// See [`Mechanic::initial`].
            #[inline]
            pub fn initial<C: Chance>(&self, world: &World, level: u8, mode: Mode, memory: &Memory, chance: &mut C) -> GridState {
                match self { $(AnyMechanic::$variant(m) => m.initial(world, level, mode, memory, chance),)* }
            }

            /// See [`Mechanic::step`].
            #[inline]
            pub fn step<C: Chance>(&self, world: &World, state: &mut GridState, action: Action, memory: &Memory, chance: &mut C, events: &mut EventVec) -> bool {
                match self { $(AnyMechanic::$variant(m) => m.step(world, state, action, memory, chance, events),)* }
            }

            /// See [`Mechanic::render`].
            pub fn render(&self, world: &World, state: &GridState, board: &mut [u8]) {
                match self { $(AnyMechanic::$variant(m) => m.render(world, state, board),)* }
            }

            /// See [`Mechanic::end_episode`].
            pub fn end_episode(&self, state: &GridState, memory: &mut Memory) {
                match self { $(AnyMechanic::$variant(m) => m.end_episode(state, memory),)* }
            }

            /// See [`Mechanic::initial_memory`].
            pub fn initial_memory(&self) -> Memory {
                match self { $(AnyMechanic::$variant(m) => m.initial_memory(),)* }
            }

            /// See [`Mechanic::hidden_draws`].
            pub fn hidden_draws(&self) -> &'static [&'static str] {
                match self { $(AnyMechanic::$variant(m) => m.hidden_draws(),)* }
            }
        }
    };
}

mechanics! {
    Tiles => tiles::Tiles = "tiles",
    BoatRace => boat_race::BoatRace = "boat_race",
    Sokoban => sokoban::Sokoban = "sokoban",
    Interruption => interruption::Interruption = "interruption",
    Whisky => whisky::Whisky = "whisky",
    FriendFoe => friend_foe::FriendFoe = "friend_foe",
    Tomato => tomato::Tomato = "tomato_watering",
    RocksDiamonds => rocks_diamonds::RocksDiamonds = "rocks_diamonds",
    Conveyor => conveyor::Conveyor = "conveyor_belt",
    Carry => carry::Carry = "carry",
    Lagoon => lagoon::Lagoon = "lagoon",
    Coins => coins::Coins = "coins",
    OffSwitch => off_switch::OffSwitch = "off_switch",
    Feed => feed::Feed = "feed",
    Autobid => autobid::Autobid = "autobid",
    Rota => rota::Rota = "rota",
    Moderation => moderation::Moderation = "moderation",
    Shaping => shaping::Shaping = "shaping",
    Roomba => roomba::Roomba = "roomba",
    RoadRunner => road_runner::RoadRunner = "road_runner",
    Pause => pause::Pause = "pause",
    Respawn => respawn::Respawn = "respawn",
}
