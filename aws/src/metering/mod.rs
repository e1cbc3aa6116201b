//! Counting what a run asks of AWS, for the cost model: an SDK interceptor that records every
//! request sent (each attempt, since each is billed) by service and operation, and what each
//! is billed on, computed from the requests and responses on the wire:
//! - DynamoDB: write and read request units as on-demand billing counts them (item sizes by
//!   DynamoDB's own rule, the item before a write, transactions, index writes, consistency;
//!   see `dynamodb`);
//! - SQS: requests, each 64 KB of payload counting as one (receives included);
//! - EventBridge: `PutEvents` entries, each 64 KB of an entry counting as one.

mod dynamodb;
mod item_size;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::Value;

use dynamodb::Ledger;
pub use item_size::stored_item_size;

/// What one operation was asked for and what it is billed on.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OperationUsage {
    pub requests: u64,
    /// SQS: requests as billed (per 64 KB of payload); EventBridge: entries as billed (per
    /// 64 KB of entry); 0 for DynamoDB, billed in units.
    pub billed: u64,
    /// DynamoDB write request units of the table (on-demand billing).
    pub write_units: u64,
    /// DynamoDB write request units of its global secondary indexes.
    pub index_write_units: u64,
    /// DynamoDB read request units (halves for eventually consistent reads).
    pub read_units: f64,
    /// DynamoDB item writes whose size could only be bounded (see `dynamodb`).
    pub estimated_writes: u64,
}

impl OperationUsage {
    /// Table and index write units together: what the bill counts.
    pub fn all_write_units(&self) -> u64 {
        self.write_units + self.index_write_units
    }
}

/// (service, operation) => usage, e.g. ("DynamoDB", "TransactWriteItems").
pub type Usage = BTreeMap<(String, String), OperationUsage>;

#[derive(Debug, Default)]
struct State {
    usage: Usage,
    ledger: Ledger,
}

/// A shared counter; clone it into the config of every client whose calls should count.
#[derive(Debug, Clone, Default)]
pub struct Meter {
    state: Arc<Mutex<State>>,
}

/// A DynamoDB request body, kept from transmit until its response is read.
#[derive(Debug, Clone)]
struct SentDynamoRequest(Arc<Value>);

impl Storable for SentDynamoRequest {
    type Storer = StoreReplace<Self>;
}

impl Meter {
    pub fn new() -> Self {
        Meter::default()
    }

    /// Everything counted so far.
    pub fn usage(&self) -> Usage {
        self.lock().usage.clone()
    }

    /// Forget everything counted so far (say, after setting up tables and queues). The copies
    /// of items written so far are kept: later writes are billed against them.
    pub fn reset(&self) {
        self.lock().usage.clear();
    }

    /// Requests to `service` in all.
    pub fn requests(&self, service: &str) -> u64 {
        self.total(service, |u| u.requests)
    }

    /// Billed requests (SQS) or entries (EventBridge) of `service` in all.
    pub fn billed(&self, service: &str) -> u64 {
        self.total(service, |u| u.billed)
    }

    fn total(&self, service: &str, field: impl Fn(&OperationUsage) -> u64) -> u64 {
        self.lock()
            .usage
            .iter()
            .filter(|((s, _), _)| s == service)
            .map(|(_, u)| field(u))
            .sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent state: each update is one step.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, cfg: &ConfigBag, f: impl FnOnce(&mut OperationUsage, &mut Ledger)) {
        let (service, operation) = names(cfg);
        let mut state = self.lock();
        let State { usage, ledger } = &mut *state;
        f(usage.entry((service, operation)).or_default(), ledger);
    }
}

fn names(cfg: &ConfigBag) -> (String, String) {
    match cfg.load::<Metadata>() {
        Some(m) => (m.service().to_string(), m.name().to_string()),
        None => ("unknown".to_string(), "unknown".to_string()),
    }
}

impl Intercept for Meter {
    fn name(&self) -> &'static str {
        "leadflow::Meter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = names(cfg);
        let body = context.request().body().bytes().unwrap_or_default();
        let billed = match service.as_str() {
            "SQS" => kb_units(body.len(), 64 * 1024),
            "EventBridge" if operation == "PutEvents" => event_entries(body),
            _ => 0,
        };
        if service == "DynamoDB" {
            let request = serde_json::from_slice(body).unwrap_or(Value::Null);
            cfg.interceptor_state()
                .store_put(SentDynamoRequest(Arc::new(request)));
        }
        self.add(cfg, |u, _| {
            u.requests += 1;
            u.billed += billed;
        });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(SentDynamoRequest(request)) = cfg.load::<SentDynamoRequest>().cloned() else {
            return Ok(());
        };
        let response = context.response();
        let ok = response.status().is_success();
        let body: Value = response
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let (_, operation) = names(cfg);
        self.add(cfg, |u, ledger| {
            let consumed = ledger.bill(&operation, &request, &body, ok);
            u.write_units += consumed.table_write_units;
            u.index_write_units += consumed.index_write_units;
            u.read_units += consumed.read_units;
            u.estimated_writes += consumed.estimated_writes;
        });
        Ok(())
    }
}

/// Units of `unit` bytes started by `bytes` (at least one).
fn kb_units(bytes: usize, unit: usize) -> u64 {
    bytes.div_ceil(unit).max(1) as u64
}

/// EventBridge's billed entries of a `PutEvents` request: one per started 64 KB of each entry.
fn event_entries(body: &[u8]) -> u64 {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("Entries").and_then(Value::as_array).cloned())
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    kb_units(
                        serde_json::to_vec(e).map(|b| b.len()).unwrap_or(0),
                        64 * 1024,
                    )
                })
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn eventbridge_is_billed_per_entry_and_64_kb() {
        let body = serde_json::to_vec(&json!({"Entries": [
            {"Detail": "{}", "DetailType": "LeadQualified"},
            {"Detail": "x".repeat(70 * 1024), "DetailType": "LeadAssigned"},
        ]}))
        .unwrap();
        assert_eq!(event_entries(&body), 1 + 2);
    }

    #[test]
    fn sqs_requests_are_billed_per_64_kb() {
        assert_eq!(kb_units(10, 64 * 1024), 1);
        assert_eq!(kb_units(200 * 1024, 64 * 1024), 4);
    }
}
