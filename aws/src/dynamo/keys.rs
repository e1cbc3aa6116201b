//! The single table's keys: every item type's `pk`/`sk`, the shard of the sparse indexes and
//! the text form of instants in sort keys.

use chrono::{DateTime, Utc};
use leadflow::ports::DueKind;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";

/// How many partitions each sharded index spreads its items over. Readers query them all and
/// merge; writers spread load so no index partition runs hot.
pub(crate) const SHARDS: u32 = 4;

pub(crate) const LEAD_SK: &str = "LEAD";
pub(crate) const HISTORY_PREFIX: &str = "HIST#";
pub(crate) const REPS_PK: &str = "REPS";
pub(crate) const POOLS_PK: &str = "POOLS";
pub(crate) const LINK_SK: &str = "LINK";
pub(crate) const SEEN_SK: &str = "SEEN";
pub(crate) const ACCOUNT_SK: &str = "ACCOUNT";
pub(crate) const DELIVERED_SK: &str = "DELIVERED";

pub(crate) fn lead_pk(lead_id: &str) -> String {
    format!("LEAD#{lead_id}")
}

/// The lead id of a lead item's `pk`.
pub(crate) fn lead_id_of(pk: &str) -> Option<&str> {
    pk.strip_prefix("LEAD#")
}

/// One history item per write, ordered by the lead version that wrote it.
pub(crate) fn history_sk(version: u64) -> String {
    format!("{HISTORY_PREFIX}{version:020}")
}

pub(crate) fn seen_pk(event_id: &str) -> String {
    format!("SEEN#{event_id}")
}

pub(crate) fn email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}

pub(crate) fn external_id_pk(external_id: &str) -> String {
    format!("EXTID#{external_id}")
}

pub(crate) fn account_pk(company_domain: &str) -> String {
    format!("ACCOUNT#{company_domain}")
}

pub(crate) fn delivered_pk(key: &str) -> String {
    format!("DELIVERED#{key}")
}

pub(crate) fn rep_sk(rep_id: &str) -> String {
    format!("REP#{rep_id}")
}

pub(crate) fn pool_sk(team: &str) -> String {
    format!("POOL#{team}")
}

/// The attribute holding one rep's slot in a pool item (one attribute per rep, so that a
/// rotation move sets only the slots it changes).
pub(crate) const SLOT_PREFIX: &str = "slot#";

/// The shard of an id: FNV-1a, stable across processes and Rust versions (unlike std's hasher).
pub(crate) fn shard_of(id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % u64::from(SHARDS)).to_string()
}

pub(crate) fn all_shards() -> impl Iterator<Item = String> {
    (0..SHARDS).map(|s| s.to_string())
}

/// An instant as fixed-width text, so that string order is time order in sort keys.
pub(crate) fn sort_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// A sparse, sharded due-time index: only leads with a due time of this kind carry its
/// attributes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DueIndex {
    pub name: &'static str,
    pub shard_attr: &'static str,
    pub due_attr: &'static str,
}

pub(crate) const SLA_DUE: DueIndex = DueIndex {
    name: "sla-due",
    shard_attr: "sla_shard",
    due_attr: "sla_due",
};
pub(crate) const DECAY_DUE: DueIndex = DueIndex {
    name: "decay-due",
    shard_attr: "decay_shard",
    due_attr: "decay_due",
};
pub(crate) const ROUTE_DUE: DueIndex = DueIndex {
    name: "route-due",
    shard_attr: "route_shard",
    due_attr: "route_due",
};

pub(crate) fn due_index(kind: DueKind) -> DueIndex {
    match kind {
        DueKind::Sla => SLA_DUE,
        DueKind::Decay => DECAY_DUE,
        DueKind::Route => ROUTE_DUE,
    }
}

/// Leads by creation (`lead_shard`, `created_sk` = created_at#id): listings and metrics.
pub(crate) const LEAD_LIST_INDEX: &str = "lead-list";
pub(crate) const LEAD_SHARD: &str = "lead_shard";
pub(crate) const CREATED_SK: &str = "created_sk";

/// Lead items with unpublished domain events (`outbox_shard`, `outbox_sk` = the oldest one's
/// write order).
pub(crate) const OUTBOX_INDEX: &str = "outbox";
pub(crate) const OUTBOX_SHARD: &str = "outbox_shard";
pub(crate) const OUTBOX_SK: &str = "outbox_sk";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sort_times_order_like_the_instants() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::TimeDelta::nanoseconds(1);
        let c = a + chrono::TimeDelta::days(400);
        assert!(sort_time(a) < sort_time(b) && sort_time(b) < sort_time(c));
        assert_eq!(sort_time(a), "2026-01-02T03:04:05.000000000Z");
    }

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(shard_of("ld_a"), shard_of("ld_a"));
        let used: std::collections::HashSet<String> =
            (0..100).map(|i| shard_of(&format!("ld_{i}"))).collect();
        assert_eq!(used.len(), SHARDS as usize, "100 ids use every shard");
    }
}
