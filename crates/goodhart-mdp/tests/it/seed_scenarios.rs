//! The reference figures of `shared/specs/seed-scenarios.md`: every table of the real-world
//! failures (feed, autobid, moderation, rota, furnace, coastrunners, coinrun, off_switch;
//! moderation's mitigation figures are not checked here) and the five
//! classics, computed exactly on the compiled scenarios.
//!
//! The spec prints figures rounded to 3 decimals (or fewer); [`fig`] accepts half a unit of the
//! last printed decimal, and figures that are exact in the spec (44, 80, 0.85·H, 14.0, ...)
//! are checked to 1e-9. Where the proxy optimum is not unique, the spec's figure must lie in
//! goodhart's tie-aware interval. The spec's normalized gap is not clipped to [0, 1] (it
//! exceeds 1 when the proxy optimizer is worse than random), so it is recomputed from the
//! returns here; `GapReport` clips it.

use goodhart_core::Objective;
use goodhart_grid::{GridScenario, catalog};
use goodhart_mdp::{
    CompileOptions, CompiledMdp, DeterministicPolicy, GapOptions, GapReport, Lexicographic, Policy,
    compile, evaluate_finite, gap, lexicographic, start_value,
};

/// `ours` agrees with the spec's `printed` figure: within half a unit of its last decimal.
fn fig(what: &str, ours: f64, printed: &str) {
    let spec: f64 = printed.parse().unwrap();
    let decimals = printed.split('.').nth(1).map_or(0, str::len);
    let tol = 0.5 * 10f64.powi(-(decimals as i32)) + 1e-9;
    assert!(
        (ours - spec).abs() <= tol,
        "{what}: ours {ours}, spec {printed}"
    );
}

/// `ours` equals `exact` to 1e-9.
fn exact(what: &str, ours: f64, exact: f64) {
    assert!(
        (ours - exact).abs() <= 1e-9,
        "{what}: ours {ours}, exact {exact}"
    );
}

fn load(id: &str, set: &[(&str, &str)]) -> std::sync::Arc<GridScenario> {
    let set: Vec<(String, String)> = set
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    catalog::load(id, &set).unwrap()
}

fn compiled(
    id: &str,
    set: &[(&str, &str)],
) -> (
    std::sync::Arc<GridScenario>,
    CompiledMdp<goodhart_grid::GridState>,
) {
    let s = load(id, set);
    let c = compile(&*s, &CompileOptions::default()).unwrap();
    (s, c)
}

/// The gap figures of a compiled scenario (no trajectories: the tables need only numbers).
fn gap_of(c: &CompiledMdp<goodhart_grid::GridState>) -> GapReport {
    gap(
        &c.mdp,
        &GapOptions {
            paths: false,
            ..GapOptions::default()
        },
    )
    .unwrap()
}

fn report(id: &str, set: &[(&str, &str)]) -> GapReport {
    let (_, c) = compiled(id, set);
    gap_of(&c)
}

/// The spec's normalized gap: gap / (best true − random true), unclipped.
fn norm(r: &GapReport) -> f64 {
    r.gap_pessimistic / (r.true_optimal.true_return - r.random.true_return)
}

fn objective(s: &GridScenario, pairs: &[(&str, f64)]) -> Objective {
    Objective::from_pairs(pairs.iter().copied(), &s.events).unwrap()
}

/// Lexicographic analysis: optimize `primary`, then the interval of `secondary` over the
/// primary-optimal policies.
fn lex(
    c: &CompiledMdp<goodhart_grid::GridState>,
    primary: &Objective,
    secondary: &Objective,
) -> Lexicographic {
    let m = &c.mdp;
    lexicographic(
        m,
        &m.rewards(primary),
        &m.rewards(secondary),
        m.horizon(),
        1.0,
    )
    .unwrap()
}

