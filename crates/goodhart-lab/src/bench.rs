//! `goodhart bench`: the specification-gaming benchmark as a built-in spec: every built-in
//! scenario variant × every available optimizer (default parameters) × the default seeds.
//! `--quick` keeps each scenario's default variant, one seed and short rollouts.

use crate::error::Result;
use crate::optimizer::Registry;
use crate::spec::{DEFAULT_SEEDS, Experiment};

/// The benchmark spec as TOML text (stored with the results as the experiment's parameters).
pub fn spec_text(registry: &Registry, quick: bool) -> String {
    let mut t = String::new();
    if quick {
        t.push_str("name = \"bench-quick\"\n");
        t.push_str(
            "description = \"goodhart bench --quick: each scenario's default variant, every \
             optimizer, one seed\"\n",
        );
    } else {
        t.push_str("name = \"bench\"\n");
        t.push_str(
            "description = \"goodhart bench: the specification-gaming benchmark, every built-in \
             scenario variant x every optimizer x the default seeds\"\n",
        );
    }
    t.push_str("seed = 0\n");
    t.push_str(if quick {
        "scenarios = [\"*\"]\n"
    } else {
        "scenarios = [\"all\"]\n"
    });
    t.push_str("mitigations = [\"none\"]\n");
    if quick {
        t.push_str("seeds = 1\n");
    } else {
        t.push_str(&format!("seeds = {DEFAULT_SEEDS}\n"));
    }
    t.push_str("record = [\"outcome\", \"curves\", \"trajectories\"]\n");
    for o in registry.iter() {
        t.push_str(&format!("\n[[optimizers]]\nname = \"{}\"\n", o.name()));
        if quick {
            for p in o.params() {
                if let Some(q) = quick_value(o.name(), p.name) {
                    t.push_str(&format!("{} = {q}\n", p.name));
                }
            }
        }
    }
    t
}

/// Smaller budgets for `--quick`.
fn quick_value(optimizer: &str, param: &str) -> Option<&'static str> {
    match (optimizer, param) {
        ("random", "episodes") => Some("200"),
        _ => None,
    }
}

/// The benchmark as an expanded experiment.
pub fn spec(registry: &Registry, quick: bool) -> Result<Experiment> {
    let name = if quick {
        "<built-in>/bench-quick.toml"
    } else {
        "<built-in>/bench.toml"
    };
    Experiment::parse(name, &spec_text(registry, quick), registry)
}
