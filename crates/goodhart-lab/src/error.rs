//! The lab's error type: the core's errors (bad specs, unknown names) plus store failures.

use std::path::PathBuf;

/// Everything that can go wrong running, storing or reporting experiments.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A spec, scenario or parameter problem (messages name the file, line and field).
    #[error(transparent)]
    Core(#[from] goodhart_core::Error),
    /// A results store cannot be used as it is (corrupt, truncated, newer schema, not a store).
    /// The file was left as it was.
    #[error("{path}: {message}")]
    Store {
        /// The store file.
        path: PathBuf,
        /// What is wrong and what to do about it.
        message: String,
    },
    /// SQLite failed while reading or writing a store.
    #[error("{path}: {source}")]
    Sqlite {
        /// The store file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Reading or writing a file (report page, export) failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An optimizer failed on a scenario.
    #[error("{0}")]
    Optimizer(String),
    /// The optimizer's method does not apply to this scenario (a model too large for exact
    /// analysis): the run is recorded as `not_applicable` and not retried.
    #[error("{0}")]
    NotApplicable(String),
    /// An optimizer failed on one run.
    #[error("run {run_id} ({what}): {message}")]
    Run {
        /// The run.
        run_id: String,
        /// `scenario:variant optimizer seed=N`.
        what: String,
        /// The failure.
        message: String,
    },
}

/// `Result` with the lab's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Store`] for `path`.
    pub fn store(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Store {
            path: path.into(),
            message: message.into(),
        }
    }
}
