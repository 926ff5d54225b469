//! A line chart of one series over ordered periods (e.g. new customers per month), with a
//! marker and tooltip per point. Every text goes through `escape`; never a `style` attribute.

use super::{AXIS, Fmt, PALETTE, Scale, Svg, WIDTH, axis_line, close, escape, grid_line, open, text, truncate};
use std::fmt::Write;

/// Room one period label needs along the axis, in px.
const LABEL_W: i64 = 64;

/// Points `(label, value)` in order; values ≥ 0.
pub struct LineChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub points: Vec<(String, i64)>,
    pub unit: i64,
    pub tick: Fmt<'a>,
    pub label: Fmt<'a>,
}

impl LineChart<'_> {
    pub fn render(&self) -> Svg {
        // Room at both ends for half a period label.
        let (left, right, top, bottom, plot_h) = (72, 36, 12, 36, 200);
        let height = top + plot_h + bottom;
        let plot_w = WIDTH - left - right;
        let max = self.points.iter().map(|p| p.1).max().unwrap_or(0);
        let scale = Scale::nice(max, 4, self.unit);
        let desc: Vec<String> = self.points.iter().map(|(l, v)| format!("{l}: {}", (self.label)(*v))).collect();
        let mut out = String::with_capacity(4096);
        open(&mut out, self.id, self.title, &desc.join("; "), height);
        let base = top + plot_h;
        for t in scale.ticks() {
            let y = base - scale.px(t, plot_h);
            grid_line(&mut out, left, y, left + plot_w, y);
            text(&mut out, left - 6, y + 4, "end", &(self.tick)(t), &format!(" fill=\"{AXIS}\" font-size=\"11\""));
        }
        let n = i64::try_from(self.points.len()).unwrap_or(0);
        let x_of = |i: i64| if n <= 1 { left + plot_w / 2 } else { left + i * plot_w / (n - 1) };
        let coords: Vec<(i64, i64)> = self
            .points
            .iter()
            .enumerate()
            .map(|(i, (_, v))| (x_of(i64::try_from(i).unwrap_or(0)), base - scale.px(*v, plot_h)))
            .collect();
        if coords.len() > 1 {
            let pts: Vec<String> = coords.iter().map(|(x, y)| format!("{x},{y}")).collect();
            let _ = write!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
                pts.join(" "),
                PALETTE[0]
            );
        }
        let every = if n <= 1 { 1 } else { (LABEL_W * (n - 1) / plot_w.max(1) + 1).max(1) };
        for (i, ((label, v), (x, y))) in self.points.iter().zip(&coords).enumerate() {
            let _ = write!(
                out,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"{}\"><title>{}</title></circle>",
                PALETTE[0],
                escape(&format!("{label}: {}", (self.label)(*v)))
            );
            if i64::try_from(i).unwrap_or(0) % every == 0 {
                text(&mut out, *x, base + 18, "middle", &truncate(label, 10), " font-size=\"11\"");
            }
        }
        axis_line(&mut out, left, base, left + plot_w, base);
        close(&mut out);
        Svg(out)
    }
}
