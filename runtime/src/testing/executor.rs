//! The scriptable executor (described in the parent module).

use crate::executor::{
    BoundaryCancel, Executor, ExecutorError, Interrupt, RunOutput, RunPrimitive, StopReason,
};
use crate::types::{InputId, RunId};
use async_trait::async_trait;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;

/// What one `apply` call does.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Return `Ok` with output text `"<session>:<run>:<id>,<id>..."` (the contributors' ids).
    Echo,
    /// Return this output.
    Succeed(RunOutput),
    /// Return `ExecutorError::Failed` with this message.
    Fail(String),
    /// Return `ExecutorError::Cancelled`.
    Cancel,
    /// Return `ExecutorError::Stopped`.
    Stop,
    /// Wait for a release (or a cancel/interrupt/stop of this run), then do the inner step.
    Block(Box<Step>),
}

impl Step {
    /// Shorthand for `Step::Block(Box::new(step))`.
    pub fn blocked(step: Step) -> Self {
        Self::Block(Box::new(step))
    }

    /// Shorthand for `Step::Fail(message.into())`.
    pub fn fail(message: impl Into<String>) -> Self {
        Self::Fail(message.into())
    }
}

type Responder = dyn Fn(&RunPrimitive) -> Step + Send + Sync;

struct State {
    script: VecDeque<Step>,
    seen: Vec<RunPrimitive>,
    /// The reason of every stop hook call, in order.
    stops: Vec<StopReason>,
    interrupts: Vec<RunId>,
    boundary_cancels: Vec<RunId>,
    /// Runs whose blocked calls must return `Cancelled`.
    cancelled_runs: HashSet<RunId>,
    /// Release permits not yet taken by a blocked call.
    permits: usize,
    /// Calls currently parked at a block point.
    blocked: usize,
    /// Bumped by every `stop`; a blocked call that saw an older value returns `Stopped`.
    stop_epoch: u64,
    /// How long a `wait_for_*` waits before it panics.
    wait_limit: Duration,
}

struct Shared {
    state: Mutex<State>,
    /// Woken on every state change that a parked call or an observer may wait for.
    changed: Notify,
    responder: Box<Responder>,
    live_handles: bool,
}

/// Scriptable executor with call recording and live cancel/interrupt handles.
///
/// Like any [`Executor`], one instance serves one session. Clones share everything (the
/// script, the records, the stop and cancel state), so attaching clones of one instance to
/// two sessions would let a stop or a cancel of one reach the other's runs: give each
/// session its own. Re-attaching the same instance to one session (after a stop, or after
/// the session was unregistered and registered again) is fine.
#[derive(Clone)]
pub struct ScriptedExecutor {
    shared: Arc<Shared>,
}

impl fmt::Debug for ScriptedExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("ScriptedExecutor")
            .field("calls", &state.seen.len())
            .field("scripted", &state.script.len())
            .field("blocked", &state.blocked)
            .field("stops", &state.stops)
            .finish()
    }
}

impl Default for ScriptedExecutor {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedExecutor {
    /// Echoes every call unless scripted otherwise; offers live handles.
    pub fn new() -> Self {
        Self::with_responder(|_| Step::Echo)
    }

    /// Uses `responder` for every call the script does not cover (e.g. a seeded random
    /// outcome in a property test).
    pub fn with_responder(
        responder: impl Fn(&RunPrimitive) -> Step + Send + Sync + 'static,
    ) -> Self {
        Self::build(Box::new(responder), true)
    }

    /// Like `new`, but `boundary_cancel()` and `interrupt()` return `None`, for testing the
    /// runtime's behaviour with executors that offer no live handles.
    pub fn without_live_handles() -> Self {
        Self::build(Box::new(|_| Step::Echo), false)
    }

