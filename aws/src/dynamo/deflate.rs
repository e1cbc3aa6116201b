//! Deflate with a preset dictionary: the JSON of a lead and its history repeats the same keys
//! and words in every item, so both sides start from a window already holding them and a
//! key costs a back-reference instead of its letters.
//!
//! Raw deflate has no preset-dictionary field (and flate2's pure-Rust backend no
//! `set_dictionary`), so the dictionary goes through the stream itself: the encoder
//! compresses `DICTIONARY` and flushes to a byte boundary, throws that output away and
//! compresses the data, whose back-references may reach into the dictionary; the decoder
//! inflates an encoding of the dictionary followed by the stored bytes and drops the
//! dictionary's text. Any encoding of the dictionary ending at a flush works for the decoder:
//! back-references point into the text, not the compressed bytes.
//!
//! The stored form starts with a format byte, so that a later dictionary can be told apart.
//! `DICTIONARY` must never change under format 1: items written with it could not be read.

use std::sync::OnceLock;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Format 1: raw deflate over `DICTIONARY`.
const FORMAT_1: u8 = 1;

/// What a lead item's JSON is made of, the most frequent last (nearest the data).
const DICTIONARY: &str = concat!(
    r#"{"kind":"routing_fallback","detail":{"reason":"no eligible rep"}}"#,
    r#"{"kind":"disposition","detail":{"outcome":"lost","reason":"#,
    r#"{"kind":"sla_breached","detail":{"#,
    r#"{"kind":"follow_up_missed","detail":{"#,
    r#"{"kind":"recycled","detail":{"#,
    r#"{"kind":"reactivated","detail":{"#,
    r#"{"kind":"disqualified","detail":{"reason":"#,
    r#"{"kind":"reassigned","detail":{"from":"#,
    r#"{"source":"negative","rule":"personal email","points":-20.0,"disqualify":"#,
    r#"{"source":"model","rule":"#,
    r#""log_odds":"#,
    r#""status":"contacted","status":"qualified","status":"nurture","status":"recycled","#,
    r#""tier":"C","tier":"B","#,
    r#"{"tier":"A","rep_id":"ana","assigned_at":"2026-11-02T09:00:00Z","first_response_due_at":"#,
    r#""responded_at":null,"breached_at":null,"reassign_at":"2026-11-02T09:20:00Z","touches":0,"#,
    r#""follow_up_due_at":null,"follow_up_missed_at":null,"follow_up_touches":0,"closed_at":null}"#,
    r#"{"kind":"assigned","detail":{"rep_id":"ana","team":"inbound","rule":"everyone else","#,
    r#""owner":{"rep_id":"ana","assigned_at":"2026-11-02T09:00:00Z"},"previous_owners":[],"sla":"#,
    r#"{"kind":"tier_changed","detail":{"from":"D","to":"A"}}"#,
    r#"{"id":"ld_","email":"@gmail.com","external_ids":[],"attributes":{"company_domain":".com","#,
    r#""company_size":250.0,"country":"US","first_name":"Ana","last_name":"#,
    r#""industry":"software","title":"VP Marketing","source":"#,
    r#""attribute_times":{"company_domain":"2026-11-02T09:00:00Z","company_size":"#,
    r#""2026-11-02T09:00:00Z","country":"2026-11-02T09:00:00Z","first_name":"#,
    r#""2026-11-02T09:00:00Z","industry":"2026-11-02T09:00:00Z","title":"#,
    r#""status":"assigned","status":"mql","status":"new","tier":"D","tier":"A","mql":true,"mql":false,"#,
    r#""engagement":{"signals":{"pricing_page_view":{"demo_request":{"content_download":{"#,
    r#""email_click":{"email_open":{"webinar_attended":{"page_view":{"value":1.0,"as_of":"#,
    r#""2026-11-02T09:00:00Z","count":1,"last_at":"2026-11-02T09:00:00Z"}}},"#,
    r#""score":{"total":90.0,"fit":50.0,"engagement":40.0,"negative":0.0,"model":0.0,"#,
    r#""model_version":"v1","computed_at":"2026-11-02T09:00:00Z","explanation":["#,
    r#"{"source":"fit","rule":"senior title","points":20.0},"#,
    r#"{"source":"fit","rule":"target company size","points":15.0},"#,
    r#"{"source":"fit","rule":"ICP industry","points":10.0},"#,
    r#"{"source":"fit","rule":"served country","points":5.0},"#,
    r#"{"source":"engagement","rule":"page_view","points":1.0}]},"#,
    r#""disqualify_reason":null,"created_at":"2026-11-02T09:00:00Z","#,
    r#""last_activity_at":"2026-11-02T09:00:00Z","recycled_at":null,"next_crossing_at":"#,
    r#""route_retry_at":null,"waiting_since":null,"version":1},"tail":["#,
    r#"{"at":"2026-11-02T09:00:00Z","kind":"event","detail":{"event_id":"evt-","type":"page_view"}},"#,
    r#"{"at":"2026-11-02T09:00:00Z","kind":"scored","detail":{"total":"#,
);

