//! What can go wrong talking to DynamoDB, named by operation, item key and attribute. The
//! ports only see `StoreError`: these become `StoreError::Backend`, never an AWS type.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use leadflow::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DynamoError {
    #[error("DynamoDB {op} on table {table} failed: {detail}")]
    Sdk {
        op: &'static str,
        table: String,
        detail: String,
        #[source]
        source: Box<aws_sdk_dynamodb::Error>,
    },
    #[error("DynamoDB {op}: request could not be built: {source}")]
    Build {
        op: &'static str,
        #[source]
        source: aws_sdk_dynamodb::error::BuildError,
    },
    #[error("item {key}: attribute `{attribute}` {problem}")]
    BadItem {
        key: String,
        attribute: &'static str,
        problem: String,
    },
    #[error("item {key}: attribute `{attribute}` is not valid JSON for its type: {source}")]
    Decode {
        key: String,
        attribute: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{what} could not be serialised: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("cursor {0:?} was not issued by this store")]
    InvalidCursor(String),
    #[error("the write of lead {lead_id} needs {items} items; a DynamoDB transaction holds at most {max}")]
    TransactionTooLarge {
        lead_id: String,
        items: usize,
        max: usize,
    },
    #[error("DynamoDB {op} left {left} items unprocessed after {attempts} attempts")]
    Unprocessed {
        op: &'static str,
        left: usize,
        attempts: u32,
    },
}

impl DynamoError {
    /// An SDK failure of `op` on `table`, with the SDK's whole error chain in the message.
    pub(crate) fn sdk(
        op: &'static str,
        table: &str,
        e: impl Into<aws_sdk_dynamodb::Error>,
    ) -> Self {
        let e: aws_sdk_dynamodb::Error = e.into();
        DynamoError::Sdk {
            op,
            table: table.to_string(),
            detail: DisplayErrorContext(&e).to_string(),
            source: Box::new(e),
        }
    }

    pub(crate) fn build(
        op: &'static str,
    ) -> impl FnOnce(aws_sdk_dynamodb::error::BuildError) -> Self {
        move |source| DynamoError::Build { op, source }
    }
}

impl From<DynamoError> for StoreError {
    fn from(e: DynamoError) -> Self {
        match e {
            // The port's own refusal, so the API answers 400 without knowing this store.
            DynamoError::InvalidCursor(cursor) => StoreError::InvalidCursor(cursor),
            other => StoreError::backend(other),
        }
    }
}
