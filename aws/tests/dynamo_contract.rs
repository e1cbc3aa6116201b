//! The DynamoDB store passes the store contract every store passes, against moto.

use leadflow::adapters::contract::run_all;
use leadflow_aws::dynamo::store_on_fresh_table;

#[tokio::test]
async fn the_dynamo_store_honours_the_store_contract() {
    run_all(|| async { store_on_fresh_table().await }).await;
}
