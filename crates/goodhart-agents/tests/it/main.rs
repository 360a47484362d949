//! Integration tests of goodhart-agents, one binary.
//!
//! * `util`: loading, training and exact evaluation shared by the tests.
//! * `optimum`: Q-learning's greedy policy reaches the exact proxy optimum (the budget table).
//! * `paper`: the direction of the AI Safety Gridworlds paper's results.
//! * `determinism`: same seed, same curve, for any batch size and thread count.
//! * `vec_env`: batched stepping (autoreset, seeds, serial = parallel).
//! * `table_env`: stepping through the compiled table equals the engine.

mod determinism;
mod optimum;
mod paper;
mod table_env;
mod util;
mod vec_env;
