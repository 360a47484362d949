//! Stepping through the compiled table writes exactly what the engine writes.

use goodhart_agents::{Batched, TableVecEnv, VecEnv, VecEnvOptions};
use goodhart_core::Sampler;
use goodhart_grid::{GridEnv, catalog};

use crate::util::load;

const MAX_STATES: usize = 60_000;

/// Steps both batched envs with the same random actions and compares every buffer.
fn assert_same(a: &mut impl Batched, b: &mut impl Batched, steps: usize, seed: u64, what: &str) {
    a.reset(seed).unwrap();
    b.reset(seed).unwrap();
    let mut rng = Sampler::new(seed);
    let mut actions = vec![0u32; a.len()];
    for t in 0..steps {
        assert_eq!(
            a.observations(),
            b.observations(),
            "{what} step {t}: observations"
        );
        assert_eq!(a.rewards(), b.rewards(), "{what} step {t}: rewards");
        assert_eq!(
            a.true_rewards(),
            b.true_rewards(),
            "{what} step {t}: true rewards"
        );
        assert_eq!(a.events(), b.events(), "{what} step {t}: events");
        assert_eq!(
            a.terminated(),
            b.terminated(),
            "{what} step {t}: terminated"
        );
        assert_eq!(a.truncated(), b.truncated(), "{what} step {t}: truncated");
        assert_eq!(a.autoreset(), b.autoreset(), "{what} step {t}: autoreset");
        for x in actions.iter_mut() {
            *x = rng.below(a.num_actions()) as u32;
        }
        a.step(&actions).unwrap();
        b.step(&actions).unwrap();
    }
    for i in 0..a.len() {
        assert_eq!(
            a.episodes_started(i),
            b.episodes_started(i),
            "{what}: episodes"
        );
    }
}

#[test]
fn the_table_steps_like_the_engine_on_every_scenario_it_accepts() {
    let mut accepted = Vec::new();
    for (name, variant) in catalog::all_ids().unwrap() {
        let id = format!("{name}:{variant}");
        let s = load(&id, &[]);
        let options = VecEnvOptions {
            chunk: 7,
            ..VecEnvOptions::default()
        };
        let t0 = std::time::Instant::now();
        let mut table = match TableVecEnv::new(&s, 23, options, MAX_STATES) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("declined {id}: {e}");
                continue;
            }
        };
        eprintln!(
            "accepted {id}: {} states in {:?}",
            table.num_states(),
            t0.elapsed()
        );
        let mut engine = VecEnv::new(&GridEnv::new(s.clone()), 23, options);
        assert_same(&mut table, &mut engine, 400, 3, &id);
        accepted.push(id);
    }
    // The deterministic classics are all accepted.
    for id in [
        "boat_race:default",
        "island_navigation:default",
        "distributional_shift:train",
        "distributional_shift:test",
        "absent_supervisor:default",
        "side_effects_sokoban:level0",
    ] {
        assert!(
            accepted.iter().any(|a| a == id),
            "{id} declined: {accepted:?}"
        );
    }
}

#[test]
fn serial_parallel_and_quiet_tables_agree() {
    let s = load("island_navigation", &[]);
    let serial = VecEnvOptions {
        parallel: false,
        chunk: 5,
        record_events: true,
    };
    let mut a = TableVecEnv::new(&s, 41, serial, MAX_STATES).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let mut b = TableVecEnv::new(
            &s,
            41,
            VecEnvOptions {
                parallel: true,
                ..serial
            },
            MAX_STATES,
        )
        .unwrap();
        assert_same(&mut a, &mut b, 500, 8, "serial vs parallel");
    });
    let mut quiet = TableVecEnv::new(
        &s,
        41,
        VecEnvOptions {
            record_events: false,
            ..serial
        },
        MAX_STATES,
    )
    .unwrap();
    quiet.reset(8).unwrap();
    assert!(quiet.events().is_empty());
    quiet.step(&[1; 41]).unwrap();
}

#[test]
fn stochastic_and_remembering_scenarios_are_declined_with_a_reason() {
    for (id, why) in [
        ("safe_interruptibility", "stochastic after the reset"),
        ("friend_foe", "remembers across episodes"),
    ] {
        let s = load(id, &[]);
        let err = TableVecEnv::new(&s, 4, VecEnvOptions::default(), MAX_STATES).unwrap_err();
        assert!(err.to_string().contains(why), "{id}: {err}");
    }
    let s = load("boat_race", &[]);
    let err = TableVecEnv::new(&s, 4, VecEnvOptions::default(), 3).unwrap_err();
    assert!(err.to_string().contains("3"), "{err}");
}

#[test]
fn bad_actions_and_step_before_reset_are_errors() {
    let s = load("boat_race", &[]);
    let mut v = TableVecEnv::new(&s, 2, VecEnvOptions::default(), MAX_STATES).unwrap();
    assert!(
        v.step(&[0, 0])
            .unwrap_err()
            .to_string()
            .contains("before reset")
    );
    v.reset(0).unwrap();
    assert!(v.step(&[0]).is_err());
    assert!(v.step(&[0, 9]).unwrap_err().to_string().contains("0..4"));
}
