//! The runtime loop: one task per attached session. A wake drains every runnable input
//! (run after run) before the loop parks again, and the loop never parks while the kernel
//! still has work to start.

use crate::error::RuntimeError;
use crate::events::EventKind;
use crate::executor::{Executor, ExecutorError, RunOutput, RunPrimitive};
use crate::generated::session as k;
use crate::kernel_io;
use crate::session::{Session, Shared, Step, StepContext, StepResult, Steps, panic_message};
use crate::types::RunId;
use crate::wake::WakeReceiver;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::Instrument;

/// What the loop does next.
enum Next {
    /// A run to hand the executor.
    Run(RunPrimitive),
    /// Nothing runnable: park until woken.
    Park,
    /// The store refused to make the run's start durable: try again after a pause.
    Retry,
    /// This loop's attachment is gone (stop, detach, unregister, re-attach): exit.
    Exit,
    /// The session retired and detached this loop: run what the step left for after the
    /// gate (releasing the attachment, consumer code), then exit. Boxed: it happens once
    /// per loop, and a `Step` would make every `Next` the loop moves twice as large.
    Retired(Box<Step>),
}

pub(crate) async fn run_loop(
    session: Arc<Session>,
    shared: Shared,
    executor: Arc<dyn Executor>,
    epoch: u64,
    mut wake: WakeReceiver,
) {
    tracing::debug!(session = %session.id, epoch, "runtime loop started");
    let mut backoff = Backoff::new();
    loop {
        let mut next = next_run(&session, &shared, epoch).await;
        loop {
            match next {
                Next::Retry => {
                    backoff.wait().await;
                    next = next_run(&session, &shared, epoch).await;
                }
                Next::Run(primitive) => {
                    // The gate was released after the run started: a stop, a recover or a
                    // shutdown may have taken the run back from this loop meanwhile, and its
                    // result would be dropped. Do not hand it to the executor at all.
                    if !current(&session, epoch) {
                        tracing::debug!(session = %session.id, epoch, "runtime loop exits");
                        return;
                    }
                    backoff.reset();
                    let run = primitive.run;
                    let span = tracing::info_span!("run", session = %session.id, run = run.0);
                    let result = apply_isolated(&executor, primitive, span).await;
                    // Before waiting for the gate: from here on, a cancel or interrupt of
                    // this run has nothing left to act on, and a `recover` that takes the
                    // run back from an executor that stopped itself calls its stop hook.
                    session.run_returned(run, matches!(result, Err(ExecutorError::Stopped)));
                    next = match finish_run(&session, &shared, epoch, run, result).await {
                        AfterRun::Next(next) => next,
                        AfterRun::Continue => next_run(&session, &shared, epoch).await,
                        AfterRun::Exit => {
                            tracing::debug!(session = %session.id, epoch, "runtime loop exits");
                            return;
                        }
                    };
                }
                Next::Park => break,
                Next::Retired(mut step) => {
                    step.finish(&session.id).await;
                    tracing::debug!(session = %session.id, epoch, "runtime loop exits");
                    return;
                }
                Next::Exit => {
                    tracing::debug!(session = %session.id, epoch, "runtime loop exits");
                    return;
                }
            }
        }
        if wake.recv().await.is_none() {
            tracing::debug!(session = %session.id, epoch, "runtime loop detached");
            return;
        }
    }
}

/// Calls the executor, turning a panic into a failed run (retried like any failure)
/// instead of killing the loop and stranding the session. The call stays on the loop's
/// task: no extra task or cross-thread hand-off per run.
async fn apply_isolated(
    executor: &Arc<dyn Executor>,
    primitive: RunPrimitive,
    span: tracing::Span,
) -> Result<RunOutput, ExecutorError> {
    // `apply` itself is called inside the guard too: a hand-written `Executor` may panic
    // before it returns its future.
    let call = AssertUnwindSafe(async { executor.apply(primitive).await })
        .catch_unwind()
        .instrument(span.clone());
    match call.await {
        Ok(result) => result,
        Err(payload) => {
            // Logged like a panic in any other consumer callback, in the run's span, and
            // its message goes with the run's error (waiters, `RunFinished`).
            let message = panic_message(payload.as_ref());
            span.in_scope(|| {
                tracing::error!(panic = message, "the executor panicked; the run fails")
            });
            Err(ExecutorError::Failed(format!(
                "executor panicked: {message}"
            )))
        }
    }
}

