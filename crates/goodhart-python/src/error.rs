//! Rust errors as Python exceptions of the `goodhart.exceptions` hierarchy.
//!
//! The classes are defined in Python (`python/goodhart/exceptions.py`) so that they can also
//! derive from `ValueError`, `LookupError`, `gymnasium.error.ResetNeeded`, ...; they are looked
//! up once and cached. Should the module be missing (the extension imported on its own), the
//! nearest built-in exception is raised with the same message.

use pyo3::exceptions::{
    PyArithmeticError, PyLookupError, PyOSError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// The classes of `goodhart.exceptions`, by the kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `InputError`: a malformed file.
    Input,
    /// `InvalidValueError`.
    InvalidValue,
    /// `InvalidActionError`.
    InvalidAction,
    /// `UnknownNameError`.
    Unknown,
    /// `UnknownParameterError`.
    UnknownParameter,
    /// `StateError`.
    State,
    /// `ResetNeeded`.
    ResetNeeded,
    /// `LimitError`.
    Limit,
    /// `NumericError`.
    Numeric,
    /// `StoreError`.
    Store,
    /// `GoodhartIOError`.
    Io,
}

impl Kind {
    fn class_name(self) -> &'static str {
        match self {
            Kind::Input => "InputError",
            Kind::InvalidValue => "InvalidValueError",
            Kind::InvalidAction => "InvalidActionError",
            Kind::Unknown => "UnknownNameError",
            Kind::UnknownParameter => "UnknownParameterError",
            Kind::State => "StateError",
            Kind::ResetNeeded => "ResetNeeded",
            Kind::Limit => "LimitError",
            Kind::Numeric => "NumericError",
            Kind::Store => "StoreError",
            Kind::Io => "GoodhartIOError",
        }
    }

    fn cell(self) -> &'static PyOnceLock<Py<PyType>> {
        static CELLS: [PyOnceLock<Py<PyType>>; 11] = [const { PyOnceLock::new() }; 11];
        &CELLS[self as usize]
    }

    fn fallback(self, message: String) -> PyErr {
        match self {
            Kind::Input | Kind::InvalidValue | Kind::InvalidAction => {
                PyValueError::new_err(message)
            }
            Kind::Unknown => PyLookupError::new_err(message),
            Kind::UnknownParameter => PyTypeError::new_err(message),
            Kind::State | Kind::ResetNeeded | Kind::Limit | Kind::Store => {
                PyRuntimeError::new_err(message)
            }
            Kind::Numeric => PyArithmeticError::new_err(message),
            Kind::Io => PyOSError::new_err(message),
        }
    }
}

/// A Python exception of class `kind` with `message`.
pub fn error(kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        match kind
            .cell()
            .import(py, "goodhart.exceptions", kind.class_name())
        {
            Ok(ty) => PyErr::from_type(ty.clone(), message),
            Err(_) => kind.fallback(message),
        }
    })
}

/// A core error as a Python exception.
pub fn from_core(e: goodhart_core::Error) -> PyErr {
    use goodhart_core::Error as E;
    let kind = match &e {
        E::Input { .. } => Kind::Input,
        E::Unknown { what, .. } if what == "parameter" => Kind::UnknownParameter,
        E::Unknown { .. } => Kind::Unknown,
        E::InvalidValue { name, .. } if name == "action" => Kind::InvalidAction,
        E::InvalidValue { .. } => Kind::InvalidValue,
        E::Limit(_) => Kind::Limit,
        E::Numeric(_) => Kind::Numeric,
        E::State(_) => Kind::ResetNeeded,
        E::Io { .. } => Kind::Io,
        _ => Kind::State,
    };
    error(kind, e.to_string())
}

/// A lab error (spec, store, run) as a Python exception.
pub fn from_lab(e: goodhart_lab::Error) -> PyErr {
    use goodhart_lab::Error as E;
    match e {
        E::Core(c) => from_core(c),
        E::Io { .. } => error(Kind::Io, e.to_string()),
        E::Store { .. } | E::Sqlite { .. } => error(Kind::Store, e.to_string()),
        other => error(Kind::State, other.to_string()),
    }
}

/// `Result<T, goodhart_core::Error>` → `PyResult<T>`.
pub trait CoreResultExt<T> {
    /// Maps the error with [`from_core`] (or [`from_lab`]).
    fn py(self) -> PyResult<T>;
}

impl<T> CoreResultExt<T> for goodhart_core::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(from_core)
    }
}

impl<T> CoreResultExt<T> for goodhart_lab::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(from_lab)
    }
}
