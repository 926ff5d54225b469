//! Tests of the message files and the locale formatters. Never touches the network.

use super::*;
use fluent_bundle::FluentResource;
use fluent_syntax::ast::Entry;
use std::collections::BTreeSet;

/// Message ids and `id.attribute` names of one file; panics on a syntax error.
fn keys(name: &str, src: &str) -> BTreeSet<String> {
    let res = match FluentResource::try_new(src.to_string()) {
        Ok(r) => r,
        Err((_, errs)) => panic!("{name}: Fluent syntax errors: {errs:?}"),
    };
    let mut out = BTreeSet::new();
    for e in res.entries() {
        if let Entry::Message(m) = e {
            out.insert(m.id.name.to_string());
            for a in &m.attributes {
                out.insert(format!("{}.{}", m.id.name, a.id.name));
            }
        }
    }
    out
}

#[test]
fn every_key_exists_in_both_languages() {
    let en = keys("en", EN_FTL);
    let zh = keys("zh-CN", ZH_CN_FTL);
    let only_en: Vec<_> = en.difference(&zh).collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    assert!(only_en.is_empty() && only_zh.is_empty(), "only in en: {only_en:?}; only in zh-CN: {only_zh:?}");
    assert!(en.len() > 50, "the files look truncated");
}

#[test]
fn every_key_the_templates_and_code_use_exists() {
    let en = keys("en", EN_FTL);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    let mut files = Vec::new();
    for dir in ["templates", "src/ui"] {
        for e in std::fs::read_dir(root.join(dir)).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    for p in files {
        let text = std::fs::read_to_string(&p).expect("read");
        // Keys are written as l.t("key") / l.t1("key", …) in templates and i18n::t(loc, "key") in code.
        for pat in [".t(\"", ".t1(\"", "::t(loc, \""] {
            for (i, _) in text.match_indices(pat) {
                let rest = &text[i + pat.len()..];
                if let Some(end) = rest.find('"') {
                    let k = &rest[..end];
                    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                        used.insert((k.to_string(), p.display().to_string()));
                    }
                }
            }
        }
    }
    let missing: Vec<_> = used.iter().filter(|(k, _)| !en.contains(k)).collect();
    assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    assert!(used.len() > 30, "the key scan found too little: {}", used.len());
}

#[test]
fn translates_with_fallback_and_plurals() {
    assert_eq!(t(Locale::En, "nav-customers"), "Customers");
    assert_eq!(t(Locale::ZhCn, "nav-customers"), "客户");
    assert_eq!(t(Locale::ZhCn, "no-such-key"), "no-such-key");
    let one = t_args(Locale::En, "list-shown", &[("count", FluentValue::from(1)), ("shown", "1".into())]);
    let many = t_args(Locale::En, "list-shown", &[("count", FluentValue::from(25)), ("shown", "25".into())]);
    assert_eq!(one, "1 customer on this page");
    assert_eq!(many, "25 customers on this page");
    let zh = t_args(Locale::ZhCn, "list-shown", &[("count", FluentValue::from(25)), ("shown", "25".into())]);
    assert_eq!(zh, "本页 25 位客户");
}

#[test]
fn negotiates_accept_language() {
    assert_eq!(Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn);
    assert_eq!(Locale::negotiate("en-US,en;q=0.9,zh-CN;q=0.8"), Locale::En);
    assert_eq!(Locale::negotiate("fr-FR, zh-TW;q=0.5"), Locale::ZhCn);
    assert_eq!(Locale::negotiate("de, fr;q=0.8"), Locale::En);
    assert_eq!(Locale::negotiate(""), Locale::En);
    assert_eq!(Locale::negotiate("en;q=0.2, zh;q=0.7"), Locale::ZhCn);
    assert_eq!(Locale::negotiate("zh;q=0"), Locale::En);
    assert_eq!(Locale::from_tag("zh-cn"), Some(Locale::ZhCn));
    assert_eq!(Locale::from_tag("xx"), None);
}

#[test]
fn formats_dates_numbers_and_money() {
    let d = time::macros::date!(2026 - 11 - 28);
    assert_eq!(format_date(Locale::En, d), "28 Nov 2026");
    assert_eq!(format_date(Locale::ZhCn, d), "2026年11月28日");
    let t = time::macros::datetime!(2026-11-28 14:05:09 +08:00);
    assert_eq!(format_datetime(Locale::En, t), "28 Nov 2026, 06:05 UTC");
    assert_eq!(format_datetime(Locale::ZhCn, t), "2026年11月28日 06:05 UTC");
    assert_eq!(format_number(Locale::En, 100_000), "100,000");
    assert_eq!(format_number(Locale::ZhCn, -1_234_567), "-1,234,567");
    assert_eq!(format_number(Locale::En, 999), "999");
    assert_eq!(format_money(Locale::ZhCn, 123_450, "CNY"), "¥1,234.50");
    assert_eq!(format_money(Locale::En, 123_450, "CNY"), "CN¥1,234.50");
    assert_eq!(format_money(Locale::En, -5, "USD"), "-$0.05");
    assert_eq!(format_money(Locale::ZhCn, 100, "USD"), "US$1.00");
    assert_eq!(format_money(Locale::En, 100, "CHF"), "CHF\u{a0}1.00");
}

#[test]
fn keys_built_at_run_time_exist() {
    let en = keys("en", EN_FTL);
    let mut built: Vec<String> = Vec::new();
    built.extend(custos_domain::LifecycleStatus::ALL.iter().map(|s| format!("status-{}", s.as_str())));
    built.extend(custos_domain::CustomerKind::ALL.iter().map(|k| format!("kind-{}", k.as_str())));
    for s in ["sort-desc-updated-at", "sort-updated-at", "sort-name", "sort-desc-name", "sort-created-at"] {
        built.push(s.into());
    }
    for f in [
        "name",
        "kind",
        "status",
        "industry",
        "tier",
        "tags",
        "source",
        "email",
        "mobile",
        "phone",
        "address",
        "birthday",
        "national_id",
        "bank_account",
        "notes",
        "title",
    ] {
        built.push(format!("field-{f}"));
    }
    for e in [
        "error-bad-request",
        "error-too-large",
        "error-csrf",
        "error-not-found",
        "error-forbidden",
        "error-stale",
        "error-busy",
        "error-signed-out",
        "error-conflict",
        "error-internal",
        "error-erased",
        "error-too-many",
    ] {
        built.push(e.into());
        built.push(format!("{e}-detail"));
    }
    let missing: Vec<_> = built.iter().filter(|k| !en.contains(*k)).collect();
    assert!(missing.is_empty(), "{missing:?}");
}
