//! Named numeric signals emitted on transitions: the shared vocabulary of every objective.

use std::ops::{Index, IndexMut};

use crate::error::{Error, Result};

/// The most events one scenario may declare. A fixed bound keeps [`EventVec`] `Copy` and the
/// stepping loop free of allocation.
pub const MAX_EVENTS: usize = 16;

/// One declared event: its name and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Identifier used in objectives (`goal`, `step`, `box_corner_penalty`).
    pub name: String,
    /// One sentence for people.
    pub description: String,
}

/// The ordered events of a scenario; an event's position is its index in every [`EventVec`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventSet {
    events: Vec<Event>,
}

impl EventSet {
    /// An event set from names (no descriptions).
    pub fn new<I, S>(names: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with_descriptions(names.into_iter().map(|n| (n.into(), String::new())))
    }

    /// An event set from `(name, description)` pairs; names must be unique and at most
    /// [`MAX_EVENTS`].
    pub fn with_descriptions<I>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut events: Vec<Event> = Vec::new();
        for (name, description) in pairs {
            if events.iter().any(|e| e.name == name) {
                return Err(Error::invalid_value("event", name, "a name declared once"));
            }
            events.push(Event { name, description });
        }
        if events.len() > MAX_EVENTS {
            return Err(Error::invalid_value(
                "events",
                events.len().to_string(),
                format!("at most {MAX_EVENTS} events per scenario"),
            ));
        }
        Ok(EventSet { events })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event is declared.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Index of the event called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.events.iter().position(|e| e.name == name)
    }

    /// Index of `name`, or an error listing the declared events.
    pub fn require(&self, name: &str) -> Result<usize> {
        self.index(name)
            .ok_or_else(|| Error::unknown("event", name, self.names()))
    }

    /// The declared events in index order.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        self.events.iter()
    }

    /// The names in index order.
    pub fn names(&self) -> Vec<String> {
        self.events.iter().map(|e| e.name.clone()).collect()
    }

    /// An all-zero vector for this set.
    pub fn zeros(&self) -> EventVec {
        EventVec::default()
    }

    /// The non-zero entries of `v` as `(name, value)`, in index order.
    pub fn named<'a>(&'a self, v: &'a EventVec) -> impl Iterator<Item = (&'a str, f64)> + 'a {
        self.events
            .iter()
            .enumerate()
            .filter(|(i, _)| v[*i] != 0.0)
            .map(|(i, e)| (e.name.as_str(), v[i]))
    }
}

/// The value of every event on one transition (or their sum over an episode).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EventVec(pub [f64; MAX_EVENTS]);

impl EventVec {
    /// Adds `other` entry by entry (accumulating an episode).
    pub fn add(&mut self, other: &EventVec) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }

    /// Adds `other * w` entry by entry (expectations over successors).
    pub fn add_scaled(&mut self, other: &EventVec, w: f64) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b * w;
        }
    }

    /// Sets every entry to zero.
    pub fn clear(&mut self) {
        self.0 = [0.0; MAX_EVENTS];
    }

    /// True when every entry is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0.0)
    }
}

impl Index<usize> for EventVec {
    type Output = f64;
    fn index(&self, i: usize) -> &f64 {
        &self.0[i]
    }
}

impl IndexMut<usize> for EventVec {
    fn index_mut(&mut self, i: usize) -> &mut f64 {
        &mut self.0[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_are_rejected() {
        assert!(EventSet::new(["a", "a"]).is_err());
    }

    #[test]
    fn too_many_events_are_rejected() {
        let names: Vec<String> = (0..=MAX_EVENTS).map(|i| format!("e{i}")).collect();
        assert!(EventSet::new(names).is_err());
    }

    #[test]
    fn named_lists_non_zero_entries() {
        let set = EventSet::new(["goal", "step"]).unwrap();
        let mut v = set.zeros();
        v[1] = 1.0;
        assert_eq!(set.named(&v).collect::<Vec<_>>(), vec![("step", 1.0)]);
    }
}
