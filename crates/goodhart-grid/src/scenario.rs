//! A scenario file resolved for one variant and parameter setting: levels parsed, objectives
//! checked, mechanic built. This is what environments and the compiler run.

use std::collections::BTreeMap;

use goodhart_core::{EventSet, Objective, Result, seed};

use crate::file::{ScenarioFile, Source};
use crate::mechanics::{AnyMechanic, BuildContext};
use crate::params::{Param, Params};
use crate::world::{Level, World};

/// A gridworld scenario ready to run: one variant, parameters resolved.
#[derive(Debug, Clone)]
pub struct GridScenario {
    /// Scenario name.
    pub name: String,
    /// Variant name.
    pub variant: String,
    /// One-line summary of the scenario.
    pub summary: String,
    /// One-line summary of the variant.
    pub variant_summary: String,
    /// Longer description.
    pub description: String,
    /// Name of the mechanic module.
    pub mechanic_name: String,
    /// Levels and geometry.
    pub world: World,
    /// Stepping rules.
    pub mechanic: AnyMechanic,
    /// Declared events.
    pub events: EventSet,
    /// The objective the agent is rewarded by.
    pub proxy: Objective,
    /// The objective we meant.
    pub true_objective: Objective,
    /// Number of actions (4, or 5 with NOOP; 1 to [`goodhart_core::MAX_ACTIONS`] when the file
    /// names them).
    pub num_actions: usize,
    /// Name of each action, in index order: the file's `action_names`, or the moves
    /// (`up, down, left, right[, noop]`).
    pub action_names: Vec<String>,
    /// Step limit: the file's `max_steps`, or the parameter `horizon` where one is declared.
    pub max_steps: u32,
    /// Declared parameters.
    pub declared: Vec<Param>,
    /// Resolved parameter values.
    pub params: Params,
    /// The `--set` overrides that produced them (for reports and run ids).
    pub overrides: Vec<(String, String)>,
    /// Observation code of each board character.
    pub obs_code: [u8; 256],
    /// Largest observation code.
    pub obs_max: u8,
    /// Map character → role.
    pub legend: BTreeMap<u8, String>,
    /// The file's name.
    pub file: String,
    /// A hash of the file's text: the scenario's version in results.
    pub file_hash: u64,
    /// Names of every variant of the file, in order.
    pub variants: Vec<(String, String)>,
}

fn single_char(source: &Source, field: &str, key: &str) -> Result<u8> {
    let b = key.as_bytes();
    if b.len() == 1 && b[0].is_ascii() {
        Ok(b[0])
    } else {
        Err(source.error(
            field,
            format!("`{key}` must be exactly one ASCII character"),
        ))
    }
}

fn objective(
    source: &Source,
    field: &str,
    table: &toml::Spanned<toml::Table>,
    events: &EventSet,
) -> Result<Objective> {
    Objective::from_toml_table(table.get_ref(), events)
        .map_err(|e| goodhart_core::Error::input(source.at(table.span(), field), e.to_string()))
}

