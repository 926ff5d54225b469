//! Built-in TLS for `custos serve --tls-cert F --tls-key F`: rustls (ring provider, TLS 1.2
//! and 1.3) in front of the same router, HSTS on every response. Handshakes run in their own
//! tasks with a timeout, so a slow client never blocks others. It never logs key material
//! and never falls back to plain HTTP on a TLS listener.

use crate::error::CliError;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, header};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tower::ServiceExt;

/// `Strict-Transport-Security` sent on every response served over TLS.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Loads a PEM certificate chain and private key into a rustls server configuration.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, CliError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| CliError(format!("--tls-cert {}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| CliError(format!("--tls-cert {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(CliError(format!("--tls-cert {}: no certificate in the file", cert.display())));
    }
    // The error names the file, never its content.
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|_| CliError(format!("--tls-key {}: no readable PEM private key in the file", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| CliError(format!("--tls-cert/--tls-key: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `router` over TLS on `listener` until `shutdown` resolves, then lets open
/// connections finish their requests (up to 30 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    config: Arc<ServerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let live = Arc::new(());
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, router, mut stop, token) = (acceptor.clone(), router.clone(), stop_rx.clone(), live.clone());
        tokio::spawn(async move {
            let _token = token;
            let tls = tokio::select! {
                r = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => match r {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!("TLS handshake timed out");
                        return;
                    }
                },
                _ = stop.changed() => return,
            };
            let svc = router
                .map_request(move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(remote));
                    req
                })
                .map_response(|mut res: axum::response::Response| {
                    res.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
                    res
                });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(svc))
                .with_upgrades();
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while Arc::strong_count(&live) > 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The address as announced on standard error.
pub fn url(addr: SocketAddr) -> String {
    format!("https://{addr}")
}
