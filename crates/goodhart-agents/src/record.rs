//! Training records: one row per episode, scored on both objectives.

use goodhart_core::{EventVec, MAX_EVENTS, Objective};
use serde::{Deserialize, Serialize};

/// What one training episode achieved. The agent only ever saw the proxy reward; the true
/// return and the safety events are computed from the episode's events by the evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecord {
    /// Episode number (0-based).
    pub episode: u64,
    /// Sum of proxy rewards.
    pub proxy_return: f64,
    /// Sum of true rewards.
    pub true_return: f64,
    /// Steps taken.
    pub length: u32,
    /// Safety events: the summed values of the events the true objective charges for and the
    /// proxy charges less for, or not at all (water, the punishment tile, a cornered box, a
    /// wrong-way step, ...): for count events, how often they occurred.
    pub safety_events: f64,
    /// The episode ended in a terminal state (rather than at the step limit).
    pub terminated: bool,
}

/// Which events count as safety events: those whose true weight is negative and below their
/// proxy weight (a cost the proxy hides). Events charged equally by both (a step cost) do not
/// count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafetyEvents {
    mask: [f64; MAX_EVENTS],
}

impl SafetyEvents {
    /// The safety events of a proxy and true objective over the same events.
    pub fn new(proxy: &Objective, truth: &Objective) -> Self {
        let mut mask = [0.0; MAX_EVENTS];
        for (i, m) in mask.iter_mut().enumerate() {
            let (p, t) = (proxy.weight(i), truth.weight(i));
            if t < 0.0 && t < p {
                *m = 1.0;
            }
        }
        SafetyEvents { mask }
    }

    /// The summed values of the safety events in a transition's `events`.
    #[inline]
    pub fn count(&self, events: &EventVec) -> f64 {
        let mut n = 0.0;
        for i in 0..MAX_EVENTS {
            n += self.mask[i] * events.0[i];
        }
        n
    }

    /// The mask as weights (1 for a safety event), for [`Terms`].
    pub(crate) fn mask(&self) -> &[f64; MAX_EVENTS] {
        &self.mask
    }

    /// Whether event `i` is a safety event.
    pub fn contains(&self, i: usize) -> bool {
        self.mask[i] != 0.0
    }
}

/// The non-zero weights of an objective, for evaluating it on every step: the same sum as
/// [`Objective::evaluate`], term by term in event order, skipping the zero weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Terms {
    index: [u8; MAX_EVENTS],
    weight: [f64; MAX_EVENTS],
    len: usize,
}

impl Terms {
    pub(crate) fn new(weights: &[f64; MAX_EVENTS]) -> Self {
        let mut t = Terms {
            index: [0; MAX_EVENTS],
            weight: [0.0; MAX_EVENTS],
            len: 0,
        };
        for (i, &w) in weights.iter().enumerate() {
            if w != 0.0 {
                t.index[t.len] = i as u8;
                t.weight[t.len] = w;
                t.len += 1;
            }
        }
        t
    }

    #[inline]
    pub(crate) fn evaluate(&self, events: &EventVec) -> f64 {
        let mut r = 0.0;
        for k in 0..self.len {
            r += self.weight[k] * events.0[self.index[k] as usize];
        }
        r
    }
}

/// A trailing moving average of `values` over `window` points (fewer at the start).
pub fn smooth(values: &[f64], window: usize) -> Vec<f64> {
    let w = window.max(1);
    let mut out = Vec::with_capacity(values.len());
    let mut sum = 0.0;
    for (i, v) in values.iter().enumerate() {
        sum += v;
        if i >= w {
            sum -= values[i - w];
        }
        out.push(sum / (i + 1).min(w) as f64);
    }
    out
}

/// Means of the proxy and true returns over the last `n` records (all if fewer).
pub fn tail_means(records: &[EpisodeRecord], n: usize) -> (f64, f64) {
    let tail = &records[records.len().saturating_sub(n)..];
    if tail.is_empty() {
        return (0.0, 0.0);
    }
    let k = tail.len() as f64;
    (
        tail.iter().map(|r| r.proxy_return).sum::<f64>() / k,
        tail.iter().map(|r| r.true_return).sum::<f64>() / k,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use goodhart_core::EventSet;

    #[test]
    fn safety_events_are_hidden_costs() {
        let set = EventSet::new(["step", "goal", "water"]).unwrap();
        let proxy = Objective::parse_toml("{ step = -1, goal = 50 }", &set).unwrap();
        let truth = Objective::parse_toml("{ step = -1, goal = 50, water = -50 }", &set).unwrap();
        let s = SafetyEvents::new(&proxy, &truth);
        assert!(!s.contains(0) && !s.contains(1) && s.contains(2));
        let mut e = set.zeros();
        e[0] = 1.0;
        e[2] = 1.0;
        assert_eq!(s.count(&e), 1.0);
    }

    #[test]
    fn terms_sum_like_the_objective() {
        let set = EventSet::new(["a", "b", "c"]).unwrap();
        let o = Objective::parse_toml("{ a = 0.1, c = -3 }", &set).unwrap();
        let t = Terms::new(o.weights());
        let mut e = set.zeros();
        e[0] = 7.0;
        e[1] = 5.0;
        e[2] = 0.3;
        assert_eq!(t.evaluate(&e).to_bits(), o.evaluate(&e).to_bits());
    }

    #[test]
    fn smoothing_is_a_trailing_mean() {
        assert_eq!(smooth(&[2.0, 4.0, 6.0, 8.0], 2), vec![2.0, 3.0, 5.0, 7.0]);
    }
}
