//! The pages' static resources cover the sales records: every error code the sales domain
//! emits has a message (`err-<code>`, how form errors are translated) in both languages, and
//! every lead status has its badge style in the one style sheet. Reads files only.

use custos_domain::sales::LeadStatus;
use custos_web::ui::i18n::{Locale, has};
use std::path::Path;

/// Source text outside `#[cfg(test)]` modules (tests may use made-up codes).
fn production_source(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// The string literal starting at `s` (after leading whitespace), if any.
fn literal(s: &str) -> Option<&str> {
    let rest = s.trim_start().strip_prefix('"')?;
    rest.find('"').map(|end| &rest[..end])
}

/// The second argument of a call whose arguments start at `args`, if it is a string literal
/// (`errors.push(field, "code", message)`); `None` for calls with a single argument.
fn second_literal(args: &str) -> Option<&str> {
    let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
    for (i, c) in args.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            _ if in_str => {}
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return None,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return literal(&args[i + 1..]),
            _ => {}
        }
    }
    None
}

/// Error codes of `ValueError::new("code", …)` and `FieldErrors::push(field, "code", …)`.
fn error_codes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("ValueError::new(") {
        out.extend(literal(&text[i + "ValueError::new(".len()..]).map(str::to_string));
    }
    for (i, _) in text.match_indices(".push(") {
        out.extend(second_literal(&text[i + ".push(".len()..]).map(str::to_string));
    }
    out
}

#[test]
fn the_scanner_finds_codes_in_both_forms() {
    let src = "e.push(format!(\"stages[{i}].id\"), \"duplicate\", \"m\");\nv.push((a, \"no\"));\n\
               Err(ValueError::new(\n  \"too_large\", \"m\"))";
    assert_eq!(error_codes(src), ["too_large", "duplicate"]);
}

#[test]
fn every_sales_error_code_has_a_message_in_both_languages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../custos-domain/src/sales");
    let mut codes = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("sales sources") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read");
            codes.extend(error_codes(production_source(&text)));
        }
    }
    for code in ["invalid_amount", "invalid_currency", "too_large", "required"] {
        assert!(codes.contains(code), "the scan missed {code}: {codes:?}");
    }
    let missing: Vec<String> = codes
        .iter()
        .map(|c| format!("err-{}", c.replace('_', "-")))
        .filter(|k| !has(Locale::En, k) || !has(Locale::ZhCn, k))
        .collect();
    assert!(missing.is_empty(), "no message for {missing:?}");
}

#[test]
fn every_lead_status_has_a_badge_style() {
    let css = include_str!("../static/custos.css");
    let missing: Vec<&str> =
        LeadStatus::ALL.iter().map(|s| s.as_str()).filter(|s| !css.contains(&format!(".badge-lead-{s} {{"))).collect();
    assert!(missing.is_empty(), "no .badge-lead-* style for {missing:?}");
}
