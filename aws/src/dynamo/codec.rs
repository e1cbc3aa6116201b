//! Attribute values in and out of items. Domain values (leads, history, events, reps) are
//! stored as JSON text in one attribute: serde_json round-trips them exactly, history details
//! are raw JSON (`RawValue`, which only serde_json can carry), and nothing the table never
//! filters on needs DynamoDB's own types. Keys and filtered fields sit beside the JSON.

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::DynamoError;
use super::keys::{PK, SK};

pub(crate) type Item = HashMap<String, AttributeValue>;

/// The JSON body of an item.
pub(crate) const BODY: &str = "body";
/// DynamoDB's TTL attribute (epoch seconds), as the template enables it.
pub(crate) const EXPIRES_AT: &str = "expires_at";

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The primary key of an item.
pub(crate) fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

/// The item's key, for error messages.
pub(crate) fn describe(item: &Item) -> String {
    let part = |a: &str| match item.get(a) {
        Some(AttributeValue::S(v)) => v.as_str(),
        _ => "?",
    };
    format!("{}/{}", part(PK), part(SK))
}

fn bad(item: &Item, attribute: &'static str, problem: &str) -> DynamoError {
    DynamoError::BadItem {
        key: describe(item),
        attribute,
        problem: problem.to_string(),
    }
}

pub(crate) fn get_s<'a>(item: &'a Item, attribute: &'static str) -> Result<&'a str, DynamoError> {
    match item.get(attribute) {
        Some(AttributeValue::S(v)) => Ok(v),
        Some(_) => Err(bad(item, attribute, "is not a string")),
        None => Err(bad(item, attribute, "is missing")),
    }
}

pub(crate) fn get_n<T: FromStr>(item: &Item, attribute: &'static str) -> Result<T, DynamoError> {
    match item.get(attribute) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| bad(item, attribute, &format!("number {v} is out of range"))),
        Some(_) => Err(bad(item, attribute, "is not a number")),
        None => Err(bad(item, attribute, "is missing")),
    }
}

pub(crate) fn get_opt_n<T: FromStr>(
    item: &Item,
    attribute: &'static str,
) -> Result<Option<T>, DynamoError> {
    match item.get(attribute) {
        None => Ok(None),
        Some(_) => get_n(item, attribute).map(Some),
    }
}

pub(crate) fn to_json<T: Serialize + ?Sized>(
    what: &'static str,
    value: &T,
) -> Result<String, DynamoError> {
    serde_json::to_string(value).map_err(|source| DynamoError::Encode { what, source })
}

pub(crate) fn from_json<T: DeserializeOwned>(
    item: &Item,
    attribute: &'static str,
) -> Result<T, DynamoError> {
    serde_json::from_str(get_s(item, attribute)?).map_err(|source| DynamoError::Decode {
        key: describe(item),
        attribute,
        source,
    })
}

/// The TTL value `days` from now: markers that only guard against redelivery expire.
pub(crate) fn expires_in_days(days: i64) -> AttributeValue {
    n(chrono::Utc::now().timestamp() + days * 86_400)
}
