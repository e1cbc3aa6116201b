//! DynamoDB on-demand billing, computed from the requests and responses on the wire.
//!
//! Writes (1 WRU per started KB):
//! - `PutItem`, `DeleteItem`, `UpdateItem` are billed on the larger of the item before and
//!   after the write, failed conditions included; inside `TransactWriteItems` each item
//!   costs twice (prepare and commit);
//! - every global secondary index the write changes costs a write of the index entry (its
//!   keys, the table keys, the projected attributes and 100 bytes): an item entering or
//!   leaving the index costs one, an item whose index key changes costs two (delete and put),
//!   one whose projected attributes change costs one, anything else nothing.
//!
//! Reads (per started 4 KB; strongly consistent 1 RRU, eventually consistent 0.5 RRU, index
//! queries always eventually consistent; at least one unit per request): `GetItem` on the item
//! returned, `Query`/`Scan` on the items returned together, `BatchGetItem` per item,
//! `TransactGetItems` twice per item.
//!
//! To know the item before a write, the ledger keeps a copy of every item written through the
//! metered client (the tables are created through it too, which is how it learns their keys
//! and indexes). A transactional `Update` cannot return the new item: its new size is taken as
//! the old size plus the values it sets (an upper bound) and its index writes are not known;
//! such writes, and later writes of the same item, are counted in `estimated_writes`. Query
//! filters are not seen (DynamoDB bills the items read before filtering); the leadflow write
//! path uses none.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::item_size::{item_size, value_size};

type Item = Map<String, Value>;

/// What one DynamoDB request consumed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Consumed {
    pub table_write_units: u64,
    pub index_write_units: u64,
    pub read_units: f64,
    /// Writes whose size or index effect had to be bounded rather than known.
    pub estimated_writes: u64,
}

#[derive(Debug, Clone)]
struct Index {
    keys: Vec<String>,
    projection: Projection,
}

#[derive(Debug, Clone)]
enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

#[derive(Debug, Clone, Default)]
struct Table {
    keys: Vec<String>,
    indexes: Vec<Index>,
}

/// What an item was before a write: known exactly, or only bounded in size.
#[derive(Debug, Clone)]
enum Known {
    Item(Item),
    Size(usize),
}

