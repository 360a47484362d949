//! The exact solvers' speed benchmark (issue 3, "Speed"):
//!
//! ```text
//! cargo bench -p goodhart-mdp --bench mdp -- [--n 1000] [--sweeps 20] [--export DIR] [--solve]
//!     [--repeat R]
//! ```
//!
//! Generates the slippery lava grid of `goodhart_mdp::synthetic` (`n × n + 1` states, 4
//! actions, stochastic), compiles it, and times value-iteration sweeps on one thread and on
//! all threads: on the whole sparse table, on its live part (`LiveTable`, what the solvers
//! sweep) and on the pattern-compressed table (`StencilTable`, states sorted row-major). Prints
//! seconds per sweep beside the memory-bandwidth bound: the bytes a sweep must read and write
//! divided by the machine's measured copy bandwidth. `--solve` also runs value iteration to
//! convergence for `Pmax=? [F "goal"]` (discount 1, Storm's relative 1e-6 rule), by Jacobi
//! sweeps of the live table and of the stencil table and by Gauss-Seidel; `--export DIR`
//! writes the model as NumPy arrays and in Storm's DRN format (with the goal labelled) for
//! `scripts/bench_mdp.py`. The last line, `BENCH_JSON {...}`, carries every figure for
//! scripts (sweep times are medians over `--sweeps` sweeps; `*_min` fields are the fastest).
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it only runs a small smoke test.

use std::time::Instant;

use goodhart_mdp::synthetic::SlipperyGrid;
use goodhart_mdp::{
    CompileOptions, DiscountedOptions, LiveTable, StencilOptions, StencilTable, bellman_sweep,
    compile, value_iteration, value_iteration_gauss_seidel, value_iteration_stencil,
};

struct Args {
    n: u32,
    sweeps: usize,
    export: Option<std::path::PathBuf>,
    solve: bool,
    repeat: usize,
}

fn parse() -> Option<Args> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if !argv.iter().any(|a| a == "--bench") {
        return None;
    }
    let mut args = Args {
        n: 1000,
        sweeps: 20,
        export: None,
        solve: false,
        repeat: 1,
    };
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--n" => args.n = it.next().and_then(|v| v.parse().ok()).expect("--n N"),
            "--sweeps" => args.sweeps = it.next().and_then(|v| v.parse().ok()).expect("--sweeps K"),
            "--export" => args.export = it.next().map(Into::into),
            "--solve" => args.solve = true,
            "--repeat" => args.repeat = it.next().and_then(|v| v.parse().ok()).expect("--repeat R"),
            _ => {}
        }
    }
    Some(args)
}

/// The median of `x` (the mean of the middle two for an even count).
fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len();
    if n % 2 == 1 {
        x[n / 2]
    } else {
        (x[n / 2 - 1] + x[n / 2]) / 2.0
    }
}

/// Copy bandwidth in bytes per second, counting bytes read plus bytes written (STREAM's
/// convention): the best of several copies of a 256 MiB buffer (the machine's capability; the
/// sweeps' medians are compared with it, which favours the bound).
fn copy_bandwidth() -> f64 {
    let n = 32 << 20;
    let src: Vec<u64> = (0..n as u64).collect();
    let mut dst = vec![0u64; n];
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let t = Instant::now();
        dst.copy_from_slice(&src);
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(&dst);
    }
    (2 * n * 8) as f64 / best
}

