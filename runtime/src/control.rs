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
    /// session's phase.
    async fn control(&self, id: &SessionId, input: k::Input) -> RuntimeResult<Step> {
        let session = self.session(id)?;
        let gate = session.gate.lock().await;
        session.ensure_not_destroyed()?;
        let mut step = match session
            .step(&self.shared, input, StepContext::default())
            .await?
        {
            Ok(step) => step,
            Err(rejection) => return Err(kernel_io::phase_error(id, &rejection)),
        };
        drop(gate);
        step.finish().await;
        Ok(step)
    }

    /// Asks the executor to end the current run at its next boundary. A burst of calls
    /// during one run dispatches once; with no run in flight nothing is remembered for the
    /// next run. Returns whether this call dispatched.
    pub(crate) async fn cancel_after_boundary(&self, id: &SessionId) -> RuntimeResult<bool> {
        Ok(self
            .control(id, k::Input::CancelAfterBoundary)
            .await?
            .dispatched)
    }

    /// Hard-interrupts run `run`. A stale run id (or no run at all) returns `false` and
    /// touches nothing.
    pub(crate) async fn interrupt(&self, id: &SessionId, run: RunId) -> RuntimeResult<bool> {
        let session = self.session(id)?;
        let gate = session.gate.lock().await;
        session.ensure_not_destroyed()?;
        let input = k::Input::Interrupt {
            run: kernel_io::kernel_run_id(run),
        };
        match session
            .step(&self.shared, input, StepContext::default())
            .await?
        {
            Ok(mut step) => {
                drop(gate);
                step.finish().await;
                Ok(step.dispatched)
            }
            Err(_stale) => Ok(false),
        }
    }

    /// Stops the session: every non-terminal input is abandoned (`Stopped`), waiters are
    /// told, the executor's stop hook runs once, the loop ends. Attaching an executor
    /// again revives the session.
    pub(crate) async fn stop(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, k::Input::Stop).await?.report)
    }

    /// Retires the session: new input is refused; with a loop, queued work (and a run in
    /// flight) drains first; without one, queued work is abandoned (`Retired`).
    pub(crate) async fn retire(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, k::Input::Retire).await?.report)
    }

    /// Abandons everything (`Reset`), forgets every input and idempotency key, detaches
    /// the executor and returns the session to Idle. Refused while a run is in flight.
    pub(crate) async fn reset(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, k::Input::Reset).await?.report)
    }

    /// Detaches the executor but keeps queued work and its waiters, in order, for the next
    /// executor. Refused while a run is in flight.
    pub(crate) async fn recycle(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, k::Input::Recycle).await?.report)
    }

    /// Recovers after the loop was lost: the run in flight is forgotten and its
    /// contributors go back to the front of their lanes; the session is Idle, ready for
    /// an executor.
    pub(crate) async fn recover(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, k::Input::Recover).await?.report)
    }

    /// Destroys the session for good: pending inputs are abandoned (`Destroyed`), the
    /// executor is stopped, and every later call on the session is a `Destroyed` error.
    pub(crate) async fn destroy(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        Ok(self.control(id, k::Input::Destroy).await?.report)
    }

    /// Removes the session from the runtime: pending inputs are abandoned
    /// (`Unregistered`), waiters told, the loop ends; no queued input is applied after
    /// this begins. Concurrent callers share one result.
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
        // The loop checks this under the gate before starting a run.
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
        step.finish().await;
        Ok(step.report)
    }
}
