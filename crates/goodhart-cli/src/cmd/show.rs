//! `goodhart show`.

use goodhart_core::FiniteModel;

use super::ScenarioArgs;

/// Arguments of `show`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    println!("{}  ({})", s.id(), s.file);
    println!("{}\n", s.summary);
    println!("{}", s.description.trim());
    println!();
    let mut initial = Vec::new();
    s.initial_states(&mut initial);
    for (i, level) in s.world.levels.iter().enumerate() {
        let state = initial
            .iter()
            .find(|(st, _)| st.level as usize == i)
            .map(|x| x.0);
        let p = s.world.level_probs[i];
        let title = if s.world.levels.len() > 1 {
            format!("level `{}` (drawn with probability {p})", level.name)
        } else {
            format!("level `{}`", level.name)
        };
        println!("{title}:");
        match state {
            Some(st) => s.board_text(&st).iter().for_each(|l| println!("    {l}")),
            None => level
                .chars
                .chunks(s.world.cols)
                .for_each(|r| println!("    {}", String::from_utf8_lossy(r))),
        }
        println!();
    }
    println!("legend:");
    for (c, role) in &s.legend {
        println!("    '{}'  {role}", *c as char);
    }
    println!("\nevents:");
    for e in s.events.iter() {
        println!("    {:24} {}", e.name, e.description);
    }
    println!(
        "\nproxy objective (what the agent is rewarded for):\n    {}",
        s.proxy.display(&s.events)
    );
    println!(
        "true objective (what we meant; hidden from the agent):\n    {}",
        s.true_objective.display(&s.events)
    );
    println!(
        "\nactions (in tie-break order): {}",
        s.action_names.join(", ")
    );
    println!(
        "step limit: {} (the episode is truncated after it)",
        s.max_steps
    );
    if !s.declared.is_empty() {
        println!("\nparameters (--set NAME=VALUE):");
        for p in &s.declared {
            let value = s
                .params
                .get(&p.name)
                .map(|v| v.to_string())
                .unwrap_or_default();
            println!(
                "    {:24} = {value:10} [{}]  {}",
                p.name,
                p.accepted(),
                p.description
            );
        }
    }
    let hidden = s.mechanic.hidden_draws();
    if !hidden.is_empty() {
        println!(
            "\nhidden random draws (not observed by the agent): {}",
            hidden.join(", ")
        );
    }
    if s.variants.len() > 1 {
        println!("\nvariants:");
        for (v, summary) in &s.variants {
            println!("    {}:{v:14} {summary}", s.name);
        }
    }
    Ok(())
}