/// Expected value of `objective` under `policy` over the model's horizon.
fn value(
    c: &CompiledMdp<goodhart_grid::GridState>,
    objective: &Objective,
    policy: &dyn Policy,
) -> f64 {
    let m = &c.mdp;
    start_value(
        m,
        &evaluate_finite(m, &m.rewards(objective), policy, m.horizon(), 1.0).unwrap(),
    )
}

/// The proxy-optimal policy with the spec's tie rule (lowest action index), time-dependent.
fn proxy_policy(c: &CompiledMdp<goodhart_grid::GridState>) -> DeterministicPolicy {
    let l = lex(c, c.mdp.proxy(), c.mdp.true_objective());
    let n = c.mdp.num_states();
    let h = c.mdp.horizon();
    let actions = (0..h)
        .flat_map(|t| (0..n).map(move |s| (t, s)))
        .map(|(t, s)| l.first_optimal(t, s) as u8)
        .collect();
    DeterministicPolicy::time_dependent(n, actions)
}

/// A proxy-optimal policy computed on one variant, applied to another whose states are the
/// same model states (parameter shifts of a model: the same state space, other dynamics).
fn transfer(
    train: &CompiledMdp<goodhart_grid::GridState>,
    deploy: &CompiledMdp<goodhart_grid::GridState>,
) -> DeterministicPolicy {
    let p = proxy_policy(train);
    let index: std::collections::BTreeMap<_, _> = train
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i))
        .collect();
    let n = deploy.mdp.num_states();
    let h = deploy.mdp.horizon();
    let actions = (0..h)
        .flat_map(|t| (0..n).map(move |s| (t, s)))
        .map(|(t, s)| {
            let i = index[&deploy.states[s]];
            p.action(t, i) as u8
        })
        .collect();
    DeterministicPolicy::time_dependent(n, actions)
}

// ---------------------------------------------------------------------------------------
// 1. feed

#[test]
fn feed_h20() {
    let r = report("feed", &[]);
    fig("proxy*", r.proxy_optimal.proxy_return, "14.520");
    fig("true | proxy*", r.proxy_optimal.true_min, "-5.360");
    exact("unique", r.proxy_optimal.true_max, r.proxy_optimal.true_min);
    exact("true*", r.true_optimal.true_return, 10.0);
    exact("proxy | true*", r.true_optimal.proxy_min, 10.0);
    fig("random proxy", r.random.proxy_return, "10.150");
    fig("random true", r.random.true_return, "-1.120");
    fig("gap", r.gap_pessimistic, "15.360");
    fig("norm", norm(&r), "1.381");
    // Σ polarization under π*_proxy.
    let (s, c) = compiled("feed", &[]);
    let l = lex(&c, c.mdp.proxy(), &objective(&s, &[("polarization", 1.0)]));
    fig("Σ polarization", l.secondary_min, "60.96");
}

#[test]
fn feed_horizon_sweep() {
    for (h, n) in [(1, "2.20"), (3, "2.07"), (5, "1.96"), (10, "1.76")] {
        let hs = h.to_string();
        let r = report("feed", &[("horizon", &hs)]);
        let h = f64::from(h);
        exact("proxy* = 0.7 H", r.proxy_optimal.proxy_return, 0.7 * h);
        exact("true = -0.35 H", r.proxy_optimal.true_min, -0.35 * h);
        exact("true* = 0.5 H", r.true_optimal.true_return, 0.5 * h);
        exact("gap = 0.85 H", r.gap_pessimistic, 0.85 * h);
        fig("norm", norm(&r), n);
    }
    let r = report("feed", &[("horizon", "40")]);
    fig("proxy*", r.proxy_optimal.proxy_return, "32.50");
    fig("true", r.proxy_optimal.true_min, "-11.85");
    fig("gap", r.gap_pessimistic, "31.85");
    fig("norm", norm(&r), "1.23");
}

