//! `goodhart solve`: compile a scenario and solve it exactly for one objective.

use std::time::Instant;

use goodhart_mdp::{
    DiscountedOptions, backward_induction, policy_iteration, value_iteration,
    value_iteration_gauss_seidel,
};
use serde::Serialize;

use super::ScenarioArgs;
use super::gap::{Limits, Model, build, compile, num};

/// Which objective to optimize.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveChoice {
    /// The reward the agent sees.
    Proxy,
    /// What we meant.
    True,
}

/// Which solver to run.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Finite-horizon backward induction over the scenario's step limit (exact).
    Backward,
    /// Discounted value iteration (the greedy policy is epsilon-optimal).
    ValueIteration,
    /// Discounted value iteration with Gauss-Seidel sweeps, highest state first (one thread).
    GaussSeidel,
    /// Discounted policy iteration.
    PolicyIteration,
}

/// Arguments of `solve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The objective to optimize.
    #[arg(long, value_enum, default_value = "proxy")]
    pub objective: ObjectiveChoice,
    /// The solver.
    #[arg(long, value_enum, default_value = "backward")]
    pub method: Method,
    /// Discount in (0, 1] (default: 1 for backward induction, 0.99 otherwise).
    #[arg(long)]
    pub discount: Option<f64>,
    /// Accuracy of the iterative solvers' policy value.
    #[arg(long, default_value_t = 1e-6)]
    pub epsilon: f64,
    /// Most sweeps (value iteration) or improvement steps (policy iteration).
    #[arg(long, default_value_t = 100_000)]
    pub max_iterations: usize,
    #[command(flatten)]
    pub limits: Limits,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Output {
    scenario: String,
    variant: String,
    objective: &'static str,
    method: &'static str,
    discount: f64,
    horizon: u32,
    states: usize,
    transitions: usize,
    start_value: f64,
    iterations: usize,
    compile_seconds: f64,
    solve_seconds: f64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    let objective = match args.objective {
        ObjectiveChoice::Proxy => s.proxy,
        ObjectiveChoice::True => s.true_objective,
    };
    let discount = args.discount.unwrap_or(match args.method {
        Method::Backward => 1.0,
        _ => 0.99,
    });
    let opts = DiscountedOptions {
        discount,
        epsilon: args.epsilon,
        max_iterations: args.max_iterations,
        relative: false,
    };
    let h = s.max_steps;
    let t0 = Instant::now();
    // Backward induction needs only the states within the step limit, and can use the
    // factored form of a model too large to tabulate; the other solvers need the whole table.
    let model = match args.method {
        Method::Backward => build(&s, &args.limits)?,
        _ => Model::Flat(compile(&s, &args.limits)?),
    };
    let compile_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (start_value, iterations, method, states, transitions) = match &model {
        Model::Factored(f) => {
            let (v, _) = f.solve(&objective, h, discount, false)?;
            (
                v,
                h as usize,
                "backward (factored)",
                f.num_states(),
                f.num_transitions() as usize,
            )
        }
        Model::Flat(c) => {
            let rewards = c.mdp.rewards(&objective);
            let (v, it, m) = match args.method {
                Method::Backward => {
                    let sol = backward_induction(&c.mdp, &rewards, h, discount, false)?;
                    (sol.start_value, h as usize, "backward")
                }
                Method::ValueIteration => {
                    let sol = value_iteration(&c.mdp, &rewards, &opts)?;
                    (sol.start_value, sol.iterations, "value-iteration")
                }
                Method::GaussSeidel => {
                    let sol = value_iteration_gauss_seidel(&c.mdp, &rewards, &opts)?;
                    (sol.start_value, sol.iterations, "gauss-seidel")
                }
                Method::PolicyIteration => {
                    let sol = policy_iteration(&c.mdp, &rewards, &opts)?;
                    (sol.start_value, sol.iterations, "policy-iteration")
                }
            };
            (v, it, m, c.mdp.num_states(), c.mdp.num_transitions())
        }
    };
    let out = Output {
        scenario: s.name.clone(),
        variant: s.variant.clone(),
        objective: match args.objective {
            ObjectiveChoice::Proxy => "proxy",
            ObjectiveChoice::True => "true",
        },
        method,
        discount,
        horizon: h,
        states,
        transitions,
        start_value,
        iterations,
        compile_seconds,
        solve_seconds: t1.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}  {} objective, {}", s.id(), out.objective, out.method);
        println!("states        {}", out.states);
        println!("transitions   {}", out.transitions);
        println!("horizon       {}", out.horizon);
        println!("discount      {}", out.discount);
        println!(
            "optimal value {}  (expected from the start)",
            num(out.start_value)
        );
        println!(
            "iterations    {}{}",
            out.iterations,
            if args.method == Method::Backward {
                " (steps)"
            } else {
                ""
            }
        );
        println!(
            "seconds       {:.4} compile, {:.4} solve",
            out.compile_seconds, out.solve_seconds
        );
    }
    Ok(())
}
