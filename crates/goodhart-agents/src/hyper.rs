//! Hyper-parameters of the learners, with their defaults, in one place.
//!
//! Every name here is what `--set-agent NAME=VALUE` on the command line and an optimizer's
//! parameters in a lab spec accept; [`Hyper::PARAMS`] documents each one with its default.

use goodhart_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Which temporal-difference rule updates the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Agent {
    /// Q-learning (off-policy): the target bootstraps from the best next action.
    #[serde(rename = "q-learning")]
    QLearning,
    /// SARSA (on-policy): the target bootstraps from the next action actually taken.
    #[serde(rename = "sarsa")]
    Sarsa,
    /// Expected SARSA: the target is the expectation of the next value under the exploring
    /// policy.
    #[serde(rename = "expected-sarsa")]
    ExpectedSarsa,
    /// Double Q-learning (van Hasselt 2010): two tables, one picks the next action and the
    /// other values it; a fair coin per step says which one is updated. Acts on their sum.
    #[serde(rename = "double-q")]
    DoubleQ,
}

impl Agent {
    /// Every agent, in documentation order.
    pub const ALL: [Agent; 4] = [
        Agent::QLearning,
        Agent::Sarsa,
        Agent::ExpectedSarsa,
        Agent::DoubleQ,
    ];

    /// The name on the command line and in lab specs.
    pub fn name(self) -> &'static str {
        match self {
            Agent::QLearning => "q-learning",
            Agent::Sarsa => "sarsa",
            Agent::ExpectedSarsa => "expected-sarsa",
            Agent::DoubleQ => "double-q",
        }
    }

    /// One line for people.
    pub fn description(self) -> &'static str {
        match self {
            Agent::QLearning => "tabular Q-learning (off-policy TD control)",
            Agent::Sarsa => "tabular SARSA (on-policy TD control)",
            Agent::ExpectedSarsa => "tabular expected SARSA",
            Agent::DoubleQ => "tabular double Q-learning",
        }
    }

    /// The agent called `name` (`q-learning`, `sarsa`, `expected-sarsa`, `double-q`; `_` is
    /// accepted for `-`).
    pub fn parse(name: &str) -> Result<Agent> {
        let n = name.replace('_', "-");
        Agent::ALL
            .into_iter()
            .find(|a| a.name() == n)
            .ok_or_else(|| Error::unknown("agent", name, Agent::ALL.map(|a| a.name())))
    }
}

/// How actions are drawn while learning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Exploration {
    /// With probability ε a uniformly random action, otherwise a greedy one (ties broken
    /// uniformly at random).
    #[serde(rename = "epsilon-greedy")]
    EpsilonGreedy,
    /// Softmax of the action values divided by a temperature.
    #[serde(rename = "boltzmann")]
    Boltzmann,
}

/// How ε (or the temperature) moves from its start to its end value over the decay episodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decay {
    /// `start + (end - start) · f`, with `f` the fraction of the decay done.
    #[serde(rename = "linear")]
    Linear,
    /// `start · (end / start)^f`: geometric, fast at first.
    #[serde(rename = "exponential")]
    Exponential,
}

/// Every hyper-parameter of the tabular learners. The defaults are the values of
/// [`Hyper::PARAMS`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hyper {
    /// Training episodes.
    pub episodes: u64,
    /// Step size α of the TD update.
    pub alpha: f64,
    /// Discount γ used in the TD targets (the scenario's returns are reported undiscounted).
    pub gamma: f64,
    /// Initial value of every action value.
    pub q_init: f64,
    /// ε-greedy or Boltzmann.
    pub exploration: Exploration,
    /// Linear or exponential decay of ε / the temperature.
    pub decay: Decay,
    /// ε at episode 0.
    pub epsilon_start: f64,
    /// ε once decayed.
    pub epsilon_end: f64,
    /// Boltzmann temperature at episode 0.
    pub temperature_start: f64,
    /// Boltzmann temperature once decayed.
    pub temperature_end: f64,
    /// Fraction of the training episodes over which ε / the temperature decays.
    pub decay_fraction: f64,
    /// Episodes per synchronous round: every episode of a round acts on the table as it was at
    /// the round's start plus its own updates; the round's updates are then applied to the
    /// table in episode order. 1 is classic online learning; larger rounds let episodes run in
    /// parallel, and the result never depends on how many run at once.
    pub round: u64,
}

impl Default for Hyper {
    fn default() -> Self {
        Hyper {
            episodes: 2000,
            alpha: 0.5,
            gamma: 0.99,
            q_init: 0.0,
            exploration: Exploration::EpsilonGreedy,
            decay: Decay::Linear,
            epsilon_start: 1.0,
            epsilon_end: 0.05,
            temperature_start: 10.0,
            temperature_end: 0.1,
            decay_fraction: 0.5,
            round: 1,
        }
    }
}

