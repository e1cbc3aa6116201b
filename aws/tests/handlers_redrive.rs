//! A poison message on a real queue (moto) with a redrive policy: the score handler reports
//! only it, the good ones are deleted, and after the max receives it sits in the DLQ.

mod support;

use aws_sdk_sqs::types::QueueAttributeName;
use leadflow::adapters::memory::MemoryStore;
use leadflow::config::Config;
use leadflow::ports::LeadStore;
use leadflow::scoring::Scorer;
use leadflow_aws::handlers::score::handle_score;
use leadflow_aws::score_queue::ScoreQueue;
use leadflow_aws::sqs::SqsScoreQueue;
use support::{
    accepted_jobs, drain_bodies, hot_event, queue, queue_arn, receive, sqs, sqs_event, t0,
    RecordingBus,
};

const MAX_RECEIVES: usize = 2;

#[tokio::test]
async fn the_poison_message_ends_in_the_dlq_and_the_others_are_scored_once() {
    let sqs = sqs().await;
    let dlq = queue(&sqs, "score-dlq").await;
    let dlq_arn = queue_arn(&sqs, &dlq).await;
    let main = queue(&sqs, "score").await;
    sqs.set_queue_attributes()
        .queue_url(&main)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES})
                .to_string(),
        )
        .send()
        .await
        .expect("moto sets the redrive policy");

    let config = Config::default();
    let store = MemoryStore::new();
    let bus = RecordingBus::default();
    let events = (0..9)
        .map(|i| {
            hot_event(
                &format!("e{i}"),
                &format!("p{i}@co{i}.io"),
                "demo_request",
                t0(),
            )
        })
        .collect();
    let jobs = accepted_jobs(&store, events).await;
    SqsScoreQueue::new(sqs.clone(), &main)
        .send(&jobs[..5])
        .await
        .unwrap();
    sqs.send_message()
        .queue_url(&main)
        .message_body("not a score job")
        .send()
        .await
        .unwrap();
    SqsScoreQueue::new(sqs.clone(), &main)
        .send(&jobs[5..])
        .await
        .unwrap();

    // The event source mapping: receive, invoke, delete what the function did not report.
    let mut reported = Vec::new();
    for _ in 0..(MAX_RECEIVES + 3) {
        let messages = receive(&sqs, &main, 0).await;
        if messages.is_empty() {
            break;
        }
        let pairs: Vec<(&str, &str)> = messages
            .iter()
            .map(|(id, b, _)| (id.as_str(), b.as_str()))
            .collect();
        let outcome = handle_score(
            &store,
            &bus,
            &config,
            Scorer::rules("v1"),
            &sqs_event(&pairs),
            t0(),
        )
        .await;
        let failed: Vec<String> = outcome.failed.iter().map(|(id, _)| id.clone()).collect();
        for (id, body, receipt) in &messages {
            if failed.contains(id) {
                reported.push(body.clone());
            } else {
                sqs.delete_message()
                    .queue_url(&main)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
    assert!(
        !reported.is_empty() && reported.iter().all(|b| b == "not a score job"),
        "{reported:?}"
    );
    assert_eq!(
        reported.len(),
        MAX_RECEIVES,
        "reported on each receive until redriven"
    );
    assert_eq!(
        drain_bodies(&sqs, &dlq, 2).await,
        vec!["not a score job".to_string()]
    );
    assert!(
        receive(&sqs, &main, 0).await.is_empty(),
        "the main queue is empty"
    );
    for job in &jobs {
        let lead = store.lead(&job.lead_id).await.unwrap().expect("scored");
        assert_eq!(lead.version, 1, "scored once");
    }
}
