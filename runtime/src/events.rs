//! Typed event stream for consumers (dashboards, audit logs, tests).
//!
//! A broadcast channel: publishing never blocks and never fails the runtime, so it can be done
//! from inside the loop. A subscriber that falls more than the capacity behind gets
//! `RecvError::Lagged(n)` and continues with newer events; events are observations, the store
//! and the kernel remain the truth.

use crate::types::{
    AbandonReason, HandlingMode, InputId, InputKind, InputPhase, RunId, RuntimePhase, SessionId,
    display_as_debug,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;
use tokio::sync::broadcast;

/// Events kept for slow subscribers before they start lagging.
pub const DEFAULT_EVENT_CAPACITY: usize = 1024;

/// The most events the stream keeps: its buffer is allocated whole when the runtime is
/// built, so an unbounded capacity would fail there (or exhaust memory) instead.
pub const MAX_EVENT_CAPACITY: usize = 1 << 16;

/// One observation about one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeEvent {
    /// The session it happened in.
    pub session: SessionId,
    /// What happened.
    pub kind: EventKind,
    /// When it was published (right after the fact was made durable): a subscriber that
    /// falls behind still learns when things happened.
    pub at: SystemTime,
}

/// What a [`RuntimeEvent`] reports: an input accepted, a run started or finished, an input
/// terminal, a phase change, an error in the runtime loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventKind {
    /// Published when `accept` is about to return Accepted: after the store write for a
    /// durable input; ephemeral and derived inputs have none.
    InputAccepted {
        /// The caller's id of the new input.
        input: InputId,
        /// Its kind, from its body.
        kind: InputKind,
        /// The lane it was queued in.
        lane: HandlingMode,
    },
    /// A run was staged and is being handed to the executor.
    RunStarted {
        /// Allocated by the kernel; `RunFinished` names it again.
        run: RunId,
        /// Its contributors, in selection order, durable or not.
        inputs: Vec<InputId>,
        /// Which attempt this run is for its contributors, as the executor is told
        /// (`RunPrimitive::attempt`): 1 for a first run, more for a retry.
        attempt: u64,
    },
    /// A run ended; for `Committed` its contributors are consumed. Published after the
    /// `InputTerminal` events of the inputs it ended.
    RunFinished {
        /// The run, as `RunStarted` named it.
        run: RunId,
        /// How it ended.
        outcome: RunOutcomeKind,
        /// For `Failed`: the executor's error, or why the commit could not be recorded.
        error: Option<String>,
    },
    /// An input reached a terminal phase (Consumed or Abandoned with a reason).
    InputTerminal {
        /// The caller's id of the input.
        input: InputId,
        /// `Consumed` or `Abandoned`.
        phase: InputPhase,
        /// Why it was abandoned; `None` when it was consumed.
        reason: Option<AbandonReason>,
    },
    /// The session's phase changed (registered, attached, stopped, retired, ...), after
    /// the step's other events. A run starting or ending is not a phase change here
    /// (`RunStarted` and `RunFinished` report it): as in the store, a session with a run in
    /// flight counts as `Attached`, the phase every run returns to.
    PhaseChanged {
        /// The phase it is in now; never `Running`.
        phase: RuntimePhase,
    },
    /// The session's runtime loop met an error it has no caller to hand to (it is logged
    /// too): a store write the loop needs failed, or the kernel refused one of the loop's
    /// steps for its own consistency (a bug in the spec). Lets a consumer that watches
    /// events rather than logs tell that a session is not making progress.
    LoopError {
        /// The error, as `RuntimeError` displays it.
        error: String,
        /// Whether the loop tries again by itself after a pause (a store failure). If not
        /// (a kernel refusal), the session's work waits for the next wake or a control
        /// operation.
        retrying: bool,
    },
}

/// How a run ended, as the runtime acted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RunOutcomeKind {
    /// The commit is durable and the contributors are consumed.
    Committed,
    /// Generic executor failure; contributors retried or exhausted.
    Failed,
    /// The executor returned `Err(Cancelled)`; the contributors were abandoned, not retried.
    Cancelled,
    /// Ended by a control operation (stop, destroy, unregister, recover) or by the executor
    /// stopping itself; its contributors were abandoned or, for recover, requeued (or
    /// abandoned when it was their last attempt).
    Stopped,
}

display_as_debug!(RunOutcomeKind);

/// Fan-out of [`RuntimeEvent`]s to any number of subscribers.
#[derive(Debug, Clone)]
pub(crate) struct EventBus {
    sender: broadcast::Sender<RuntimeEvent>,
    /// Set by the first `subscribe`, never cleared. Until then `has_subscribers` is one
    /// plain load: the channel's own count takes its lock, which every accept, run and
    /// terminal input would otherwise pay in a runtime nobody watches.
    subscribed: Arc<AtomicBool>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(DEFAULT_EVENT_CAPACITY)
    }
}