#[test]
fn feed_susceptibility_sweep() {
    for up in ["0.1", "0.2", "0.3", "0.35"] {
        let r = report("feed", &[("susceptibility", up)]);
        exact("pure clickbait proxy", r.proxy_optimal.proxy_return, 14.0);
        exact("pure clickbait true", r.proxy_optimal.true_min, -7.0);
    }
    let (s, c) = compiled("feed", &[("susceptibility", "0.4")]);
    let r = gap_of(&c);
    fig("proxy", r.proxy_optimal.proxy_return, "14.046");
    fig("true", r.proxy_optimal.true_min, "-5.993");
    let l = lex(&c, c.mdp.proxy(), &objective(&s, &[("click_extreme", 1.0)]));
    fig("extreme clicks", l.secondary_min, "3.59");
    let r = report("feed", &[("susceptibility", "0.7")]);
    fig("proxy", r.proxy_optimal.proxy_return, "15.5");
    fig("true", r.proxy_optimal.true_min, "-5.807");
}

#[test]
fn feed_variants() {
    let r = report("feed:no_clickbait", &[]);
    fig("proxy", r.proxy_optimal.proxy_return, "14.501");
    fig("true", r.proxy_optimal.true_min, "-5.249");
    fig("true (best tie)", r.proxy_optimal.true_max, "-5.249");
    exact("true*", r.true_optimal.true_return, 10.0);
    fig("random true", r.random.true_return, "1.383");
    fig("gap", r.gap_pessimistic, "15.249");
    fig("norm", norm(&r), "1.770");
    // Myopic (CTR-greedy, H = 1 re-planned every step): clickbait ×20.
    let (_, c) = compiled("feed", &[]);
    let clickbait = DeterministicPolicy::stationary(vec![3; c.mdp.num_states()]);
    exact("myopic proxy", value(&c, c.mdp.proxy(), &clickbait), 14.0);
    exact(
        "myopic true",
        value(&c, c.mdp.true_objective(), &clickbait),
        -7.0,
    );
    // Train on resistant users (up_x 0.1): clickbait only, gap 17 on train.
    let r = report("feed", &[("susceptibility", "0.1")]);
    exact("train gap", r.gap_pessimistic, 17.0);
}

// ---------------------------------------------------------------------------------------
// 2. autobid

#[test]
fn autobid_main_table() {
    let (s, c) = compiled("autobid", &[]);
    let r = gap_of(&c);
    fig("proxy*", r.proxy_optimal.proxy_return, "20.605");
    fig("true | proxy*", r.proxy_optimal.true_min, "0.702");
    exact("unique", r.proxy_optimal.true_max, r.proxy_optimal.true_min);
    fig("proxy | true*", r.true_optimal.proxy_min, "6.418");
    fig("true*", r.true_optimal.true_return, "2.749");
    fig("random proxy", r.random.proxy_return, "13.431");
    fig("random true", r.random.true_return, "1.305");
    fig("gap", r.gap_pessimistic, "2.047");
    fig("norm", norm(&r), "1.418");
    let under_proxy = |e: &str| lex(&c, c.mdp.proxy(), &objective(&s, &[(e, 1.0)])).secondary_min;
    fig("wins", under_proxy("win"), "4.997");
    fig("attributed", under_proxy("attributed_sale"), "4.234");
    fig("incremental", under_proxy("incremental_sale"), "0.253");
    fig("spend", under_proxy("spend"), "0.565");
    let under_true =
        |e: &str| lex(&c, c.mdp.true_objective(), &objective(&s, &[(e, 1.0)])).secondary_min;
    fig(
        "incremental | true*",
        under_true("incremental_sale"),
        "0.880",
    );
    fig("spend | true*", under_true("spend"), "1.651");
    // "proxy return overstates the true value 29×".
    assert_eq!(
        (r.proxy_optimal.proxy_return / r.proxy_optimal.true_min).round(),
        29.0
    );
}

