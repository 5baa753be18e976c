//! Completion handles: how a caller of `accept` learns the input's terminal outcome.
//!
//! Each handle owns the receiving end of a oneshot channel, so it resolves at most once by
//! construction; the registry removes an input's senders when it resolves them, so it resolves
//! at most once per input. Dropping a handle only makes the later send fail, which is ignored.
//! Dropping the registry (the session went away without telling its waiters) drops the
//! senders, and the handle reports `RuntimeTerminated { reason: Dropped }` instead of hanging.

use crate::executor::RunOutput;
use crate::types::{AbandonReason, InputId, display_as_debug};
use foldhash::HashMap;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// Why the runtime ended an input's wait without the input running to a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TerminationReason {
    /// `stop`, or the executor returning `Err(Stopped)`, ended the session's work.
    Stopped,
    /// `reset` abandoned the input, and the session forgot it.
    Reset,
    /// `destroy` ended the session.
    Destroyed,
    /// `unregister_session` removed the session.
    Unregistered,
    /// The runtime was dropped (every handle to it), or the waiter's handle outlived what
    /// it waited on.
    Dropped,
    /// `SessionRuntime::shutdown` ended the runtime before the waiter learnt how its input
    /// ended. Usually it did not end (a durable store holds it queued or staged), but an
    /// operation already under way at that moment (a run's commit, a `stop`) may still
    /// end it: the store has the final word.
    Shutdown,
}

display_as_debug!(TerminationReason);

/// The terminal outcome of one input, shared by every waiter joined on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CompletionOutcome {
    /// The run carrying the input committed.
    Completed(RunOutput),
    /// The run was cancelled (boundary cancel, interrupt, or the executor said so).
    Cancelled,
    /// The input ended without a commit, e.g. after exhausting its attempts.
    Abandoned {
        /// `MaxAttemptsExhausted` or `Retired`; inputs abandoned for other reasons resolve
        /// as `Cancelled` or `RuntimeTerminated` instead.
        reason: AbandonReason,
        /// The error of the input's last failed run (the executor's message, a panic or a
        /// failed commit), if a run of it failed.
        error: Option<String>,
    },
    /// A control operation (stop, reset, destroy, unregister) ended the session's work, or
    /// the runtime did (`shutdown`, or dropping it).
    RuntimeTerminated {
        /// Which operation it was, or `Shutdown` / `Dropped` when the runtime ended first.
        reason: TerminationReason,
    },
}

/// Awaitable outcome of one accepted input. Dropping it changes nothing in the runtime.
#[derive(Debug)]
#[must_use = "dropping a handle is allowed but discards the outcome"]
pub struct CompletionHandle {
    input: InputId,
    receiver: oneshot::Receiver<CompletionOutcome>,
}

impl CompletionHandle {
    /// The input this handle waits for (for a join: the original input's id).
    pub fn input(&self) -> &InputId {
        &self.input
    }

    /// Waits for the terminal outcome (same as awaiting the handle).
    pub async fn wait(self) -> CompletionOutcome {
        self.await
    }
}

/// Awaiting the handle directly yields the outcome; cancel-safe (polling it again after a
/// timeout still sees the outcome).
impl Future for CompletionHandle {
    type Output = CompletionOutcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CompletionOutcome> {
        Pin::new(&mut self.receiver).poll(cx).map(|received| {
            received.unwrap_or(CompletionOutcome::RuntimeTerminated {
                reason: TerminationReason::Dropped,
            })
        })
    }
}

/// Per-session waiters, keyed by the input (the session uses the kernel's handles). Not
/// synchronised: the session owns it behind its own lock, and resolving never awaits
/// (oneshot sends are immediate).
#[derive(Debug)]
pub(crate) struct CompletionRegistry<K> {
    waiters: HashMap<K, Senders>,
    count: usize,
}

impl<K> Default for CompletionRegistry<K> {
    fn default() -> Self {
        Self {
            waiters: HashMap::default(),
            count: 0,
        }
    }
}

