//! One error type for the whole library stack; the CLI adds nothing but the exit code.

use std::fmt;
use std::path::PathBuf;

/// Where in an input a problem was found: the file, the line when known, and the field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file (or a pseudo-name such as `<built-in>/boat_race.toml`).
    pub file: PathBuf,
    /// 1-based line number, when the parser could tell.
    pub line: Option<usize>,
    /// Dotted path of the offending field, e.g. `variants.level1.map`.
    pub field: Option<String>,
}

impl Location {
    /// A location in `file`, with no line or field yet.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            line: None,
            field: None,
        }
    }

    /// The same location at `line`.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// The same location naming `field`.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in goodhart's libraries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input file (scenario, experiment spec) is malformed.
    #[error("{location}: {message}")]
    Input {
        /// Where.
        location: Location,
        /// What is wrong, in words a user can act on.
        message: String,
    },
    /// A name (scenario, variant, action, optimizer, parameter) that is not known.
    #[error("unknown {what} `{name}`{}", known_list(.known))]
    Unknown {
        /// What kind of name: "scenario", "variant of boat_race", "action", ...
        what: String,
        /// The name given.
        name: String,
        /// The names that would have been accepted.
        known: Vec<String>,
    },
    /// A parameter value outside its valid range.
    #[error("invalid value `{value}` for {name}: expected {expected}")]
    InvalidValue {
        /// The parameter.
        name: String,
        /// The value given.
        value: String,
        /// The valid range or form.
        expected: String,
    },
    /// A model or computation exceeded a limit the user set (e.g. `--max-states`).
    #[error("{0}")]
    Limit(String),
    /// A numeric procedure failed (did not converge, produced a non-finite value).
    #[error("{0}")]
    Numeric(String),
    /// An operation was called in the wrong state (e.g. `step` before `reset`).
    #[error("{0}")]
    State(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!("; known: {}", known.join(", "))
    }
}

impl Error {
    /// An [`Error::Input`] at `location`.
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            message: message.into(),
        }
    }

    /// An [`Error::Unknown`] for `name` among `known`.
    pub fn unknown<I, S>(what: impl Into<String>, name: impl Into<String>, known: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Error::Unknown {
            what: what.into(),
            name: name.into(),
            known: known.into_iter().map(Into::into).collect(),
        }
    }

    /// An [`Error::InvalidValue`].
    pub fn invalid_value(
        name: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidValue {
            name: name.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }
}

/// `Result` with goodhart's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_error_names_file_line_and_field() {
        let e = Error::input(
            Location::file("scenarios/boat_race.toml")
                .at_line(12)
                .field("legend.X"),
            "unknown role `lavaa`",
        );
        assert_eq!(
            e.to_string(),
            "scenarios/boat_race.toml:12: field `legend.X`: unknown role `lavaa`"
        );
    }

    #[test]
    fn unknown_lists_alternatives() {
        let e = Error::unknown("scenario", "boatrace", ["boat_race", "whisky_gold"]);
        assert_eq!(
            e.to_string(),
            "unknown scenario `boatrace`; known: boat_race, whisky_gold"
        );
    }
}
