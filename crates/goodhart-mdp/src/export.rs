//! Exports of a compiled table, so PRISM, Storm or a script can check our numbers.
//!
//! # PRISM explicit format ([`write_prism`])
//! Files `model.tra`, `model.lab`, and per objective `proxy.trew`/`proxy.srew`,
//! `true.trew`/`true.srew`, plus `model.props` and `README.txt` describing the mapping:
//! * States `0..n` are the compiled states. State `n` is `end`, an absorbing sink: every
//!   terminal transition leads there (PRISM has no terminal transitions). When the initial
//!   distribution has more than one state, state `n + 1` is `start`, whose single choice draws
//!   the initial state; the horizon then grows by one step.
//! * `model.tra`: first line `states choices transitions`, then `s a s' p`, choice `a` being
//!   the action index. Transitions with the same `(s, a, s')` (different events, or several
//!   terminal ones) are merged: probabilities add, and the `.trew` reward is the
//!   probability-weighted mean, so expected rewards are unchanged.
//! * `model.lab`: `0="init" 1="deadlock" 2="end"`, then `s: labels`.
//! * `*.trew`: first line `states choices nonzero`, then `s a s' r`; `*.srew`: no state
//!   rewards (first line `states 0`): our objectives reward transitions only.
//! * The exported MDP is the *stationary* one: the step limit is not in the state. The
//!   finite-horizon values goodhart reports are `Rmax=? [ C<=H ]` (see `model.props`).
//!
//! # Storm DRN ([`write_drn`])
//! Storm's own explicit format, one file `model.drn`, with the same states as the PRISM files
//! and both objectives as reward models (`proxy`, `true`) on actions.
//!
//! # JSON ([`write_json`])
//! One object, format `goodhart-mdp-json/1`:
//! ```text
//! { "format": "goodhart-mdp-json/1",
//!   "states": n, "actions": k, "horizon": H, "transitions": m,
//!   "initial": [[state, prob], ...],
//!   "events": ["step", ...],                       // event names, in EventVec order
//!   "objectives": { "proxy": [w, ...], "true": [w, ...] },  // one weight per event
//!   "event_table": [[e0, e1, ...], ...],            // distinct event vectors (label -> events)
//!   "row_offsets": [0, ...],                        // n*k+1 entries; row = s*k + a
//!   "next": [...], "prob": [...], "label": [...], "terminal": [0|1, ...],  // m entries each
//!   "rewards": { "proxy": [...], "true": [...] },   // per transition
//!   "state_names": ["...", ...] }                   // optional, n entries
//! ```
//! A terminal transition ends the episode after paying its reward; its `next` is the state the
//! episode ended in (for display only).
//!
//! # NumPy arrays ([`write_npy`])
//! For large models: the same columns as the JSON, one `.npy` file each (`row_offsets` u32,
//! `next` u32, `terminal` u8, `prob` f64, `label` u32, `reward_proxy` and `reward_true` f64
//! per transition, `initial_state` u32 and `initial_prob` f64), plus `meta.json` with the
//! counts, horizon, event names and objective weights. `numpy.load` reads them without
//! copying.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use goodhart_core::{Error, Result};
use serde::Serialize;

use crate::compile::{Mdp, TERMINAL};

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    Ok(BufWriter::new(File::create(path).map_err(io_err(path))?))
}

/// One merged PRISM transition: destination, probability, and per-objective expected reward
/// (probability × reward, summed).
struct Merged {
    dst: u32,
    prob: f64,
    weighted: [f64; 2],
}

