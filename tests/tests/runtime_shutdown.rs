//! Ending a whole runtime: `shutdown`, and dropping every handle. Both tell every waiter
//! at once (even with a run in flight), call each attached executor's stop hook, and
//! write nothing, so a durable store keeps the work as it was.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;

/// An executor that ignores its stop hook (only counts it): a run ends only when the test
/// says so, which shows that nothing waits for it.
#[derive(Clone, Default)]
struct Stubborn {
    release: Arc<tokio::sync::Notify>,
    started: Arc<tokio::sync::Notify>,
    stops: Arc<std::sync::Mutex<Vec<StopReason>>>,
}

#[async_trait]
impl Executor for Stubborn {
    async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        self.started.notify_one();
        self.release.notified().await;
        Ok(RunOutput::default())
    }

    async fn stop(&self, reason: StopReason) {
        self.stops.lock().unwrap().push(reason);
    }
}

impl Stubborn {
    fn stops(&self) -> usize {
        self.stops.lock().unwrap().len()
    }

    fn stop_reasons(&self) -> Vec<StopReason> {
        self.stops.lock().unwrap().clone()
    }
}

/// Session `s` with a run in flight (`a`) that only the test can end, and a queued input
/// (`b`) behind it.
async fn busy(
    runtime: &SessionRuntime,
    s: &SessionId,
) -> (Stubborn, CompletionHandle, CompletionHandle) {
    let exec = Stubborn::default();
    runtime
        .ensure_executor(s, Arc::new(exec.clone()))
        .await
        .unwrap();
    let a = accept(runtime, s, prompt("a")).await;
    within(exec.started.notified()).await;
    let b = accept(runtime, s, prompt("b")).await;
    (exec, a, b)
}

#[tokio::test]
async fn shutdown_tells_every_waiter_at_once_and_writes_nothing() {
    let (runtime, store) = runtime_with_store();
    let (s, idle, waiting) = (sid("s"), sid("idle"), sid("waiting"));
    let (exec, a, b) = busy(&runtime, &s).await;
    // Attached with nothing to do, and registered with an input but no executor.
    let idle_exec = attach(&runtime, &idle).await;
    runtime.register_session(&waiting).await.unwrap();
    let queued = accept(&runtime, &waiting, prompt("q")).await;
    let batches = store.committed_batches();

    within(runtime.shutdown()).await;

    // The run in flight was not waited for: its executor call has not returned.
    for handle in [a, b, queued] {
        assert_eq!(
            outcome(handle).await,
            terminated(TerminationReason::Shutdown)
        );
    }
    assert_eq!((exec.stops(), idle_exec.stop_calls()), (1, 1));
    // The hooks learn that the session lives on in the store, not that it ended.
    assert_eq!(exec.stop_reasons(), [StopReason::Shutdown]);
    assert_eq!(idle_exec.stop_reasons(), [StopReason::Shutdown]);
    // Nothing was written: the store still has the run's input staged and the rest queued.
    assert_eq!(store.committed_batches(), batches);
    let phase_of = |s: &SessionId, id: &str| store.input(s, &iid(id)).map(|r| r.phase);
    assert_eq!(phase_of(&s, "a"), Some(InputPhase::Staged));
    assert_eq!(phase_of(&s, "b"), Some(InputPhase::Queued));
    assert_eq!(phase_of(&waiting, "q"), Some(InputPhase::Queued));

    // Every later call is refused.
    assert_eq!(
        runtime.accept(&s, prompt("c")).await.unwrap_err(),
        RuntimeError::ShutDown
    );
    assert_eq!(
        runtime.register_session(&sid("new")).await.unwrap_err(),
        RuntimeError::ShutDown
    );
    assert_eq!(
        runtime.runtime_state(&idle).await.unwrap_err(),
        RuntimeError::ShutDown
    );
    assert_eq!(runtime.stop(&s).await.unwrap_err(), RuntimeError::ShutDown);
    assert!(!runtime.contains_session(&s));
    assert!(runtime.sessions().is_empty());

    // The run ends after all; its result is dropped, not committed.
    exec.release.notify_one();
    settle().await;
    assert_eq!(store.committed_batches(), batches);
    assert_eq!(phase_of(&s, "a"), Some(InputPhase::Staged));
    // A second shutdown finds nothing left to do.
    within(runtime.shutdown()).await;
    assert_eq!(exec.stops(), 1);
}

