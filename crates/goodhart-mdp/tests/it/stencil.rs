//! The pattern-compressed table ([`StencilTable`]): its sweeps and value iteration against the
//! sparse table's, bit for bit, on the slippery lava grid, the catalog and random models; and
//! clean declines where patterns do not repeat.

use goodhart_core::{Error, FiniteModel};
use goodhart_grid::catalog;
use goodhart_mdp::synthetic::SlipperyGrid;
use goodhart_mdp::{
    CompileOptions, CompiledMdp, DiscountedOptions, LiveTable, Rewards, StencilDeclined,
    StencilOptions, StencilTable, bellman_sweep, compile, value_iteration, value_iteration_stencil,
};
use proptest::prelude::*;

use crate::util::Table;

/// Converts whatever the patterns look like.
const ALWAYS: StencilOptions = StencilOptions {
    max_patterns: usize::MAX,
    min_block: 0.0,
};

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// A value per state in table order: live states get values from `seed` in [-1, 2), dead
/// states (not in `live`) get 0, as in every iterate of value iteration.
fn test_values(live: &LiveTable, n: usize, seed: u64) -> Vec<f64> {
    let mut v = vec![0.0; n];
    for (k, &s) in live.states().iter().enumerate() {
        let h = goodhart_core::seed::derive(seed, &[k as u64]);
        v[s as usize] = (h >> 11) as f64 / (1u64 << 53) as f64 * 3.0 - 1.0;
    }
    v
}

/// One stencil sweep against the live table's and the whole table's, bit for bit (values in
/// table order, and the largest change), for both stopping rules and a few discounts.
fn check_sweeps<S>(c: &CompiledMdp<S>, r: &Rewards, table: &StencilTable, what: &str) {
    let n = c.mdp.num_states();
    let live = LiveTable::new(&c.mdp, r);
    assert_eq!(table.num_live(), live.num_live(), "{what}");
    for (seed, discount, relative) in [(1, 1.0, true), (2, 0.95, false), (3, 0.5, true)] {
        let v = test_values(&live, n, seed);
        // The whole table.
        let mut want = vec![0.0; n];
        let res_full = bellman_sweep(&c.mdp, r, discount, &v, &mut want, relative);
        // The live table.
        let live_v: Vec<f64> = live.states().iter().map(|&s| v[s as usize]).collect();
        let mut live_out = vec![0.0; live.num_live()];
        let res_live = live.sweep(discount, &live_v, &mut live_out, relative);
        assert_eq!(bits(&live.expand(&live_out)), bits(&want), "{what}");
        // The stencil table.
        let sv = table.to_stencil_order(&v);
        let mut out = vec![f64::NAN; n];
        let res = table.sweep(discount, &sv, &mut out, relative);
        assert_eq!(
            bits(&table.to_table_order(&out)),
            bits(&want),
            "{what}: discount {discount}, relative {relative}"
        );
        assert_eq!(res.to_bits(), res_live.to_bits(), "{what}");
        assert_eq!(res_live.to_bits(), res_full.to_bits(), "{what}");
    }
}

fn grid(n: u32, lava: f64, seed: u64) -> (SlipperyGrid, CompiledMdp<u32>) {
    let g = SlipperyGrid::new(n, lava, seed);
    let c = compile(&g, &CompileOptions::default()).unwrap();
    (g, c)
}

#[test]
fn slippery_grid_sweeps_equal_the_sparse_tables() {
    for (n, lava, seed) in [
        (2, 0.0, 0),
        (3, 0.1, 1),
        (5, 0.3, 2),
        (12, 0.1, 3),
        (40, 0.0, 4),
        (40, 0.1, 5),
        (64, 0.25, 6),
        (100, 0.1, 7),
    ] {
        let (_, c) = grid(n, lava, seed);
        for (name, objective) in [("proxy", c.mdp.proxy()), ("true", c.mdp.true_objective())] {
            let r = c.mdp.rewards(objective);
            let table = StencilTable::from_compiled(&c, &r, &ALWAYS).unwrap();
            check_sweeps(&c, &r, &table, &format!("{n} {lava} {seed} {name}"));
        }
    }
}

