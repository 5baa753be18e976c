//! The store seam, the event stream and the lock discipline of the runtime shell.

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;
use tokio::sync::broadcast;

// ---- Store seam --------------------------------------------------------------------------------

/// `completion` waits, like a query, for a write in progress: asked while a run's commit is
/// being written, it answers only once the commit is durable, and then there is nothing
/// live left to wait for.
#[tokio::test]
async fn a_handle_asked_for_during_a_commit_write_waits_for_it() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Echo));
    let first = accept(&runtime, &s, prompt("a")).await;
    within(exec.wait_for_blocked(1)).await;
    store.pause();
    exec.release(1);
    eventually("the commit is being written", || async {
        store.waiting() == 1
    })
    .await;
    let a = iid("a");
    let mut asked = Box::pin(runtime.completion(&s, &a));
    let early = std::future::poll_fn(|cx| std::task::Poll::Ready(asked.as_mut().poll(cx))).await;
    assert!(
        early.is_pending(),
        "the loop holds the gate while it writes"
    );
    store.resume();
    assert!(
        within(asked).await.unwrap().is_none(),
        "a is consumed by then"
    );
    assert!(is_completed(&outcome(first).await));
}

/// A failed run whose failure could not be written, and that `recover` then took back,
/// never failed as far as the session is concerned: its error reaches neither the input's
/// later outcome nor its stored row (found by review helper-45).
#[tokio::test]
async fn a_failure_that_never_became_durable_leaves_no_error_behind() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::fail("boom from the lost run"));
    store.fail_next_matching(WriteKind::RunFailed, 1000);
    let a = accept(&runtime, &s, prompt("a")).await;
    eventually("the failure's write was refused", || async {
        store.failed_batches() >= 1
    })
    .await;
    runtime.recover(&s).await.unwrap();
    store.fail_next_matching(WriteKind::RunFailed, 0);
    settle().await;
    runtime.retire(&s).await.unwrap();
    assert_eq!(outcome(a).await, abandoned(AbandonReason::Retired));
    assert_eq!(store.input(&s, &iid("a")).unwrap().error, None);
}

/// An input's body is held once: the store row and every attempt's run primitive share it.
#[tokio::test]
async fn the_store_row_and_every_attempt_share_one_copy_of_the_input() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::fail("first attempt"));
    let p = accept(&runtime, &s, prompt("p")).await;
    assert!(is_completed(&outcome(p).await));
    let attempts: Vec<Arc<RuntimeInput>> = exec
        .primitives()
        .into_iter()
        .flat_map(|run| run.contributors)
        .collect();
    assert_eq!(attempts.len(), 2, "one failure, then the retry");
    assert_eq!(*attempts[0], prompt("p"));
    let row = store.input(&s, &iid("p")).expect("a durable row");
    assert!(Arc::ptr_eq(&attempts[0], &attempts[1]));
    assert!(Arc::ptr_eq(&attempts[0], &row.input.input));
}

#[tokio::test]
async fn durable_inputs_are_stored_before_accepted_and_others_never() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let _d = accept(&runtime, &s, prompt("durable").with_key("k")).await;
    let _e = accept(
        &runtime,
        &s,
        msg("ephemeral").durability(Durability::Ephemeral),
    )
    .await;
    let _g = accept(
        &runtime,
        &s,
        RuntimeInput::continuation("derived", "n").durability(Durability::Derived),
    )
    .await;
    let row = store
        .input(&s, &iid("durable"))
        .expect("durable row written");
    assert_eq!(row.phase, InputPhase::Queued);
    assert_eq!(row.input.input.idempotency_key(), Some("k"));
    assert_eq!(row.attempts, 0);
    assert!(store.input(&s, &iid("ephemeral")).is_none());
    assert!(store.input(&s, &iid("derived")).is_none());
    assert_eq!(store.writes_of(WriteKind::InputAccepted), 1);
    assert_eq!(store.session(&s).unwrap().phase, Some(RuntimePhase::Idle));
}

#[tokio::test]
async fn a_failed_store_write_on_accept_leaves_no_trace() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    let mut events = runtime.subscribe();
    store.fail_next_writes(1);
    let err = runtime
        .accept(&s, prompt("a").with_key("k"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RuntimeError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    // Rolled back: no input, no key, no row, no event, nothing ran.
    assert_eq!(runtime.input_state(&s, &iid("a")).await.unwrap(), None);
    assert!(runtime.list_active_inputs(&s).await.unwrap().is_empty());
    let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert!(kernel.keys.is_empty());
    assert!(store.input(&s, &iid("a")).is_none());
    settle().await;
    assert_eq!(exec.calls(), 0);
    assert!(events.try_recv().is_err());
    // Accepting it again works, with the same key, as a fresh input.
    let again = runtime.accept(&s, prompt("a").with_key("k")).await.unwrap();
    assert_eq!(again.outcome, AcceptOutcome::Accepted);
    assert!(is_completed(&outcome(again.completion.unwrap()).await));
    assert_eq!(exec.calls(), 1);
}

/// A write the store applied but reported as failed (a connection lost during COMMIT):
/// the runtime asks the store (`load`) and, finding the batch's version there, goes on as
/// if the write had succeeded, instead of rolling back a fact the store holds.
#[tokio::test]
async fn an_unacknowledged_write_that_was_applied_counts_as_written() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Echo));
    store.apply_then_fail_next_writes(1);
    let a = accept(&runtime, &s, prompt("a").with_key("k")).await;
    exec.wait_for_blocked(1).await;
    assert_eq!(
        store.input(&s, &iid("a")).unwrap().phase,
        InputPhase::Staged
    );
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
    assert_eq!(
        store.input(&s, &iid("a")).unwrap().phase,
        InputPhase::Consumed
    );
    // A run's batches too: the commit reported as failed is not retried as a failure.
    exec.push(Step::blocked(Step::Echo));
    let b = accept(&runtime, &s, prompt("b")).await;
    exec.wait_for_blocked(1).await;
    store.apply_then_fail_next_writes(1);
    exec.release(1);
    assert!(is_completed(&outcome(b).await));
    assert_eq!(exec.calls(), 2, "each ran once");
    let stored = store.session(&s).unwrap();
    assert_eq!(stored.input(&iid("b")).unwrap().phase, InputPhase::Consumed);
    assert_eq!(store.failed_batches(), 0, "no write was refused");
}

/// A write of unknown outcome (`Indeterminate`) is settled with `load` before anything else
/// happens to the session, asking again while `load` fails too: not applied, the operation
/// fails and leaves no trace; applied, it succeeds. Register and unregister as well.
#[tokio::test]
async fn a_write_of_unknown_outcome_is_settled_before_the_session_goes_on() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    store.apply_then_fail_next_writes(1);
    store.fail_next_loads(2);
    assert!(runtime.register_session(&s).await.unwrap());
    let exec = attach(&runtime, &s).await;

    // Lost before it was applied; the first two loads fail.
    store.lose_next_writes(1);
    store.fail_next_loads(2);
    let err = runtime.accept(&s, prompt("a")).await.unwrap_err();
    assert!(
        matches!(&err, RuntimeError::Store(StoreError::Unavailable(m)) if m.contains("not applied")),
        "{err:?}"
    );
    assert_eq!(runtime.input_state(&s, &iid("a")).await.unwrap(), None);
    assert!(store.input(&s, &iid("a")).is_none());
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a")).await).await
    ));

    // Applied; the first two loads fail.
    store.apply_then_fail_next_writes(1);
    store.fail_next_loads(2);
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
    assert_eq!(exec.calls(), 2);
    assert_eq!(
        store.input(&s, &iid("b")).unwrap().phase,
        InputPhase::Consumed
    );

    // The session's last fact: its removal.
    store.apply_then_fail_next_writes(1);
    store.fail_next_loads(1);
    runtime.unregister_session(&s).await.unwrap();
    assert!(!runtime.contains_session(&s));
    assert_eq!(store.session(&s), None);
    assert_eq!(store.failed_batches(), 1, "only the lost write");
}

/// A register or unregister found not applied can simply be tried again.
#[tokio::test]
async fn a_lost_register_or_unregister_can_be_tried_again() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    store.lose_next_writes(1);
    let err = runtime.register_session(&s).await.unwrap_err();
    assert!(
        matches!(&err, RuntimeError::Store(StoreError::Unavailable(m)) if m.contains("not applied")),
        "{err:?}"
    );
    assert!(!runtime.contains_session(&s));
    assert_eq!(store.session(&s), None);
    assert!(runtime.register_session(&s).await.unwrap());
    let exec = attach(&runtime, &s).await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a")).await).await
    ));

    store.lose_next_writes(1);
    assert!(runtime.unregister_session(&s).await.is_err());
    assert!(runtime.contains_session(&s));
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
    assert_eq!(exec.calls(), 2);
    runtime.unregister_session(&s).await.unwrap();
    assert_eq!(store.session(&s), None);
}

/// A store whose first accept batch is reported `Indeterminate` while its COMMIT is still
/// on the way: it lands when `load` is called, which (as the store contract requires)
/// waits for a transaction in flight instead of reading around it.
struct LateCommit {
    inner: InMemoryStore,
    in_flight: Mutex<Option<(SessionId, u64, Vec<StoreWrite>)>>,
    armed: std::sync::atomic::AtomicBool,
}

