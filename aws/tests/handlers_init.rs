//! What a function loads at init (moto SSM): the config from its parameter with secrets from
//! the SecureString path, a bad config naming its key, and the published scoring version.

mod support;

use aws_sdk_ssm::types::ParameterType;
use chrono::{TimeZone, Utc};
use leadflow::config::{Config, EXAMPLE_TOML};
use leadflow::ports::RepStore;
use leadflow_aws::handlers::init::seed_reps;
use leadflow_aws::published::{
    load_published, resolve_scoring, PublishedError, PublishedScoring, ScoringSetup,
};
use leadflow_aws::ssm_config::{load_config, ConfigLoadError, ConfigSource};
use leadflow_aws::testing;
use leadflow_predict::table::Table;
use leadflow_predict::{train_table, Model, TrainOptions};

async fn ssm() -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&testing::sdk_config().await)
}

fn path(prefix: &str) -> String {
    format!("/{}", testing::unique_name(prefix))
}

async fn put(ssm: &aws_sdk_ssm::Client, name: &str, value: &str, kind: ParameterType) {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .overwrite(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("moto stores {name}: {e:?}"));
}

fn env(name: &str) -> Option<String> {
    match name {
        "LEADFLOW_API_KEY" => Some("key-from-the-process".into()),
        "SLACK_WEBHOOK_URL" => Some("https://hooks.slack.com/services/T0/B0/from-env".into()),
        _ => None,
    }
}

#[tokio::test]
async fn the_config_comes_from_its_parameter_and_secrets_win_over_the_environment() {
    let ssm = ssm().await;
    let root = path("leadflow");
    let parameter = format!("{root}/config");
    let secrets = format!("{root}/secrets");
    let text = EXAMPLE_TOML.replace("mql_threshold = 60", "mql_threshold = 65");
    put(&ssm, &parameter, &text, ParameterType::String).await;
    put(
        &ssm,
        &format!("{secrets}/LEADFLOW_API_KEY"),
        "key-from-ssm-0123456789",
        ParameterType::SecureString,
    )
    .await;
    let source = ConfigSource {
        parameter: Some(parameter),
        secrets_path: Some(secrets),
    };
    let config = load_config(&ssm, &source, &env)
        .await
        .expect("the document is valid");
    assert_eq!(
        config.scoring.mql_threshold, 65.0,
        "read from the parameter"
    );
    assert_eq!(
        config.auth.api_keys,
        vec!["key-from-ssm-0123456789".to_string()],
        "the secret wins"
    );
    assert_eq!(
        config.alerts.slack_webhook_url.as_deref(),
        Some("https://hooks.slack.com/services/T0/B0/from-env"),
        "a variable with no secret comes from the environment"
    );
}

#[tokio::test]
async fn without_a_parameter_the_built_in_default_is_loaded() {
    let config = load_config(&ssm().await, &ConfigSource::default(), &|_| None)
        .await
        .unwrap();
    assert_eq!(config, Config::default());
}

