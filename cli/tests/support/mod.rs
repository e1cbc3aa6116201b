//! Shared by the `serve_*` end-to-end tests: start the real `leadflow serve` binary on a free
//! port, read the address and key it prints, talk to it over HTTP, and kill it when the test
//! ends (even when it fails: [`Server`] kills its child on drop).

#![allow(dead_code)] // each test file uses a different part of this module

pub mod slack;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

/// The `leadflow` binary cargo built for these tests.
pub const LEADFLOW: &str = env!("CARGO_BIN_EXE_leadflow");

/// How long a server may take to print its address.
const STARTUP: Duration = Duration::from_secs(30);

/// A running `leadflow serve`, killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub key: String,
    pub data: PathBuf,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Start on `data` with the built-in configuration (so with a generated key).
    pub fn start(data: &Path) -> Server {
        Server::start_with(data, None, None)
    }

    /// Start on `data` with the configuration file `config`, whose `[auth].api_keys` holds
    /// `key`.
    pub fn start_configured(data: &Path, config: &Path, key: &str) -> Server {
        Server::start_with(data, Some(config), Some(key))
    }

    /// Start on `data` with the built-in configuration, its stderr sent to `stderr` (not
    /// read by the test: `stderr()` stays empty).
    pub fn start_with_stderr(data: &Path, stderr: Stdio) -> Server {
        Server::spawn(data, None, None, Some(stderr))
    }

    fn start_with(data: &Path, config: Option<&Path>, key: Option<&str>) -> Server {
        Server::spawn(data, config, key, None)
    }

    fn spawn(
        data: &Path,
        config: Option<&Path>,
        key: Option<&str>,
        stderr_to: Option<Stdio>,
    ) -> Server {
        let mut command = serve_command(data, config);
        let read_stderr = stderr_to.is_none();
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr_to.unwrap_or_else(Stdio::piped))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {LEADFLOW}: {e}"));
        let stderr = match child.stderr.take() {
            Some(piped) if read_stderr => drain_stderr(piped),
            _ => Arc::default(),
        };
        let lines = drain_stdout(child.stdout.take().expect("piped stdout"));
        let mut server = Server {
            child,
            base: String::new(),
            key: key.unwrap_or_default().to_string(),
            data: data.to_path_buf(),
            stderr,
        };
        let deadline = Instant::now() + STARTUP;
        let mut printed = Vec::new();
        // The address comes first, then the key line; stop once both (or the address, when the
        // key is configured) are known.
        while server.base.is_empty() || server.key.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match lines.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => panic!(
                    "leadflow serve printed no address and key within {STARTUP:?}; \
                     stdout so far: {printed:?}; stderr: {}",
                    server.stderr()
                ),
            };
            if let Some(rest) = line.strip_prefix("leadflow listening on ") {
                let url = rest.split_whitespace().next().unwrap_or_default();
                server.base = url.trim_end_matches('/').to_string();
            }
            if let Some((_, key)) = line.split_once("Authorization: Bearer ") {
                if !key.trim().starts_with('<') {
                    server.key = key.trim().to_string();
                }
            }
            printed.push(line);
        }
        server
    }

    /// Everything the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// `kill -9` and reap the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn api(&self) -> Api {
        Api {
            base: self.base.clone(),
            key: self.key.clone(),
            http: http_client(),
        }
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.base))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `leadflow serve` on `data`, listening on a free port of 127.0.0.1, with a clean environment
/// for the variables the built-in configuration reads.
pub fn serve_command(data: &Path, config: Option<&Path>) -> Command {
    let mut command = Command::new(LEADFLOW);
    command
        .arg("serve")
        .arg("--data")
        .arg(data)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .env_remove("LEADFLOW_API_KEY")
        .env_remove("LEADFLOW_SIGNING_SECRET")
        .env_remove("SLACK_WEBHOOK_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    // The load benchmark compares the store's durability modes.
    if let Ok(durability) = std::env::var("LEADFLOW_SERVE_DURABILITY") {
        command.arg("--durability").arg(durability);
    }
    command
}

/// Run `command` to its end, or kill it after `limit`; its exit status and stderr.
pub fn run_with_limit(mut command: Command, limit: Duration) -> (ExitStatus, String) {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {LEADFLOW}: {e}"));
    let stderr = drain_stderr(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            // The reader thread may still be copying the last bytes.
            std::thread::sleep(Duration::from_millis(50));
            let text = stderr.lock().map(|s| s.clone()).unwrap_or_default();
            return (status, text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the command was still running after {limit:?} (expected it to exit); stderr: {}",
                stderr.lock().map(|s| s.clone()).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Read stdout line by line on a thread (so the child never blocks on a full pipe).
fn drain_stdout(stdout: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            // The receiver is gone once the server started; keep draining regardless.
            let _ = tx.send(line);
        }
    });
    rx
}

fn drain_stderr(stderr: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if let Ok(mut s) = sink.lock() {
                s.push_str(&line);
                s.push('\n');
            }
        }
    });
    text
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

