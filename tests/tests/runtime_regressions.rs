//! Regression tests for the runtime review findings C1 to C6 (notes/review_runtime.md).
//! Each test reproduces the reviewer's scenario and asserts the correct behaviour.

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Waker};
use std::time::Duration;
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;

/// Short enough to give up on a paused store write, long enough for it to have started.
const CALLER_PATIENCE: Duration = Duration::from_millis(50);

/// A runtime over a pausable store, with session `s` attached to a fresh scripted executor.
async fn pausable(
    s: &str,
) -> (
    Arc<SessionRuntime>,
    Arc<PausableStore>,
    SessionId,
    ScriptedExecutor,
) {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let session = sid(s);
    let exec = ScriptedExecutor::new();
    assert!(
        within(runtime.ensure_executor(&session, Arc::new(exec.clone())))
            .await
            .unwrap()
    );
    (runtime, store, session, exec)
}

/// Runs `op` until its store write is paused, then drops the caller's future.
async fn abandon_mid_write<T>(store: &PausableStore, op: impl Future<Output = T>) {
    store.pause();
    let gave_up = tokio::time::timeout(CALLER_PATIENCE, op).await.is_err();
    assert!(
        gave_up,
        "the store was paused: the operation cannot have finished"
    );
    assert_eq!(
        store.waiting(),
        1,
        "the operation's write is the one paused"
    );
    store.resume();
}

// ---- C1: an operation completes even if its caller drops the future ---------------------------

/// An accept whose caller gives up during the store write: the input ends up either fully
/// accepted (row stored, body kept, run with its body) or not at all, never in between.
async fn c1_dropped_accept() {
    let (runtime, store, s, exec) = pausable("accept").await;
    let a = iid("a");
    abandon_mid_write(&store, runtime.accept(&s, msg("a"))).await;

    // Wait until the kernel has settled on a fate for `a`: gone, or terminal.
    eventually("a is either unknown or terminal", || async {
        match runtime.input_state(&s, &a).await.unwrap() {
            None => true,
            Some(state) => state.phase.is_terminal(),
        }
    })
    .await;
    match runtime.input_state(&s, &a).await.unwrap() {
        Some(state) => {
            // Fully accepted: durable, run with its body, consumed; nobody waits for it.
            assert_eq!(state.phase, InputPhase::Consumed, "{state:?}");
            let row = store.inner.input(&s, &a).expect("the durable row of a");
            assert_eq!(row.phase, InputPhase::Consumed);
            let carried: Vec<RuntimeInput> = exec
                .primitives()
                .into_iter()
                .flat_map(|p| p.contributors)
                .filter(|c| c.id() == &a)
                .map(|c| (*c).clone())
                .collect();
            assert_eq!(carried, vec![msg("a")], "a ran once, with its body");
            assert_eq!(
                runtime.accept(&s, msg("a")).await.unwrap_err(),
                RuntimeError::Rejected(InputRejection::DuplicateId { id: a.clone() }),
                "a was accepted, so its id is taken"
            );
        }
        None => {
            // Not accepted at all: no row, never ran, and the id is free again.
            assert!(store.inner.input(&s, &a).is_none());
            assert_eq!(exec.times_applied(&a), 0);
            let again = accept(&runtime, &s, msg("a")).await;
            assert!(is_completed(&outcome(again).await));
            assert_eq!(exec.times_applied(&a), 1);
        }
    }
    // The session goes on, and no run was ever handed over without its contributors.
    let b = accept(&runtime, &s, msg("b")).await;
    assert!(is_completed(&outcome(b).await));
    assert!(
        exec.batches().iter().all(|batch| !batch.is_empty()),
        "an empty run reached the executor: {:?}",
        exec.batches()
    );
}

