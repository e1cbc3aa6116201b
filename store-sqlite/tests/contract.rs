//! The store contract of `leadflow::adapters::contract`, run against the SQLite store: each
//! check on a fresh database in its own directory.

use std::sync::atomic::{AtomicUsize, Ordering};

use leadflow::adapters::contract;
use leadflow_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_honours_the_store_contract() {
    let root = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    contract::run_all(|| {
        let dir = root
            .path()
            .join(format!("store-{}", n.fetch_add(1, Ordering::Relaxed)));
        async move { SqliteStore::open(dir).expect("a fresh store opens") }
    })
    .await;
    assert!(
        n.load(Ordering::Relaxed) > 10,
        "every check ran on a fresh store"
    );
}

/// Without a tokio runtime the store runs its work inline: the contract holds there too.
#[test]
fn sqlite_store_honours_the_contract_without_a_tokio_runtime() {
    let root = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    let run = contract::run_all(|| {
        let dir = root
            .path()
            .join(format!("store-{}", n.fetch_add(1, Ordering::Relaxed)));
        async move { SqliteStore::open(dir).expect("a fresh store opens") }
    });
    block_on(run);
    assert!(n.load(Ordering::Relaxed) > 10);
}

/// A minimal executor: the store's futures complete without waking when no runtime is there.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
