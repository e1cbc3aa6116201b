//! What this process last read of each lead item besides the lead: its history tail and
//! applied events, by version. A write over version `v` appends to the tail of version `v`;
//! the write's condition (`version = v`) guarantees the stored item is still the one
//! remembered, so a use case that reads then writes (all of them) needs no second read. A
//! miss only costs that read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leadflow::domain::LeadId;

use super::lead_body::Extras;

/// Leads remembered at most; beyond, the memory starts over (a miss is only a read). A read
/// and the write over it are moments apart, within one record of a batch.
const CAPACITY: usize = 1024;

/// Lead => (version, extras at that version).
type ByLead = HashMap<LeadId, (u64, Arc<Extras>)>;

#[derive(Debug, Default, Clone)]
pub(crate) struct KnownExtras {
    by_lead: Arc<Mutex<ByLead>>,
}

impl KnownExtras {
    fn lock(&self) -> std::sync::MutexGuard<'_, ByLead> {
        // Each update is one insert or remove: a poisoned map is still consistent.
        self.by_lead.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn remember(&self, lead_id: &str, version: u64, extras: Extras) {
        let mut map = self.lock();
        if map.len() >= CAPACITY && !map.contains_key(lead_id) {
            map.clear();
        }
        map.insert(lead_id.to_string(), (version, Arc::new(extras)));
    }

    /// The extras of `lead_id` at exactly `version`, if remembered.
    pub(crate) fn at(&self, lead_id: &str, version: u64) -> Option<Arc<Extras>> {
        match self.lock().get(lead_id) {
            Some((v, extras)) if *v == version => Some(extras.clone()),
            _ => None,
        }
    }

    pub(crate) fn forget(&self, lead_id: &str) {
        self.lock().remove(lead_id);
    }
}
