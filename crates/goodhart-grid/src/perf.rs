//! Measured stepping throughput: the figure behind the "fast" claim, printed by
//! `goodhart perf env`.

use std::sync::Arc;
use std::time::Instant;

use goodhart_core::{Env, seed};

use crate::env::GridEnv;
use crate::scenario::GridScenario;

/// The result of one throughput run.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    /// Steps taken.
    pub steps: u64,
    /// Episodes started.
    pub episodes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl Throughput {
    /// Steps per second.
    pub fn steps_per_second(&self) -> f64 {
        self.steps as f64 / self.seconds
    }
}

/// Steps one env for `steps` steps with uniformly random actions, resetting when an episode
/// ends, on the calling thread. With `observe`, the observation is written each step too (as a
/// tabular agent needs).
pub fn random_policy_throughput(
    scenario: &Arc<GridScenario>,
    steps: u64,
    seed_value: u64,
    observe: bool,
) -> Throughput {
    let mut env = GridEnv::new(scenario.clone());
    let mut obs = vec![0u8; env.observation_len()];
    let n = env.num_actions() as u64;
    let mut episodes = 1;
    env.reset(seed::derive(seed_value, &[0]));
    // xorshift64*: the action stream itself must cost next to nothing.
    let mut x = seed::mix(seed_value) | 1;
    let mut checksum = 0.0;
    let start = Instant::now();
    for _ in 0..steps {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let action = (((r >> 32) * n) >> 32) as usize;
        let step = env.step(action).expect("valid action on a running episode");
        checksum += step.proxy_reward;
        if observe {
            env.observe(&mut obs);
        }
        if step.done() {
            env.reset(seed::derive(seed_value, &[episodes]));
            episodes += 1;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    std::hint::black_box((checksum, &obs));
    Throughput {
        steps,
        episodes,
        seconds,
    }
}
