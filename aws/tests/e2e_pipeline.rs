//! The whole AWS flow on the emulator, with the real adapters: a webhook into the `ingest`
//! router → the SQS score queue → `score` on DynamoDB → an EventBridge rule puts
//! `LeadQualified` on the route queue → `route` owns the lead in DynamoDB and starts its SLA
//! clock → a rule puts `LeadAssigned` on the notify queue → `notify` posts to a local Slack
//! receiver, once per assignment.
//!
//! Every AWS call of the run goes through one request meter: the test prints, per accepted
//! event, the requests to each service and the DynamoDB request units — the counts the
//! README's cost model is built on.

mod support;

use std::sync::{Arc, Mutex};

use aws_lambda_events::sqs::SqsEvent;
use axum::body::Bytes;
use axum::routing::post;
use leadflow::config::Config;
use leadflow::domain::Status;
use leadflow::ports::{LeadStore, RepStore};
use leadflow::scoring::Scorer;
use leadflow_api::{router, AppState, ConfigHandle};
use leadflow_aws::dynamo::{create_table, DynamoStore};
use leadflow_aws::eventbridge::EventBridgePublisher;
use leadflow_aws::handlers::notify::{handle_notify, Channel};
use leadflow_aws::handlers::route::handle_route;
use leadflow_aws::handlers::score::handle_score;
use leadflow_aws::metering::Meter;
use leadflow_aws::sqs::SqsScoreQueue;
use leadflow_aws::testing;
use leadflow_notify::{RetryPolicy, SlackWebhook};
use tower::ServiceExt;

use support::{queue, queue_arn, sqs_event, t0};

const KEY: &str = "lf_e2e_key_0123456789";
const LEADS: usize = 12;

/// A local Slack incoming webhook that keeps what it was sent.
async fn slack_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// One receive of the queue as the event source mapping hands it over, the messages then
/// deleted as the mapping does for the records not reported failed.
async fn poll(sqs: &aws_sdk_sqs::Client, url: &str) -> SqsEvent {
    let messages = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(60)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default();
    let pairs: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            (
                m.message_id.clone().unwrap_or_default(),
                m.body.clone().unwrap_or_default(),
            )
        })
        .collect();
    for m in &messages {
        sqs.delete_message()
            .queue_url(url)
            .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
            .send()
            .await
            .expect("delete");
    }
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(i, b)| (i.as_str(), b.as_str()))
        .collect();
    sqs_event(&refs)
}

fn webhook_body(n: usize) -> String {
    serde_json::json!({"events": [{
        "id": format!("evt-{n}"),
        "type": "demo_request",
        "occurred_at": t0().to_rfc3339(),
        "lead": {"email": format!("buyer{n}@acme{n}.io"), "first_name": "Ana",
                 "title": "VP Marketing", "company_size": 250, "industry": "software",
                 "country": "US", "company_domain": format!("acme{n}.io")}
    }]})
    .to_string()
}

