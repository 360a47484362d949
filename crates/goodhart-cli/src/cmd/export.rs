//! `goodhart export`: the compiled model in PRISM's explicit format, Storm's DRN, JSON or NumPy
//! arrays, so that PRISM, Storm or a script can check goodhart's numbers (formats:
//! `goodhart_mdp::write_prism`, `write_drn`, `write_json`, `write_npy`). The exported MDP is
//! the stationary one; the step limit is printed and written beside it.

use std::path::PathBuf;

use anyhow::Context;

use super::ScenarioArgs;
use super::gap::{Limits, compile};

/// Export format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PRISM explicit files: model.tra, model.lab, proxy/true .trew and .srew, model.props.
    Prism,
    /// Storm's explicit format, one file model.drn (proxy and true as reward models).
    Drn,
    /// One JSON file, model.json (columnar arrays; see the goodhart-mdp docs).
    Json,
    /// NumPy arrays, one .npy file per column plus meta.json (for large models).
    Npy,
}

/// Arguments of `export`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub limits: Limits,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    let c = compile(&s, &args.limits)?;
    let files = match args.format {
        Format::Prism => goodhart_mdp::write_prism(&c.mdp, &args.out)?,
        Format::Drn => {
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("creating {}", args.out.display()))?;
            goodhart_mdp::write_drn(&c.mdp, &args.out.join("model.drn"), &[])?;
            vec!["model.drn".to_string()]
        }
        Format::Npy => goodhart_mdp::write_npy(&c.mdp, &args.out)?,
        Format::Json => {
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("creating {}", args.out.display()))?;
            let names: Vec<String> = c
                .states
                .iter()
                .map(|st| {
                    let (r, col) = s.world.row_col(st.agent);
                    format!(
                        "agent ({r},{col}) level {} items {:#x} flags {:#x} movers {:?}",
                        st.level, st.items, st.flags, st.movers
                    )
                })
                .collect();
            goodhart_mdp::write_json(&c.mdp, &args.out.join("model.json"), Some(&names))?;
            vec!["model.json".to_string()]
        }
    };
    println!(
        "{}: {} states, {} transitions, horizon {} -> {}",
        s.id(),
        c.mdp.num_states(),
        c.mdp.num_transitions(),
        c.mdp.horizon(),
        args.out.display()
    );
    for f in files {
        println!("    {f}");
    }
    Ok(())
}
