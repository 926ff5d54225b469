//! Languages of the pages: the Fluent message files (en, zh-CN) compiled into the binary, the
//! choice of locale (the `custos_lang` cookie, else Accept-Language), and locale formatting of
//! dates, numbers and money. It never reads files at run time and never panics on a missing key
//! (it falls back to English, then to the key itself).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;
use time::{Date, OffsetDateTime};

/// Message files, embedded at compile time.
pub const EN_FTL: &str = include_str!("../../i18n/en/main.ftl");
pub const ZH_CN_FTL: &str = include_str!("../../i18n/zh-CN/main.ftl");

/// A language the pages are available in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag (also the `lang` attribute and the cookie value).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, shown in the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "简体中文",
        }
    }

    /// An exact tag as stored in the cookie or sent by the switcher.
    pub fn from_tag(s: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(s.trim()))
    }

    /// The best supported language for an `Accept-Language` header; English when none fits.
    /// Any Chinese (zh, zh-CN, zh-Hans, zh-TW …) gets Simplified Chinese, the only Chinese we have.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut best: Option<(u16, Locale)> = None;
        for part in accept_language.split(',').take(32) {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q=").map(|v| v.trim().parse::<f32>().unwrap_or(0.0)))
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            let primary = tag.split('-').next().unwrap_or("");
            let loc = match primary {
                "zh" => Locale::ZhCn,
                "en" => Locale::En,
                _ => continue,
            };
            // Higher q wins; on a tie the earlier entry wins.
            let score = (q.clamp(0.0, 1.0) * 1000.0) as u16;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, loc));
            }
        }
        best.map_or(Locale::En, |(_, l)| l)
    }
}

fn bundle(loc: Locale, src: &str) -> FluentBundle<FluentResource> {
    let lang = loc.tag().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks around arguments: both languages are left-to-right, and the
    // marks would end up inside HTML attributes and copied text.
    b.set_use_isolating(false);
    // A syntax error still yields the entries that parsed; a unit test keeps the files clean.
    let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(res, _)| res);
    let _ = b.add_resource(res);
    b
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| [bundle(Locale::En, EN_FTL), bundle(Locale::ZhCn, ZH_CN_FTL)]);

fn bundle_for(loc: Locale) -> &'static FluentBundle<FluentResource> {
    match loc {
        Locale::En => &BUNDLES[0],
        Locale::ZhCn => &BUNDLES[1],
    }
}

fn format_in(loc: Locale, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let b = bundle_for(loc);
    let pattern = b.get_message(key)?.value()?;
    let mut errors = Vec::new();
    let s = b.format_pattern(pattern, args, &mut errors);
    Some(s.into_owned())
}

/// The message `key` in `loc`, else in English, else the key itself.
pub fn t(loc: Locale, key: &str) -> String {
    t_args(loc, key, &[])
}

/// Like `t`, with named arguments (numbers as `FluentValue::from(n)` drive plural rules).
pub fn t_args(loc: Locale, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let fa = (!args.is_empty()).then(|| {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        fa
    });
    format_in(loc, key, fa.as_ref())
        .or_else(|| format_in(Locale::En, key, fa.as_ref()))
        .unwrap_or_else(|| key.to_string())
}

/// Whether `key` exists in `loc` (used to translate error codes with an English fallback).
pub fn has(loc: Locale, key: &str) -> bool {
    bundle_for(loc).has_message(key)
}

const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A calendar date: `28 Nov 2026` or `2026年11月28日`.
pub fn format_date(loc: Locale, d: Date) -> String {
    let m = u8::from(d.month());
    match loc {
        Locale::En => format!("{} {} {}", d.day(), EN_MONTHS[usize::from(m - 1)], d.year()),
        Locale::ZhCn => format!("{}年{}月{}日", d.year(), m, d.day()),
    }
}

/// A moment, shown in UTC: `28 Nov 2026, 14:05 UTC` or `2026年11月28日 14:05 UTC`.
pub fn format_datetime(loc: Locale, t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let sep = match loc {
        Locale::En => ", ",
        Locale::ZhCn => " ",
    };
    format!("{}{sep}{:02}:{:02} UTC", format_date(loc, t.date()), t.hour(), t.minute())
}

/// An integer with thousands grouping (both languages group by three with a comma).
pub fn format_number(_loc: Locale, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount in minor units (cents, fen) of an ISO 4217 currency with two decimals, with the
/// symbol CLDR uses for the locale: CNY is `¥` in zh-CN and `CN¥` in English, USD is `$` in
/// English and `US$` in zh-CN. Other currencies show their code.
pub fn format_money(loc: Locale, minor: i64, currency: &str) -> String {
    let symbol = match (currency, loc) {
        ("CNY", Locale::ZhCn) => "¥".to_string(),
        ("CNY", Locale::En) => "CN¥".to_string(),
        ("USD", Locale::En) => "$".to_string(),
        ("USD", Locale::ZhCn) => "US$".to_string(),
        ("EUR", _) => "€".to_string(),
        ("GBP", _) => "£".to_string(),
        ("HKD", _) => "HK$".to_string(),
        (code, _) => format!("{code}\u{a0}"),
    };
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = i64::try_from(abs / 100).unwrap_or(i64::MAX);
    format!("{sign}{symbol}{}.{:02}", format_number(loc, whole), abs % 100)
}

#[cfg(test)]
mod tests;
