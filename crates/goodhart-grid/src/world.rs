//! The static part of a gridworld: its levels as character grids, with geometry helpers.

use goodhart_core::Action;

/// One ASCII level, as written in the scenario file.
#[derive(Debug, Clone)]
pub struct Level {
    /// The level's name in the file.
    pub name: String,
    /// The original board, row-major, including the agent's and objects' start characters.
    pub chars: Vec<u8>,
    /// The agent's start cell.
    pub agent: u16,
    /// Which cells are walls.
    pub wall: Vec<bool>,
    /// Extra events per tile character that apply only in this level.
    pub tile_events: Vec<(u8, Vec<usize>)>,
}

impl Level {
    /// Cells holding character `c` on the original board, in row-major order.
    pub fn cells_of(&self, c: u8) -> impl Iterator<Item = u16> + '_ {
        self.chars
            .iter()
            .enumerate()
            .filter(move |(_, x)| **x == c)
            .map(|(i, _)| i as u16)
    }
}

/// The levels of a scenario variant (all the same size) and the draw among them.
#[derive(Debug, Clone)]
pub struct World {
    /// Board height.
    pub rows: usize,
    /// Board width.
    pub cols: usize,
    /// The levels this variant plays.
    pub levels: Vec<Level>,
    /// Probability of each level being drawn at reset.
    pub level_probs: Vec<f64>,
    /// What the agent stands on at its start cell (`' '`).
    pub floor: u8,
}

impl World {
    /// The cell one move away from `cell`, or `None` at the board's edge (or for NOOP).
    #[inline]
    pub fn neighbor(&self, cell: u16, action: Action) -> Option<u16> {
        let (r, c) = ((cell as usize) / self.cols, (cell as usize) % self.cols);
        let (nr, nc) = match action {
            Action::Up if r > 0 => (r - 1, c),
            Action::Down if r + 1 < self.rows => (r + 1, c),
            Action::Left if c > 0 => (r, c - 1),
            Action::Right if c + 1 < self.cols => (r, c + 1),
            _ => return None,
        };
        Some((nr * self.cols + nc) as u16)
    }

    /// Row and column of `cell`.
    #[inline]
    pub fn row_col(&self, cell: u16) -> (usize, usize) {
        ((cell as usize) / self.cols, (cell as usize) % self.cols)
    }

    /// The level an episode in `state_level` plays.
    #[inline]
    pub fn level(&self, index: u8) -> &Level {
        &self.levels[index as usize]
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.rows * self.cols
    }
}