impl LateCommit {
    async fn land(&self) {
        let late = self.in_flight.lock().unwrap().take();
        if let Some((s, v, b)) = late {
            self.inner.write(&s, v, b).await.unwrap();
        }
    }
}

#[async_trait::async_trait]
impl RuntimeStore for LateCommit {
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        let accepting = batch.iter().any(|w| w.kind() == WriteKind::InputAccepted);
        if accepting && self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            *self.in_flight.lock().unwrap() = Some((session.clone(), version, batch));
            return Err(StoreError::Indeterminate("connection lost".into()));
        }
        self.land().await;
        self.inner.write(session, version, batch).await
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        self.land().await;
        self.inner.load(session).await
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        self.land().await;
        self.inner.list_sessions().await
    }
}

#[tokio::test]
async fn a_write_still_in_flight_when_reported_lost_counts_once_it_lands() {
    let store = Arc::new(LateCommit {
        inner: InMemoryStore::new(),
        in_flight: Mutex::new(None),
        armed: std::sync::atomic::AtomicBool::new(true),
    });
    let runtime = SessionRuntime::with_store(store.clone());
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    let a = runtime.accept(&s, prompt("a")).await.unwrap();
    assert_eq!(a.outcome, AcceptOutcome::Accepted);
    assert!(is_completed(&outcome(a.completion.unwrap()).await));
    assert_eq!(exec.calls(), 1);
    let row = store.inner.input(&s, &iid("a")).unwrap();
    assert_eq!(row.phase, InputPhase::Consumed);
    assert_eq!(store.inner.failed_batches(), 0);
}

/// Two runtimes writing one session would interleave their facts; the store's version
/// check refuses the second runtime's first write instead.
#[tokio::test]
async fn a_runtime_does_not_write_over_a_session_another_one_stored() {
    let store = Arc::new(InMemoryStore::new());
    let first = SessionRuntime::with_store(store.clone());
    let second = SessionRuntime::with_store(store.clone());
    let s = sid("s");
    first.register_session(&s).await.unwrap();
    let _queued = accept(&first, &s, prompt("a")).await;
    let err = second.register_session(&s).await.unwrap_err();
    assert!(
        matches!(err, RuntimeError::Store(StoreError::Conflict(_))),
        "{err:?}"
    );
    assert!(!second.contains_session(&s));
    assert!(store.input(&s, &iid("a")).is_some());
}

/// A run's failure is stored with the contributors it sends back to the queue.
#[tokio::test]
async fn a_requeued_input_keeps_its_last_error_in_the_store() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::fail("upstream timed out"));
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let row = store.input(&s, &iid("a")).unwrap();
    assert_eq!((row.phase, row.attempts), (InputPhase::Staged, 2));
    assert_eq!(row.error.as_deref(), Some("upstream timed out"));
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
}

#[tokio::test]
async fn a_failed_register_write_leaves_no_session() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    store.fail_next_writes(1);
    assert!(matches!(
        runtime.register_session(&s).await.unwrap_err(),
        RuntimeError::Store(_)
    ));
    assert!(!runtime.contains_session(&s));
    assert!(runtime.register_session(&s).await.unwrap());
}

#[tokio::test]
async fn staged_rows_are_written_before_the_executor_runs() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let run = exec.primitives()[0].run;
    let row = store.input(&s, &iid("a")).unwrap();
    assert_eq!(
        (row.phase, row.attempts, row.run),
        (InputPhase::Staged, 1, Some(run))
    );
    // A run in flight is its staged rows; the stored phase stays the one it returns to.
    assert_eq!(
        store.session(&s).unwrap().phase,
        Some(RuntimePhase::Attached)
    );
    let batches = store.committed_batches();
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
    let row = store.input(&s, &iid("a")).unwrap();
    assert_eq!(row.phase, InputPhase::Consumed);
    // The commit was one batch, with no lifecycle write for leaving Running.
    assert_eq!(store.committed_batches(), batches + 1);
    assert_eq!(store.writes_of(WriteKind::Lifecycle), 2);
}

#[tokio::test]
async fn each_run_commits_with_one_write_holding_receipt_and_terminal_rows() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let mut handles = Vec::new();
    for input in [
        prompt("p1"),
        msg("m1"),
        msg("m2"),
        msg("e").durability(Durability::Ephemeral),
        prompt("p2"),
    ] {
        handles.push(accept(&runtime, &s, input).await);
    }
    let batches_before = store.committed_batches();
    let exec = attach(&runtime, &s).await;
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(exec.calls(), 3);
    assert_eq!(
        store.writes_of(WriteKind::RunCommitted),
        3,
        "one commit write per run"
    );
    let stored = store.session(&s).unwrap();
    let receipts: Vec<Vec<InputId>> = stored.runs.iter().map(|r| r.inputs.clone()).collect();
    assert_eq!(
        receipts,
        vec![
            vec![iid("p1")],
            vec![iid("m1"), iid("m2"), iid("e")],
            vec![iid("p2")]
        ]
    );
    assert_eq!(stored.runs[1].output, RunOutput::text("s:2:m1,m2,e"));
    for id in ["p1", "m1", "m2", "p2"] {
        assert_eq!(stored.input(&iid(id)).unwrap().phase, InputPhase::Consumed);
    }
    assert!(stored.input(&iid("e")).is_none());
    // Attach + per run: stage and commit; nothing more.
    assert_eq!(store.committed_batches() - batches_before, 1 + 2 * 3);
    assert_eq!(stored.phase, Some(RuntimePhase::Attached));
}

#[tokio::test]
async fn a_failed_commit_write_retries_the_run() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    settle().await;
    store.fail_next_matching(WriteKind::RunCommitted, 1);
    let a = accept(&runtime, &s, prompt("a")).await;
    assert!(is_completed(&outcome(a).await));
    assert_eq!(exec.calls(), 2, "the uncommitted run is run again");
    let st = runtime.input_state(&s, &iid("a")).await.unwrap().unwrap();
    assert_eq!((st.phase, st.attempts), (InputPhase::Consumed, 2));
    let row = store.input(&s, &iid("a")).unwrap();
    assert_eq!((row.phase, row.attempts), (InputPhase::Consumed, 2));
}

/// `recover` of a run with several contributors puts them back at the head of their lane
/// in their order, in the store as in the kernel: a process recovering from the store
/// would otherwise run them in another order (found by mutation: helper-49).
#[tokio::test]
async fn a_recovered_batch_goes_back_in_order_in_the_store_too() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let mut waiting = Vec::new();
    for id in ["m1", "m2", "m3", "m4"] {
        waiting.push(accept(&runtime, &s, msg(id)).await);
    }
    waiting.push(accept(&runtime, &s, prompt("p")).await);
    let exec = ScriptedExecutor::new();
    exec.push(Step::blocked(Step::Echo));
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    exec.wait_for_blocked(1).await;
    let batch = vec![iid("m1"), iid("m2"), iid("m3"), iid("m4")];
    assert_eq!(exec.batches(), vec![batch.clone()]);
    runtime.recover(&s).await.unwrap();
    let mut expected = batch;
    expected.push(iid("p"));
    assert_eq!(runtime.list_active_inputs(&s).await.unwrap(), expected);
    let stored = store.session(&s).unwrap();
    let lane: Vec<InputId> = stored
        .lane(HandlingMode::Queue)
        .iter()
        .map(|row| row.input.input.header.id.clone())
        .collect();
    assert_eq!(lane, expected);
}

/// A refused staging write leaves the input queued, and the loop retries on its own: no
/// second wake (or accept) is needed for the work to run once the store is back. Each
/// refusal is published as a `LoopError`, since the loop has no caller to return it to.
#[tokio::test]
async fn a_failed_staging_write_is_retried_without_a_new_wake() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    settle().await;
    let mut events = runtime.subscribe();
    store.fail_next_matching(WriteKind::InputsStaged, 3);
    let a = accept(&runtime, &s, prompt("a")).await;
    assert!(is_completed(&outcome(a).await));
    assert_eq!(exec.calls(), 1);
    let st = runtime.input_state(&s, &iid("a")).await.unwrap().unwrap();
    assert_eq!((st.phase, st.attempts), (InputPhase::Consumed, 1));
    assert_eq!(
        loop_errors(&mut events),
        vec![true; 3],
        "one per refused write"
    );
}

/// The pause before the loop retries a refused write grows while the store keeps refusing,
/// and starts short again once a run got through: a later single refusal costs the first
/// pause (10 ms), not the grown one (over a second after seven refusals).
#[tokio::test(start_paused = true)]
async fn the_retry_pause_starts_short_again_after_a_run_got_through() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    attach(&runtime, &s).await;
    settle().await;
    store.fail_next_matching(WriteKind::InputsStaged, 7);
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a")).await).await
    ));
    store.fail_next_matching(WriteKind::InputsStaged, 1);
    let started = tokio::time::Instant::now();
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_millis(100),
        "waited {waited:?}"
    );
}

/// A generic failure whose `RunFailed` write is refused is recorded once the store is
/// back; the input is retried and the session does not stay Running.
#[tokio::test]
async fn a_refused_failure_record_is_retried() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::fail("flaky"));
    settle().await;
    let mut events = runtime.subscribe();
    store.fail_next_matching(WriteKind::RunFailed, 2);
    let a = accept(&runtime, &s, prompt("a")).await;
    assert!(is_completed(&outcome(a).await));
    assert_eq!(exec.calls(), 2);
    assert_eq!(
        runtime.runtime_state(&s).await.unwrap().phase,
        RuntimePhase::Attached
    );
    assert_eq!(
        loop_errors(&mut events),
        vec![true; 2],
        "one per refused write"
    );
}

