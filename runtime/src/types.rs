//! Shared vocabulary of the shell's public API.
//!
//! The generated kernel has its own newtypes and enums; these are the stable, consumer-facing
//! ones, and the shell converts at the kernel boundary so that regenerating the kernel never
//! changes what library users compile against.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// A string identifier that is cheap to clone: the runtime copies ids into store rows,
/// waiters, events and run primitives, and a shared `Arc<str>` makes each copy a reference
/// count instead of an allocation.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(Arc::from(value))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(Arc::from(value))
            }
        }

        /// For ids kept as `String`s: `SessionId::from(&name)`.
        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                Self(Arc::from(value.as_str()))
            }
        }

        /// Maps keyed by the id can be searched with a `&str`.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// Identifies one session inside a `SessionRuntime`; chosen by the consumer.
    SessionId
);
string_id!(
    /// Identifies one input within its session; chosen by the consumer, unique per session.
    InputId
);

/// Identifies one run (one executor call) of a session; allocated by the kernel, increasing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct RunId(pub u64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "run-{}", self.0)
    }
}

/// Writes the variant name; used by every fieldless public enum of the crate so logs and
/// errors read the same.
macro_rules! display_as_debug {
    ($($name:ident),*) => {
        $(impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(self, f)
            }
        })*
    };
}
pub(crate) use display_as_debug;

/// How an input must survive a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Durability {
    /// Written to the store before `accept` returns, and kept there through its lifecycle.
    /// (Reading sessions back from the store after a restart is not implemented yet.)
    #[default]
    Durable,
    /// Lives in memory only; lost on restart.
    Ephemeral,
    /// Produced by the runtime or the agent itself (e.g. a continuation), re-derivable from
    /// other durable facts; a consumer prompt may not claim it.
    Derived,
}

/// Which lane an input waits in: steer inputs are selected before queued ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum HandlingMode {
    /// The ordinary FIFO lane.
    #[default]
    Queue,
    /// The priority lane: drained before the queue lane at every batch selection.
    Steer,
}

/// The kind of an input, derived from its body (see `RuntimeInput::kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InputKind {
    /// A user turn; always runs alone, and may not be `Derived`.
    Prompt,
    /// A one-way message from a peer agent.
    PeerMessage,
    /// A request from a peer; must carry a non-empty request id.
    PeerRequest,
    /// A response to a peer request that is not the last one; may omit the request id.
    PeerResponseProgress,
    /// The last response to a peer request; must name the request.
    PeerResponseTerminal,
    /// A notification from outside the agent system.
    ExternalEvent,
    /// Work the agent scheduled for itself.
    Continuation,
    /// Consumed on accept, never handed to the executor; may not be `Derived`.
    Operation,
}

/// Why an input ended without being consumed by a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AbandonReason {
    /// `retire` on a session without a loop: queued work had nothing to drain it.
    Retired,
    /// `reset` abandoned it while it was queued; the session then forgets it.
    Reset,
    /// `stop`, or the executor returning `Err(Stopped)`, ended the session's work while the
    /// input was pending.
    Stopped,
    /// `destroy` ended the session while the input was pending.
    Destroyed,
    /// Its run was cancelled (the executor returned `Err(Cancelled)`); it is not retried.
    Cancelled,
    /// Its last allowed run (the third) failed or was lost to `recover`.
    MaxAttemptsExhausted,
    /// `unregister_session` removed the session while the input was pending.
    Unregistered,
}

/// Lifecycle of one input: Queued -> Staged -> Applied -> Consumed, or Abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InputPhase {
    /// Waiting in its lane.
    Queued,
    /// Bound to the run in flight, for the whole executor call.
    Staged,
    /// The executor returned its output and the commit is being written. Transient: the
    /// shell applies it and the commit under one gate hold, so queries see it only after
    /// a commit write failed, until the run's failure is recorded (the run is retried) or
    /// a control operation ends the run.
    Applied,
    /// The run that carried it committed (terminal).
    Consumed,
    /// Ended without a commit (terminal); the reason is kept next to it.
    Abandoned,
}

impl InputPhase {
    /// Terminal phases never change again and resolve the input's waiters.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Consumed | Self::Abandoned)
    }
}

/// Coarse lifecycle phase of a session, as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RuntimePhase {
    /// Created, but its first `register_session` has not completed yet.
    Initializing,
    /// Registered, no executor loop attached.
    Idle,
    /// An executor and its loop are attached, no run in flight.
    Attached,
    /// A run is in flight.
    Running,
    /// Refuses new input; `recycle` (keeping what it remembers), `reset` (forgetting it)
    /// or `stop` followed by an attach bring it back.
    Retired,
    /// Stopped by `stop`; attaching an executor again, or `reset`, brings it back.
    Stopped,
    /// Terminal: every later call is a `Destroyed` error.
    Destroyed,
}

impl RuntimePhase {
    /// Only `Destroyed` is terminal; `Retired` and `Stopped` can be revived.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Destroyed)
    }
}

display_as_debug!(
    Durability,
    HandlingMode,
    InputKind,
    AbandonReason,
    InputPhase,
    RuntimePhase
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_convert_and_display() {
        let s = SessionId::from("s-1");
        assert_eq!(s.as_str(), "s-1");
        assert_eq!(s.to_string(), "s-1");
        assert_eq!(InputId::from(String::from("i")), InputId::from("i"));
        let kept = String::from("s-1");
        assert_eq!(SessionId::from(&kept), s);
        assert_eq!(RunId(7).to_string(), "run-7");
        assert!(RunId(1) < RunId(2));
    }

    #[test]
    fn ids_serialize_transparently() {
        assert_eq!(serde_json::to_string(&InputId::from("a")).unwrap(), "\"a\"");
        assert_eq!(serde_json::to_string(&RunId(3)).unwrap(), "3");
        let back: SessionId = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back, SessionId::from("x"));
    }

    #[test]
    fn terminal_phases() {
        assert!(InputPhase::Consumed.is_terminal());
        assert!(InputPhase::Abandoned.is_terminal());
        for p in [InputPhase::Queued, InputPhase::Staged, InputPhase::Applied] {
            assert!(!p.is_terminal(), "{p}");
        }
        assert!(RuntimePhase::Destroyed.is_terminal());
        assert!(!RuntimePhase::Stopped.is_terminal());
        assert!(!RuntimePhase::Retired.is_terminal());
    }

    #[test]
    fn defaults_are_durable_queue() {
        assert_eq!(Durability::default(), Durability::Durable);
        assert_eq!(HandlingMode::default(), HandlingMode::Queue);
        assert_eq!(
            AbandonReason::MaxAttemptsExhausted.to_string(),
            "MaxAttemptsExhausted"
        );
    }
}
