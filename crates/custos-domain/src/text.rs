//! Bounded free-text rules shared by every text field: trimming, length in characters,
//! and refusal of control characters.

use crate::errors::ValueError;

/// Limits of one text field.
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    pub max_chars: usize,
    /// Whether line breaks and tabs are allowed (addresses, notes).
    pub multiline: bool,
}

pub const NAME: TextRule = TextRule { max_chars: 200, multiline: false };
pub const SHORT: TextRule = TextRule { max_chars: 100, multiline: false };
pub const ADDRESS: TextRule = TextRule { max_chars: 500, multiline: true };
pub const NOTES: TextRule = TextRule { max_chars: 10_000, multiline: true };
pub const TAG: TextRule = TextRule { max_chars: 50, multiline: false };
pub const MAX_TAGS: usize = 20;

/// Trims and checks a required text value.
pub fn required(value: &str, rule: TextRule) -> Result<String, ValueError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValueError::new("required", "must not be empty"));
    }
    bounded(v, rule)
}

/// Trims and checks an optional text value; an empty string means "none".
pub fn optional(value: &str, rule: TextRule) -> Result<Option<String>, ValueError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    bounded(v, rule).map(Some)
}

fn bounded(v: &str, rule: TextRule) -> Result<String, ValueError> {
    let n = v.chars().count();
    if n > rule.max_chars {
        return Err(ValueError::new("too_long", format!("must be at most {} characters (got {n})", rule.max_chars)));
    }
    let bad = v.chars().any(|c| c.is_control() && !(rule.multiline && (c == '\n' || c == '\t' || c == '\r')));
    if bad {
        return Err(ValueError::new("control_character", "must not contain control characters"));
    }
    Ok(v.to_string())
}

/// Validates a tag list: each tag a short single-line text, no duplicates, at most `MAX_TAGS`.
pub fn tags(values: &[String]) -> Result<Vec<String>, ValueError> {
    if values.len() > MAX_TAGS {
        return Err(ValueError::new("too_many", format!("at most {MAX_TAGS} tags")));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let t = required(v, TAG)?;
        if t.contains(',') {
            return Err(ValueError::new("invalid", "a tag must not contain a comma"));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(required("  张三 ", NAME).unwrap(), "张三");
        assert!(required("   ", NAME).is_err());
        assert_eq!(optional("", SHORT).unwrap(), None);
        let long: String = "字".repeat(201);
        assert_eq!(required(&long, NAME).unwrap_err().code, "too_long");
        assert_eq!(required(&"字".repeat(200), NAME).unwrap().chars().count(), 200);
        assert_eq!(required("a\u{0}b", NAME).unwrap_err().code, "control_character");
        assert!(required("a\nb", NAME).is_err());
        assert!(required("a\nb", NOTES).is_ok());
    }

    #[test]
    fn tags_are_deduplicated_and_sorted() {
        let t = tags(&["vip".into(), " b2b".into(), "vip".into()]).unwrap();
        assert_eq!(t, vec!["b2b".to_string(), "vip".to_string()]);
        assert!(tags(&["a,b".into()]).is_err());
        assert!(tags(&vec!["x".to_string(); 21]).is_err());
    }
}