/// A stop or destroy whose caller gives up during the store write still abandons the
/// pending inputs, tells their waiters, detaches the loop and calls the stop hook once.
async fn c1_dropped_control(destroy: bool) {
    let (runtime, store, s, exec) = pausable(if destroy { "destroy" } else { "stop" }).await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, msg("a")).await;
    within(exec.wait_for_blocked(1)).await;
    let b = accept_quiet(&runtime, &s, msg("b")).await;

    let (reason, abandon) = if destroy {
        abandon_mid_write(&store, runtime.destroy(&s)).await;
        (TerminationReason::Destroyed, AbandonReason::Destroyed)
    } else {
        abandon_mid_write(&store, runtime.stop(&s)).await;
        (TerminationReason::Stopped, AbandonReason::Stopped)
    };

    assert_eq!(
        outcome(a).await,
        terminated(reason),
        "waiter of the running input"
    );
    assert_eq!(
        outcome(b).await,
        terminated(reason),
        "waiter of the queued input"
    );
    within(exec.wait_for_stops(1)).await;
    assert!(!runtime.has_executor(&s), "the loop was detached");
    if destroy {
        assert_eq!(
            runtime.accept(&s, msg("c")).await.unwrap_err(),
            RuntimeError::Destroyed(s.clone())
        );
        assert_eq!(
            store.inner.session(&s).and_then(|st| st.phase),
            Some(RuntimePhase::Destroyed)
        );
    } else {
        assert_eq!(phase(&runtime, &s).await, RuntimePhase::Stopped);
        // Stopping again is a no-op: the hook already ran.
        within(runtime.stop(&s)).await.unwrap();
    }
    for id in ["a", "b"] {
        let row = store.inner.input(&s, &iid(id)).expect("durable row");
        assert_eq!(row.phase, InputPhase::Abandoned, "{id}");
        assert_eq!(row.reason, Some(abandon), "{id}");
    }
    settle().await;
    assert_eq!(exec.stop_calls(), 1, "the stop hook runs exactly once");
}

#[tokio::test]
async fn c1_operations_complete_when_the_caller_drops_the_future() {
    c1_dropped_accept().await;
    c1_dropped_control(false).await;
    c1_dropped_control(true).await;
}

// ---- C2: a failed unregister leaves the session running ------------------------------------

/// Starts an unregister of `s` whose store write will fail, behind the write the paused
/// `store` holds, then lets the store go on.
async fn unregister_that_fails(
    runtime: &Arc<SessionRuntime>,
    store: &PausableStore,
    s: &SessionId,
) -> tokio::task::JoinHandle<RuntimeResult<ControlReport>> {
    store.inner.fail_next_matching(WriteKind::SessionRemoved, 1);
    let unregistering = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.unregister_session(&s).await })
    };
    settle().await;
    store.resume();
    unregistering
}

#[tokio::test]
async fn c2_a_failed_unregister_does_not_strand_the_loop() {
    let (runtime, store, s, exec) = pausable("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, msg("a")).await;
    within(exec.wait_for_blocked(1)).await;

    // Line up, behind a paused accept that holds the gate: the loop (finishing run a),
    // then an unregister whose store write will fail.
    store.pause();
    let accepting = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept(&s, msg("b")).await })
    };
    eventually("accept of b waits on the store", || async {
        store.waiting() == 1
    })
    .await;
    exec.release(1);
    settle().await;
    let unregistering = unregister_that_fails(&runtime, &store, &s).await;

    let b = within(accepting).await.unwrap().expect("b accepted");
    assert_eq!(b.outcome, AcceptOutcome::Accepted);
    let err = within(unregistering).await.unwrap().unwrap_err();
    assert!(
        matches!(err, RuntimeError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );

    // Nothing happened: the session is registered, its loop still runs every input.
    assert!(runtime.contains_session(&s));
    assert!(is_completed(&outcome(a).await), "a committed");
    assert!(
        is_completed(&outcome(b.completion.expect("a handle")).await),
        "b ran"
    );
    let c = accept(&runtime, &s, msg("c")).await;
    assert!(is_completed(&outcome(c).await), "c ran after the failure");
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Attached);
    assert!(state.has_executor, "{state:?}");

    // A failed attempt can be retried.
    within(runtime.unregister_session(&s)).await.unwrap();
    assert!(!runtime.contains_session(&s));
    assert!(store.inner.session(&s).is_none(), "rows removed");
}