/// Whether each `LoopError` published so far retries (its error names the store's
/// refusal); the other events are skipped.
fn loop_errors(events: &mut broadcast::Receiver<RuntimeEvent>) -> Vec<bool> {
    drain(events)
        .into_iter()
        .filter_map(|kind| match kind {
            EventKind::LoopError { error, retrying } => {
                assert!(error.contains("store"), "{error}");
                Some(retrying)
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn lifecycle_and_terminal_rows_follow_the_kernel() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let stored_phase = |store: &InMemoryStore| store.session(&s).and_then(|x| x.phase);
    runtime.register_session(&s).await.unwrap();
    assert_eq!(stored_phase(&store), Some(RuntimePhase::Idle));
    let exec = ScriptedExecutor::with_responder(|_| Step::fail("boom"));
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    assert_eq!(stored_phase(&store), Some(RuntimePhase::Attached));
    let a = accept(&runtime, &s, prompt("a")).await;
    assert!(matches!(
        outcome(a).await,
        CompletionOutcome::Abandoned { .. }
    ));
    let row = store.input(&s, &iid("a")).unwrap();
    assert_eq!(row.phase, InputPhase::Abandoned);
    assert_eq!(row.reason, Some(AbandonReason::MaxAttemptsExhausted));
    assert_eq!(row.error.as_deref(), Some("boom"));
    assert_eq!(row.attempts, 3);

    settle().await;
    let b = accept_quiet(&runtime, &s, prompt("b")).await;
    runtime.stop(&s).await.unwrap();
    assert_eq!(outcome(b).await, terminated(TerminationReason::Stopped));
    assert_eq!(stored_phase(&store), Some(RuntimePhase::Stopped));
    assert_eq!(
        store.input(&s, &iid("b")).unwrap().reason,
        Some(AbandonReason::Stopped)
    );
    // Reset forgets the stored inputs too, so ids can be reused.
    runtime.reset(&s).await.unwrap();
    assert_eq!(stored_phase(&store), Some(RuntimePhase::Idle));
    assert!(store.session(&s).unwrap().inputs.is_empty());
    let _a = accept(&runtime, &s, prompt("a")).await;
    runtime.retire(&s).await.unwrap();
    assert_eq!(stored_phase(&store), Some(RuntimePhase::Retired));
    runtime.unregister_session(&s).await.unwrap();
    assert!(
        store.session(&s).is_none(),
        "unregister removes the session's rows"
    );
    assert!(store.sessions().is_empty());
}

#[tokio::test]
async fn recover_requeues_the_stored_rows_of_the_lost_run() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let old = ScriptedExecutor::new();
    runtime
        .ensure_executor(&s, Arc::new(old.clone()))
        .await
        .unwrap();
    old.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    old.wait_for_blocked(1).await;
    runtime.recover(&s).await.unwrap();
    let row = store.input(&s, &iid("a")).unwrap();
    assert_eq!(row.phase, InputPhase::Queued);
    assert_eq!(store.session(&s).unwrap().phase, Some(RuntimePhase::Idle));
    runtime
        .ensure_executor(&s, Arc::new(ScriptedExecutor::new()))
        .await
        .unwrap();
    assert!(is_completed(&outcome(a).await));
    assert_eq!(store.input(&s, &iid("a")).unwrap().attempts, 2);
}

// ---- Events --------------------------------------------------------------------------------------

fn drain(events: &mut broadcast::Receiver<RuntimeEvent>) -> Vec<EventKind> {
    let mut out = Vec::new();
    while let Ok(e) = events.try_recv() {
        out.push(e.kind);
    }
    out
}

#[tokio::test]
async fn the_event_stream_reports_accept_run_and_terminal_events() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    let mut events = runtime.subscribe();
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a")).await).await
    ));
    exec.push(Step::fail("boom"));
    exec.push(Step::Cancel);
    let b = accept(&runtime, &s, prompt("b")).await;
    assert_eq!(outcome(b).await, CompletionOutcome::Cancelled);
    settle().await;
    let seen = drain(&mut events);
    let expected = vec![
        EventKind::InputAccepted {
            input: iid("a"),
            kind: InputKind::Prompt,
            lane: HandlingMode::Queue,
        },
        EventKind::RunStarted {
            run: RunId(1),
            inputs: vec![iid("a")],
            attempt: 1,
        },
        EventKind::InputTerminal {
            input: iid("a"),
            phase: InputPhase::Consumed,
            reason: None,
        },
        EventKind::RunFinished {
            run: RunId(1),
            outcome: RunOutcomeKind::Committed,
            error: None,
        },
        EventKind::InputAccepted {
            input: iid("b"),
            kind: InputKind::Prompt,
            lane: HandlingMode::Queue,
        },
        EventKind::RunStarted {
            run: RunId(2),
            inputs: vec![iid("b")],
            attempt: 1,
        },
        EventKind::RunFinished {
            run: RunId(2),
            outcome: RunOutcomeKind::Failed,
            error: Some("boom".into()),
        },
        EventKind::RunStarted {
            run: RunId(3),
            inputs: vec![iid("b")],
            attempt: 2,
        },
        EventKind::InputTerminal {
            input: iid("b"),
            phase: InputPhase::Abandoned,
            reason: Some(AbandonReason::Cancelled),
        },
        EventKind::RunFinished {
            run: RunId(3),
            outcome: RunOutcomeKind::Cancelled,
            error: None,
        },
    ];
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_run_ended_by_stop_is_reported_finished() {
    let (runtime, s, exec) = attached("s").await;
    let mut events = runtime.subscribe();
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    runtime.stop(&s).await.unwrap();
    assert_eq!(outcome(a).await, terminated(TerminationReason::Stopped));
    let seen = drain(&mut events);
    assert!(seen.contains(&EventKind::InputTerminal {
        input: iid("a"),
        phase: InputPhase::Abandoned,
        reason: Some(AbandonReason::Stopped)
    }));
    assert_eq!(
        &seen[seen.len() - 2..],
        [
            EventKind::RunFinished {
                run: RunId(1),
                outcome: RunOutcomeKind::Stopped,
                error: None,
            },
            EventKind::PhaseChanged {
                phase: RuntimePhase::Stopped
            }
        ]
    );
}

/// Phase changes are events, and a retire's end can be awaited on the stream; runs are
/// not phase changes.
#[tokio::test]
async fn phase_changes_are_events_and_runs_are_not() {
    let runtime = SessionRuntime::new();
    let mut events = runtime.subscribe();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    let exec = ScriptedExecutor::new();
    exec.push(Step::blocked(Step::Echo));
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    exec.wait_for_blocked(1).await;
    let report = runtime.retire(&s).await.unwrap();
    assert_eq!(report.drained, 1);
    exec.release_all();
    assert!(is_completed(&outcome(a).await));
    let retired = within(async {
        loop {
            let event = events.recv().await.unwrap();
            if event.kind
                == (EventKind::PhaseChanged {
                    phase: RuntimePhase::Retired,
                })
            {
                return event;
            }
        }
    })
    .await;
    assert_eq!(retired.session, s);
    let phases = |events: Vec<EventKind>| -> Vec<RuntimePhase> {
        events
            .into_iter()
            .filter_map(|e| match e {
                EventKind::PhaseChanged { phase } => Some(phase),
                _ => None,
            })
            .collect()
    };
    assert!(
        phases(drain(&mut events)).is_empty(),
        "nothing after Retired"
    );
    // From the start: registered, attached, retired; the run in between is no phase change.
    let mut events = runtime.subscribe();
    let t = sid("t");
    let exec = attach(&runtime, &t).await;
    exec.push(Step::Echo);
    assert!(is_completed(
        &outcome(accept(&runtime, &t, prompt("b")).await).await
    ));
    runtime.stop(&t).await.unwrap();
    assert_eq!(
        phases(drain(&mut events)),
        [
            RuntimePhase::Idle,
            RuntimePhase::Attached,
            RuntimePhase::Stopped
        ]
    );
}

/// Destroy and unregister end a run in flight as `Stopped` and then report the session
/// `Destroyed` (docs/runtime.md, Events: unregister publishes it while the store deletes
/// the session's rows), after the `InputTerminal` of every input they abandoned.
#[tokio::test]
async fn destroy_and_unregister_report_the_session_destroyed() {
    for unregister in [false, true] {
        let (runtime, s, exec) = attached("s").await;
        exec.push(Step::blocked(Step::Echo));
        let a = accept(&runtime, &s, prompt("a")).await;
        exec.wait_for_blocked(1).await;
        let b = accept(&runtime, &s, msg("b")).await;
        let mut events = runtime.subscribe();
        let reason = if unregister {
            runtime.unregister_session(&s).await.unwrap();
            AbandonReason::Unregistered
        } else {
            runtime.destroy(&s).await.unwrap();
            AbandonReason::Destroyed
        };
        let ended = |id: &str| EventKind::InputTerminal {
            input: iid(id),
            phase: InputPhase::Abandoned,
            reason: Some(reason),
        };
        assert_eq!(
            drain(&mut events),
            [
                ended("a"),
                ended("b"),
                EventKind::RunFinished {
                    run: RunId(1),
                    outcome: RunOutcomeKind::Stopped,
                    error: None,
                },
                EventKind::PhaseChanged {
                    phase: RuntimePhase::Destroyed
                },
            ],
            "unregister: {unregister}"
        );
        assert!(matches!(
            outcome(a).await,
            CompletionOutcome::RuntimeTerminated { .. }
        ));
        assert!(matches!(
            outcome(b).await,
            CompletionOutcome::RuntimeTerminated { .. }
        ));
        exec.release_all();
    }
}

