//! `goodhart play`: a person plays a scenario in the terminal, rewarded by the proxy, and sees
//! the true score only when the episode ends.

use std::io::{IsTerminal, Write, stdout};
use std::sync::Arc;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{
    Attribute, Color, Print, ResetColor, SetAttribute, SetBackgroundColor, SetForegroundColor,
};
use crossterm::terminal::{self, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute, queue};
use goodhart_core::{Action, Env};
use goodhart_grid::render::{format_score, palette};
use goodhart_grid::{GridEnv, GridScenario, render};

use super::ScenarioArgs;

/// Arguments of `play`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed of the episode's random draws (`r` restarts with the same seed).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// How an episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Terminated,
    Truncated,
}

/// One game: the env and what the player has been shown.
struct Game {
    scenario: Arc<GridScenario>,
    env: GridEnv,
    seed: u64,
    proxy: f64,
    truth: f64,
    last_reward: Option<f64>,
    ending: Option<Ending>,
    message: String,
}

impl Game {
    fn new(scenario: Arc<GridScenario>, seed: u64) -> Self {
        let env = GridEnv::new(scenario.clone());
        let mut g = Game {
            scenario,
            env,
            seed,
            proxy: 0.0,
            truth: 0.0,
            last_reward: None,
            ending: None,
            message: String::new(),
        };
        g.restart();
        g
    }

    fn restart(&mut self) {
        self.env.reset(self.seed);
        self.proxy = 0.0;
        self.truth = 0.0;
        self.last_reward = None;
        self.ending = None;
        self.message.clear();
    }

    fn act(&mut self, action: Action) -> anyhow::Result<()> {
        self.message.clear();
        if self.ending.is_some() {
            self.message = "the episode is over: r plays again, q quits".into();
            return Ok(());
        }
        if action.index() >= self.scenario.num_actions {
            self.message = "this scenario has no noop (some have it with --set noops=true)".into();
            return Ok(());
        }
        let step = self.env.step_action(action)?;
        self.proxy += step.proxy_reward;
        self.truth += self.scenario.true_objective.evaluate(&step.events);
        self.last_reward = Some(step.proxy_reward);
        if step.terminated {
            self.ending = Some(Ending::Terminated);
        } else if step.truncated {
            self.ending = Some(Ending::Truncated);
        }
        Ok(())
    }
}

fn rgb(c: palette::Rgb) -> Color {
    Color::Rgb {
        r: c[0],
        g: c[1],
        b: c[2],
    }
}

/// Puts the terminal back: leaves raw mode and the alternate screen, shows the cursor.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        stdout(),
        ResetColor,
        SetAttribute(Attribute::Reset),
        cursor::Show,
        LeaveAlternateScreen
    );
}

/// Restores the terminal when dropped, including while unwinding from a panic.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> anyhow::Result<Self> {
        terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(stdout(), EnterAlternateScreen, cursor::Hide)?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = args.scenario.load()?;
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        anyhow::bail!(
            "play needs an interactive terminal; to run an action list use `goodhart replay {} --actions ...`",
            args.scenario.scenario
        );
    }
    let mut game = Game::new(s, args.seed);

    // Restore the terminal before a panic message is printed, then report as usual.
    let previous_hook = Arc::new(std::panic::take_hook());
    {
        let previous_hook = previous_hook.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous_hook(info);
        }));
    }
    let result = {
        let _guard = TerminalGuard::enter()?;
        play_loop(&mut game)
    };
    // Put the previous hook back (ours would restore a terminal that is no longer ours).
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| previous_hook(info)));

    if let Some(ending) = game.ending {
        println!(
            "{}: {} after {} steps: proxy {}, true {}",
            game.scenario.id(),
            match ending {
                Ending::Terminated => "ended",
                Ending::Truncated => "stopped at the step limit",
            },
            game.env.steps(),
            format_score(game.proxy),
            format_score(game.truth)
        );
    }
    result
}

fn play_loop(game: &mut Game) -> anyhow::Result<()> {
    loop {
        draw(game)?;
        // Other events (a resize, ...) only redraw.
        if let Event::Key(KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press | KeyEventKind::Repeat,
            ..
        }) = event::read()?
        {
            match code {
                KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => return Ok(()),
                KeyCode::Char('r') => game.restart(),
                KeyCode::Up => game.act(Action::Up)?,
                KeyCode::Down => game.act(Action::Down)?,
                KeyCode::Left => game.act(Action::Left)?,
                KeyCode::Right => game.act(Action::Right)?,
                KeyCode::Char('n') | KeyCode::Char(' ') => game.act(Action::Noop)?,
                _ => {}
            }
        }
    }
}

