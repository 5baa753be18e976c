//! Control operations. Each applies one kernel input under the session's mutation gate,
//! makes it durable, realises its effects, and calls into the executor (stop hook,
//! boundary cancel, interrupt) only after the gate is released.

use crate::completion::TerminationReason;
use crate::error::RuntimeResult;
use crate::generated::session as k;
use crate::kernel_io;
use crate::runtime::Registry;
use crate::session::{ControlReport, Session, Step, StepContext};
use crate::types::{RunId, SessionId};
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl Registry {
    /// Applies one control input to a live session; a rejection becomes the error for the
    /// session's phase. The input is made with the gate held, so the facts it reads from
    /// the session (what the loop reported) are those the kernel decides on.
    async fn control(
        &self,
        id: &SessionId,
        input: impl FnOnce(&Session) -> k::Input,
    ) -> RuntimeResult<Step> {
        let session = self.session(id)?;
        let gate = session.gate.lock().await;
        session.ensure_not_destroyed()?;
        let mut step = match session
            .step(&self.shared, input(&session), StepContext::default())
            .await?
        {
            Ok(step) => step,
            Err(rejection) => return Err(kernel_io::phase_error(id, &rejection)),
        };
        drop(gate);
        step.finish(id).await;
        Ok(step)
    }

    /// Asks the executor to end the current run at its next boundary. A burst of calls
    /// during one run dispatches once; with no run in flight, or once the run's executor
    /// call has returned, nothing is dispatched, and nothing is remembered for the next
    /// run. Returns whether this call dispatched.
    pub(crate) async fn cancel_after_boundary(&self, id: &SessionId) -> RuntimeResult<bool> {
        let input = |session: &Session| k::Input::CancelAfterBoundary {
            run: None,
            returned: session.returned_run(),
        };
        Ok(self.control(id, input).await?.dispatched)
    }

    /// `cancel_after_boundary` for run `run` only: like `interrupt`, a run that is not the
    /// one in flight (whatever the session's phase) answers `false` and touches nothing.
    pub(crate) async fn cancel_run_after_boundary(
        &self,
        id: &SessionId,
        run: RunId,
    ) -> RuntimeResult<bool> {
        let run = Some(kernel_io::kernel_run_id(run));
        let input = |session: &Session| k::Input::CancelAfterBoundary {
            run,
            returned: session.returned_run(),
        };
        self.fenced(id, input).await
    }

    /// Hard-interrupts run `run`. A stale run id (or no run at all), or a run whose executor
    /// call has returned, returns `false` and touches nothing.
    pub(crate) async fn interrupt(&self, id: &SessionId, run: RunId) -> RuntimeResult<bool> {
        let run = kernel_io::kernel_run_id(run);
        let input = |session: &Session| k::Input::Interrupt {
            run,
            returned: session.returned_run(),
        };
        self.fenced(id, input).await
    }

    /// Applies an input that names a run and dispatches to the executor: any ordinary
    /// refusal (another run, no run, a run that returned, any phase) answers `false`; a
    /// refusal for the kernel's own consistency is the spec bug it is (`Kernel`). The input
    /// is made with the gate held (see `control`).
    async fn fenced(
        &self,
        id: &SessionId,
        input: impl FnOnce(&Session) -> k::Input,
    ) -> RuntimeResult<bool> {
        let session = self.session(id)?;
        let gate = session.gate.lock().await;
        session.ensure_not_destroyed()?;
        match session
            .step(&self.shared, input(&session), StepContext::default())
            .await?
        {
            Ok(mut step) => {
                drop(gate);
                step.finish(id).await;
                Ok(step.dispatched)
            }
            Err(rejection) if kernel_io::is_spec_bug(&rejection) => {
                Err(kernel_io::phase_error(id, &rejection))
            }
            Err(_stale) => Ok(false),
        }
    }

    /// A control operation that answers with its report (stop, retire, reset, recycle,
    /// recover, destroy; see `SessionRuntime` for each one's behaviour).
    pub(crate) async fn control_report(
        &self,
        id: &SessionId,
        input: k::Input,
    ) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, |_| input).await?.report())
    }

    /// Recovers the session (see `SessionRuntime::recover`), telling the kernel which run's
    /// executor stopped itself, if any.
    pub(crate) async fn recover(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        let input = |session: &Session| k::Input::Recover {
            stopped: session.stopped_run(),
        };
        Ok(self.control(id, input).await?.report())
    }

    /// Removes the session from the runtime: pending inputs are abandoned
    /// (`Unregistered`), waiters told, the loop ends; no queued input is applied after
    /// this begins. Calls that found the session before it was removed share one result; a
    /// call made once it is gone answers `UnknownSession`.
    pub(crate) async fn unregister_session(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        let session = self.session(id)?;
        // Only a success is shared; after a failure (e.g. the store) a later call retries.
        session
            .unregistered
            .get_or_try_init(|| self.unregister_once(id, &session))
            .await
            .copied()
    }

    /// An unregister failed: the session carries on, and its parked loop resumes.
    fn reopen(&self, session: &Session) {
        session.closing.store(false, Ordering::Release);
        session.wake();
    }

    async fn unregister_once(
        &self,
        id: &SessionId,
        session: &Arc<Session>,
    ) -> RuntimeResult<ControlReport> {
        // Set before waiting for the gate: the loop hands it to the kernel with its next
        // `StartRun`, which then starts nothing.
        session.closing.store(true, Ordering::Release);
        let gate = session.gate.lock().await;
        let mut step = match session
            .step(&self.shared, k::Input::Unregister, StepContext::default())
            .await
        {
            Ok(Ok(step)) => step,
            Ok(Err(rejection)) => {
                self.reopen(session);
                return Err(kernel_io::phase_error(id, &rejection));
            }
            Err(e) => {
                self.reopen(session);
                return Err(e);
            }
        };
        // Joined waiters of inputs the kernel no longer tracks, if any, are told too.
        session.terminate_waiters(TerminationReason::Unregistered);
        self.remove(id, session);
        drop(gate);
        step.finish(id).await;
        Ok(step.report())
    }
}
