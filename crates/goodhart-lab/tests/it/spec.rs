//! Specs: expansion, stable run ids, and one clear error per kind of mistake.

use super::parse;

#[test]
fn expands_scenarios_optimizers_and_seeds() {
    let e = parse(super::SMALL).unwrap();
    // 2 scenario variants × (exact once + random × 2 seeds).
    assert_eq!(e.runs.len(), 2 * (1 + 2));
    assert_eq!(e.scenarios.len(), 2);
    let exact: Vec<_> = e.runs.iter().filter(|r| r.optimizer == "exact").collect();
    assert!(exact.iter().all(|r| r.seed == 0));
    assert_eq!(e.runs[0].scenario, "boat_race");
    assert_eq!(e.runs[0].variant, "default");
}

#[test]
fn variant_globs_and_all() {
    let e = parse(
        r#"name = "g"
scenarios = ["distributional_shift:test*"]
seeds = 1
[[optimizers]]
name = "random"
"#,
    )
    .unwrap();
    let variants: Vec<&str> = e.runs.iter().map(|r| r.variant.as_str()).collect();
    assert_eq!(variants, ["test", "test_v1", "test_v2"]);

    let all = parse(
        "name = \"a\"\nscenarios = [\"all\"]\nseeds = 1\n[[optimizers]]\nname = \"random\"\n",
    )
    .unwrap();
    let ids = goodhart_grid::catalog::all_ids().unwrap();
    assert_eq!(all.runs.len(), ids.len());
}

#[test]
fn run_ids_are_stable_and_depend_only_on_parameters() {
    let a = parse(super::SMALL).unwrap();
    let b = parse(super::SMALL).unwrap();
    let ids = |e: &goodhart_lab::Experiment| {
        let mut v: Vec<String> = e.runs.iter().map(|r| r.run_id.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(ids(&a), ids(&b));
    assert!(a.runs.iter().all(|r| r.run_id.len() == 16));

    // Order of entries, the experiment's name and defaults written out do not matter.
    let reordered = r#"
name = "another name"
seed = 11
scenarios = ["side_effects_sokoban:level0", "boat_race"]
seeds = [1, 0]
[[optimizers]]
name = "random"
episodes = 50
[[optimizers]]
name = "exact"
"#;
    assert_eq!(ids(&parse(reordered).unwrap()), ids(&a));

    // A changed parameter, seed or experiment seed changes the ids.
    let more = super::SMALL.replace("episodes = 50", "episodes = 51");
    let changed = parse(&more).unwrap();
    let random_ids = |e: &goodhart_lab::Experiment| -> Vec<String> {
        e.runs
            .iter()
            .filter(|r| r.optimizer == "random")
            .map(|r| r.run_id.clone())
            .collect()
    };
    assert!(
        random_ids(&changed)
            .iter()
            .all(|id| !random_ids(&a).contains(id))
    );
    let reseeded = parse(&super::SMALL.replace("seed = 11", "seed = 12")).unwrap();
    assert!(ids(&reseeded).iter().all(|id| !ids(&a).contains(id)));

    // The default value of a parameter gives the same id as leaving it out.
    let default =
        "name = \"d\"\nscenarios = [\"boat_race\"]\nseeds = 1\n[[optimizers]]\nname = \"random\"\n";
    let explicit = format!("{default}episodes = 1000\n");
    assert_eq!(
        ids(&parse(default).unwrap()),
        ids(&parse(&explicit).unwrap())
    );
}

#[test]
fn scenario_tables_with_set() {
    let e = parse(
        r#"name = "s"
seeds = 1
scenarios = [{ scenario = "absent_supervisor", set = { supervisor = "false" } }, "absent_supervisor"]
[[optimizers]]
name = "random"
"#,
    )
    .unwrap();
    assert_eq!(e.runs.len(), 2);
    assert_eq!(
        e.runs[0].set.get("supervisor").map(String::as_str),
        Some("false")
    );
    assert!(e.runs[1].set.is_empty());
    assert_ne!(e.runs[0].run_id, e.runs[1].run_id);
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn unknown_scenario_names_file_line_field_and_known_names() {
    let e = error(
        "name = \"x\"\nseeds = 1\nscenarios = [\"boat_race\", \"boatrace\"]\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.starts_with("test.toml:3: field `scenarios[1]`"), "{e}");
    assert!(e.contains("unknown scenario `boatrace`"), "{e}");
    assert!(e.contains("boat_race"), "{e}");
}

#[test]
fn a_glob_matching_nothing_is_an_error() {
    let e = error(
        "name = \"x\"\nscenarios = [\"distributional_shift:prod*\"]\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.contains("test.toml:2: field `scenarios[0]`"), "{e}");
    assert!(
        e.contains("`prod*` matches no variant of `distributional_shift`"),
        "{e}"
    );
    assert!(e.contains("test_v1"), "{e}");
    let e = error("name = \"x\"\nscenarios = [\"nothing*\"]\n[[optimizers]]\nname = \"random\"\n");
    assert!(e.contains("`nothing*` matches no scenario"), "{e}");
    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race:nope\"]\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.contains("unknown variant `nope` of `boat_race`"), "{e}");
}

#[test]
fn unknown_optimizer_mitigation_parameter_and_record() {
    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race\"]\n\n[[optimizers]]\nname = \"q_lerning\"\n",
    );
    assert!(
        e.starts_with("test.toml:4: field `optimizers[0].name`"),
        "{e}"
    );
    assert!(e.contains("unknown optimizer `q_lerning`; known:"), "{e}");
    assert!(e.contains("random"), "{e}");

    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race\"]\nmitigations = [\"none\", \"shield\"]\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.contains("test.toml:3: field `mitigations`"), "{e}");
    assert!(
        e.contains("unknown mitigation `shield`; known: none"),
        "{e}"
    );

    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race\"]\n[[optimizers]]\nname = \"random\"\nepisodez = 3\n",
    );
    assert!(e.contains("field `optimizers[0].episodez`"), "{e}");
    assert!(e.contains("known: episodes"), "{e}");

    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race\"]\n[[optimizers]]\nname = \"random\"\nepisodes = \"many\"\n",
    );
    assert!(e.contains("`episodes` expects a value like `1000`"), "{e}");

    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race\"]\nrecord = [\"videos\"]\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.contains("test.toml:3: field `record`"), "{e}");
    assert!(e.contains("unknown record `videos`"), "{e}");
}

#[test]
fn malformed_toml_and_missing_fields() {
    let e = error("name = \"x\"\nscenarios = [\"boat_race\"\n");
    assert!(e.starts_with("test.toml:"), "{e}");
    let e = error("name = \"x\"\nscenarios = [\"boat_race\"]\n");
    assert!(e.contains("optimizers"), "{e}");
    let e = error(
        "name = \"x\"\nscenarios = [\"boat_race\"]\nseeds = -1\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.contains("test.toml:3: field `seeds`"), "{e}");
    let e = error("name = \"x\"\nscenario = [\"boat_race\"]\n[[optimizers]]\nname = \"random\"\n");
    assert!(e.contains("scenario"), "{e}");
    let e = error(
        "name = \"x\"\nscenarios = [{ scenario = \"boat_race\", set = { nope = 1 } }]\n[[optimizers]]\nname = \"random\"\n",
    );
    assert!(e.contains("test.toml:2: field `scenarios[0]`"), "{e}");
    assert!(e.contains("nope"), "{e}");
}
