//! The moto emulator for tests: one `moto_server` per test process, started on first use on a
//! free port and stopped when the process exits. Tests share it and keep apart by giving every
//! table, queue and bus a unique name ([`unique_name`]), so they can run in parallel.
//!
//! `moto_server` comes from `LEADFLOW_MOTO_SERVER`, else from the virtualenv that
//! `./scripts/test` makes (`target/py/bin/moto_server`). A test that cannot find it fails,
//! saying where it looked.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;

/// A running emulator.
pub struct Moto {
    pub endpoint: String,
    // Held so that its stdin stays open: the wrapper shell stops moto when it closes.
    _child: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The process's emulator, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(start)
}

/// An SDK configuration for the emulator (static dummy credentials, us-east-1).
pub async fn sdk_config() -> SdkConfig {
    crate::sdk::for_endpoint(&moto().endpoint).await
}

/// A name no other test of this process (or of an earlier run) uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("LEADFLOW_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    // CARGO_MANIFEST_DIR is aws/; the workspace's target/py sits beside it.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/py/bin/moto_server")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port for moto_server")
}

fn start() -> Moto {
    let path = moto_server_path();
    assert!(
        path.exists(),
        "moto_server not found at {} — run ./scripts/test (it installs moto[server] into \
         target/py) or set LEADFLOW_MOTO_SERVER to its path",
        path.display()
    );
    let port = free_port();
    // The shell starts moto, then waits for its own stdin to close (this process exiting, for
    // whatever reason) and stops moto: no emulator outlives the tests.
    let script = format!(
        "'{}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid",
        path.display()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting moto_server through sh");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("moto_server ({}) exited at start: {status}", path.display());
        }
        assert!(
            Instant::now() < deadline,
            "moto_server ({}) did not listen on {addr} within 60 s",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Keep the pipe open but unused: nothing is ever written to it.
    let _ = child.stdin.as_mut().map(|s| s.flush());
    Moto {
        endpoint: format!("http://{addr}"),
        _child: Mutex::new(child),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_emulator_answers_the_sdk_and_the_meter_counts_it() {
        let config = sdk_config().await;
        let meter = crate::metering::Meter::new();
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&config)
                .interceptor(meter.clone())
                .build(),
        );
        let name = unique_name("smoke");
        let url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .expect("moto creates a queue")
            .queue_url
            .expect("a queue url");
        assert!(url.ends_with(&name), "queue url {url} names the queue");
        let usage = meter.usage();
        let create = usage
            .iter()
            .find(|((_, op), _)| op == "CreateQueue")
            .unwrap_or_else(|| panic!("the meter saw CreateQueue: {usage:?}"));
        assert_eq!(create.1.requests, 1);
    }
}
