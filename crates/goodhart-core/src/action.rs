//! Actions as indices, the gridworld moves among them, and the parser for action lists typed by
//! people.

use std::fmt;

use crate::error::{Error, Result};

/// The most actions a scenario may offer: action indices run over `0..MAX_ACTIONS`.
pub const MAX_ACTIONS: usize = 32;

/// An action: an index in `0..`[`MAX_ACTIONS`] that a scenario gives a meaning (and a name).
///
/// The first five indices are the gridworld moves, numbered as in the AI Safety Gridworlds
/// (`UP=0 … NOOP=4`) and available as associated constants ([`Action::Up`], ...), which also
/// work as patterns. Scenarios that are not about walking (a recommender serving content, a
/// moderator choosing which posts to remove) read the index and name their actions in their
/// file; only the moves have built-in names and letters.
///
/// ```
/// use goodhart_core::Action;
///
/// assert_eq!(Action::from_index(3), Some(Action::Right));
/// assert_eq!(Action::Right.name(), Some("right"));
/// let remove = Action::from_index(14).unwrap();
/// assert_eq!((remove.index(), remove.name(), remove.delta()), (14, None, (0, 0)));
/// assert_eq!(Action::from_index(goodhart_core::MAX_ACTIONS), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Action(u8);

#[allow(non_upper_case_globals)]
impl Action {
    /// Move one cell up (row - 1); index 0.
    pub const Up: Action = Action(0);
    /// Move one cell down (row + 1); index 1.
    pub const Down: Action = Action(1);
    /// Move one cell left (column - 1); index 2.
    pub const Left: Action = Action(2);
    /// Move one cell right (column + 1); index 3.
    pub const Right: Action = Action(3);
    /// Do nothing (only where the scenario enables it); index 4.
    pub const Noop: Action = Action(4);
}

const MOVE_NAMES: [&str; 5] = ["up", "down", "left", "right", "noop"];
const MOVE_LETTERS: [char; 5] = ['U', 'D', 'L', 'R', 'N'];

impl Action {
    /// The five gridworld moves in index order.
    pub const MOVES: [Action; 5] = [
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::Noop,
    ];

    /// The action with index `i`, if `i < `[`MAX_ACTIONS`].
    pub const fn from_index(i: usize) -> Option<Action> {
        if i < MAX_ACTIONS {
            Some(Action(i as u8))
        } else {
            None
        }
    }

    /// The index an agent uses for this action.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Whether this is one of the five gridworld moves (index below 5).
    pub const fn is_move(self) -> bool {
        (self.0 as usize) < MOVE_NAMES.len()
    }

    /// The lower-case name of a move (`up`, ...); `None` for other indices, whose names the
    /// scenario gives.
    pub fn name(self) -> Option<&'static str> {
        MOVE_NAMES.get(self.index()).copied()
    }

    /// The one-letter name of a move (`U`, `D`, `L`, `R`, `N`); `None` for other indices.
    pub fn letter(self) -> Option<char> {
        MOVE_LETTERS.get(self.index()).copied()
    }

    /// Row and column offsets of the move; `(0, 0)` for noop and every action that is not a
    /// move.
    pub fn delta(self) -> (i32, i32) {
        match self {
            Action::Up => (-1, 0),
            Action::Down => (1, 0),
            Action::Left => (0, -1),
            Action::Right => (0, 1),
            _ => (0, 0),
        }
    }

    /// Parses one move: a name (`up`) or a letter (`U`), in any case. A scenario's own action
    /// names are parsed by the scenario (`GridScenario::parse_actions` in `goodhart-grid`).
    pub fn parse(token: &str) -> Result<Action> {
        let t = token.trim().to_ascii_lowercase();
        Action::MOVES
            .iter()
            .copied()
            .find(|a| {
                a.name() == Some(t.as_str())
                    || t.len() == 1
                        && a.letter()
                            .is_some_and(|l| t.starts_with(l.to_ascii_lowercase()))
            })
            .ok_or_else(|| {
                Error::unknown(
                    "action",
                    token.trim(),
                    [
                        "up", "down", "left", "right", "noop", "U", "D", "L", "R", "N",
                    ],
                )
            })
    }
}

impl fmt::Debug for Action {
    /// `Up`, ... for the moves; `Action(7)` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Action::Up => f.write_str("Up"),
            Action::Down => f.write_str("Down"),
            Action::Left => f.write_str("Left"),
            Action::Right => f.write_str("Right"),
            Action::Noop => f.write_str("Noop"),
            Action(i) => write!(f, "Action({i})"),
        }
    }
}

/// Parses a list of moves: comma-separated names or letters (`up,down,R,N`), or a run of
/// letters with no separator (`RRDDLLUU`).
pub fn parse_actions(list: &str) -> Result<Vec<Action>> {
    let list = list.trim();
    if list.is_empty() {
        return Ok(Vec::new());
    }
    if list.contains(',') || list.contains(' ') {
        list.split([',', ' '])
            .filter(|t| !t.trim().is_empty())
            .map(Action::parse)
            .collect()
    } else if list.chars().all(|c| "UDLRNudlrn".contains(c)) {
        list.chars()
            .map(|c| Action::parse(&c.to_string()))
            .collect()
    } else {
        Action::parse(list).map(|a| vec![a])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_letters_and_runs() {
        let (up, down, left, right, noop) = (
            Action::Up,
            Action::Down,
            Action::Left,
            Action::Right,
            Action::Noop,
        );
        assert_eq!(
            parse_actions("up,down,L,r,N").unwrap(),
            vec![up, down, left, right, noop]
        );
        assert_eq!(
            parse_actions("RRDD").unwrap(),
            vec![right, right, down, down]
        );
        assert_eq!(parse_actions("noop").unwrap(), vec![noop]);
        assert_eq!(parse_actions("").unwrap(), vec![]);
    }

    #[test]
    fn unknown_action_is_named() {
        let e = parse_actions("up,jump").unwrap_err().to_string();
        assert!(e.contains("unknown action `jump`"), "{e}");
    }

    #[test]
    fn indices_beyond_the_moves() {
        for (i, a) in Action::MOVES.iter().enumerate() {
            assert_eq!(Action::from_index(i), Some(*a));
            assert!(a.is_move() && a.name().is_some() && a.letter().is_some());
        }
        let a = Action::from_index(MAX_ACTIONS - 1).unwrap();
        assert_eq!(a.index(), MAX_ACTIONS - 1);
        assert!(!a.is_move());
        assert_eq!((a.name(), a.letter(), a.delta()), (None, None, (0, 0)));
        assert_eq!(Action::from_index(MAX_ACTIONS), None);
        assert_eq!(format!("{:?} {a:?}", Action::Left), "Left Action(31)");
        // The constants are patterns.
        let kind = |a: Action| match a {
            Action::Up | Action::Down => "vertical",
            Action::Noop => "stay",
            _ => "other",
        };
        assert_eq!(kind(Action::Down), "vertical");
        assert_eq!(kind(a), "other");
    }
}
