//! Small MDPs solved by hand.

use goodhart_mdp::{
    CompileOptions, DeterministicPolicy, DiscountedOptions, GapOptions, StochasticPolicy, Uniform,
    backward_induction, compile, evaluate_finite, gap, most_likely_path, policy_iteration,
    start_value, value_iteration,
};

use crate::util::{Table, close, det, end};

/// 0 --advance (-1)--> 1 --advance (+9, ends)--> 2; `stay` pays nothing.
fn chain(horizon: u32) -> Table {
    Table::new(
        2,
        horizon,
        vec![(0, 1.0)],
        vec![
            vec![det(0, 0.0, 0.0), det(1, -1.0, -1.0)],
            vec![det(1, 0.0, 0.0), end(2, 9.0, 9.0)],
            vec![det(2, 0.0, 0.0), det(2, 0.0, 0.0)],
        ],
    )
}

/// One state; `safe` pays 1 (proxy and true); `gamble` pays proxy 3 or 0 with probability 1/2
/// each and true 0.
fn gamble(horizon: u32) -> Table {
    Table::new(
        2,
        horizon,
        vec![(0, 1.0)],
        vec![vec![
            det(0, 1.0, 1.0),
            vec![(0, 0.5, (3.0, 0.0), false), (0, 0.5, (0.0, 0.0), false)],
        ]],
    )
}

#[test]
fn backward_induction_honours_the_horizon() {
    // With 5 steps, waiting first is as good as advancing now: the tie rule takes `stay`.
    for (h, want, first) in [(1, 0.0, 0), (2, 8.0, 1), (5, 8.0, 0)] {
        let c = compile(&chain(h), &CompileOptions::default()).unwrap();
        let rewards = c.mdp.rewards(c.mdp.proxy());
        let sol = backward_induction(&c.mdp, &rewards, h, 1.0, true).unwrap();
        assert_eq!(sol.start_value, want, "horizon {h}");
        assert_eq!(sol.policy.unwrap().action(0, 0), first, "horizon {h}");
    }
}

#[test]
fn discounted_solvers_agree_with_the_hand_solution() {
    let c = compile(&chain(10), &CompileOptions::default()).unwrap();
    let r = c.mdp.rewards(c.mdp.proxy());
    let opts = DiscountedOptions {
        discount: 0.9,
        epsilon: 1e-9,
        ..DiscountedOptions::default()
    };
    // V(1) = 9 (end now), V(0) = -1 + 0.9 * 9 = 7.1.
    for sol in [
        value_iteration(&c.mdp, &r, &opts).unwrap(),
        policy_iteration(&c.mdp, &r, &opts).unwrap(),
    ] {
        assert!(close(sol.values[0], 7.1, 1e-9), "{:?}", sol.values);
        assert!(close(sol.values[1], 9.0, 1e-9));
        assert_eq!(sol.policy.action(0, 0), 1);
        assert_eq!(sol.policy.action(0, 1), 1);
    }
}

#[test]
fn gap_of_a_gamble() {
    let c = compile(&gamble(10), &CompileOptions::default()).unwrap();
    assert_eq!(c.mdp.num_transitions(), 3, "distinct events are kept apart");
    let g = gap(&c.mdp, &GapOptions::default()).unwrap();
    assert_eq!(g.proxy_optimal.proxy_return, 15.0);
    assert_eq!(
        (g.proxy_optimal.true_min, g.proxy_optimal.true_max),
        (0.0, 0.0)
    );
    assert_eq!(g.true_optimal.true_return, 10.0);
    assert_eq!(
        (g.true_optimal.proxy_min, g.true_optimal.proxy_max),
        (10.0, 10.0)
    );
    assert_eq!(g.random.proxy_return, 12.5);
    assert_eq!(g.random.true_return, 5.0);
    assert_eq!(g.gap_pessimistic, 10.0);
    assert_eq!(
        g.normalized_gap_pessimistic,
        Some(1.0),
        "10 / 5 clipped to 1"
    );
    assert!(!g.ties);
}

#[test]
fn ties_make_an_interval() {
    // Two ways to earn the proxy; only the first earns the true objective.
    let t = Table::new(
        2,
        10,
        vec![(0, 1.0)],
        vec![vec![det(0, 1.0, 1.0), det(0, 1.0, 0.0)]],
    );
    let c = compile(&t, &CompileOptions::default()).unwrap();
    let g = gap(&c.mdp, &GapOptions::default()).unwrap();
    assert_eq!(g.proxy_optimal.proxy_return, 10.0);
    assert_eq!(
        (g.proxy_optimal.true_min, g.proxy_optimal.true_max),
        (0.0, 10.0)
    );
    assert_eq!((g.gap_pessimistic, g.gap_optimistic), (10.0, 0.0));
    assert!(g.ties);
    let worst = g.worst_proxy_path.unwrap();
    assert_eq!(worst.actions, vec![1; 10]);
    assert_eq!(worst.true_return(), 0.0);
    let best = g.true_optimal_path.unwrap();
    assert_eq!(best.actions, vec![0; 10]);
}

#[test]
fn policies_of_every_kind_evaluate_exactly() {
    let c = compile(&gamble(10), &CompileOptions::default()).unwrap();
    let r = c.mdp.rewards(c.mdp.proxy());
    let mixed = StochasticPolicy::new(1, 2, vec![0.25, 0.75]).unwrap();
    let v = evaluate_finite(&c.mdp, &r, &mixed, 10, 1.0).unwrap();
    assert!(close(start_value(&c.mdp, &v), 13.75, 1e-12));
    let v = evaluate_finite(&c.mdp, &r, &Uniform, 10, 1.0).unwrap();
    assert_eq!(v[0], 12.5);
    // Gamble on the first 4 steps, then play safe: 4 * 1.5 + 6 * 1.
    let mut actions = vec![1u8; 4];
    actions.extend([0u8; 6]);
    let timed = DeterministicPolicy::time_dependent(1, actions);
    let v = evaluate_finite(&c.mdp, &r, &timed, 10, 1.0).unwrap();
    assert_eq!(v[0], 12.0);
    // Discounted: 1.5 / (1 - 0.5) for always gambling.
    let always = DeterministicPolicy::stationary(vec![1]);
    let v = evaluate_finite(&c.mdp, &r, &always, 60, 0.5).unwrap();
    assert!(close(v[0], 3.0, 1e-12));
    assert!(StochasticPolicy::new(1, 2, vec![0.5, 0.6]).is_err());
}

#[test]
fn most_likely_path_follows_the_policy() {
    let c = compile(&chain(5), &CompileOptions::default()).unwrap();
    let p = most_likely_path(&c.mdp, &|_, _| 1, 5);
    assert_eq!(p.actions, vec![1, 1]);
    assert_eq!(p.states, vec![0, 1, 2]);
    assert_eq!(p.proxy_rewards, vec![-1.0, 9.0]);
    assert!(p.terminated);
    assert_eq!(p.probability, 1.0);
}

#[test]
fn duplicates_are_merged() {
    let t = Table::new(
        1,
        3,
        vec![(0, 0.5), (0, 0.5)],
        vec![vec![vec![
            (0, 0.5, (1.0, 1.0), false),
            (0, 0.5, (1.0, 1.0), false),
        ]]],
    );
    let c = compile(&t, &CompileOptions::default()).unwrap();
    assert_eq!(c.mdp.initial(), &[(0, 1.0)]);
    assert_eq!(c.mdp.num_transitions(), 1);
    let t: Vec<_> = c.mdp.transitions(0, 0).collect();
    assert_eq!(t[0].prob, 1.0);
}