impl EventBus {
    /// A bus retaining up to `capacity` events per lagging subscriber, clamped to
    /// `1..=MAX_EVENT_CAPACITY`.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.clamp(1, MAX_EVENT_CAPACITY));
        Self {
            sender,
            subscribed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RuntimeEvent> {
        // Relaxed is enough: a publish ordered after this call by any synchronisation
        // sees the flag, and one racing with it has no claim to the event anyway.
        self.subscribed.store(true, Ordering::Relaxed);
        self.sender.subscribe()
    }

    /// Whether anyone listens; lets hot paths skip building events nobody reads.
    pub fn has_subscribers(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed) && self.sender.receiver_count() > 0
    }

    #[cfg(test)]
    /// Publishes to current subscribers; with none, the event is discarded.
    pub fn publish(&self, session: &SessionId, kind: EventKind) {
        self.publish_with(session, || kind);
    }

    /// Like `publish`, but builds the event only if someone listens: the hot path (every
    /// accept, run and terminal input) then allocates nothing for events nobody reads.
    #[inline]
    pub fn publish_with(&self, session: &SessionId, kind: impl FnOnce() -> EventKind) {
        if self.has_subscribers() {
            self.send(session, kind);
        }
    }

    /// Out of line and cold: building and sending an event is a lot of code, which the hot
    /// paths that call `publish_with` would otherwise carry inline (and fetch) at every
    /// call site whether or not anyone listens.
    #[cold]
    #[inline(never)]
    fn send(&self, session: &SessionId, kind: impl FnOnce() -> EventKind) {
        let _ = self.sender.send(RuntimeEvent {
            session: session.clone(),
            kind: kind(),
            at: SystemTime::now(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};

    fn accepted(i: &str) -> EventKind {
        EventKind::InputAccepted {
            input: InputId::from(i),
            kind: InputKind::Prompt,
            lane: HandlingMode::Queue,
        }
    }

    /// A capacity past the maximum builds (tokio's channel would panic on it, or allocate
    /// it whole) and keeps exactly the maximum.
    #[test]
    fn the_capacity_is_clamped_to_the_maximum() {
        let bus = EventBus::new(usize::MAX);
        let mut lagging = bus.subscribe();
        for i in 0..MAX_EVENT_CAPACITY + 3 {
            bus.publish(&"s".into(), accepted(&i.to_string()));
        }
        assert!(matches!(lagging.try_recv(), Err(TryRecvError::Lagged(3))));
        let first = lagging.try_recv().unwrap();
        assert_eq!(first.kind, accepted("3"));
    }

    #[tokio::test]
    async fn subscribers_see_events_in_order() {
        let bus = EventBus::default();
        assert!(!bus.has_subscribers());
        // Published with no subscriber: discarded, not an error.
        bus.publish(&"s".into(), accepted("lost"));
        let mut a = bus.subscribe();
        let mut b = bus.subscribe();
        assert!(bus.has_subscribers());
        bus.publish(&"s".into(), accepted("1"));
        bus.publish(
            &"s".into(),
            EventKind::RunFinished {
                run: RunId(1),
                outcome: RunOutcomeKind::Committed,
                error: None,
            },
        );
        for rx in [&mut a, &mut b] {
            let first = rx.recv().await.unwrap();
            assert_eq!(first.session, SessionId::from("s"));
            assert_eq!(first.kind, accepted("1"));
            assert!(matches!(
                rx.recv().await.unwrap().kind,
                EventKind::RunFinished { .. }
            ));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    }

    #[tokio::test]
    async fn slow_subscriber_lags_without_blocking_publisher() {
        let bus = EventBus::new(2);
        let mut rx = bus.subscribe();
        for i in 0..5 {
            bus.publish(&"s".into(), accepted(&i.to_string()));
        }
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)));
        assert_eq!(rx.recv().await.unwrap().kind, accepted("3"));
        assert_eq!(rx.recv().await.unwrap().kind, accepted("4"));
    }

    #[test]
    fn zero_capacity_is_clamped() {
        let bus = EventBus::new(0);
        let mut rx = bus.subscribe();
        bus.publish(&"s".into(), accepted("x"));
        assert_eq!(rx.try_recv().unwrap().kind, accepted("x"));
    }

    /// After every subscriber has gone, nobody listens (the hot path builds no events); a
    /// clone of the bus sees a later subscriber, and events reach it again.
    #[test]
    fn subscribers_come_and_go() {
        let bus = EventBus::default();
        let clone = bus.clone();
        drop(bus.subscribe());
        assert!(!bus.has_subscribers());
        assert!(!clone.has_subscribers());
        let mut rx = clone.subscribe();
        assert!(bus.has_subscribers(), "the flag is shared by clones");
        bus.publish(&"s".into(), accepted("x"));
        assert_eq!(rx.try_recv().unwrap().kind, accepted("x"));
    }
}
