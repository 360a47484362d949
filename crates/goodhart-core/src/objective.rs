//! Objectives: weighted sums of events. The proxy, the true objective, learned and penalized
//! objectives are all of this one form, so any of them can stand in for another.

use std::fmt;

use crate::error::{Error, Result};
use crate::event::{EventSet, EventVec, MAX_EVENTS};

/// `reward(s, a, s') = Σ weight[e] · events(s, a, s')[e]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Objective {
    weights: [f64; MAX_EVENTS],
    /// Bit `i` set when `weights[i]` is not zero: [`Objective::evaluate`] runs on every step of
    /// every environment, and skipping the zero terms shortens its chain of dependent additions
    /// without changing the sum (a zero term adds ±0, which leaves any sum, and +0, unchanged).
    support: u32,
}

const _: () = assert!(MAX_EVENTS <= 32, "the support mask has 32 bits");

impl Objective {
    fn new(weights: [f64; MAX_EVENTS]) -> Objective {
        let mut support = 0;
        for (i, w) in weights.iter().enumerate() {
            if *w != 0.0 {
                support |= 1 << i;
            }
        }
        Objective { weights, support }
    }

    /// An objective from `(event name, weight)` pairs; unknown names are an error.
    pub fn from_pairs<'a, I>(pairs: I, events: &EventSet) -> Result<Self>
    where
        I: IntoIterator<Item = (&'a str, f64)>,
    {
        let mut weights = [0.0; MAX_EVENTS];
        for (name, w) in pairs {
            if !w.is_finite() {
                return Err(Error::invalid_value(
                    format!("weight of `{name}`"),
                    w.to_string(),
                    "a finite number",
                ));
            }
            weights[events.require(name)?] += w;
        }
        Ok(Objective::new(weights))
    }

    /// Parses an inline TOML table such as `{ goal = 50, step = -1 }`.
    pub fn parse_toml(text: &str, events: &EventSet) -> Result<Self> {
        let doc = format!("o = {text}");
        let table: toml::Table = toml::from_str(&doc)
            .map_err(|e| Error::invalid_value("objective", text, format!("a TOML table: {e}")))?;
        let Some(toml::Value::Table(t)) = table.get("o") else {
            return Err(Error::invalid_value("objective", text, "a TOML table"));
        };
        Self::from_toml_table(t, events)
    }

    /// An objective from a parsed TOML table of numbers.
    pub fn from_toml_table(table: &toml::Table, events: &EventSet) -> Result<Self> {
        let mut pairs = Vec::with_capacity(table.len());
        for (name, value) in table {
            let w = match value {
                toml::Value::Integer(i) => *i as f64,
                toml::Value::Float(f) => *f,
                other => {
                    return Err(Error::invalid_value(
                        format!("weight of `{name}`"),
                        other.to_string(),
                        "a number",
                    ));
                }
            };
            pairs.push((name.as_str(), w));
        }
        Self::from_pairs(pairs, events)
    }

    /// The weight of event `i`.
    pub fn weight(&self, i: usize) -> f64 {
        self.weights[i]
    }

    /// All weights in event order.
    pub fn weights(&self) -> &[f64; MAX_EVENTS] {
        &self.weights
    }

    /// The reward of a transition with these events.
    #[inline]
    pub fn evaluate(&self, events: &EventVec) -> f64 {
        // The same sum, term by term in event order, as over all the weights.
        let mut r = 0.0;
        let mut m = self.support;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            r += self.weights[i] * events.0[i];
            m &= m - 1;
        }
        r
    }

    /// `self + scale · other`, e.g. a proxy with an impact penalty.
    pub fn plus_scaled(&self, other: &Objective, scale: f64) -> Objective {
        let mut weights = self.weights;
        for (w, o) in weights.iter_mut().zip(other.weights.iter()) {
            *w += scale * o;
        }
        Objective::new(weights)
    }

    /// A printable form (`{ goal = 50, step = -1 }`) using the event names.
    pub fn display<'a>(&'a self, events: &'a EventSet) -> impl fmt::Display + 'a {
        DisplayObjective {
            objective: self,
            events,
        }
    }
}

struct DisplayObjective<'a> {
    objective: &'a Objective,
    events: &'a EventSet,
}

impl fmt::Display for DisplayObjective<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let terms: Vec<String> = self
            .events
            .iter()
            .enumerate()
            .filter(|(i, _)| self.objective.weights[*i] != 0.0)
            .map(|(i, e)| format!("{} = {}", e.name, self.objective.weights[i]))
            .collect();
        write!(f, "{{ {} }}", terms.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Weights that are often zero, events that are often zero, of every sign and size.
    fn sparse() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), Just(-0.0), -1e6..1e6f64, Just(1.0), Just(-1.0)]
    }

    proptest! {
        /// Skipping zero weights gives the dense sum bit for bit.
        #[test]
        fn sparse_evaluation_equals_the_dense_sum(
            w in prop::array::uniform16(sparse()),
            e in prop::array::uniform16(sparse()),
        ) {
            let o = Objective::new(w);
            let mut dense = 0.0;
            for i in 0..MAX_EVENTS {
                dense += w[i] * e[i];
            }
            prop_assert_eq!(o.evaluate(&EventVec(e)).to_bits(), dense.to_bits());
        }
    }

    #[test]
    fn parses_and_evaluates() {
        let set = EventSet::new(["goal", "step", "water"]).unwrap();
        let o = Objective::parse_toml("{ goal = 50, step = -1, water = -50.5 }", &set).unwrap();
        let mut v = set.zeros();
        v[0] = 1.0;
        v[1] = 1.0;
        assert_eq!(o.evaluate(&v), 49.0);
        assert_eq!(
            o.display(&set).to_string(),
            "{ goal = 50, step = -1, water = -50.5 }"
        );
    }

    #[test]
    fn unknown_event_is_an_error() {
        let set = EventSet::new(["goal"]).unwrap();
        let e = Objective::parse_toml("{ gaol = 1 }", &set)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown event `gaol`"), "{e}");
    }

    #[test]
    fn non_numeric_weight_is_an_error() {
        let set = EventSet::new(["goal"]).unwrap();
        assert!(Objective::parse_toml("{ goal = \"x\" }", &set).is_err());
        assert!(Objective::parse_toml("{ goal = nan }", &set).is_err());
    }
}
