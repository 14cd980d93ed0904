//! `store migrate`: copies every live original and every usage record from
//! one store to another (SQLite file ↔ Redis), idempotently: what the
//! destination already holds is counted, not copied again.

use std::collections::HashMap;

use crate::ccr::StoreLocation;
use crate::ccr::store::{Lookup, OriginalStore, StoreError};
use crate::usage::{self, UsageError};

/// What a migration copied and what it found already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Migrated {
    pub originals: u64,
    pub originals_present: u64,
    /// Listed but expired or evicted before they could be read.
    pub originals_gone: u64,
    pub records: u64,
    pub records_present: u64,
}

#[derive(thiserror::Error, Debug)]
pub enum MigrateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error("{to}: stored {got} for the original {want} (different bytes?); migration stopped")]
    HashMismatch {
        to: String,
        want: String,
        got: String,
    },
}

/// Copies originals from `from` to `to` (each gets the destination's TTL
/// afresh), then the usage records of `from_loc` missing at `to_loc`.
pub fn migrate(
    from: &dyn OriginalStore,
    to: &dyn OriginalStore,
    from_loc: &StoreLocation,
    to_loc: &StoreLocation,
) -> Result<Migrated, MigrateError> {
    let mut m = Migrated::default();
    for meta in from.list(usize::MAX)? {
        if to.contains(&meta.hash)? {
            m.originals_present += 1;
            continue;
        }
        match from.get(&meta.hash)? {
            Lookup::Found(e) => {
                let got = to.put(&e.original, &e.kind)?;
                if got != e.hash {
                    return Err(MigrateError::HashMismatch {
                        to: to.location(),
                        want: e.hash,
                        got,
                    });
                }
                m.originals += 1;
            }
            Lookup::Gone { .. } | Lookup::Missing => m.originals_gone += 1,
        }
    }
    // Records have no identity of their own: the same record is the same
    // bytes, so the destination's are counted off as a multiset.
    let key = |r: &usage::Record| serde_json::to_string(r).unwrap_or_default();
    let mut present: HashMap<String, u64> = HashMap::new();
    for r in usage::read(to_loc, i64::MIN, i64::MAX)? {
        *present.entry(key(&r)).or_default() += 1;
    }
    let mut missing = Vec::new();
    for r in usage::read(from_loc, i64::MIN, i64::MAX)? {
        match present.get_mut(&key(&r)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                m.records_present += 1;
            }
            _ => missing.push(r),
        }
    }
    usage::append(to_loc, &missing)?;
    m.records = missing.len() as u64;
    Ok(m)
}