#[tokio::test]
async fn a_webhook_ends_owned_in_dynamodb_and_alerted_on_slack_once_and_the_calls_are_counted() {
    let sdk = testing::sdk_config().await;
    let meter = Meter::new();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(meter.clone())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&sdk)
            .interceptor(meter.clone())
            .build(),
    );
    let eventbridge = aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(&sdk)
            .interceptor(meter.clone())
            .build(),
    );

    // The stack: table, queues, bus and its two rules.
    let table = testing::unique_name("leadflow-e2e");
    create_table(&dynamodb, &table).await.expect("the table");
    let score_queue = queue(&sqs, "score").await;
    let route_queue = queue(&sqs, "route").await;
    let notify_queue = queue(&sqs, "notify").await;
    let bus = testing::unique_name("bus");
    eventbridge
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("the bus");
    for (kinds, url) in [
        (vec!["LeadQualified"], &route_queue),
        (
            vec![
                "LeadAssigned",
                "LeadReassigned",
                "SlaBreached",
                "FollowUpMissed",
            ],
            &notify_queue,
        ),
    ] {
        let rule = testing::unique_name("rule");
        eventbridge
            .put_rule()
            .name(&rule)
            .event_bus_name(&bus)
            .event_pattern(
                serde_json::json!({"source": ["leadflow"], "detail-type": kinds}).to_string(),
            )
            .send()
            .await
            .expect("a rule");
        eventbridge
            .put_targets()
            .rule(&rule)
            .event_bus_name(&bus)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("queue")
                    .arn(queue_arn(&sqs, url).await)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("a target");
    }

    let mut config = Config::default();
    config.auth.api_keys = vec![KEY.to_string()];
    let store = DynamoStore::new(
        dynamodb.clone(),
        table,
        SqsScoreQueue::new(sqs.clone(), score_queue.clone()),
    );
    for rep in &config.reps {
        store.put_rep(rep.clone()).await.unwrap();
    }
    let publisher = EventBridgePublisher::new(eventbridge.clone(), &bus);
    let (slack_url, slack) = slack_receiver().await;
    let channels = [Channel {
        name: "slack",
        notifier: SlackWebhook::new(&slack_url, RetryPolicy::no_retry()).unwrap(),
    }];
    let clock = || t0() + chrono::TimeDelta::minutes(1);
    let ingest = router(AppState::new(
        ConfigHandle::new(config.clone()),
        store.clone(),
        Arc::new(clock),
    ));
    meter.reset();

    // The webhooks: one event per request, as a form or a CRM sends them.
    let mut lead_ids = Vec::new();
    for n in 0..LEADS {
        let request = axum::http::Request::post("/v1/events")
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(webhook_body(n)))
            .unwrap();
        let response = ingest.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 202, "the webhook is accepted");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        lead_ids.push(answer["leads"][0]["lead_id"].as_str().unwrap().to_string());
    }

    // Each stage drains its queue as its Lambda would, batch by batch.
    let (mut scored, mut routed, mut notified) = (0, 0, 0);
    let mut invocations = 0u64;
    for _ in 0..20 {
        let batch = poll(&sqs, &score_queue).await;
        if !batch.records.is_empty() {
            invocations += 1;
            scored += batch.records.len();
            let out = handle_score(
                &store,
                &publisher,
                &config,
                Scorer::rules("v1"),
                &batch,
                t0(),
            )
            .await;
            assert!(
                out.failed.is_empty() && out.relay_error.is_none(),
                "{out:?}"
            );
        }
        let batch = poll(&sqs, &route_queue).await;
        if !batch.records.is_empty() {
            invocations += 1;
            routed += batch.records.len();
            let out = handle_route(&store, &publisher, &config, &batch, t0()).await;
            assert!(
                out.failed.is_empty() && out.relay_error.is_none(),
                "{out:?}"
            );
        }
        let batch = poll(&sqs, &notify_queue).await;
        if !batch.records.is_empty() {
            invocations += 1;
            notified += batch.records.len();
            let out = handle_notify(&store, &channels, &publisher, &config, &batch).await;
            assert!(out.failed.is_empty(), "{out:?}");
        }
        if notified == LEADS {
            break;
        }
    }
    assert_eq!(
        (scored, routed, notified),
        (LEADS, LEADS, LEADS),
        "every event scored, every hot lead routed and its owner alerted"
    );

    for id in &lead_ids {
        let lead = store.lead(id).await.unwrap().expect("the lead is stored");
        assert_eq!(lead.status, Status::Assigned, "{id} is owned");
        assert!(lead.owner_id().is_some() && lead.sla.is_some(), "{id}");
    }
    let posts = slack.lock().unwrap().clone();
    assert_eq!(posts.len(), LEADS, "one Slack post per assignment");
    for id in &lead_ids {
        assert_eq!(
            posts.iter().filter(|p| p.contains(id.as_str())).count(),
            1,
            "lead {id} is alerted exactly once"
        );
    }

    // What one lead event cost, from webhook to alert.
    let usage = meter.usage();
    let per_event = |n: u64| n as f64 / LEADS as f64;
    println!("AWS calls per lead event (webhook → owner alerted), {LEADS} events:");
    for ((service, operation), u) in &usage {
        println!(
            "  {service:12} {operation:22} requests {:6.2}  write units {:6.2}  read units {:6.2}",
            per_event(u.requests),
            per_event(u.write_units),
            per_event(u.read_units)
        );
    }
    let writes: u64 = usage.values().map(|u| u.write_units).sum();
    let reads: u64 = usage.values().map(|u| u.read_units).sum();
    println!(
        "  totals: DynamoDB {:.2} requests ({:.2} WRU, {:.2} RRU), SQS {:.2}, EventBridge {:.2}, \
         Lambda invocations {:.2} (batches of up to 10), API Gateway 1",
        per_event(meter.requests("DynamoDB")),
        per_event(writes),
        per_event(reads),
        per_event(meter.requests("SQS")),
        per_event(meter.requests("EventBridge")),
        per_event(invocations),
    );
    assert!(writes > 0 && reads > 0, "the meter saw DynamoDB's units");
}
