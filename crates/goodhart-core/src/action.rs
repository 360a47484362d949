//! The gridworld action vocabulary and the parser for action lists typed by people.

use crate::error::{Error, Result};

/// A gridworld action, numbered as in the AI Safety Gridworlds (`UP=0 … NOOP=4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Move one cell up (row - 1).
    Up = 0,
    /// Move one cell down (row + 1).
    Down = 1,
    /// Move one cell left (column - 1).
    Left = 2,
    /// Move one cell right (column + 1).
    Right = 3,
    /// Do nothing (only where the scenario enables it).
    Noop = 4,
}

impl Action {
    /// All actions in index order.
    pub const ALL: [Action; 5] = [
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::Noop,
    ];

    /// The action with index `i`, if any.
    pub fn from_index(i: usize) -> Option<Action> {
        Action::ALL.get(i).copied()
    }

    /// The index an agent uses for this action.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The lower-case name (`up`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::Noop => "noop",
        }
    }

    /// The one-letter name (`U`, `D`, `L`, `R`, `N`).
    pub fn letter(self) -> char {
        match self {
            Action::Up => 'U',
            Action::Down => 'D',
            Action::Left => 'L',
            Action::Right => 'R',
            Action::Noop => 'N',
        }
    }

    /// Row and column offsets of the move.
    pub fn delta(self) -> (i32, i32) {
        match self {
            Action::Up => (-1, 0),
            Action::Down => (1, 0),
            Action::Left => (0, -1),
            Action::Right => (0, 1),
            Action::Noop => (0, 0),
        }
    }

    /// Parses one action: a name (`up`) or a letter (`U`), in any case.
    pub fn parse(token: &str) -> Result<Action> {
        let t = token.trim().to_ascii_lowercase();
        Action::ALL
            .iter()
            .copied()
            .find(|a| {
                t == a.name() || t.len() == 1 && t.starts_with(a.letter().to_ascii_lowercase())
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

/// Parses an action list: comma-separated names or letters (`up,down,R,N`), or a run of letters
/// with no separator (`RRDDLLUU`).
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
        use Action::*;
        assert_eq!(
            parse_actions("up,down,L,r,N").unwrap(),
            vec![Up, Down, Left, Right, Noop]
        );
        assert_eq!(
            parse_actions("RRDD").unwrap(),
            vec![Right, Right, Down, Down]
        );
        assert_eq!(parse_actions("noop").unwrap(), vec![Noop]);
        assert_eq!(parse_actions("").unwrap(), vec![]);
    }

    #[test]
    fn unknown_action_is_named() {
        let e = parse_actions("up,jump").unwrap_err().to_string();
        assert!(e.contains("unknown action `jump`"), "{e}");
    }
}
