//! Scenario parameters: declared in the file, defaulted, overridden by a variant and by
//! `--set NAME=VALUE`, and checked against their declared type and range.

use std::collections::BTreeMap;
use std::fmt;

use goodhart_core::{Error, Result};

use crate::file::{ParamDecl, Source};

/// A parameter's value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Float(f64),
    /// An integer.
    Int(i64),
    /// One of a declared set of names.
    Choice(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Choice(s) => write!(f, "{s}"),
        }
    }
}

/// A parameter's declaration, checked.
#[derive(Debug, Clone)]
pub struct Param {
    /// Name used with `--set`.
    pub name: String,
    /// What it does.
    pub description: String,
    /// The declared default.
    pub default: ParamValue,
    decl: ParamDecl,
}

impl Param {
    /// Checks a declaration from the file.
    pub fn from_decl(name: &str, decl: ParamDecl, source: &Source) -> Result<Param> {
        let field = format!("params.{name}");
        if !["bool", "float", "int", "choice"].contains(&decl.kind.as_str()) {
            return Err(source.error(
                &field,
                format!(
                    "unknown type `{}`; expected bool, float, int or choice",
                    decl.kind
                ),
            ));
        }
        let mut p = Param {
            name: name.to_string(),
            description: decl.description.clone(),
            default: ParamValue::Bool(false),
            decl,
        };
        let raw = toml_to_text(&p.decl.default);
        p.default = p
            .parse(&raw)
            .map_err(|e| source.error(&field, format!("bad default: {e}")))?;
        Ok(p)
    }

    /// Parses a value typed by a user.
    pub fn parse(&self, text: &str) -> Result<ParamValue> {
        let d = &self.decl;
        let bad = |expected: String| Error::invalid_value(&self.name, text, expected);
        match d.kind.as_str() {
            "bool" => match text {
                "true" => Ok(ParamValue::Bool(true)),
                "false" => Ok(ParamValue::Bool(false)),
                _ => Err(bad("true or false".into())),
            },
            "choice" => {
                if d.values.iter().any(|v| v == text) {
                    Ok(ParamValue::Choice(text.to_string()))
                } else {
                    Err(bad(format!("one of {}", d.values.join(", "))))
                }
            }
            kind => {
                let range = self.range_text();
                let x: f64 = text.parse().map_err(|_| bad(format!("a number {range}")))?;
                if !x.is_finite() {
                    return Err(bad(format!("a finite number {range}")));
                }
                if d.min.is_some_and(|m| x < m) || d.max.is_some_and(|m| x > m) {
                    return Err(bad(format!("a number {range}")));
                }
                if kind == "int" {
                    if x.fract() != 0.0 {
                        return Err(bad(format!("an integer {range}")));
                    }
                    Ok(ParamValue::Int(x as i64))
                } else {
                    Ok(ParamValue::Float(x))
                }
            }
        }
    }

    fn range_text(&self) -> String {
        match (self.decl.min, self.decl.max) {
            (Some(a), Some(b)) => format!("in [{a}, {b}]"),
            (Some(a), None) => format!(">= {a}"),
            (None, Some(b)) => format!("<= {b}"),
            (None, None) => String::new(),
        }
    }

    /// The level a value of this choice forces, if any.
    pub fn selected_level(&self, value: &ParamValue) -> Option<&str> {
        match value {
            ParamValue::Choice(c) => self.decl.selects_level.get(c).map(String::as_str),
            _ => None,
        }
    }

    /// A short description of the accepted values.
    pub fn accepted(&self) -> String {
        match self.decl.kind.as_str() {
            "bool" => "true|false".into(),
            "choice" => self.decl.values.join("|"),
            k => format!("{k} {}", self.range_text()).trim().to_string(),
        }
    }

    /// The declaration.
    pub fn decl(&self) -> &ParamDecl {
        &self.decl
    }
}

/// Renders a TOML scalar as the text a user would type.
pub fn toml_to_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The resolved values of every parameter of a scenario.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: BTreeMap<String, ParamValue>,
}

impl Params {
    /// Values: defaults, then `overrides` in order.
    pub fn resolve(declared: &[Param], overrides: &[(String, String)]) -> Result<Params> {
        let mut values: BTreeMap<String, ParamValue> = declared
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect();
        for (name, text) in overrides {
            let p = declared.iter().find(|p| &p.name == name).ok_or_else(|| {
                Error::unknown("parameter", name, declared.iter().map(|p| p.name.clone()))
            })?;
            values.insert(name.clone(), p.parse(text)?);
        }
        Ok(Params { values })
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// A boolean parameter, or `default` when undeclared.
    pub fn bool_or(&self, name: &str, default: bool) -> bool {
        match self.values.get(name) {
            Some(ParamValue::Bool(b)) => *b,
            _ => default,
        }
    }

    /// A numeric parameter, or `default` when undeclared.
    pub fn float_or(&self, name: &str, default: f64) -> f64 {
        match self.values.get(name) {
            Some(ParamValue::Float(x)) => *x,
            Some(ParamValue::Int(i)) => *i as f64,
            _ => default,
        }
    }

    /// A choice parameter, or `default` when undeclared.
    pub fn choice_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        match self.values.get(name) {
            Some(ParamValue::Choice(c)) => c,
            _ => default,
        }
    }

    /// All values, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}
