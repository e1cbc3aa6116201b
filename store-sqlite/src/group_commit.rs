//! Group commit of intake: concurrent `accept` calls are coalesced into one write transaction
//! by a dedicated committer thread. Each request's events go in a savepoint of their own, so
//! one request's failure does not refuse the others; every caller is answered only after the
//! transaction holding its events committed, so an answer still means "durably queued".
//!
//! One commit per group instead of one per request is what lets one-event-per-request
//! traffic approach the batched rate: the commit (WAL append, and fsync with `Full`) is the
//! fixed cost that grouping shares.

use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Weak;

use leadflow::ports::{Acceptance, ScoreJob, StoreError};
use tokio::sync::oneshot;

use crate::batch::in_savepoint;
use crate::error::{Failure, SqliteError};
use crate::intake::accept_tx;
use crate::store::Inner;

/// A group stops taking requests once it holds this many events (bounds one transaction).
const MAX_GROUP_EVENTS: usize = 5_000;

/// One caller's events and where its answer goes.
pub(crate) struct Request {
    pub(crate) jobs: Vec<ScoreJob>,
    pub(crate) reply: oneshot::Sender<Result<Vec<Acceptance>, StoreError>>,
}

/// Start the committer. It holds the store weakly: it ends when the store is dropped (the
/// channel closes) and never keeps the data directory's lock alive.
pub(crate) fn start(store: Weak<Inner>, requests: Receiver<Request>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("leadflow-intake-commit".into())
        .spawn(move || run(store, requests))
        .map(|_| ())
}

fn run(store: Weak<Inner>, requests: Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        let group = gather(first, &requests);
        let Some(inner) = store.upgrade() else {
            return; // Callers see `Closed` when their reply is dropped.
        };
        let outcome = commit(&inner, &group);
        // Let go of the store before answering: a caller that drops its last handle on the
        // answer must find the directory lock released.
        drop(inner);
        answer(group, outcome);
    }
}

/// `first` and every request already waiting, up to the group bound.
fn gather(first: Request, requests: &Receiver<Request>) -> Vec<Request> {
    let mut events = first.jobs.len();
    let mut group = vec![first];
    while events < MAX_GROUP_EVENTS {
        match requests.try_recv() {
            Ok(r) => {
                events += r.jobs.len();
                group.push(r);
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
    group
}

type Answers = Vec<Result<Vec<Acceptance>, Failure>>;

fn commit(inner: &Inner, group: &[Request]) -> Result<Answers, Failure> {
    // A request that fails is answered with its error; the group's commit goes on.
    inner.write_now(|tx| {
        Ok(group
            .iter()
            .map(|r| in_savepoint(tx, "accept", |c| accept_tx(c, &r.jobs)))
            .collect())
    })
}

fn answer(group: Vec<Request>, outcome: Result<Answers, Failure>) {
    match outcome {
        Ok(answers) => {
            for (request, answer) in group.into_iter().zip(answers) {
                // A caller that stopped waiting (its request was dropped) needs no answer.
                let _ = request.reply.send(answer.map_err(StoreError::from));
            }
        }
        Err(failure) => {
            let why = StoreError::from(failure).to_string();
            for request in group {
                let e = SqliteError::GroupCommit(why.clone());
                let _ = request.reply.send(Err(e.into()));
            }
        }
    }
}