impl<K: Hash + Eq> CompletionRegistry<K> {
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a waiter for the input `key` (whose id is `input`); several waiters on one
    /// input (idempotency joins) all receive the same outcome.
    pub fn register(&mut self, key: K, input: InputId) -> CompletionHandle {
        let (sender, receiver) = oneshot::channel();
        match self.waiters.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(Senders::One(sender));
            }
            Entry::Occupied(mut slot) => slot.get_mut().push(sender),
        }
        self.count += 1;
        CompletionHandle { input, receiver }
    }

    /// Resolves every waiter of `key` with `outcome` and forgets it. Returns how many
    /// waiters were registered (dropped handles included); 0 if none, so a second resolve of
    /// the same input is a harmless no-op.
    pub fn resolve(&mut self, key: &K, outcome: CompletionOutcome) -> usize {
        let Some(senders) = self.waiters.remove(key) else {
            return 0;
        };
        crate::tables::shrink_when_sparse(&mut self.waiters);
        let n = senders.len();
        self.count -= n;
        senders.send(outcome);
        n
    }

    /// Resolves every waiter of every input, choosing each input's outcome with `outcome`.
    /// Returns the number of waiters resolved.
    pub fn resolve_all(&mut self, mut outcome: impl FnMut(&K) -> CompletionOutcome) -> usize {
        let resolved = self.count;
        for (input, senders) in self.waiters.drain() {
            senders.send(outcome(&input));
        }
        self.count = 0;
        resolved
    }

    /// Gives back the table's spare room (all of it once no input has waiters).
    pub fn shrink(&mut self) {
        self.waiters.shrink_to_fit();
    }

    /// Resolves every waiter as `RuntimeTerminated { reason }`.
    #[cfg(test)]
    pub fn terminate_all(&mut self, reason: TerminationReason) -> usize {
        self.resolve_all(|_| CompletionOutcome::RuntimeTerminated { reason })
    }

    /// Slots the table has room for.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.waiters.capacity()
    }

    #[cfg(test)]
    /// Number of unresolved waiters (dropped handles included until their input resolves).
    pub fn pending(&self) -> usize {
        self.count
    }

    #[cfg(test)]
    /// Whether `input` has at least one unresolved waiter.
    pub fn is_waiting(&self, key: &K) -> bool {
        self.waiters.contains_key(key)
    }
}

/// The senders waiting on one input: nearly always one (each idempotency join adds one),
/// kept without an allocation of its own.
#[derive(Debug)]
enum Senders {
    One(oneshot::Sender<CompletionOutcome>),
    Many(Vec<oneshot::Sender<CompletionOutcome>>),
}

impl Senders {
    fn push(&mut self, sender: oneshot::Sender<CompletionOutcome>) {
        let all = match std::mem::replace(self, Senders::Many(Vec::new())) {
            Senders::One(first) => vec![first, sender],
            Senders::Many(mut all) => {
                all.push(sender);
                all
            }
        };
        *self = Senders::Many(all);
    }

    fn len(&self) -> usize {
        match self {
            Senders::One(_) => 1,
            Senders::Many(all) => all.len(),
        }
    }

