//! Integration tests of goodhart-mdp, one binary (CONVENTIONS C5). What belongs where:
//! * `util`: a table-driven [`goodhart_core::FiniteModel`] and a random-model generator;
//! * `hand`: small MDPs solved by hand;
//! * `random`: property tests on random MDPs (Bellman residuals, thread-count independence);
//! * `simulator`: exact evaluation against Monte Carlo rollouts of the gridworld simulator;
//! * `aisg`: the reference figures of `shared/specs/aisg.md`;
//! * `errors`: bad input gives clear errors;
//! * `export`: the PRISM and JSON exports;
//! * `seed_scenarios`: the reference figures of `shared/specs/seed-scenarios.md`;
//! * `stencil`: the pattern-compressed table against the sparse one.

mod aisg;
mod errors;
mod export;
mod hand;
mod random;
mod seed_scenarios;
mod simulator;
mod stencil;
mod util;
