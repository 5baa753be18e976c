//! Writing a step's batch: numbered by version, and settled with `version` when the store
//! cannot tell whether it was applied (`StoreError::Indeterminate`, or a write that panics).

use crate::runtime_loop::Backoff;
use crate::store::{InMemoryStore, RuntimeStore, StoreError, StoreWrite};
use crate::types::SessionId;
use futures_util::FutureExt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

/// A runtime's store. The in-memory store `SessionRuntime::new` creates is kept by its
/// type, so that a batch is applied by a direct call instead of through the boxed future
/// of a `RuntimeStore::write` call; any other store, an `InMemoryStore` handed to
/// `with_store` included, is called through the trait.
#[derive(Clone)]
pub(crate) enum Store {
    Memory(Arc<InMemoryStore>),
    Other(Arc<dyn RuntimeStore>),
}

impl Store {
    pub fn as_dyn(&self) -> &dyn RuntimeStore {
        match self {
            Store::Memory(store) => store.as_ref(),
            Store::Other(store) => store.as_ref(),
        }
    }
}

/// Writes the batch numbered `version`, taking the writes out of `writes` (the in-memory
/// store leaves the buffer there, for a next batch). An `Indeterminate` failure
/// (or a panic) is settled with the store's `version` before anything else happens to the
/// session: the batch counts as written if the store holds its version, and as failed if it
/// holds the one before. Settling gives up once `shut` says the runtime shut down: nothing
/// needs the answer any more.
pub(crate) async fn write_batch(
    store: &Store,
    session: &SessionId,
    version: u64,
    writes: &mut Vec<StoreWrite>,
    shut: &(dyn Fn() -> bool + Sync),
) -> Result<(), StoreError> {
    // A removal ends its batch (the store refuses any write after it).
    let removes = matches!(writes.last(), Some(StoreWrite::SessionRemoved));
    let written = match store {
        Store::Memory(memory) => {
            let written = panic::catch_unwind(AssertUnwindSafe(|| {
                memory.write_now(session, version, writes)
            }));
            // What a refused batch left; nothing once it applied.
            writes.clear();
            written
        }
        // The call itself inside the guard too: a hand-written store may panic before it
        // returns its future.
        Store::Other(store) => {
            let writes = std::mem::take(writes);
            AssertUnwindSafe(async { store.write(session, version, writes).await })
                .catch_unwind()
                .await
        }
    };
    let unknown = match written {
        Ok(Err(StoreError::Indeterminate(e))) => e,
        Ok(result) => return result,
        // A store that panics mid-write may have committed first.
        Err(_panic) => "the store panicked during a write".to_string(),
    };
    // Boxed: rare, and its state (a timer, a read) would otherwise enlarge every step's
    // future, which is moved whole when an operation is spawned.
    Box::pin(settle(
        store.as_dyn(),
        session,
        version,
        removes,
        unknown,
        shut,
    ))
    .await
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
    use crate::store::StoredInput;
    use crate::types::RuntimePhase;

    fn accepted(id: &str, seq: u64) -> StoreWrite {
        StoreWrite::InputAccepted {
            input: StoredInput {
                input: Arc::new(RuntimeInput::prompt(id, "x")),
                seq,
            },
        }
    }

    /// The in-memory store the runtime created itself is written by a direct call: its
    /// batches apply in order, and one out of order is refused without a trace.
    #[tokio::test]
    async fn a_direct_write_applies_the_batch_or_nothing() {
        let memory = Arc::new(InMemoryStore::new());
        let store = Store::Memory(memory.clone());
        let s = SessionId::from("s");
        let open = || false;
        let mut batch = vec![accepted("a", 1)];
        write_batch(&store, &s, 1, &mut batch, &open).await.unwrap();
        assert!(
            batch.is_empty() && batch.capacity() > 0,
            "the writes are taken out, the buffer stays for the next batch"
        );
        let lifecycle = StoreWrite::Lifecycle {
            phase: RuntimePhase::Attached,
        };
        write_batch(&store, &s, 2, &mut vec![lifecycle], &open)
            .await
            .unwrap();
        let mut batch = vec![accepted("b", 2)];
        let stale = write_batch(&store, &s, 2, &mut batch, &open).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
        assert!(batch.is_empty(), "a refused batch is dropped too");
        let stored = memory.session(&s).unwrap();
        assert_eq!(stored.version, 2);
        assert_eq!(stored.phase, Some(RuntimePhase::Attached));
        assert_eq!(stored.inputs.len(), 1, "b left no row");
        assert_eq!(memory.committed_batches(), 2);
    }

    /// A direct write of unknown outcome is settled like a trait call's: applied, it
    /// counts as written; lost, it fails.
    #[tokio::test]
    async fn a_direct_write_of_unknown_outcome_is_settled() {
        let memory = Arc::new(InMemoryStore::new());
        let store = Store::Memory(memory.clone());
        let s = SessionId::from("s");
        let open = || false;
        memory.apply_then_fail_next_writes(1);
        write_batch(&store, &s, 1, &mut vec![accepted("a", 1)], &open)
            .await
            .unwrap();
        memory.lose_next_writes(1);
        let lost = write_batch(&store, &s, 2, &mut vec![accepted("b", 2)], &open).await;
        assert!(matches!(lost, Err(StoreError::Unavailable(_))), "{lost:?}");
        let stored = memory.session(&s).unwrap();
        assert_eq!(stored.version, 1);
        assert_eq!(stored.inputs.len(), 1);
    }
}
