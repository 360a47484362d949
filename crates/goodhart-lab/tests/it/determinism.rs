//! Results do not depend on the thread count (explicit rayon pools of 1 and 2 threads).

use super::{comparable, run_into, temp_dir};

#[test]
fn one_and_two_threads_store_identical_outcome_rows() {
    let dir = temp_dir("threads");
    let spec = super::SMALL.replace("seeds = 2", "seeds = 3");
    let one = run_into(&spec, &dir.join("one.db"), Some(1));
    let two = run_into(&spec, &dir.join("two.db"), Some(2));
    assert_eq!(one.len(), 2 * (1 + 3));
    let a: Vec<_> = one.iter().map(comparable).collect();
    let b: Vec<_> = two.iter().map(comparable).collect();
    assert_eq!(a, b);
    // Different seeds really differ (the streams are not all the same).
    let randoms: Vec<f64> = one
        .iter()
        .filter(|r| r.optimizer == "random" && r.scenario == "boat_race")
        .map(|r| r.outcome.as_ref().unwrap().true_return)
        .collect();
    assert_eq!(randoms.len(), 3);
    assert!(randoms[0] != randoms[1] || randoms[1] != randoms[2]);
    let _ = std::fs::remove_dir_all(&dir);
}
