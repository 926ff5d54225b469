//! A funnel: one centred bar per step, its width proportional to the step's count, with the
//! count and its share of the first step. Every text goes through `escape`; never a `style`.

use super::{Fmt, PALETTE, Svg, WIDTH, close, escape, open, text, truncate};
use std::fmt::Write;

/// One step of a funnel.
pub struct FunnelStep {
    pub label: String,
    pub count: i64,
}

pub struct FunnelChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub steps: Vec<FunnelStep>,
    /// Formats a count.
    pub label: Fmt<'a>,
}

/// `part` as a whole percentage of `whole` (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let p = (i128::from(part.max(0)) * 200 + i128::from(whole)) / (2 * i128::from(whole));
    i64::try_from(p).unwrap_or(0)
}

impl FunnelChart<'_> {
    pub fn render(&self) -> Svg {
        let (label_w, row, bar_h, top) = (200, 34, 26, 6);
        let rows = i64::try_from(self.steps.len()).unwrap_or(0);
        let height = top * 2 + rows * row;
        let plot_w = WIDTH - label_w - 16;
        let first = self.steps.first().map_or(0, |s| s.count).max(1);
        let desc: Vec<String> = self
            .steps
            .iter()
            .map(|s| format!("{}: {} ({}%)", s.label, (self.label)(s.count), percent(s.count, first)))
            .collect();
        let mut out = String::with_capacity(2048);
        open(&mut out, self.id, self.title, &desc.join("; "), height);
        let centre = label_w + plot_w / 2;
        for (i, s) in self.steps.iter().enumerate() {
            let y = top + i64::try_from(i).unwrap_or(0) * row;
            let w = i64::try_from(i128::from(s.count.clamp(0, first)) * i128::from(plot_w) / i128::from(first))
                .unwrap_or(0)
                .max(if s.count > 0 { 2 } else { 0 });
            let shade = PALETTE[if i % 2 == 0 { 0 } else { 1 }];
            let tip = format!("{}: {} ({}%)", s.label, (self.label)(s.count), percent(s.count, first));
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{y}\" width=\"{w}\" height=\"{bar_h}\" rx=\"3\" fill=\"{shade}\"><title>{}</title></rect>",
                centre - w / 2,
                escape(&tip)
            );
            text(&mut out, label_w - 10, y + bar_h / 2 + 5, "end", &truncate(&s.label, 26), "");
            let figure = format!("{} · {}%", (self.label)(s.count), percent(s.count, first));
            // Dark text on the light bars and on the background, white on the dark bars.
            let fill = if i % 2 == 0 && w > 120 { " fill=\"#ffffff\"" } else { "" };
            text(&mut out, centre, y + bar_h / 2 + 5, "middle", &figure, &format!("{fill} font-weight=\"600\""));
        }
        close(&mut out);
        Svg(out)
    }
}
