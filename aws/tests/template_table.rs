//! The table the store creates (and is tested on) is the table `template.yaml` deploys: every
//! index the store queries is declared there with the same keys and projection.

use leadflow_aws::dynamo::store_on_fresh_table;

fn template() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The lines of the template's index `name`, up to the next index or the end of the list.
fn index_block<'t>(template: &'t str, name: &str) -> &'t str {
    let start = template
        .find(&format!("- IndexName: {name}\n"))
        .unwrap_or_else(|| panic!("template.yaml declares no index {name}"));
    let rest = &template[start + 1..];
    let end = rest
        .find("- IndexName:")
        .or_else(|| rest.find("\n\n"))
        .unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn every_index_of_the_store_is_in_the_template_with_the_same_keys() {
    let store = store_on_fresh_table().await;
    let described = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .expect("moto describes the table")
        .table
        .expect("a table description");
    let template = template();
    let indexes = described.global_secondary_indexes();
    assert!(!indexes.is_empty(), "the store's table has indexes");
    for index in indexes {
        let name = index.index_name().expect("an index name");
        let block = index_block(&template, name);
        for key in index.key_schema() {
            let expected = format!(
                "- AttributeName: {}\n              KeyType: {}",
                key.attribute_name(),
                key.key_type().as_str()
            );
            assert!(
                block.contains(&expected),
                "template.yaml's index {name} lacks the key {} ({}):\n{block}",
                key.attribute_name(),
                key.key_type().as_str()
            );
            assert!(
                template.contains(&format!(
                    "- AttributeName: {}\n          AttributeType: S",
                    key.attribute_name()
                )),
                "template.yaml does not define the attribute {} used by index {name}",
                key.attribute_name()
            );
        }
        let projection = index
            .projection()
            .and_then(|p| p.projection_type())
            .expect("a projection")
            .as_str();
        assert!(
            block.contains(&format!("ProjectionType: {projection}")),
            "template.yaml's index {name} is not projected {projection}:\n{block}"
        );
    }
}

#[test]
fn the_outbox_keeps_exactly_the_kinds_the_template_routes_off_the_bus() {
    let template = template();
    let routed: std::collections::BTreeSet<String> = template
        .lines()
        .filter_map(|l| l.trim().strip_prefix("detail-type: ["))
        .flat_map(|kinds| kinds.trim_end_matches(']').split(','))
        .map(|k| k.trim().to_string())
        .collect();
    assert!(!routed.is_empty(), "template.yaml routes some kinds");
    let kept: std::collections::BTreeSet<String> = leadflow_aws::eventbridge::ROUTED_EVENT_KINDS
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(
        kept, routed,
        "ROUTED_EVENT_KINDS (what the outbox keeps) and the bus rules of template.yaml differ"
    );
}
