//! Tests of the chart module: round scales, escaping of user text, accessible markup and no
//! inline styles.

use super::funnel::percent;
use super::*;

fn count(v: i64) -> String {
    v.to_string()
}

#[test]
fn scales_use_round_steps_from_zero() {
    let cases = [
        // (max, target, unit) → (step, top)
        ((0, 5, 1), (1, 1)),
        ((1, 5, 1), (1, 1)),
        ((7, 5, 1), (2, 8)),
        ((10, 5, 1), (2, 10)),
        ((11, 5, 1), (5, 15)),
        ((99, 5, 1), (20, 100)),
        ((123_456, 5, 100), (50_000, 150_000)),
        ((100_000, 5, 100), (20_000, 100_000)),
        ((9_999_999_999, 4, 100), (5_000_000_000, 10_000_000_000)),
        ((-5, 5, 1), (1, 1)),
    ];
    for ((max, target, unit), (step, top)) in cases {
        let s = Scale::nice(max, target, unit);
        assert_eq!((s.step, s.max), (step, top), "max {max} target {target} unit {unit}");
        let t = s.ticks();
        assert_eq!((t[0], *t.last().unwrap()), (0, top));
        assert!(t.len() <= usize::try_from(target).unwrap() + 2, "{t:?}");
        // Steps are 1, 2 or 5 × 10^k units.
        let mut u = step / unit.max(1);
        while u % 10 == 0 {
            u /= 10;
        }
        assert!([1, 2, 5].contains(&u), "step {step}");
    }
    let huge = Scale::nice(i64::MAX, 5, 1);
    assert!(huge.max >= i64::MAX / 2 && (2..=101).contains(&huge.ticks().len()), "{huge:?}");
    let pct = Scale::fixed(100, 25);
    assert_eq!(pct.ticks(), [0, 25, 50, 75, 100]);
    assert_eq!((pct.px(50, 200), pct.px(150, 200), pct.px(-3, 200)), (100, 200, 0));
}

#[test]
fn percentages_round_half_up() {
    assert_eq!((percent(1, 3), percent(2, 3), percent(1, 8), percent(5, 0), percent(0, 9)), (33, 67, 13, 0, 0));
}

#[test]
fn escaping_neutralises_markup_and_control_characters() {
    assert_eq!(
        escape("<script>alert('x')</script> & \"q\""),
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
    );
    assert_eq!(escape("a\u{0}b\u{1b}c\nd"), "a\u{fffd}b\u{fffd}c\nd");
    assert_eq!(truncate("abcdef", 4), "abc…");
    assert_eq!(truncate("张三李四", 4), "张三李四");
}

fn assert_safe(svg: &Svg) {
    let svg = svg.as_str();
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
    assert!(svg.contains("role=\"img\"") && svg.contains("<title id=") && svg.contains("<desc id="), "{svg}");
    assert!(!svg.contains("<script"), "unescaped markup: {svg}");
    assert!(!svg.contains("style="), "inline style: {svg}");
    let handler = svg.match_indices(" on").any(|(i, _)| {
        let rest = &svg[i + 3..];
        let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].starts_with('=')
    });
    assert!(!handler, "event handler attribute: {svg}");
    // Every element that starts is closed or self-closed: a crude well-formedness check.
    let starts = svg.matches('<').count() - svg.matches("</").count();
    assert_eq!(starts, svg.matches("</").count() + svg.matches("/>").count(), "unbalanced tags: {svg}");
}

#[test]
fn every_chart_escapes_user_names_and_is_accessible() {
    let evil = "<script>alert(1)</script>\"'&".to_string();
    for orientation in [Orientation::Horizontal, Orientation::Vertical] {
        let chart = BarChart {
            id: "c1",
            title: "Pipeline <value>",
            categories: vec![evil.clone(), "Négociation 谈判".into()],
            series: vec!["Total".into(), evil.clone()],
            values: vec![vec![1_000, 500], vec![0, 0]],
            orientation,
            scale: None,
            unit: 100,
            tick: &count,
            label: &count,
            notes: vec![evil.clone(), String::new()],
        };
        let svg = chart.render();
        assert_safe(&svg);
        let svg = svg.as_str();
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{svg}");
        assert!(svg.contains("<title id=\"c1-title\">Pipeline &lt;value&gt;</title>"), "{svg}");
        assert!(svg.contains("Négociation 谈判: Total 0"), "every value is in the description: {svg}");
    }
    let line = LineChart {
        id: "l",
        title: "New customers",
        points: vec![(evil.clone(), 3), ("2026-02".into(), 5), ("2026-03".into(), 0)],
        unit: 1,
        tick: &count,
        label: &count,
    }
    .render();
    assert_safe(&line);
    let line = line.as_str();
    assert!(line.contains("<polyline") && line.matches("<circle").count() == 3, "{line}");
    let funnel = FunnelChart {
        id: "f",
        title: "Funnel",
        steps: vec![FunnelStep { label: evil.clone(), count: 8 }, FunnelStep { label: "Won".into(), count: 2 }],
        label: &count,
    }
    .render();
    assert_safe(&funnel);
    let funnel = funnel.as_str();
    assert!(funnel.contains("Won: 2 (25%)"), "{funnel}");
    let e = empty("e", "Nothing <here>", "No data");
    assert_safe(&e);
}

#[test]
fn bars_are_proportional_to_values() {
    let chart = BarChart {
        id: "p",
        title: "t",
        categories: vec!["a".into(), "b".into()],
        series: vec!["s".into()],
        values: vec![vec![100], vec![50]],
        orientation: Orientation::Horizontal,
        scale: Some(Scale::fixed(100, 25)),
        unit: 1,
        tick: &count,
        label: &count,
        notes: vec![],
    };
    let svg = chart.render().to_string();
    let plot_w = WIDTH - 170 - 190;
    assert!(svg.contains(&format!("width=\"{plot_w}\" height=\"16\"")), "{svg}");
    assert!(svg.contains(&format!("width=\"{}\" height=\"16\"", plot_w / 2)), "{svg}");
}
