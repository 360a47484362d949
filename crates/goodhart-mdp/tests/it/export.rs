//! The PRISM and JSON exports.

use goodhart_mdp::{CompileOptions, compile, write_json, write_prism};

use crate::util::{Table, det, end};

fn model() -> Table {
    // Two initial states, a terminal transition that merges with another one into `end`.
    Table::new(
        2,
        7,
        vec![(0, 0.5), (1, 0.5)],
        vec![
            vec![
                det(1, 1.0, 2.0),
                vec![(1, 0.5, (1.0, 0.0), true), (0, 0.5, (3.0, 0.0), true)],
            ],
            vec![det(0, 0.0, 1.0), end(1, 4.0, 4.0)],
        ],
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("goodhart-mdp-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn prism_files_are_consistent() {
    let c = compile(&model(), &CompileOptions::default()).unwrap();
    let dir = temp_dir("prism");
    write_prism(&c.mdp, &dir).unwrap();
    let tra = std::fs::read_to_string(dir.join("model.tra")).unwrap();
    let mut lines = tra.lines();
    // 2 states + end + start; 4 choices + end + start; transitions: 1 + 1(merged) + 1 + 1 + 1 + 2.
    assert_eq!(lines.next(), Some("4 6 7"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(' ').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 7);
    assert!(
        rows.contains(&vec![0.0, 1.0, 2.0, 1.0]),
        "two terminal transitions merged: {rows:?}"
    );
    let trew = std::fs::read_to_string(dir.join("proxy.trew")).unwrap();
    // The merged transition pays the probability-weighted mean: 0.5 * 1 + 0.5 * 3 = 2.
    assert!(trew.lines().any(|l| l == "0 1 2 2"), "{trew}");
    let lab = std::fs::read_to_string(dir.join("model.lab")).unwrap();
    assert!(lab.contains("3: 0") && lab.contains("2: 2"), "{lab}");
    let props = std::fs::read_to_string(dir.join("model.props")).unwrap();
    assert!(props.contains("C<=8"), "start adds one step: {props}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_round_trips() {
    let c = compile(&model(), &CompileOptions::default()).unwrap();
    let dir = temp_dir("json");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.json");
    let names: Vec<String> = c.states.iter().map(|s| format!("s{s}")).collect();
    write_json(&c.mdp, &path, Some(&names)).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["format"], "goodhart-mdp-json/1");
    assert_eq!(v["states"], 2);
    assert_eq!(v["actions"], 2);
    assert_eq!(v["horizon"], 7);
    let m = c.mdp.num_transitions();
    for key in ["next", "prob", "label", "terminal"] {
        assert_eq!(v[key].as_array().unwrap().len(), m, "{key}");
    }
    assert_eq!(v["rewards"]["true"].as_array().unwrap().len(), m);
    assert_eq!(v["row_offsets"].as_array().unwrap().len(), 5);
    assert_eq!(v["events"], serde_json::json!(["p", "t"]));
    assert_eq!(v["state_names"][1], "s1");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn drn_lists_every_state_and_choice() {
    let c = compile(&model(), &CompileOptions::default()).unwrap();
    let dir = temp_dir("drn");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.drn");
    goodhart_mdp::write_drn(&c.mdp, &path, &[("first", &[0])]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("@type: MDP") && text.contains("@reward_models\nproxy true"));
    assert!(text.contains("@nr_states\n4\n@nr_choices\n6\n"), "{text}");
    assert_eq!(text.matches("\n\taction ").count(), 6);
    assert!(text.contains("state 0 first\n"), "{text}");
    assert!(
        text.contains("state 3 init\n"),
        "start state draws the initial state: {text}"
    );
    // The merged terminal row: reward 0.5 * 1 + 0.5 * 3 = 2 (proxy), 0 (true), into `end`.
    assert!(text.contains("\taction 1 [2, 0]\n\t\t2 : 1\n"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn npy_files_hold_the_columns() {
    let c = compile(&model(), &CompileOptions::default()).unwrap();
    let dir = temp_dir("npy");
    let files = goodhart_mdp::write_npy(&c.mdp, &dir).unwrap();
    assert!(files.contains(&"prob.npy".to_string()));
    let bytes = std::fs::read(dir.join("prob.npy")).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!((10 + header_len) % 64, 0);
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    let m = c.mdp.num_transitions();
    assert!(
        header.contains(&format!("'shape': ({m},)")) && header.contains("<f8"),
        "{header}"
    );
    assert_eq!(bytes.len(), 10 + header_len + 8 * m);
    let first = f64::from_le_bytes(bytes[10 + header_len..18 + header_len].try_into().unwrap());
    assert_eq!(first, c.mdp.csr().2[0]);
    std::fs::remove_dir_all(&dir).unwrap();
}