#[test]
fn slippery_grid_compresses_into_few_patterns_and_long_blocks() {
    let (g, c) = grid(100, 0.1, 0);
    let r = c.mdp.rewards(c.mdp.proxy());
    let table = StencilTable::from_compiled(&c, &r, &StencilOptions::default()).unwrap();
    // Row-major order: interior cells, lava beside them or not, share one tuple of patterns.
    assert!(table.num_patterns() < 60, "{}", table.num_patterns());
    assert!(table.num_blocks() < 5 * 100, "{}", table.num_blocks());
    assert_eq!(table.order()[0], 0);
    let lava = c.states.iter().filter(|&&s| g.is_lava(s)).count();
    assert!(table.num_zeroed() > lava / 2 && table.num_zeroed() <= lava);
    // 1 / 4 of all states is the sparse table's cost for the same sweep: far less.
    assert!(table.sweep_bytes() < c.mdp.memory_bytes() / 4);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // Large enough for parallel sweeps (40,000 states).
    let (_, c) = grid(200, 0.1, 9);
    let r = c.mdp.rewards(c.mdp.proxy());
    let table = StencilTable::from_compiled(&c, &r, &StencilOptions::default()).unwrap();
    check_sweeps(&c, &r, &table, "200");
    let opts = DiscountedOptions {
        discount: 0.99,
        epsilon: 1e-6,
        relative: true,
        ..Default::default()
    };
    let run = |threads: usize| {
        pool(threads).install(|| {
            let live = LiveTable::new(&c.mdp, &r);
            let v = table.to_stencil_order(&test_values(&live, c.mdp.num_states(), 7));
            let mut out = vec![0.0; v.len()];
            let res = table.sweep(1.0, &v, &mut out, true);
            let vi = table.value_iteration(&c.mdp, &r, &opts).unwrap();
            (bits(&out), res.to_bits(), bits(&vi.values), vi.iterations)
        })
    };
    assert_eq!(run(1), run(2));
}

/// Value iteration through the stencil table gives the sparse solver's values, sweep
/// counts and policy exactly.
fn check_value_iteration<S: Copy + Ord + Send>(
    c: &CompiledMdp<S>,
    r: &Rewards,
    table: &StencilTable,
    opts: &DiscountedOptions,
    what: &str,
) {
    let want = value_iteration(&c.mdp, r, opts).unwrap();
    let got = table.value_iteration(&c.mdp, r, opts).unwrap();
    assert_eq!(bits(&got.values), bits(&want.values), "{what}");
    assert_eq!(got.iterations, want.iterations, "{what}");
    assert_eq!(got.policy, want.policy, "{what}");
    assert_eq!(
        got.start_value.to_bits(),
        want.start_value.to_bits(),
        "{what}"
    );
    assert_eq!(got.residual.to_bits(), want.residual.to_bits(), "{what}");
}

#[test]
fn slippery_grid_value_iteration_equals_the_sparse_solvers() {
    for (n, lava, seed) in [(7, 0.2, 0), (50, 0.1, 1), (120, 0.15, 2)] {
        let (_, c) = grid(n, lava, seed);
        for objective in [c.mdp.proxy(), c.mdp.true_objective()] {
            let r = c.mdp.rewards(objective);
            let table = StencilTable::from_compiled(&c, &r, &ALWAYS).unwrap();
            // Pmax=? [F goal] (Storm's rule) and a discounted return.
            for opts in [
                DiscountedOptions {
                    discount: 1.0,
                    epsilon: 1e-6,
                    relative: true,
                    max_iterations: 1_000_000,
                },
                DiscountedOptions::default(),
            ] {
                check_value_iteration(&c, &r, &table, &opts, &format!("{n}"));
            }
            let auto = value_iteration_stencil(&c, &r, &DiscountedOptions::default()).unwrap();
            let want = value_iteration(&c.mdp, &r, &DiscountedOptions::default()).unwrap();
            assert_eq!(auto, want);
        }
    }
}

