//! The store ports on one DynamoDB table (single-table design, see aws/README.md): leads
//! with optimistic locking, history, the outbox (on the lead items), identity links, reps
//! and their loads, rotation pools, account owners, sparse sharded due-time indexes, intake
//! and delivery markers. A `LeadWrite` that changes only the lead item (its outbox included) is one
//! conditional `PutItem`; one that also changes other items (links, rep loads, the rotation,
//! the account owner, a history item) is one `TransactWriteItems`.

mod codec;
mod deflate;
mod delivery;
mod due;
mod error;
mod intake;
mod keys;
mod known;
mod lead_body;
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
use leadflow::domain::DomainEventKind;

pub use error::DynamoError;
pub use lead_body::APPLIED_KEPT;
pub use table::create_table;

use crate::score_queue::ScoreQueue;

/// The DynamoDB store. Cheap to clone: clones share the client, the table name, the score
/// queue, the read counter and what was read of each lead.
pub struct DynamoStore<Q> {
    client: Client,
    table: Arc<str>,
    score_queue: Arc<Q>,
    items_read: Arc<AtomicU64>,
    known: known::KnownExtras,
    pending_leads: outbox::PendingLeads,
    /// The domain events the outbox keeps (`None`: every kind).
    outbox_kinds: Option<Arc<[DomainEventKind]>>,
}

impl<Q> Clone for DynamoStore<Q> {
    fn clone(&self) -> Self {
        DynamoStore {
            client: self.client.clone(),
            table: self.table.clone(),
            score_queue: self.score_queue.clone(),
            items_read: self.items_read.clone(),
            known: self.known.clone(),
            pending_leads: self.pending_leads.clone(),
            outbox_kinds: self.outbox_kinds.clone(),
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
            known: known::KnownExtras::default(),
            pending_leads: outbox::PendingLeads::default(),
            outbox_kinds: None,
        }
    }

    /// Keep in the outbox only domain events of `kinds`: those some rule on the bus routes
    /// (`eventbridge::ROUTED_EVENT_KINDS`). An event nobody consumes would cost room on the
    /// lead item, an index entry, an EventBridge entry and an update, for nothing.
    pub fn publishing_only(mut self, kinds: &[DomainEventKind]) -> Self {
        self.outbox_kinds = Some(Arc::from(kinds));
        self
    }

    /// Whether the outbox keeps events of `kind`.
    pub fn publishes(&self, kind: DomainEventKind) -> bool {
        self.outbox_kinds
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&kind))
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
