//! Property tests on random MDPs: Bellman residuals of every returned value function, and
//! bit-identical results for one and two threads.

use goodhart_core::FiniteModel;
use goodhart_mdp::{
    CompileOptions, CompiledMdp, DeterministicPolicy, DiscountedOptions, GapOptions, LiveTable,
    backward_induction, bellman_sweep, compile, evaluate_discounted, evaluate_finite, gap,
    lexicographic, policy_iteration, value_iteration, value_iteration_gauss_seidel,
};
use proptest::prelude::*;

use crate::util::Table;

/// `(T V)(s) = max_a Σ p (r + γ V(s'))`, computed from the model itself (not the table).
fn bellman(table: &Table, c: &CompiledMdp<u32>, v: &[f64], discount: f64, proxy: bool) -> Vec<f64> {
    let index = |s: u32| c.states.iter().position(|x| *x == s).unwrap();
    let mut out = Vec::new();
    c.states
        .iter()
        .map(|s| {
            (0..table.num_actions())
                .map(|a| {
                    out.clear();
                    table.successors(s, a, &mut out);
                    out.iter()
                        .map(|x| {
                            let r = if proxy { x.events[0] } else { x.events[1] };
                            let next = if x.terminal { 0.0 } else { v[index(x.state)] };
                            x.prob * (r + discount * next)
                        })
                        .sum::<f64>()
                })
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn value_iteration_meets_its_stopping_bound(
        seed in any::<u64>(),
        states in 1usize..40,
        actions in 1usize..5,
        fanout in 1usize..5,
        terminal in 0.0f64..0.3,
        discount in 0.5f64..0.97,
    ) {
        let t = Table::random(seed, states, actions, fanout, terminal);
        let c = compile(&t, &CompileOptions::default()).unwrap();
        let r = c.mdp.rewards(c.mdp.proxy());
        let eps = 1e-6;
        let opts = DiscountedOptions { discount, epsilon: eps, ..Default::default() };
        let vi = value_iteration(&c.mdp, &r, &opts).unwrap();
        // Bellman residual of the returned values: below the stopping threshold.
        let tv = bellman(&t, &c, &vi.values, discount, true);
        let threshold = eps * (1.0 - discount) / (2.0 * discount);
        prop_assert!(max_diff(&tv, &vi.values) <= threshold * 1.0001 + 1e-12);
        // The greedy policy is eps-optimal.
        let tight = DiscountedOptions { epsilon: 1e-11, ..opts };
        let exact = value_iteration(&c.mdp, &r, &tight).unwrap();
        let (vpi, _) = evaluate_discounted(&c.mdp, &r, &vi.policy, &tight).unwrap();
        for (a, b) in vpi.iter().zip(&exact.values) {
            prop_assert!(*a >= b - eps - 1e-9, "{a} < {b} - eps");
        }
        // Policy iteration finds the same values.
        let pi = policy_iteration(&c.mdp, &r, &opts).unwrap();
        prop_assert!(max_diff(&pi.values, &exact.values) <= eps);
        // Gauss-Seidel: the same guarantee for its greedy policy.
        let gs = value_iteration_gauss_seidel(&c.mdp, &r, &opts).unwrap();
        prop_assert!(max_diff(&gs.values, &exact.values) <= eps);
        let (vgs, _) = evaluate_discounted(&c.mdp, &r, &gs.policy, &tight).unwrap();
        for (a, b) in vgs.iter().zip(&exact.values) {
            prop_assert!(*a >= b - eps - 1e-9, "gauss-seidel: {a} < {b} - eps");
        }
    }

    #[test]
    fn backward_induction_is_a_fixed_point_and_gap_is_consistent(
        seed in any::<u64>(),
        states in 1usize..30,
        actions in 1usize..5,
        fanout in 1usize..4,
        terminal in 0.0f64..0.3,
        horizon in 1u32..12,
    ) {
        let t = Table::random(seed, states, actions, fanout, terminal);
        let c = compile(&t, &CompileOptions::default()).unwrap();
        let r = c.mdp.rewards(c.mdp.proxy());
        let truth = c.mdp.rewards(c.mdp.true_objective());
        let prev = if horizon > 1 {
            backward_induction(&c.mdp, &r, horizon - 1, 1.0, false).unwrap().values
        } else {
            vec![0.0; c.mdp.num_states()]
        };
        let sol = backward_induction(&c.mdp, &r, horizon, 1.0, true).unwrap();
        prop_assert!(max_diff(&bellman(&t, &c, &prev, 1.0, true), &sol.values) < 1e-9);
        // The optimal policy's exact evaluation gives the optimal values.
        let policy = sol.policy.clone().unwrap();
        let v = evaluate_finite(&c.mdp, &r, &policy, horizon, 1.0).unwrap();
        prop_assert!(max_diff(&v, &sol.values) < 1e-9);
        // Lexicographic: the worst proxy-optimal policy is proxy-optimal and reaches true_min.
        let lex = lexicographic(&c.mdp, &r, &truth, horizon, 1.0).unwrap();
        let worst = DeterministicPolicy::time_dependent(c.mdp.num_states(), lex.min_actions.clone());
        let p = evaluate_finite(&c.mdp, &r, &worst, horizon, 1.0).unwrap();
        let q = evaluate_finite(&c.mdp, &truth, &worst, horizon, 1.0).unwrap();
        prop_assert!((goodhart_mdp::start_value(&c.mdp, &p) - sol.start_value).abs() < 1e-9);
        prop_assert!((goodhart_mdp::start_value(&c.mdp, &q) - lex.secondary_min).abs() < 1e-9);
        let g = gap(&c.mdp, &GapOptions { horizon: Some(horizon), ..Default::default() }).unwrap();
        prop_assert!(g.proxy_optimal.true_min <= g.proxy_optimal.true_max + 1e-9);
        prop_assert!(g.proxy_optimal.true_max <= g.true_optimal.true_return + 1e-9);
        prop_assert!(g.true_optimal.proxy_max <= g.proxy_optimal.proxy_return + 1e-9);
        prop_assert!(g.random.true_return <= g.true_optimal.true_return + 1e-9);
        prop_assert!(g.gap_pessimistic >= 0.0 && g.gap_optimistic >= 0.0);
        prop_assert!(g.gap_optimistic <= g.gap_pessimistic);
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    /// Large enough for the sweeps to run in parallel.
    #[test]
    fn results_do_not_depend_on_the_thread_count(seed in any::<u64>(), actions in 2usize..5) {
        let t = Table::random(seed, 20_000, actions, 3, 0.05);
        let c = compile(&t, &CompileOptions::default()).unwrap();
        let r = c.mdp.rewards(c.mdp.proxy());
        let run = |threads: usize| {
            pool(threads).install(|| {
                let opts = DiscountedOptions { discount: 0.9, epsilon: 1e-6, ..Default::default() };
                let vi = value_iteration(&c.mdp, &r, &opts).unwrap();
                let bi = backward_induction(&c.mdp, &r, 15, 1.0, true).unwrap();
                let g = gap(&c.mdp, &GapOptions { horizon: Some(15), ..Default::default() }).unwrap();
                (bits(&vi.values), vi.policy, vi.iterations, bits(&bi.values), bi.policy, g)
            })
        };
        let (a, b) = (run(1), run(2));
        prop_assert!(a == b);
    }
}

/// Value iteration by plain sweeps of the whole table ([`bellman_sweep`]), the reference that
/// [`value_iteration`] (which sweeps only the live states) must reproduce bit for bit.
fn reference_vi(
    c: &CompiledMdp<u32>,
    r: &goodhart_mdp::Rewards,
    opts: &DiscountedOptions,
) -> (Vec<f64>, usize) {
    let n = c.mdp.num_states();
    let (mut prev, mut cur) = (vec![0.0; n], vec![0.0; n]);
    let g = opts.discount;
    let threshold = if opts.relative || g >= 1.0 {
        opts.epsilon
    } else {
        opts.epsilon * (1.0 - g) / (2.0 * g)
    };
    for it in 1..=opts.max_iterations {
        let res = bellman_sweep(&c.mdp, r, g, &prev, &mut cur, opts.relative);
        std::mem::swap(&mut prev, &mut cur);
        if res < threshold {
            return (prev, it);
        }
    }
    panic!("reference value iteration did not converge");
}

/// Backward Gauss–Seidel over the whole table, the reference for
/// [`value_iteration_gauss_seidel`].
fn reference_gs(
    c: &CompiledMdp<u32>,
    r: &goodhart_mdp::Rewards,
    opts: &DiscountedOptions,
) -> (Vec<f64>, usize) {
    let (n, na) = (c.mdp.num_states(), c.mdp.num_actions());
    let mut v = vec![0.0; n];
    let g = opts.discount;
    let threshold = if opts.relative || g >= 1.0 {
        opts.epsilon
    } else {
        opts.epsilon * (1.0 - g) / (2.0 * g)
    };
    for it in 1..=opts.max_iterations {
        let mut res: f64 = 0.0;
        for s in (0..n).rev() {
            let mut best = f64::NEG_INFINITY;
            for a in 0..na {
                let row = s * na + a;
                let mut acc = 0.0;
                for x in c.mdp.transitions(s, a) {
                    if !x.terminal {
                        acc += x.prob * v[x.next as usize];
                    }
                }
                best = best.max(r.per_row[row] + g * acc);
            }
            let d = (best - v[s]).abs();
            res = res.max(if opts.relative && d != 0.0 {
                d / best.abs()
            } else {
                d
            });
            v[s] = best;
        }
        if res < threshold {
            return (v, it);
        }
    }
    panic!("reference Gauss-Seidel did not converge");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Most rewards zero, so that many states cannot reach a reward and are left out of the
    /// live table; the values must still equal full-table sweeps bit for bit.
    #[test]
    fn live_table_sweeps_equal_full_sweeps(
        seed in any::<u64>(),
        states in 1usize..60,
        actions in 1usize..4,
        fanout in 1usize..4,
        terminal in 0.0f64..0.3,
        rewarded in 0.0f64..0.3,
        discount in 0.5f64..1.0,
        relative in any::<bool>(),
    ) {
        let mut t = Table::random(seed, states, actions, fanout, terminal);
        // Keep a reward on about `rewarded` of the transitions (by a hash of its position).
        for (s, row) in t.rows.iter_mut().enumerate() {
            for (a, succ) in row.iter_mut().enumerate() {
                for (k, x) in succ.iter_mut().enumerate() {
                    let h = goodhart_core::seed::derive(seed, &[s as u64, a as u64, k as u64]);
                    if (h >> 11) as f64 / (1u64 << 53) as f64 >= rewarded {
                        x.2 = (0.0, 0.0);
                    } else if relative {
                        // The relative rule divides by the new value: keep values from
                        // crossing zero (they rise monotonically from 0).
                        x.2.0 = x.2.0.abs();
                    }
                }
            }
        }
        let c = compile(&t, &CompileOptions::default()).unwrap();
        let r = c.mdp.rewards(c.mdp.proxy());
        let live = LiveTable::new(&c.mdp, &r);
        prop_assert!(live.num_live() <= c.mdp.num_states());
        let opts = DiscountedOptions { discount, epsilon: 1e-8, relative, ..Default::default() };
        let (want, iterations) = reference_vi(&c, &r, &opts);
        let vi = value_iteration(&c.mdp, &r, &opts).unwrap();
        prop_assert_eq!(bits(&vi.values), bits(&want));
        prop_assert_eq!(vi.iterations, iterations);
        let (want, iterations) = reference_gs(&c, &r, &opts);
        let gs = value_iteration_gauss_seidel(&c.mdp, &r, &opts).unwrap();
        prop_assert_eq!(bits(&gs.values), bits(&want));
        prop_assert_eq!(gs.iterations, iterations);
        // The dropped states are exactly those with value 0 forever.
        for s in 0..c.mdp.num_states() {
            if live.states().binary_search(&(s as u32)).is_err() {
                prop_assert_eq!(vi.values[s], 0.0);
            }
        }
    }
}
