//! `DeliveryLog`: one marker item per delivered alert (`DELIVERED#<key>`), expiring once no
//! redelivery of its event can arrive.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use leadflow::ports::{DeliveryLog, StoreError};

use super::codec::{expires_in_days, key, EXPIRES_AT};
use super::error::DynamoError;
use super::keys::{delivered_pk, DELIVERED_SK, PK};
use super::DynamoStore;
use crate::score_queue::ScoreQueue;

/// Longer than SQS keeps a message (14 days), so every redelivery finds the marker.
const DELIVERED_DAYS: i64 = 30;

impl<Q: ScoreQueue> DeliveryLog for DynamoStore<Q> {
    async fn is_delivered(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.get(delivered_pk(key), DELIVERED_SK).await?.is_some())
    }

    async fn record_delivered(&self, delivery: &str) -> Result<(), StoreError> {
        let mut item = key(delivered_pk(delivery), DELIVERED_SK);
        item.insert(EXPIRES_AT.into(), expires_in_days(DELIVERED_DAYS));
        // Recorded once: a second record keeps the first marker (and its expiry) as it is.
        let put = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(DynamoError::sdk("PutItem", &self.table, e).into()),
        }
    }
}