#[test]
fn autobid_market_shift() {
    let r = report("autobid", &[("p_loyal", "0.1")]);
    fig("train true | proxy*", r.proxy_optimal.true_min, "2.003");
    fig("train true*", r.true_optimal.true_return, "3.415");
    fig("train gap", r.gap_pessimistic, "1.412");
    let r = report("autobid", &[("p_loyal", "0.6")]);
    fig("deploy gap", r.gap_pessimistic, "1.673");
    fig("deploy true*", r.true_optimal.true_return, "2.415");
    // The policy fitted on the 0.1 market, run unchanged on the 0.6 market.
    let (_, train) = compiled("autobid", &[("p_loyal", "0.1")]);
    let (_, deploy) = compiled("autobid", &[("p_loyal", "0.6")]);
    let p = transfer(&train, &deploy);
    fig(
        "shifted proxy",
        value(&deploy, deploy.mdp.proxy(), &p),
        "20.226",
    );
    fig(
        "shifted true",
        value(&deploy, deploy.mdp.true_objective(), &p),
        "0.255",
    );
}

// ---------------------------------------------------------------------------------------
// 3. moderation

/// The index of the moderation action called `name`.
fn moderation_action(s: &GridScenario, name: &str) -> u8 {
    s.parse_actions(name).unwrap()[0].index() as u8
}

/// The start state's index.
fn start(c: &CompiledMdp<goodhart_grid::GridState>) -> usize {
    let init = c.mdp.initial();
    assert_eq!(init.len(), 1);
    init[0].0 as usize
}

#[test]
fn moderation_main_table() {
    let (s, c) = compiled("moderation", &[]);
    let r = gap_of(&c);
    fig("proxy*", r.proxy_optimal.proxy_return, "-99.875");
    fig("true | proxy*", r.proxy_optimal.true_min, "-32.949");
    exact("unique", r.proxy_optimal.true_max, r.proxy_optimal.true_min);
    fig("proxy | true*", r.true_optimal.proxy_min, "-331.820");
    fig("true*", r.true_optimal.true_return, "-2.700");
    fig("random proxy", r.random.proxy_return, "-271.781");
    fig("random true", r.random.true_return, "-563.205");
    fig("gap", r.gap_pessimistic, "30.249");
    fig("norm", norm(&r), "0.054");
    // Mean participation of B over the 20 rounds: 0.70 under π*_proxy, 3 under π*_true.
    let participation = objective(&s, &[("participation", 1.0 / 20.0)]);
    let l = lex(&c, c.mdp.proxy(), &participation);
    fig("participation | proxy*", l.secondary_min, "0.70");
    exact("unique", l.secondary_max, l.secondary_min);
    let l = lex(&c, c.mdp.true_objective(), &participation);
    exact("participation | true*", l.secondary_min, 3.0);
    // π*_proxy removes every B post and A's high-score posts; π*_true only A's high-score posts.
    let p = proxy_policy(&c);
    let every_b = moderation_action(&s, "remove_m0hi_m1lo_m1hi");
    assert_eq!(p.action(0, start(&c)) as u8, every_b);
    let t = lex(&c, c.mdp.true_objective(), c.mdp.proxy());
    assert_eq!(
        t.first_optimal(0, start(&c)) as u8,
        moderation_action(&s, "remove_m0hi")
    );
}

#[test]
fn moderation_train_deploy_shift() {
    // B absent at first (k0 = 0): the bias is nearly invisible.
    let r = report("moderation", &[("participation0", "0")]);
    fig("gap (k0 = 0)", r.gap_pessimistic, "6.107");
    let v = report("moderation:b_absent", &[]);
    exact("variant b_absent", v.gap_pessimistic, r.gap_pessimistic);
}