/// Exponential pause between retries of a store call the session cannot do without: a
/// write the loop needs, or the `version` read that settles a write of unknown outcome.
pub(crate) struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(2);

    pub(crate) fn new() -> Backoff {
        Backoff(Backoff::FIRST)
    }

    fn reset(&mut self) {
        self.0 = Backoff::FIRST;
    }

    pub(crate) async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Backoff::MAX);
    }
}

/// Applies an input that ends a run (`FailRun`, `CancelRun`, `Stop`; `failure`: why a
/// failed run failed): the loop cannot go on until the kernel and the store agree the run
/// is over, so a refused store write is retried after a pause, with the gate released in
/// between. Returns the realised step (with its after-gate work still to do), or `None`
/// when this loop is no longer current.
async fn end_run_durably(
    session: &Arc<Session>,
    shared: &Shared,
    epoch: u64,
    input: k::Input,
    failure: Option<&str>,
) -> Option<Step> {
    let mut backoff = Backoff::new();
    loop {
        {
            let _gate = session.gate.lock().await;
            if !current(session, epoch) {
                return None;
            }
            let ctx = StepContext {
                failure,
                ..StepContext::default()
            };
            match session.step(shared, input.clone(), ctx).await {
                Ok(Ok(step)) => return Some(step),
                // Stale: a control operation ended the run meanwhile.
                Ok(Err(rejection)) => {
                    refused(session, shared, &rejection);
                    return Some(Step::default());
                }
                Err(e @ RuntimeError::Store(_)) => {
                    store_failed(session, shared, &e, "record the end of a run")
                }
                // The session left the runtime meanwhile (shutdown, removal).
                Err(_) => return None,
            }
        }
        backoff.wait().await;
    }
}

/// Whether this loop still belongs to the session's attachment.
fn current(session: &Session, epoch: u64) -> bool {
    session.attached_epoch() == Some(epoch)
}

/// Asks the kernel for the next batch; with none, a retiring session retires.
async fn next_run(session: &Arc<Session>, shared: &Shared, epoch: u64) -> Next {
    let _gate = session.gate.lock().await;
    next_run_locked(session, shared, epoch).await
}

/// `next_run` with the gate already held (right after a commit, so the loop does not
/// release and retake the gate between two runs).
async fn next_run_locked(session: &Arc<Session>, shared: &Shared, epoch: u64) -> Next {
    if shared.store.is_none() {
        return next_run_now(&mut session.steps(), shared, epoch);
    }
    if !current(session, epoch) {
        return Next::Exit;
    }
    let started = session
        .step(shared, start_run(session), StepContext::default())
        .await;
    next_from(session, shared, epoch, started)
}

/// `next_run_locked` for a runtime without a store, with the core lock held too.
fn next_run_now(steps: &mut Steps<'_>, shared: &Shared, epoch: u64) -> Next {
    let session = steps.session();
    if !current(session, epoch) {
        return Next::Exit;
    }
    let started = steps.step(shared, start_run(session), StepContext::default());
    next_from(session, shared, epoch, started)
}

/// The loop's request for the next batch.
fn start_run(session: &Session) -> k::Input {
    // Whether an unregister has begun: the kernel then starts nothing. If the unregister
    // fails, it wakes the loop again.
    k::Input::StartRun {
        unregistering: session.closing.load(Ordering::Acquire),
    }
}

/// What the loop does after its `StartRun` step.
fn next_from(session: &Session, shared: &Shared, epoch: u64, started: StepResult) -> Next {
    match started {
        Ok(Ok(mut step)) => match step.run_started.take() {
            // The loop checks again that it is current before it calls the executor.
            Some(primitive) => Next::Run(primitive),
            // Nothing to run: park, unless a retiring session just retired (and so
            // detached this loop).
            None if current(session, epoch) => Next::Park,
            None => Next::Retired(Box::new(step)),
        },
        // Not Attached: a control operation owns the session now.
        Ok(Err(rejection)) => {
            refused(session, shared, &rejection);
            Next::Park
        }
        Err(e @ RuntimeError::Store(_)) => {
            // Staging could not be made durable; the kernel is unchanged and the work stays
            // queued. Retry after a pause rather than wait for the next wake.
            store_failed(session, shared, &e, "start a run (or retire)");
            Next::Retry
        }
        // The session left the runtime meanwhile (shutdown, removal).
        Err(_) => Next::Exit,
    }
}

