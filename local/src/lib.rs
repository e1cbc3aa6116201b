//! leadflow on one machine. The same use cases as the Lambda functions, run as workers over
//! the SQLite store's durable queues, with the outbox relayed to those queues as the
//! in-process bus, and the decay and SLA schedules as timers.

pub mod clock;
pub mod pipeline;
pub mod runtime;
pub mod simulate;
pub mod waking;