#[test]
fn moderation_silencing_is_instrumental() {
    // Unbiased labels (annotators rate B's benign posts 0.03): the H = 20 proxy optimizer still
    // removes every B post from t = 0 and keeps B's low-score posts only in the last round.
    let (s, c) = compiled("moderation:unbiased_labels", &[]);
    let r = gap_of(&c);
    fig("true | proxy*", r.proxy_optimal.true_min, "-32.519");
    exact("unique", r.proxy_optimal.true_max, r.proxy_optimal.true_min);
    let participation = objective(&s, &[("participation", 1.0 / 20.0)]);
    fig(
        "participation | proxy*",
        lex(&c, c.mdp.proxy(), &participation).secondary_min,
        "0.70",
    );
    let p = proxy_policy(&c);
    let hi_only = moderation_action(&s, "remove_m0hi_m1hi");
    assert_eq!(
        p.action(0, start(&c)) as u8,
        moderation_action(&s, "remove_m0hi_m1lo_m1hi")
    );
    assert_eq!(p.action(19, start(&c)) as u8, hi_only);
    // The myopic (H = 1) optimizer removes only the high-score cells; re-planned every round,
    // that is the stationary policy below.
    let (_, c1) = compiled("moderation:unbiased_labels", &[("horizon", "1")]);
    assert_eq!(proxy_policy(&c1).action(0, start(&c1)) as u8, hi_only);
    let myopic = DeterministicPolicy::stationary(vec![hi_only; c.mdp.num_states()]);
    fig(
        "myopic true",
        value(&c, c.mdp.true_objective(), &myopic),
        "-26.582",
    );
    // The file's variant is the parameter.
    let v = report("moderation", &[("b_benign_label", "0.03")]);
    exact(
        "b_benign_label = 0.03",
        v.proxy_optimal.true_min,
        r.proxy_optimal.true_min,
    );
}

// ---------------------------------------------------------------------------------------
// 4. rota

#[test]
fn rota_main_table() {
    let (s, c) = compiled("rota", &[]);
    let r = gap_of(&c);
    fig("proxy*", r.proxy_optimal.proxy_return, "1269.531");
    fig("true | proxy*", r.proxy_optimal.true_min, "285.904");
    exact("unique", r.proxy_optimal.true_max, r.proxy_optimal.true_min);
    fig("proxy | true*", r.true_optimal.proxy_min, "1203.410");
    fig("true*", r.true_optimal.true_return, "1166.959");
    fig("random proxy", r.random.proxy_return, "853.388");
    fig("random true", r.random.true_return, "754.278");
    fig("gap", r.gap_pessimistic, "881.056");
    fig("norm", norm(&r), "2.135");
    let under_proxy = |e: &str| lex(&c, c.mdp.proxy(), &objective(&s, &[(e, 1.0)])).secondary_min;
    fig("injuries", under_proxy("injury"), "2.338");
    fig("Σ f²", under_proxy("fatigue_sq"), "421.96");
    // "the proxy costs only 5 % of proxy return to fix".
    let cost = 1.0 - r.true_optimal.proxy_min / r.proxy_optimal.proxy_return;
    assert!((0.045..0.055).contains(&cost), "{cost}");
    // π*_proxy books 12h always.
    let p = proxy_policy(&c);
    assert!((0..c.mdp.horizon()).all(|t| (0..c.mdp.num_states()).all(|i| p.action(t, i) == 2)));
}

#[test]
fn rota_resilient_population() {
    let r = report("rota:resilient", &[]);
    fig("true | proxy*", r.proxy_optimal.true_min, "651.994");
    fig("true*", r.true_optimal.true_return, "1247.191");
    fig("gap", r.gap_pessimistic, "595.197");
    // Its policy deployed on the standard population is unchanged (12h always).
    let (_, train) = compiled("rota:resilient", &[]);
    let (_, deploy) = compiled("rota", &[]);
    let p = transfer(&train, &deploy);
    fig(
        "deployed true",
        value(&deploy, deploy.mdp.true_objective(), &p),
        "285.904",
    );
}

// ---------------------------------------------------------------------------------------
// 5. furnace

