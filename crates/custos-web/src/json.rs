//! The JSON body extractor: enforces the content type and size limit, rejects unknown
//! fields, and turns every parse failure into a problem that names the field without
//! echoing the submitted value.

use crate::problem::Problem;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// serde messages may quote the offending value; keep only what describes the expectation.
fn scrub(msg: &str) -> String {
    if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        match msg.split_once(", expected ") {
            Some((_, exp)) => format!("wrong type: expected {}", exp.split(" at line").next().unwrap_or(exp)),
            None => "wrong type".into(),
        }
    } else {
        msg.split(" at line").next().unwrap_or(msg).to_string()
    }
}

/// Parses `bytes` as `T`, mapping failures to a 400 problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let bad = Problem::new(StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid");
        if inner.is_syntax() || inner.is_eof() {
            return bad.detail(format!("malformed JSON: {}", scrub(&inner.to_string())));
        }
        let field = if path == "." { "body".to_string() } else { path };
        bad.detail("the JSON does not match the expected shape").field(&field, "invalid", scrub(&inner.to_string()))
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            )
            .detail("send the body as application/json"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "Request body too large")
                    .detail(format!("the body must be at most {} bytes", crate::BODY_LIMIT))
            } else {
                Problem::new(StatusCode::BAD_REQUEST, "unreadable_body", "The request body could not be read")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        national_id: Option<String>,
    }

    #[test]
    fn errors_name_the_field_but_not_the_value() {
        let p = parse_json::<T>(br#"{"national_id": 110105194912310021}"#).unwrap_err();
        let s = serde_json::to_string(&p).unwrap();
        assert!(s.contains("national_id"), "{s}");
        assert!(!s.contains("110105194912310021"), "{s}");
        let p = parse_json::<T>(br#"{"nope": "secret-value"}"#).unwrap_err();
        let s = serde_json::to_string(&p).unwrap();
        assert!(s.contains("unknown field"), "{s}");
        assert!(!s.contains("secret-value"), "{s}");
        assert!(parse_json::<T>(b"{").is_err());
    }
}
