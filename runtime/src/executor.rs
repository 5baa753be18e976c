//! The seam a consumer implements to actually run an agent turn.
//!
//! The runtime loop calls [`Executor::apply`] once per run, never while holding a kernel lock
//! or the mutation gate, so an executor may take as long as it needs and may call back into the
//! runtime (for example to accept a continuation). To do so it keeps a
//! [`WeakSessionRuntime`](crate::WeakSessionRuntime): the runtime holds the executor, so a
//! strong handle would keep both alive for ever.

use crate::input::RuntimeInput;
use crate::types::{RunId, SessionId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How the contributors of a run were selected; a prompt always runs alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RunBoundary {
    /// A single prompt.
    Prompt,
    /// One or more non-prompt inputs taken together.
    Batch,
}

/// One run: the inputs the kernel staged for it, in selection order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPrimitive {
    /// The session the run belongs to.
    pub session: SessionId,
    /// Allocated by the kernel, increasing within the session from 1; boundary cancels and
    /// interrupts name the run by it.
    pub run: RunId,
    /// Shared with the runtime (and the store row), not copied: a long prompt is held once,
    /// however many attempts it takes.
    pub contributors: Vec<Arc<RuntimeInput>>,
    /// `Prompt` for a lone prompt, otherwise `Batch`.
    pub boundary: RunBoundary,
    /// Which attempt this is for its contributors: 1 for a first run; every run started
    /// for an input counts, including a failed one and one lost to `recover`. An input
    /// that has had a run before always runs alone, so the contributors of a run share it.
    pub attempt: u64,
}

/// What a committed run produced; handed to every waiter of its contributors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunOutput {
    /// The answer as text. The runtime does not read it; it passes it to the waiters and
    /// the run's receipt.
    pub text: String,
    /// Structured output as JSON (`Null` when there is none), passed on like `text`.
    pub data: serde_json::Value,
}

impl RunOutput {
    /// Output with text only (`data` is JSON null).
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            data: serde_json::Value::Null,
        }
    }
}

/// How a run failed; each variant takes a different kernel path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ExecutorError {
    /// Generic failure: the contributors are retried up to the attempt limit.
    #[error("executor failed: {0}")]
    Failed(String),
    /// The run was cancelled (boundary cancel or interrupt): contributors are abandoned, not
    /// retried.
    #[error("run cancelled")]
    Cancelled,
    /// The executor stopped itself: the session takes the stop path.
    #[error("executor stopped")]
    Stopped,
}

/// Why an executor's stop hook is called: what becomes of its session, so the executor
/// can tell what to keep (a sandbox, a conversation cache) from what to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StopReason {
    /// `stop`, or the executor's own `Err(Stopped)`: the session keeps its inputs' records
    /// and can be revived by attaching an executor again.
    Stopped,
    /// `destroy`: the session is over for good; every later call on it fails.
    Destroyed,
    /// `unregister_session`: the session left the runtime and its stored rows went with it.
    Unregistered,
    /// `SessionRuntime::shutdown`: this process stops working on the session; a durable
    /// store keeps it for the next process.
    Shutdown,
    /// The last handle to the runtime was dropped: as `Shutdown`, but nobody waits for the
    /// hook to finish.
    Dropped,
}

crate::types::display_as_debug!(StopReason);

/// The consumer's agent. One executor serves one session: `stop` and the live handles
/// name no session, and run ids start at 1 in every session, so an instance shared by
/// several sessions could not tell them apart. Attach one instance per session (instances
/// may share state behind an `Arc`).
#[async_trait]
pub trait Executor: Send + Sync + 'static {
    /// Runs the staged contributors and returns their output or a typed failure.
    async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError>;

    /// Called once when the session ends this executor's work: `stop`, `destroy`,
    /// `unregister_session`, the executor's own `Err(Stopped)`, `shutdown`, or the runtime
    /// being dropped; `reason` says which (and so what becomes of the session). Not called
    /// when the loop is only detached (`retire`, `reset`, `recycle`, `recover`): cleanup
    /// that must always run belongs in `Drop`. (One exception: a `recover` that takes back
    /// a run whose `apply` returned `Err(Stopped)` before that stop was recorded calls it,
    /// with `Stopped`, since the executor asked for the stop.) It runs after the operation
    /// took effect, so a panic in it is logged and the operation still returns its result.
    /// The default does nothing.
    async fn stop(&self, reason: StopReason) {
        let _ = reason;
    }

    /// A live handle asking the current run to end at its next boundary; `None` if the
    /// executor cannot be cancelled that way (the kernel still records the request).
    fn boundary_cancel(&self) -> Option<Arc<dyn BoundaryCancel>> {
        None
    }

    /// A live handle that hard-interrupts the current run; `None` if unsupported.
    fn interrupt(&self) -> Option<Arc<dyn Interrupt>> {
        None
    }
}

/// Taken once at attach time so control operations reach a run without going through the
/// loop, which is busy awaiting `apply`. Must not block.
pub trait BoundaryCancel: Send + Sync {
    /// Asks run `run` to end at its next boundary, reporting `Err(ExecutorError::Cancelled)`.
    /// Called at most once per run, after the session's gate is released, so it is not
    /// ordered with `apply` (it is not called if `apply` for `run` had already returned
    /// when the cancel was asked). The run may have ended by then: it must not affect a
    /// later run. Or `apply` for `run` may not have begun yet (or not yet be watching for
    /// a cancel): the request must then be kept for `run`, since it is not sent again.
    /// Run ids increase within a session, so a request for a run at or below the last
    /// one `apply` finished is stale, and any other is kept.
    fn cancel_after_boundary(&self, run: RunId);
}

/// Taken once at attach time; fenced by run id so a late interrupt cannot hit a newer run.
/// Must not block.
pub trait Interrupt: Send + Sync {
    /// Ends run `run` at once, reporting `Err(ExecutorError::Cancelled)`. The kernel matched
    /// `run` against the run in flight, but the call comes after the gate is released, so
    /// it is not ordered with `apply`: if `run` has already ended, ignore it; if `apply`
    /// for `run` has not begun yet (or is not yet watching), keep the request for `run`,
    /// or the run goes on although `interrupt` answered `true`. As for a boundary cancel,
    /// a run at or below the last one `apply` finished is stale.
    fn interrupt(&self, run: RunId);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    #[async_trait]
    impl Executor for Echo {
        async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
            Ok(RunOutput::text(format!(
                "{} inputs",
                run.contributors.len()
            )))
        }
        async fn stop(&self, _reason: StopReason) {}
    }

    #[tokio::test]
    async fn default_handles_are_absent_and_trait_is_object_safe() {
        let exec: Arc<dyn Executor> = Arc::new(Echo);
        assert!(exec.boundary_cancel().is_none());
        assert!(exec.interrupt().is_none());
        let out = exec
            .apply(RunPrimitive {
                session: "s".into(),
                run: RunId(1),
                contributors: vec![Arc::new(RuntimeInput::prompt("p", "hi"))],
                boundary: RunBoundary::Prompt,
                attempt: 1,
            })
            .await
            .unwrap();
        assert_eq!(out, RunOutput::text("1 inputs"));
        exec.stop(StopReason::Stopped).await;
    }

    #[test]
    fn errors_display() {
        assert_eq!(
            ExecutorError::Failed("boom".into()).to_string(),
            "executor failed: boom"
        );
        assert_eq!(ExecutorError::Cancelled.to_string(), "run cancelled");
    }
}