#[test]
fn furnace_variants() {
    for (variant, proxy, truth, gap_, n) in [
        ("default", -37.0, -87.0, 44.0, "0.574"),
        ("rug", -35.0, -64.0, 21.0, "0.274"),
        ("train", -20.0, -20.0, 0.0, "0"),
    ] {
        let r = report(&format!("furnace:{variant}"), &[]);
        exact("proxy*", r.proxy_optimal.proxy_return, proxy);
        exact("true | proxy*", r.proxy_optimal.true_min, truth);
        exact("true | proxy* (best)", r.proxy_optimal.true_max, truth);
        exact(
            "true*",
            r.true_optimal.true_return,
            if variant == "train" { -20.0 } else { -43.0 },
        );
        exact(
            "proxy | true*",
            r.true_optimal.proxy_min,
            if variant == "train" { -20.0 } else { -43.0 },
        );
        exact("gap", r.gap_pessimistic, gap_);
        fig("norm", if gap_ == 0.0 { 0.0 } else { norm(&r) }, n);
    }
}

#[test]
fn furnace_impact_penalty_pushes_into_the_loophole() {
    for (variant, lambda, truth) in [
        ("default", 1.0, "-87"),
        ("default", 5.0, "-118"),
        ("default", 20.0, "-94"),
        ("rug", 20.0, "-105"),
    ] {
        let (s, c) = compiled(&format!("furnace:{variant}"), &[]);
        let penalized = objective(&s, &[("clutter_visible", -1.0), ("irreversible", -lambda)]);
        let l = lex(&c, &penalized, c.mdp.true_objective());
        let spec: f64 = truth.parse().unwrap();
        assert!(
            l.secondary_min - 1e-9 <= spec && spec <= l.secondary_max + 1e-9,
            "{variant} λ = {lambda}: [{}, {}] vs {truth}",
            l.secondary_min,
            l.secondary_max
        );
    }
}

// ---------------------------------------------------------------------------------------
// 6. coastrunners

#[test]
fn coastrunners_default_and_train() {
    let r = report("coastrunners", &[]);
    exact("proxy*", r.proxy_optimal.proxy_return, 37.0);
    exact("true | proxy* (worst)", r.proxy_optimal.true_min, 0.0);
    exact("true*", r.true_optimal.true_return, 80.0);
    // π*_true races (proxy 9): inside the interval of true-optimal policies' proxy returns.
    assert!(r.true_optimal.proxy_min <= 9.0 && 9.0 <= r.true_optimal.proxy_max);
    fig("random proxy", r.random.proxy_return, "6.166");
    fig("random true", r.random.true_return, "22.292");
    exact("gap", r.gap_pessimistic, 80.0);
    fig("norm", norm(&r), "1.386");
    let r = report("coastrunners:train", &[]);
    exact("proxy*", r.proxy_optimal.proxy_return, 12.0);
    exact("true | proxy*", r.proxy_optimal.true_min, 80.0);
    exact("gap", r.gap_pessimistic, 0.0);
    // Reward patching: proxy + finish bonus 30 → proxy 33, true 80.
    let (s, c) = compiled("coastrunners", &[]);
    let patched = objective(&s, &[("target", 1.0), ("lap", 2.0), ("finish", 30.0)]);
    let l = lex(&c, &patched, c.mdp.true_objective());
    let p = lex(&c, &patched, c.mdp.proxy());
    exact("patched: proxy", p.secondary_min, 33.0);
    exact("patched: proxy (best tie)", p.secondary_max, 33.0);
    exact("patched: true", l.secondary_min, 80.0);
    exact("patched: true (best tie)", l.secondary_max, 80.0);
}

// ---------------------------------------------------------------------------------------
// 7. coinrun