#[tokio::test]
async fn the_event_capacity_is_an_option() {
    let options = RuntimeOptions::default().with_event_capacity(2);
    let runtime = SessionRuntime::with_options(Arc::new(InMemoryStore::new()), options);
    let mut events = runtime.subscribe();
    for s in ["a", "b", "c"] {
        runtime.register_session(&sid(s)).await.unwrap();
    }
    assert!(matches!(
        events.try_recv(),
        Err(broadcast::error::TryRecvError::Lagged(1))
    ));
}

/// An event says when it was published, and an accepted input its lane.
#[tokio::test]
async fn events_carry_their_time_and_an_input_its_lane() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let mut events = runtime.subscribe();
    let before = std::time::SystemTime::now();
    let _steer = accept(&runtime, &s, msg("m").handling(HandlingMode::Steer)).await;
    let after = std::time::SystemTime::now();
    let event = events.recv().await.unwrap();
    assert_eq!(
        event.kind,
        EventKind::InputAccepted {
            input: iid("m"),
            kind: InputKind::PeerMessage,
            lane: HandlingMode::Steer,
        }
    );
    assert!(before <= event.at && event.at <= after);
}

#[tokio::test]
async fn events_name_their_session() {
    let runtime = SessionRuntime::new();
    let mut events = runtime.subscribe();
    runtime.register_session(&sid("x")).await.unwrap();
    runtime.register_session(&sid("y")).await.unwrap();
    let _x = accept(&runtime, &sid("x"), prompt("a")).await;
    let _y = accept(&runtime, &sid("y"), prompt("a")).await;
    let first = events.recv().await.unwrap();
    let second = events.recv().await.unwrap();
    assert_eq!((first.session, second.session), (sid("x"), sid("y")));
}

// ---- Lock discipline ----------------------------------------------------------------------------

/// An executor that calls back into its runtime from inside `apply` and from its stop hook.
struct Reentrant {
    runtime: OnceLock<WeakSessionRuntime>,
    seen: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Executor for Reentrant {
    async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        let runtime = self
            .runtime
            .get()
            .and_then(WeakSessionRuntime::upgrade)
            .expect("runtime alive");
        let s = &run.session;
        let state = runtime
            .runtime_state(s)
            .await
            .map_err(|e| ExecutorError::Failed(e.to_string()))?;
        let active = runtime.list_active_inputs(s).await.unwrap();
        let first = run.contributors[0].id().clone();
        let me = runtime.input_state(s, &first).await.unwrap().unwrap();
        self.seen.lock().unwrap().push(format!(
            "{}:{:?}:{}:{:?}",
            first,
            state.phase,
            active.len(),
            me.phase
        ));
        if first.as_str() == "p" {
            // Schedule a follow-up from inside the run.
            let follow = runtime
                .accept(s, RuntimeInput::continuation("c", "follow-up"))
                .await
                .map_err(|e| ExecutorError::Failed(e.to_string()))?;
            assert_eq!(follow.outcome, AcceptOutcome::Accepted);
            // Boundary cancel of our own run: recorded by the kernel; with no live handle
            // nothing is dispatched, and calling back in does not deadlock.
            assert!(!runtime.cancel_after_boundary(s).await.unwrap());
        }
        Ok(RunOutput::text(first.as_str()))
    }

    async fn stop(&self, _reason: StopReason) {
        if let Some(runtime) = self.runtime.get().and_then(WeakSessionRuntime::upgrade) {
            let state = runtime.runtime_state(&sid("s")).await.unwrap();
            self.seen
                .lock()
                .unwrap()
                .push(format!("stop:{:?}", state.phase));
        }
    }
}

#[tokio::test]
async fn an_executor_may_call_back_into_the_runtime() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    let exec = Arc::new(Reentrant {
        runtime: OnceLock::new(),
        seen: Mutex::new(Vec::new()),
    });
    exec.runtime.set(runtime.downgrade()).ok();
    runtime.ensure_executor(&s, exec.clone()).await.unwrap();
    let p = accept(&runtime, &s, prompt("p")).await;
    assert_eq!(
        outcome(p).await,
        CompletionOutcome::Completed(RunOutput::text("p"))
    );
    eventually("the follow-up ran", || async {
        runtime
            .input_state(&s, &iid("c"))
            .await
            .unwrap()
            .is_some_and(|st| st.phase == InputPhase::Consumed)
    })
    .await;
    within(runtime.stop(&s)).await.unwrap();
    let seen = exec.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            "p:Running:1:Staged".to_string(),
            "c:Running:1:Staged".to_string(),
            "stop:Stopped".to_string()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_session_does_not_hold_up_another() {
    let runtime = Arc::new(SessionRuntime::new());
    let (a, b) = (sid("a"), sid("b"));
    let slow = ScriptedExecutor::with_responder(|_| Step::blocked(Step::Echo));
    let fast = ScriptedExecutor::new();
    runtime
        .ensure_executor(&a, Arc::new(slow.clone()))
        .await
        .unwrap();
    runtime
        .ensure_executor(&b, Arc::new(fast.clone()))
        .await
        .unwrap();
    let stuck = accept(&runtime, &a, prompt("x")).await;
    within(slow.wait_for_blocked(1)).await;
    // Session b does everything while a's executor is blocked, and a still answers queries
    // and control operations.
    within(async {
        for i in 0..20 {
            let h = accept(&runtime, &b, prompt(&format!("p{i}"))).await;
            assert!(is_completed(&h.wait().await));
        }
        runtime.stop(&b).await.unwrap();
        runtime
            .ensure_executor(&b, Arc::new(fast.clone()))
            .await
            .unwrap();
        assert_eq!(
            runtime.runtime_state(&a).await.unwrap().phase,
            RuntimePhase::Running
        );
        let _queued = accept(&runtime, &a, prompt("y")).await;
        assert_eq!(runtime.list_active_inputs(&a).await.unwrap().len(), 2);
    })
    .await;
    assert_eq!(fast.calls(), 20);
    slow.release_all();
    assert!(is_completed(&outcome(stuck).await));
    slow.release(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_waiting_on_its_store_write_does_not_hold_up_queries_of_others() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let (a, b) = (sid("a"), sid("b"));
    runtime.register_session(&a).await.unwrap();
    runtime.register_session(&b).await.unwrap();
    store.pause();
    let pending = tokio::spawn({
        let runtime = runtime.clone();
        let a = a.clone();
        async move { runtime.accept(&a, prompt("x")).await }
    });
    eventually("a's write is parked", || async { store.waiting() == 1 }).await;
    // b's reads and the registry do not wait on a's gate.
    within(async {
        assert_eq!(
            runtime.runtime_state(&b).await.unwrap().phase,
            RuntimePhase::Idle
        );
        assert!(runtime.contains_session(&a));
        assert!(!runtime.has_executor(&a));
    })
    .await;
    store.resume();
    let accepted = within(pending).await.unwrap().unwrap();
    assert_eq!(accepted.outcome, AcceptOutcome::Accepted);
}

/// A store whose next `InputAccepted` write panics.
struct PanicsOnce {
    inner: InMemoryStore,
    armed: std::sync::atomic::AtomicBool,
    /// Panic after applying the batch rather than before.
    after: bool,
}

#[async_trait::async_trait]
impl RuntimeStore for PanicsOnce {
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        let accepting = batch.iter().any(|w| w.kind() == WriteKind::InputAccepted);
        if accepting && self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            if self.after {
                self.inner.write(session, version, batch).await?;
            }
            panic!("store bug (expected by this test)");
        }
        self.inner.write(session, version, batch).await
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        self.inner.load(session).await
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        self.inner.list_sessions().await
    }
}

/// A store write that panics is one of unknown outcome: `load` settles it (here: not
/// applied, since this store panics before writing), the kernel is rolled back, the caller
/// gets a typed error, and the same input can be accepted once the store behaves.
#[tokio::test]
async fn a_panicking_store_write_rolls_the_kernel_back() {
    let store = Arc::new(PanicsOnce {
        inner: InMemoryStore::new(),
        armed: std::sync::atomic::AtomicBool::new(true),
        after: false,
    });
    let runtime = SessionRuntime::with_store(store.clone());
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let err = runtime
        .accept(&s, prompt("a"))
        .await
        .expect_err("the write panicked");
    assert!(matches!(err, RuntimeError::Store(_)), "{err:?}");
    assert_eq!(runtime.input_state(&s, &iid("a")).await.unwrap(), None);
    let again = runtime.accept(&s, prompt("a")).await.unwrap();
    assert_eq!(again.outcome, AcceptOutcome::Accepted);
    assert!(store.inner.input(&s, &iid("a")).is_some());
}