    fn build(responder: Box<Responder>, live_handles: bool) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    script: VecDeque::new(),
                    seen: Vec::new(),
                    stops: Vec::new(),
                    interrupts: Vec::new(),
                    boundary_cancels: Vec::new(),
                    cancelled_runs: HashSet::new(),
                    permits: 0,
                    blocked: 0,
                    stop_epoch: 0,
                    wait_limit: Self::DEFAULT_WAIT_LIMIT,
                }),
                changed: Notify::new(),
                responder,
                live_handles,
            }),
        }
    }

    /// Appends one step to the script.
    pub fn push(&self, step: Step) -> &Self {
        self.state().script.push_back(step);
        self
    }

    /// Appends several steps to the script.
    pub fn push_all(&self, steps: impl IntoIterator<Item = Step>) -> &Self {
        self.state().script.extend(steps);
        self
    }

    /// Lets `n` blocked calls (current or future) proceed.
    pub fn release(&self, n: usize) {
        self.state().permits += n;
        self.shared.changed.notify_waiters();
    }

    /// Lets every currently blocked call proceed.
    pub fn release_all(&self) {
        {
            let mut state = self.state();
            state.permits = state.permits.max(state.blocked);
        }
        self.shared.changed.notify_waiters();
    }

    /// Number of `apply` calls so far.
    pub fn calls(&self) -> usize {
        self.state().seen.len()
    }

    /// Every primitive seen, in call order.
    pub fn primitives(&self) -> Vec<RunPrimitive> {
        self.state().seen.clone()
    }

    /// Contributor ids of every call, in call order.
    pub fn batches(&self) -> Vec<Vec<InputId>> {
        self.state()
            .seen
            .iter()
            .map(|p| p.contributors.iter().map(|c| c.id().clone()).collect())
            .collect()
    }

    /// How often `id` was handed to the executor (attempts that reached it).
    pub fn times_applied(&self, id: &InputId) -> usize {
        self.state()
            .seen
            .iter()
            .flat_map(|p| &p.contributors)
            .filter(|c| c.id() == id)
            .count()
    }

    /// How many times the executor's stop hook was called.
    pub fn stop_calls(&self) -> usize {
        self.state().stops.len()
    }

    /// The reason of every stop hook call, in order.
    pub fn stop_reasons(&self) -> Vec<StopReason> {
        self.state().stops.clone()
    }

    /// Runs passed to the interrupt handle, in order.
    pub fn interrupts(&self) -> Vec<RunId> {
        self.state().interrupts.clone()
    }

    /// Runs passed to the boundary-cancel handle, in order.
    pub fn boundary_cancels(&self) -> Vec<RunId> {
        self.state().boundary_cancels.clone()
    }

    /// Calls currently parked at a block point.
    pub fn blocked(&self) -> usize {
        self.state().blocked
    }

    /// How long the `wait_for_*` methods wait before they panic, unless changed with
    /// `set_wait_limit`: a test still waiting after this long is stuck (a wrong count, a
    /// run that never comes), not slow.
    pub const DEFAULT_WAIT_LIMIT: Duration = Duration::from_secs(10);

    /// Changes how long the `wait_for_*` methods wait before they panic.
    pub fn set_wait_limit(&self, limit: Duration) {
        self.state().wait_limit = limit;
    }

    /// Waits until at least `n` calls were made. Panics after the wait limit.
    pub async fn wait_for_calls(&self, n: usize) {
        self.wait_until(&format!("{n} calls"), |s| s.seen.len() >= n)
            .await;
    }

    /// Waits until at least `n` calls are parked at a block point. Panics after the wait
    /// limit.
    pub async fn wait_for_blocked(&self, n: usize) {
        self.wait_until(&format!("{n} blocked calls"), |s| s.blocked >= n)
            .await;
    }

    /// Waits until `stop` was called at least `n` times. Panics after the wait limit.
    pub async fn wait_for_stops(&self, n: usize) {
        self.wait_until(&format!("{n} stop calls"), |s| s.stops.len() >= n)
            .await;
    }

    async fn wait_until(&self, what: &str, done: impl Fn(&State) -> bool) {
        let limit = self.state().wait_limit;
        let waiting = async {
            loop {
                // Created before the check: `notify_waiters` reaches a `Notified` from
                // creation on, so a change between the check and the await is not missed.
                let notified = self.shared.changed.notified();
                if done(&self.state()) {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(limit, waiting).await.is_err() {
            let state = self.state();
            panic!(
                "ScriptedExecutor: waited {limit:?} for {what}; there were {} calls, {} blocked, {} stop calls",
                state.seen.len(),
                state.blocked,
                state.stops.len()
            );
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // No code path panics while holding the lock with state half-updated.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cancel_run(&self, run: RunId, record: impl FnOnce(&mut State)) {
        {
            let mut state = self.state();
            record(&mut state);
            state.cancelled_runs.insert(run);
        }
        self.shared.changed.notify_waiters();
    }

    /// Parks until released (Ok), cancelled or stopped (the error to return).
    async fn park(&self, run: RunId) -> Result<(), ExecutorError> {
        let entry_epoch = {
            let mut state = self.state();
            state.blocked += 1;
            state.stop_epoch
        };
        self.shared.changed.notify_waiters();
        let result = loop {
            let notified = self.shared.changed.notified();
            {
                let mut state = self.state();
                if state.stop_epoch != entry_epoch {
                    break Err(ExecutorError::Stopped);
                }
                if state.cancelled_runs.contains(&run) {
                    break Err(ExecutorError::Cancelled);
                }
                if state.permits > 0 {
                    state.permits -= 1;
                    break Ok(());
                }
            }
            notified.await;
        };
        self.state().blocked -= 1;
        self.shared.changed.notify_waiters();
        result
    }

    /// Waits at each block point of `step`, then does what it ends with.
    async fn perform(
        &self,
        mut step: &Step,
        run: &RunPrimitive,
    ) -> Result<RunOutput, ExecutorError> {
        while let Step::Block(inner) = step {
            self.park(run.run).await?;
            step = inner;
        }
        self.act(step, run)
    }

    fn act(&self, step: &Step, run: &RunPrimitive) -> Result<RunOutput, ExecutorError> {
        match step {
            Step::Echo => Ok(RunOutput::text(echo_text(run))),
            Step::Succeed(output) => Ok(output.clone()),
            Step::Fail(message) => Err(ExecutorError::Failed(message.clone())),
            Step::Cancel => Err(ExecutorError::Cancelled),
            Step::Stop => Err(ExecutorError::Stopped),
            // Reached only for nested blocks after the outer one was released.
            Step::Block(inner) => self.act(inner, run),
        }
    }
}

fn echo_text(run: &RunPrimitive) -> String {
    let ids: Vec<&str> = run.contributors.iter().map(|c| c.id().as_str()).collect();
    format!("{}:{}:{}", run.session, run.run.0, ids.join(","))
}

#[async_trait]
impl Executor for ScriptedExecutor {
    async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        let step = {
            let mut state = self.state();
            state.seen.push(run.clone());
            state.script.pop_front()
        };
        // The responder runs outside the lock so it may inspect this executor.
        let step = step.unwrap_or_else(|| (self.shared.responder)(&run));
        self.shared.changed.notify_waiters();
        let result = self.perform(&step, &run).await;
        // A cancel counts for the run it names only: run ids start again at 1 when the
        // session is registered anew, and a remembered cancel would end that run at once.
        self.state()
            .cancelled_runs
            .retain(|cancelled| *cancelled > run.run);
        result
    }

    async fn stop(&self, reason: StopReason) {
        {
            let mut state = self.state();
            state.stops.push(reason);
            state.stop_epoch += 1;
            // Every run of this attachment is over: a cancel that came after its run's
            // call returned must not reach a run of the next attachment.
            state.cancelled_runs.clear();
        }
        self.shared.changed.notify_waiters();
    }

    fn boundary_cancel(&self) -> Option<Arc<dyn BoundaryCancel>> {
        self.shared
            .live_handles
            .then(|| Arc::new(LiveHandle(self.clone())) as Arc<dyn BoundaryCancel>)
    }

    fn interrupt(&self) -> Option<Arc<dyn Interrupt>> {
        self.shared
            .live_handles
            .then(|| Arc::new(LiveHandle(self.clone())) as Arc<dyn Interrupt>)
    }
}

/// The live handles; a separate type so `ScriptedExecutor::interrupt()` stays unambiguous.
struct LiveHandle(ScriptedExecutor);

impl BoundaryCancel for LiveHandle {
    fn cancel_after_boundary(&self, run: RunId) {
        self.0.cancel_run(run, |s| s.boundary_cancels.push(run));
    }
}

impl Interrupt for LiveHandle {
    fn interrupt(&self, run: RunId) {
        self.0.cancel_run(run, |s| s.interrupts.push(run));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::RunBoundary;
    use crate::input::RuntimeInput;
    use std::time::Duration;

    fn primitive(run: u64, ids: &[&str]) -> RunPrimitive {
        RunPrimitive {
            session: "s".into(),
            run: RunId(run),
            contributors: ids
                .iter()
                .map(|i| Arc::new(RuntimeInput::peer_message(*i, "peer", "m")))
                .collect(),
            boundary: RunBoundary::Batch,
            attempt: 1,
        }
    }

    async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(5), f)
            .await
            .expect("did not finish in time")
    }

    /// A cancel that arrives after its run's call returned (the loop had not yet told the
    /// kernel) is dropped with the attachment's stop: a re-registered session's run of
    /// the same id is not cancelled for it.
    #[tokio::test]
    async fn a_late_cancel_does_not_outlive_the_stop() {
        let exec = ScriptedExecutor::new();
        assert!(exec.apply(primitive(2, &["a"])).await.is_ok());
        exec.boundary_cancel()
            .expect("live handle")
            .cancel_after_boundary(RunId(2));
        exec.stop(StopReason::Unregistered).await;
        exec.push(Step::blocked(Step::Echo));
        let call = tokio::spawn({
            let exec = exec.clone();
            async move { exec.apply(primitive(2, &["b"])).await }
        });
        exec.wait_for_blocked(1).await;
        exec.release(1);
        assert!(within(call).await.unwrap().is_ok());
    }

    #[tokio::test]
    #[should_panic(
        expected = "ScriptedExecutor: waited 20ms for 2 calls; there were 0 calls, 0 blocked, 0 stop calls"
    )]
    async fn a_wait_that_never_ends_panics_with_the_counts() {
        let exec = ScriptedExecutor::new();
        exec.set_wait_limit(Duration::from_millis(20));
        exec.wait_for_calls(2).await;
    }

    #[tokio::test]
    async fn follows_the_script_then_the_responder() {
        let exec = ScriptedExecutor::new();
        exec.push(Step::fail("boom"))
            .push(Step::Succeed(RunOutput::text("fixed")))
            .push_all([Step::Cancel, Step::Stop]);
        assert_eq!(
            exec.apply(primitive(1, &["a"])).await,
            Err(ExecutorError::Failed("boom".into()))
        );
        assert_eq!(
            exec.apply(primitive(2, &["a"])).await,
            Ok(RunOutput::text("fixed"))
        );
        assert_eq!(
            exec.apply(primitive(3, &["b"])).await,
            Err(ExecutorError::Cancelled)
        );
        assert_eq!(
            exec.apply(primitive(4, &["c"])).await,
            Err(ExecutorError::Stopped)
        );
        // Script exhausted: echo.
        assert_eq!(
            exec.apply(primitive(5, &["d", "e"])).await,
            Ok(RunOutput::text("s:5:d,e"))
        );
        assert_eq!(exec.calls(), 5);
        assert_eq!(exec.times_applied(&"a".into()), 2);
        assert_eq!(
            exec.batches()[4],
            vec![InputId::from("d"), InputId::from("e")]
        );
        assert_eq!(exec.primitives()[2].run, RunId(3));
    }

    #[tokio::test]
    async fn responder_decides_unscripted_calls() {
        let exec = ScriptedExecutor::with_responder(|p| {
            if p.run.0 % 2 == 0 {
                Step::fail("even")
            } else {
                Step::Echo
            }
        });
        assert!(exec.apply(primitive(1, &["a"])).await.is_ok());
        assert!(exec.apply(primitive(2, &["a"])).await.is_err());
    }

    #[tokio::test]
    async fn blocked_call_waits_for_release() {
        let exec = ScriptedExecutor::new();
        exec.push(Step::blocked(Step::Echo));
        let task = tokio::spawn({
            let exec = exec.clone();
            async move { exec.apply(primitive(1, &["a"])).await }
        });
        within(exec.wait_for_blocked(1)).await;
        assert_eq!(exec.calls(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!task.is_finished(), "must stay parked until released");
        exec.release(1);
        assert_eq!(within(task).await.unwrap(), Ok(RunOutput::text("s:1:a")));
        assert_eq!(exec.blocked(), 0);
    }

    #[tokio::test]
    async fn release_before_block_is_kept_as_a_permit() {
        let exec = ScriptedExecutor::new();
        exec.release(1);
        exec.push(Step::blocked(Step::fail("after")));
        assert_eq!(
            within(exec.apply(primitive(1, &["a"]))).await,
            Err(ExecutorError::Failed("after".into()))
        );
    }

    #[tokio::test]
    async fn release_all_frees_every_parked_call() {
        let exec = ScriptedExecutor::with_responder(|_| Step::blocked(Step::Echo));
        let tasks: Vec<_> = (1..=3)
            .map(|run| {
                let exec = exec.clone();
                tokio::spawn(async move { exec.apply(primitive(run, &["x"])).await })
            })
            .collect();
        within(exec.wait_for_blocked(3)).await;
        exec.release_all();
        for t in tasks {
            assert!(within(t).await.unwrap().is_ok());
        }
    }

    #[tokio::test]
    async fn interrupt_cancels_only_the_named_run() {
        let exec = ScriptedExecutor::with_responder(|_| Step::blocked(Step::Echo));
        let handle = exec.interrupt().expect("live handle");
        let one = tokio::spawn({
            let exec = exec.clone();
            async move { exec.apply(primitive(1, &["a"])).await }
        });
        let two = tokio::spawn({
            let exec = exec.clone();
            async move { exec.apply(primitive(2, &["b"])).await }
        });
        within(exec.wait_for_blocked(2)).await;
        handle.interrupt(RunId(1));
        assert_eq!(within(one).await.unwrap(), Err(ExecutorError::Cancelled));
        assert_eq!(exec.blocked(), 1, "run 2 is still parked");
        assert_eq!(exec.interrupts(), vec![RunId(1)]);
        exec.release(1);
        assert!(within(two).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn boundary_cancel_cancels_a_blocked_run_even_if_sent_first() {
        let exec = ScriptedExecutor::new();
        let handle = exec.boundary_cancel().expect("live handle");
        // Sent before the call reaches its block point: still honoured there.
        handle.cancel_after_boundary(RunId(7));
        exec.push(Step::blocked(Step::Echo));
        assert_eq!(
            within(exec.apply(primitive(7, &["a"]))).await,
            Err(ExecutorError::Cancelled)
        );
        // A non-blocking step completes as scripted despite the recorded cancel.
        assert!(exec.apply(primitive(7, &["b"])).await.is_ok());
        assert_eq!(exec.boundary_cancels(), vec![RunId(7)]);
        assert!(exec.interrupts().is_empty());
    }

    #[tokio::test]
    async fn stop_counts_and_ends_parked_calls() {
        let exec = ScriptedExecutor::with_responder(|_| Step::blocked(Step::Echo));
        let task = tokio::spawn({
            let exec = exec.clone();
            async move { exec.apply(primitive(1, &["a"])).await }
        });
        within(exec.wait_for_blocked(1)).await;
        exec.stop(StopReason::Stopped).await;
        assert_eq!(within(task).await.unwrap(), Err(ExecutorError::Stopped));
        assert_eq!(exec.stop_calls(), 1);
        within(exec.wait_for_stops(1)).await;
        // Calls after the stop (a revived session) park normally again.
        let later = tokio::spawn({
            let exec = exec.clone();
            async move { exec.apply(primitive(2, &["b"])).await }
        });
        within(exec.wait_for_blocked(1)).await;
        exec.release(1);
        assert!(within(later).await.unwrap().is_ok());
        exec.stop(StopReason::Shutdown).await;
        assert_eq!(exec.stop_calls(), 2);
        assert_eq!(
            exec.stop_reasons(),
            [StopReason::Stopped, StopReason::Shutdown]
        );
    }

    #[tokio::test]
    async fn handles_can_be_withheld() {
        let exec = ScriptedExecutor::without_live_handles();
        assert!(exec.boundary_cancel().is_none());
        assert!(exec.interrupt().is_none());
        assert!(exec.apply(primitive(1, &["a"])).await.is_ok());
    }

    #[tokio::test]
    async fn works_as_a_trait_object() {
        let exec = ScriptedExecutor::new();
        let dynamic: Arc<dyn Executor> = Arc::new(exec.clone());
        dynamic.apply(primitive(1, &["a"])).await.unwrap();
        within(exec.wait_for_calls(1)).await;
        assert_eq!(exec.calls(), 1);
    }
}
