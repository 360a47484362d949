//! Bad input gives clear errors, never a panic.

use goodhart_core::Error;
use goodhart_mdp::{
    CompileOptions, DiscountedOptions, Uniform, backward_induction, compile, evaluate_discounted,
    value_iteration,
};

use crate::util::{Table, det};

fn looping() -> Table {
    Table::new(
        1,
        10,
        vec![(0, 1.0)],
        vec![vec![det(1, 1.0, 1.0)], vec![det(0, 1.0, 1.0)]],
    )
}

#[test]
fn too_many_states_is_a_limit_error() {
    let opts = CompileOptions {
        max_states: 1,
        ..Default::default()
    };
    let e = compile(&looping(), &opts).unwrap_err();
    assert!(matches!(e, Error::Limit(_)), "{e:?}");
    assert!(e.to_string().contains("--max-states"), "{e}");
    let opts = CompileOptions {
        max_transitions: 1,
        ..Default::default()
    };
    assert!(matches!(compile(&looping(), &opts), Err(Error::Limit(_))));
}

#[test]
fn bad_discount_and_horizon_are_invalid_values() {
    let c = compile(&looping(), &CompileOptions::default()).unwrap();
    let r = c.mdp.rewards(c.mdp.proxy());
    assert!(matches!(
        backward_induction(&c.mdp, &r, 0, 1.0, false),
        Err(Error::InvalidValue { .. })
    ));
    for g in [0.0, -0.5, 1.5, f64::NAN] {
        let e = backward_induction(&c.mdp, &r, 5, g, false).unwrap_err();
        assert!(matches!(e, Error::InvalidValue { .. }), "{g}: {e:?}");
        let opts = DiscountedOptions {
            discount: g,
            ..Default::default()
        };
        assert!(matches!(
            value_iteration(&c.mdp, &r, &opts),
            Err(Error::InvalidValue { .. })
        ));
    }
    let mut zero = Table::new(1, 0, vec![(0, 1.0)], vec![vec![det(0, 0.0, 0.0)]]);
    assert!(matches!(
        compile(&zero, &CompileOptions::default()),
        Err(Error::InvalidValue { .. })
    ));
    zero.horizon = 1;
    zero.actions = 0;
    assert!(matches!(
        compile(&zero, &CompileOptions::default()),
        Err(Error::InvalidValue { .. })
    ));
}

#[test]
fn non_convergence_is_a_numeric_error() {
    // Undiscounted, never ending, reward 1 per step: values grow without bound.
    let c = compile(&looping(), &CompileOptions::default()).unwrap();
    let r = c.mdp.rewards(c.mdp.proxy());
    let opts = DiscountedOptions {
        discount: 1.0,
        max_iterations: 1000,
        ..Default::default()
    };
    let e = value_iteration(&c.mdp, &r, &opts).unwrap_err();
    assert!(matches!(e, Error::Numeric(_)), "{e:?}");
    assert!(e.to_string().contains("did not converge"), "{e}");
    assert!(matches!(
        evaluate_discounted(&c.mdp, &r, &Uniform, &opts),
        Err(Error::Numeric(_))
    ));
}

#[test]
fn probabilities_must_sum_to_one() {
    let t = Table::new(
        1,
        5,
        vec![(0, 1.0)],
        vec![vec![vec![(0, 0.5, (0.0, 0.0), false)]]],
    );
    let e = compile(&t, &CompileOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Numeric(_)), "{e:?}");
    let t = Table::new(
        1,
        5,
        vec![(0, 1.0)],
        vec![vec![vec![(0, 1.5, (0.0, 0.0), false)]]],
    );
    assert!(compile(&t, &CompileOptions::default()).is_err());
    let t = Table::new(1, 5, vec![(0, 0.5)], vec![vec![det(0, 0.0, 0.0)]]);
    assert!(matches!(
        compile(&t, &CompileOptions::default()),
        Err(Error::Numeric(_))
    ));
}

#[test]
fn a_depth_limited_table_serves_only_short_horizons() {
    // A chain 0 -> 1 -> 2 -> ...: with max_depth 3, states 3 steps away are not expanded.
    let rows = (0..10).map(|s| vec![det((s + 1) % 10, 1.0, 1.0)]).collect();
    let t = Table::new(1, 10, vec![(0, 1.0)], rows);
    let opts = CompileOptions {
        max_depth: Some(3),
        ..Default::default()
    };
    let c = compile(&t, &opts).unwrap();
    assert_eq!(c.mdp.num_states(), 4);
    assert_eq!(c.mdp.depth_limit(), Some(3));
    let r = c.mdp.rewards(c.mdp.proxy());
    assert_eq!(
        backward_induction(&c.mdp, &r, 3, 1.0, false)
            .unwrap()
            .start_value,
        3.0
    );
    assert!(matches!(
        backward_induction(&c.mdp, &r, 4, 1.0, false),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        value_iteration(&c.mdp, &r, &DiscountedOptions::default()),
        Err(Error::State(_))
    ));
    // Deep enough: the whole model, no limit recorded.
    let c = compile(
        &t,
        &CompileOptions {
            max_depth: Some(50),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((c.mdp.num_states(), c.mdp.depth_limit()), (10, None));
}
