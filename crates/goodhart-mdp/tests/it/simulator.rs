//! Exact evaluation on the compiled table against Monte Carlo rollouts of the simulator
//! itself (`GridEnv`), for every catalog scenario that compiles: evidence that the compiler
//! matches the engine.

use std::collections::BTreeMap;

use goodhart_core::{Env, Error, Sampler, seed};
use goodhart_grid::{GridEnv, GridState, catalog};
use goodhart_mdp::factored::{FactorOptions, factor};
use goodhart_mdp::{
    CompileOptions, DeterministicPolicy, Uniform, backward_induction, compile, evaluate_finite,
    start_value,
};

/// Mean and standard error.
fn mean_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn agree(what: &str, exact: f64, samples: &[f64]) {
    let (m, se) = mean_se(samples);
    assert!(
        (m - exact).abs() <= 5.0 * se + 1e-9,
        "{what}: exact {exact}, sampled {m} ± {se} (n = {})",
        samples.len()
    );
}

const EPISODES: u64 = 3000;

#[test]
fn exact_evaluation_matches_simulator_rollouts() {
    let opts = CompileOptions {
        max_states: 200_000,
        max_transitions: 2_000_000,
        max_depth: None,
    };
    let mut checked = 0;
    for (name, variant) in catalog::all_ids().unwrap() {
        let id = format!("{name}:{variant}");
        let s = catalog::load(&id, &[]).unwrap();
        let c = match compile(&*s, &opts) {
            Ok(c) => c,
            Err(Error::Limit(_)) => {
                if factored_matches_simulator(&id) {
                    checked += 1;
                }
                continue;
            }
            Err(e) => panic!("{id}: {e}"),
        };
        let h = c.mdp.horizon();
        let proxy = c.mdp.rewards(c.mdp.proxy());
        let truth = c.mdp.rewards(c.mdp.true_objective());
        let exact_p = start_value(
            &c.mdp,
            &evaluate_finite(&c.mdp, &proxy, &Uniform, h, 1.0).unwrap(),
        );
        let exact_t = start_value(
            &c.mdp,
            &evaluate_finite(&c.mdp, &truth, &Uniform, h, 1.0).unwrap(),
        );

        // The uniformly random policy in the simulator.
        let na = s.num_actions;
        // A fresh env per episode: friend or foe's bandit remembers across the episodes of one
        // instance, and the compiled model is a fresh instance's.
        let fresh = || GridEnv::new(s.clone());
        let mut actions = Sampler::new(seed::derive(7, &[checked]));
        let (mut rp, mut rt) = (Vec::new(), Vec::new());
        for ep in 0..EPISODES {
            let mut env = fresh();
            env.reset(seed::derive(11, &[checked, ep]));
            let (mut p, mut t) = (0.0, 0.0);
            loop {
                let step = env.step(actions.below(na)).unwrap();
                p += step.proxy_reward;
                t += s.true_objective.evaluate(&step.events);
                if step.done() {
                    break;
                }
            }
            rp.push(p);
            rt.push(t);
        }
        agree(&format!("{id} random proxy"), exact_p, &rp);
        agree(&format!("{id} random true"), exact_t, &rt);

        // The proxy-optimal (time-dependent) policy, where the simulator's state is the
        // compiled one (not with hidden draws, which the simulator makes at reset).
        if s.mechanic.hidden_draws().is_empty() {
            let index: BTreeMap<_, _> = c
                .states
                .iter()
                .enumerate()
                .map(|(i, st)| (*st, i))
                .collect();
            let sol = backward_induction(&c.mdp, &proxy, h, 1.0, true).unwrap();
            let policy: DeterministicPolicy = sol.policy.unwrap();
            let exact_t = start_value(
                &c.mdp,
                &evaluate_finite(&c.mdp, &truth, &policy, h, 1.0).unwrap(),
            );
            let (mut rp, mut rt) = (Vec::new(), Vec::new());
            for ep in 0..EPISODES / 3 {
                let mut env = fresh();
                env.reset(seed::derive(13, &[checked, ep]));
                let (mut p, mut t, mut k) = (0.0, 0.0, 0u32);
                loop {
                    let Some(&st) = index.get(env.state()) else {
                        panic!(
                            "{id}: simulator state {:?} is not in the table",
                            env.state()
                        );
                    };
                    let step = env.step(policy.action(k, st)).unwrap();
                    k += 1;
                    p += step.proxy_reward;
                    t += s.true_objective.evaluate(&step.events);
                    if step.done() {
                        break;
                    }
                }
                rp.push(p);
                rt.push(t);
            }
            agree(&format!("{id} proxy-optimal proxy"), sol.start_value, &rp);
            agree(&format!("{id} proxy-optimal true"), exact_t, &rt);
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} scenarios compiled");
}

/// For a model too large to tabulate: if it has the factored form (items as independent
/// bits), its exact evaluation of the random and of the proxy-optimal policy against the
/// simulator. Returns whether the factored form applied.
fn factored_matches_simulator(id: &str) -> bool {
    let s = catalog::load(id, &[]).unwrap();
    let split = |g: &GridState| (GridState { items: 0, ..*g }, g.items);
    let join = |b: &GridState, x: u64| GridState { items: x, ..*b };
    let Ok(f) = factor(&*s, split, join, &FactorOptions::default()) else {
        return false;
    };
    let h = f.horizon();
    let n = f.num_bits();
    let exact_p = f.evaluate(f.proxy(), &Uniform, h, 1.0).unwrap();
    let exact_t = f.evaluate(f.true_objective(), &Uniform, h, 1.0).unwrap();
    let (_, policy) = f.solve(f.proxy(), h, 1.0, true).unwrap();
    let policy = policy.unwrap();
    let ns = f.num_states();
    let exact_opt = f
        .evaluate(
            f.true_objective(),
            &DeterministicPolicy::time_dependent(ns, policy.clone()),
            h,
            1.0,
        )
        .unwrap();
    let base_index: BTreeMap<GridState, usize> =
        f.bases.iter().enumerate().map(|(i, b)| (*b, i)).collect();
    let mut actions = Sampler::new(99);
    let (mut rp, mut rt, mut ot) = (Vec::new(), Vec::new(), Vec::new());
    for ep in 0..EPISODES {
        for optimal in [false, true] {
            let mut env = GridEnv::new(s.clone());
            env.reset(seed::derive(17, &[ep, u64::from(optimal)]));
            let (mut p, mut t, mut k) = (0.0, 0.0, 0usize);
            loop {
                let a = if optimal {
                    let (b, x) = split(env.state());
                    policy[k * ns + (base_index[&b] << n | x as usize)] as usize
                } else {
                    actions.below(s.num_actions)
                };
                let step = env.step(a).unwrap();
                k += 1;
                p += step.proxy_reward;
                t += s.true_objective.evaluate(&step.events);
                if step.done() {
                    break;
                }
            }
            if optimal {
                ot.push(t);
            } else {
                rp.push(p);
                rt.push(t);
            }
        }
    }
    agree(&format!("{id} random proxy (factored)"), exact_p, &rp);
    agree(&format!("{id} random true (factored)"), exact_t, &rt);
    agree(
        &format!("{id} proxy-optimal true (factored)"),
        exact_opt,
        &ot,
    );
    true
}