/// A store that panics after applying the batch: `load` finds it applied, so the accept
/// succeeds and the kernel keeps the input.
#[tokio::test]
async fn a_store_write_that_panics_after_applying_counts_as_written() {
    let store = Arc::new(PanicsOnce {
        inner: InMemoryStore::new(),
        armed: std::sync::atomic::AtomicBool::new(true),
        after: true,
    });
    let runtime = SessionRuntime::with_store(store.clone());
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    let a = runtime.accept(&s, prompt("a")).await.unwrap();
    assert_eq!(a.outcome, AcceptOutcome::Accepted);
    assert!(is_completed(&outcome(a.completion.unwrap()).await));
    assert_eq!(exec.calls(), 1);
    let row = store.inner.input(&s, &iid("a")).unwrap();
    assert_eq!(row.phase, InputPhase::Consumed);
}

/// What a `VersionTrouble` store's next `version` call does instead of answering.
#[derive(Clone, Copy, Debug)]
enum Trouble {
    Panic,
    Corrupt,
}

/// An in-memory store whose next `version` calls misbehave (see `Trouble`) before it
/// answers truly.
struct VersionTrouble {
    inner: Arc<InMemoryStore>,
    troubles: Mutex<Vec<Trouble>>,
}

#[async_trait::async_trait]
impl RuntimeStore for VersionTrouble {
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        self.inner.write(session, version, batch).await
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        self.inner.load(session).await
    }

    async fn version(&self, session: &SessionId) -> Result<Option<u64>, StoreError> {
        let trouble = self.troubles.lock().unwrap().pop();
        match trouble {
            Some(Trouble::Panic) => panic!("store bug in version (expected by this test)"),
            Some(Trouble::Corrupt) => Err(StoreError::Corrupt("unreadable version".into())),
            None => self.inner.version(session).await,
        }
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        self.inner.list_sessions().await
    }
}

/// Settling a lost write asks `version` again after a read that panics or fails with an
/// error that will not clear by itself, and answers only from a true reading ("not applied").
#[tokio::test]
async fn settling_asks_again_after_a_version_read_panics_or_fails() {
    let inner = Arc::new(InMemoryStore::new());
    let store = Arc::new(VersionTrouble {
        inner: inner.clone(),
        troubles: Mutex::new(Vec::new()),
    });
    let runtime = SessionRuntime::with_store(store.clone());
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    for trouble in [Trouble::Panic, Trouble::Corrupt] {
        *store.troubles.lock().unwrap() = vec![trouble];
        inner.lose_next_writes(1);
        let err = within(runtime.accept(&s, prompt("a"))).await.unwrap_err();
        assert!(
            matches!(&err, RuntimeError::Store(StoreError::Unavailable(m)) if m.contains("not applied")),
            "{trouble:?}: {err:?}"
        );
        assert!(
            store.troubles.lock().unwrap().is_empty(),
            "{trouble:?} was met"
        );
        assert_eq!(runtime.input_state(&s, &iid("a")).await.unwrap(), None);
    }
    let again = runtime.accept(&s, prompt("a")).await.unwrap();
    assert_eq!(again.outcome, AcceptOutcome::Accepted);
    assert!(inner.input(&s, &iid("a")).is_some());
}

// ---- The store contract ------------------------------------------------------------------------

#[tokio::test]
async fn the_in_memory_store_keeps_the_store_contract() {
    check_store(&InMemoryStore::new()).await;
}

/// One way a backend can break the store contract; each is `InMemoryStore` with one flaw.
#[derive(Clone, Copy, Debug)]
enum Flaw {
    /// Applies every batch as the next version, whatever version it names.
    IgnoresVersions,
    /// Takes version 0 for a session's first batch.
    AcceptsVersionZero,
    /// Puts a recovered run's inputs back at the head in reverse order.
    ReversesRequeues,
    /// Loses a failed run's error on the rows it requeues.
    LosesErrors,
    /// Does not keep the last committed run.
    ForgetsLastCommitted,
    /// Answers `version` with nothing, whatever `load` says.
    HasNoVersions,
    /// Ignores `SessionRemoved`.
    KeepsRemovedSessions,
    /// Applies the writes that follow a `SessionRemoved` in its batch to a fresh session
    /// (as its version 1), instead of refusing the batch.
    RecreatesRemovedSessions,
    /// Lets a commit consume queued inputs (by staging them first).
    CommitsQueuedInputs,
    /// Lets live inputs be evicted (by ending them first).
    EvictsLiveInputs,
    /// Lets queued inputs be evicted (by ending them first); staged ones stay refused.
    EvictsQueuedInputs,
    /// Stores inputs without their idempotency key.
    LosesIdempotencyKeys,
    /// Lists the rows in the reverse of admission order.
    ListsInputsOutOfOrder,
    /// Takes an input whose `seq` a stored row (or an earlier one of its batch) has, as rows
    /// without a unique index on the session and `seq` would (stored here under a new seq
    /// above every one written, which `InMemoryStore` takes).
    TakesDuplicateSeqs,
    /// Reports the `seq` of the last input written as `last_seq`, not the highest.
    KeepsLastSeqWritten,
    /// Checks a batch's writes against the rows stored before it, not against the batch's
    /// own earlier writes.
    ChecksBatchesAgainstStoredRows,
    /// Keeps only the first of an id's acceptances within one batch.
    SkipsRepeatsInABatch,
    /// Stages an input named twice in one `InputsStaged` once.
    StagesRepeatsOnce,
    /// Keeps evicted ids (a soft delete), refusing to accept them again.
    KeepsEvictedIds,
    /// Skips the inputs a write names that have no row, as an unchecked `UPDATE .. WHERE
    /// id IN (..)` would.
    SkipsUnknownInputs,
    /// Skips terminal rows whose phase is not terminal.
    SkipsNonTerminalRows,
    /// Takes terminal rows whose reason does not match their phase, as columns without a
    /// CHECK constraint would (stored here with the reason the phase calls for, which
    /// `InMemoryStore` takes).
    TakesAnyReason,
    /// Takes `Abandoned` rows in a commit (as if they were written just before it).
    CommitsAbandonedRows,
    /// Takes `Consumed` rows in a failed run's end (as if they were written just before
    /// it).
    FailsRunsWithConsumedRows,
    /// Skips the terminal inputs a staging or requeue names, as an `UPDATE .. WHERE
    /// phase <> 'Staged'` (instead of `= 'Queued'`) that is not counted would.
    SkipsTerminalInputs,
    /// Takes the end of a run staged before the last one staged (or whose id was skipped),
    /// checking only that it is not later than the last one, and the rows it names that are
    /// staged for the last run, as rows without a `run` column would (here those rows are
    /// ended, or requeued by a failure of their own run, just before it, and the end itself
    /// is dropped).
    EndsEarlierRuns,
    /// Takes the end of a run later than the last one staged, which was never staged (here
    /// an `InputsStaged` of it with no inputs goes just before it).
    EndsRunsNeverStaged,
    /// Takes a failure of the run last committed, as a backend that fences commits only
    /// would (here such a failure naming no rows, which changes no row, is dropped).
    FailsCommittedRuns,
    /// Takes an `InputsStaged` of a run not later than the last one staged, as a backend
    /// that keeps the highest run staged without checking the new one would (here staged
    /// as the run after the last one, which `InMemoryStore` takes).
    StagesRunsAgain,
    /// Takes an `InputsStaged` while rows are still `Staged` for an earlier run, as a
    /// backend that checks only the staged inputs' own phase would (here those rows are
    /// requeued just before a batch's first staging, when nothing before it in the batch
    /// ends a run).
    StagesTwoRunsAtOnce,
    /// Takes an input with `seq` 0, as a column without a CHECK constraint would (stored
    /// here under a new seq above every one written, which `InMemoryStore` takes).
    TakesSeqZero,
    /// Clears the error of the inputs a cancelled run (no error) requeues.
    ClearsErrorsOnCancel,
    /// Gives the inputs a failed run ends no place in the finish order.
    LeavesFailedRunRowsUnfinished,
    /// Unbinds the inputs a failed run requeues from the run (`run = NULL`).
    UnbindsRequeuedInputs,
    /// Refuses a commit of the last committed run, but takes one of an earlier run.
    FencesOnlyTheSameRun,
    /// Checks each commit against the fence stored before the batch, not the batch's own
    /// earlier commits.
    FencesOnlyAcrossBatches,
    /// Takes a `Lifecycle` of a phase a session is never stored in (`Running`,
    /// `Initializing`), as a column without a CHECK constraint would (stored here as
    /// `Attached`, which `InMemoryStore` takes).
    TakesAnyPhase,
    /// Reports no phase once the session's inputs were forgotten.
    ResetForgetsThePhase,
    /// Takes commits of runs already committed once the session's inputs were forgotten.
    ResetLiftsTheFence,
    /// Keeps a removed session's commit fence for the next session of that id.
    KeepsTheFenceAfterRemoval,
    /// Keeps in a receipt only the contributors that have rows (a foreign key).
    DropsUnstoredContributors,
    /// Lists receipts newest first.
    ListsReceiptsNewestFirst,
    /// Drops a receipt with the first row its run consumed, not the last.
    DropsReceiptsEarly,
}

