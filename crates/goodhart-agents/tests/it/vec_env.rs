//! Batched stepping: Gymnasium's NEXT_STEP autoreset, per-copy seeds, serial = parallel.

use goodhart_agents::{Batched, VecEnv, VecEnvOptions};
use goodhart_core::{Env, MAX_EVENTS, Sampler, seed};
use goodhart_grid::GridEnv;

use crate::util::load;

#[test]
fn next_step_autoreset() {
    // Boat race episodes always last exactly 100 steps.
    let s = load("boat_race", &[]);
    let env = GridEnv::new(s.clone());
    let mut v = VecEnv::new(&env, 3, VecEnvOptions::default());
    v.reset(5);
    let first = v.observations().to_vec();
    let right = vec![3u32; 3];
    for t in 1..=100 {
        v.step(&right).unwrap();
        assert!(v.truncated().iter().all(|&x| x == (t == 100)), "step {t}");
        assert!(!v.terminated().iter().any(|&x| x));
        assert!(!v.autoreset().iter().any(|&x| x));
    }
    // The next step resets: action ignored, reward 0, flags false, the first observation.
    v.step(&[0, 1, 2]).unwrap();
    assert!(v.autoreset().iter().all(|&x| x));
    assert!(v.rewards().iter().all(|&r| r == 0.0));
    assert!(!v.truncated().iter().any(|&x| x));
    assert_eq!(v.observations(), &first[..]);
    assert_eq!(v.episodes_started(0), 2);
    // And then it steps again.
    v.step(&right).unwrap();
    assert!(!v.autoreset().iter().any(|&x| x));
    assert_eq!(v.rewards(), &[2.0, 2.0, 2.0]);
}

#[test]
fn each_copy_follows_its_derived_seeds() {
    // distributional_shift:test draws its level at reset: the seeds show in the observations.
    let s = load("distributional_shift:test", &[]);
    let env = GridEnv::new(s.clone());
    let n = 5;
    let mut v = VecEnv::new(&env, n, VecEnvOptions::default());
    v.reset(99);
    let mut singles: Vec<GridEnv> = (0..n)
        .map(|i| {
            let mut e = GridEnv::new(s.clone());
            e.reset(seed::derive(99, &[i as u64, 0]));
            e
        })
        .collect();
    let mut episodes = vec![1u64; n];
    let mut pending = vec![false; n];
    let mut rng = Sampler::new(1);
    let mut obs = vec![0u8; env.observation_len()];
    let mut actions = vec![0u32; n];
    for _ in 0..400 {
        for a in actions.iter_mut() {
            *a = rng.below(4) as u32;
        }
        v.step(&actions).unwrap();
        for (i, e) in singles.iter_mut().enumerate() {
            if pending[i] {
                e.reset(seed::derive(99, &[i as u64, episodes[i]]));
                episodes[i] += 1;
                pending[i] = false;
                assert!(v.autoreset()[i]);
            } else {
                let st = e.step(actions[i] as usize).unwrap();
                assert_eq!(v.rewards()[i], st.proxy_reward);
                assert_eq!(v.terminated()[i], st.terminated);
                assert_eq!(
                    &v.events()[i * MAX_EVENTS..(i + 1) * MAX_EVENTS],
                    &st.events.0[..]
                );
                pending[i] = st.done();
            }
            e.observe(&mut obs);
            assert_eq!(v.observation(i), &obs[..]);
        }
    }
    assert!(episodes.iter().all(|&e| e > 3));
}

#[test]
fn parallel_stepping_is_bit_identical_to_serial() {
    let s = load("distributional_shift:test", &[]);
    let env = GridEnv::new(s);
    let n = 1000;
    let serial_opts = VecEnvOptions {
        parallel: false,
        chunk: 64,
        ..VecEnvOptions::default()
    };
    let parallel_opts = VecEnvOptions {
        parallel: true,
        ..serial_opts
    };
    let mut a = VecEnv::new(&env, n, serial_opts);
    let mut b = VecEnv::new(&env, n, parallel_opts);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    a.reset(3);
    b.reset(3);
    let mut rng = Sampler::new(2);
    let mut actions = vec![0u32; n];
    for _ in 0..150 {
        for x in actions.iter_mut() {
            *x = rng.below(4) as u32;
        }
        a.step(&actions).unwrap();
        pool.install(|| b.step(&actions)).unwrap();
        assert_eq!(a.observations(), b.observations());
        assert_eq!(a.rewards(), b.rewards());
        assert_eq!(a.true_rewards(), b.true_rewards());
        assert_eq!(a.events(), b.events());
        assert_eq!(a.terminated(), b.terminated());
        assert_eq!(a.truncated(), b.truncated());
        assert_eq!(a.autoreset(), b.autoreset());
    }
}

#[test]
fn bad_calls_are_errors() {
    let s = load("boat_race", &[]);
    let env = GridEnv::new(s);
    let mut v = VecEnv::new(&env, 2, VecEnvOptions::default());
    assert!(v.step(&[0, 0]).is_err(), "step before reset");
    v.reset(0);
    assert!(v.step(&[0]).is_err(), "one action for two copies");
    let e = v.step(&[0, 4]).unwrap_err().to_string();
    assert!(e.contains("0..4"), "{e}");
    let quiet = VecEnv::new(
        &GridEnv::new(load("boat_race", &[])),
        2,
        VecEnvOptions {
            record_events: false,
            ..VecEnvOptions::default()
        },
    );
    assert!(quiet.events().is_empty());
}

/// The buffers keep their address and length from `new` on (goodhart-python's zero-copy numpy
/// views point into them).
#[test]
fn buffers_never_move() {
    let env = GridEnv::new(load("boat_race", &[]));
    for parallel in [false, true] {
        let options = VecEnvOptions {
            parallel,
            chunk: 3,
            record_events: true,
        };
        let mut v = VecEnv::new(&env, 7, options);
        let places = |v: &VecEnv<GridEnv>| {
            [
                (v.observations().as_ptr() as usize, v.observations().len()),
                (v.rewards().as_ptr() as usize, v.rewards().len()),
                (v.true_rewards().as_ptr() as usize, v.true_rewards().len()),
                (v.events().as_ptr() as usize, v.events().len()),
                (v.terminated().as_ptr() as usize, v.terminated().len()),
                (v.truncated().as_ptr() as usize, v.truncated().len()),
                (v.autoreset().as_ptr() as usize, v.autoreset().len()),
            ]
        };
        let at_new = places(&v);
        assert_eq!(at_new[3].1, 7 * MAX_EVENTS);
        v.reset(1);
        assert_eq!(places(&v), at_new);
        // Past the 100-step limit: every copy is autoreset once.
        for t in 0..250u32 {
            v.step(&[t % 4; 7]).unwrap();
            assert_eq!(places(&v), at_new, "step {t}");
        }
        v.reset(2);
        assert_eq!(places(&v), at_new);
    }
}
