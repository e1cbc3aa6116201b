//! The table itself, as `template.yaml` declares it: keys `pk`/`sk`, the TTL attribute and
//! the global secondary indexes. Tests create a fresh table per store.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use super::codec::EXPIRES_AT;
use super::error::DynamoError;
use super::keys::{
    CREATED_SK, DECAY_DUE, LEAD_LIST_INDEX, LEAD_SHARD, OUTBOX_INDEX, OUTBOX_SHARD, OUTBOX_SK, PK,
    ROUTE_DUE, SK, SLA_DUE,
};

/// Create the table `name` with every index the store queries, and enable its TTL.
pub async fn create_table(client: &Client, name: &str) -> Result<(), DynamoError> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?);
    let string_attrs = [
        PK,
        SK,
        SLA_DUE.shard_attr,
        SLA_DUE.due_attr,
        DECAY_DUE.shard_attr,
        DECAY_DUE.due_attr,
        ROUTE_DUE.shard_attr,
        ROUTE_DUE.due_attr,
        LEAD_SHARD,
        CREATED_SK,
        OUTBOX_SHARD,
        OUTBOX_SK,
    ];
    for attr in string_attrs {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(DynamoError::build("CreateTable"))?,
        );
    }
    for due in [SLA_DUE, DECAY_DUE, ROUTE_DUE] {
        request = request.global_secondary_indexes(index(
            due.name,
            due.shard_attr,
            due.due_attr,
            keys_only(),
        )?);
    }
    let listed = Projection::builder()
        .projection_type(ProjectionType::Include)
        .non_key_attributes("status")
        .non_key_attributes("tier")
        .non_key_attributes("owner_id")
        .build();
    request = request
        .global_secondary_indexes(index(LEAD_LIST_INDEX, LEAD_SHARD, CREATED_SK, listed)?)
        .global_secondary_indexes(index(
            OUTBOX_INDEX,
            OUTBOX_SHARD,
            OUTBOX_SK,
            // Keys only: the relay reads the lead items themselves (consistently) to publish
            // their events, so a lead item entering or leaving the index costs a small entry.
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )?);
    request
        .send()
        .await
        .map_err(|e| DynamoError::sdk("CreateTable", name, e))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(EXPIRES_AT)
                .enabled(true)
                .build()
                .map_err(DynamoError::build("UpdateTimeToLive"))?,
        )
        .send()
        .await
        .map_err(|e| DynamoError::sdk("UpdateTimeToLive", name, e))?;
    Ok(())
}

fn key(attr: &str, kind: KeyType) -> Result<KeySchemaElement, DynamoError> {
    KeySchemaElement::builder()
        .attribute_name(attr)
        .key_type(kind)
        .build()
        .map_err(DynamoError::build("CreateTable"))
}

fn keys_only() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::KeysOnly)
        .build()
}

fn index(
    name: &str,
    hash: &str,
    range: &str,
    projection: Projection,
) -> Result<GlobalSecondaryIndex, DynamoError> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash)?)
        .key_schema(key(range, KeyType::Range)?)
        .projection(projection)
        .build()
        .map_err(DynamoError::build("CreateTable"))
}