/// `InMemoryStore` with one flaw. `Marks` holds what a flaw noted while writing, for its
/// `load` to misreport.
struct Flawed(InMemoryStore, Flaw, Mutex<Marks>);

#[derive(Default)]
struct Marks {
    /// Per session, the `seq` of the last input written.
    last_seq: std::collections::HashMap<SessionId, u64>,
    /// Inputs whose rows the flaw misreports.
    inputs: std::collections::HashSet<(SessionId, InputId)>,
    /// Sessions the flaw treats differently (their inputs were forgotten).
    sessions: std::collections::HashSet<SessionId>,
    /// The commit fence of each removed session.
    fences: std::collections::HashMap<SessionId, RunId>,
}

impl Flawed {
    fn new(flaw: Flaw) -> Self {
        Flawed(InMemoryStore::new(), flaw, Mutex::default())
    }

    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.2.lock().unwrap()
    }
}

#[async_trait::async_trait]
impl RuntimeStore for Flawed {
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        mut batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        let next = self.0.session(session).map_or(0, |s| s.version) + 1;
        let version = match self.1 {
            Flaw::IgnoresVersions => next,
            Flaw::AcceptsVersionZero if version == 0 => 1,
            _ => version,
        };
        if matches!(self.1, Flaw::RecreatesRemovedSessions)
            && let Some(removal) = batch
                .iter()
                .position(|w| matches!(w, StoreWrite::SessionRemoved))
            && removal + 1 < batch.len()
        {
            let fresh = batch.split_off(removal + 1);
            self.0.write(session, version, batch).await?;
            return self.0.write(session, 1, fresh).await;
        }
        // What this batch notes, kept only if it applies.
        let mut note = Marks::default();
        for write in &mut batch {
            match (self.1, write) {
                (Flaw::ReversesRequeues, StoreWrite::InputsRequeued { inputs }) => inputs.reverse(),
                (Flaw::LosesErrors, StoreWrite::RunFailed { error, .. }) => *error = None,
                (
                    Flaw::TakesAnyPhase,
                    StoreWrite::Lifecycle {
                        phase: phase @ (RuntimePhase::Running | RuntimePhase::Initializing),
                    },
                ) => *phase = RuntimePhase::Attached,
                (Flaw::LosesIdempotencyKeys, StoreWrite::InputAccepted { input }) => {
                    let mut keyless = RuntimeInput::clone(&input.input);
                    keyless.header.idempotency_key = None;
                    input.input = Arc::new(keyless);
                }
                (Flaw::KeepsLastSeqWritten, StoreWrite::InputAccepted { input }) => {
                    note.last_seq.insert(session.clone(), input.seq);
                }
                (
                    Flaw::ClearsErrorsOnCancel,
                    StoreWrite::RunFailed {
                        error, requeued, ..
                    },
                ) => {
                    let requeued = requeued.iter().map(|id| (session.clone(), id.clone()));
                    if error.is_none() {
                        note.inputs.extend(requeued);
                    }
                }
                (
                    Flaw::DropsUnstoredContributors,
                    StoreWrite::RunCommitted { receipt, terminal },
                ) => {
                    receipt
                        .inputs
                        .retain(|id| terminal.iter().any(|row| &row.input == id));
                }
                (Flaw::StagesRepeatsOnce, StoreWrite::InputsStaged { inputs, .. }) => {
                    let mut seen = std::collections::HashSet::new();
                    inputs.retain(|id| seen.insert(id.clone()));
                }
                (Flaw::KeepsEvictedIds, StoreWrite::InputAccepted { input }) => {
                    let id = (session.clone(), input.input.id().clone());
                    if self.marks().inputs.contains(&id) {
                        return Err(StoreError::Conflict("id already used".into()));
                    }
                }
                (
                    Flaw::DropsReceiptsEarly | Flaw::KeepsEvictedIds,
                    StoreWrite::InputsEvicted { inputs },
                ) => {
                    let evicted = inputs.iter().map(|id| (session.clone(), id.clone()));
                    note.inputs.extend(evicted);
                }
                (Flaw::UnbindsRequeuedInputs, StoreWrite::RunFailed { requeued, .. }) => {
                    let requeued = requeued.iter().map(|id| (session.clone(), id.clone()));
                    note.inputs.extend(requeued);
                }
                (Flaw::LeavesFailedRunRowsUnfinished, StoreWrite::RunFailed { terminal, .. }) => {
                    let ended = terminal.iter().map(|r| (session.clone(), r.input.clone()));
                    note.inputs.extend(ended);
                }
                (
                    Flaw::TakesAnyReason,
                    StoreWrite::RunCommitted { terminal, .. }
                    | StoreWrite::RunFailed { terminal, .. }
                    | StoreWrite::InputsTerminal { rows: terminal },
                ) => {
                    for row in terminal {
                        match row.phase {
                            InputPhase::Abandoned => {
                                row.reason.get_or_insert(AbandonReason::Stopped);
                            }
                            _ => row.reason = None,
                        }
                    }
                }
                _ => {}
            }
        }
        if matches!(self.1, Flaw::KeepsRemovedSessions) {
            batch.retain(|w| !matches!(w, StoreWrite::SessionRemoved));
        }
        let stored = self.0.session(session);
        let accepted_ids = |batch: &[StoreWrite]| -> Vec<InputId> {
            let accepted = batch.iter().filter_map(|w| match w {
                StoreWrite::InputAccepted { input } => Some(input.input.id().clone()),
                _ => None,
            });
            accepted.collect()
        };
        if matches!(self.1, Flaw::TakesDuplicateSeqs) {
            let stored_rows = stored.iter().flat_map(|s| &s.inputs);
            let mut taken: std::collections::HashSet<u64> =
                stored_rows.map(|r| r.input.seq).collect();
            let accepted = batch.iter().filter_map(|w| match w {
                StoreWrite::InputAccepted { input } => Some(input.seq),
                _ => None,
            });
            let last_seq = stored.as_ref().map_or(0, |s| s.last_seq);
            let mut fresh = accepted.fold(last_seq, u64::max) + 1;
            for write in &mut batch {
                if let StoreWrite::InputAccepted { input } = write
                    && !taken.insert(input.seq)
                {
                    input.seq = fresh;
                    fresh += 1;
                }
            }
        }
        if matches!(self.1, Flaw::SkipsRepeatsInABatch) {
            let mut seen = std::collections::HashSet::new();
            batch.retain(|w| match w {
                StoreWrite::InputAccepted { input } => seen.insert(input.input.id().clone()),
                _ => true,
            });
        }
        if matches!(
            self.1,
            Flaw::CommitsAbandonedRows | Flaw::FailsRunsWithConsumedRows
        ) {
            // The rows a run's end should not carry, moved to an `InputsTerminal` before it.
            let flaw = self.1;
            let split = |terminal: Vec<TerminalRow>, ends: InputPhase| {
                let (kept, moved): (Vec<_>, Vec<_>) =
                    terminal.into_iter().partition(|r| r.phase == ends);
                let before =
                    (!moved.is_empty()).then_some(StoreWrite::InputsTerminal { rows: moved });
                (before, kept)
            };
            let mut moved = Vec::with_capacity(batch.len());
            for write in batch {
                let (before, write) = match (flaw, write) {
                    (
                        Flaw::CommitsAbandonedRows,
                        StoreWrite::RunCommitted { receipt, terminal },
                    ) => {
                        let (before, terminal) = split(terminal, InputPhase::Consumed);
                        (before, StoreWrite::RunCommitted { receipt, terminal })
                    }
                    (
                        Flaw::FailsRunsWithConsumedRows,
                        StoreWrite::RunFailed {
                            run,
                            error,
                            requeued,
                            terminal,
                        },
                    ) => {
                        let (before, terminal) = split(terminal, InputPhase::Abandoned);
                        let write = StoreWrite::RunFailed {
                            run,
                            error,
                            requeued,
                            terminal,
                        };
                        (before, write)
                    }
                    (_, write) => (None, write),
                };
                moved.extend(before);
                moved.push(write);
            }
            batch = moved;
        }
        if matches!(self.1, Flaw::TakesSeqZero) {
            let accepted = batch.iter().filter_map(|w| match w {
                StoreWrite::InputAccepted { input } => Some(input.seq),
                _ => None,
            });
            let last_seq = stored.as_ref().map_or(0, |s| s.last_seq);
            let mut fresh = accepted.fold(last_seq, u64::max) + 1;
            for write in &mut batch {
                if let StoreWrite::InputAccepted { input } = write
                    && input.seq == 0
                {
                    input.seq = fresh;
                    fresh += 1;
                }
            }
        }
        if matches!(self.1, Flaw::StagesRunsAgain) {
            let mut last_run = stored.as_ref().and_then(|s| s.last_run);
            for write in &mut batch {
                if let StoreWrite::InputsStaged { run, .. } = write {
                    if let Some(last) = last_run.filter(|last| *run <= *last) {
                        *run = RunId(last.0 + 1);
                    }
                    last_run = Some(*run);
                }
            }
        }
        if matches!(self.1, Flaw::StagesTwoRunsAtOnce)
            && let Some(first) = batch
                .iter()
                .position(|w| matches!(w, StoreWrite::InputsStaged { .. }))
            && batch[..first].iter().all(|w| {
                matches!(
                    w,
                    StoreWrite::InputAccepted { .. } | StoreWrite::Lifecycle { .. }
                )
            })
        {
            let staged: Vec<InputId> = stored
                .iter()
                .flat_map(|s| &s.inputs)
                .filter(|r| r.phase == InputPhase::Staged)
                .map(|r| r.input.input.id().clone())
                .collect();
            if !staged.is_empty() {
                batch.insert(first, StoreWrite::InputsRequeued { inputs: staged });
            }
        }
        if matches!(self.1, Flaw::FailsCommittedRuns) {
            let committed = stored.as_ref().and_then(|s| s.last_committed);
            batch.retain(|w| match w {
                StoreWrite::RunFailed {
                    run,
                    requeued,
                    terminal,
                    ..
                } => !(Some(*run) == committed && requeued.is_empty() && terminal.is_empty()),
                _ => true,
            });
        }
        if matches!(self.1, Flaw::EndsEarlierRuns | Flaw::EndsRunsNeverStaged) {
            // Of the rows stored as staged, the run each is bound to.
            let bound = |id: &InputId| {
                let row = stored.as_ref().and_then(|s| s.input(id));
                row.filter(|r| r.phase == InputPhase::Staged)
                    .and_then(|r| r.run)
            };
            let flaw = self.1;
            // The last run staged, as the batch's earlier writes leave it.
            let mut last_run = stored.as_ref().and_then(|s| s.last_run);
            let mut moved = Vec::with_capacity(batch.len());
            for mut write in batch {
                let run = match &write {
                    StoreWrite::InputsStaged { run, .. } => {
                        last_run = last_run.max(Some(*run));
                        moved.push(write);
                        continue;
                    }
                    StoreWrite::RunCommitted { receipt, .. } => receipt.run,
                    StoreWrite::RunFailed { run, .. } => *run,
                    _ => {
                        moved.push(write);
                        continue;
                    }
                };
                if matches!(flaw, Flaw::EndsRunsNeverStaged) {
                    if last_run.is_none_or(|last| run > last) {
                        moved.push(StoreWrite::InputsStaged {
                            run,
                            attempt: 1,
                            inputs: Vec::new(),
                        });
                        last_run = Some(run);
                    }
                    moved.push(write);
                    continue;
                }
                if last_run.is_none_or(|last| run >= last) {
                    moved.push(write);
                    continue;
                }
                let other_run = |id: &InputId| bound(id).is_some_and(|b| b != run);
                let (terminal, requeued, error) = match &mut write {
                    StoreWrite::RunCommitted { terminal, .. } => (terminal, None, None),
                    StoreWrite::RunFailed {
                        terminal,
                        requeued,
                        error,
                        ..
                    } => (terminal, Some(requeued), error.clone()),
                    _ => unreachable!("a run's end"),
                };
                let (others, own): (Vec<_>, Vec<_>) =
                    terminal.drain(..).partition(|r| other_run(&r.input));
                *terminal = own;
                if !others.is_empty() {
                    moved.push(StoreWrite::InputsTerminal { rows: others });
                }
                let mut names_own_rows = !terminal.is_empty();
                if let Some(requeued) = requeued {
                    let (others, own): (Vec<_>, Vec<_>) =
                        requeued.drain(..).partition(|id| other_run(id));
                    *requeued = own;
                    names_own_rows |= !requeued.is_empty();
                    for id in others {
                        moved.push(StoreWrite::RunFailed {
                            run: bound(&id).unwrap_or(run),
                            error: error.clone(),
                            requeued: vec![id],
                            terminal: Vec::new(),
                        });
                    }
                }
                // Rows of its own run (never, the run being over) still go to the store.
                if names_own_rows {
                    moved.push(write);
                }
            }
            batch = moved;
        }
        if matches!(self.1, Flaw::ChecksBatchesAgainstStoredRows) {
            let unstored: Vec<InputId> = accepted_ids(&batch)
                .into_iter()
                .filter(|id| stored.as_ref().and_then(|s| s.input(id)).is_none())
                .collect();
            let early = batch.iter().any(|w| match w {
                StoreWrite::InputsStaged { inputs, .. } => {
                    inputs.iter().any(|id| unstored.contains(id))
                }
                StoreWrite::InputsTerminal { rows } => {
                    rows.iter().any(|r| unstored.contains(&r.input))
                }
                _ => false,
            });
            if early {
                return Err(StoreError::Conflict("input is not stored".into()));
            }
        }
        if matches!(
            self.1,
            Flaw::SkipsUnknownInputs | Flaw::SkipsNonTerminalRows | Flaw::SkipsTerminalInputs
        ) {
            let flaw = self.1;
            let known = accepted_ids(&batch);
            let stored_phase =
                |id: &InputId| stored.as_ref().and_then(|s| s.input(id)).map(|r| r.phase);
            let keep_id = |id: &InputId| match flaw {
                Flaw::SkipsUnknownInputs => known.contains(id) || stored_phase(id).is_some(),
                Flaw::SkipsTerminalInputs => !stored_phase(id).is_some_and(|p| p.is_terminal()),
                _ => true,
            };
            let keep_row = |r: &TerminalRow| {
                keep_id(&r.input)
                    && (!matches!(flaw, Flaw::SkipsNonTerminalRows) || r.phase.is_terminal())
            };
            for write in &mut batch {
                match write {
                    StoreWrite::InputsStaged { inputs, .. }
                    | StoreWrite::InputsRequeued { inputs } => inputs.retain(keep_id),
                    StoreWrite::RunCommitted { terminal, .. } => terminal.retain(keep_row),
                    StoreWrite::RunFailed {
                        requeued, terminal, ..
                    } => {
                        requeued.retain(keep_id);
                        terminal.retain(keep_row);
                    }
                    StoreWrite::InputsTerminal { rows } => rows.retain(keep_row),
                    _ => {}
                }
            }
        }
        // Of `ids`, those stored in a phase that `wanted` picks.
        let stored_in = |ids: Vec<&InputId>, wanted: fn(InputPhase) -> bool| -> Vec<InputId> {
            ids.into_iter()
                .filter(|id| {
                    let phase = stored.as_ref().and_then(|s| s.input(id)).map(|r| r.phase);
                    phase.is_some_and(wanted)
                })
                .cloned()
                .collect()
        };
        let queued = |p: InputPhase| p == InputPhase::Queued;
        let fence = stored.as_ref().and_then(|s| s.last_committed);
        let (reset, removed_fence) = {
            let marks = self.marks();
            let reset = marks.sessions.contains(session);
            (reset, marks.fences.get(session).copied())
        };
        let mut committed_in_batch = Vec::new();
        let mut flawed = Vec::new();
        for write in batch {
            match (self.1, &write) {
                (_, StoreWrite::InputsForgotten) => {
                    note.sessions.insert(session.clone());
                }
                (_, StoreWrite::SessionRemoved) => {
                    if let Some(fence) = fence {
                        note.fences.insert(session.clone(), fence);
                    }
                }
                (
                    Flaw::FencesOnlyTheSameRun
                    | Flaw::FencesOnlyAcrossBatches
                    | Flaw::ResetLiftsTheFence
                    | Flaw::KeepsTheFenceAfterRemoval,
                    StoreWrite::RunCommitted { receipt, terminal },
                ) => {
                    let run = receipt.run;
                    let fenced = fence.is_some_and(|f| run <= f);
                    let passes = match self.1 {
                        Flaw::FencesOnlyTheSameRun => fenced && Some(run) != fence,
                        Flaw::FencesOnlyAcrossBatches => {
                            !fenced && committed_in_batch.contains(&run)
                        }
                        Flaw::ResetLiftsTheFence => fenced && reset,
                        _ => {
                            if removed_fence.is_some_and(|f| run <= f) {
                                return Err(StoreError::Conflict("run committed before".into()));
                            }
                            false
                        }
                    };
                    committed_in_batch.push(run);
                    if passes {
                        // Applied without its receipt, so the store's own fence lets it by.
                        if !terminal.is_empty() {
                            let rows = terminal.clone();
                            flawed.push(StoreWrite::InputsTerminal { rows });
                        }
                        continue;
                    }
                }
                (Flaw::CommitsQueuedInputs, StoreWrite::RunCommitted { receipt, terminal }) => {
                    let inputs = stored_in(terminal.iter().map(|t| &t.input).collect(), queued);
                    if !inputs.is_empty() {
                        flawed.push(StoreWrite::InputsStaged {
                            run: receipt.run,
                            attempt: 1,
                            inputs,
                        });
                    }
                }
                (
                    Flaw::EvictsLiveInputs | Flaw::EvictsQueuedInputs,
                    StoreWrite::InputsEvicted { inputs },
                ) => {
                    let wanted = match self.1 {
                        Flaw::EvictsLiveInputs => |p: InputPhase| !p.is_terminal(),
                        _ => queued,
                    };
                    let live = stored_in(inputs.iter().collect(), wanted);
                    if !live.is_empty() {
                        flawed.push(StoreWrite::InputsTerminal {
                            rows: live
                                .into_iter()
                                .map(|id| TerminalRow::abandoned(id, AbandonReason::Stopped, None))
                                .collect(),
                        });
                    }
                }
                _ => {}
            }
            flawed.push(write);
        }
        let result = self.0.write(session, version, flawed).await;
        if result.is_ok() {
            let mut marks = self.marks();
            marks.last_seq.extend(note.last_seq);
            marks.inputs.extend(note.inputs);
            marks.sessions.extend(note.sessions);
            marks.fences.extend(note.fences);
        }
        result
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        let mut loaded = self.0.load(session).await?;
        let Some(stored) = loaded.as_mut() else {
            return Ok(loaded);
        };
        match self.1 {
            Flaw::ForgetsLastCommitted => stored.last_committed = None,
            Flaw::ListsReceiptsNewestFirst => stored.runs.reverse(),
            Flaw::DropsReceiptsEarly => {
                let marks = self.marks();
                let evicted = |id: &InputId| marks.inputs.contains(&(session.clone(), id.clone()));
                stored.runs.retain(|r| !r.inputs.iter().any(evicted));
            }
            Flaw::ResetForgetsThePhase if self.marks().sessions.contains(session) => {
                stored.phase = None
            }
            Flaw::ListsInputsOutOfOrder => stored.inputs.reverse(),
            Flaw::KeepsLastSeqWritten => {
                if let Some(seq) = self.marks().last_seq.get(session) {
                    stored.last_seq = *seq;
                }
            }
            Flaw::ClearsErrorsOnCancel
            | Flaw::LeavesFailedRunRowsUnfinished
            | Flaw::UnbindsRequeuedInputs => {
                let marks = self.marks();
                let rows = stored.inputs.iter_mut().filter(|r| {
                    marks
                        .inputs
                        .contains(&(session.clone(), r.input.input.id().clone()))
                });
                for row in rows {
                    match self.1 {
                        Flaw::ClearsErrorsOnCancel => row.error = None,
                        Flaw::UnbindsRequeuedInputs => row.run = None,
                        _ => row.finished = None,
                    }
                }
            }
            _ => {}
        }
        Ok(loaded)
    }

    async fn version(&self, session: &SessionId) -> Result<Option<u64>, StoreError> {
        match self.1 {
            Flaw::HasNoVersions => Ok(None),
            _ => self.0.version(session).await,
        }
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        self.0.list_sessions().await
    }
}

