//! Running in-process servers: the server-side tokio runtime, the shared accept loop and a
//! handle that stops a server and closes its database. It binds only 127.0.0.1:0, never
//! another address, and never builds a router itself.

use std::net::SocketAddr;
use std::pin::Pin;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Closes a server's database once it has stopped serving.
pub type Closer = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The runtime every server runs on: a multi-thread runtime with `threads` workers, apart
/// from the load generator's runtime so the two do not share worker threads.
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(threads).thread_name("bench-server").enable_all().build()
}

/// A running server and what is needed to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    /// Closes the database (checkpointing the WAL) once the server has stopped.
    closer: Closer,
}

impl RunningServer {
    pub fn new(
        addr: SocketAddr,
        stop: oneshot::Sender<()>,
        task: JoinHandle<std::io::Result<()>>,
        closer: Closer,
    ) -> Self {
        RunningServer { addr, stop: Some(stop), task, closer }
    }

    /// Asks the server to drain and stop, waiting at most `grace`, then closes its database.
    pub async fn shutdown(mut self, grace: std::time::Duration) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match tokio::time::timeout(grace, &mut self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => eprintln!("custos-bench: server at {} ended with: {e}", self.addr),
            Ok(Err(e)) => eprintln!("custos-bench: server task at {} failed: {e}", self.addr),
            Err(_) => {
                eprintln!("custos-bench: server at {} did not drain within {grace:?}; aborting it", self.addr);
                self.task.abort();
            }
        }
        let _ = tokio::time::timeout(grace, (self.closer)()).await;
    }
}

/// Binds 127.0.0.1:0 and serves `router` through `custos_web::serve` (the same accept loop
/// for Custos and the baseline). Must be called on the server runtime.
pub async fn spawn(router: axum::Router, closer: Closer, label: &str) -> crate::error::Result<RunningServer> {
    use crate::error::BenchError;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| BenchError::ctx(&format!("binding 127.0.0.1:0 for {label}"), e))?;
    let addr = listener.local_addr().map_err(|e| BenchError::ctx(&format!("reading the {label} listen address"), e))?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(custos_web::serve(listener, router, async {
        let _ = rx.await;
    }));
    Ok(RunningServer::new(addr, tx, task, closer))
}