/// An unregister that fails after the loop already held off its next run for it wakes the
/// loop again: work queued (without a wake) before the unregister runs with no new wake.
#[tokio::test]
async fn c2_a_failed_unregister_resumes_work_the_loop_held_off() {
    let (runtime, store, s, exec) = pausable("s").await;
    exec.push(Step::blocked(Step::Echo));
    // The loop parks first, so that it takes a's wake and none is left pending.
    settle().await;
    let a = accept(&runtime, &s, msg("a")).await;
    within(exec.wait_for_blocked(1)).await;
    // Queued without a wake: only the loop's own next step can start it.
    let b = accept_quiet(&runtime, &s, msg("b")).await;
    // The commit of run a waits on the store, holding the gate; the unregister (whose
    // store write will fail) lines up behind it, and the loop sees it coming.
    store.pause();
    exec.release(1);
    eventually("the commit of a waits on the store", || async {
        store.waiting() == 1
    })
    .await;
    let unregistering = unregister_that_fails(&runtime, &store, &s).await;
    let err = within(unregistering).await.unwrap().unwrap_err();
    assert!(
        matches!(err, RuntimeError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    assert!(is_completed(&outcome(a).await), "a committed");
    assert!(is_completed(&outcome(b).await), "b ran without a new wake");
}

// ---- C3: executor-initiated stop with a failing store write --------------------------------

#[tokio::test]
async fn c3_an_executor_stop_is_retried_until_durable() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = ScriptedExecutor::new();
    assert!(
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap()
    );
    exec.push(Step::blocked(Step::Stop));
    let a = accept(&runtime, &s, msg("a")).await;
    within(exec.wait_for_blocked(1)).await;
    // The stop's batch abandons a (InputsTerminal): refuse it a few times.
    store.fail_next_matching(WriteKind::InputsTerminal, 3);
    let failed_before = store.failed_batches();
    exec.release(1);

    assert_eq!(outcome(a).await, terminated(TerminationReason::Stopped));
    assert_eq!(
        store.failed_batches() - failed_before,
        3,
        "every injected failure was hit"
    );
    within(exec.wait_for_stops(1)).await;
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Stopped, "{state:?}");
    assert_eq!(state.run, None);
    assert!(!state.has_executor);
    let row = store.input(&s, &iid("a")).expect("durable row");
    assert_eq!(row.phase, InputPhase::Abandoned);
    assert_eq!(row.reason, Some(AbandonReason::Stopped));
    assert_eq!(
        store.session(&s).unwrap().phase,
        Some(RuntimePhase::Stopped)
    );
    assert_eq!(exec.stop_calls(), 1);

    // Attaching again revives the session.
    assert!(
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap()
    );
    let b = accept(&runtime, &s, msg("b")).await;
    assert!(is_completed(&outcome(b).await));
}

// ---- C4: unregister, recycle and recover end a drain -----------------------------------------

/// Recover of a retiring session with a run in flight: Idle, not retiring, accepts input.
async fn c4_recover() {
    let (runtime, s, exec) = attached("recover").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, msg("a")).await;
    within(exec.wait_for_blocked(1)).await;
    within(runtime.retire(&s)).await.unwrap();
    assert!(runtime.runtime_state(&s).await.unwrap().retiring);

    let report = within(runtime.recover(&s)).await.expect("recover");
    assert_eq!(report.transferred, 1);
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Idle, "{state:?}");
    assert!(!state.retiring, "{state:?}");
    assert_eq!(state.run, None);
    let b = accept(&runtime, &s, msg("b")).await;
    let next = ScriptedExecutor::new();
    assert!(
        within(runtime.ensure_executor(&s, Arc::new(next.clone())))
            .await
            .unwrap()
    );
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(&outcome(b).await));
    assert_eq!(next.batches().concat(), vec![iid("a"), iid("b")]);
}

/// Unregister of a retiring session with a run in flight succeeds and tells every waiter.
async fn c4_unregister() {
    let (runtime, s, exec) = attached("unregister").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, msg("a")).await;
    within(exec.wait_for_blocked(1)).await;
    let b = accept_quiet(&runtime, &s, msg("b")).await;
    within(runtime.retire(&s)).await.unwrap();
    assert!(runtime.runtime_state(&s).await.unwrap().retiring);

    let report = within(runtime.unregister_session(&s))
        .await
        .expect("unregister");
    assert_eq!(report.abandoned, 2);
    assert!(!runtime.contains_session(&s));
    let gone = terminated(TerminationReason::Unregistered);
    assert_eq!(outcome(a).await, gone);
    assert_eq!(outcome(b).await, gone);
}