/// `check_store` is what a new backend is tested with, so each of its rules must catch a
/// store that breaks it: the check fails, naming that rule.
#[tokio::test]
async fn the_store_contract_check_catches_each_flawed_store() {
    let cases = [
        (
            Flaw::IgnoresVersions,
            "a session's first batch is version 1",
        ),
        (Flaw::AcceptsVersionZero, "versions start at 1"),
        (Flaw::ReversesRequeues, "at the head, in order"),
        (Flaw::LosesErrors, "keeps its attempts and the run's error"),
        (
            Flaw::ForgetsLastCommitted,
            "the last staged and committed runs",
        ),
        (Flaw::HasNoVersions, "version answers like load"),
        (
            Flaw::KeepsRemovedSessions,
            "SessionRemoved removes everything",
        ),
        (
            Flaw::RecreatesRemovedSessions,
            "a write after SessionRemoved in its batch",
        ),
        (
            Flaw::CommitsQueuedInputs,
            "a commit consumes only staged inputs",
        ),
        (
            Flaw::EvictsLiveInputs,
            "a staged input is live and is not evicted",
        ),
        (Flaw::EvictsQueuedInputs, "only a finished input is evicted"),
        (
            Flaw::LosesIdempotencyKeys,
            "load returns each input as accepted",
        ),
        (Flaw::ListsInputsOutOfOrder, "in admission (seq) order"),
        (
            Flaw::TakesDuplicateSeqs,
            "an admission seq is unique in its session",
        ),
        (
            Flaw::KeepsLastSeqWritten,
            "last_seq is the highest seq written",
        ),
        (
            Flaw::ChecksBatchesAgainstStoredRows,
            "a write sees the inputs accepted earlier in its batch",
        ),
        (
            Flaw::SkipsRepeatsInABatch,
            "an id accepted twice in one batch",
        ),
        (
            Flaw::StagesRepeatsOnce,
            "an input staged twice in one write",
        ),
        (Flaw::KeepsEvictedIds, "an evicted id may be accepted again"),
        (Flaw::SkipsUnknownInputs, "naming an input with no row"),
        (Flaw::SkipsTerminalInputs, "of a terminal input"),
        (
            Flaw::SkipsNonTerminalRows,
            "a terminal row with a phase that is not terminal",
        ),
        (
            Flaw::TakesAnyReason,
            "a terminal row whose reason does not match its phase",
        ),
        (
            Flaw::CommitsAbandonedRows,
            "a commit's terminal rows are Consumed",
        ),
        (
            Flaw::FailsRunsWithConsumedRows,
            "a failed run's terminal rows are Abandoned",
        ),
        (
            Flaw::EndsEarlierRuns,
            "a run's end is of the last run staged",
        ),
        (
            Flaw::EndsRunsNeverStaged,
            "a run later than the last one staged was never staged",
        ),
        (Flaw::FailsCommittedRuns, "a committed run does not fail"),
        (
            Flaw::StagesRunsAgain,
            "a run is staged once, after the runs staged before it",
        ),
        (
            Flaw::StagesTwoRunsAtOnce,
            "one run at a time: no run is staged while an earlier run's inputs are",
        ),
        (Flaw::TakesSeqZero, "admission seqs start at 1"),
        (
            Flaw::ClearsErrorsOnCancel,
            "a cancelled run's requeued inputs keep their last error",
        ),
        (
            Flaw::UnbindsRequeuedInputs,
            "keeps its attempts and the run it was bound to",
        ),
        (
            Flaw::FencesOnlyTheSameRun,
            "a run commits after the runs committed before it",
        ),
        (
            Flaw::FencesOnlyAcrossBatches,
            "a run commits once, also within one batch",
        ),
        (Flaw::TakesAnyPhase, "a session is never stored Running"),
        (
            Flaw::ResetForgetsThePhase,
            "InputsForgotten keeps the counters, the commit fence and the phase",
        ),
        (
            Flaw::ResetLiftsTheFence,
            "the commit fence holds through InputsForgotten",
        ),
        (
            Flaw::KeepsTheFenceAfterRemoval,
            "a removed session starts afresh",
        ),
        (
            Flaw::DropsUnstoredContributors,
            "a receipt is kept as written",
        ),
        (
            Flaw::ListsReceiptsNewestFirst,
            "receipts are listed oldest first",
        ),
        (
            Flaw::DropsReceiptsEarly,
            "a receipt stays while a row its run consumed is stored",
        ),
        (
            Flaw::LeavesFailedRunRowsUnfinished,
            "a failed run's terminal rows take their place in the finish order",
        ),
    ];
    for (flaw, rule) in cases {
        let store = Flawed::new(flaw);
        let broken = tokio::spawn(async move { check_store(&store).await })
            .await
            .expect_err("the check fails");
        // A message without arguments panics with a `&str`, one with them with a `String`.
        let panic = broken.into_panic();
        let message = match panic.downcast_ref::<&str>() {
            Some(message) => message.to_string(),
            None => panic.downcast_ref::<String>().cloned().unwrap_or_default(),
        };
        assert!(message.contains(rule), "{flaw:?}: {message}");
    }
}

