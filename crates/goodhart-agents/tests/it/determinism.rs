//! Same seed, same curve: for any number of env copies (batch size) and any number of rayon
//! threads, training gives bit-identical records and tables.

use goodhart_agents::{Agent, Batched, EpisodeRecord, Exploration, Hyper, Training, grid};
use goodhart_grid::GridScenario;
use std::sync::Arc;

use crate::util::load;

fn run(s: &Arc<GridScenario>, agent: Agent, hyper: Hyper, envs: usize, threads: usize) -> Training {
    let config = grid::config(s, agent, hyper, 11, envs);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| grid::train_scenario(s, &config, &|_| {}).unwrap())
}

fn table_bits(t: &Training) -> Vec<(Vec<u8>, Vec<u64>)> {
    (0..t.table.num_states() as u32)
        .map(|id| {
            (
                t.table.index().key(id).to_vec(),
                t.table
                    .action_values(id)
                    .iter()
                    .map(|v| v.to_bits())
                    .collect(),
            )
        })
        .collect()
}

fn curve_bits(r: &[EpisodeRecord]) -> Vec<(u64, u64, u32)> {
    r.iter()
        .map(|r| (r.proxy_return.to_bits(), r.true_return.to_bits(), r.length))
        .collect()
}

#[test]
fn batch_size_and_threads_do_not_change_the_curve() {
    // distributional_shift:test draws its level per episode, absent_supervisor its supervisor:
    // the env's randomness is exercised too.
    for id in [
        "distributional_shift:test",
        "absent_supervisor",
        "side_effects_sokoban:level0",
    ] {
        let s = load(id, &[]);
        for agent in Agent::ALL {
            for exploration in [Exploration::EpsilonGreedy, Exploration::Boltzmann] {
                let hyper = Hyper {
                    episodes: 120,
                    round: 8,
                    exploration,
                    ..Hyper::default()
                };
                let reference = run(&s, agent, hyper, 1, 1);
                for (envs, threads) in [(8, 1), (8, 2), (3, 2), (1, 2)] {
                    let t = run(&s, agent, hyper, envs, threads);
                    assert_eq!(
                        curve_bits(&t.records),
                        curve_bits(&reference.records),
                        "{id} {agent:?} {exploration:?}: {envs} envs, {threads} threads"
                    );
                    assert_eq!(table_bits(&t), table_bits(&reference));
                }
            }
        }
    }
}

#[test]
fn online_learning_is_reproducible_and_seeds_matter() {
    let s = load("island_navigation", &[]);
    let hyper = Hyper {
        episodes: 200,
        ..Hyper::default()
    };
    let a = run(&s, Agent::QLearning, hyper, 1, 2);
    let b = run(&s, Agent::QLearning, hyper, 4, 1);
    assert_eq!(curve_bits(&a.records), curve_bits(&b.records));
    let config = grid::config(&s, Agent::QLearning, hyper, 12, 1);
    let c = grid::train_scenario(&s, &config, &|_| {}).unwrap();
    assert_ne!(curve_bits(&a.records), curve_bits(&c.records));
}

#[test]
fn records_are_in_episode_order_and_add_up() {
    let s = load("side_effects_sokoban:level0", &[]);
    let hyper = Hyper {
        episodes: 50,
        round: 7,
        ..Hyper::default()
    };
    let t = run(&s, Agent::ExpectedSarsa, hyper, 3, 2);
    assert_eq!(t.records.len(), 50);
    for (i, r) in t.records.iter().enumerate() {
        assert_eq!(r.episode, i as u64);
        assert!(r.length >= 1 && r.length <= 100);
    }
    let steps: u64 = t.records.iter().map(|r| u64::from(r.length)).sum();
    assert_eq!(steps, t.steps);
}

/// A grid env whose observations are never cached (every step renders and hashes the board).
#[derive(Clone)]
struct Uncached(goodhart_grid::GridEnv);

impl goodhart_core::Env for Uncached {
    fn num_actions(&self) -> usize {
        self.0.num_actions()
    }
    fn observation_shape(&self) -> (usize, usize) {
        self.0.observation_shape()
    }
    fn observation_max(&self) -> u8 {
        self.0.observation_max()
    }
    fn reset(&mut self, seed: u64) {
        self.0.reset(seed)
    }
    fn step(&mut self, action: usize) -> goodhart_core::Result<goodhart_core::Step> {
        self.0.step(action)
    }
    fn observe(&self, out: &mut [u8]) {
        self.0.observe(out)
    }
    fn events(&self) -> &goodhart_core::EventSet {
        self.0.events()
    }
    fn proxy(&self) -> &goodhart_core::Objective {
        self.0.proxy()
    }
    fn true_objective(&self) -> &goodhart_core::Objective {
        self.0.true_objective()
    }
}

impl goodhart_agents::StateKey for Uncached {
    type Key = ();
    const MEMOIZE: bool = false;
    fn state_key(&self) {}
}

#[test]
fn caching_observations_changes_nothing() {
    use goodhart_core::Env;
    let s = load("side_effects_sokoban:level0", &[]);
    for round in [1, 5] {
        let hyper = Hyper {
            episodes: 80,
            round,
            ..Hyper::default()
        };
        let config = grid::config(&s, Agent::DoubleQ, hyper, 5, 2);
        let cached = grid::train_scenario(&s, &config, &|_| {}).unwrap();
        let env = Uncached(goodhart_grid::GridEnv::new(s.clone()));
        let plain = goodhart_agents::train(&env, &config, &|_| {}).unwrap();
        assert_eq!(curve_bits(&cached.records), curve_bits(&plain.records));
        assert_eq!(table_bits(&cached), table_bits(&plain));
    }
    // Batched stepping too.
    let grid_env = goodhart_grid::GridEnv::new(s.clone());
    let mut a = goodhart_agents::VecEnv::new(&grid_env, 16, Default::default());
    let mut b = goodhart_agents::VecEnv::new(&Uncached(grid_env.clone()), 16, Default::default());
    a.reset(1);
    b.reset(1);
    let mut rng = goodhart_core::Sampler::new(9);
    let mut actions = vec![0u32; 16];
    for _ in 0..300 {
        for x in actions.iter_mut() {
            *x = rng.below(grid_env.num_actions()) as u32;
        }
        a.step(&actions).unwrap();
        b.step(&actions).unwrap();
        assert_eq!(a.observations(), b.observations());
        assert_eq!(a.rewards(), b.rewards());
    }
}