/// Recycle of a retiring session (Attached, work still queued): Idle, not retiring, the
/// queued work kept for the next executor.
async fn c4_recycle() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("recycle");
    let exec = ScriptedExecutor::new();
    assert!(
        within(runtime.ensure_executor(&s, Arc::new(exec.clone())))
            .await
            .unwrap()
    );
    // Let the new loop make its first pass (and park) first: a loop that starts after `a`
    // is queued drains it at once.
    settle().await;
    let a = accept_quiet(&runtime, &s, msg("a")).await;
    // Hold the gate with a paused accept, and queue retire then recycle behind it: the
    // loop, woken by retire, can only take the gate after recycle.
    store.pause();
    let accepting = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept_without_wake(&s, msg("b")).await })
    };
    eventually("accept of b waits on the store", || async {
        store.waiting() == 1
    })
    .await;
    let retiring = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.retire(&s).await })
    };
    settle().await;
    let recycling = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.recycle(&s).await })
    };
    settle().await;
    store.resume();

    let b = within(accepting).await.unwrap().expect("b accepted");
    let retired = within(retiring).await.unwrap().expect("retire");
    assert_eq!(retired.drained, 2, "retire saw a and b queued");
    let report = within(recycling).await.unwrap().expect("recycle");
    assert_eq!(report.transferred, 2);
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Idle, "{state:?}");
    assert!(!state.retiring, "{state:?}");
    assert!(!state.has_executor);
    assert_eq!(exec.calls(), 0, "nothing ran on the recycled executor");

    let c = accept(&runtime, &s, msg("c")).await;
    let next = ScriptedExecutor::new();
    assert!(
        within(runtime.ensure_executor(&s, Arc::new(next.clone())))
            .await
            .unwrap()
    );
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(
        &outcome(b.completion.expect("a handle")).await
    ));
    assert!(is_completed(&outcome(c).await));
}

#[tokio::test]
async fn c4_unregister_recycle_and_recover_end_a_drain() {
    c4_recover().await;
    c4_unregister().await;
    c4_recycle().await;
}

// ---- C5: live handles are taken at attach time, outside the runtime's locks ----------------

/// What the consumer-code callbacks observed.
#[derive(Default)]
struct Probe {
    runtime: OnceLock<Weak<SessionRuntime>>,
    session: OnceLock<SessionId>,
    /// (callback, whether the session's gate and attachment lock were free).
    calls: Mutex<Vec<(&'static str, bool)>>,
}

impl Probe {
    /// Records `callback`, checking from another thread whether the runtime's locks are
    /// free. A lock held by the calling thread only delays that thread: no deadlock. The
    /// check blocks this worker thread, so it runs in `block_in_place`: a task parked in
    /// this worker's LIFO slot (e.g. the loop, just handed the gate) moves to another
    /// thread instead of keeping the gate taken until the check gives up.
    fn record(&self, callback: &'static str) {
        let free = match (
            self.runtime.get().and_then(Weak::upgrade),
            self.session.get(),
        ) {
            (Some(runtime), Some(session)) => {
                let session = session.clone();
                tokio::task::block_in_place(|| locks_free(runtime, session))
            }
            _ => true,
        };
        self.calls.lock().unwrap().push((callback, free));
    }

    fn calls(&self) -> Vec<(&'static str, bool)> {
        self.calls.lock().unwrap().clone()
    }