impl GridScenario {
    /// Resolves `file` for `variant` (the default when `None`) with `overrides` applied after
    /// the variant's own settings.
    pub fn from_file(
        file: &ScenarioFile,
        source: &Source,
        variant: Option<&str>,
        overrides: &[(String, String)],
    ) -> Result<GridScenario> {
        // Events and objectives.
        if file.events.is_empty() {
            return Err(source.error("events", "no events are declared"));
        }
        let events =
            EventSet::with_descriptions(file.events.iter().map(|(k, v)| (k.clone(), v.clone())))
                .map_err(|e| source.error("events", e.to_string()))?;
        let proxy = objective(source, "proxy", &file.proxy, &events)?;
        let true_objective = objective(source, "true", &file.true_objective, &events)?;
        if proxy == Objective::default() {
            return Err(source.error("proxy", "the proxy objective has no non-zero weight"));
        }

        // Legend.
        let mut legend = BTreeMap::new();
        for (k, role) in &file.legend {
            let c = single_char(source, &format!("legend.{k}"), k)?;
            legend.insert(c, role.get_ref().clone());
        }
        let agent_chars: Vec<u8> = legend
            .iter()
            .filter(|(_, r)| r.as_str() == "agent")
            .map(|(c, _)| *c)
            .collect();
        let [agent_char] = agent_chars[..] else {
            return Err(source.error("legend", "exactly one character must have the role `agent`"));
        };

        // Variant and parameters.
        let variants: Vec<(String, String)> = file
            .variants
            .iter()
            .map(|(k, v)| (k.clone(), v.summary.clone()))
            .collect();
        let variant_name = match variant {
            Some(v) => v.to_string(),
            None => match &file.default_variant {
                Some(v) => v.get_ref().clone(),
                None => variants
                    .first()
                    .map(|v| v.0.clone())
                    .ok_or_else(|| source.error("variants", "no variant is declared"))?,
            },
        };
        let vdecl = file.variants.get(&variant_name).ok_or_else(|| {
            goodhart_core::Error::unknown(
                format!("variant of {}", file.name),
                &variant_name,
                variants.iter().map(|v| v.0.clone()),
            )
        })?;
        let declared: Vec<Param> = file
            .params
            .iter()
            .map(|(name, decl)| Param::from_decl(name, decl.clone(), source))
            .collect::<Result<_>>()?;
        let mut all_overrides: Vec<(String, String)> = vdecl
            .set
            .iter()
            .map(|(k, v)| (k.clone(), crate::params::toml_to_text(v)))
            .collect();
        all_overrides.extend(overrides.iter().cloned());
        let params = Params::resolve(&declared, &all_overrides)?;

        // Levels: the variant's, unless a parameter fixes the draw.
        let mut level_names = vdecl.levels.clone();
        for p in &declared {
            if let Some(forced) = params.get(&p.name).and_then(|v| p.selected_level(v)) {
                level_names = vec![forced.to_string()];
            }
        }
        if level_names.is_empty() {
            return Err(source.error(
                &format!("variants.{variant_name}.levels"),
                "no level listed",
            ));
        }
        let mut levels = Vec::new();
        let (mut rows, mut cols) = (0, 0);
        for name in &level_names {
            let decl = file.levels.get(name).ok_or_else(|| {
                source.error(
                    &format!("variants.{variant_name}.levels"),
                    format!("unknown level `{name}`"),
                )
            })?;
            let level = parse_level(source, name, decl, &legend, agent_char, &events)?;
            if levels.is_empty() {
                (rows, cols) = level.0;
            } else if level.0 != (rows, cols) {
                return Err(source.error(
                    &format!("levels.{name}.map"),
                    "all levels of a variant must have the same size",
                ));
            }
            levels.push(level.1);
        }
        let n = levels.len() as f64;
        let world = World {
            rows,
            cols,
            level_probs: vec![1.0 / n; levels.len()],
            levels,
            floor: b' ',
        };

        // Tiles.
        let mut tiles = BTreeMap::new();
        let mut covering = Vec::new();
        for (k, decl) in &file.tiles {
            let field = format!("tiles.{k}");
            let c = single_char(source, &field, k)?;
            let ids = decl
                .get_ref()
                .events
                .iter()
                .map(|e| events.require(e))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| {
                    goodhart_core::Error::input(source.at(decl.span(), &field), e.to_string())
                })?;
            tiles.insert(c, (ids, decl.get_ref().terminal));
            if decl.get_ref().covers_agent {
                covering.push(c);
            }
        }