/// Every catalog gridworld that compiles: the stencil table (forced, whether or not it pays)
/// reproduces the sparse solver; and the default options decline or convert cleanly.
#[test]
fn catalog_value_iteration_equals_the_sparse_solvers() {
    let copts = CompileOptions {
        max_states: 100_000,
        max_transitions: 2_000_000,
        max_depth: None,
    };
    let opts = DiscountedOptions::default();
    let mut checked = 0;
    for (name, variant) in catalog::all_ids().unwrap() {
        let id = format!("{name}:{variant}");
        let s = catalog::load(&id, &[]).unwrap();
        let c = match compile(&*s, &copts) {
            Ok(c) => c,
            Err(Error::Limit(_)) => continue,
            Err(e) => panic!("{id}: {e}"),
        };
        for objective in [c.mdp.proxy(), c.mdp.true_objective()] {
            let r = c.mdp.rewards(objective);
            let table = StencilTable::from_compiled(&c, &r, &ALWAYS).unwrap();
            check_sweeps(&c, &r, &table, &id);
            // Some scenarios never stop under some policy and γ = 0.99 takes long: a few
            // hundred sweeps are enough to compare iterates.
            match value_iteration(&c.mdp, &r, &opts) {
                Ok(_) => check_value_iteration(&c, &r, &table, &opts, &id),
                Err(e) => panic!("{id}: {e}"),
            }
            match StencilTable::from_compiled(&c, &r, &StencilOptions::default()) {
                Ok(t) => check_value_iteration(&c, &r, &t, &opts, &id),
                Err(
                    StencilDeclined::ShortBlocks { .. } | StencilDeclined::TooManyPatterns { .. },
                ) => {}
                Err(e) => panic!("{id}: {e}"),
            }
            let auto = value_iteration_stencil(&c, &r, &opts).unwrap();
            assert_eq!(auto, value_iteration(&c.mdp, &r, &opts).unwrap(), "{id}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} scenarios compiled");
}

#[test]
fn declines_when_patterns_do_not_repeat() {
    let t = Table::random(3, 500, 3, 3, 0.1);
    let c = compile(&t, &CompileOptions::default()).unwrap();
    let r = c.mdp.rewards(c.mdp.proxy());
    let e = StencilTable::from_compiled(&c, &r, &StencilOptions::default()).unwrap_err();
    assert!(
        matches!(e, StencilDeclined::TooManyPatterns { limit: 4096 })
            || matches!(e, StencilDeclined::ShortBlocks { .. }),
        "{e}"
    );
    let e = StencilTable::from_compiled(
        &c,
        &r,
        &StencilOptions {
            max_patterns: 10,
            min_block: 0.0,
        },
    )
    .unwrap_err();
    assert_eq!(e, StencilDeclined::TooManyPatterns { limit: 10 });
    assert!(e.to_string().contains("more than 10 distinct patterns"));
    let e = StencilTable::from_compiled(
        &c,
        &r,
        &StencilOptions {
            max_patterns: usize::MAX,
            min_block: 2.0,
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, StencilDeclined::ShortBlocks { limit: 2.0, .. }),
        "{e}"
    );
    // The solver falls back on the sparse table.
    let opts = DiscountedOptions::default();
    assert_eq!(
        value_iteration_stencil(&c, &r, &opts).unwrap(),
        value_iteration(&c.mdp, &r, &opts).unwrap()
    );
}

#[test]
fn a_depth_limited_table_is_refused_like_the_sparse_solvers_do() {
    let (g, _) = grid(10, 0.1, 0);
    let c = compile(
        &g,
        &CompileOptions {
            max_depth: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    let r = c.mdp.rewards(c.mdp.proxy());
    let opts = DiscountedOptions::default();
    assert!(matches!(
        value_iteration_stencil(&c, &r, &opts),
        Err(Error::State(_))
    ));
    let table = StencilTable::from_compiled(&c, &r, &ALWAYS).unwrap();
    assert!(matches!(
        table.value_iteration(&c.mdp, &r, &opts),
        Err(Error::State(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random models, any numbering of the states: the default options convert or decline
    /// cleanly; forced, the sweep and value iteration equal the sparse table's bit for bit.
    #[test]
    fn random_models_convert_or_decline_and_agree(
        seed in any::<u64>(),
        states in 1usize..80,
        actions in 1usize..5,
        fanout in 1usize..12,
        terminal in 0.0f64..0.3,
        discount in 0.5f64..0.99,
        shuffle in any::<bool>(),
    ) {
        let t = Table::random(seed, states, actions, fanout, terminal);
        let c = compile(&t, &CompileOptions::default()).unwrap();
        let n = c.mdp.num_states();
        for r in [c.mdp.rewards(c.mdp.proxy()), c.mdp.rewards(c.mdp.true_objective())] {
            match StencilTable::from_compiled(&c, &r, &StencilOptions::default()) {
                Ok(table) => check_sweeps(&c, &r, &table, "default"),
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            let table = if shuffle {
                // Any permutation (by a hash of the index).
                let mut order: Vec<u32> = (0..n as u32).collect();
                order.sort_by_key(|&s| goodhart_core::seed::derive(seed, &[s as u64]));
                StencilTable::new(&c.mdp, &r, order, &ALWAYS).unwrap()
            } else {
                StencilTable::from_compiled(&c, &r, &ALWAYS).unwrap()
            };
            check_sweeps(&c, &r, &table, "forced");
            let opts = DiscountedOptions { discount, epsilon: 1e-8, ..Default::default() };
            check_value_iteration(&c, &r, &table, &opts, "forced");
            prop_assert_eq!(table.num_states(), n);
            prop_assert!(table.num_live() <= n);
        }
        prop_assert_eq!(t.num_actions(), c.mdp.num_actions());
    }
}