    /// Sends `outcome` to every waiter. A dropped handle makes its send fail; that is the
    /// documented "changes nothing".
    fn send(self, outcome: CompletionOutcome) {
        match self {
            Senders::One(sender) => {
                let _ = sender.send(outcome);
            }
            Senders::Many(all) => {
                for sender in all {
                    let _ = sender.send(outcome.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> InputId {
        InputId::from(s)
    }

    fn done(text: &str) -> CompletionOutcome {
        CompletionOutcome::Completed(RunOutput::text(text))
    }

    #[tokio::test]
    async fn resolves_once_with_the_outcome() {
        let mut reg = CompletionRegistry::new();
        let h = reg.register(id("a"), id("a"));
        assert_eq!(h.input(), &id("a"));
        assert_eq!(reg.pending(), 1);
        assert!(reg.is_waiting(&id("a")));
        assert_eq!(reg.resolve(&id("a"), done("x")), 1);
        // The id is forgotten: a second resolve reaches nobody.
        assert_eq!(reg.resolve(&id("a"), CompletionOutcome::Cancelled), 0);
        assert_eq!(reg.pending(), 0);
        assert!(!reg.is_waiting(&id("a")));
        assert_eq!(h.wait().await, done("x"));
    }

    #[tokio::test]
    async fn joins_share_one_outcome() {
        let mut reg = CompletionRegistry::new();
        let handles: Vec<_> = (0..5).map(|_| reg.register(id("k"), id("k"))).collect();
        assert_eq!(reg.pending(), 5);
        let outcome = CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("boom".into()),
        };
        assert_eq!(reg.resolve(&id("k"), outcome.clone()), 5);
        for h in handles {
            assert_eq!(h.wait().await, outcome);
        }
    }

    #[tokio::test]
    async fn resolving_one_input_leaves_others_waiting() {
        let mut reg = CompletionRegistry::new();
        let a = reg.register(id("a"), id("a"));
        let mut b = reg.register(id("b"), id("b"));
        reg.resolve(&id("a"), CompletionOutcome::Cancelled);
        assert_eq!(a.wait().await, CompletionOutcome::Cancelled);
        assert_eq!(reg.pending(), 1);
        assert!(b.receiver.try_recv().is_err(), "b must still be waiting");
        reg.resolve(&id("b"), done("b"));
        assert_eq!(b.wait().await, done("b"));
    }

    #[tokio::test]
    async fn dropped_handles_are_harmless() {
        let mut reg = CompletionRegistry::new();
        drop(reg.register(id("a"), id("a")));
        let kept = reg.register(id("a"), id("a"));
        drop(reg.register(id("b"), id("b")));
        assert_eq!(reg.pending(), 3);
        assert_eq!(reg.resolve(&id("a"), done("a")), 2);
        assert_eq!(kept.wait().await, done("a"));
        assert_eq!(reg.terminate_all(TerminationReason::Stopped), 1);
        assert_eq!(reg.pending(), 0);
    }

    #[tokio::test]
    async fn resolve_all_picks_per_input_outcomes() {
        let mut reg = CompletionRegistry::new();
        let a = reg.register(id("a"), id("a"));
        let b1 = reg.register(id("b"), id("b"));
        let b2 = reg.register(id("b"), id("b"));
        let n = reg.resolve_all(|input| {
            if input.as_str() == "a" {
                CompletionOutcome::Cancelled
            } else {
                CompletionOutcome::RuntimeTerminated {
                    reason: TerminationReason::Reset,
                }
            }
        });
        assert_eq!(n, 3);
        assert_eq!(reg.pending(), 0);
        assert_eq!(a.wait().await, CompletionOutcome::Cancelled);
        let reset = CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Reset,
        };
        assert_eq!(b1.wait().await, reset);
        assert_eq!(b2.wait().await, reset);
    }

    #[tokio::test]
    async fn a_timed_out_wait_can_be_resumed() {
        let mut reg = CompletionRegistry::new();
        let mut handle = reg.register(id("a"), id("a"));
        let early = tokio::time::timeout(std::time::Duration::from_millis(10), &mut handle).await;
        assert!(early.is_err(), "nothing resolved yet");
        reg.resolve(&id("a"), CompletionOutcome::Cancelled);
        assert_eq!(handle.await, CompletionOutcome::Cancelled);
    }

    #[tokio::test]
    async fn dropped_registry_terminates_waiters() {
        let mut reg = CompletionRegistry::new();
        let a = reg.register(id("a"), id("a"));
        let b = reg.register(id("a"), id("a"));
        drop(reg);
        let dropped = CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Dropped,
        };
        assert_eq!(a.wait().await, dropped);
        assert_eq!(b.wait().await, dropped);
    }

    #[tokio::test]
    async fn every_waiter_resolves_exactly_once_across_tasks() {
        use std::sync::{Arc, Mutex};
        let reg = Arc::new(Mutex::new(CompletionRegistry::new()));
        let mut handles = Vec::new();
        for i in 0..200 {
            let input = id(&format!("i{}", i % 50));
            handles.push(reg.lock().unwrap().register(input.clone(), input));
        }
        let mut resolvers = Vec::new();
        for t in 0..4 {
            let reg = reg.clone();
            resolvers.push(tokio::spawn(async move {
                let mut sent = 0;
                for i in 0..50 {
                    let outcome = done(&format!("t{t}"));
                    sent += reg.lock().unwrap().resolve(&id(&format!("i{i}")), outcome);
                    tokio::task::yield_now().await;
                }
                sent
            }));
        }
        let mut total = 0;
        for r in resolvers {
            total += r.await.unwrap();
        }
        assert_eq!(total, 200, "each waiter is counted by exactly one resolver");
        for h in handles {
            let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), h.wait())
                .await
                .expect("every waiter resolves");
            assert!(matches!(outcome, CompletionOutcome::Completed(_)));
        }
    }
}