fn main() {
    let Some(args) = parse() else {
        // Smoke test under `cargo test --all-targets`.
        let grid = SlipperyGrid::new(20, 0.1, 0);
        let c = compile(&grid, &CompileOptions::default()).expect("compiles");
        let r = c.mdp.rewards(c.mdp.proxy());
        let mut v = vec![0.0; c.mdp.num_states()];
        let mut w = v.clone();
        bellman_sweep(&c.mdp, &r, 1.0, &v, &mut w, false);
        std::mem::swap(&mut v, &mut w);
        let st = StencilTable::from_compiled(&c, &r, &StencilOptions::default()).expect("converts");
        let mut u = vec![0.0; st.num_states()];
        st.sweep(1.0, &vec![0.0; st.num_states()], &mut u, false);
        return;
    };
    let threads = rayon::current_num_threads();
    let t = Instant::now();
    let grid = SlipperyGrid::new(args.n, 0.1, 0);
    let generate = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let opts = CompileOptions {
        max_states: 100_000_000,
        max_transitions: u32::MAX as usize,
        max_depth: None,
    };
    let c = compile(&grid, &opts).expect("the benchmark model compiles");
    let compile_s = t.elapsed().as_secs_f64();
    let mdp = &c.mdp;
    let (s, a, m) = (mdp.num_states(), mdp.num_actions(), mdp.num_transitions());
    println!(
        "slippery lava grid {n}x{n}: {s} states, {} choices, {m} transitions",
        s * a,
        n = args.n
    );
    println!("generate {generate:.3} s, compile {compile_s:.3} s");
    let r = mdp.rewards(mdp.proxy());

    // Bytes one sweep must move: row offsets, next and prob of every transition, the reward
    // of every row, the previous values (at least once) and the new values.
    let bytes = (4 * (s * a + 1) + 12 * m + 8 * s * a + 8 * s + 8 * s) as f64;
    let bw = copy_bandwidth();
    let bound = bytes / bw;

    // The median and the fastest time of `args.sweeps` sweeps on `threads` threads, after one
    // warm-up, from `init` (`V = 1/2` on every state whose value can change, so that each one
    // changes, as during convergence).
    let time_sweeps =
        |threads: usize, init: &[f64], sweep: &(dyn Fn(&[f64], &mut [f64]) + Sync)| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            pool.install(|| {
                let mut v = init.to_vec();
                let mut w = vec![0.0; init.len()];
                sweep(&v, &mut w); // warm-up
                let mut times = Vec::with_capacity(args.sweeps);
                for _ in 0..args.sweeps {
                    v.copy_from_slice(init);
                    let t = Instant::now();
                    sweep(&v, &mut w);
                    times.push(t.elapsed().as_secs_f64());
                    std::mem::swap(&mut v, &mut w);
                }
                std::hint::black_box(&v);
                let fastest = times.iter().copied().fold(f64::INFINITY, f64::min);
                (median(times), fastest)
            })
        };
    let full = |v: &[f64], w: &mut [f64]| {
        bellman_sweep(mdp, &r, 1.0, v, w, true);
    };
    let halves = vec![0.5; s];
    let (one, one_min) = time_sweeps(1, &halves, &full);
    let (all, all_min) = time_sweeps(threads, &halves, &full);
    println!(
        "copy bandwidth {:.2} GB/s (read + write); a sweep of the whole table moves {:.1} MB: \
         bound {:.2} ms",
        bw / 1e9,
        bytes / 1e6,
        bound * 1e3
    );
    println!(
        "value-iteration sweep (whole table): {:.2} ms on 1 thread ({:.2}x the bound; fastest \
         {:.2} ms), {:.2} ms on {threads} threads ({:.2}x; fastest {:.2} ms)",
        one * 1e3,
        one / bound,
        one_min * 1e3,
        all * 1e3,
        all / bound,
        all_min * 1e3
    );

    // The sweep the solvers run: the live states only (graph precomputation).
    let t = Instant::now();
    let live = LiveTable::new(mdp, &r);
    let live_build = t.elapsed().as_secs_f64();
    let live_bytes = live.sweep_bytes() as f64;
    let live_bound = live_bytes / bw;
    let sweep_live = |v: &[f64], w: &mut [f64]| {
        live.sweep(1.0, v, w, true);
    };
    let live_halves = vec![0.5; live.num_live()];
    let (live_one, live_one_min) = time_sweeps(1, &live_halves, &sweep_live);
    let (live_all, live_all_min) = time_sweeps(threads, &live_halves, &sweep_live);
    println!(
        "live table ({:.3} s to build): {} states, {} transitions, {:.1} MB a sweep: bound {:.2} \
         ms; sweep {:.2} ms on 1 thread ({:.2}x; fastest {:.2} ms), {:.2} ms on {threads} threads \
         ({:.2}x; fastest {:.2} ms)",
        live_build,
        live.num_live(),
        live.num_transitions(),
        live_bytes / 1e6,
        live_bound * 1e3,
        live_one * 1e3,
        live_one / live_bound,
        live_one_min * 1e3,
        live_all * 1e3,
        live_all / live_bound,
        live_all_min * 1e3
    );

    // The pattern-compressed table: states sorted by cell (row-major), each distinct choice
    // stored once, runs of states with the same choices as blocks.
    let t = Instant::now();
    let stencil = StencilTable::from_compiled(&c, &r, &StencilOptions::default());
    let stencil_build = t.elapsed().as_secs_f64();
    let stencil_json = match &stencil {
        Err(e) => {
            println!("stencil table: declined ({e})");
            serde_json::Value::Null
        }
        Ok(st) => {
            // V = 1/2 on the live states, 0 elsewhere (as every iterate), in stencil order.
            let init = st.to_stencil_order(&live.expand(&live_halves));
            let sweep_stencil = |v: &[f64], w: &mut [f64]| {
                st.sweep(1.0, v, w, true);
            };
            let st_bytes = st.sweep_bytes() as f64;
            let st_bound = st_bytes / bw;
            let (st_one, st_one_min) = time_sweeps(1, &init, &sweep_stencil);
            let (st_all, st_all_min) = time_sweeps(threads, &init, &sweep_stencil);
            // The same sweep as the live table's, bit for bit.
            let mut want = vec![0.0; live.num_live()];
            let res_live = live.sweep(1.0, &live_halves, &mut want, true);
            let mut got = vec![0.0; st.num_states()];
            let res = st.sweep(1.0, &init, &mut got, true);
            let identical = st.to_table_order(&got) == live.expand(&want) && res == res_live;
            println!(
                "stencil table ({:.3} s to convert): {} patterns, {} tuples, {} blocks ({:.0} \
                 states each), {} dead states zeroed inside blocks; a sweep reads and writes \
                 {:.1} MB: bound {:.2} ms; sweep {:.2} ms on 1 thread ({:.2}x the bound; fastest \
                 {:.2} ms), {:.2} ms on {threads} threads ({:.2}x; fastest {:.2} ms); same values \
                 as the live table's sweep: {identical}",
                stencil_build,
                st.num_patterns(),
                st.num_tuples(),
                st.num_blocks(),
                st.num_states() as f64 / st.num_blocks() as f64,
                st.num_zeroed(),
                st_bytes / 1e6,
                st_bound * 1e3,
                st_one * 1e3,
                st_one / st_bound,
                st_one_min * 1e3,
                st_all * 1e3,
                st_all / st_bound,
                st_all_min * 1e3
            );
            serde_json::json!({
                "build_seconds": stencil_build, "patterns": st.num_patterns(),
                "tuples": st.num_tuples(), "blocks": st.num_blocks(),
                "zeroed": st.num_zeroed(), "sweep_bytes": st_bytes,
                "bound_seconds": st_bound, "sweep_seconds_1": st_one,
                "sweep_seconds_all": st_all, "sweep_seconds_1_min": st_one_min,
                "sweep_seconds_all_min": st_all_min, "identical_to_live": identical,
            })
        }
    };

    let mut solve = serde_json::Value::Null;
    if args.solve {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("thread pool");
        let opts = DiscountedOptions {
            discount: 1.0,
            epsilon: 1e-6,
            max_iterations: 1_000_000,
            relative: true,
        };
        let mut out = serde_json::Map::new();
        let methods: &[&str] = if stencil.is_ok() {
            &["jacobi", "stencil", "gauss_seidel"]
        } else {
            &["jacobi", "gauss_seidel"]
        };
        for &name in methods {
            // Gauss-Seidel and the stencil table's Jacobi sweeps (conversion included), which
            // are compared with Storm, `--repeat` times (the fastest counts: the machine is
            // shared); the live table's Jacobi once.
            let runs = if name == "jacobi" {
                1
            } else {
                args.repeat.max(1)
            };
            let mut times = Vec::new();
            let mut sol = None;
            for _ in 0..runs {
                let t = Instant::now();
                let x = pool
                    .install(|| match (name, &stencil) {
                        ("gauss_seidel", _) => value_iteration_gauss_seidel(mdp, &r, &opts),
                        // The conversion counts: it is part of the solve.
                        ("stencil", _) => value_iteration_stencil(&c, &r, &opts),
                        _ => value_iteration(mdp, &r, &opts),
                    })
                    .expect("converges");
                times.push(t.elapsed().as_secs_f64());
                sol = Some(x);
            }
            let sol = sol.expect("at least one run");
            let secs = times.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "Pmax=? [F goal], value iteration ({name}, relative 1e-6, 1 thread): {:.10e} in \
                 {} sweeps, {secs:.3} s (fastest of {runs})",
                sol.start_value, sol.iterations
            );
            out.insert(
                name.into(),
                serde_json::json!({
                    "pmax": sol.start_value, "iterations": sol.iterations, "seconds": secs,
                    "all_seconds": times,
                }),
            );
        }
        solve = serde_json::Value::Object(out);
    }
    if let Some(dir) = &args.export {
        let t = Instant::now();
        goodhart_mdp::write_npy(mdp, dir).expect("export");
        // Storm's format, with the goal labelled for `Pmax=? [F "goal"]`.
        let goal: Vec<u32> = c
            .states
            .iter()
            .position(|&x| x == grid.goal())
            .map(|i| vec![i as u32])
            .unwrap_or_default();
        goodhart_mdp::write_drn(mdp, &dir.join("model.drn"), &[("goal", &goal)]).expect("export");
        println!(
            "exported to {} in {:.2} s",
            dir.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let json = serde_json::json!({
        "n": args.n, "states": s, "choices": s * a, "transitions": m,
        "generate_seconds": generate, "compile_seconds": compile_s,
        "copy_bandwidth": bw, "sweep_bytes": bytes, "bound_seconds": bound,
        "sweep_seconds_1": one, "sweep_seconds_all": all, "threads": threads,
        "sweep_seconds_1_min": one_min, "sweep_seconds_all_min": all_min,
        "live_states": live.num_live(), "live_transitions": live.num_transitions(),
        "live_build_seconds": live_build, "live_sweep_bytes": live_bytes,
        "live_bound_seconds": live_bound, "live_sweep_seconds_1": live_one,
        "live_sweep_seconds_all": live_all, "live_sweep_seconds_1_min": live_one_min,
        "live_sweep_seconds_all_min": live_all_min,
        "stencil": stencil_json,
        "solve": solve,
    });
    println!("BENCH_JSON {json}");
}