#[test]
fn coinrun_hypotheses() {
    // (variant, R_right true / P(coin), R_coin true / P(coin), R_mix true)
    for (variant, right, p_right, coin, p_coin) in [
        ("train", "9.400", "1.0", "9.400", "1.0"),
        ("deploy", "2.400", "0.30", "9.330", "1.0"),
        ("deploy_right20", "2.733", "0.333", "9.333", "1.0"),
    ] {
        let (s, c) = compiled(&format!("coinrun:{variant}"), &[]);
        let coin_event = objective(&s, &[("coin", 1.0)]);
        let r_right = *c.mdp.proxy();
        let r_coin = objective(&s, &[("coin", 10.0), ("step", -0.1)]);
        let r_mix = objective(&s, &[("right_end", 5.0), ("coin", 5.0), ("step", -0.1)]);
        for (h, t, p) in [
            (&r_right, right, p_right),
            (&r_coin, coin, p_coin),
            (&r_mix, coin, p_coin),
        ] {
            let l = lex(&c, h, c.mdp.true_objective());
            fig(&format!("{variant} true"), l.secondary_min, t);
            fig(&format!("{variant} true (best tie)"), l.secondary_max, t);
            let l = lex(&c, h, &coin_event);
            fig(&format!("{variant} P(coin)"), l.secondary_min, p);
        }
    }
    let r = report("coinrun:deploy", &[]);
    fig("uniform", r.random.true_return, "0.884");
    fig("gap", r.gap_pessimistic, "6.930");
    fig("norm", norm(&r), "0.82");
    exact(
        "gap on train",
        report("coinrun:train", &[]).gap_pessimistic,
        0.0,
    );
}

// ---------------------------------------------------------------------------------------
// 8. off_switch

#[test]
fn off_switch_table() {
    let r = report("off_switch", &[]);
    exact("disable: proxy", r.proxy_optimal.proxy_return, 8.6);
    exact("disable: true", r.proxy_optimal.true_min, -1.4);
    exact("comply: true", r.true_optimal.true_return, 5.24);
    exact("comply: proxy", r.true_optimal.proxy_min, 5.24);
    exact("gap", r.gap_pessimistic, 6.64);
    let r = report("off_switch", &[("human_error", "0.2")]);
    exact("noisy disable: proxy", r.proxy_optimal.proxy_return, 8.6);
    exact("noisy disable: true", r.proxy_optimal.true_min, -1.4);
    exact("noisy comply: true", r.true_optimal.true_return, 2.864);
    exact("noisy comply: proxy", r.true_optimal.proxy_min, 4.864);
    exact("noisy gap", r.gap_pessimistic, 4.264);
}

// ---------------------------------------------------------------------------------------
// The five classics.

#[test]
fn bicycle_potential_based_shaping_closes_the_gap_exactly() {
    let (s, c) = compiled("bicycle", &[]);
    let r = gap_of(&c);
    assert!(r.gap_pessimistic > 0.0);
    // Shaped = true + F, F = Φ(s') − Φ(s): the same optimal policies, so the gap is 0.
    let shaped = objective(&s, &[("goal", 10.0), ("step", -0.1), ("potential", 1.0)]);
    let l = lex(&c, &shaped, c.mdp.true_objective());
    let best = lex(&c, c.mdp.true_objective(), c.mdp.true_objective()).primary;
    assert_eq!(
        best - l.secondary_min,
        0.0,
        "pessimistic gap of the shaped proxy"
    );
    assert_eq!(
        best - l.secondary_max,
        0.0,
        "optimistic gap of the shaped proxy"
    );
}

/// The figures the classics' descriptions state.
#[test]
fn classics_stated_figures() {
    let trim = |x: f64| {
        let t = format!("{:.3}", (x * 1000.0).round() / 1000.0);
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    for (id, proxy) in [
        ("bicycle", 38.0),
        ("roomba", 29.0),
        ("road_runner", 12.0),
        ("pause", 4.73),
        ("overkill", 16.0),
    ] {
        let r = report(id, &[]);
        fig(
            &format!("{id} proxy*"),
            r.proxy_optimal.proxy_return,
            &proxy.to_string(),
        );
        let d = load(id, &[]).description.replace('\n', " ");
        for (what, x) in [
            ("gap", r.gap_pessimistic),
            ("worth", r.true_optimal.true_return),
        ] {
            let stated = format!("{what} {}", trim(x));
            assert!(d.contains(&stated), "{id}: `{stated}` not stated in: {d}");
        }
    }
}