/// Writes the PRISM explicit files into `dir` (created if missing). Returns the file names.
pub fn write_prism(mdp: &Mdp, dir: &Path) -> Result<Vec<String>> {
    mdp.check_depth(None)?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let end = n as u32;
    let start = (mdp.initial.len() > 1).then_some(end + 1);
    let total_states = n + 1 + usize::from(start.is_some());
    let rows = merged_rows(mdp, end);
    let choices = n * na + 1 + usize::from(start.is_some());
    let transitions = rows.iter().map(Vec::len).sum::<usize>()
        + 1
        + if start.is_some() {
            mdp.initial.len()
        } else {
            0
        };

    let tra_path = dir.join("model.tra");
    let mut tra = create(&tra_path)?;
    let e = io_err(&tra_path);
    writeln!(tra, "{total_states} {choices} {transitions}").map_err(&e)?;
    for (row_index, row) in rows.iter().enumerate() {
        let (s, a) = (row_index / na, row_index % na);
        for m in row {
            writeln!(tra, "{s} {a} {} {}", m.dst, m.prob).map_err(&e)?;
        }
    }
    writeln!(tra, "{end} 0 {end} 1").map_err(&e)?;
    if let Some(st) = start {
        for &(s, p) in &mdp.initial {
            writeln!(tra, "{st} 0 {s} {p}").map_err(&e)?;
        }
    }
    tra.flush().map_err(&e)?;

    for (k, name) in ["proxy", "true"].iter().enumerate() {
        let path = dir.join(format!("{name}.trew"));
        let mut w = create(&path)?;
        let e = io_err(&path);
        let nonzero = rows
            .iter()
            .flatten()
            .filter(|m| m.weighted[k] != 0.0)
            .count();
        writeln!(w, "{total_states} {choices} {nonzero}").map_err(&e)?;
        for (row_index, row) in rows.iter().enumerate() {
            let (s, a) = (row_index / na, row_index % na);
            for m in row.iter().filter(|m| m.weighted[k] != 0.0) {
                writeln!(w, "{s} {a} {} {}", m.dst, m.weighted[k] / m.prob).map_err(&e)?;
            }
        }
        w.flush().map_err(&e)?;
        let path = dir.join(format!("{name}.srew"));
        let mut w = create(&path)?;
        writeln!(w, "{total_states} 0").map_err(io_err(&path))?;
        w.flush().map_err(io_err(&path))?;
    }

    let lab_path = dir.join("model.lab");
    let mut lab = create(&lab_path)?;
    let e = io_err(&lab_path);
    writeln!(lab, "0=\"init\" 1=\"deadlock\" 2=\"end\"").map_err(&e)?;
    match start {
        Some(st) => writeln!(lab, "{st}: 0").map_err(&e)?,
        None => writeln!(lab, "{}: 0", mdp.initial[0].0).map_err(&e)?,
    }
    writeln!(lab, "{end}: 2").map_err(&e)?;
    lab.flush().map_err(&e)?;

    let h = mdp.horizon + u32::from(start.is_some());
    let props_path = dir.join("model.props");
    std::fs::write(
        &props_path,
        format!(
            "// Finite-horizon optimal expected return (import proxy.trew or true.trew)\n\
             Rmax=? [ C<={h} ]\n"
        ),
    )
    .map_err(io_err(&props_path))?;
    let readme_path = dir.join("README.txt");
    std::fs::write(
        &readme_path,
        format!(
            "goodhart compiled MDP, PRISM explicit format.\n\
             states 0..{n} are the compiled states; state {end} is `end` (absorbing; every \
             terminal transition leads there){}.\n\
             actions: {na} (choice index = action index). step limit: {} steps{}.\n\
             The exported MDP is stationary; the step limit is not part of the state. The \
             values goodhart reports are finite-horizon, undiscounted: Rmax=? [ C<={h} ].\n\
             Check with e.g.: prism -importtrans model.tra -importlabels model.lab \
             -importtransrewards proxy.trew -mdp model.props\n",
            match start {
                Some(st) =>
                    format!("; state {st} is `start`, whose one choice draws the initial state"),
                None => String::new(),
            },
            mdp.horizon,
            if start.is_some() {
                " (+1 for the `start` step)"
            } else {
                ""
            },
        ),
    )
    .map_err(io_err(&readme_path))?;
    Ok([
        "model.tra",
        "model.lab",
        "proxy.trew",
        "proxy.srew",
        "true.trew",
        "true.srew",
        "model.props",
        "README.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect())
}

/// Every row with its transitions merged by destination (terminal ones into `end`), sorted
/// by destination.
fn merged_rows(mdp: &Mdp, end: u32) -> Vec<Vec<Merged>> {
    let rewards = [
        mdp.rewards_per_label(&mdp.proxy),
        mdp.rewards_per_label(&mdp.true_objective),
    ];
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let mut rows: Vec<Vec<Merged>> = Vec::with_capacity(n * na);
    for s in 0..n {
        for a in 0..na {
            let mut row: BTreeMap<u32, Merged> = BTreeMap::new();
            for t in mdp.transitions(s, a) {
                let dst = if t.terminal { end } else { t.next };
                let m = row.entry(dst).or_insert(Merged {
                    dst,
                    prob: 0.0,
                    weighted: [0.0, 0.0],
                });
                m.prob += t.prob;
                m.weighted[0] += rewards[0][t.label as usize] * t.prob;
                m.weighted[1] += rewards[1][t.label as usize] * t.prob;
            }
            rows.push(row.into_values().collect());
        }
    }
    rows
}

/// Writes the model in Storm's DRN format to `path`: states as in [`write_prism`] (`end`
/// sink, `start` state when the initial distribution has several states), labels `init` and
/// `end`, and two reward models, `proxy` and `true`, as *action* rewards (the expected reward
/// of each state-action, which gives the same expected returns). Check with Storm:
/// `R{"proxy"}max=? [ C<=H ]`. `labels` adds state labels: `(name, states)`.
pub fn write_drn(mdp: &Mdp, path: &Path, labels: &[(&str, &[u32])]) -> Result<()> {
    mdp.check_depth(None)?;
    let (n, na) = (mdp.num_states(), mdp.num_actions);
    let end = n as u32;
    let start = (mdp.initial.len() > 1).then_some(end + 1);
    let total_states = n + 1 + usize::from(start.is_some());
    let choices = n * na + 1 + usize::from(start.is_some());
    let rows = merged_rows(mdp, end);
    let mut w = create(path)?;
    let e = io_err(path);
    writeln!(
        w,
        "// goodhart compiled MDP: {n} states, {na} actions, step limit {}\n// state {end} is \
         `end` (terminal transitions lead there){}\n@type: MDP\n@parameters\n\n\
         @reward_models\nproxy true\n@nr_states\n{total_states}\n@nr_choices\n{choices}\n@model",
        mdp.horizon,
        match start {
            Some(st) => format!("; state {st} is `start`, which draws the initial state"),
            None => String::new(),
        }
    )
    .map_err(&e)?;
    for s in 0..n {
        let init = start.is_none() && mdp.initial[0].0 as usize == s;
        write!(w, "state {s}{}", if init { " init" } else { "" }).map_err(&e)?;
        for (name, states) in labels {
            if states.contains(&(s as u32)) {
                write!(w, " {name}").map_err(&e)?;
            }
        }
        writeln!(w).map_err(&e)?;
        for a in 0..na {
            let row = &rows[s * na + a];
            let rp: f64 = row.iter().map(|m| m.weighted[0]).sum();
            let rt: f64 = row.iter().map(|m| m.weighted[1]).sum();
            writeln!(w, "\taction {a} [{rp}, {rt}]").map_err(&e)?;
            for m in row {
                writeln!(w, "\t\t{} : {}", m.dst, m.prob).map_err(&e)?;
            }
        }
    }
    writeln!(w, "state {end} end\n\taction 0 [0, 0]\n\t\t{end} : 1").map_err(&e)?;
    if let Some(st) = start {
        writeln!(w, "state {st} init\n\taction 0 [0, 0]").map_err(&e)?;
        for &(s, p) in &mdp.initial {
            writeln!(w, "\t\t{s} : {p}").map_err(&e)?;
        }
    }
    w.flush().map_err(&e)?;
    Ok(())
}

#[derive(Serialize)]
struct JsonModel<'a> {
    format: &'static str,
    states: usize,
    actions: usize,
    horizon: u32,
    transitions: usize,
    initial: &'a [(u32, f64)],
    events: Vec<String>,
    objectives: Objectives,
    event_table: Vec<Vec<f64>>,
    row_offsets: &'a [u32],
    next: Vec<u32>,
    prob: &'a [f64],
    label: &'a [u32],
    terminal: Vec<u8>,
    rewards: Objectives,
    #[serde(skip_serializing_if = "Option::is_none")]
    state_names: Option<&'a [String]>,
}

#[derive(Serialize)]
struct Objectives {
    proxy: Vec<f64>,
    #[serde(rename = "true")]
    truth: Vec<f64>,
}

/// Writes the JSON form (see the module documentation) to `path`, with optional state names.
pub fn write_json(mdp: &Mdp, path: &Path, state_names: Option<&[String]>) -> Result<()> {
    mdp.check_depth(None)?;
    let k = mdp.events.len();
    let proxy = mdp.rewards_per_label(&mdp.proxy);
    let truth = mdp.rewards_per_label(&mdp.true_objective);
    let model = JsonModel {
        format: "goodhart-mdp-json/1",
        states: mdp.num_states(),
        actions: mdp.num_actions,
        horizon: mdp.horizon,
        transitions: mdp.num_transitions(),
        initial: &mdp.initial,
        events: mdp.events.names(),
        objectives: Objectives {
            proxy: mdp.proxy.weights()[..k].to_vec(),
            truth: mdp.true_objective.weights()[..k].to_vec(),
        },
        event_table: mdp.event_table.iter().map(|e| e.0[..k].to_vec()).collect(),
        row_offsets: &mdp.offsets,
        next: mdp.next.iter().map(|x| x & !TERMINAL).collect(),
        prob: &mdp.prob,
        label: &mdp.label,
        terminal: mdp
            .next
            .iter()
            .map(|x| u8::from(x & TERMINAL != 0))
            .collect(),
        rewards: Objectives {
            proxy: mdp.label.iter().map(|l| proxy[*l as usize]).collect(),
            truth: mdp.label.iter().map(|l| truth[*l as usize]).collect(),
        },
        state_names,
    };
    let mut w = create(path)?;
    serde_json::to_writer(&mut w, &model).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    w.flush().map_err(io_err(path))?;
    Ok(())
}

/// Writes one `.npy` file (format 1.0) of `len` elements whose little-endian bytes are `bytes`.
fn npy(path: &Path, descr: &str, len: usize, bytes: impl Iterator<Item = u8>) -> Result<()> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({len},), }}");
    // Magic (6) + version (2) + length (2) + header + newline: a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut buf: Vec<u8> = Vec::with_capacity(10 + header.len());
    buf.extend_from_slice(b"\x93NUMPY\x01\x00");
    buf.extend_from_slice(&(header.len() as u16).to_le_bytes());
    buf.extend_from_slice(header.as_bytes());
    buf.extend(bytes);
    std::fs::write(path, buf).map_err(io_err(path))
}