    fn count(&self, callback: &str) -> usize {
        self.calls().iter().filter(|(c, _)| *c == callback).count()
    }
}

/// Whether `has_executor` (the attachment lock) and `runtime_state` (the gate) go through,
/// asked from a fresh thread while the callback waits. Another task may hold the gate for a
/// moment (the loop), so the query is retried; only a lock that stays held while the
/// callback runs, i.e. one its caller holds, counts as not free.
fn locks_free(runtime: Arc<SessionRuntime>, session: SessionId) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = runtime.has_executor(&session);
        let mut query = std::pin::pin!(runtime.runtime_state(&session));
        let mut cx = Context::from_waker(Waker::noop());
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while query.as_mut().poll(&mut cx).is_pending() {
            if std::time::Instant::now() > deadline {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(1)).is_ok()
}

/// A scripted executor whose factories, handles and stop hook re-enter the runtime.
struct Reentrant {
    probe: Arc<Probe>,
    inner: ScriptedExecutor,
    factory_calls: AtomicUsize,
}

struct ProbedHandle {
    probe: Arc<Probe>,
    inner: ScriptedExecutor,
}

/// A handle's `Drop` is consumer code too: it runs when its attachment is released.
impl Drop for ProbedHandle {
    fn drop(&mut self) {
        self.probe.record("handle dropped");
    }
}

impl BoundaryCancel for ProbedHandle {
    fn cancel_after_boundary(&self, run: RunId) {
        self.probe.record("BoundaryCancel::cancel_after_boundary");
        if let Some(h) = self.inner.boundary_cancel() {
            h.cancel_after_boundary(run);
        }
    }
}

impl Interrupt for ProbedHandle {
    fn interrupt(&self, run: RunId) {
        self.probe.record("Interrupt::interrupt");
        if let Some(h) = Executor::interrupt(&self.inner) {
            h.interrupt(run);
        }
    }
}

#[async_trait::async_trait]
impl Executor for Reentrant {
    async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        self.inner.apply(run).await
    }

    async fn stop(&self, reason: StopReason) {
        self.probe.record("Executor::stop");
        self.inner.stop(reason).await;
    }

    fn boundary_cancel(&self) -> Option<Arc<dyn BoundaryCancel>> {
        self.factory_calls.fetch_add(1, Ordering::SeqCst);
        self.probe.record("Executor::boundary_cancel");
        Some(Arc::new(ProbedHandle {
            probe: self.probe.clone(),
            inner: self.inner.clone(),
        }))
    }

    fn interrupt(&self) -> Option<Arc<dyn Interrupt>> {
        self.factory_calls.fetch_add(1, Ordering::SeqCst);
        self.probe.record("Executor::interrupt");
        Some(Arc::new(ProbedHandle {
            probe: self.probe.clone(),
            inner: self.inner.clone(),
        }))
    }
}

/// A runtime, session `s`, and a probed executor for it (not attached yet).
fn probed() -> (Arc<SessionRuntime>, SessionId, Arc<Probe>, Arc<Reentrant>) {
    let runtime = Arc::new(SessionRuntime::new());
    let s = sid("s");
    let probe = Arc::new(Probe::default());
    probe.runtime.set(Arc::downgrade(&runtime)).unwrap();
    probe.session.set(s.clone()).unwrap();
    let executor = Arc::new(Reentrant {
        probe: probe.clone(),
        inner: ScriptedExecutor::new(),
        factory_calls: AtomicUsize::new(0),
    });
    (runtime, s, probe, executor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c5_consumer_callbacks_run_outside_the_runtime_locks() {
    let (runtime, s, probe, executor) = probed();
    let inner = executor.inner.clone();
    inner.push_all([Step::blocked(Step::Echo), Step::blocked(Step::Echo)]);
    assert!(
        within(runtime.ensure_executor(&s, executor.clone()))
            .await
            .unwrap()
    );
    assert_eq!(
        executor.factory_calls.load(Ordering::SeqCst),
        2,
        "both handles are taken when the executor is attached: {:?}",
        probe.calls()
    );

    let a = accept(&runtime, &s, prompt("a")).await;
    within(inner.wait_for_blocked(1)).await;
    assert!(within(runtime.cancel_after_boundary(&s)).await.unwrap());
    assert_eq!(outcome(a).await, CompletionOutcome::Cancelled);

    let b = accept(&runtime, &s, prompt("b")).await;
    within(inner.wait_for_blocked(1)).await;
    let run = current_run(&runtime, &s).await;
    assert!(within(runtime.interrupt(&s, run)).await.unwrap());
    assert_eq!(outcome(b).await, CompletionOutcome::Cancelled);

    within(runtime.stop(&s)).await.unwrap();
    within(inner.wait_for_stops(1)).await;

    assert_eq!(
        executor.factory_calls.load(Ordering::SeqCst),
        2,
        "no handle is taken again at dispatch: {:?}",
        probe.calls()
    );
    assert_eq!(probe.count("BoundaryCancel::cancel_after_boundary"), 1);
    assert_eq!(probe.count("Interrupt::interrupt"), 1);
    assert_eq!(probe.count("Executor::stop"), 1);
    assert_eq!(probe.count("handle dropped"), 2, "{:?}", probe.calls());
    let under_lock: Vec<_> = probe
        .calls()
        .into_iter()
        .filter(|(_, free)| !free)
        .collect();
    assert!(
        under_lock.is_empty(),
        "consumer code called under the gate or the attachment lock: {under_lock:?}"
    );
}

/// A session that retires through its loop releases the loop's attachment (and with it
/// the executor's handles, consumer code) after the gate, like every other release.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_that_retires_releases_its_handles_outside_the_runtime_locks() {
    let (runtime, s, probe, executor) = probed();
    let inner = executor.inner.clone();
    inner.push(Step::blocked(Step::Echo));
    within(runtime.ensure_executor(&s, executor)).await.unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    within(inner.wait_for_blocked(1)).await;
    // With a run in flight the loop itself retires the session once the run is done.
    within(runtime.retire(&s)).await.unwrap();
    inner.release(1);
    assert!(is_completed(&outcome(a).await));
    eventually("the session retired", || async {
        runtime.runtime_state(&s).await.unwrap().phase == RuntimePhase::Retired
    })
    .await;
    eventually("both handles were dropped", || async {
        probe.count("handle dropped") == 2
    })
    .await;
    assert!(
        probe.calls().iter().all(|(_, free)| *free),
        "consumer code called under the gate or the attachment lock: {:?}",
        probe.calls()
    );
}

/// An executor offered to a session that already has a loop is not used: its live handles
/// (consumer code in their `Drop`) go after the gate is released, like a detached
/// attachment's, not with the gate still held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unused_executor_is_dropped_outside_the_runtime_locks() {
    let (runtime, s, probe, executor) = probed();
    within(runtime.ensure_executor(&s, Arc::new(ScriptedExecutor::new())))
        .await
        .unwrap();
    assert!(
        !within(runtime.ensure_executor(&s, executor)).await.unwrap(),
        "a loop was already attached"
    );
    assert_eq!(probe.count("handle dropped"), 2, "{:?}", probe.calls());
    assert!(
        probe.calls().iter().all(|(_, free)| *free),
        "consumer code called under the gate or the attachment lock: {:?}",
        probe.calls()
    );
}