#[tokio::test]
async fn a_bad_config_fails_naming_the_key_and_the_parameter() {
    let ssm = ssm().await;
    let parameter = format!("{}/config", path("leadflow"));
    let text = EXAMPLE_TOML.replace("mql_threshold = 60", "mql_threshold = \"sixty\"");
    put(&ssm, &parameter, &text, ParameterType::String).await;
    let source = ConfigSource {
        parameter: Some(parameter.clone()),
        secrets_path: None,
    };
    match load_config(&ssm, &source, &|_| None).await {
        Err(ConfigLoadError::Invalid(errors)) => {
            assert!(errors.has_path("scoring.mql_threshold"), "{errors}");
            let text = errors.to_string();
            assert!(
                text.contains(&format!("ssm:{parameter}")),
                "names the parameter: {text}"
            );
        }
        other => panic!("expected an invalid config, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_parameter_fails_naming_it() {
    let parameter = format!("{}/config", path("absent"));
    let source = ConfigSource {
        parameter: Some(parameter.clone()),
        secrets_path: None,
    };
    let err = load_config(&ssm().await, &source, &|_| None)
        .await
        .unwrap_err();
    assert!(matches!(err, ConfigLoadError::Parameter { .. }), "{err:?}");
    assert!(err.to_string().contains(&parameter), "{err}");
}

/// A small model trained on synthetic rows (fields the leads of the example carry).
fn tiny_model() -> Model {
    let mut csv = String::from("company_size,industry,converted\n");
    for i in 0..300 {
        let industry = ["software", "retail", "education"][i % 3];
        let converted = u8::from(i % 3 == 0 || i % 7 == 0);
        csv.push_str(&format!("{},{industry},{converted}\n", 10 + i * 7));
    }
    let table = Table::from_bytes(csv.as_bytes(), b',', "synthetic").unwrap();
    let mut options = TrainOptions::new(
        "converted",
        Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
    );
    options.min_level_count = 10;
    train_table(&table, &options)
        .expect("the synthetic rows train")
        .0
}

fn published(model: Option<&Model>) -> PublishedScoring {
    let mut scoring = Config::default().scoring;
    scoring.mql_threshold = 72.0;
    PublishedScoring {
        version: "as recorded by publish".into(),
        published_at: Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
        published_by: "maria@acme.io".into(),
        note: Some("raise the bar".into()),
        summary: vec!["MQL threshold 60 → 72".into()],
        scoring,
        model_json: model.map(Model::to_json),
        model_weight: model.map(|_| 0.4),
        backtest_json: None,
    }
}

#[tokio::test]
async fn the_published_rules_and_model_score_over_the_config() {
    let ssm = ssm().await;
    let name = format!("{}/published", path("leadflow"));
    let model = tiny_model();
    let doc = published(Some(&model));
    put(
        &ssm,
        &name,
        &serde_json::to_string(&doc).unwrap(),
        ParameterType::String,
    )
    .await;
    assert_eq!(
        load_published(&ssm, &name).await.unwrap(),
        Some(doc.clone())
    );

    let mut config = Config::default();
    let setup = resolve_scoring(&ssm, Some(&name), &mut config, std::path::Path::new("."))
        .await
        .unwrap();
    assert_eq!(
        config.scoring.mql_threshold, 72.0,
        "the published rules replace [scoring]"
    );
    let blend = setup
        .model
        .as_ref()
        .expect("the published model is blended in");
    assert_eq!(blend.weight, 0.4);
    assert_eq!(blend.model.version(), model.model_version);
    let rules = leadflow::scoring::rules_version(&config.scoring);
    assert_eq!(
        setup.version,
        format!("{rules}+{}@0.4", model.model_version)
    );
    assert_eq!(setup.scorer().version, setup.version);
    assert_eq!(
        setup.published.as_ref().map(|(by, _)| by.as_str()),
        Some("maria@acme.io")
    );
}

#[tokio::test]
async fn with_nothing_published_the_config_scores() {
    let ssm = ssm().await;
    let name = format!("{}/published", path("nothing"));
    assert_eq!(load_published(&ssm, &name).await.unwrap(), None);
    let mut config = Config::default();
    let setup = resolve_scoring(&ssm, Some(&name), &mut config, std::path::Path::new("."))
        .await
        .unwrap();
    assert_eq!(config, Config::default());
    assert!(setup.model.is_none() && setup.published.is_none());
    assert_eq!(
        setup.version,
        leadflow::scoring::rules_version(&config.scoring)
    );
}

#[tokio::test]
async fn a_published_document_that_does_not_parse_fails_naming_the_parameter() {
    let ssm = ssm().await;
    let name = format!("{}/published", path("leadflow"));
    put(&ssm, &name, r#"{"version": "x"}"#, ParameterType::String).await;
    let err = load_published(&ssm, &name).await.unwrap_err();
    assert!(matches!(err, PublishedError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains(&name), "{err}");
}

#[test]
fn a_published_model_without_its_weight_is_refused() {
    let mut doc = published(Some(&tiny_model()));
    doc.model_weight = None;
    let err = ScoringSetup::from_published(&mut Config::default(), &doc).unwrap_err();
    assert!(err.to_string().contains("model_weight"), "{err}");
}

#[tokio::test]
async fn the_config_reps_are_seeded_once() {
    let config = Config::default();
    let store = leadflow::adapters::memory::MemoryStore::new();
    assert_eq!(seed_reps(&store, &config).await.unwrap(), config.reps.len());
    let mut edited = config.reps[0].clone();
    edited.name = "Renamed by the API".into();
    store.put_rep(edited).await.unwrap();
    assert_eq!(
        seed_reps(&store, &config).await.unwrap(),
        0,
        "known reps are left alone"
    );
    let reps = store.reps().await.unwrap();
    assert!(reps.iter().any(|r| r.rep.name == "Renamed by the API"));
}
