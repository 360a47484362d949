//! The compact, `Copy` state of a gridworld episode.

/// Most pushable objects (boxes, rocks, a vase) one scenario may have.
pub const MAX_MOVERS: usize = 4;

/// Position value of a mover that has left the board (or does not exist).
pub const GONE: u16 = u16::MAX;

/// Everything that changes during a gridworld episode, in 24 bytes.
///
/// Cells are numbered `row * cols + col`. What `items` and `flags` mean is up to the mechanic
/// (coins present, tomatoes watered, a switch position, a drunk agent, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GridState {
    /// The agent's cell.
    pub agent: u16,
    /// Cells of the pushable objects, in the order the mechanic gives them; [`GONE`] if unused.
    pub movers: [u16; MAX_MOVERS],
    /// One bit per item of the level (its meaning is the mechanic's).
    pub items: u64,
    /// Mechanic flags.
    pub flags: u32,
    /// Which of the variant's levels this episode plays.
    pub level: u8,
}

impl GridState {
    /// A state with the agent at `agent` and nothing else set.
    pub fn at(agent: u16, level: u8) -> Self {
        GridState {
            agent,
            movers: [GONE; MAX_MOVERS],
            items: 0,
            flags: 0,
            level,
        }
    }

    /// Whether flag bit `bit` is set.
    #[inline]
    pub fn flag(&self, bit: u32) -> bool {
        self.flags & (1 << bit) != 0
    }

    /// Sets or clears flag bit `bit`.
    #[inline]
    pub fn set_flag(&mut self, bit: u32, on: bool) {
        if on {
            self.flags |= 1 << bit;
        } else {
            self.flags &= !(1 << bit);
        }
    }

    /// Whether item `i` is present.
    #[inline]
    pub fn item(&self, i: usize) -> bool {
        self.items & (1 << i) != 0
    }

    /// Sets or clears item `i`.
    #[inline]
    pub fn set_item(&mut self, i: usize, on: bool) {
        if on {
            self.items |= 1 << i;
        } else {
            self.items &= !(1 << i);
        }
    }
}