/// An unused executor whose `Drop` panics is logged like any consumer callback: the
/// caller gets the attach's answer, and the session carries on.
#[tokio::test]
async fn an_unused_executor_whose_drop_panics_does_not_fail_the_attach() {
    struct PanicsOnDrop;
    #[async_trait::async_trait]
    impl Executor for PanicsOnDrop {
        async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
            Ok(RunOutput::default())
        }
    }
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("an executor whose Drop panics");
        }
    }
    let (runtime, s, _exec) = attached("s").await;
    let attach = tokio::spawn({
        let (runtime, s) = (runtime.clone(), s.clone());
        async move { runtime.ensure_executor(&s, Arc::new(PanicsOnDrop)).await }
    });
    assert_eq!(
        within(attach).await.expect("no panic reaches the caller"),
        Ok(false)
    );
    let done = accept(&runtime, &s, prompt("a")).await;
    assert!(is_completed(&outcome(done).await));
}

// ---- C6: Destroyed is reported only once the destroy is durable ----------------------------

/// Starts a destroy whose store write is paused (it holds the gate), and an accept behind it.
async fn destroy_with_accept_behind(
    runtime: &Arc<SessionRuntime>,
    store: &Arc<PausableStore>,
    s: &SessionId,
) -> (
    tokio::task::JoinHandle<RuntimeResult<ControlReport>>,
    tokio::task::JoinHandle<RuntimeResult<Acceptance>>,
) {
    store.pause();
    let destroying = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.destroy(&s).await })
    };
    eventually("destroy waits on the store", || async {
        store.waiting() == 1
    })
    .await;
    let accepting = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept(&s, msg("x")).await })
    };
    settle().await;
    if accepting.is_finished() {
        let early = within(accepting).await.unwrap().map(|a| a.outcome);
        panic!("accept answered while the destroy was not durable yet: {early:?}");
    }
    (destroying, accepting)
}

