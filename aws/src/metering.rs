//! Counting what a run asks of AWS, for the cost model: an SDK interceptor that records every
//! request sent (each attempt, since each is billed) by service and operation, and for
//! DynamoDB the request units it consumes, estimated from the sizes on the wire:
//! - a write of an item costs one write unit per started KB of the item, twice inside a
//!   transaction (`TransactWriteItems`);
//! - a read costs one read unit per started 4 KB returned (strongly consistent), twice inside
//!   a transaction.
//!
//! The sizes are those of the JSON the SDK sends and receives, a little larger than DynamoDB's
//! own item-size rule, so the estimate errs on the expensive side.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;

/// What one operation was asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperationUsage {
    pub requests: u64,
    /// DynamoDB write request units (on-demand billing).
    pub write_units: u64,
    /// DynamoDB read request units (on-demand billing).
    pub read_units: u64,
}

/// (service, operation) => usage, e.g. ("DynamoDB", "TransactWriteItems").
pub type Usage = BTreeMap<(String, String), OperationUsage>;

/// A shared counter; clone it into the config of every client whose calls should count.
#[derive(Debug, Clone, Default)]
pub struct Meter {
    usage: Arc<Mutex<Usage>>,
}

impl Meter {
    pub fn new() -> Self {
        Meter::default()
    }

    /// Everything counted so far.
    pub fn usage(&self) -> Usage {
        self.lock().clone()
    }

    /// Forget everything counted so far (say, after setting up tables and queues).
    pub fn reset(&self) {
        self.lock().clear();
    }

    /// Requests to `service` in all.
    pub fn requests(&self, service: &str) -> u64 {
        self.lock()
            .iter()
            .filter(|((s, _), _)| s == service)
            .map(|(_, u)| u.requests)
            .sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Usage> {
        // A panic while holding the lock leaves a consistent map: each update is one insert.
        self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, cfg: &ConfigBag, f: impl FnOnce(&mut OperationUsage)) {
        let (service, operation) = match cfg.load::<Metadata>() {
            Some(m) => (m.service().to_string(), m.name().to_string()),
            None => ("unknown".to_string(), "unknown".to_string()),
        };
        f(self.lock().entry((service, operation)).or_default());
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
        let units = match (operation(cfg), context.request().body().bytes()) {
            (Some(op), Some(body)) => dynamodb_write_units(&op, body),
            _ => 0,
        };
        self.add(cfg, |u| {
            u.requests += 1;
            u.write_units += units;
        });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(op), Some(body)) = (operation(cfg), context.response().body().bytes()) {
            let units = dynamodb_read_units(&op, body);
            if units > 0 {
                self.add(cfg, |u| u.read_units += units);
            }
        }
        Ok(())
    }
}

/// The DynamoDB operation a call is, if it is one.
fn operation(cfg: &ConfigBag) -> Option<String> {
    cfg.load::<Metadata>()
        .filter(|m| m.service() == "DynamoDB")
        .map(|m| m.name().to_string())
}

/// Units of `unit` bytes started by `bytes` (at least one).
fn kb_units(bytes: usize, unit: usize) -> u64 {
    bytes.div_ceil(unit).max(1) as u64
}

/// Write units of a DynamoDB request (0 for operations that write nothing).
fn dynamodb_write_units(operation: &str, body: &[u8]) -> u64 {
    let size = |v: &Value| serde_json::to_vec(v).map(|b| b.len()).unwrap_or(0);
    match operation {
        "PutItem" | "UpdateItem" | "DeleteItem" => kb_units(body.len(), 1024),
        // Transactions write (or check) each item twice: prepare and commit.
        "TransactWriteItems" => json_array(body, "TransactItems")
            .iter()
            .map(|i| 2 * kb_units(size(i), 1024))
            .sum(),
        "BatchWriteItem" => serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|r| r.get("RequestItems").and_then(Value::as_object).cloned())
            .map(|tables| {
                tables
                    .values()
                    .filter_map(Value::as_array)
                    .flatten()
                    .map(|r| kb_units(size(r), 1024))
                    .sum()
            })
            .unwrap_or(0),
        _ => 0,
    }
}

/// Read units of a DynamoDB response: what it returned, by started 4 KB.
fn dynamodb_read_units(operation: &str, body: &[u8]) -> u64 {
    match operation {
        "GetItem" | "Query" | "Scan" | "BatchGetItem" => kb_units(body.len(), 4096),
        "TransactGetItems" => 2 * kb_units(body.len(), 4096),
        _ => 0,
    }
}

fn json_array(body: &[u8], key: &str) -> Vec<Value> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|mut v| v.get_mut(key).map(Value::take))
        .and_then(|v| match v {
            Value::Array(items) => Some(items),
            _ => None,
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn a_put_of_a_small_item_is_one_write_unit() {
        let body = bytes(json!({"TableName": "t", "Item": {"pk": {"S": "a"}}}));
        assert_eq!(dynamodb_write_units("PutItem", &body), 1);
    }

    #[test]
    fn a_transaction_costs_two_units_per_item_and_size_counts() {
        let big = "x".repeat(1500);
        let body = bytes(json!({"TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": big}}}},
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "b"}}, "UpdateExpression": "ADD n :one"}},
        ]}));
        // 2 x 2 KB + 2 x 1 KB
        assert_eq!(dynamodb_write_units("TransactWriteItems", &body), 6);
    }

    #[test]
    fn reads_write_nothing_and_cost_by_four_kb() {
        let query = bytes(json!({"TableName": "t", "KeyConditionExpression": "pk = :p"}));
        assert_eq!(dynamodb_write_units("Query", &query), 0);
        let response = bytes(json!({"Items": [{"pk": {"S": "y".repeat(5000)}}], "Count": 1}));
        assert_eq!(dynamodb_read_units("Query", &response), 2);
        assert_eq!(dynamodb_read_units("PutItem", &response), 0);
    }
}
