//! Bar charts: one or more series per category, as horizontal bars (long names on the left,
//! values at the bar ends) or vertical grouped bars (a time axis along the bottom). Every text
//! goes through `escape`; colours are presentation attributes, never a `style`.

use super::{
    AXIS, Fmt, PALETTE, Scale, Svg, WIDTH, axis_line, close, escape, grid_line, legend, open, text, text_width,
    truncate,
};
use std::fmt::Write;

/// Which way the bars grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Horizontal,
    Vertical,
}

/// A bar chart. `values[c][s]` is series `s` of category `c` (minor units or counts, ≥ 0).
pub struct BarChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub categories: Vec<String>,
    pub series: Vec<String>,
    pub values: Vec<Vec<i64>>,
    pub orientation: Orientation,
    /// A fixed scale (e.g. 0–100 %); otherwise a round one from the largest value.
    pub scale: Option<Scale>,
    /// The smallest tick step (100 for amounts in cents to tick on whole units; 1 for counts).
    pub unit: i64,
    /// Tick labels of the value axis.
    pub tick: Fmt<'a>,
    /// Value labels (bar ends, tooltips and the description).
    pub label: Fmt<'a>,
    /// A note per category, on a line under its bars (may be empty).
    pub notes: Vec<String>,
}

const LABEL_W: i64 = 170;
const VALUE_W: i64 = 190;
const BAR: i64 = 16;
const BAR_GAP: i64 = 3;
const GROUP_GAP: i64 = 14;
const NOTE_H: i64 = 15;
const LEGEND_H: i64 = 30;
const AXIS_H: i64 = 28;

