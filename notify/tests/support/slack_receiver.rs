//! A local stand-in for a Slack incoming webhook: records every POST and answers from a script
//! (then 200 "ok" once the script is spent).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    pub body: &'static str,
    /// Wait this long before answering (to trip the client's timeout).
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16, body: &'static str) -> Self {
        Reply {
            status,
            retry_after: None,
            body,
            delay: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub content_type: Option<String>,
    pub body: serde_json::Value,
    pub at: Instant,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
}

pub struct SlackReceiver {
    /// The webhook URL to post to, with a secret-looking path.
    pub url: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl SlackReceiver {
    pub async fn start(script: Vec<Reply>) -> Self {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .fallback(record_and_answer)
            .with_state(Arc::clone(&shared));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        SlackReceiver {
            url: format!("http://{addr}{SECRET_PATH}"),
            shared,
            server,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for SlackReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub const SECRET_PATH: &str = "/services/T000/B000/XSECRETX";

async fn record_and_answer(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    shared.requests.lock().unwrap().push(Recorded {
        path: uri.path().to_string(),
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
        at: Instant::now(),
    });
    let reply = shared.script.lock().unwrap().pop_front();
    let reply = reply.unwrap_or_else(|| Reply::status(200, "ok"));
    tokio::time::sleep(reply.delay).await;
    let status = StatusCode::from_u16(reply.status).unwrap();
    match reply.retry_after {
        Some(wait) => (status, [("retry-after", wait)], reply.body).into_response(),
        None => (status, reply.body).into_response(),
    }
}

/// A loopback port that nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}