impl Known {
    fn size(&self) -> usize {
        match self {
            Known::Item(i) => item_size(i),
            Known::Size(s) => *s,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    tables: HashMap<String, Table>,
    items: HashMap<(String, String), Known>,
}

fn write_units(bytes: usize) -> u64 {
    bytes.div_ceil(1024).max(1) as u64
}

fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

fn obj(v: &Value, key: &str) -> Option<Item> {
    v.get(key).and_then(Value::as_object).cloned()
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

impl Ledger {
    /// Learn a table's keys and indexes from its `CreateTable` request.
    pub(crate) fn create_table(&mut self, request: &Value) {
        let names = |schema: &[Value]| -> Vec<String> {
            schema
                .iter()
                .map(|k| text(k, "AttributeName").to_string())
                .collect()
        };
        let indexes = arr(request, "GlobalSecondaryIndexes")
            .iter()
            .map(|gsi| {
                let projection = gsi.get("Projection").cloned().unwrap_or_default();
                Index {
                    keys: names(arr(gsi, "KeySchema")),
                    projection: match text(&projection, "ProjectionType") {
                        "ALL" => Projection::All,
                        "INCLUDE" => Projection::Include(
                            arr(&projection, "NonKeyAttributes")
                                .iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect(),
                        ),
                        _ => Projection::KeysOnly,
                    },
                }
            })
            .collect();
        self.tables.insert(
            text(request, "TableName").to_string(),
            Table {
                keys: names(arr(request, "KeySchema")),
                indexes,
            },
        );
    }

    /// The request units of one request. `ok`: DynamoDB answered without error.
    pub(crate) fn bill(
        &mut self,
        operation: &str,
        request: &Value,
        response: &Value,
        ok: bool,
    ) -> Consumed {
        match operation {
            "CreateTable" => {
                if ok {
                    self.create_table(request);
                }
                Consumed::default()
            }
            "PutItem" | "DeleteItem" | "UpdateItem" => {
                let table = text(request, "TableName");
                self.write(table, &Write::from_single(operation, request), ok, 1)
            }
            "BatchWriteItem" => {
                let mut total = Consumed::default();
                for (table, requests) in request
                    .get("RequestItems")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    for r in requests.as_array().into_iter().flatten() {
                        let write = match (obj(r, "PutRequest"), obj(r, "DeleteRequest")) {
                            (Some(put), _) => Write::Put(obj(&Value::Object(put), "Item")),
                            (_, Some(delete)) => Write::Delete(obj(&Value::Object(delete), "Key")),
                            _ => continue,
                        };
                        total = total.plus(self.write(table, &write, ok, 1));
                    }
                }
                total
            }
            "TransactWriteItems" => {
                let mut total = Consumed::default();
                for entry in arr(request, "TransactItems") {
                    let Some((kind, body)) = entry.as_object().and_then(|o| o.iter().next()) else {
                        continue;
                    };
                    let table = text(body, "TableName");
                    let write = match kind.as_str() {
                        "Put" => Write::Put(obj(body, "Item")),
                        "Delete" => Write::Delete(obj(body, "Key")),
                        "Update" => Write::Update {
                            key: obj(body, "Key"),
                            set_bytes: set_values_size(body),
                        },
                        _ => Write::Check(obj(body, "Key")),
                    };
                    total = total.plus(self.write(table, &write, ok, 2));
                }
                total
            }
            "GetItem" => {
                let consistent = request.get("ConsistentRead") == Some(&Value::Bool(true));
                let size = obj(response, "Item").map(|i| item_size(&i)).unwrap_or(0);
                Consumed::reads(read_units(size, consistent))
            }
            "Query" | "Scan" => {
                let consistent = request.get("ConsistentRead") == Some(&Value::Bool(true))
                    && request.get("IndexName").is_none();
                let size: usize = arr(response, "Items")
                    .iter()
                    .filter_map(Value::as_object)
                    .map(item_size)
                    .sum();
                Consumed::reads(read_units(size, consistent))
            }
            "BatchGetItem" => {
                let mut units = 0.0;
                for (table, items) in response
                    .get("Responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let consistent = request
                        .pointer(&format!("/RequestItems/{table}/ConsistentRead"))
                        == Some(&Value::Bool(true));
                    for item in items.as_array().into_iter().flatten() {
                        let size = item.as_object().map(item_size).unwrap_or(0);
                        units += read_units(size, consistent);
                    }
                }
                // A key that finds no item still costs the minimum read.
                for (table, asked) in request
                    .get("RequestItems")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let returned = response
                        .pointer(&format!("/Responses/{table}"))
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    let unprocessed = response
                        .pointer(&format!("/UnprocessedKeys/{table}/Keys"))
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    let missing = arr(asked, "Keys")
                        .len()
                        .saturating_sub(returned + unprocessed);
                    let consistent = asked.get("ConsistentRead") == Some(&Value::Bool(true));
                    units += missing as f64 * read_units(0, consistent);
                }
                Consumed::reads(units)
            }
            "TransactGetItems" => {
                let units = arr(response, "Responses")
                    .iter()
                    .map(|r| {
                        2.0 * read_units(obj(r, "Item").map(|i| item_size(&i)).unwrap_or(0), true)
                    })
                    .sum();
                Consumed::reads(units)
            }
            _ => Consumed::default(),
        }
    }

    fn key_of(&self, table: &str, item_or_key: &Item) -> (String, String) {
        let keys = self
            .tables
            .get(table)
            .map(|t| t.keys.clone())
            .unwrap_or_else(|| vec!["pk".into(), "sk".into()]);
        let parts: Vec<String> = keys
            .iter()
            .map(|k| item_or_key.get(k).map(Value::to_string).unwrap_or_default())
            .collect();
        (table.to_string(), parts.join("|"))
    }

    /// One item write, `factor` 2 inside a transaction.
    fn write(&mut self, table: &str, write: &Write, ok: bool, factor: u64) -> Consumed {
        let Some(key_source) = write.key() else {
            return Consumed::default();
        };
        let key = self.key_of(table, key_source);
        let before = self.items.get(&key).cloned();
        let before_size = before.as_ref().map(Known::size).unwrap_or(0);
        let mut consumed = Consumed::default();
        let after: Option<Known> = match write {
            Write::Put(Some(item)) => Some(Known::Item(item.clone())),
            Write::Put(None) => None,
            Write::Delete(_) => None,
            Write::Check(_) => before.clone(),
            Write::Update { set_bytes, .. } => {
                consumed.estimated_writes += 1;
                Some(Known::Size(before_size + set_bytes))
            }
        };
        let after_size = after.as_ref().map(Known::size).unwrap_or(0);
        consumed.table_write_units = factor * write_units(before_size.max(after_size));
        if !ok || matches!(write, Write::Check(_)) {
            return consumed;
        }
        if matches!(before, Some(Known::Size(_))) && !matches!(write, Write::Update { .. }) {
            // Its index attributes before the write are unknown: so are its index writes.
            consumed.estimated_writes += 1;
        }
        if let (Some(Known::Item(_)) | None, Some(Known::Item(_)) | None) = (&before, &after) {
            let as_item = |k: &Option<Known>| match k {
                Some(Known::Item(i)) => Some(i.clone()),
                _ => None,
            };
            consumed.index_write_units =
                self.index_writes(table, as_item(&before), as_item(&after));
        }
        match after {
            Some(known) => {
                self.items.insert(key, known);
            }
            None => {
                self.items.remove(&key);
            }
        }
        consumed
    }

    /// The write units the table's indexes consume when an item goes from `before` to `after`.
    fn index_writes(&self, table: &str, before: Option<Item>, after: Option<Item>) -> u64 {
        let Some(t) = self.tables.get(table) else {
            return 0;
        };
        let mut units = 0;
        for index in &t.indexes {
            let entry = |item: &Option<Item>| -> Option<(Vec<Value>, Item)> {
                let item = item.as_ref()?;
                let keys: Option<Vec<Value>> =
                    index.keys.iter().map(|k| item.get(k).cloned()).collect();
                let projected: Item = item
                    .iter()
                    .filter(|(name, _)| {
                        t.keys.contains(name)
                            || index.keys.contains(name)
                            || match &index.projection {
                                Projection::All => true,
                                Projection::KeysOnly => false,
                                Projection::Include(names) => names.contains(name),
                            }
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Some((keys?, projected))
            };
            let size = |e: &Item| write_units(item_size(e) + 100);
            units += match (entry(&before), entry(&after)) {
                (None, None) => 0,
                (None, Some((_, new))) => size(&new),
                (Some((_, old)), None) => size(&old),
                (Some((old_keys, old)), Some((new_keys, new))) if old_keys != new_keys => {
                    size(&old) + size(&new)
                }
                (Some((_, old)), Some((_, new))) if old != new => size(&new),
                _ => 0,
            };
        }
        units
    }
}

/// The bytes of the values an update expression sets: a bound on how much it grows the item.
fn set_values_size(body: &Value) -> usize {
    let values: usize = body
        .get("ExpressionAttributeValues")
        .and_then(Value::as_object)
        .map(|m| m.values().map(value_size).sum())
        .unwrap_or(0);
    let names: usize = body
        .get("ExpressionAttributeNames")
        .and_then(Value::as_object)
        .map(|m| m.values().filter_map(Value::as_str).map(str::len).sum())
        .unwrap_or(0);
    values + names
}

enum Write {
    Put(Option<Item>),
    Delete(Option<Item>),
    Update { key: Option<Item>, set_bytes: usize },
    Check(Option<Item>),
}

impl Write {
    fn from_single(operation: &str, request: &Value) -> Write {
        match operation {
            "PutItem" => Write::Put(obj(request, "Item")),
            "DeleteItem" => Write::Delete(obj(request, "Key")),
            _ => Write::Update {
                key: obj(request, "Key"),
                set_bytes: set_values_size(request),
            },
        }
    }

    fn key(&self) -> Option<&Item> {
        match self {
            Write::Put(i) | Write::Delete(i) | Write::Check(i) => i.as_ref(),
            Write::Update { key, .. } => key.as_ref(),
        }
    }
}

impl Consumed {
    fn reads(units: f64) -> Consumed {
        Consumed {
            read_units: units,
            ..Consumed::default()
        }
    }

    fn plus(self, o: Consumed) -> Consumed {
        Consumed {
            table_write_units: self.table_write_units + o.table_write_units,
            index_write_units: self.index_write_units + o.index_write_units,
            read_units: self.read_units + o.read_units,
            estimated_writes: self.estimated_writes + o.estimated_writes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ledger() -> Ledger {
        let mut l = Ledger::default();
        l.create_table(&json!({
            "TableName": "t",
            "KeySchema": [{"AttributeName": "pk"}, {"AttributeName": "sk"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "due",
                "KeySchema": [{"AttributeName": "shard"}, {"AttributeName": "due"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}
            }]
        }));
        l
    }

    fn put(item: Value) -> Value {
        json!({"TableName": "t", "Item": item})
    }

    #[test]
    fn a_put_is_billed_on_the_larger_of_the_old_and_new_item() {
        let mut l = ledger();
        let big = json!({"pk": {"S": "a"}, "sk": {"S": "A"}, "body": {"S": "x".repeat(1500)}});
        let small = json!({"pk": {"S": "a"}, "sk": {"S": "A"}, "body": {"S": "y"}});
        assert_eq!(
            l.bill("PutItem", &put(big), &json!({}), true)
                .table_write_units,
            2
        );
        assert_eq!(
            l.bill("PutItem", &put(small.clone()), &json!({}), true)
                .table_write_units,
            2,
            "replacing a 1.5 KB item costs its size"
        );
        assert_eq!(
            l.bill("PutItem", &put(small), &json!({}), true)
                .table_write_units,
            1
        );
    }

    #[test]
    fn index_writes_follow_the_index_key() {
        let mut l = ledger();
        let at = |due: Option<&str>| {
            let mut item = json!({"pk": {"S": "a"}, "sk": {"S": "A"}, "n": {"N": "1"}});
            if let Some(d) = due {
                item["shard"] = json!({"S": "0"});
                item["due"] = json!({"S": d});
            }
            put(item)
        };
        let index =
            |l: &mut Ledger, r: Value| l.bill("PutItem", &r, &json!({}), true).index_write_units;
        assert_eq!(index(&mut l, at(None)), 0, "not in the sparse index");
        assert_eq!(index(&mut l, at(Some("09:00"))), 1, "enters it");
        assert_eq!(index(&mut l, at(Some("09:00"))), 0, "unchanged");
        assert_eq!(index(&mut l, at(Some("10:00"))), 2, "moves: delete and put");
        assert_eq!(index(&mut l, at(None)), 1, "leaves it");
    }

    #[test]
    fn transactions_cost_twice_and_reads_half_when_eventually_consistent() {
        let mut l = ledger();
        let tx = json!({"TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}, "sk": {"S": "B"}}}},
            {"Update": {"TableName": "t", "Key": {"pk": {"S": "c"}, "sk": {"S": "C"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}
        ]});
        let c = l.bill("TransactWriteItems", &tx, &json!({}), true);
        assert_eq!((c.table_write_units, c.estimated_writes), (4, 1));
        let item = json!({"Item": {"pk": {"S": "y".repeat(5000)}}});
        let get = |consistent| json!({"TableName": "t", "ConsistentRead": consistent});
        assert_eq!(l.bill("GetItem", &get(true), &item, true).read_units, 2.0);
        assert_eq!(
            l.bill("GetItem", &get(false), &json!({}), true).read_units,
            0.5
        );
        let on_index = json!({"TableName": "t", "IndexName": "due", "ConsistentRead": true});
        assert_eq!(
            l.bill("Query", &on_index, &json!({"Items": []}), true)
                .read_units,
            0.5,
            "an empty query still costs its minimum"
        );
    }
}
