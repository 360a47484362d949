//! A table-driven finite model for tests.

use goodhart_core::{EventSet, EventVec, FiniteModel, Objective, Successor};

/// One transition of a [`Table`]: next state, probability, (proxy event, true event), terminal.
pub type Row = Vec<(u32, f64, (f64, f64), bool)>;

/// A finite model given as a table. Events `p` and `t`; proxy `{ p = 1 }`, true `{ t = 1 }`.
#[derive(Debug, Clone)]
pub struct Table {
    pub actions: usize,
    pub horizon: u32,
    pub init: Vec<(u32, f64)>,
    /// `rows[s][a]`.
    pub rows: Vec<Vec<Row>>,
    events: EventSet,
    proxy: Objective,
    truth: Objective,
}

impl Table {
    pub fn new(actions: usize, horizon: u32, init: Vec<(u32, f64)>, rows: Vec<Vec<Row>>) -> Self {
        let events = EventSet::new(["p", "t"]).unwrap();
        let proxy = Objective::from_pairs([("p", 1.0)], &events).unwrap();
        let truth = Objective::from_pairs([("t", 1.0)], &events).unwrap();
        Table {
            actions,
            horizon,
            init,
            rows,
            events,
            proxy,
            truth,
        }
    }

    /// A random model from `seed`: `states` states, `actions` actions, 1 to `fanout`
    /// successors per row, rewards in [-1, 1], terminal transitions with probability
    /// `terminal`.
    pub fn random(seed: u64, states: usize, actions: usize, fanout: usize, terminal: f64) -> Self {
        let mut x = goodhart_core::seed::mix(seed) | 1;
        let mut next = move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut uniform = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let rows = (0..states)
            .map(|_| {
                (0..actions)
                    .map(|_| {
                        let k = 1 + (uniform() * fanout as f64) as usize % fanout;
                        let w: Vec<f64> = (0..k).map(|_| 0.05 + uniform()).collect();
                        let total: f64 = w.iter().sum();
                        w.iter()
                            .map(|wi| {
                                let s = (uniform() * states as f64) as u32 % states as u32;
                                let r = (uniform() * 2.0 - 1.0, uniform() * 2.0 - 1.0);
                                (s, wi / total, r, uniform() < terminal)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Table::new(actions, 20, vec![(0, 1.0)], rows)
    }
}

impl FiniteModel for Table {
    type State = u32;
    fn num_actions(&self) -> usize {
        self.actions
    }
    fn horizon(&self) -> u32 {
        self.horizon
    }
    fn initial_states(&self, out: &mut Vec<(u32, f64)>) {
        out.extend_from_slice(&self.init);
    }
    fn successors(&self, state: &u32, action: usize, out: &mut Vec<Successor<u32>>) {
        for &(s, p, (rp, rt), terminal) in &self.rows[*state as usize][action] {
            let mut events = EventVec::default();
            events[0] = rp;
            events[1] = rt;
            out.push(Successor {
                state: s,
                prob: p,
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
        &self.truth
    }
}

/// A deterministic transition with proxy reward `p` and true reward `t`.
pub fn det(next: u32, p: f64, t: f64) -> Row {
    vec![(next, 1.0, (p, t), false)]
}

/// A deterministic terminal transition.
pub fn end(next: u32, p: f64, t: f64) -> Row {
    vec![(next, 1.0, (p, t), true)]
}

/// `a` and `b` agree to `tol` (relative to max(1, |a|)).
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(1.0)
}
