//! Server-drawn SVG charts (bars, grouped bars, a line, a funnel), written by hand: the page
//! gets finished markup and runs no chart script. Every text that can hold user data (names,
//! labels) goes through `escape`; colours and sizes are SVG presentation attributes, never
//! `style` attributes (the page CSP has no 'unsafe-inline'). Each chart is an
//! `<svg role="img">` with a `<title>` and a `<desc>` that lists every value, so a screen
//! reader gets the figures too. It formats no numbers itself: callers pass formatters (the
//! locale's, from `ui::i18n`) and already translated titles.

mod bars;
mod funnel;
mod line;
#[cfg(test)]
mod tests;

pub use bars::{BarChart, Orientation};
pub use funnel::{FunnelChart, FunnelStep};
pub use line::LineChart;

use std::fmt::Write;

/// Width of every chart's drawing (the SVG scales to its container through `viewBox`).
pub const WIDTH: i64 = 720;
/// Series colours, in order (WCAG AA against white for the darker ones; the lighter sit beside a darker).
pub const PALETTE: [&str; 4] = ["#1d4ed8", "#93c5fd", "#15803d", "#b45309"];
const AXIS: &str = "#6b7280";
const GRID: &str = "#e5e7eb";
const TEXT: &str = "#1f2937";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'PingFang SC', 'Noto Sans CJK SC', sans-serif";

/// Finished chart markup. Only this module makes one, and every text inside went through
/// `escape`: that is what lets a template insert it unescaped (`|safe`), and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Svg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0 text.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Roughly how wide `s` is drawn at `font_size` px (CJK characters count double): enough to
/// keep labels inside the drawing, not typesetting.
pub fn text_width(s: &str, font_size: i64) -> i64 {
    let units: i64 = s.chars().map(|c| if (c as u32) >= 0x2e80 { 2 } else { 1 }).sum();
    units * font_size * 6 / 10
}

/// `s` cut to at most `max` characters, with an ellipsis when cut (before escaping).
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// `a / b` rounded up, for `a ≥ 0` and `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a / b + i64::from(a % b != 0)
}

/// A value axis from zero: a round step and the ticks up to the first tick ≥ the maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub step: i64,
    pub max: i64,
}

impl Scale {
    /// A scale for values up to `max` with about `target` intervals, whose step is 1, 2 or 5
    /// times a power of ten times `unit` (so money ticks fall on whole currency units and
    /// count ticks on whole numbers).
    pub fn nice(max: i64, target: i64, unit: i64) -> Scale {
        let unit = unit.max(1);
        let target = target.max(1);
        let max = max.max(0);
        if max == 0 {
            return Scale { step: unit, max: unit };
        }
        // Smallest step (in units) with step × target ≥ max.
        let needed = ceil_div(ceil_div(max, unit), target).max(1);
        let mut magnitude: i64 = 1;
        let step_units = loop {
            if let Some(m) = [1, 2, 5].iter().map(|f| f * magnitude).find(|s| *s >= needed) {
                break m;
            }
            match magnitude.checked_mul(10) {
                Some(m) => magnitude = m,
                None => break needed,
            }
        };
        let step = step_units.saturating_mul(unit);
        let top = ceil_div(max, step).saturating_mul(step);
        Scale { step, max: top }
    }

    /// A fixed scale (e.g. percentages to 100).
    pub fn fixed(max: i64, step: i64) -> Scale {
        Scale { step: step.max(1), max: max.max(1) }
    }

    pub fn ticks(&self) -> Vec<i64> {
        let mut t = Vec::new();
        let mut v = 0;
        while v <= self.max && t.len() <= 100 {
            t.push(v);
            match v.checked_add(self.step) {
                Some(next) => v = next,
                None => break,
            }
        }
        t
    }

    /// The length of `value` on an axis of `length` pixels (clamped to the axis).
    pub fn px(&self, value: i64, length: i64) -> i64 {
        let v = i128::from(value.clamp(0, self.max));
        i64::try_from(v * i128::from(length) / i128::from(self.max.max(1))).unwrap_or(length)
    }
}

/// Formats a value (minor units or a count) for a label.
pub type Fmt<'a> = &'a dyn Fn(i64) -> String;

/// The `<svg>` start with its accessible name and description; `id` must be unique on the page.
pub(crate) fn open(out: &mut String, id: &str, title: &str, desc: &str, height: i64) {
    let id = escape(id);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"{FONT}\" font-size=\"13\" fill=\"{TEXT}\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
}

pub(crate) fn close(out: &mut String) {
    out.push_str("</svg>");
}

/// A text element; `anchor` is start, middle or end.
pub(crate) fn text(out: &mut String, x: i64, y: i64, anchor: &str, body: &str, extra: &str) {
    let _ = write!(out, "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\"{extra}>{}</text>", escape(body));
}

/// A legend row of coloured squares and series names at `y`, starting at `x`.
pub(crate) fn legend(out: &mut String, x: i64, y: i64, names: &[String]) {
    let mut cx = x;
    out.push_str("<g class=\"legend\">");
    for (i, n) in names.iter().enumerate() {
        let _ = write!(
            out,
            "<rect x=\"{cx}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            y - 10,
            PALETTE[i % PALETTE.len()]
        );
        let shown = truncate(n, 28);
        text(out, cx + 17, y, "start", &shown, "");
        cx += 17 + 8 * i64::try_from(shown.chars().count()).unwrap_or(28) + 24;
    }
    out.push_str("</g>");
}

/// A grid line with its tick label along a value axis. Vertical axis: `horizontal_line`.
pub(crate) fn grid_line(out: &mut String, x1: i64, y1: i64, x2: i64, y2: i64) {
    let _ = write!(out, "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{GRID}\" stroke-width=\"1\"/>");
}

pub(crate) fn axis_line(out: &mut String, x1: i64, y1: i64, x2: i64, y2: i64) {
    let _ = write!(out, "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{AXIS}\" stroke-width=\"1\"/>");
}

/// An empty-state chart: the frame and a centred message.
pub fn empty(id: &str, title: &str, message: &str) -> Svg {
    let mut out = String::new();
    open(&mut out, id, title, message, 120);
    text(&mut out, WIDTH / 2, 64, "middle", message, &format!(" fill=\"{AXIS}\""));
    close(&mut out);
    Svg(out)
}
