//! leadflow on AWS: the adapters of the `leadflow` ports over DynamoDB (the store), SQS (the
//! stage queues), EventBridge (the bus), SESv2 (email) and SSM (config). The domain never
//! imports this crate; the Lambda functions in `functions/` wire it to the use cases.

pub mod dynamo;
pub mod score_queue;
pub mod sdk;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