/// Writes the NumPy form (see the module documentation) into `dir` (created if missing).
/// Returns the file names.
pub fn write_npy(mdp: &Mdp, dir: &Path) -> Result<Vec<String>> {
    mdp.check_depth(None)?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let proxy = mdp.rewards_per_label(&mdp.proxy);
    let truth = mdp.rewards_per_label(&mdp.true_objective);
    let next: Vec<u32> = mdp.next.iter().map(|x| x & !TERMINAL).collect();
    let terminal: Vec<u8> = mdp
        .next
        .iter()
        .map(|x| u8::from(x & TERMINAL != 0))
        .collect();
    let rp: Vec<f64> = mdp.label.iter().map(|l| proxy[*l as usize]).collect();
    let rt: Vec<f64> = mdp.label.iter().map(|l| truth[*l as usize]).collect();
    let init_s: Vec<u32> = mdp.initial.iter().map(|x| x.0).collect();
    let init_p: Vec<f64> = mdp.initial.iter().map(|x| x.1).collect();
    let u32s = |name: &str, v: &[u32]| {
        npy(
            &dir.join(name),
            "<u4",
            v.len(),
            v.iter().flat_map(|x| x.to_le_bytes()),
        )
    };
    let f64s = |name: &str, v: &[f64]| {
        npy(
            &dir.join(name),
            "<f8",
            v.len(),
            v.iter().flat_map(|x| x.to_le_bytes()),
        )
    };
    u32s("row_offsets.npy", &mdp.offsets)?;
    u32s("next.npy", &next)?;
    npy(
        &dir.join("terminal.npy"),
        "|u1",
        terminal.len(),
        terminal.iter().copied(),
    )?;
    f64s("prob.npy", &mdp.prob)?;
    u32s("label.npy", &mdp.label)?;
    f64s("reward_proxy.npy", &rp)?;
    f64s("reward_true.npy", &rt)?;
    u32s("initial_state.npy", &init_s)?;
    f64s("initial_prob.npy", &init_p)?;
    let k = mdp.events.len();
    let meta = serde_json::json!({
        "format": "goodhart-mdp-npy/1",
        "states": mdp.num_states(),
        "actions": mdp.num_actions,
        "horizon": mdp.horizon,
        "transitions": mdp.num_transitions(),
        "events": mdp.events.names(),
        "objectives": {
            "proxy": &mdp.proxy.weights()[..k],
            "true": &mdp.true_objective.weights()[..k],
        },
    });
    let meta_path = dir.join("meta.json");
    std::fs::write(
        &meta_path,
        serde_json::to_string_pretty(&meta).unwrap_or_default(),
    )
    .map_err(io_err(&meta_path))?;
    Ok([
        "row_offsets.npy",
        "next.npy",
        "terminal.npy",
        "prob.npy",
        "label.npy",
        "reward_proxy.npy",
        "reward_true.npy",
        "initial_state.npy",
        "initial_prob.npy",
        "meta.json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect())
}