/// One documented hyper-parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    /// The name (`alpha`).
    pub name: &'static str,
    /// The default, as written on the command line.
    pub default: &'static str,
    /// One line for people.
    pub description: &'static str,
}

impl Hyper {
    /// Every hyper-parameter with its default (the values of [`Hyper::default`]).
    pub const PARAMS: &'static [ParamDoc] = &[
        ParamDoc {
            name: "episodes",
            default: "2000",
            description: "training episodes",
        },
        ParamDoc {
            name: "alpha",
            default: "0.5",
            description: "step size of the TD update",
        },
        ParamDoc {
            name: "gamma",
            default: "0.99",
            description: "discount of the TD targets (returns are reported undiscounted)",
        },
        ParamDoc {
            name: "q_init",
            default: "0",
            description: "initial action value",
        },
        ParamDoc {
            name: "exploration",
            default: "epsilon-greedy",
            description: "epsilon-greedy or boltzmann",
        },
        ParamDoc {
            name: "decay",
            default: "linear",
            description: "linear or exponential decay of epsilon / the temperature",
        },
        ParamDoc {
            name: "epsilon_start",
            default: "1",
            description: "epsilon at the first episode",
        },
        ParamDoc {
            name: "epsilon_end",
            default: "0.05",
            description: "epsilon after the decay",
        },
        ParamDoc {
            name: "temperature_start",
            default: "10",
            description: "Boltzmann temperature at the first episode",
        },
        ParamDoc {
            name: "temperature_end",
            default: "0.1",
            description: "Boltzmann temperature after the decay",
        },
        ParamDoc {
            name: "decay_fraction",
            default: "0.5",
            description: "fraction of the episodes over which epsilon / the temperature decays",
        },
        ParamDoc {
            name: "round",
            default: "1",
            description: "episodes per synchronous round (1: online; more: parallel episodes)",
        },
    ];

    /// Sets the parameter `name` from its text form (`--set-agent alpha=0.1`).
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let v = value.trim();
        let float = |expected: &str| -> Result<f64> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| Error::invalid_value(name, v, expected))
        };
        match name {
            "episodes" => {
                self.episodes = v
                    .parse()
                    .map_err(|_| Error::invalid_value(name, v, "a whole number"))?;
            }
            "alpha" => self.alpha = float("a number in (0, 1]")?,
            "gamma" => self.gamma = float("a number in [0, 1]")?,
            "q_init" => self.q_init = float("a number")?,
            "exploration" => {
                self.exploration = match v {
                    "epsilon-greedy" | "epsilon_greedy" | "epsilon" => Exploration::EpsilonGreedy,
                    "boltzmann" | "softmax" => Exploration::Boltzmann,
                    _ => return Err(Error::invalid_value(name, v, "epsilon-greedy or boltzmann")),
                }
            }
            "decay" => {
                self.decay = match v {
                    "linear" => Decay::Linear,
                    "exponential" | "exp" => Decay::Exponential,
                    _ => return Err(Error::invalid_value(name, v, "linear or exponential")),
                }
            }
            "epsilon_start" => self.epsilon_start = float("a number in [0, 1]")?,
            "epsilon_end" => self.epsilon_end = float("a number in [0, 1]")?,
            "temperature_start" => self.temperature_start = float("a positive number")?,
            "temperature_end" => self.temperature_end = float("a positive number")?,
            "decay_fraction" => self.decay_fraction = float("a number in [0, 1]")?,
            "round" => {
                self.round = v
                    .parse()
                    .map_err(|_| Error::invalid_value(name, v, "a whole number of at least 1"))?;
            }
            _ => {
                return Err(Error::unknown(
                    "agent parameter",
                    name,
                    Hyper::PARAMS.iter().map(|p| p.name),
                ));
            }
        }
        self.validate()
    }

    /// Applies `NAME=VALUE` pairs in order.
    pub fn with_pairs(mut self, pairs: &[(String, String)]) -> Result<Hyper> {
        for (k, v) in pairs {
            self.set(k, v)?;
        }
        Ok(self)
    }

    /// Reads a JSON object of parameters (a lab spec's optimizer table); missing names keep
    /// their defaults, unknown names are an error.
    pub fn from_json(value: &serde_json::Value) -> Result<Hyper> {
        let h: Hyper = serde_json::from_value(value.clone()).map_err(|e| {
            Error::invalid_value("agent parameters", value.to_string(), e.to_string())
        })?;
        h.validate()?;
        Ok(h)
    }

    /// Checks every range.
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, name: &str, value: f64, expected: &str| {
            if ok {
                Ok(())
            } else {
                Err(Error::invalid_value(name, value.to_string(), expected))
            }
        };
        check(
            self.alpha > 0.0 && self.alpha <= 1.0,
            "alpha",
            self.alpha,
            "a number in (0, 1]",
        )?;
        check(
            (0.0..=1.0).contains(&self.gamma),
            "gamma",
            self.gamma,
            "a number in [0, 1]",
        )?;
        check(
            self.q_init.is_finite(),
            "q_init",
            self.q_init,
            "a finite number",
        )?;
        for (name, v) in [
            ("epsilon_start", self.epsilon_start),
            ("epsilon_end", self.epsilon_end),
            ("decay_fraction", self.decay_fraction),
        ] {
            check((0.0..=1.0).contains(&v), name, v, "a number in [0, 1]")?;
        }
        for (name, v) in [
            ("temperature_start", self.temperature_start),
            ("temperature_end", self.temperature_end),
        ] {
            check(v > 0.0 && v.is_finite(), name, v, "a positive number")?;
        }
        if self.round == 0 {
            return Err(Error::invalid_value(
                "round",
                "0",
                "a whole number of at least 1",
            ));
        }
        Ok(())
    }

    /// The exploration parameter (ε, or the temperature for Boltzmann) of episode `episode`.
    pub fn exploration_at(&self, episode: u64) -> f64 {
        let (start, end) = match self.exploration {
            Exploration::EpsilonGreedy => (self.epsilon_start, self.epsilon_end),
            Exploration::Boltzmann => (self.temperature_start, self.temperature_end),
        };
        let span = self.decay_fraction * self.episodes as f64;
        let f = if span <= 0.0 {
            1.0
        } else {
            (episode as f64 / span).min(1.0)
        };
        if f >= 1.0 {
            return end;
        }
        match self.decay {
            Decay::Linear => start + (end - start) * f,
            Decay::Exponential if start > 0.0 && end > 0.0 => start * (end / start).powf(f),
            // ε = 0 at either end: geometric interpolation is undefined; fall back to linear.
            Decay::Exponential => start + (end - start) * f,
        }
    }

    /// The parameters as `(name, value)` text pairs, in [`Hyper::PARAMS`] order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let json = serde_json::to_value(self).unwrap_or_default();
        Hyper::PARAMS
            .iter()
            .map(|p| {
                let v = match &json[p.name] {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (p.name, v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_defaults_are_the_defaults() {
        let mut h = Hyper::default();
        for p in Hyper::PARAMS {
            h.set(p.name, p.default).unwrap();
        }
        assert_eq!(h, Hyper::default());
        // Every field is documented.
        let json = serde_json::to_value(Hyper::default()).unwrap();
        assert_eq!(json.as_object().unwrap().len(), Hyper::PARAMS.len());
    }

    #[test]
    fn set_parses_and_checks() {
        let mut h = Hyper::default();
        h.set("alpha", "0.1").unwrap();
        h.set("exploration", "boltzmann").unwrap();
        assert_eq!((h.alpha, h.exploration), (0.1, Exploration::Boltzmann));
        assert!(h.set("alpha", "0").is_err());
        assert!(
            h.set("gamm", "0.9")
                .unwrap_err()
                .to_string()
                .contains("gamma")
        );
        let j = serde_json::json!({"alpha": 0.25, "decay": "exponential"});
        let h = Hyper::from_json(&j).unwrap();
        assert_eq!((h.alpha, h.decay), (0.25, Decay::Exponential));
        assert!(Hyper::from_json(&serde_json::json!({"alpah": 1})).is_err());
    }

    #[test]
    fn schedules_reach_their_end() {
        let h = Hyper {
            episodes: 100,
            decay_fraction: 0.5,
            ..Hyper::default()
        };
        assert_eq!(h.exploration_at(0), 1.0);
        assert!((h.exploration_at(25) - 0.525).abs() < 1e-12);
        assert_eq!(h.exploration_at(50), 0.05);
        assert_eq!(h.exploration_at(99), 0.05);
        let e = Hyper {
            decay: Decay::Exponential,
            ..h
        };
        assert!((e.exploration_at(25) - 0.05f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn agent_names_round_trip() {
        for a in Agent::ALL {
            assert_eq!(Agent::parse(a.name()).unwrap(), a);
        }
        assert_eq!(Agent::parse("q_learning").unwrap(), Agent::QLearning);
        assert!(Agent::parse("dqn").is_err());
    }
}