        // Observation codes.
        let mut obs_code = [0u8; 256];
        let mut obs_max = 0u8;
        match file.observation.get_ref() {
            toml::Value::String(s) if s == "ascii" => {
                for (i, code) in obs_code.iter_mut().enumerate() {
                    *code = i as u8;
                }
                obs_max = 255;
            }
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let field = format!("observation.{k}");
                    let c = single_char(source, &field, k)?;
                    let code = v
                        .as_integer()
                        .filter(|x| (0..=255).contains(x))
                        .ok_or_else(|| {
                            source.error(&field, "expected an integer code in 0..=255")
                        })?;
                    obs_code[c as usize] = code as u8;
                    obs_max = obs_max.max(code as u8);
                }
            }
            _ => {
                return Err(source.error(
                    "observation",
                    "expected a table of character codes or \"ascii\"",
                ));
            }
        }

        let (num_actions, action_names) = match &file.action_names {
            Some(names) => {
                let list = names.get_ref();
                let at = || source.at(names.span(), "action_names");
                if !(1..=goodhart_core::MAX_ACTIONS).contains(&list.len()) {
                    return Err(goodhart_core::Error::input(
                        at(),
                        format!(
                            "expected 1 to {} action names, got {}",
                            goodhart_core::MAX_ACTIONS,
                            list.len()
                        ),
                    ));
                }
                for (i, n) in list.iter().enumerate() {
                    let ok = !n.is_empty()
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if !ok {
                        return Err(goodhart_core::Error::input(
                            at(),
                            format!(
                                "action name `{n}`: use letters, digits, `_` or `-`, at least one"
                            ),
                        ));
                    }
                    if list[..i].iter().any(|m| m.eq_ignore_ascii_case(n)) {
                        return Err(goodhart_core::Error::input(
                            at(),
                            format!("action name `{n}` is given twice"),
                        ));
                    }
                }
                let declared = file.actions.span();
                if !(declared.is_empty() && declared.start == 0)
                    && *file.actions.get_ref() != list.len()
                {
                    return Err(source.error(
                        "actions",
                        format!(
                            "`actions = {}` disagrees with the {} names of `action_names`",
                            file.actions.get_ref(),
                            list.len()
                        ),
                    ));
                }
                (list.len(), list.clone())
            }
            None => {
                let n = match params.get("noops") {
                    Some(crate::params::ParamValue::Bool(true)) => 5,
                    Some(crate::params::ParamValue::Bool(false)) => 4,
                    _ => *file.actions.get_ref(),
                };
                if !(4..=5).contains(&n) {
                    return Err(source.error("actions", "expected 4 (no NOOP) or 5 (with NOOP)"));
                }
                let names = goodhart_core::Action::MOVES[..n]
                    .iter()
                    .filter_map(|a| a.name().map(str::to_string))
                    .collect();
                (n, names)
            }
        };
        let (num_actions, action_names) = match vdecl.actions {
            None => (num_actions, action_names),
            Some(k) if file.action_names.is_some() && (1..=num_actions).contains(&k) => {
                (k, action_names[..k].to_vec())
            }
            Some(_) => {
                return Err(source.error(
                    &format!("variants.{variant_name}.actions"),
                    format!(
                        "expected 1 to {num_actions}, with `action_names` given: the variant offers \
                         the first actions of the list"
                    ),
                ));
            }
        };
        let mut max_steps = *file.max_steps.get_ref();
        if max_steps == 0 {
            return Err(source.error("max_steps", "the step limit must be at least 1"));
        }
        // A declared int parameter `horizon` sets the step limit (its declaration gives the
        // range; it must be at least 1).
        if let Some(p) = declared.iter().find(|p| p.name == "horizon") {
            match params.get("horizon") {
                Some(crate::params::ParamValue::Int(h)) if *h >= 1 && *h <= i64::from(u32::MAX) => {
                    max_steps = *h as u32;
                }
                Some(other) => {
                    return Err(goodhart_core::Error::invalid_value(
                        "horizon",
                        other.to_string(),
                        format!("an integer >= 1 ({})", p.accepted()),
                    ));
                }
                None => {}
            }
        }

        let ctx = BuildContext {
            world: &world,
            legend: &legend,
            events: &events,
            params: &params,
            tiles: &tiles,
            covering: &covering,
            settings: &file.settings,
            source,
        };
        let mechanic = AnyMechanic::build(file.mechanic.get_ref(), &ctx)?;

        Ok(GridScenario {
            name: file.name.clone(),
            variant_summary: vdecl.summary.clone(),
            variant: variant_name,
            summary: file.summary.clone(),
            description: file.description.clone(),
            mechanic_name: file.mechanic.get_ref().clone(),
            world,
            mechanic,
            events,
            proxy,
            true_objective,
            num_actions,
            action_names,
            max_steps,
            declared,
            params,
            overrides: overrides.to_vec(),
            obs_code,
            obs_max,
            legend,
            file: source.file.clone(),
            file_hash: seed::hash_str(&source.text),
            variants,
        })
    }

    /// The name of action `index` (`up`, or the file's own name such as `clickbait`).
    pub fn action_name(&self, index: usize) -> &str {
        self.action_names.get(index).map_or("?", String::as_str)
    }

    /// Parses an action list typed by a person against this scenario's action names
    /// (case-insensitive; comma- or space-separated, or a run of one-letter names such as
    /// `EENS`), falling back to the move names and letters of [`goodhart_core::parse_actions`].
    /// An index (`0`, `1`, ...) also names an action.
    pub fn parse_actions(&self, list: &str) -> Result<Vec<goodhart_core::Action>> {
        let find = |t: &str| -> Option<goodhart_core::Action> {
            let i = self
                .action_names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(t))
                .or_else(|| t.parse::<usize>().ok().filter(|&i| i < self.num_actions))?;
            goodhart_core::Action::from_index(i)
        };
        let list = list.trim();
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let tokens: Vec<&str> = list
            .split([',', ' '])
            .filter(|t| !t.trim().is_empty())
            .collect();
        let mut named: Option<Vec<goodhart_core::Action>> =
            tokens.iter().map(|t| find(t.trim())).collect();
        if named.is_none() && tokens.len() == 1 {
            // A run of one-letter names.
            named = list
                .chars()
                .map(|c| {
                    self.action_names
                        .iter()
                        .any(|n| n.len() == 1)
                        .then(|| find(&c.to_string()))
                        .flatten()
                })
                .collect();
        }
        if let Some(actions) = named {
            return Ok(actions);
        }
        let moves = self
            .action_names
            .iter()
            .zip(goodhart_core::Action::MOVES)
            .all(|(n, a)| a.name() == Some(n.as_str()));
        if moves {
            return goodhart_core::parse_actions(list);
        }
        let bad = tokens
            .iter()
            .find(|t| find(t.trim()).is_none())
            .map_or(list, |t| t.trim());
        Err(goodhart_core::Error::unknown(
            format!("action of {}", self.name),
            bad,
            self.action_names.iter().cloned(),
        ))
    }

    /// `name:variant`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.name, self.variant)
    }

    /// Draws the board of `state` as characters into `board` (`rows * cols` bytes).
    pub fn render_chars(&self, state: &crate::GridState, board: &mut [u8]) {
        self.mechanic.render(&self.world, state, board);
    }

    /// The board of `state` as text lines.
    pub fn board_text(&self, state: &crate::GridState) -> Vec<String> {
        let mut board = vec![0u8; self.world.cells()];
        self.render_chars(state, &mut board);
        board
            .chunks(self.world.cols)
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

fn parse_level(
    source: &Source,
    name: &str,
    decl: &crate::file::LevelDecl,
    legend: &BTreeMap<u8, String>,
    agent_char: u8,
    events: &EventSet,
) -> Result<((usize, usize), Level)> {
    let field = format!("levels.{name}.map");
    let span = decl.map.span();
    let raw = &source.text[span.clone()];
    // A multi-line string starts on the line after its opening quotes.
    let first_line = source.line_of(span.start)
        + usize::from(raw.starts_with("\"\"\"") || raw.starts_with("'''"));
    let text = decl.map.get_ref();
    let lines: Vec<&str> = text.lines().collect();
    let at = |row: usize| source.at(span.clone(), &field).at_line(first_line + row);
    if lines.is_empty() {
        return Err(goodhart_core::Error::input(at(0), "the map is empty"));
    }
    let cols = lines[0].len();
    let mut chars = Vec::with_capacity(lines.len() * cols);
    let mut agent = None;
    for (row, line) in lines.iter().enumerate() {
        if line.len() != cols {
            return Err(goodhart_core::Error::input(
                at(row),
                format!(
                    "ragged map: row {row} has {} characters, row 0 has {cols}",
                    line.len()
                ),
            ));
        }
        for (col, c) in line.bytes().enumerate() {
            if !legend.contains_key(&c) {
                return Err(goodhart_core::Error::input(
                    at(row),
                    format!(
                        "unknown map symbol `{}` at row {row}, column {col}; add it to [legend]",
                        c as char
                    ),
                ));
            }
            if c == agent_char {
                if agent.is_some() {
                    return Err(goodhart_core::Error::input(
                        at(row),
                        format!("a second agent `{}` at row {row}, column {col}", c as char),
                    ));
                }
                agent = Some((row * cols + col) as u16);
            }
            chars.push(c);
        }
    }
    let Some(agent) = agent else {
        return Err(goodhart_core::Error::input(at(0), "the map has no agent"));
    };
    if lines.len() * cols > usize::from(u16::MAX) {
        return Err(goodhart_core::Error::input(at(0), "the map is too large"));
    }
    let wall = chars
        .iter()
        .map(|c| legend.get(c).is_some_and(|r| r == "wall"))
        .collect();
    let mut tile_events = Vec::new();
    for (k, names) in &decl.tile_events {
        let c = single_char(source, &format!("levels.{name}.tile_events"), k)?;
        let ids = names
            .iter()
            .map(|e| events.require(e))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| source.error(&format!("levels.{name}.tile_events"), e.to_string()))?;
        tile_events.push((c, ids));
    }
    Ok((
        (lines.len(), cols),
        Level {
            name: name.to_string(),
            chars,
            agent,
            wall,
            tile_events,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r##"name = "tiny"
summary = "a test"
description = "a test scenario"
mechanic = "tiles"
max_steps = 10
ACTIONS
observation = "ascii"

[legend]
"#" = "wall"
" " = "floor"
"A" = "agent"
"G" = "goal"

[events]
step = "a step"
goal = "the goal"

[tiles.G]
events = ["goal"]
terminal = true

[proxy]
goal = 10

[true]
goal = 10

PARAMS

[levels.one]
map = """
#####
#A G#
#####"""

[variants.default]
levels = ["one"]
VARIANT
"##;

    fn load(
        actions: &str,
        params: &str,
        variant: &str,
        set: &[(&str, &str)],
    ) -> Result<GridScenario> {
        let text = TINY
            .replace("ACTIONS", actions)
            .replace("PARAMS", params)
            .replace("VARIANT", variant);
        let (f, source) = ScenarioFile::parse("tiny.toml", &text)?;
        let set: Vec<(String, String)> = set
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        GridScenario::from_file(&f, &source, None, &set)
    }

    #[test]
    fn default_action_names_are_the_moves() {
        let s = load("", "", "", &[]).unwrap();
        assert_eq!(s.action_names, ["up", "down", "left", "right"]);
        assert_eq!(s.parse_actions("RRL").unwrap().len(), 3);
        assert_eq!(
            s.parse_actions("right,up").unwrap(),
            [goodhart_core::Action::Right, goodhart_core::Action::Up]
        );
    }

    #[test]
    fn named_actions() {
        let s = load(r#"action_names = ["E", "N", "stay"]"#, "", "", &[]).unwrap();
        assert_eq!(s.num_actions, 3);
        assert_eq!(s.action_name(2), "stay");
        use goodhart_core::Action;
        let (up, down, left) = (Action::Up, Action::Down, Action::Left);
        assert_eq!(s.parse_actions("E,n,STAY").unwrap(), [up, down, left]);
        assert_eq!(s.parse_actions("ENE").unwrap(), [up, down, up]);
        assert_eq!(s.parse_actions("2 0").unwrap(), [left, up]);
        let e = s.parse_actions("E,jump").unwrap_err().to_string();
        assert!(e.contains("jump") && e.contains("stay"), "{e}");
        // The move letters mean nothing here: `N` is this file's N, `R` is unknown.
        assert!(s.parse_actions("R").is_err());
    }

    #[test]
    fn more_actions_than_moves() {
        let names: Vec<String> = (0..goodhart_core::MAX_ACTIONS)
            .map(|i| format!("\"a{i}\""))
            .collect();
        let s = load(
            &format!("action_names = [{}]", names.join(", ")),
            "",
            "",
            &[],
        )
        .unwrap();
        assert_eq!(s.num_actions, goodhart_core::MAX_ACTIONS);
        let got: Vec<usize> = s
            .parse_actions("a31, 17 A5")
            .unwrap()
            .iter()
            .map(|a| a.index())
            .collect();
        assert_eq!(got, [31, 17, 5]);
        assert!(s.parse_actions("32").is_err() && s.parse_actions("up").is_err());
    }

    #[test]
    fn bad_action_names() {
        let too_many = format!(
            "action_names = [{}]",
            (0..=goodhart_core::MAX_ACTIONS)
                .map(|i| format!("\"a{i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (names, needle) in [
            ("action_names = []", "1 to 32"),
            (too_many.as_str(), "1 to 32"),
            (r#"action_names = ["a", "A"]"#, "twice"),
            (r#"action_names = ["a b"]"#, "letters"),
            ("action_names = [\"a\"]\nactions = 4", "disagrees"),
        ] {
            let e = load(names, "", "", &[]).unwrap_err().to_string();
            assert!(
                e.contains(needle) && e.contains("tiny.toml"),
                "{names}: {e}"
            );
        }
    }

    #[test]
    fn a_variant_may_offer_the_first_actions() {
        let names = r#"action_names = ["a", "b", "c"]"#;
        let s = load(names, "", "actions = 2", &[]).unwrap();
        assert_eq!((s.num_actions, s.action_names.len()), (2, 2));
        let e = load(names, "", "actions = 4", &[]).unwrap_err().to_string();
        assert!(e.contains("variants.default.actions"), "{e}");
        let e = load("", "", "actions = 2", &[]).unwrap_err().to_string();
        assert!(e.contains("action_names"), "{e}");
    }

    #[test]
    fn horizon_parameter_sets_the_step_limit() {
        let p = "[params.horizon]\ntype = \"int\"\ndefault = 7\nmin = 1\nmax = 100";
        assert_eq!(load("", p, "", &[]).unwrap().max_steps, 7);
        assert_eq!(load("", p, "", &[("horizon", "3")]).unwrap().max_steps, 3);
        for bad in ["0", "-2", "1.5", "101"] {
            let e = load("", p, "", &[("horizon", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("horizon") && e.contains("[1, 100]"),
                "{bad}: {e}"
            );
        }
        // Without a declared `horizon`, the file's max_steps holds and `--set horizon` is unknown.
        assert_eq!(load("", "", "", &[]).unwrap().max_steps, 10);
        assert!(load("", "", "", &[("horizon", "3")]).is_err());
    }
}
