use leadflow_predict::split::{fnv1a64, is_test_row, Split, TEST_PERCENT};

#[test]
fn fnv1a64_matches_the_published_test_vectors() {
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_split_is_a_function_of_seed_and_row_and_holds_out_about_a_fifth() {
    let split = Split::holdout(10_000, 42);
    assert_eq!(split.train.len() + split.test.len(), 10_000);
    assert!(split.test.iter().all(|&row| is_test_row(42, row)));
    assert!(split.train.iter().all(|&row| !is_test_row(42, row)));
    let share = split.test.len() as f64 / 10_000.0;
    assert!(
        (share - TEST_PERCENT as f64 / 100.0).abs() < 0.02,
        "{share}"
    );
    assert_eq!(Split::holdout(10_000, 42), split);
    assert_ne!(Split::holdout(10_000, 43).test, split.test);
}
