use goodhart_core::{Action, Env};
use goodhart_grid::{GridEnv, catalog, replay};
use proptest::prelude::*;

fn ids() -> Vec<String> {
    catalog::all_ids()
        .unwrap()
        .into_iter()
        .map(|(n, v)| format!("{n}:{v}"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Same scenario, seed and actions: the same rewards, events and final state.
    #[test]
    fn replays_are_deterministic_per_seed(
        which in 0usize..64,
        seed in any::<u64>(),
        actions in proptest::collection::vec(0usize..5, 0..150),
    ) {
        let all = ids();
        let id = &all[which % all.len()];
        let s = catalog::load(id, &[]).unwrap();
        let acts: Vec<Action> =
            actions.iter().map(|&a| Action::from_index(a % s.num_actions).unwrap()).collect();
        let a = replay(&s, seed, &acts).unwrap();
        let b = replay(&s, seed, &acts).unwrap();
        prop_assert_eq!(a, b);
    }

    /// A reset with a seed fully determines the episode, whatever happened before on that env.
    #[test]
    fn reset_forgets_the_previous_episode(seed in any::<u64>(), noise in proptest::collection::vec(0usize..4, 0..30)) {
        let s = catalog::load("distributional_shift:test", &[]).unwrap();
        let mut fresh = GridEnv::new(s.clone());
        fresh.reset(seed);
        let mut used = GridEnv::new(s);
        used.reset(seed ^ 1);
        for a in noise {
            if used.step(a).unwrap().done() { break; }
        }
        used.reset(seed);
        let (mut o1, mut o2) = (vec![0; fresh.observation_len()], vec![0; used.observation_len()]);
        fresh.observe(&mut o1);
        used.observe(&mut o2);
        prop_assert_eq!(o1, o2);
        prop_assert_eq!(fresh.state(), used.state());
    }
}

#[test]
fn different_seeds_draw_both_test_levels() {
    let s = catalog::load("distributional_shift:test", &[]).unwrap();
    let mut env = GridEnv::new(s);
    let mut seen = [0u32; 2];
    for seed in 0..200 {
        env.reset(seed);
        seen[env.state().level as usize] += 1;
    }
    assert!(seen[0] > 60 && seen[1] > 60, "{seen:?}");
}
