//! Optimistic concurrency over HTTP: ETags carry a record's version; an update names the
//! version it was based on through `If-Match` (412 when stale) or `version` (409 when stale).

use crate::problem::{Problem, VersionSource};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

/// The strong ETag of a version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The version named by `If-Match`, if the header is present.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let bad = || {
        Problem::new(StatusCode::BAD_REQUEST, "invalid_if_match", "Invalid If-Match header")
            .detail("send the ETag you received, e.g. If-Match: \"3\"")
    };
    let s = v.to_str().map_err(|_| bad())?.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let n = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).ok_or_else(bad)?;
    n.parse::<i64>().map(Some).map_err(|_| bad())
}

/// The expected version of an update, from If-Match or the body; both must agree.
pub fn expected_version(headers: &HeaderMap, body: Option<i64>) -> Result<Option<(i64, VersionSource)>, Problem> {
    match (if_match(headers)?, body) {
        (Some(h), Some(b)) if h != b => {
            Err(Problem::new(StatusCode::BAD_REQUEST, "version_mismatch", "Conflicting versions")
                .detail("If-Match and \"version\" name different versions"))
        }
        (Some(h), _) => Ok(Some((h, VersionSource::IfMatch))),
        (None, Some(b)) => Ok(Some((b, VersionSource::Body))),
        (None, None) => Ok(None),
    }
}

/// A record as JSON with its ETag, and `Location: {collection}/{id}` when it was just created.
pub fn versioned<T: serde::Serialize>(
    status: StatusCode,
    body: T,
    version: i64,
    created_at: Option<(&str, &dyn std::fmt::Display)>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut().insert(header::ETAG, etag(version));
    if let Some((collection, id)) = created_at
        && let Ok(v) = HeaderValue::from_str(&format!("{collection}/{id}"))
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}