fn draw(game: &Game) -> anyhow::Result<()> {
    let s = &*game.scenario;
    let state = *game.env.state();
    let mut out = stdout().lock();
    let width = terminal::size()
        .map_or(80, |(w, _)| w as usize)
        .saturating_sub(2)
        .max(20);
    let mut y: u16 = 0;
    let line = |out: &mut std::io::StdoutLock<'_>, y: &mut u16| -> std::io::Result<()> {
        *y += 1;
        queue!(
            out,
            ResetColor,
            SetAttribute(Attribute::Reset),
            cursor::MoveTo(1, *y - 1)
        )
    };
    queue!(out, ResetColor, Clear(ClearType::All))?;

    line(&mut out, &mut y)?;
    queue!(
        out,
        SetAttribute(Attribute::Bold),
        Print(format!("goodhart play: {}", s.id())),
        SetAttribute(Attribute::Reset),
        Print(format!("  ({})", s.variant_summary)),
    )?;
    line(&mut out, &mut y)?;
    queue!(
        out,
        SetForegroundColor(rgb(palette::PROXY)),
        Print(format!(
            "you are rewarded by: {}",
            s.proxy.display(&s.events)
        )),
    )?;
    y += 1;

    // The board, two terminal columns per cell.
    let mut board = vec![0u8; s.world.cells()];
    s.render_chars(&state, &mut board);
    let agent = state.agent as usize;
    for (r, row) in board.chunks(s.world.cols).enumerate() {
        line(&mut out, &mut y)?;
        queue!(out, cursor::MoveTo(3, y - 1))?;
        for (c, &ch) in row.iter().enumerate() {
            let i = r * s.world.cols + c;
            if i == agent {
                queue!(
                    out,
                    SetBackgroundColor(rgb(palette::AGENT)),
                    SetForegroundColor(rgb(palette::AGENT_RING)),
                    SetAttribute(Attribute::Bold),
                    Print("@ "),
                    SetAttribute(Attribute::Reset),
                )?;
            } else {
                let (bg, fg, mark) = palette::cell_colors(&s.legend, ch);
                queue!(
                    out,
                    SetBackgroundColor(rgb(bg)),
                    SetForegroundColor(rgb(fg)),
                    Print(format!("{mark} ")),
                )?;
            }
        }
        queue!(out, ResetColor)?;
    }
    y += 1;

    // Where the agent stands, the step and the proxy score.
    line(&mut out, &mut y)?;
    let under = render::under_agent(s, &state);
    let standing = match s.legend.get(&under) {
        Some(role) => role.clone(),
        None if under == s.world.floor => "floor".to_string(),
        None => format!("`{}`", under as char),
    };
    queue!(
        out,
        Print(format!("step {}/{}   ", game.env.steps(), s.max_steps)),
        SetForegroundColor(rgb(palette::PROXY)),
        SetAttribute(Attribute::Bold),
        Print(format!("proxy {}", format_score(game.proxy))),
        SetAttribute(Attribute::Reset),
        SetForegroundColor(rgb(palette::PROXY)),
        Print(match game.last_reward {
            Some(r) => format!(" (last step {})", format_score(r)),
            None => String::new(),
        }),
        ResetColor,
        Print(format!("   on: {standing}")),
    )?;

    match game.ending {
        None => {
            line(&mut out, &mut y)?;
            queue!(
                out,
                SetForegroundColor(rgb(palette::CAPTION_LABEL)),
                Print("true score: hidden until the episode ends"),
            )?;
            y += 1;
            line(&mut out, &mut y)?;
            let noop = if s.num_actions == 5 {
                "   n/space: stay"
            } else {
                ""
            };
            queue!(
                out,
                Print(format!("arrow keys: move{noop}   r: restart   q: quit")),
            )?;
        }
        Some(ending) => {
            line(&mut out, &mut y)?;
            queue!(
                out,
                SetAttribute(Attribute::Bold),
                Print(match ending {
                    Ending::Terminated => "EPISODE OVER".to_string(),
                    Ending::Truncated => format!("EPISODE OVER (step limit {})", s.max_steps),
                }),
                SetAttribute(Attribute::Reset),
                Print("   "),
                SetForegroundColor(rgb(palette::PROXY)),
                SetAttribute(Attribute::Bold),
                Print(format!("proxy {}", format_score(game.proxy))),
                Print("   "),
                SetForegroundColor(rgb(palette::TRUE)),
                Print(format!("TRUE {}", format_score(game.truth))),
                SetAttribute(Attribute::Reset),
            )?;
            let verdict = if (game.proxy - game.truth).abs() < 1e-9 {
                "proxy and true agree this time"
            } else {
                "why they differ"
            };
            for l in wrap(&format!("{verdict}: {}", s.summary), width) {
                line(&mut out, &mut y)?;
                queue!(out, Print(l))?;
            }
            let objective = format!(
                "the true objective: {}",
                s.true_objective.display(&s.events)
            );
            for l in wrap(&objective, width) {
                line(&mut out, &mut y)?;
                queue!(out, SetForegroundColor(rgb(palette::TRUE)), Print(l))?;
            }
            y += 1;
            line(&mut out, &mut y)?;
            queue!(out, Print("r: play again   q: quit"))?;
        }
    }
    for l in wrap(&game.message, width) {
        line(&mut out, &mut y)?;
        queue!(out, SetForegroundColor(rgb(palette::PROXY)), Print(l))?;
    }
    queue!(out, ResetColor)?;
    out.flush()?;
    Ok(())
}

/// `text` broken into lines of at most `width` characters at spaces (longer words are split).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefg", 3), ["abc", "def", "g"]);
        assert!(wrap("", 10).is_empty());
    }
}