/// A batch's `RunStarted` names its contributors in run (admission) order, as the executor
/// gets them.
#[tokio::test]
async fn a_batch_run_started_event_lists_its_inputs_in_admission_order() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    let mut events = runtime.subscribe();
    let handles = vec![
        accept_quiet(&runtime, &s, msg("a")).await,
        accept_quiet(&runtime, &s, msg("b")).await,
        accept_quiet(&runtime, &s, msg("c")).await,
    ];
    runtime.wake(&s).await.unwrap();
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    let batch = vec![iid("a"), iid("b"), iid("c")];
    assert_eq!(exec.batches(), vec![batch.clone()]);
    let started: Vec<EventKind> = drain(&mut events)
        .into_iter()
        .filter(|e| matches!(e, EventKind::RunStarted { .. }))
        .collect();
    assert_eq!(
        started,
        vec![EventKind::RunStarted {
            run: RunId(1),
            inputs: batch,
            attempt: 1,
        }]
    );
}

/// Every control operation that ends a run in flight reports it finished (`Stopped`), as
/// `stop` does: `recover`, `destroy` and `unregister_session`. A consumer that follows runs
/// by their events would otherwise see them start and never end.
#[tokio::test]
async fn recover_destroy_and_unregister_report_the_run_they_end() {
    for op in ["recover", "destroy", "unregister"] {
        let (runtime, s, exec) = attached("s").await;
        let mut events = runtime.subscribe();
        exec.push(Step::blocked(Step::Echo));
        let _a = accept(&runtime, &s, prompt("a")).await;
        exec.wait_for_blocked(1).await;
        let run = current_run(&runtime, &s).await;
        match op {
            "recover" => runtime.recover(&s).await.map(drop).unwrap(),
            "destroy" => runtime.destroy(&s).await.map(drop).unwrap(),
            _ => runtime.unregister_session(&s).await.map(drop).unwrap(),
        }
        let finished: Vec<EventKind> = drain(&mut events)
            .into_iter()
            .filter(|e| matches!(e, EventKind::RunFinished { .. }))
            .collect();
        assert_eq!(
            finished,
            vec![EventKind::RunFinished {
                run,
                outcome: RunOutcomeKind::Stopped,
                error: None,
            }],
            "{op}"
        );
        exec.release_all();
    }
}