impl BarChart<'_> {
    fn scale(&self) -> Scale {
        self.scale.clone().unwrap_or_else(|| {
            let max = self.values.iter().flatten().copied().max().unwrap_or(0);
            Scale::nice(max, 5, self.unit)
        })
    }

    /// The description: every category with every series value (and its note).
    fn desc(&self) -> String {
        let mut parts = Vec::with_capacity(self.categories.len());
        for (c, name) in self.categories.iter().enumerate() {
            let vals: Vec<String> = self
                .series
                .iter()
                .enumerate()
                .map(|(s, sname)| {
                    let v = self.value(c, s);
                    if self.series.len() > 1 { format!("{sname} {}", (self.label)(v)) } else { (self.label)(v) }
                })
                .collect();
            let note = self.notes.get(c).filter(|n| !n.is_empty()).map(|n| format!(" ({n})")).unwrap_or_default();
            parts.push(format!("{name}: {}{note}", vals.join(", ")));
        }
        parts.join("; ")
    }

    fn value(&self, c: usize, s: usize) -> i64 {
        self.values.get(c).and_then(|v| v.get(s)).copied().unwrap_or(0).max(0)
    }

    /// A bar with its tooltip.
    fn bar(&self, out: &mut String, (x, y, w, h): (i64, i64, i64, i64), c: usize, s: usize) {
        let tip = if self.series.len() > 1 {
            format!("{} — {}: {}", self.categories[c], self.series[s], (self.label)(self.value(c, s)))
        } else {
            format!("{}: {}", self.categories[c], (self.label)(self.value(c, s)))
        };
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{}\"><title>{}</title></rect>",
            PALETTE[s % PALETTE.len()],
            escape(&tip)
        );
    }

    /// The chart as an SVG element.
    pub fn render(&self) -> Svg {
        match self.orientation {
            Orientation::Horizontal => Svg(self.horizontal()),
            Orientation::Vertical => Svg(self.vertical()),
        }
    }

    fn horizontal(&self) -> String {
        let scale = self.scale();
        let n = i64::try_from(self.series.len().max(1)).unwrap_or(1);
        // A note (if any category has one) gets its own line under the bars.
        let note_h = if self.notes.iter().any(|n| !n.is_empty()) { NOTE_H } else { 0 };
        let group = n * BAR + (n - 1) * BAR_GAP;
        let cats = i64::try_from(self.categories.len()).unwrap_or(0);
        let top = if self.series.len() > 1 { LEGEND_H } else { 8 };
        let row = group + note_h + GROUP_GAP;
        let plot_h = cats * row;
        let height = top + plot_h + AXIS_H;
        let (x0, plot_w) = (LABEL_W, WIDTH - LABEL_W - VALUE_W);
        let mut out = String::with_capacity(2048);
        open(&mut out, self.id, self.title, &self.desc(), height);
        if self.series.len() > 1 {
            legend(&mut out, x0, 18, &self.series);
        }
        for t in scale.ticks() {
            let x = x0 + scale.px(t, plot_w);
            grid_line(&mut out, x, top, x, top + plot_h);
            text(
                &mut out,
                x,
                top + plot_h + 18,
                "middle",
                &(self.tick)(t),
                &format!(" fill=\"{AXIS}\" font-size=\"11\""),
            );
        }
        for (c, name) in self.categories.iter().enumerate() {
            let gy = top + i64::try_from(c).unwrap_or(0) * row + GROUP_GAP / 2;
            text(&mut out, x0 - 8, gy + group / 2 + 4, "end", &truncate(name, 22), "");
            for s in 0..self.series.len() {
                let y = gy + i64::try_from(s).unwrap_or(0) * (BAR + BAR_GAP);
                let v = self.value(c, s);
                let w = scale.px(v, plot_w).max(if v > 0 { 1 } else { 0 });
                self.bar(&mut out, (x0, y, w, BAR), c, s);
                let label = (self.label)(v);
                // At the bar's end; inside it (white on the dark series) when it would not fit.
                let room = WIDTH - (x0 + w + 6);
                if text_width(&label, 12) <= room || w < text_width(&label, 12) + 12 {
                    text(&mut out, x0 + w + 6, y + BAR - 3, "start", &label, " font-size=\"12\"");
                } else {
                    let fill = if s % 2 == 0 { " fill=\"#ffffff\"" } else { "" };
                    text(&mut out, x0 + w - 6, y + BAR - 3, "end", &label, &format!(" font-size=\"12\"{fill}"));
                }
            }
            if let Some(note) = self.notes.get(c).filter(|n| !n.is_empty()) {
                text(
                    &mut out,
                    x0 + 2,
                    gy + group + note_h - 3,
                    "start",
                    note,
                    &format!(" font-size=\"11\" fill=\"{AXIS}\""),
                );
            }
        }
        axis_line(&mut out, x0, top, x0, top + plot_h);
        close(&mut out);
        out
    }

    fn vertical(&self) -> String {
        let scale = self.scale();
        let (left, right, top, bottom) = (84, 12, if self.series.len() > 1 { LEGEND_H } else { 10 }, 36);
        let plot_h = 220;
        let height = top + plot_h + bottom;
        let plot_w = WIDTH - left - right;
        let cats = i64::try_from(self.categories.len().max(1)).unwrap_or(1);
        let n = i64::try_from(self.series.len().max(1)).unwrap_or(1);
        let slot = plot_w / cats;
        let bar = ((slot * 4 / 5) / n).clamp(2, 40);
        let mut out = String::with_capacity(4096);
        open(&mut out, self.id, self.title, &self.desc(), height);
        if self.series.len() > 1 {
            legend(&mut out, left, 18, &self.series);
        }
        let base = top + plot_h;
        for t in scale.ticks() {
            let y = base - scale.px(t, plot_h);
            grid_line(&mut out, left, y, left + plot_w, y);
            text(&mut out, left - 6, y + 4, "end", &(self.tick)(t), &format!(" fill=\"{AXIS}\" font-size=\"11\""));
        }
        // Label every k-th category so that labels (about 56 px) never overlap.
        let every = (56 / slot.max(1) + 1).max(1);
        for (c, name) in self.categories.iter().enumerate() {
            let ci = i64::try_from(c).unwrap_or(0);
            let gx = left + ci * slot + (slot - n * bar) / 2;
            for s in 0..self.series.len() {
                let v = self.value(c, s);
                let h = scale.px(v, plot_h).max(if v > 0 { 1 } else { 0 });
                self.bar(&mut out, (gx + i64::try_from(s).unwrap_or(0) * bar, base - h, bar, h), c, s);
            }
            if ci % every == 0 {
                let x = left + ci * slot + slot / 2;
                text(&mut out, x, base + 18, "middle", &truncate(name, 10), " font-size=\"11\"");
            }
        }
        axis_line(&mut out, left, base, left + plot_w, base);
        close(&mut out);
        out
    }
}
