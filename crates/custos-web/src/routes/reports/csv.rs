//! CSV for report downloads: RFC 4180 (CRLF line ends, fields with a comma, quote or line break
//! quoted, quotes doubled), UTF-8, with spreadsheet formula injection neutralised — a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a name
//! such as `=HYPERLINK(…)` stays text in Excel, LibreOffice and Sheets. It never drops or
//! changes a cell beyond that quote.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One cell, neutralised and quoted as needed.
pub fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    if v.contains([',', '"', '\r', '\n']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A document: the header row, then every row, each ending in CRLF.
pub fn document(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// A `text/csv` attachment named `{name}.csv` that no cache keeps.
pub fn attachment(name: &'static str, body: String) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_per_rfc_4180() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("张三"), "张三");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("+41"), "'+41");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assert_eq!(cell("a=1"), "a=1");
    }

    #[test]
    fn documents_end_every_line_with_crlf() {
        let d = document(&["stage", "amount"], &[vec!["Won, finally".into(), "10.00".into()]]);
        assert_eq!(d, "stage,amount\r\n\"Won, finally\",10.00\r\n");
    }
}
