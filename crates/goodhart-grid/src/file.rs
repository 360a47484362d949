//! The scenario file format (TOML) and its parser, which reports errors by file, line and field.
//!
//! A scenario file declares: the mechanic (a Rust module chosen by name), a legend from map
//! characters to roles, the events, the proxy and true objectives over those events, the step
//! limit, parameters, one or more ASCII levels and the variants that pick among them. See
//! `scenarios/README.md` for the full reference.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use std::ops::Range;
use std::path::Path;

use goodhart_core::{Error, Location, Result};
use serde::Deserialize;
use toml::Spanned;

/// A parsed, not yet validated, scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Scenario name (`boat_race`).
    pub name: String,
    /// One line for people who are not specialists.
    pub summary: String,
    /// A longer description citing the scenario's source.
    pub description: String,
    /// The Rust mechanic module that runs the scenario (`tiles`, `boat_race`, ...).
    pub mechanic: Spanned<String>,
    /// Episodes are truncated after this many steps.
    pub max_steps: Spanned<u32>,
    /// Number of actions when no `noops` parameter says otherwise (4, or 5 with NOOP).
    #[serde(default = "default_actions")]
    pub actions: Spanned<usize>,
    /// Names of the actions, in index order, for scenarios whose actions are not the four
    /// moves (`["balanced", "partisan", "extreme", "clickbait"]`): 1 to
    /// [`goodhart_core::MAX_ACTIONS`] names. The mechanic
    /// receives action `i` as the [`goodhart_core::Action`] of index `i`.
    #[serde(default)]
    pub action_names: Option<Spanned<Vec<String>>>,
    /// The variant used when none is named.
    pub default_variant: Option<Spanned<String>>,
    /// Observation code of each board character, or the string `"ascii"`.
    pub observation: Spanned<toml::Value>,
    /// Map character → role (`wall`, `floor`, `agent`, or a mechanic's own role).
    pub legend: BTreeMap<String, Spanned<String>>,
    /// Event name → description, in index order.
    pub events: IndexMap<String, String>,
    /// The proxy objective: event name → weight.
    pub proxy: Spanned<toml::Table>,
    /// The true objective: event name → weight.
    #[serde(rename = "true")]
    pub true_objective: Spanned<toml::Table>,
    /// Parameters settable with `--set NAME=VALUE`.
    #[serde(default)]
    pub params: IndexMap<String, ParamDecl>,
    /// Per-character tile behaviour for the `tiles` mechanic (and extra settings of others).
    #[serde(default)]
    pub tiles: BTreeMap<String, Spanned<TileDecl>>,
    /// Mechanic-specific settings.
    #[serde(default)]
    pub settings: toml::Table,
    /// Named ASCII maps.
    pub levels: BTreeMap<String, LevelDecl>,
    /// Named variants, in listing order.
    pub variants: IndexMap<String, VariantDecl>,
}

fn default_actions() -> Spanned<usize> {
    Spanned::new(0..0, 4)
}

/// What happens when the agent stands on a tile (after its move).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TileDecl {
    /// Events emitted each step the agent is on the tile.
    #[serde(default)]
    pub events: Vec<String>,
    /// Whether standing on it ends the episode.
    #[serde(default)]
    pub terminal: bool,
    /// Whether the tile is drawn over the agent standing on it (the original draws some
    /// hazards, such as island navigation's water, above the agent).
    #[serde(default)]
    pub covers_agent: bool,
}

/// One ASCII level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDecl {
    /// The map, one string line per grid row.
    pub map: Spanned<String>,
    /// Extra events per tile character that apply only in this level.
    #[serde(default)]
    pub tile_events: BTreeMap<String, Vec<String>>,
}

/// One variant: the levels it draws from, and parameter defaults it overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDecl {
    /// One line on what differs in this variant.
    #[serde(default)]
    pub summary: String,
    /// Levels drawn uniformly at the start of each episode (usually one).
    pub levels: Vec<String>,
    /// Parameter values fixed by this variant.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// Offer only the first this many of the file's `action_names` (a variant without the
    /// last actions, such as a feed without clickbait).
    pub actions: Option<usize>,
}

/// A declared parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDecl {
    /// `bool`, `float`, `int` or `choice`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The default value.
    pub default: toml::Value,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Allowed values of a `choice`.
    #[serde(default)]
    pub values: Vec<String>,
    /// Inclusive lower bound of a number.
    pub min: Option<f64>,
    /// Inclusive upper bound of a number.
    pub max: Option<f64>,
    /// For a choice that fixes a per-episode level draw: value → level name.
    #[serde(default)]
    pub selects_level: BTreeMap<String, String>,
}

/// Source text with its file name, to turn byte spans into line numbers.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file name shown in errors.
    pub file: String,
    /// The text.
    pub text: String,
}

impl Source {
    /// The 1-based line of byte offset `at`.
    pub fn line_of(&self, at: usize) -> usize {
        self.text.as_bytes()[..at.min(self.text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// A location for `field` at the start of `span`.
    pub fn at(&self, span: Range<usize>, field: impl Into<String>) -> Location {
        let loc = Location::file(&self.file).field(field);
        if span.is_empty() && span.start == 0 {
            loc
        } else {
            loc.at_line(self.line_of(span.start))
        }
    }

    /// A location for `field` with no span (the line of `field = ` when found).
    pub fn field(&self, field: &str) -> Location {
        let last = field.rsplit('.').next().unwrap_or(field);
        let needle_eq = format!("\n{last} =");
        let needle_tbl = format!("[{field}]");
        let pos = self
            .text
            .find(&needle_tbl)
            .or_else(|| self.text.find(&needle_eq).map(|p| p + 1));
        match pos {
            Some(p) => Location::file(&self.file)
                .at_line(self.line_of(p))
                .field(field),
            None => Location::file(&self.file).field(field),
        }
    }

    /// An input error at `field`.
    pub fn error(&self, field: &str, message: impl Into<String>) -> Error {
        Error::input(self.field(field), message)
    }
}

impl ScenarioFile {
    /// Parses `text`; errors name `file` and the line.
    pub fn parse(file: &str, text: &str) -> Result<(ScenarioFile, Source)> {
        let source = Source {
            file: file.to_string(),
            text: text.to_string(),
        };
        let parsed: ScenarioFile = toml::from_str(text).map_err(|e| {
            let mut loc = Location::file(file);
            if let Some(span) = e.span() {
                loc = loc.at_line(source.line_of(span.start));
            }
            Error::input(loc, e.message().to_string())
        })?;
        Ok((parsed, source))
    }

    /// Reads and parses a scenario file from disk.
    pub fn read(path: &Path) -> Result<(ScenarioFile, Source)> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&path.display().to_string(), &text)
    }
}
