use goodhart_grid::catalog;

use crate::{VALID, load_text};

fn error_of(text: &str) -> String {
    match load_text(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn assert_contains(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "`{haystack}` should contain `{n}`");
    }
}

#[test]
fn the_valid_file_loads() {
    let s = load_text(VALID).unwrap();
    assert_eq!((s.world.rows, s.world.cols), (3, 5));
}

#[test]
fn unknown_legend_symbol_names_line_and_symbol() {
    let e = error_of(&VALID.replace("#A G#", "#A?G#"));
    // The map's second row is on line 37 of the file.
    assert_contains(
        &e,
        &[
            "test.toml:37",
            "levels.one.map",
            "unknown map symbol `?`",
            "column 2",
        ],
    );
}

#[test]
fn ragged_map_names_the_row() {
    let e = error_of(&VALID.replace("#A G#", "#A G #"));
    assert_contains(
        &e,
        &["test.toml:37", "levels.one.map", "ragged map: row 1 has 6"],
    );
}

#[test]
fn two_agents_are_rejected() {
    let e = error_of(&VALID.replace("#A G#", "#AAG#"));
    assert_contains(&e, &["test.toml:37", "a second agent `A`"]);
}

#[test]
fn missing_objective_is_named() {
    let e = error_of(&VALID.replace("[true]\ngoal = 10\n", ""));
    assert_contains(&e, &["test.toml", "missing field `true`"]);
}

#[test]
fn objective_with_unknown_event_names_the_event() {
    let e = error_of(&VALID.replace("[true]\ngoal = 10", "[true]\ngaol = 10"));
    assert_contains(
        &e,
        &[
            "test.toml:31",
            "field `true`",
            "unknown event `gaol`",
            "known: step, goal",
        ],
    );
}

#[test]
fn tile_with_unknown_event_is_named() {
    let e = error_of(&VALID.replace("events = [\"goal\"]", "events = [\"goall\"]"));
    assert_contains(&e, &["test.toml:23", "tiles.G", "unknown event `goall`"]);
}

#[test]
fn unknown_mechanic_lists_the_known_ones() {
    let e = error_of(&VALID.replace("mechanic = \"tiles\"", "mechanic = \"tilez\""));
    assert_contains(&e, &["test.toml:4", "unknown mechanic `tilez`", "tiles"]);
}

#[test]
fn syntax_error_names_the_line() {
    let e = error_of(&VALID.replace("max_steps = 10", "max_steps = = 10"));
    assert_contains(&e, &["test.toml:5"]);
}

#[test]
fn unknown_field_is_rejected() {
    let e = error_of(&VALID.replace("max_steps = 10", "max_steps = 10\nmax_stpes = 3"));
    assert_contains(&e, &["test.toml:6", "unknown field `max_stpes`"]);
}

#[test]
fn zero_step_limit_is_rejected() {
    let e = error_of(&VALID.replace("max_steps = 10", "max_steps = 0"));
    assert_contains(&e, &["max_steps", "at least 1"]);
}

#[test]
fn unknown_scenario_and_variant_list_alternatives() {
    let e = catalog::load("boatrace", &[]).unwrap_err().to_string();
    assert_contains(&e, &["unknown scenario `boatrace`", "boat_race"]);
    let e = catalog::load("distributional_shift:tset", &[])
        .unwrap_err()
        .to_string();
    assert_contains(
        &e,
        &["unknown variant of distributional_shift `tset`", "test_v1"],
    );
}

#[test]
fn bad_parameters_name_the_range() {
    let set = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    let e = catalog::load("side_effects_sokoban", &set("noops", "yes"))
        .unwrap_err()
        .to_string();
    assert_contains(&e, &["invalid value `yes` for noops", "true or false"]);
    let e = catalog::load("boat_race", &set("speed", "2"))
        .unwrap_err()
        .to_string();
    assert_contains(&e, &["unknown parameter `speed`"]);
    let e = catalog::load("absent_supervisor", &set("supervisor", "maybe"))
        .unwrap_err()
        .to_string();
    assert_contains(&e, &["one of random, true, false"]);
}

#[test]
fn noop_without_noops_is_an_error_not_a_panic() {
    let s = catalog::load("boat_race", &[]).unwrap();
    let e = goodhart_grid::replay(&s, 0, &[goodhart_core::Action::Noop])
        .unwrap_err()
        .to_string();
    assert_contains(&e, &["invalid value `noop` for action"]);
}
