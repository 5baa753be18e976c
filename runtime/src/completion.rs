//! Completion handles: how a caller of `accept` learns the input's terminal outcome.
//!
//! Each handle owns the receiving end of a oneshot channel, so it resolves at most once by
//! construction; an input's `Waiters` give up their senders when they resolve them, so they
//! resolve at most once per input. Dropping a handle only makes the later send fail, which is
//! ignored. Dropping the waiters unresolved (the session went away without telling them)
//! drops the senders, and the handle reports `RuntimeTerminated { reason: Dropped }` instead
//! of hanging.

use crate::executor::RunOutput;
use crate::types::{AbandonReason, InputId, display_as_debug};
use serde::{Deserialize, Serialize};
use std::future::Future;
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

/// The waiters of one input: nearly always none or one (each idempotency join adds one),
/// kept without an allocation of their own. The session keeps them with the rest of what
/// it knows about the input (`Ledger`), behind its own lock; resolving never awaits
/// (oneshot sends are immediate). Dropped unresolved, they tell each handle `Dropped`.
#[derive(Debug, Default)]
pub(crate) enum Waiters {
    #[default]
    None,
    One(oneshot::Sender<CompletionOutcome>),
    /// Boxed: joins are rare, and every remembered input carries a `Waiters`, which so
    /// stays two words (a `Vec`, or a boxed slice, would make it three).
    #[expect(
        clippy::box_collection,
        reason = "keeps every input's Waiters two words"
    )]
    Many(Box<Vec<oneshot::Sender<CompletionOutcome>>>),
}

impl Waiters {
    /// Adds a waiter for the input `input`; every waiter of one input receives the same
    /// outcome.
    pub fn add(&mut self, input: InputId) -> CompletionHandle {
        let (sender, receiver) = oneshot::channel();
        *self = match std::mem::take(self) {
            Waiters::None => Waiters::One(sender),
            Waiters::One(first) => Waiters::Many(Box::new(vec![first, sender])),
            Waiters::Many(mut all) => {
                all.push(sender);
                Waiters::Many(all)
            }
        };
        CompletionHandle { input, receiver }
    }

    /// How many waiters there are, dropped handles included.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        match self {
            Waiters::None => 0,
            Waiters::One(_) => 1,
            Waiters::Many(all) => all.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Waiters::None)
    }

    /// Sends `outcome` to every waiter and forgets them, so that a second resolve reaches
    /// nobody. Returns how many there were. A dropped handle makes its send fail; that is
    /// the documented "changes nothing".
    pub fn resolve(&mut self, outcome: CompletionOutcome) -> usize {
        match std::mem::take(self) {
            Waiters::None => 0,
            Waiters::One(sender) => {
                let _ = sender.send(outcome);
                1
            }
            Waiters::Many(all) => {
                let n = all.len();
                for sender in *all {
                    let _ = sender.send(outcome.clone());
                }
                n
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
        let mut waiters = Waiters::default();
        let h = waiters.add(id("a"));
        assert_eq!(h.input(), &id("a"));
        assert_eq!(waiters.len(), 1);
        assert_eq!(waiters.resolve(done("x")), 1);
        // The senders are gone: a second resolve reaches nobody.
        assert_eq!(waiters.resolve(CompletionOutcome::Cancelled), 0);
        assert!(waiters.is_empty());
        assert_eq!(h.wait().await, done("x"));
    }

    #[tokio::test]
    async fn joins_share_one_outcome() {
        let mut waiters = Waiters::default();
        let handles: Vec<_> = (0..5).map(|_| waiters.add(id("k"))).collect();
        assert_eq!(waiters.len(), 5);
        let outcome = CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("boom".into()),
        };
        assert_eq!(waiters.resolve(outcome.clone()), 5);
        for h in handles {
            assert_eq!(h.wait().await, outcome);
        }
    }

    #[tokio::test]
    async fn dropped_handles_are_harmless() {
        let mut waiters = Waiters::default();
        drop(waiters.add(id("a")));
        let kept = waiters.add(id("a"));
        drop(waiters.add(id("a")));
        assert_eq!(waiters.len(), 3);
        assert_eq!(waiters.resolve(done("a")), 3);
        assert_eq!(kept.wait().await, done("a"));
    }

    #[tokio::test]
    async fn a_timed_out_wait_can_be_resumed() {
        let mut waiters = Waiters::default();
        let mut handle = waiters.add(id("a"));
        let early = tokio::time::timeout(std::time::Duration::from_millis(10), &mut handle).await;
        assert!(early.is_err(), "nothing resolved yet");
        waiters.resolve(CompletionOutcome::Cancelled);
        assert_eq!(handle.await, CompletionOutcome::Cancelled);
    }

    #[tokio::test]
    async fn dropped_waiters_terminate_their_handles() {
        let mut waiters = Waiters::default();
        let a = waiters.add(id("a"));
        let b = waiters.add(id("a"));
        drop(waiters);
        let dropped = CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Dropped,
        };
        assert_eq!(a.wait().await, dropped);
        assert_eq!(b.wait().await, dropped);
    }
}
