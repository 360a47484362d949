//! The extension module `goodhart._core`. Everything lives in the `goodhart-python` crate; this
//! cdylib only gives it the module name maturin builds (see `python/pyproject.toml`).

use pyo3::prelude::*;

/// goodhart's compiled core (see `goodhart/_core.pyi` for its typed surface).
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    goodhart_python::register(m)
}
