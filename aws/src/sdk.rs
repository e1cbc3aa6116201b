//! The one SDK configuration every client is built from, once per process (at Lambda init).

use aws_config::{BehaviorVersion, SdkConfig};

/// The configuration of the environment: region, credentials and, when
/// `AWS_ENDPOINT_URL` is set, an emulator's endpoint (the SDK reads it itself).
pub async fn from_env() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// A configuration pointing every client at `endpoint` with static dummy credentials: the
/// emulator's, in tests. Without static credentials the SDK looks for instance metadata.
pub async fn for_endpoint(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "testing", "testing", None, None, "static",
        ))
        .load()
        .await
}
