//! `custos serve`: logging, listener, graceful shutdown on SIGINT/SIGTERM.

use crate::config::{Config, LogFormat};
use crate::error::CliError;
use crate::setup;
use custos_app::App;
use custos_web::WebConfig;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_rustls::rustls::ServerConfig;
use tracing_subscriber::EnvFilter;

/// Logs go to standard error; `CUSTOS_LOG` (or `RUST_LOG`) sets the filter.
pub fn init_logging(cfg: &Config) {
    let filter = std::env::var("CUSTOS_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,sqlx=warn".to_string());
    let builder = tracing_subscriber::fmt().with_env_filter(EnvFilter::new(filter)).with_writer(std::io::stderr);
    let _ = match cfg.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Resolves when the process is asked to stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Binds the configured address.
pub async fn bind(cfg: &Config) -> Result<tokio::net::TcpListener, CliError> {
    tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| CliError(format!("cannot listen on {}: {e}", cfg.listen)))
}

/// Announces and serves `app` on `listener` until a shutdown signal (plain HTTP).
pub async fn serve_app(listener: tokio::net::TcpListener, app: App) -> Result<(), CliError> {
    serve_app_with(listener, app, None, &[]).await
}

/// Announces and serves `app` on `listener` until a shutdown signal, over TLS when given,
/// forwarding audit events to the SIEM sinks `siem`.
pub async fn serve_app_with(
    listener: tokio::net::TcpListener,
    app: App,
    tls: Option<Arc<ServerConfig>>,
    siem: &[crate::siem::SinkConfig],
) -> Result<(), CliError> {
    let addr = listener.local_addr()?;
    let loopback = addr.ip().is_loopback();
    if !loopback && tls.is_none() {
        tracing::warn!(%addr, "listening on a non-loopback address without TLS: credentials and customer data cross the network in clear; use --tls-cert/--tls-key or a TLS-terminating proxy");
    }
    let secure_cookies = !loopback || tls.is_some();
    let router = custos_web::router(app.clone(), WebConfig { secure_cookies });
    let audit_tasks = app.start_background();
    let sinks = crate::siem::start(app.store(), siem);
    tracing::info!(%addr, tls = tls.is_some(), "listening");
    let result = match tls {
        Some(config) => {
            eprintln!("custos: listening on {}", crate::tls::url(addr));
            crate::tls::serve(listener, router, config, shutdown_signal()).await
        }
        None => {
            eprintln!("custos: listening on http://{addr}");
            custos_web::serve(listener, router, shutdown_signal()).await
        }
    };
    audit_tasks.stop();
    crate::audit::shutdown(&app).await;
    sinks.stop().await;
    app.store().close().await;
    result.map_err(|e| CliError(format!("server error: {e}")))
}

/// TLS certificate and key files given to `serve`.
pub struct TlsFiles {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

pub async fn run(cfg: Config, tls: TlsFiles) -> Result<(), CliError> {
    let tls = match (tls.cert, tls.key) {
        (Some(c), Some(k)) => Some(crate::tls::server_config(&c, &k)?),
        (None, None) => None,
        _ => return Err(CliError("give both --tls-cert and --tls-key, or neither".into())),
    };
    let app = setup::open_app(&cfg).await?;
    let listener = bind(&cfg).await?;
    serve_app_with(listener, app, tls, &cfg.siem).await
}
