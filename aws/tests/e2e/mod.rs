//! The whole AWS stack on the emulator with the real adapters, every client metered: the
//! table, the score/route/notify queues, the bus with the template's rules, the ingest router
//! and a local Slack receiver. `drain` runs each queue-driven function as its event source
//! mapping would, until every queue is empty.

pub mod cost;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_lambda_events::sqs::SqsEvent;
use axum::body::Bytes;
use axum::routing::post;
use leadflow::config::Config;
use leadflow::ports::RepStore;
use leadflow::scoring::Scorer;
use leadflow_api::{router, AppState, ConfigHandle};
use leadflow_aws::dynamo::{create_table, DynamoStore};
use leadflow_aws::eventbridge::{EventBridgePublisher, ROUTED_EVENT_KINDS};
use leadflow_aws::handlers::notify::{handle_notify, Channel};
use leadflow_aws::handlers::route::handle_route;
use leadflow_aws::handlers::score::handle_score;
use leadflow_aws::metering::Meter;
use leadflow_aws::sqs::SqsScoreQueue;
use leadflow_aws::testing;
use leadflow_notify::{RetryPolicy, SlackWebhook};
use tower::ServiceExt;

use crate::support::{queue, queue_arn, sqs_event, t0};
use cost::RunCounts;

pub const KEY: &str = "lf_e2e_key_0123456789";

pub struct Stack {
    pub meter: Meter,
    pub store: DynamoStore<SqsScoreQueue>,
    pub slack: Arc<Mutex<Vec<String>>>,
    pub counts: RunCounts,
    config: Config,
    sqs: aws_sdk_sqs::Client,
    publisher: EventBridgePublisher,
    channels: [Channel<SlackWebhook>; 1],
    ingest: axum::Router,
    score_queue: String,
    route_queue: String,
    notify_queue: String,
}

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

impl Stack {
    pub async fn new() -> Stack {
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
        // The rules of template.yaml.
        for (kinds, url) in [
            (vec!["LeadQualified"], &route_queue),
            (
                vec!["LeadAssigned", "LeadReassigned", "FollowUpMissed"],
                &notify_queue,
            ),
            (vec!["SlaBreached"], &notify_queue),
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
        // As the functions build it (`Init::store`).
        let store = DynamoStore::new(
            dynamodb.clone(),
            table,
            SqsScoreQueue::new(sqs.clone(), score_queue.clone()),
        )
        .publishing_only(ROUTED_EVENT_KINDS);
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
        Stack {
            meter,
            store,
            slack,
            counts: RunCounts::default(),
            config,
            sqs,
            publisher,
            channels,
            ingest,
            score_queue,
            route_queue,
            notify_queue,
        }
    }

    /// One webhook request, as API Gateway hands it to the `ingest` function; returns the
    /// lead ids of its events.
    pub async fn webhook(&mut self, events: serde_json::Value) -> Vec<String> {
        let n = events["events"].as_array().map_or(0, Vec::len) as u64;
        let request = axum::http::Request::post("/v1/events")
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(events.to_string()))
            .unwrap();
        let started = Instant::now();
        let response = self.ingest.clone().oneshot(request).await.unwrap();
        self.counts.handler_seconds += started.elapsed().as_secs_f64();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        assert_eq!(
            status,
            202,
            "the webhook is accepted: {}",
            String::from_utf8_lossy(&body)
        );
        self.counts.events += n;
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        answer["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["lead_id"].as_str().unwrap().to_string())
            .collect()
    }

    /// One receive of `url` as the event source mapping does it, the messages then deleted
    /// as the mapping does for the records not reported failed.
    async fn poll(&mut self, url: &str) -> SqsEvent {
        let messages = self
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default();
        if messages.is_empty() {
            self.counts.empty_receives += 1;
        } else if url != self.score_queue {
            self.counts.rule_deliveries += messages.len() as u64;
        }
        if !messages.is_empty() {
            let mut batch = self.sqs.delete_message_batch().queue_url(url);
            for (i, m) in messages.iter().enumerate() {
                batch = batch.entries(
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                        .build()
                        .unwrap(),
                );
            }
            batch.send().await.expect("delete");
        }
        let pairs: Vec<(String, String)> = messages
            .iter()
            .map(|m| {
                (
                    m.message_id.clone().unwrap_or_default(),
                    m.body.clone().unwrap_or_default(),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(i, b)| (i.as_str(), b.as_str()))
            .collect();
        sqs_event(&refs)
    }

    /// Run score, route and notify on their queues until a whole round finds them all empty.
    pub async fn drain(&mut self) {
        for _ in 0..100 {
            let mut any = false;
            let batch = self.poll(&self.score_queue.clone()).await;
            if !batch.records.is_empty() {
                any = true;
                let started = Instant::now();
                let out = handle_score(
                    &self.store,
                    &self.publisher,
                    &self.config,
                    Scorer::rules("v1"),
                    &batch,
                    t0(),
                )
                .await;
                self.counted(started);
                assert!(
                    out.failed.is_empty() && out.relay_error.is_none(),
                    "{out:?}"
                );
            }
            let batch = self.poll(&self.route_queue.clone()).await;
            if !batch.records.is_empty() {
                any = true;
                let started = Instant::now();
                let out =
                    handle_route(&self.store, &self.publisher, &self.config, &batch, t0()).await;
                self.counted(started);
                assert!(
                    out.failed.is_empty() && out.relay_error.is_none(),
                    "{out:?}"
                );
            }
            let batch = self.poll(&self.notify_queue.clone()).await;
            if !batch.records.is_empty() {
                any = true;
                let started = Instant::now();
                let out = handle_notify(
                    &self.store,
                    &self.channels,
                    &self.publisher,
                    &self.config,
                    &batch,
                )
                .await;
                self.counted(started);
                assert!(out.failed.is_empty(), "{out:?}");
            }
            if !any {
                return;
            }
        }
        panic!("the queues never emptied");
    }

    fn counted(&mut self, started: Instant) {
        self.counts.batch_invocations += 1;
        self.counts.handler_seconds += started.elapsed().as_secs_f64();
    }

    /// The lead items' billed size on average, and the leads' own JSON on average (what the
    /// item's body held before it was deflated), in bytes. Read outside the meter.
    pub async fn lead_item_sizes(&self, lead_ids: &[String]) -> (usize, usize) {
        use leadflow::ports::LeadStore;
        let raw = aws_sdk_dynamodb::Client::new(&testing::sdk_config().await);
        let (mut stored, mut json) = (0, 0);
        for id in lead_ids {
            let item = raw
                .get_item()
                .table_name(self.store.table())
                .key(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("LEAD#{id}")),
                )
                .key(
                    "sk",
                    aws_sdk_dynamodb::types::AttributeValue::S("LEAD".into()),
                )
                .send()
                .await
                .expect("the lead item")
                .item
                .expect("the lead item exists");
            stored += leadflow_aws::metering::stored_item_size(&item);
            let lead = self.store.lead(id).await.unwrap().unwrap();
            json += serde_json::to_string(&lead).unwrap().len();
        }
        (stored / lead_ids.len(), json / lead_ids.len())
    }

    /// Slack posts naming `lead_id`.
    pub fn posts_about(&self, lead_id: &str) -> usize {
        self.slack
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.contains(lead_id))
            .count()
    }
}
