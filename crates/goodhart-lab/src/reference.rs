//! Exact reference figures of a scenario variant, computed once per sweep and shared by every
//! run on it: the best true return and the random policy's, against which any optimizer's gap is
//! measured, plus the proxy-optimal interval and the trajectories worth showing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use goodhart_grid::GridScenario;

use crate::optimizer::Trace;

/// Exact figures of one scenario variant (from the compiled MDP).
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Compiled states.
    pub states: u64,
    /// Whether every figure is exact (otherwise some are Monte Carlo estimates).
    pub exact: bool,
    /// Proxy return of every proxy-optimal policy.
    pub proxy_optimal_proxy: f64,
    /// Least true return over proxy-optimal policies.
    pub proxy_optimal_true_min: f64,
    /// Greatest true return over proxy-optimal policies.
    pub proxy_optimal_true_max: f64,
    /// True return of the true-optimal policies.
    pub best_true: f64,
    /// Proxy return of the uniformly random policy.
    pub random_proxy: f64,
    /// True return of the uniformly random policy.
    pub random_true: f64,
    /// `best_true − proxy_optimal_true_min` (tie-tolerance noise snapped to zero).
    pub gap_pessimistic: f64,
    /// `best_true − proxy_optimal_true_max`.
    pub gap_optimistic: f64,
    /// The pessimistic gap over `best_true − random_true`, clipped to [0, 1].
    pub normalized_gap_pessimistic: Option<f64>,
    /// The optimistic gap, normalized the same way.
    pub normalized_gap_optimistic: Option<f64>,
    /// An episode of the worst proxy-optimal policy (the gaming trajectory).
    pub gaming: Option<Trace>,
    /// An episode of a true-optimal policy.
    pub true_optimal: Option<Trace>,
}

/// Computes the reference of a scenario; `Ok(None)` when exact analysis is not available.
pub type ReferenceFn = fn(&GridScenario) -> crate::Result<Option<Reference>>;

/// Why a reference could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    /// The model exceeds the exact compiler's limits: exact analysis does not apply to this
    /// scenario (a limit of the method, not a failure of the run).
    pub too_large: bool,
    /// What happened.
    pub message: String,
}

impl std::fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type Slot = Arc<OnceLock<Result<Option<Arc<Reference>>, ReferenceError>>>;

/// A per-sweep cache of references, computed at most once per scenario variant even when many
/// runs ask at the same time.
pub struct References {
    compute: Option<ReferenceFn>,
    cache: Mutex<BTreeMap<String, Slot>>,
}

impl References {
    /// A cache using `compute` (or none: every lookup answers `None`).
    pub fn new(compute: Option<ReferenceFn>) -> Self {
        References {
            compute,
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// The cache this build supports (exact analysis when goodhart-mdp is linked).
    pub fn builtin() -> Self {
        References::new(crate::optimizer::exact::reference_fn())
    }

    /// The reference of `scenario`; `Ok(None)` when there is no exact analysis, an error when it
    /// failed or the model is too large.
    pub fn get(&self, scenario: &GridScenario) -> Result<Option<Arc<Reference>>, ReferenceError> {
        let Some(compute) = self.compute else {
            return Ok(None);
        };
        let key = format!(
            "{}\u{0}{:?}\u{0}{:016x}",
            scenario.id(),
            scenario.overrides,
            scenario.file_hash
        );
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(key).or_default().clone()
        };
        slot.get_or_init(|| {
            compute(scenario)
                .map(|r| r.map(Arc::new))
                .map_err(|e| ReferenceError {
                    too_large: matches!(e, crate::Error::Core(goodhart_core::Error::Limit(_))),
                    message: e.to_string(),
                })
        })
        .clone()
    }
}
