//! The store ports on one DynamoDB table (single-table design, see aws/README.md): leads
//! with optimistic locking, history, the outbox, identity links, reps and their loads,
//! rotation pools, account owners, sparse sharded due-time indexes, intake and delivery
//! markers. Every `LeadWrite` is one `TransactWriteItems`.

mod codec;
mod delivery;
mod due;
mod error;
mod intake;
mod keys;
mod leads;
mod list;
mod outbox;
mod query;
mod reps;
mod table;
mod write;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::Client;

pub use error::DynamoError;
pub use table::create_table;

use crate::score_queue::ScoreQueue;

/// The DynamoDB store. Cheap to clone: clones share the client, the table name, the score
/// queue and the read counter.
pub struct DynamoStore<Q> {
    client: Client,
    table: Arc<str>,
    score_queue: Arc<Q>,
    items_read: Arc<AtomicU64>,
}

impl<Q> Clone for DynamoStore<Q> {
    fn clone(&self) -> Self {
        DynamoStore {
            client: self.client.clone(),
            table: self.table.clone(),
            score_queue: self.score_queue.clone(),
            items_read: self.items_read.clone(),
        }
    }
}

impl<Q: ScoreQueue> DynamoStore<Q> {
    /// A store on `table` through `client` (built once per process); accepted inbound
    /// events go to `score_queue`.
    pub fn new(client: Client, table: impl Into<String>, score_queue: Q) -> Self {
        DynamoStore {
            client,
            table: Arc::from(table.into()),
            score_queue: Arc::new(score_queue),
            items_read: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn score_queue(&self) -> &Q {
        &self.score_queue
    }

    /// Items DynamoDB has read for this store (and its clones) so far: items examined by
    /// queries plus items fetched by key. Lets a test show a job reads only what is due.
    pub fn items_read(&self) -> u64 {
        self.items_read.load(Ordering::Relaxed)
    }

    fn count_read(&self, items: usize) {
        self.items_read
            .fetch_add(u64::try_from(items).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// A store on a new, uniquely named table in the test emulator, with a score queue in memory.
#[cfg(any(test, feature = "testing"))]
pub async fn store_on_fresh_table() -> DynamoStore<crate::score_queue::InMemoryScoreQueue> {
    store_on_fresh_table_with(crate::score_queue::InMemoryScoreQueue::new()).await
}

/// A store on a new, uniquely named table in the test emulator, sending to `score_queue`.
#[cfg(any(test, feature = "testing"))]
pub async fn store_on_fresh_table_with<Q: ScoreQueue>(score_queue: Q) -> DynamoStore<Q> {
    let config = crate::testing::sdk_config().await;
    let client = Client::new(&config);
    let table = crate::testing::unique_name("leadflow");
    create_table(&client, &table)
        .await
        .unwrap_or_else(|e| panic!("creating table {table} in moto: {e}"));
    DynamoStore::new(client, table, score_queue)
}
