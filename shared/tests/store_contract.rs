//! The memory store honours the store contract.

use leadflow::adapters::{contract, memory::MemoryStore};

#[tokio::test]
async fn memory_store_honours_the_contract() {
    contract::run_all(|| async { MemoryStore::new() }).await;
}