#[tokio::test]
async fn c6_destroyed_is_visible_only_after_the_destroy_is_durable() {
    // The destroy fails: the session was never destroyed, and the accept goes through.
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("survives");
    runtime.register_session(&s).await.unwrap();
    let (destroying, accepting) = destroy_with_accept_behind(&runtime, &store, &s).await;
    store.inner.fail_next_writes(1);
    store.resume();
    let err = within(destroying).await.unwrap().unwrap_err();
    assert!(
        matches!(err, RuntimeError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    let accepted = within(accepting).await.unwrap().expect("x accepted");
    assert_eq!(accepted.outcome, AcceptOutcome::Accepted);
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Idle);
    assert_eq!(
        store.inner.input(&s, &iid("x")).map(|r| r.phase),
        Some(InputPhase::Queued)
    );

    // The destroy succeeds: the accept behind it learns Destroyed, after the fact.
    let s = sid("destroyed");
    runtime.register_session(&s).await.unwrap();
    let (destroying, accepting) = destroy_with_accept_behind(&runtime, &store, &s).await;
    store.resume();
    within(destroying).await.unwrap().expect("destroy");
    assert_eq!(
        within(accepting).await.unwrap().unwrap_err(),
        RuntimeError::Destroyed(s.clone())
    );
    assert_eq!(
        store.inner.session(&s).and_then(|st| st.phase),
        Some(RuntimePhase::Destroyed)
    );
}

// ---- C7: a call kept without being polled never holds the gate -------------------------------

/// Polls `f` exactly once.
async fn poll_once<F: std::future::Future + Unpin>(f: &mut F) {
    tokio::select! {
        biased;
        _ = f => panic!("expected the call to wait for the gate"),
        _ = std::future::ready(()) => {}
    }
}

/// A caller may start a call, let it queue on the gate, and then not poll it for a while (a
/// `buffered` stream waiting on an earlier completion, a `select!` arm). When the gate is
/// handed to that call, the session must go on without the caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c7_calls_kept_without_polling_do_not_hold_the_gate() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    // Hold the gate: an accept whose store write is paused.
    store.pause();
    let holder = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept(&s, msg("first")).await })
    };
    eventually("the first accept holds the gate", || async {
        store.waiting() == 1
    })
    .await;
    // Two calls queue on the gate and are then left alone.
    let mut kept_accept = Box::pin(runtime.accept(&s, msg("kept")));
    poll_once(&mut kept_accept).await;
    let mut kept_query = Box::pin(runtime.runtime_state(&s));
    poll_once(&mut kept_query).await;
    store.resume();
    within(holder).await.unwrap().expect("first accepted");
    // The gate passes through both kept calls without them being polled.
    let later = within(runtime.accept(&s, msg("later"))).await.unwrap();
    assert_eq!(later.outcome, AcceptOutcome::Accepted);
    // The kept accept finishes on its own task; accepts made at once land in no set
    // order, so it may still be on its way.
    eventually("first, kept and later are queued", || async {
        runtime.runtime_state(&s).await.unwrap().queued == 3
    })
    .await;
    // The kept calls still deliver their results when finally polled.
    let kept = within(kept_accept).await.expect("kept accepted");
    assert_eq!(kept.outcome, AcceptOutcome::Accepted);
    assert!(within(kept_query).await.is_ok());
}

/// A run lost to `recover` on its contributor's last allowed attempt: the input is
/// abandoned (attempts exhausted), not queued for a fourth run the kernel would refuse,
/// which left it queued for good and stalled every input behind it.
#[tokio::test]
async fn recovering_a_run_on_its_last_attempt_abandons_its_input() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let first = ScriptedExecutor::with_responder(|run| {
        if run.attempt < 3 {
            Step::fail("boom")
        } else {
            Step::blocked(Step::Echo)
        }
    });
    runtime
        .ensure_executor(&s, Arc::new(first.clone()))
        .await
        .unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    within(first.wait_for_blocked(1)).await;

    let report = within(runtime.recover(&s)).await.expect("recover");
    assert_eq!((report.abandoned, report.transferred), (1, 0));
    assert_eq!(
        outcome(a).await,
        CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("boom".into())
        }
    );
    let row = store.input(&s, &iid("a")).expect("a durable row");
    assert_eq!(
        (row.phase, row.reason),
        (
            InputPhase::Abandoned,
            Some(AbandonReason::MaxAttemptsExhausted)
        )
    );

    // The session goes on with the next executor.
    let next = attach(&runtime, &s).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    assert!(is_completed(&outcome(b).await));
    assert_eq!(next.batches(), vec![vec![iid("b")]]);
    first.release_all();
}

