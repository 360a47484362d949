//! `kill -9` in the middle of a sweep loses no finished run and leaves no half-written one: the
//! resumed store equals the store of an uninterrupted run (same rows, no duplicates).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SPEC: &str = r#"
name = "crash"
seed = 5
scenarios = ["island_navigation", "whisky_gold", "distributional_shift:train"]
seeds = 10
record = ["outcome"]
[[optimizers]]
name = "random"
episodes = 3000
"#;

fn goodhart() -> Command {
    Command::new(env!("CARGO_BIN_EXE_goodhart"))
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("goodhart-cli-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, store: &str, threads: &str) -> std::process::Output {
    let out = goodhart()
        .current_dir(dir)
        .args(["run", "spec.toml", "--store", store, "--threads", threads])
        .args(["--progress", "quiet", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The exported rows, sorted, without the columns that differ between executions (timings).
fn rows(dir: &Path, store: &str) -> Vec<String> {
    let csv = format!("{store}.csv");
    let out = goodhart()
        .current_dir(dir)
        .args([
            "export-results",
            "--store",
            store,
            "--format",
            "csv",
            "--out",
            &csv,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join(&csv)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !["seconds", "started", "finished"].contains(&header[i]))
        .collect();
    let mut rows: Vec<String> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",")
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn sigkill_mid_sweep_then_resume_equals_an_uninterrupted_run() {
    let dir = temp_dir();
    std::fs::write(dir.join("spec.toml"), SPEC).unwrap();
    run(&dir, "full.db", "2");
    let full = rows(&dir, "full.db");
    assert_eq!(full.len(), 30);

    // Kill the sweep once a few runs are committed (a progress line follows each commit).
    let mut child = goodhart()
        .current_dir(&dir)
        .args(["run", "spec.toml", "--store", "killed.db", "--threads", "1"])
        .args(["--progress", "lines"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut committed = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.starts_with('[') {
            committed += 1;
        }
        if committed == 4 {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "the sweep ended before it was killed");

    let partial = rows(&dir, "killed.db");
    assert!(
        partial.len() >= 4 && partial.len() < 30,
        "{} rows",
        partial.len()
    );
    assert!(
        partial.iter().all(|r| full.contains(r)),
        "a stored run differs"
    );

    // Resume: only the missing runs run.
    let out = run(&dir, "killed.db", "2");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["skipped"].as_u64().unwrap() as usize, partial.len());
    assert_eq!(summary["failed"], 0);
    let resumed = rows(&dir, "killed.db");
    assert_eq!(resumed, full);
    let mut ids: Vec<&str> = resumed
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 30, "duplicate runs");
    let _ = std::fs::remove_dir_all(&dir);
}
