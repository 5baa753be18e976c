//! The boundary between the shell's public vocabulary and the generated session kernel:
//! plain conversions, plus the translation of kernel rejections into typed errors.
//!
//! Nothing here decides anything; every decision arrives as a kernel transition or
//! rejection and is only renamed.

use crate::error::RuntimeError;
use crate::executor::StopReason;
use crate::generated::session as k;
use crate::input::{InputRejection, RuntimeInput};
use crate::types::{
    AbandonReason, Durability, HandlingMode, InputKind, InputPhase, RunId, RuntimePhase, SessionId,
};

pub(crate) fn kind(kind: InputKind) -> k::Kind {
    match kind {
        InputKind::Prompt => k::Kind::Prompt,
        InputKind::PeerMessage => k::Kind::PeerMessage,
        InputKind::PeerRequest => k::Kind::PeerRequest,
        InputKind::PeerResponseProgress => k::Kind::PeerResponseProgress,
        InputKind::PeerResponseTerminal => k::Kind::PeerResponseTerminal,
        InputKind::ExternalEvent => k::Kind::ExternalEvent,
        InputKind::Continuation => k::Kind::Continuation,
        InputKind::Operation => k::Kind::Operation,
    }
}

fn lane(handling: HandlingMode) -> k::Lane {
    match handling {
        HandlingMode::Queue => k::Lane::Queue,
        HandlingMode::Steer => k::Lane::Steer,
    }
}

fn durability(d: Durability) -> k::Durability {
    match d {
        Durability::Durable => k::Durability::Durable,
        Durability::Ephemeral => k::Durability::Ephemeral,
        Durability::Derived => k::Durability::Derived,
    }
}

pub(crate) fn abandon_reason(r: k::AbandonReason) -> AbandonReason {
    match r {
        k::AbandonReason::Retired => AbandonReason::Retired,
        k::AbandonReason::Reset => AbandonReason::Reset,
        k::AbandonReason::Stopped => AbandonReason::Stopped,
        k::AbandonReason::Destroyed => AbandonReason::Destroyed,
        k::AbandonReason::Cancelled => AbandonReason::Cancelled,
        k::AbandonReason::MaxAttemptsExhausted => AbandonReason::MaxAttemptsExhausted,
        k::AbandonReason::Unregistered => AbandonReason::Unregistered,
    }
}

pub(crate) fn stop_reason(r: k::StopReason) -> StopReason {
    match r {
        k::StopReason::Stopped => StopReason::Stopped,
        k::StopReason::Destroyed => StopReason::Destroyed,
        k::StopReason::Unregistered => StopReason::Unregistered,
    }
}

pub(crate) fn input_phase(p: k::InputPhase) -> InputPhase {
    match p {
        k::InputPhase::Queued => InputPhase::Queued,
        k::InputPhase::Staged => InputPhase::Staged,
        k::InputPhase::Applied => InputPhase::Applied,
        k::InputPhase::Consumed => InputPhase::Consumed,
        k::InputPhase::Abandoned => InputPhase::Abandoned,
    }
}

pub(crate) fn runtime_phase(p: k::Phase) -> RuntimePhase {
    match p {
        k::Phase::Initializing => RuntimePhase::Initializing,
        k::Phase::Idle => RuntimePhase::Idle,
        k::Phase::Attached => RuntimePhase::Attached,
        k::Phase::Running => RuntimePhase::Running,
        k::Phase::Retired => RuntimePhase::Retired,
        k::Phase::Stopped => RuntimePhase::Stopped,
        k::Phase::Destroyed => RuntimePhase::Destroyed,
    }
}

pub(crate) fn run_id(run: k::RunId) -> RunId {
    RunId(run.0)
}

pub(crate) fn kernel_run_id(run: RunId) -> k::RunId {
    k::RunId(run.0)
}

