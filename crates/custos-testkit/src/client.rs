//! `spawn_app()`: the real router on 127.0.0.1:0 over a fresh database, with an admin user
//! signed in, and a thin client for JSON requests.

use crate::TEST_PASSWORD;
use crate::db::{Backend, ManualClock, TestDb};
use custos_app::users::NewUser;
use custos_app::vault::Vault;
use custos_app::{Actor, App, AppConfig};
use custos_crypto::{KeyFileSource, OsRandom, keyfile};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

/// A running server and what a test needs to drive it.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub app: App,
    pub db: TestDb,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    /// Bearer token of the admin user.
    pub admin_token: String,
    pub admin_email: String,
}

/// Status, headers and parsed JSON body (or `Null`) of a response.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub content_type: String,
}

impl ApiResponse {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// Asserts an RFC 9457 problem with this status.
    pub fn assert_problem(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["status"], status, "body: {}", self.body);
        assert!(self.body["type"].is_string() && self.body["title"].is_string(), "body: {}", self.body);
        self
    }

    /// The field names of a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    }
}

/// `spawn_app_on(Backend::Sqlite)`.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite).await
}

/// Starts the real server over a fresh database of `backend`.
pub async fn spawn_app_on(backend: Backend) -> TestApp {
    let db = TestDb::new(backend).await;
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    // A real key file in the data directory, so rotation tests can rotate it under the server.
    keyfile::load_or_create_key_file(&db.key_file(), &OsRandom).expect("key file");
    let source = Arc::new(KeyFileSource::new(&db.key_file()));
    let vault = Vault::open(db.keystore.clone(), source, Arc::new(OsRandom), clock.clone()).await.expect("vault");
    let app = App::new(db.store.clone(), vault, clock.clone(), Arc::new(OsRandom), AppConfig::default());
    app.seed_roles().await.expect("seed roles");
    app.seed_pipelines().await.expect("seed pipelines");
    // Read batching and checkpoints run for the life of the test's runtime.
    drop(app.start_background());
    let router = custos_web::router(app.clone(), custos_web::WebConfig { secure_cookies: false });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(custos_web::serve(listener, router, std::future::pending()));
    let http = reqwest::Client::builder().cookie_store(true).build().expect("client");
    let mut t = TestApp {
        addr,
        base: format!("http://{addr}"),
        app,
        db,
        clock,
        http,
        admin_token: String::new(),
        admin_email: "admin@test.example".into(),
    };
    t.add_user("admin@test.example", "admin").await;
    t.admin_token = t.login("admin@test.example").await;
    t
}

impl TestApp {
    /// Adds a user with `TEST_PASSWORD` through the use case, as the operator.
    pub async fn add_user(&self, email: &str, role: &str) -> custos_domain::User {
        let new = NewUser {
            email: email.into(),
            display_name: None,
            role: role.into(),
            team_id: None,
            password: TEST_PASSWORD.into(),
        };
        self.app.add_user(&Actor::operator(), &new).await.expect("add user")
    }

    /// Changes a role's settings directly, as the operator (no step-up needed). Members'
    /// sessions end (privilege change); the admin is signed in again if it was the admin role.
    pub async fn set_role(&mut self, role: &str, changes: custos_app::roles::RoleChanges) {
        let op = Actor::operator();
        let roles = self.app.list_roles(&op).await.expect("roles");
        let version = roles.iter().find(|r| r.settings.role.as_str() == role).expect("role exists").version;
        self.app.update_role(&op, role, version, &changes).await.expect("update role");
        if role == "admin" {
            self.admin_token = self.login(&self.admin_email.clone()).await;
        }
    }

    /// Lets `role` see confidential and restricted fields in plain (for tests about data, not rights).
    pub async fn show_plain(&mut self, role: &str) {
        let c = custos_app::roles::RoleChanges {
            confidential: Some("plain".into()),
            restricted: Some("plain".into()),
            ..Default::default()
        };
        self.set_role(role, c).await;
    }

    /// Signs in through the API and returns the bearer token.
    pub async fn login(&self, email: &str) -> String {
        let r = self
            .request(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"email": email, "password": TEST_PASSWORD})),
            )
            .await;
        assert_eq!(r.status, 200, "login failed: {}", r.body);
        r.body["token"].as_str().expect("token").to_string()
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> ApiResponse {
        self.request_with(method, path, token, body, &[]).await
    }

    /// Like `request`, with extra headers.
    pub async fn request_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> ApiResponse {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self.http.request(m, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        Self::read(rb.send().await.expect("send")).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> ApiResponse {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb =
            self.http.request(m, format!("{}{}", self.base, path)).header("content-type", content_type).body(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        Self::read(rb.send().await.expect("send")).await
    }

    async fn read(res: reqwest::Response) -> ApiResponse {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = res.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        ApiResponse { status, headers, body, content_type }
    }

    /// Admin shortcut: GET.
    pub async fn get(&self, path: &str) -> ApiResponse {
        self.request("GET", path, Some(&self.admin_token), None).await
    }

    /// Admin shortcut: POST JSON.
    pub async fn post(&self, path: &str, body: Value) -> ApiResponse {
        self.request("POST", path, Some(&self.admin_token), Some(body)).await
    }

    /// Admin shortcut: creates a customer and returns its JSON.
    pub async fn create_customer(&self, body: Value) -> Value {
        let r = self.post("/api/v1/customers", body).await;
        assert_eq!(r.status, 201, "create failed: {}", r.body);
        without_create_extras(r.body)
    }
}

/// A create response minus what only a create answers with (`possible_duplicates`), so it
/// can be compared with a later read.
pub fn without_create_extras(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("possible_duplicates");
    }
    v
}
