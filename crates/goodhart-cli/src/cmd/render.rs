//! `goodhart render`.

use std::time::Duration;

use anyhow::Context;
use goodhart_grid::{render, replay};

use super::ScenarioArgs;

/// Arguments of `render`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Actions, as for `replay`.
    #[arg(long, allow_hyphen_values = true, default_value = "")]
    pub actions: String,
    /// Seed of the episode's random draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file: `.gif` (the animated episode), `.svg` or `.png` (the last frame).
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Tile size in pixels.
    #[arg(long, default_value_t = render::DEFAULT_TILE)]
    pub tile: u32,
    /// Time each GIF frame is shown, in milliseconds (the last frame is held longer).
    #[arg(long, default_value_t = 250)]
    pub delay_ms: u64,
}

enum Format {
    Gif,
    Png,
    Svg,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("gif") => Format::Gif,
        Some("png") => Format::Png,
        Some("svg") => Format::Svg,
        other => anyhow::bail!(
            "cannot tell the format of `{}` from its extension{}: use .gif (animated episode), \
             .png or .svg (the last frame)",
            args.out.display(),
            other.map(|e| format!(" `.{e}`")).unwrap_or_default()
        ),
    };
    if !(4..=256).contains(&args.tile) {
        anyhow::bail!(
            "--tile {} is out of range: expected 4..=256 pixels",
            args.tile
        );
    }
    let s = args.scenario.load()?;
    let actions = s.parse_actions(&args.actions)?;
    let (traj, states) = replay(&s, args.seed, &actions)?;
    let bytes = match format {
        Format::Gif => {
            let frames = render::episode(&s, &traj, &states, args.tile);
            render::gif(&frames, Duration::from_millis(args.delay_ms))?
        }
        Format::Png | Format::Svg => {
            let last = states.last().expect("replay returns the initial state");
            let caption = render::Caption::for_episode(&traj)
                .pop()
                .expect("one caption per state");
            if let Format::Png = format {
                render::png(&render::draw(&s, last, Some(&caption), args.tile))?
            } else {
                render::draw_svg(&s, last, Some(&caption), args.tile).into_bytes()
            }
        }
    };
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    let what = match format {
        Format::Gif => format!("{} frames", states.len()),
        _ => format!("step {}", traj.len()),
    };
    eprintln!(
        "wrote {} ({what}, {} bytes): {} seed {}, proxy {} true {}",
        args.out.display(),
        bytes.len(),
        s.id(),
        args.seed,
        render::format_score(traj.proxy_return()),
        render::format_score(traj.true_return()),
    );
    Ok(())
}
