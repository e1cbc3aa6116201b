//! The score queue on SQS (moto): batches of ten, every job arrives whole, errors name the queue.

mod support;

use std::collections::BTreeSet;

use leadflow::ports::ScoreJob;
use leadflow_aws::score_queue::ScoreQueue;
use leadflow_aws::sqs::SqsScoreQueue;
use support::{drain_bodies, queue, sqs, t0};

fn job(n: usize) -> ScoreJob {
    ScoreJob {
        event_id: format!("evt-{n}"),
        lead_id: format!("ld_{n}"),
        event_type: "pricing_page_view".into(),
        occurred_at: t0(),
        received_at: t0(),
        email: Some(format!("p{n}@acme.io")),
        external_id: None,
        attributes: Default::default(),
        properties: Default::default(),
    }
}

#[tokio::test]
async fn more_than_ten_jobs_go_out_in_batches_and_all_arrive_whole() {
    let sqs = sqs().await;
    let url = queue(&sqs, "score").await;
    let jobs: Vec<ScoreJob> = (0..23).map(job).collect();
    SqsScoreQueue::new(sqs.clone(), &url)
        .send(&jobs)
        .await
        .expect("23 jobs are sent in three batches");
    let bodies = drain_bodies(&sqs, &url, 23).await;
    assert_eq!(bodies.len(), 23, "every job is on the queue once");
    let received: Vec<ScoreJob> = bodies
        .iter()
        .map(|b| serde_json::from_str(b).expect("the body is a ScoreJob"))
        .collect();
    let ids: BTreeSet<&str> = received.iter().map(|j| j.event_id.as_str()).collect();
    assert_eq!(ids.len(), 23);
    for j in &jobs {
        assert!(received.contains(j), "{} arrived unchanged", j.event_id);
    }
}

#[tokio::test]
async fn a_send_to_a_missing_queue_fails_naming_the_queue() {
    let sqs = sqs().await;
    let url = format!(
        "{}/123456789012/{}",
        leadflow_aws::testing::moto().endpoint,
        leadflow_aws::testing::unique_name("absent")
    );
    let err = SqsScoreQueue::new(sqs, &url)
        .send(&[job(1)])
        .await
        .expect_err("the queue does not exist");
    let text = err.to_string();
    assert!(text.contains(&url), "the error names the queue: {text}");
}

#[tokio::test]
async fn no_jobs_send_nothing() {
    let sqs = sqs().await;
    let url = queue(&sqs, "score-empty").await;
    SqsScoreQueue::new(sqs.clone(), &url)
        .send(&[])
        .await
        .unwrap();
    assert!(drain_bodies(&sqs, &url, 1).await.is_empty());
}