/// The server's API, authenticated with its key.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `method path` with the Bearer key and, when given, a JSON body; the status and the
    /// body parsed as JSON (`Null` when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        read(response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    /// `POST /v1/events` expecting 202; the answer.
    pub async fn send_events(&self, events: Vec<Value>) -> Value {
        let (status, body) = self.post("/v1/events", &json!({ "events": events })).await;
        assert_eq!(status, StatusCode::ACCEPTED, "POST /v1/events: {body}");
        body
    }

    /// `GET /v1/leads/{id}`, expecting 200.
    pub async fn lead(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/v1/leads/{id}")).await;
        assert_eq!(status, StatusCode::OK, "GET /v1/leads/{id}: {body}");
        body
    }

    /// Poll `GET /v1/leads/{id}` until `ready` holds (404 counts as not yet), for at most
    /// `limit`; the lead then, or a panic naming `what` and the last answer.
    pub async fn wait_for_lead(
        &self,
        id: &str,
        what: &str,
        limit: Duration,
        ready: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let (status, body) = self.get(&format!("/v1/leads/{id}")).await;
            if status == StatusCode::OK && ready(&body) {
                return body;
            }
            if Instant::now() > deadline {
                panic!("lead {id}: {what} did not happen within {limit:?}; last answer {status}: {body}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every lead of `GET /v1/leads`, following the cursor.
    pub async fn all_leads(&self) -> Vec<Value> {
        let mut leads = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/leads?limit=500&cursor={c}"),
                None => "/v1/leads?limit=500".to_string(),
            };
            let (status, body) = self.get(&path).await;
            assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
            leads.extend(body["leads"].as_array().cloned().unwrap_or_default());
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return leads,
            }
        }
    }
}

pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a response body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status}: the body is not JSON ({e}): {text}"))
    };
    (status, body)
}

/// Now, as the API wants it.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A lead that scores 50 on fit under the example configuration (senior title, target size,
/// ICP industry, served country) and is routed to the `inbound` team.
pub fn fit_lead(email: &str) -> Value {
    json!({"email": email, "first_name": "Ana", "last_name": "Diaz", "title": "VP Marketing",
           "company": "Acme", "company_domain": format!("{}.example", email.replace(['@', '.'], "-")),
           "company_size": 250, "industry": "software", "country": "US"})
}

/// An event of `kind` for `lead`, happening now.
pub fn event(id: &str, kind: &str, lead: Value) -> Value {
    json!({"id": id, "type": kind, "occurred_at": now_rfc3339(), "lead": lead})
}

/// A hot lead's event: fit 50 + a demo request (40) = 90, tier A, an MQL routed at once.
pub fn hot_event(id: &str, email: &str) -> Value {
    event(id, "demo_request", fit_lead(email))
}

/// The owner's rep id, once there is an owner.
pub fn owner_of(lead: &Value) -> Option<&str> {
    lead["owner"]["rep_id"].as_str()
}

/// The configuration file text: the built-in example, edited by `(from, to)` replacements that
/// must each match (so a change to the example cannot silently void a test's setting).
pub fn example_config_with(edits: &[(&str, &str)]) -> String {
    let mut text = leadflow::config::EXAMPLE_TOML.to_string();
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "the example configuration no longer contains {from:?}"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// How many history entries of `kind` the lead has.
pub fn history_count(lead: &Value, kind: &str) -> usize {
    lead["history"]
        .as_array()
        .map_or(0, |h| h.iter().filter(|e| e["kind"] == kind).count())
}