#[tokio::test]
async fn dropping_the_runtime_tells_waiters_at_once_and_stops_executors() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let (exec, a, b) = busy(&runtime, &s).await;
    let batches = store.committed_batches();

    drop(runtime);

    // At once, although the executor call has not returned.
    assert_eq!(outcome(a).await, terminated(TerminationReason::Dropped));
    assert_eq!(outcome(b).await, terminated(TerminationReason::Dropped));
    // The stop hook runs on a task of its own.
    eventually("the stop hook ran", || async { exec.stops() == 1 }).await;
    assert_eq!(exec.stop_reasons(), [StopReason::Dropped]);
    exec.release.notify_one();
    settle().await;
    assert_eq!(store.committed_batches(), batches);
    assert_eq!(exec.stops(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_racing_accepts_and_registrations_leaves_no_waiter_behind() {
    let runtime = Arc::new(SessionRuntime::new());
    let sessions: Vec<SessionId> = (0..4).map(|i| sid(&format!("s{i}"))).collect();
    for s in &sessions {
        let exec = attach(&runtime, s).await;
        exec.push_all((0..1000).map(|_| Step::Echo));
    }
    let mut clients = Vec::new();
    for (n, s) in sessions.iter().enumerate() {
        let (runtime, s) = (runtime.clone(), s.clone());
        clients.push(tokio::spawn(async move {
            let mut handles = Vec::new();
            for i in 0.. {
                // Sessions that do not exist yet race `shutdown` too.
                if i % 10 == 0 {
                    match runtime
                        .register_session(&sid(&format!("late{n}-{i}")))
                        .await
                    {
                        Ok(_) | Err(RuntimeError::ShutDown) => {}
                        Err(e) => panic!("register: {e}"),
                    }
                }
                match runtime.accept(&s, prompt(&format!("p{i}"))).await {
                    Ok(acceptance) => handles.extend(acceptance.completion),
                    Err(RuntimeError::ShutDown) => break,
                    Err(e) => panic!("accept: {e}"),
                }
                tokio::task::yield_now().await;
            }
            handles
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    within(runtime.shutdown()).await;
    let mut outcomes = 0;
    for client in clients {
        for handle in within(client).await.unwrap() {
            match outcome(handle).await {
                CompletionOutcome::Completed(_) => {}
                CompletionOutcome::RuntimeTerminated {
                    reason: TerminationReason::Shutdown,
                } => {}
                other => panic!("unexpected outcome {other:?}"),
            }
            outcomes += 1;
        }
    }
    assert!(
        outcomes > 0,
        "the clients accepted something before the shutdown"
    );
    assert!(runtime.sessions().is_empty());
}

/// A loop whose run-start write is still in the store when the runtime goes: the write
/// lands, but the run is never handed to the executor.
#[tokio::test]
async fn a_loop_caught_in_a_store_write_starts_no_run_after_the_drop() {
    let store = PausableStore::new();
    let runtime = SessionRuntime::with_store(store.clone());
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    let a = accept_quiet(&runtime, &s, prompt("a")).await;
    store.pause();
    runtime.wake(&s).await.unwrap();
    eventually("the loop's staging write waits", || async {
        store.waiting() == 1
    })
    .await;
    let batches = store.inner.committed_batches();

    drop(runtime);

    assert_eq!(outcome(a).await, terminated(TerminationReason::Dropped));
    exec.wait_for_stops(1).await;
    store.resume();
    settle().await;
    // The batch already sent landed; nothing after it, and no executor call.
    assert_eq!(store.inner.committed_batches(), batches + 1);
    assert_eq!(
        store.inner.input(&s, &iid("a")).map(|r| r.phase),
        Some(InputPhase::Staged)
    );
    assert_eq!(exec.calls(), 0);
}

/// A session whose last write cannot be settled (its outcome is unknown and `load` keeps
/// failing) holds its gate; shutdown does not wait for it, tells its waiters too, and the
/// settling gives up at its next attempt.
#[tokio::test]
async fn shutdown_does_not_wait_behind_a_store_that_cannot_settle() {
    let (runtime, store) = runtime_with_store();
    let mut others = Vec::new();
    for i in 0..4 {
        let s = sid(&format!("o{i}"));
        runtime.register_session(&s).await.unwrap();
        others.push(accept(&runtime, &s, prompt("q")).await);
    }
    let stuck = sid("stuck");
    runtime.register_session(&stuck).await.unwrap();
    let first = accept(&runtime, &stuck, prompt("first")).await;
    store.lose_next_writes(1);
    store.fail_next_loads(usize::MAX);
    let settling = {
        let (runtime, stuck) = (runtime.clone(), stuck.clone());
        tokio::spawn(async move { runtime.accept(&stuck, prompt("lost")).await })
    };
    eventually("the lost write is being settled", || async {
        store.failed_batches() == 1
    })
    .await;

    within(runtime.shutdown()).await;

    for handle in others.into_iter().chain([first]) {
        assert_eq!(
            outcome(handle).await,
            terminated(TerminationReason::Shutdown)
        );
    }
    // The settling accept stops asking: nothing needs the answer any more.
    let settled = within(settling).await.unwrap().unwrap_err();
    assert!(
        matches!(&settled, RuntimeError::Store(StoreError::Unavailable(e)) if e.contains("not settled: the runtime shut down")),
        "{settled:?}"
    );
}

/// Stop hooks run side by side and each on its own: one that panics neither skips the
/// others nor fails the shutdown, and one that calls `shutdown` again does not wait for
/// itself.
#[tokio::test]
async fn stop_hooks_that_panic_or_shut_down_again_do_not_stop_the_shutdown() {
    struct Panics;
    #[async_trait]
    impl Executor for Panics {
        async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
            Ok(RunOutput::default())
        }
        async fn stop(&self, _reason: StopReason) {
            panic!("a stop hook that panics");
        }
    }
    /// Written without `async_trait`: it panics before it returns the future.
    struct PanicsAtOnce;
    impl Executor for PanicsAtOnce {
        fn apply<'a, 'f>(
            &'a self,
            _run: RunPrimitive,
        ) -> Pin<Box<dyn Future<Output = Result<RunOutput, ExecutorError>> + Send + 'f>>
        where
            'a: 'f,
        {
            Box::pin(async { Ok(RunOutput::default()) })
        }

        fn stop<'a, 'f>(
            &'a self,
            _reason: StopReason,
        ) -> Pin<Box<dyn Future<Output = ()> + Send + 'f>>
        where
            'a: 'f,
        {
            panic!("a stop hook that panics before it returns its future");
        }
    }
    struct ShutsDownAgain(std::sync::OnceLock<WeakSessionRuntime>);
    #[async_trait]
    impl Executor for ShutsDownAgain {
        async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
            Ok(RunOutput::default())
        }
        async fn stop(&self, _reason: StopReason) {
            if let Some(runtime) = self.0.get().and_then(WeakSessionRuntime::upgrade) {
                runtime.shutdown().await;
            }
        }
    }
    let runtime = SessionRuntime::new();
    let mut scripted = Vec::new();
    for i in 0..4 {
        scripted.push(attach(&runtime, &sid(&format!("s{i}"))).await);
    }
    runtime
        .ensure_executor(&sid("panics"), Arc::new(Panics))
        .await
        .unwrap();
    runtime
        .ensure_executor(&sid("panics at once"), Arc::new(PanicsAtOnce))
        .await
        .unwrap();
    let again = Arc::new(ShutsDownAgain(std::sync::OnceLock::new()));
    let _ = again.0.set(runtime.downgrade());
    runtime.ensure_executor(&sid("again"), again).await.unwrap();

    within(runtime.shutdown()).await;

    let stops: Vec<usize> = scripted.iter().map(|e| e.stop_calls()).collect();
    assert_eq!(stops, [1, 1, 1, 1]);
}

/// Calls after the shutdown leave nothing behind.
#[tokio::test]
async fn registrations_after_shutdown_leave_nothing_behind() {
    let runtime = SessionRuntime::new();
    runtime.shutdown().await;
    for i in 0..10 {
        let s = sid(&format!("late{i}"));
        assert_eq!(
            runtime.register_session(&s).await.unwrap_err(),
            RuntimeError::ShutDown
        );
        let exec = ScriptedExecutor::new();
        assert_eq!(
            runtime
                .ensure_executor(&s, Arc::new(exec.clone()))
                .await
                .unwrap_err(),
            RuntimeError::ShutDown
        );
        assert_eq!(exec.stop_calls(), 0);
    }
    assert_eq!(format!("{runtime:?}"), "SessionRuntime { sessions: 0, .. }");
}

/// An attach whose store write was under way when the runtime shut down is refused
/// (`ShutDown`): no loop starts, nothing runs, and no stop hook is owed.
#[tokio::test]
async fn an_attach_caught_in_its_store_write_by_a_shutdown_starts_no_loop() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let queued = accept(&runtime, &s, prompt("q")).await;
    store.pause();
    let exec = ScriptedExecutor::new();
    let attaching = tokio::spawn({
        let (runtime, s, exec) = (runtime.clone(), s.clone(), exec.clone());
        async move { runtime.ensure_executor(&s, Arc::new(exec)).await }
    });
    eventually("the attach is writing", || async { store.waiting() == 1 }).await;
    within(runtime.shutdown()).await;
    store.resume();
    assert_eq!(
        within(attaching).await.unwrap(),
        Err(RuntimeError::ShutDown)
    );
    assert_eq!(
        outcome(queued).await,
        terminated(TerminationReason::Shutdown)
    );
    settle().await;
    assert_eq!((exec.calls(), exec.stop_calls()), (0, 0));
    assert!(!runtime.has_executor(&s));
}

/// An executor whose stop hook takes a while before it records its call.
#[derive(Clone, Default)]
struct SlowStop {
    stops: Arc<std::sync::Mutex<Vec<StopReason>>>,
}

#[async_trait]
impl Executor for SlowStop {
    async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        Ok(RunOutput::default())
    }

    async fn stop(&self, reason: StopReason) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        self.stops.lock().unwrap().push(reason);
    }
}

/// `shutdown` returns only once every stop hook has finished, so a process may exit
/// right after it.
#[tokio::test]
async fn shutdown_returns_after_the_stop_hooks_finish() {
    let runtime = SessionRuntime::new();
    let execs = [SlowStop::default(), SlowStop::default()];
    for (i, exec) in execs.iter().enumerate() {
        let s = sid(&format!("s{i}"));
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap();
    }
    within(runtime.shutdown()).await;
    for exec in &execs {
        assert_eq!(*exec.stops.lock().unwrap(), [StopReason::Shutdown]);
    }
}

/// Dropped outside any tokio runtime, the runtime drops its executors itself (no task can
/// run their stop hooks): one whose `Drop` panics is logged, and the drop completes.
#[test]
fn an_executor_drop_that_panics_does_not_escape_a_drop_outside_tokio() {
    struct PanicsOnDrop;
    #[async_trait]
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
    let runtime = SessionRuntime::new();
    let tokio_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio_runtime.block_on(async {
        runtime
            .ensure_executor(&sid("s"), Arc::new(PanicsOnDrop))
            .await
            .unwrap();
    });
    drop(tokio_runtime);
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(runtime)));
    assert!(dropped.is_ok(), "dropping the runtime panicked");
}
