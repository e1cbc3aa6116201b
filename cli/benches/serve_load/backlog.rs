//! What the pipeline has still to do, read straight from the server's database (a second,
//! read-only connection; WAL lets it read beside the server): events accepted but not yet
//! scored, qualified leads not yet routed, and outbox events not yet relayed. Sampled on a
//! thread while a phase runs, so that "sustained" can mean processed, not just accepted.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

const EVERY: Duration = Duration::from_millis(50);

const BACKLOG_SQL: &str = "SELECT (SELECT count(*) FROM queue WHERE queue IN ('score', 'route'))
                               + (SELECT count(*) FROM outbox WHERE published = 0)";

type Samples = Arc<Mutex<Vec<(Instant, i64)>>>;

/// Samples of the backlog: (when, messages waiting).
pub struct Watch {
    stop: Arc<AtomicBool>,
    samples: Samples,
    thread: JoinHandle<()>,
}

/// The backlog over a phase.
pub struct Backlog {
    /// The most messages waiting at once.
    pub peak: i64,
    /// Waiting when the last request was answered.
    pub at_end_of_sending: i64,
    /// From the last answer to the first empty sample after it; `None` if it never emptied.
    pub drained_after: Option<Duration>,
    /// When it was first empty after sending ended.
    pub empty_at: Option<Instant>,
}

impl Watch {
    /// Start sampling the database of the data directory `data`.
    pub fn start(data: &Path) -> Watch {
        let path = data.join("leadflow.db");
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("cannot open {} read-only: {e}", path.display()));
        conn.busy_timeout(Duration::from_secs(5))
            .expect("a busy timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let samples: Samples = Arc::default();
        let (stopped, sink) = (stop.clone(), samples.clone());
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let n: i64 = conn
                    .query_row(BACKLOG_SQL, [], |r| r.get(0))
                    .unwrap_or_else(|e| panic!("reading the backlog of {}: {e}", path.display()));
                sink.lock().expect("samples").push((Instant::now(), n));
                std::thread::sleep(EVERY);
            }
        });
        Watch {
            stop,
            samples,
            thread,
        }
    }

    /// Keep sampling until the backlog is empty after `sending_ended` (or `limit` past it).
    pub fn until_empty(self, sending_ended: Instant, limit: Duration) -> Backlog {
        let empty_after = |samples: &[(Instant, i64)]| {
            samples
                .iter()
                .find(|(t, n)| *t >= sending_ended && *n == 0)
                .map(|(t, _)| *t)
        };
        let empty_at = loop {
            std::thread::sleep(EVERY);
            let found = empty_after(&self.samples.lock().expect("samples"));
            if found.is_some() || Instant::now() > sending_ended + limit {
                break found;
            }
        };
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the backlog sampler");
        let samples = self.samples.lock().expect("samples");
        Backlog {
            peak: samples.iter().map(|(_, n)| *n).max().unwrap_or(0),
            at_end_of_sending: samples
                .iter()
                .rev()
                .find(|(t, _)| *t <= sending_ended)
                .map_or(0, |(_, n)| *n),
            drained_after: empty_at.map(|t| t - sending_ended),
            empty_at,
        }
    }
}