/// The dictionary as the decoder's stream starts: its deflate encoding, flushed.
fn dictionary_prefix() -> &'static [u8] {
    static PREFIX: OnceLock<Vec<u8>> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let mut c = primed_compressor();
        let mut out = Vec::new();
        run(&mut c, DICTIONARY.as_bytes(), &mut out, FlushCompress::Sync);
        out
    })
}

fn primed_compressor() -> Compress {
    Compress::new(Compression::best(), false)
}

/// Compress `input` into `out` until the flush is done.
fn run(c: &mut Compress, input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) {
    let start = c.total_in();
    loop {
        out.reserve(input.len() / 2 + 64);
        let consumed = usize::try_from(c.total_in() - start).expect("fits in memory");
        let status = c
            .compress_vec(&input[consumed..], out, flush)
            .expect("deflating into memory cannot fail");
        let done_input = usize::try_from(c.total_in() - start).expect("fits") == input.len();
        let room_left = out.len() < out.capacity();
        match (status, flush) {
            (Status::StreamEnd, _) => return,
            (_, FlushCompress::Sync) if done_input && room_left => return,
            _ => {}
        }
    }
}

/// `data` deflated over the dictionary, format byte first.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    let mut c = primed_compressor();
    let mut discarded = Vec::new();
    run(
        &mut c,
        DICTIONARY.as_bytes(),
        &mut discarded,
        FlushCompress::Sync,
    );
    let mut out = vec![FORMAT_1];
    run(&mut c, data, &mut out, FlushCompress::Finish);
    out
}

/// Why stored bytes could not be inflated.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InflateError {
    #[error("unknown format {0} (expected {FORMAT_1})")]
    Format(u8),
    #[error("empty")]
    Empty,
    #[error("corrupt deflate stream: {0}")]
    Corrupt(#[from] flate2::DecompressError),
    #[error("truncated deflate stream")]
    Truncated,
}

pub(crate) fn inflate(stored: &[u8]) -> Result<Vec<u8>, InflateError> {
    let (&format, body) = stored.split_first().ok_or(InflateError::Empty)?;
    if format != FORMAT_1 {
        return Err(InflateError::Format(format));
    }
    let mut stream = dictionary_prefix().to_vec();
    stream.extend_from_slice(body);
    let mut d = Decompress::new(false);
    let mut out = Vec::with_capacity(DICTIONARY.len() + body.len() * 5);
    loop {
        let consumed = usize::try_from(d.total_in()).expect("fits in memory");
        let produced = out.len();
        let status = d.decompress_vec(&stream[consumed..], &mut out, FlushDecompress::None)?;
        let progressed = out.len() > produced || d.total_in() > consumed as u64;
        match status {
            Status::StreamEnd => break,
            _ if out.len() == out.capacity() => out.reserve(out.capacity().max(1024)),
            _ if !progressed => return Err(InflateError::Truncated),
            _ => {}
        }
    }
    Ok(out.split_off(DICTIONARY.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_round_trips_and_the_dictionary_pays() {
        let json = br#"{"lead":{"id":"ld_1","email":"ana@acme.io","external_ids":[],"attributes":{"company_domain":"acme.io"},"status":"new","tier":"D","mql":false,"engagement":{"signals":{}},"score":{"total":0.0,"fit":0.0,"engagement":0.0,"negative":0.0,"model":0.0,"model_version":"","computed_at":"2026-11-02T09:00:00Z","explanation":[]},"created_at":"2026-11-02T09:00:00Z","version":1}}"#;
        let packed = deflate(json);
        assert_eq!(inflate(&packed).unwrap(), json);
        let plain = {
            let mut c = primed_compressor();
            let mut out = Vec::new();
            run(&mut c, json, &mut out, FlushCompress::Finish);
            out
        };
        assert!(
            packed.len() + 60 < plain.len(),
            "{} bytes with the dictionary, {} without",
            packed.len(),
            plain.len()
        );
    }

    #[test]
    fn large_and_empty_inputs_round_trip() {
        let big: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        assert_eq!(inflate(&deflate(&big)).unwrap(), big);
        assert_eq!(inflate(&deflate(b"")).unwrap(), b"");
    }

    #[test]
    fn unknown_formats_and_truncation_are_errors() {
        assert!(matches!(inflate(&[9, 1, 2]), Err(InflateError::Format(9))));
        let packed = deflate(b"some text some text some text");
        assert!(inflate(&packed[..packed.len() - 3]).is_err());
        assert!(matches!(inflate(&[]), Err(InflateError::Empty)));
    }
}
