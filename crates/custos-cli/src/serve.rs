//! `custos serve`: logging, listener, graceful shutdown on SIGINT/SIGTERM.

use crate::config::{Config, LogFormat};
use crate::error::CliError;
use crate::setup;
use custos_app::App;
use custos_web::WebConfig;
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

/// Announces and serves `app` on `listener` until a shutdown signal.
pub async fn serve_app(listener: tokio::net::TcpListener, app: App) -> Result<(), CliError> {
    let addr = listener.local_addr()?;
    let loopback = addr.ip().is_loopback();
    if !loopback {
        tracing::warn!(%addr, "listening on a non-loopback address without TLS: credentials and customer data cross the network in clear; put Custos behind a TLS-terminating proxy");
    }
    let router = custos_web::router(app.clone(), WebConfig { secure_cookies: !loopback });
    tracing::info!(%addr, "listening");
    eprintln!("custos: listening on http://{addr}");
    let result = custos_web::serve(listener, router, shutdown_signal()).await;
    app.store().close().await;
    result.map_err(|e| CliError(format!("server error: {e}")))
}

pub async fn run(cfg: Config) -> Result<(), CliError> {
    let app = setup::open_app(&cfg).await?;
    let listener = bind(&cfg).await?;
    serve_app(listener, app).await
}