/// The kernel's `Accept` for `input`, whose id has the kernel handle `handle`.
pub(crate) fn accept(input: &RuntimeInput, handle: u64, wake: bool) -> k::Input {
    k::Input::Accept {
        id: k::InputId(handle),
        named: !input.id().as_str().is_empty(),
        kind: kind(input.kind()),
        lane: lane(input.header.handling),
        durability: durability(input.header.durability),
        key: input.idempotency_key().map(k::IdemKey::from),
        has_request: input.request_id().is_some(),
        wake,
    }
}

/// The error for a kernel rejection of a session-level operation: the phase says why,
/// unless the kernel refused for its own consistency (an overflow, a missing value, a
/// broken invariant): that is a bug in the spec, not a state of the session.
pub(crate) fn phase_error(session: &SessionId, rejection: &k::Rejection) -> RuntimeError {
    if is_spec_bug(rejection) {
        return RuntimeError::Kernel(format!("session {session}: {rejection}"));
    }
    match rejection.phase {
        k::Phase::Destroyed => RuntimeError::Destroyed(session.clone()),
        k::Phase::Retired => RuntimeError::Retired(session.clone()),
        k::Phase::Stopped => RuntimeError::Stopped(session.clone()),
        phase => RuntimeError::NotReady {
            session: session.clone(),
            phase: runtime_phase(phase),
        },
    }
}

/// Whether the kernel refused for its own consistency (an overflow, a missing value, a
/// broken invariant) rather than because the input does not apply now.
pub(crate) fn is_spec_bug(rejection: &k::Rejection) -> bool {
    !matches!(
        rejection.reason,
        k::RejectReason::NotHandled | k::RejectReason::GuardsFailed(_)
    )
}

/// The error for a rejected `Accept` of `input`: the session's phase, or the first failing
/// guard of the candidate that admits new inputs.
pub(crate) fn accept_error(
    session: &SessionId,
    input: &RuntimeInput,
    rejection: &k::Rejection,
) -> RuntimeError {
    let k::RejectReason::GuardsFailed(failed) = &rejection.reason else {
        return phase_error(session, rejection);
    };
    let guard = failed
        .iter()
        .find(|g| g.transition == k::TransitionId::Accept)
        .map(|g| g.guard);
    let rejection_kind = match guard {
        Some("has_id") => InputRejection::EmptyId,
        Some("key_not_empty") => InputRejection::EmptyIdempotencyKey,
        Some("fresh_id") => InputRejection::DuplicateId {
            id: input.header.id.clone(),
        },
        Some("not_retiring") => return RuntimeError::Retiring(session.clone()),
        Some("prompt_not_derived") => InputRejection::DerivedPrompt,
        Some("operation_not_derived") => InputRejection::DerivedOperation,
        Some("terminal_response_has_request") => InputRejection::TerminalResponseWithoutRequest,
        Some("request_has_id") => InputRejection::RequestWithoutId,
        _ => {
            return RuntimeError::Kernel(format!("unexpected rejection of accept: {rejection}"));
        }
    };
    RuntimeError::Rejected(rejection_kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection(reason: k::RejectReason) -> k::Rejection {
        k::Rejection {
            phase: k::Phase::Attached,
            input: k::InputKind::Retire,
            reason,
        }
    }

    #[test]
    fn a_refusal_for_the_kernels_own_consistency_is_a_kernel_error_not_a_phase() {
        let s = SessionId::from("s");
        assert_eq!(
            phase_error(&s, &rejection(k::RejectReason::NotHandled)),
            RuntimeError::NotReady {
                session: s.clone(),
                phase: RuntimePhase::Attached
            }
        );
        let broken = phase_error(
            &s,
            &rejection(k::RejectReason::InvariantViolated {
                transition: k::TransitionId::RetireDrained,
                invariant: "running_has_run",
                fault: None,
            }),
        );
        let RuntimeError::Kernel(message) = broken else {
            panic!("expected a kernel error, got {broken:?}");
        };
        assert!(message.contains("running_has_run"), "{message}");
        assert!(matches!(
            phase_error(
                &s,
                &rejection(k::RejectReason::Overflow {
                    transition: k::TransitionId::RetireDrained
                })
            ),
            RuntimeError::Kernel(_)
        ));
    }
}
