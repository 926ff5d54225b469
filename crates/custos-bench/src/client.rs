//! The HTTP/1.1 client side: one keep-alive hyper connection per worker (no pool, no
//! redirects, no TLS) and the one-off sign-in. It only ever connects to the loopback
//! addresses the servers reported, and never retries on its own.

use crate::error::{BenchError, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::task::JoinHandle;

/// One open keep-alive connection.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    task: JoinHandle<()>,
}

impl Conn {
    /// Connects (TCP_NODELAY, as common clients do) and performs the HTTP/1.1 handshake.
    pub async fn open(addr: SocketAddr) -> std::result::Result<Conn, String> {
        if !addr.ip().is_loopback() {
            return Err(format!("refusing to connect to non-loopback {addr}"));
        }
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| format!("set TCP_NODELAY: {e}"))?;
        let (sender, conn) =
            http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        let task = tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender, task })
    }

    /// Sends one request and reads the whole response body.
    pub async fn send(&mut self, req: Request<Full<Bytes>>) -> std::result::Result<(StatusCode, Bytes), String> {
        self.sender.ready().await.map_err(|e| format!("connection not ready: {e}"))?;
        let res = self.sender.send_request(req).await.map_err(|e| format!("send: {e}"))?;
        let status = res.status();
        let body = res.into_body().collect().await.map_err(|e| format!("read body: {e}"))?.to_bytes();
        Ok((status, body))
    }

    /// Closes the connection and waits (briefly) for its driver task to finish.
    pub async fn close(self) {
        let Conn { sender, task } = self;
        drop(sender);
        let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
    }
}

/// A request with the headers every benchmark request carries.
pub fn request(
    method: Method,
    uri: Uri,
    host: &HeaderValue,
    bearer: Option<&HeaderValue>,
    body: Option<Bytes>,
) -> Request<Full<Bytes>> {
    let has_body = body.is_some();
    let mut req = Request::new(Full::new(body.unwrap_or_default()));
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let h = req.headers_mut();
    h.insert(header::HOST, host.clone());
    h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    if has_body {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(b) = bearer {
        h.insert(header::AUTHORIZATION, b.clone());
    }
    req
}

/// The Host header value for `addr`.
pub fn host_header(addr: SocketAddr) -> Result<HeaderValue> {
    HeaderValue::from_str(&addr.to_string()).map_err(|e| BenchError::ctx("building the Host header", e))
}

/// A short, safe excerpt of a response body for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    s.chars().take(300).collect()
}

/// Signs in through `POST /api/v1/auth/login` and returns the `Authorization` header value.
pub async fn login(addr: SocketAddr, email: &str, password: &str) -> Result<HeaderValue> {
    let mut conn = Conn::open(addr).await.map_err(|e| BenchError::ctx("connecting to Custos for sign-in", e))?;
    let body = serde_json::to_vec(&serde_json::json!({ "email": email, "password": password }))
        .map_err(|e| BenchError::ctx("serialising the sign-in body", e))?;
    let req = request(
        Method::POST,
        Uri::from_static("/api/v1/auth/login"),
        &host_header(addr)?,
        None,
        Some(Bytes::from(body)),
    );
    let sent = tokio::time::timeout(Duration::from_secs(30), conn.send(req)).await;
    conn.close().await;
    let (status, body) = match sent {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(BenchError::ctx("sign-in request failed", e)),
        Err(_) => return Err(BenchError::new("sign-in did not answer within 30 s")),
    };
    if status != StatusCode::OK {
        return Err(BenchError::new(format!("sign-in answered {status}: {}", excerpt(&body))));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| BenchError::ctx("sign-in response is not JSON", e))?;
    let token = v["token"].as_str().ok_or_else(|| BenchError::new("sign-in response has no token"))?;
    HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|e| BenchError::ctx("the token does not fit in a header", e))
}
