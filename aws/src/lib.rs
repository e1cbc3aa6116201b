//! leadflow on AWS: the adapters of the `leadflow` ports over DynamoDB (the store), SQS (the
//! score queue), EventBridge (the bus), SESv2 (email) and SSM (config and the published
//! scoring version), and the handlers the Lambda functions in `functions/` run. The domain
//! never imports this crate.

mod batch_retry;
pub mod dynamo;
pub mod eventbridge;
pub mod handlers;
pub mod metering;
pub mod published;
pub mod score_queue;
pub mod sdk;
pub mod ses;
pub mod sqs;
pub mod ssm_config;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use batch_retry::EntryRetry;