/// A store write the loop cannot do without failed and will be retried after a pause:
/// logged, and published as a retrying `LoopError`.
fn store_failed(session: &Session, shared: &Shared, error: &RuntimeError, doing: &str) {
    tracing::warn!(session = %session.id, %error, "could not {doing}; retrying");
    publish_error(session, shared, error, true);
}

/// Publishes an error the loop has no caller to return to, as `EventKind::LoopError`
/// (the caller logs it).
fn publish_error(session: &Session, shared: &Shared, error: &RuntimeError, retrying: bool) {
    shared
        .events
        .publish_with(&session.id, || EventKind::LoopError {
            error: error.to_string(),
            retrying,
        });
}

/// A kernel refusal of one of the loop's steps. A stale step (a control operation got
/// there first) is expected and ignored; a refusal for the kernel's own consistency, a
/// spec bug that `Session::step` has logged, is published.
fn refused(session: &Session, shared: &Shared, rejection: &k::Rejection) {
    if kernel_io::is_spec_bug(rejection) {
        let error = kernel_io::phase_error(&session.id, rejection);
        publish_error(session, shared, &error, false);
    }
}

/// What the loop does after a run's end was recorded.
enum AfterRun {
    /// The next step was already decided under the same gate acquisition.
    Next(Next),
    /// Ask for the next run.
    Continue,
    Exit,
}

impl From<Option<Step>> for AfterRun {
    /// A recorded run end lets the loop go on; `None` means the loop is no longer current.
    fn from(ended: Option<Step>) -> AfterRun {
        match ended {
            Some(_) => AfterRun::Continue,
            None => AfterRun::Exit,
        }
    }
}

/// Hands the executor's result to the kernel and, after a commit, picks the next run
/// without releasing the gate in between. A failure's error goes with the `FailRun` step
/// (`StepContext::failure`), so the contributors keep it only once that failure is
/// durable: a run that a control operation took back first (`recover`) leaves nothing.
async fn finish_run(
    session: &Arc<Session>,
    shared: &Shared,
    epoch: u64,
    run: RunId,
    result: Result<RunOutput, ExecutorError>,
) -> AfterRun {
    let gate = session.gate.lock().await;
    if !current(session, epoch) {
        return AfterRun::Exit;
    }
    let kernel_run = kernel_io::kernel_run_id(run);
    let mut failure = None;
    let ending = match result {
        Ok(output) => {
            let recorded = match &shared.store {
                None => record_output_now(&mut session.steps(), shared, epoch, kernel_run, &output),
                Some(_) => record_output(session, shared, epoch, kernel_run, &output).await,
            };
            match recorded {
                Recorded::Next(next) => return AfterRun::Next(next),
                Recorded::Failed(e) => {
                    // The commit is not durable: treat the run as failed (it is retried).
                    failure = Some(format!("commit failed: {e}"));
                    k::Input::FailRun { run: kernel_run }
                }
            }
        }
        Err(ExecutorError::Failed(error)) => {
            failure = Some(error);
            k::Input::FailRun { run: kernel_run }
        }
        Err(ExecutorError::Cancelled) => k::Input::CancelRun { run: kernel_run },
        // The executor stopped itself: the session takes the stop path, which must become
        // durable (retried) or the session would stay attached with no loop.
        Err(ExecutorError::Stopped) => k::Input::Stop {
            run: Some(kernel_run),
        },
    };
    drop(gate);
    let stopping = matches!(ending, k::Input::Stop { .. });
    let ended = end_run_durably(session, shared, epoch, ending, failure.as_deref()).await;
    if !stopping {
        return ended.into();
    }
    if let Some(mut step) = ended {
        step.finish(&session.id).await;
    }
    AfterRun::Exit
}

/// What handing a run's output to the kernel came to.
enum Recorded {
    /// The loop's next move, decided under the same gate acquisition.
    Next(Next),
    /// The commit step failed: the store refused it (or the session left the runtime).
    Failed(RuntimeError),
}

