//! A minimal local SMTP receiver: greets, accepts EHLO/HELO, optional AUTH PLAIN, MAIL FROM,
//! RCPT TO and DATA, records each session, and answers the end of each message with the next
//! scripted reply code (250 once the script is spent).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What one connection carried.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The `AUTH PLAIN` initial response (base64), if the client logged in.
    pub auth_plain: Option<String>,
    pub mail_from: Option<String>,
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, lines joined with CRLF.
    pub data: Option<String>,
    /// The reply given to the end of the message.
    pub data_reply: Option<u16>,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<u16>>,
    sessions: Mutex<Vec<Session>>,
}

pub struct SmtpReceiver {
    pub port: u16,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl SmtpReceiver {
    pub async fn start(data_replies: Vec<u16>) -> Self {
        let shared = Arc::new(Shared {
            script: Mutex::new(data_replies.into()),
            sessions: Mutex::default(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepting = Arc::clone(&shared);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&accepting)));
            }
        });
        SmtpReceiver {
            port,
            shared,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn sessions(&self) -> Vec<Session> {
        self.shared.sessions.lock().unwrap().clone()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let index = {
        let mut sessions = shared.sessions.lock().unwrap();
        sessions.push(Session::default());
        sessions.len() - 1
    };
    let record =
        |change: &dyn Fn(&mut Session)| change(&mut shared.sessions.lock().unwrap()[index]);
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    reply(&mut write, "220 test.local ESMTP ready").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            reply(&mut write, "250-test.local").await;
            reply(&mut write, "250 AUTH PLAIN").await;
        } else if upper.starts_with("HELO") {
            reply(&mut write, "250 test.local").await;
        } else if upper.starts_with("AUTH PLAIN ") {
            let response = line["AUTH PLAIN ".len()..].to_string();
            record(&|s| s.auth_plain = Some(response.clone()));
            reply(&mut write, "235 2.7.0 authenticated").await;
        } else if upper.starts_with("MAIL FROM:") {
            let address = address_in(&line);
            record(&|s| s.mail_from = Some(address.clone()));
            reply(&mut write, "250 2.1.0 ok").await;
        } else if upper.starts_with("RCPT TO:") {
            let address = address_in(&line);
            record(&|s| s.rcpt_to.push(address.clone()));
            reply(&mut write, "250 2.1.5 ok").await;
        } else if upper == "DATA" {
            reply(&mut write, "354 end with <CRLF>.<CRLF>").await;
            let mut data = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                data.push(unstuffed.to_string());
            }
            let code = shared.script.lock().unwrap().pop_front().unwrap_or(250);
            let data = data.join("\r\n");
            record(&|s| {
                s.data = Some(data.clone());
                s.data_reply = Some(code);
            });
            match code {
                250 => reply(&mut write, "250 2.0.0 queued").await,
                451 => reply(&mut write, "451 4.3.0 try again later").await,
                550 => reply(&mut write, "550 5.7.1 message rejected").await,
                other => reply(&mut write, &format!("{other} scripted reply")).await,
            }
        } else if upper == "RSET" || upper == "NOOP" {
            reply(&mut write, "250 2.0.0 ok").await;
        } else if upper == "QUIT" {
            reply(&mut write, "221 2.0.0 bye").await;
            break;
        } else {
            reply(&mut write, "502 5.5.2 command not implemented").await;
        }
    }
}

async fn reply(write: &mut OwnedWriteHalf, text: &str) {
    write
        .write_all(format!("{text}\r\n").as_bytes())
        .await
        .unwrap();
}

/// `MAIL FROM:<a@b> SIZE=1` => `a@b`
fn address_in(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_string()
}

/// A loopback port that nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}
