//! The speed benchmark's model: a slippery lava grid with breakdowns (the benchmark model of
//! `shared/specs/safety.md`).
//!
//! `n × n` cells plus one `broken` state; four actions everywhere. A move goes in the intended
//! direction with probability `0.8 (1 − b)` and to each perpendicular side with `0.1 (1 − b)`;
//! with probability `b` (0.01) the robot breaks down. Bumping into the border means staying.
//! About a tenth of the cells are lava (drawn from a seed); the goal is the far corner, the
//! start the near one. Goal, lava and `broken` are absorbing (they loop to themselves with no
//! event), so the table has exactly `4 × states` rows, as in Storm's model. Entering the goal
//! emits `goal`, entering lava emits `lava`, every move emits `step`. With the proxy
//! `{ goal = 1 }` and discount 1, the optimal value is `Pmax=? [F "goal"]`.

use goodhart_core::{EventSet, EventVec, FiniteModel, Objective, Successor, seed};

/// The slippery lava grid.
#[derive(Debug, Clone)]
pub struct SlipperyGrid {
    n: u32,
    lava: Vec<bool>,
    breakdown: f64,
    events: EventSet,
    proxy: Objective,
    true_objective: Objective,
}

const GOAL: usize = 0;
const LAVA: usize = 1;
const STEP: usize = 2;

impl SlipperyGrid {
    /// An `n × n` grid (`n ≥ 2`) with about `lava_fraction` of its cells lava, drawn from
    /// `seed`; breakdown probability 0.01.
    pub fn new(n: u32, lava_fraction: f64, seed_value: u64) -> Self {
        assert!(n >= 2, "the grid needs at least 2 x 2 cells");
        let cells = (n * n) as usize;
        let lava = (0..cells)
            .map(|c| {
                let u = (seed::derive(seed_value, &[c as u64]) >> 11) as f64 / (1u64 << 53) as f64;
                c != 0 && c != cells - 1 && u < lava_fraction
            })
            .collect();
        let events = EventSet::new(["goal", "lava", "step"]).expect("three distinct names");
        let proxy = Objective::from_pairs([("goal", 1.0)], &events).expect("declared");
        let true_objective =
            Objective::from_pairs([("goal", 1.0), ("lava", -1.0)], &events).expect("declared");
        SlipperyGrid {
            n,
            lava,
            breakdown: 0.01,
            events,
            proxy,
            true_objective,
        }
    }

    /// Number of states: the cells plus `broken`.
    pub fn num_states(&self) -> usize {
        (self.n * self.n) as usize + 1
    }

    /// The `broken` state.
    pub fn broken(&self) -> u32 {
        self.n * self.n
    }

    /// The goal cell.
    pub fn goal(&self) -> u32 {
        self.n * self.n - 1
    }

    /// Whether `cell` is lava.
    pub fn is_lava(&self, cell: u32) -> bool {
        self.lava.get(cell as usize).copied().unwrap_or(false)
    }

    fn absorbing(&self, s: u32) -> bool {
        s == self.broken() || s == self.goal() || self.is_lava(s)
    }

    /// The cell one move from `s` in direction `d` (0 up, 1 down, 2 left, 3 right).
    fn moved(&self, s: u32, d: usize) -> u32 {
        let (r, c) = (s / self.n, s % self.n);
        match d {
            0 if r > 0 => s - self.n,
            1 if r + 1 < self.n => s + self.n,
            2 if c > 0 => s - 1,
            3 if c + 1 < self.n => s + 1,
            _ => s,
        }
    }
}

impl FiniteModel for SlipperyGrid {
    type State = u32;

    fn num_actions(&self) -> usize {
        4
    }

    fn horizon(&self) -> u32 {
        1000
    }

    fn initial_states(&self, out: &mut Vec<(u32, f64)>) {
        out.push((0, 1.0));
    }

    fn successors(&self, state: &u32, action: usize, out: &mut Vec<Successor<u32>>) {
        let s = *state;
        if self.absorbing(s) {
            out.push(Successor {
                state: s,
                prob: 1.0,
                events: EventVec::default(),
                terminal: false,
            });
            return;
        }
        let ok = 1.0 - self.breakdown;
        let sides = if action < 2 { [2, 3] } else { [0, 1] };
        for (d, p) in [
            (action, 0.8 * ok),
            (sides[0], 0.1 * ok),
            (sides[1], 0.1 * ok),
        ] {
            let t = self.moved(s, d);
            let mut events = EventVec::default();
            events[STEP] = 1.0;
            if t == self.goal() {
                events[GOAL] = 1.0;
            } else if self.is_lava(t) {
                events[LAVA] = 1.0;
            }
            out.push(Successor {
                state: t,
                prob: p,
                events,
                terminal: false,
            });
        }
        let mut events = EventVec::default();
        events[STEP] = 1.0;
        out.push(Successor {
            state: self.broken(),
            prob: self.breakdown,
            events,
            terminal: false,
        });
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
