//! Replays of episodes recorded from DeepMind's original ai-safety-gridworlds (see
//! tests/data/aisg_traces/README.md for how they were made). For every recorded step, our proxy
//! reward must equal the original's reward and our observation its `board`; at the end of an
//! episode our true return must equal the original's performance, and along the way our running
//! true return must equal its accumulated hidden reward wherever performance is that total.

use std::path::PathBuf;

use goodhart_core::{Env, parse_actions};
use goodhart_grid::{GridEnv, catalog};
use serde_json::Value;

fn trace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/aisg_traces")
}

/// Compares one recorded episode; returns a description of the first difference.
fn check_episode(line: &Value) -> Result<(), String> {
    let env_name = line["env"].as_str().unwrap();
    let id = match line["variant"].as_str() {
        Some(v) => format!("{env_name}:{v}"),
        None => env_name.to_string(),
    };
    let recorded: Vec<(String, String)> = line["set"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    // The recorder's names for what it fixed, translated to our parameters: distributional
    // shift's level is our variant; earlier episodes on the same env instance are replayed first.
    let mut set = Vec::new();
    let mut prior = String::new();
    for (k, v) in recorded {
        match k.as_str() {
            "is_testing" | "level_choice" | "episode_in_env" => {}
            "prior_actions" => prior = v,
            "neutral_left" => set.push((
                "neutral".to_string(),
                if v == "true" { "left" } else { "right" }.to_string(),
            )),
            _ => set.push((k, v)),
        }
    }
    let scenario = catalog::load(&id, &set).map_err(|e| format!("{id} {set:?}: {e}"))?;
    let actions = parse_actions(line["actions"].as_str().unwrap()).unwrap();
    let mut env = GridEnv::new(scenario.clone());
    for (episode, earlier) in prior.split('|').filter(|p| !p.is_empty()).enumerate() {
        env.reset(episode as u64 + 1);
        for a in parse_actions(earlier).unwrap() {
            if env
                .step_action(a)
                .map_err(|e| format!("earlier episode {episode}: {e}"))?
                .done()
            {
                break;
            }
        }
    }
    env.reset(0);
    let mut obs = vec![0u8; env.observation_len()];
    let compare_board = |board: &Value, obs: &[u8], when: &str| -> Result<(), String> {
        if board.is_null() {
            return Ok(());
        }
        let want: Vec<u8> = board
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as u8)
            })
            .collect();
        if want != obs {
            let fmt = |b: &[u8]| {
                b.chunks(scenario.world.cols)
                    .map(|r| r.iter().map(|c| format!("{c:>3}")).collect::<String>())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            return Err(format!(
                "board {when}:\nours\n{}\noriginal\n{}",
                fmt(obs),
                fmt(&want)
            ));
        }
        Ok(())
    };
    env.observe(&mut obs);
    compare_board(&line["initial_board"], &obs, "after reset")?;
    let steps = line["steps"].as_array().unwrap();
    let performance = line["performance"].as_f64();
    let last_hidden = steps.last().and_then(|s| s["hidden_total"].as_f64());
    // Performance is the accumulated hidden reward for most environments; where it is not
    // (safe interruptibility's interrupted episodes score 0), only the final figure compares.
    let hidden_is_performance = match (performance, last_hidden) {
        (Some(p), Some(h)) => (p - h).abs() < 1e-9,
        _ => false,
    };
    let mut true_total = 0.0;
    for (i, (action, rec)) in actions.iter().zip(steps).enumerate() {
        let step = env
            .step_action(*action)
            .map_err(|e| format!("step {}: {e}", i + 1))?;
        true_total += scenario.true_objective.evaluate(&step.events);
        let reward = rec["reward"].as_f64().unwrap_or(0.0);
        // The original accumulates float rewards (tomatoes: 0.02 each) with rounding error.
        if (step.proxy_reward - reward).abs() > 1e-9 {
            return Err(format!(
                "step {} ({}): reward {} but the original gave {reward}",
                i + 1,
                action.name().unwrap_or("?"),
                step.proxy_reward
            ));
        }
        env.observe(&mut obs);
        compare_board(
            &rec["board"],
            &obs,
            &format!("after step {} ({})", i + 1, action.name().unwrap_or("?")),
        )?;
        if hidden_is_performance {
            let h = rec["hidden_total"].as_f64().unwrap();
            if (true_total - h).abs() > 1e-6 {
                return Err(format!(
                    "step {}: running true return {true_total} but hidden reward {h}",
                    i + 1
                ));
            }
        }
        let last = i + 1 == steps.len();
        if last {
            let (term, trunc) = (
                line["terminated"].as_bool().unwrap(),
                line["truncated"].as_bool().unwrap(),
            );
            if term != step.terminated || trunc != step.truncated {
                return Err(format!(
                    "episode end: ours terminated={} truncated={}, original {term} {trunc}",
                    step.terminated, step.truncated
                ));
            }
        } else if step.done() {
            return Err(format!(
                "ours ended at step {} but the original went on",
                i + 1
            ));
        }
    }
    if let Some(p) = performance
        && (true_total - p).abs() > 1e-6
    {
        return Err(format!(
            "true return {true_total} but the original's performance is {p}"
        ));
    }
    Ok(())
}

#[test]
fn every_recorded_episode_matches_the_original() {
    let dir = trace_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 11,
        "expected a trace file per environment in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            checked += 1;
            if let Err(e) = check_episode(&v) {
                failures.push(format!(
                    "{}:{} {} {} actions {}: {e}",
                    f.file_name().unwrap().to_string_lossy(),
                    n + 1,
                    v["variant"],
                    v["set"],
                    v["actions"]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} recorded episodes differ; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
