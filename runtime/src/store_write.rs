//! Writing a step's batch: numbered by version, and settled with `version` when the store
//! cannot tell whether it was applied (`StoreError::Indeterminate`, or a write that panics).

use crate::runtime_loop::Backoff;
use crate::store::{RuntimeStore, StoreError, StoreWrite};
use crate::types::SessionId;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

/// Writes the batch numbered `version`. An `Indeterminate` failure (or a write that panics)
/// is settled with the store's `version` before anything else happens to the session: the
/// batch counts as written if the store holds its version, and as failed if it holds the
/// one before. Settling gives up once `shut` says the runtime shut down: nothing needs the
/// answer any more.
pub(crate) async fn write_batch(
    store: &dyn RuntimeStore,
    session: &SessionId,
    version: u64,
    writes: Vec<StoreWrite>,
    shut: &(dyn Fn() -> bool + Sync),
) -> Result<(), StoreError> {
    // A removal ends its batch (the store refuses any write after it).
    let removes = matches!(writes.last(), Some(StoreWrite::SessionRemoved));
    // The call itself inside the guard too: a hand-written store may panic before it
    // returns its future.
    let written = AssertUnwindSafe(async { store.write(session, version, writes).await })
        .catch_unwind()
        .await;
    let unknown = match written {
        Ok(Err(StoreError::Indeterminate(e))) => e,
        Ok(result) => return result,
        // A store that panics mid-write may have committed first.
        Err(_panic) => "the store panicked during a write".to_string(),
    };
    // Boxed: rare, and its state (a timer, a read) would otherwise enlarge every step's
    // future, which is moved whole when an operation is spawned.
    Box::pin(settle(store, session, version, removes, unknown, shut)).await
}

/// Finds out with the store's `version` whether the batch numbered `version`, reported
/// `Indeterminate`, was applied (`removes`: it removed the session), asking again while
/// that fails. The store's contract makes the answer final: it waits for a transaction
/// still in flight.
async fn settle(
    store: &dyn RuntimeStore,
    session: &SessionId,
    version: u64,
    removes: bool,
    unknown: String,
    shut: &(dyn Fn() -> bool + Sync),
) -> Result<(), StoreError> {
    let mut backoff = Backoff::new();
    loop {
        if shut() {
            return Err(StoreError::Unavailable(format!(
                "{unknown} (not settled: the runtime shut down)"
            )));
        }
        match stored_version(store, session).await {
            Ok(stored) if stored == Some(version) || (removes && stored.is_none()) => {
                tracing::warn!(%session, version, error = %unknown, "a store write of unknown outcome was applied");
                return Ok(());
            }
            Ok(stored) if stored.unwrap_or(0) == version - 1 => {
                return Err(StoreError::Unavailable(format!("{unknown} (not applied)")));
            }
            Ok(stored) => {
                // Someone else wrote this session: the kernel is stale either way.
                return Err(StoreError::Conflict(format!(
                    "session {session} is at version {} in the store, after this runtime wrote {version}: another writer?",
                    stored.unwrap_or(0)
                )));
            }
            Err(e @ (StoreError::Unavailable(_) | StoreError::Indeterminate(_))) => {
                tracing::warn!(%session, version, error = %e, "cannot tell yet whether a store write was applied; asking again");
                backoff.wait().await;
            }
            // Will not clear by itself: the session waits until the store is repaired.
            Err(e) => {
                tracing::error!(%session, version, error = %e, "cannot tell whether a store write was applied; the session waits");
                backoff.wait().await;
            }
        }
    }
}

/// The version of the last batch the store applied for `session` (`None`: it holds
/// nothing), as `RuntimeStore::version` reports it.
async fn stored_version(
    store: &dyn RuntimeStore,
    session: &SessionId,
) -> Result<Option<u64>, StoreError> {
    match AssertUnwindSafe(async { store.version(session).await })
        .catch_unwind()
        .await
    {
        Ok(version) => version,
        Err(_panic) => Err(StoreError::Unavailable(
            "the store panicked while reading its version".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RuntimeInput;
    use crate::store::{InMemoryStore, StoredInput};
    use std::sync::Arc;

    fn accepted(id: &str, seq: u64) -> Vec<StoreWrite> {
        vec![StoreWrite::InputAccepted {
            input: StoredInput {
                input: Arc::new(RuntimeInput::prompt(id, "x")),
                seq,
            },
        }]
    }

    /// A write of unknown outcome is settled with the store's version: applied, it counts
    /// as written; lost, it fails.
    #[tokio::test]
    async fn a_write_of_unknown_outcome_is_settled() {
        let memory = InMemoryStore::new();
        let s = SessionId::from("s");
        let open = || false;
        memory.apply_then_fail_next_writes(1);
        write_batch(&memory, &s, 1, accepted("a", 1), &open)
            .await
            .unwrap();
        memory.lose_next_writes(1);
        let lost = write_batch(&memory, &s, 2, accepted("b", 2), &open).await;
        assert!(matches!(lost, Err(StoreError::Unavailable(_))), "{lost:?}");
        let stored = memory.session(&s).unwrap();
        assert_eq!(stored.version, 1);
        assert_eq!(stored.inputs.len(), 1);
    }
}
