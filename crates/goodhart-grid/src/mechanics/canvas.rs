//! Helpers for models drawn on a canvas: scenarios whose state is not a position on a map
//! (a feed's polarization, a bidder's budget, a worker's fatigue) but is drawn on a small board
//! of role-marked cells, so that text, PNG and GIF rendering work unchanged.

use goodhart_core::Result;

use super::BuildContext;

/// The cells of the first level holding a character with role `role`, in row-major order.
pub(crate) fn cells(ctx: &BuildContext, role: &str) -> Vec<u16> {
    let chars = ctx.chars_with_role(role);
    ctx.world.levels[0]
        .chars
        .iter()
        .enumerate()
        .filter(|(_, c)| chars.contains(c))
        .map(|(i, _)| i as u16)
        .collect()
}

/// The one cell of the first level with role `role`.
pub(crate) fn cell(ctx: &BuildContext, role: &str) -> Result<u16> {
    match cells(ctx, role)[..] {
        [c] => Ok(c),
        _ => Err(ctx.error(
            "levels",
            format!("the canvas needs exactly one cell with the role `{role}`"),
        )),
    }
}

/// The one character with role `role`.
pub(crate) fn char_of(ctx: &BuildContext, role: &str) -> Result<u8> {
    ctx.char_with_role(role)
}

/// Checks that the scenario plays one canvas (a model has one level per variant).
pub(crate) fn single_level(ctx: &BuildContext, mechanic: &str) -> Result<()> {
    if ctx.world.levels.len() == 1 {
        Ok(())
    } else {
        Err(ctx.error(
            "variants",
            format!("the `{mechanic}` model draws on one canvas: give each variant one level"),
        ))
    }
}

/// Fills `gauge` cells: the first `filled` with `on`, the rest with `off`.
pub(crate) fn gauge(board: &mut [u8], gauge: &[u16], filled: usize, on: u8, off: u8) {
    for (k, &c) in gauge.iter().enumerate() {
        board[c as usize] = if k < filled { on } else { off };
    }
}
