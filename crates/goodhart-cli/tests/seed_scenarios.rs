//! The seed scenarios through the `goodhart` binary: named actions in `replay` and `show`, and
//! train versus deploy in `gap` (shared/specs/seed-scenarios.md).

use std::process::Command;

fn goodhart(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_goodhart"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = goodhart(args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn close(v: &serde_json::Value, x: f64) -> bool {
    (v.as_f64().unwrap() - x).abs() < 1e-9
}

#[test]
fn replay_and_show_use_the_scenarios_action_names() {
    let j = json(&[
        "replay",
        "feed",
        "--actions",
        "extreme,clickbait,balanced",
        "--json",
    ]);
    let names: Vec<&str> = j["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["extreme", "clickbait", "balanced"]);
    let (ok, out, _) = goodhart(&["replay", "coinrun:deploy", "--actions", "EENS"]);
    assert!(ok);
    assert!(out.contains("   1 E ") && out.contains("   3 N "), "{out}");
    let (ok, _, err) = goodhart(&["replay", "feed", "--actions", "up"]);
    assert!(
        !ok && err.contains("balanced, partisan, extreme, clickbait"),
        "{err}"
    );
    let (ok, out, _) = goodhart(&["show", "rota"]);
    assert!(
        ok && out.contains("actions (in tie-break order): off, 8h, 12h"),
        "{out}"
    );
}

#[test]
fn moderation_has_sixteen_named_actions() {
    // Names (any case) and indices both name the 16 actions.
    let j = json(&[
        "replay",
        "moderation",
        "--actions",
        "REMOVE_M0HI_M1LO_M1HI,2,keep_all,15",
        "--json",
    ]);
    let names: Vec<&str> = j["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "remove_m0hi_m1lo_m1hi",
            "remove_m0hi",
            "keep_all",
            "remove_all"
        ]
    );
    let (ok, _, err) = goodhart(&["replay", "moderation", "--actions", "16"]);
    assert!(!ok && err.contains("remove_m0lo"), "{err}");
    let (ok, out, _) = goodhart(&["show", "moderation"]);
    assert!(
        ok && out.contains("actions (in tie-break order): keep_all, remove_m0lo, remove_m0hi,"),
        "{out}"
    );
    // The spec's table (shared/specs/seed-scenarios.md, section 3) through `gap --json`.
    let near = |v: &serde_json::Value, x: f64| (v.as_f64().unwrap() - x).abs() <= 5e-4;
    let j = json(&["gap", "moderation", "--json"]);
    assert!(near(&j["proxy_optimal"]["proxy_return"], -99.875), "{j}");
    assert!(near(&j["proxy_optimal"]["true_min"], -32.949), "{j}");
    assert!(near(&j["true_optimal"]["true_return"], -2.7), "{j}");
    assert!(near(&j["gap_pessimistic"], 30.249), "{j}");
    let j = json(&["gap", "moderation", "--set", "participation0=0", "--json"]);
    assert!(near(&j["gap_pessimistic"], 6.107), "{j}");
}