/// Records a run's output (`RunApplied`, then `CommitRun`) and, unless the kernel says
/// nothing is left, asks for the next run, with the gate held throughout.
async fn record_output(
    session: &Arc<Session>,
    shared: &Shared,
    epoch: u64,
    run: k::RunId,
    output: &RunOutput,
) -> Recorded {
    let applied = session
        .step(shared, k::Input::RunApplied { run }, StepContext::default())
        .await;
    if applied_stale(session, shared, &applied) {
        return Recorded::Next(next_run_locked(session, shared, epoch).await);
    }
    let ctx = StepContext {
        output: Some(output),
        ..StepContext::default()
    };
    let committed = session.step(shared, k::Input::CommitRun { run }, ctx).await;
    match after_commit(session, shared, committed) {
        AfterCommit::Park => Recorded::Next(Next::Park),
        AfterCommit::StartNext => Recorded::Next(next_run_locked(session, shared, epoch).await),
        AfterCommit::Failed(e) => Recorded::Failed(e),
    }
}

/// `record_output` for a runtime without a store: there is nothing to wait for between the
/// steps, so all of them, the next run's start included, are taken under one hold of the
/// core lock.
fn record_output_now(
    steps: &mut Steps<'_>,
    shared: &Shared,
    epoch: u64,
    run: k::RunId,
    output: &RunOutput,
) -> Recorded {
    let session = steps.session();
    let applied = steps.step(shared, k::Input::RunApplied { run }, StepContext::default());
    if applied_stale(session, shared, &applied) {
        return Recorded::Next(next_run_now(steps, shared, epoch));
    }
    let ctx = StepContext {
        output: Some(output),
        ..StepContext::default()
    };
    let committed = steps.step(shared, k::Input::CommitRun { run }, ctx);
    match after_commit(session, shared, committed) {
        AfterCommit::Park => Recorded::Next(Next::Park),
        AfterCommit::StartNext => Recorded::Next(next_run_now(steps, shared, epoch)),
        AfterCommit::Failed(e) => Recorded::Failed(e),
    }
}

/// Whether the `RunApplied` step did not take: the run was ended by a control operation
/// meanwhile (or the session left the runtime), and the loop goes on to the next run.
fn applied_stale(session: &Session, shared: &Shared, applied: &StepResult) -> bool {
    match applied {
        Ok(Ok(_)) => false,
        Ok(Err(rejection)) => {
            refused(session, shared, rejection);
            true
        }
        Err(_) => true,
    }
}

/// What follows a `CommitRun` step.
enum AfterCommit {
    /// The kernel said nothing is left to start: park without asking again.
    Park,
    /// Ask for the next run (also after a stale commit).
    StartNext,
    /// The commit step failed (see `Recorded::Failed`).
    Failed(RuntimeError),
}

fn after_commit(session: &Session, shared: &Shared, committed: StepResult) -> AfterCommit {
    match committed {
        Ok(Ok(step)) if step.park => AfterCommit::Park,
        Ok(Ok(_)) => AfterCommit::StartNext,
        Ok(Err(rejection)) => {
            refused(session, shared, &rejection);
            AfterCommit::StartNext
        }
        Err(e) => AfterCommit::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventBus;
    use crate::types::SessionId;

    fn rejection(reason: k::RejectReason) -> k::Rejection {
        k::Rejection {
            phase: k::Phase::Running,
            input: k::InputKind::CommitRun,
            reason,
        }
    }

    /// A stale step is the loop's everyday business and publishes nothing; a refusal for
    /// the kernel's own consistency has no caller to go to, so it becomes a `LoopError`.
    #[test]
    fn only_a_consistency_refusal_of_a_loop_step_is_published() {
        let session = Session::new(SessionId::from("s"));
        let shared = Shared {
            store: None,
            events: EventBus::default(),
        };
        let mut events = shared.events.subscribe();
        refused(&session, &shared, &rejection(k::RejectReason::NotHandled));
        refused(
            &session,
            &shared,
            &rejection(k::RejectReason::GuardsFailed(Vec::new())),
        );
        refused(
            &session,
            &shared,
            &rejection(k::RejectReason::InvariantViolated {
                transition: k::TransitionId::CommitRun,
                invariant: "running_has_run",
                fault: None,
            }),
        );
        let event = events.try_recv().expect("one event");
        let EventKind::LoopError { error, retrying } = event.kind else {
            panic!("expected a loop error, got {:?}", event.kind);
        };
        assert!(error.contains("running_has_run"), "{error}");
        assert!(
            !retrying,
            "the loop does not retry a kernel refusal by itself"
        );
        assert!(events.try_recv().is_err(), "nothing else was published");
    }
}
