//! Errors of the runtime's public operations.
//!
//! An unknown session and a destroyed one are distinct variants: a caller can re-register the
//! first but never the second.

use crate::input::InputRejection;
use crate::store::StoreError;
use crate::types::{RuntimePhase, SessionId};

/// Why an operation of [`SessionRuntime`](crate::SessionRuntime) failed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// No session with this id is in the runtime: never registered, or unregistered.
    /// `register_session` or `ensure_executor` creates it.
    #[error("session {0} is not registered")]
    UnknownSession(SessionId),
    /// The session was destroyed. It stays in the runtime as a tombstone, so every later
    /// call on it, `unregister_session` included, is this error.
    #[error("session {0} is destroyed")]
    Destroyed(SessionId),
    /// The session is retired; `recycle` or `reset` brings it back. Answers every call that
    /// a retired session does not take: `accept`, and also `ensure_executor`,
    /// `cancel_after_boundary` and `recover`.
    #[error("session {0} is retired: recycle or reset brings it back")]
    Retired(SessionId),
    /// The session is stopped; attaching an executor again, or `reset`, brings it back.
    /// Answers every call that a stopped session does not take: `accept`, and also
    /// `cancel_after_boundary`, `retire`, `recycle` and `recover`.
    #[error("session {0} is stopped: attaching an executor, or reset, brings it back")]
    Stopped(SessionId),
    /// A `retire` is waiting for the session's work to drain; no new input is admitted.
    #[error("session {0} is retiring and refuses new input")]
    Retiring(SessionId),
    /// The operation is not possible in the session's current phase (e.g. `reset` while
    /// Running, `accept` while the session's first registration is still in flight). The
    /// message says what to wait for.
    #[error(
        "session {session} is not ready for this operation (phase {phase}){}",
        not_ready_hint(*.phase)
    )]
    NotReady {
        /// The session that refused the operation.
        session: SessionId,
        /// The phase the session was in, which is why it refused.
        phase: RuntimePhase,
    },
    /// The kernel refused the input; its message is the reason.
    #[error(transparent)]
    Rejected(#[from] InputRejection),
    /// A durable write failed; the kernel was rolled back and nothing happened, unless the
    /// store could not say whether the write was applied (a `Conflict` found while
    /// settling it, or `Unavailable` because the runtime shut down before it was settled).
    /// Its message is the store's (an error reporter that also prints sources would
    /// otherwise print it twice).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The kernel refused for its own consistency (an overflow, a missing value, a broken
    /// invariant: a bug in the spec), or in a way the shell did not expect (a bug in the
    /// shell). Reported, and logged at error level, instead of panicking; nothing happened.
    #[error("kernel refused {0}")]
    Kernel(String),
    /// `SessionRuntime::shutdown` was called: the runtime takes no more calls.
    #[error("the runtime is shut down")]
    ShutDown,
    /// A mutating operation was called outside a tokio runtime (or while it shut down): it
    /// needs one to finish on its own task if the caller stops waiting. Nothing happened,
    /// unless the runtime shut down while the operation was already waiting on its own
    /// task, which can cut it off part-way.
    #[error("no tokio runtime to run the operation on")]
    NoTokioRuntime,
}

/// What a caller refused as `NotReady` in `phase` waits for.
fn not_ready_hint(phase: RuntimePhase) -> &'static str {
    match phase {
        RuntimePhase::Running => {
            ": a run is in flight; try again once it has ended (a cancel or an interrupt ends it sooner)"
        }
        RuntimePhase::Initializing => {
            ": its first registration is still in flight; try again once it is done"
        }
        _ => "",
    }
}

/// Result alias for runtime operations.
pub type RuntimeResult<T> = Result<T, RuntimeError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_session_and_convert() {
        let e = RuntimeError::NotReady {
            session: "s1".into(),
            phase: RuntimePhase::Running,
        };
        assert_eq!(
            e.to_string(),
            "session s1 is not ready for this operation (phase Running): a run is in flight; \
             try again once it has ended (a cancel or an interrupt ends it sooner)"
        );
        let e: RuntimeError = InputRejection::DerivedPrompt.into();
        assert_eq!(e, RuntimeError::Rejected(InputRejection::DerivedPrompt));
        let e: RuntimeError = StoreError::Unavailable("down".into()).into();
        assert_eq!(e.to_string(), "store unavailable: down");
        let e: RuntimeError = InputRejection::EmptyId.into();
        assert_eq!(e.to_string(), "input id is empty");
        assert_eq!(
            RuntimeError::Destroyed("x".into()).to_string(),
            "session x is destroyed"
        );
    }

    #[test]
    fn errors_can_key_a_set() {
        // `Eq` and `Hash` let a consumer count or deduplicate the errors it sees.
        let seen: std::collections::HashSet<RuntimeError> = [
            RuntimeError::Destroyed("x".into()),
            RuntimeError::Destroyed("x".into()),
            RuntimeError::Stopped("x".into()),
        ]
        .into_iter()
        .collect();
        assert_eq!(seen.len(), 2);
    }
}