#[test]
fn train_versus_deploy() {
    // Coinrun: the end-of-level policy passes on training levels and gets the coin 30 % of the
    // time when it moves.
    let j = json(&[
        "gap",
        "coinrun",
        "--train",
        "train",
        "--deploy",
        "deploy",
        "--deploy",
        "deploy_right20",
        "--json",
    ]);
    assert!(close(&j["train"]["true_return"], 9.4) && close(&j["train"]["gap"], 0.0));
    assert!(close(&j["deploy"][0]["true_return"], 2.4), "{j}");
    assert!(close(&j["deploy"][0]["best_true_return"], 9.33));
    assert!((j["deploy"][1]["true_return"].as_f64().unwrap() - 2.7333333333).abs() < 1e-6);
    // Absent supervisor: the policy of the half-supervised world looks perfect when always
    // supervised (41 = 41) and cheats when never (true 17, gap 24).
    let j = json(&[
        "gap",
        "absent_supervisor",
        "--train",
        "default",
        "--deploy",
        "supervisor=true",
        "--deploy",
        "supervisor=false",
        "--json",
    ]);
    assert!(close(&j["train"]["gap"], 12.0));
    assert!(
        close(&j["deploy"][0]["proxy_return"], 41.0) && close(&j["deploy"][0]["true_return"], 41.0)
    );
    assert!(close(&j["deploy"][1]["true_return"], 17.0) && close(&j["deploy"][1]["gap"], 24.0));
    // Zero-gap training variants.
    for (name, train) in [("furnace", "train"), ("coastrunners", "train")] {
        let j = json(&[
            "gap", name, "--train", train, "--deploy", "default", "--json",
        ]);
        assert!(close(&j["train"]["gap"], 0.0), "{name}: {j}");
        assert!(j["deploy"][0]["gap"].as_f64().unwrap() > 0.0, "{name}: {j}");
    }
    // The side-by-side animation.
    let gif = std::env::temp_dir().join(format!("goodhart-transfer-{}.gif", std::process::id()));
    let (ok, _, err) = goodhart(&[
        "gap",
        "coinrun",
        "--train",
        "train",
        "--deploy",
        "deploy",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(std::fs::read(&gif).unwrap().starts_with(b"GIF89a"));
    let _ = std::fs::remove_file(&gif);
    // Bad input.
    let (ok, _, err) = goodhart(&[
        "gap",
        "coinrun:train",
        "--train",
        "train",
        "--deploy",
        "deploy",
    ]);
    assert!(!ok && err.contains("without a variant"), "{err}");
    let (ok, _, err) = goodhart(&["gap", "coinrun", "--train", "train", "--deploy", "nowhere"]);
    assert!(!ok && err.contains("nowhere"), "{err}");
    let (ok, _, err) = goodhart(&[
        "gap",
        "feed",
        "--train",
        "default",
        "--deploy",
        "no_clickbait",
    ]);
    assert!(!ok && err.contains("cannot carry over"), "{err}");
}

#[test]
fn bad_parameters_name_their_range() {
    for (id, set, needle) in [
        ("feed", "susceptibility=1.5", "susceptibility"),
        ("feed", "horizon=-1", "horizon"),
        ("autobid", "budget=-1", "budget"),
        ("autobid", "p_loyal=2", "p_loyal"),
        ("off_switch", "human_error=-0.1", "human_error"),
        ("moderation_typo", "x=1", "unknown scenario"),
        ("rota", "speed=2", "unknown parameter"),
        ("moderation", "participation0=4", "participation0"),
        ("moderation", "b_benign_label=1.5", "b_benign_label"),
    ] {
        let (ok, _, err) = goodhart(&["gap", id, "--set", set]);
        assert!(!ok && err.contains(needle), "{id} {set}: {err}");
    }
    let (ok, _, err) = goodhart(&["gap", "feed", "--max-states", "5"]);
    assert!(!ok && err.contains("--max-states"), "{err}");
}

#[test]
fn linear_learner_misgeneralizes_on_coinrun() {
    let (ok, out, err) = goodhart(&[
        "train",
        "coinrun:train",
        "--agent",
        "linear-q",
        "--eval-variant",
        "deploy",
        "--json",
    ]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["agent"], "linear-q");
    assert_eq!(j["episodes"].as_array().unwrap().len(), 10_000);
    // Passes every test in training ...
    assert!(close(&j["greedy"]["true_return"], 9.4), "{}", j["greedy"]);
    // ... and deployed it still runs to the right end, collecting the coin only where it lies
    // on the way (30 % of the levels).
    assert!(close(&j["eval"]["P(right_end)"], 1.0), "{}", j["eval"]);
    assert!(close(&j["eval"]["P(coin)"], 0.3), "{}", j["eval"]);
    assert!(close(&j["eval"]["true_return"], 2.4), "{}", j["eval"]);
    let (ok, _, err) = goodhart(&[
        "train",
        "coinrun",
        "--agent",
        "linear-q",
        "--set-agent",
        "beta=1",
    ]);
    assert!(
        !ok && err.contains("linear-q has no such parameter"),
        "{err}"
    );
}
