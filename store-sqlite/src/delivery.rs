//! `DeliveryLog`: which alert deliveries were done.

use leadflow::ports::{DeliveryLog, StoreError};
use rusqlite::OptionalExtension;

use crate::store::SqliteStore;

impl DeliveryLog for SqliteStore {
    async fn is_delivered(&self, key: &str) -> Result<bool, StoreError> {
        let key = key.to_string();
        self.read(move |tx| {
            Ok(tx
                .prepare_cached("SELECT 1 FROM deliveries WHERE key = ?1")?
                .query_row([key], |_| Ok(()))
                .optional()?
                .is_some())
        })
        .await
    }

    async fn record_delivered(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_string();
        self.write(move |tx| {
            tx.prepare_cached("INSERT OR IGNORE INTO deliveries (key) VALUES (?1)")?
                .execute([key])?;
            Ok(())
        })
        .await
    }
}