/// A control operation that waited for the gate behind a registration whose write then
/// failed finds no session: it writes nothing, and the id can be registered again (found
/// by review helper-47; `destroy` used to write a `Destroyed` session into the store that
/// the runtime no longer had, and every later registration of the id was a conflict).
#[tokio::test]
async fn operations_queued_behind_a_failed_registration_find_no_session() {
    for unregister in [false, true] {
        let (runtime, store) = runtime_with_store();
        let s = sid("s");
        // The registration's write is lost, and settling it waits with the gate held (its
        // first look at the store fails, the next one finds the write not applied).
        store.lose_next_writes(1);
        store.fail_next_loads(1);
        let registering = {
            let (runtime, s) = (runtime.clone(), s.clone());
            tokio::spawn(async move { runtime.register_session(&s).await })
        };
        eventually("the registration holds the gate", || async {
            store.failed_batches() == 1
        })
        .await;
        assert!(runtime.contains_session(&s), "looked up while registering");
        let result = if unregister {
            runtime.unregister_session(&s).await.map(drop)
        } else {
            runtime.destroy(&s).await.map(drop)
        };
        assert!(within(registering).await.unwrap().is_err());
        assert_eq!(result, Err(RuntimeError::UnknownSession(s.clone())));
        assert!(!runtime.contains_session(&s));
        assert_eq!(store.session(&s), None, "nothing written for it");
        assert_eq!(runtime.register_session(&s).await, Ok(true));
        assert_eq!(store.conflicts(), 0);
    }
}

/// An accept or a query that waited for the gate while the session was unregistered is
/// told the session is unknown (it can be registered again), not that it is destroyed.
#[tokio::test]
async fn calls_queued_behind_an_unregister_find_the_session_unknown() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    store.pause();
    let unregistering = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.unregister_session(&s).await })
    };
    eventually("the unregister's write waits", || async {
        store.waiting() == 1
    })
    .await;
    let accepting = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept(&s, prompt("a")).await.map(drop) })
    };
    let querying = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.runtime_state(&s).await.map(drop) })
    };
    // A registration queued behind the unregister starts over: it registers the id anew.
    let registering = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.register_session(&s).await })
    };
    settle().await;
    store.resume();
    within(unregistering).await.unwrap().unwrap();
    let unknown = Err(RuntimeError::UnknownSession(s.clone()));
    assert_eq!(within(accepting).await.unwrap(), unknown);
    assert_eq!(within(querying).await.unwrap(), unknown);
    assert_eq!(within(registering).await.unwrap(), Ok(true));
    assert!(runtime.contains_session(&s));
}

/// An `ensure_executor` that waited for the gate behind an unregister starts over as
/// documented: it registers the id anew and attaches, rather than answering
/// `UnknownSession` (found by helper-69, when the attach took the gate twice and an
/// unregister could come between its registration and its attach; it now takes it once).
#[tokio::test]
async fn an_attach_queued_behind_an_unregister_starts_over() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    // An accept holds the gate (its write is paused); the unregister queues behind it,
    // and the attach behind that.
    store.pause();
    let accepting = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept(&s, prompt("a")).await.map(drop) })
    };
    eventually("the accept's write waits", || async {
        store.waiting() == 1
    })
    .await;
    let unregistering = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.unregister_session(&s).await })
    };
    settle().await;
    let exec = ScriptedExecutor::new();
    let attaching = {
        let (runtime, s, exec) = (runtime.clone(), s.clone(), exec.clone());
        tokio::spawn(async move { runtime.ensure_executor(&s, Arc::new(exec)).await })
    };
    settle().await;
    store.resume();
    within(accepting).await.unwrap().unwrap();
    within(unregistering).await.unwrap().unwrap();
    assert_eq!(within(attaching).await.unwrap(), Ok(true));
    assert!(runtime.has_executor(&s), "attached to the new session");
    let done = accept(&runtime, &s, prompt("b")).await;
    assert!(is_completed(&outcome(done).await));
    assert_eq!(exec.calls(), 1);
}
