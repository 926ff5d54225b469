//! Static files of the pages (one CSS file, htmx, the icon), compiled into the binary and
//! served under content-hashed names with year-long immutable caching. It never reads the
//! file system at run time and never serves anything but these embedded files.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One embedded file.
pub struct Asset {
    /// Name in `static/`, e.g. `custos.css`.
    pub name: &'static str,
    /// URL path with the content hash, e.g. `/static/custos.3f9a0c1b2d4e.css`.
    pub url: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

fn asset(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(body)[..6]);
    let url = match name.rsplit_once('.') {
        Some((stem, ext)) => format!("/static/{stem}.{hash}.{ext}"),
        None => format!("/static/{name}.{hash}"),
    };
    Asset { name, url, content_type, body }
}

/// Every file the pages use.
pub static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset("custos.css", "text/css; charset=utf-8", include_bytes!("../../static/custos.css")),
        asset("htmx.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/htmx.min.js")),
        asset("favicon.svg", "image/svg+xml", include_bytes!("../../static/favicon.svg")),
        asset("board.js", "text/javascript; charset=utf-8", include_bytes!("../../static/board.js")),
    ]
});

/// The hashed URL of an embedded file (empty if the name is unknown, which a test rules out).
pub fn url(name: &str) -> &'static str {
    ASSETS.iter().find(|a| a.name == name).map_or("", |a| a.url.as_str())
}

/// `GET /static/{file}`: an embedded file by its hashed name.
pub async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/static/{file}");
    let Some(a) = ASSETS.iter().find(|a| a.url == wanted) else {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "not found").into_response();
    };
    let mut res = a.body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_hashed_url() {
        for name in ["custos.css", "htmx.min.js", "favicon.svg"] {
            let u = url(name);
            assert!(u.starts_with("/static/") && u.len() > name.len() + 20, "{name}: {u}");
        }
        assert_eq!(url("nope.css"), "");
    }
}
