//! The cost model of a metered run: what each service bills, per lead event, in dollars per
//! million events at us-east-1 on-demand prices (November 2026).

use leadflow_aws::metering::Usage;

/// $ per million DynamoDB write request units (on-demand).
const WRU: f64 = 0.625;
/// $ per million DynamoDB read request units (on-demand).
const RRU: f64 = 0.125;
/// $ per million SQS requests (standard queue, each 64 KB chunk a request).
const SQS: f64 = 0.40;
/// $ per million EventBridge custom events (each 64 KB chunk an event).
const EVENTBRIDGE: f64 = 1.00;
/// $ per million Lambda requests.
const LAMBDA_REQUEST: f64 = 0.20;
/// $ per GB-second of arm64 Lambda duration.
const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
/// The functions' memory (template.yaml `Globals.Function.MemorySize`).
const LAMBDA_GB: f64 = 0.25;
/// $ per million API Gateway HTTP API requests.
const API_GATEWAY: f64 = 1.00;

/// What a run did besides the SDK calls the meter saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunCounts {
    /// Lead events accepted through the webhook (one API Gateway request and one `ingest`
    /// invocation each).
    pub events: u64,
    /// Invocations of the queue-driven functions (score, route, notify), one per batch.
    pub batch_invocations: u64,
    /// Seconds spent in all the function bodies, ingest included (on the emulator).
    pub handler_seconds: f64,
    /// Receives that found nothing: the fixed cost of polling, not of events.
    pub empty_receives: u64,
    /// Messages the bus rules put on the route and notify queues: SQS sends EventBridge
    /// makes, billed to the queue, never on this process's wire.
    pub rule_deliveries: u64,
}

/// Dollars per million lead events, by service; prints the table and returns the total.
pub fn report(title: &str, usage: &Usage, run: RunCounts) -> f64 {
    let n = run.events as f64;
    let per = |x: f64| x / n;
    let of = |service: &'static str| usage.iter().filter(move |((s, _), _)| s == service);
    let table_wru: u64 = of("DynamoDB").map(|(_, u)| u.write_units).sum();
    let index_wru: u64 = of("DynamoDB").map(|(_, u)| u.index_write_units).sum();
    let rru: f64 = of("DynamoDB").map(|(_, u)| u.read_units).sum();
    let estimated: u64 = of("DynamoDB").map(|(_, u)| u.estimated_writes).sum();
    let dynamo_requests: u64 = of("DynamoDB").map(|(_, u)| u.requests).sum();
    let sqs_billed: u64 =
        of("SQS").map(|(_, u)| u.billed).sum::<u64>() - run.empty_receives + run.rule_deliveries;
    let entries: u64 = of("EventBridge").map(|(_, u)| u.billed).sum();
    let lambda_requests = n + run.batch_invocations as f64;
    let rows = [
        (
            "DynamoDB writes",
            format!(
                "{:.2} WRU ({:.2} table + {:.2} index) in {:.2} requests",
                per((table_wru + index_wru) as f64),
                per(table_wru as f64),
                per(index_wru as f64),
                per(dynamo_requests as f64)
            ),
            per((table_wru + index_wru) as f64) * WRU,
        ),
        (
            "DynamoDB reads",
            format!("{:.2} RRU", per(rru)),
            per(rru) * RRU,
        ),
        (
            "SQS",
            format!(
                "{:.2} requests (sends, receives with messages, deletes, bus deliveries)",
                per(sqs_billed as f64)
            ),
            per(sqs_billed as f64) * SQS,
        ),
        (
            "EventBridge",
            format!("{:.2} entries", per(entries as f64)),
            per(entries as f64) * EVENTBRIDGE,
        ),
        (
            "Lambda requests",
            format!("{:.2} invocations", per(lambda_requests)),
            per(lambda_requests) * LAMBDA_REQUEST,
        ),
        (
            "Lambda duration",
            format!(
                "{:.1} ms at 256 MB (measured on the emulator)",
                per(run.handler_seconds) * 1000.0
            ),
            per(run.handler_seconds) * LAMBDA_GB * LAMBDA_GB_SECOND * 1e6,
        ),
        ("API Gateway", "1 request".to_string(), API_GATEWAY),
    ];
    println!("{title}: {} lead events", run.events);
    println!("  by operation, per event:");
    for ((service, operation), u) in usage {
        println!(
            "    {service:12} {operation:20} requests {:6.3}  billed {:6.3}  WRU {:6.3} (+{:5.3} index)  RRU {:6.3}",
            per(u.requests as f64),
            per(u.billed as f64),
            per(u.write_units as f64),
            per(u.index_write_units as f64),
            per(u.read_units)
        );
    }
    println!("  | service | per event | $ per million events |");
    println!("  |---|---|---|");
    let mut total = 0.0;
    for (service, what, dollars) in &rows {
        println!("  | {service} | {what} | {dollars:.2} |");
        total += dollars;
    }
    println!("  | **total** | | **{total:.2}** |");
    println!(
        "  ({} empty receives left out as the fixed cost of polling; {estimated} DynamoDB item \
         writes sized as a bound)",
        run.empty_receives
    );
    total
}
