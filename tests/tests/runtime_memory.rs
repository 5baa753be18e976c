//! A long-lived session stays bounded: once it remembers more than
//! `RuntimeOptions::remembered_inputs` finished inputs, each accept makes it forget the
//! oldest ones (up to two), in the kernel, the shell and the store.

mod support;

use std::num::NonZeroU64;
use std::sync::Arc;
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;

/// A runtime whose sessions remember `n` finished inputs, and its store.
fn remembering_runtime(n: u64) -> (Arc<SessionRuntime>, Arc<InMemoryStore>) {
    let store = Arc::new(InMemoryStore::new());
    let options =
        RuntimeOptions::default().with_remembered_inputs(NonZeroU64::new(n).expect("n > 0"));
    let runtime = Arc::new(SessionRuntime::with_options(store.clone(), options));
    (runtime, store)
}

/// `remembering_runtime(n)` with session "s" attached to a scripted executor that
/// completes every run.
async fn remembering(
    n: u64,
) -> (
    Arc<SessionRuntime>,
    Arc<InMemoryStore>,
    SessionId,
    ScriptedExecutor,
) {
    let (runtime, store) = remembering_runtime(n);
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    (runtime, store, s, exec)
}

/// Accepts `input` and waits for it to complete.
async fn run(runtime: &SessionRuntime, s: &SessionId, input: RuntimeInput) {
    let done = within(accept(runtime, s, input)).await;
    assert!(matches!(
        within(done).await,
        CompletionOutcome::Completed(_)
    ));
}

async fn remembered(runtime: &SessionRuntime, s: &SessionId, id: &str) -> bool {
    runtime.input_state(s, &iid(id)).await.unwrap().is_some()
}

#[tokio::test]
async fn the_oldest_finished_inputs_are_forgotten_everywhere() {
    let (runtime, store, s, _exec) = remembering(2).await;
    for i in 0..6 {
        run(&runtime, &s, prompt(&format!("p{i}"))).await;
    }
    // Accepting p3, p4 and p5 each found three finished inputs remembered: one too many.
    for forgotten in ["p0", "p1", "p2"] {
        assert!(!remembered(&runtime, &s, forgotten).await, "{forgotten}");
        assert!(store.input(&s, &iid(forgotten)).is_none(), "{forgotten}");
    }
    for kept in ["p3", "p4", "p5"] {
        let state = runtime.input_state(&s, &iid(kept)).await.unwrap();
        assert_eq!(state.expect(kept).phase, InputPhase::Consumed);
        assert!(store.input(&s, &iid(kept)).is_some(), "{kept}");
    }
    let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert_eq!(kernel.inputs.len(), 3);
    assert_eq!(kernel.finished.len(), 3);
    assert_eq!(store.session(&s).unwrap().inputs.len(), 3);
    assert_eq!(store.writes_of(WriteKind::InputsEvicted), 3);
}

#[tokio::test]
async fn a_forgotten_id_and_key_can_be_used_again_and_a_remembered_key_still_dedupes() {
    let (runtime, _store, s, exec) = remembering(2).await;
    run(&runtime, &s, prompt("a").with_key("ka")).await;
    run(&runtime, &s, prompt("b").with_key("kb")).await;
    run(&runtime, &s, prompt("c")).await;
    // "a" is still remembered: its id is a duplicate and its key deduplicates.
    let dup = runtime.accept(&s, prompt("a")).await.unwrap_err();
    assert_eq!(
        dup,
        RuntimeError::Rejected(InputRejection::DuplicateId { id: iid("a") })
    );
    let same = runtime
        .accept(&s, prompt("a2").with_key("ka"))
        .await
        .unwrap();
    assert_eq!(
        same.outcome,
        AcceptOutcome::Deduplicated { original: iid("a") }
    );
    // Accepting "d" made the session forget "a" (the oldest finished input).
    run(&runtime, &s, prompt("d")).await;
    assert!(!remembered(&runtime, &s, "a").await);
    let again = runtime
        .accept(&s, prompt("x").with_key("ka"))
        .await
        .unwrap();
    assert_eq!(
        again.outcome,
        AcceptOutcome::Accepted,
        "key ka was forgotten"
    );
    within(again.completion.expect("a handle")).await;
    // "x" now owns the key and is remembered: deduplicated, nothing to wait for.
    let same_key = runtime
        .accept(&s, prompt("y").with_key("ka"))
        .await
        .unwrap();
    assert_eq!(
        same_key.outcome,
        AcceptOutcome::Deduplicated { original: iid("x") }
    );
    assert!(same_key.completion.is_none(), "x is already finished");
    run(&runtime, &s, prompt("a")).await;
    assert_eq!(
        exec.calls(),
        6,
        "a, b, c, d, x and a again ran; a2 and y did not"
    );
}

#[tokio::test]
async fn live_inputs_are_never_forgotten() {
    let (runtime, _store) = remembering_runtime(2);
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    // No executor: everything stays queued, so nothing may be forgotten.
    let mut handles = Vec::new();
    for i in 0..5 {
        handles.push(accept(&runtime, &s, msg(&format!("m{i}"))).await);
    }
    for i in 0..5 {
        assert!(remembered(&runtime, &s, &format!("m{i}")).await, "m{i}");
    }
    assert_eq!(runtime.list_active_inputs(&s).await.unwrap().len(), 5);
    let exec = ScriptedExecutor::new();
    runtime.ensure_executor(&s, Arc::new(exec)).await.unwrap();
    for h in handles {
        assert!(matches!(within(h).await, CompletionOutcome::Completed(_)));
    }
    // Five finished at once: each accept forgets two of the oldest until two are left.
    run(&runtime, &s, prompt("p")).await;
    assert!(!remembered(&runtime, &s, "m1").await);
    assert!(remembered(&runtime, &s, "m2").await);
    run(&runtime, &s, prompt("q")).await;
    assert!(!remembered(&runtime, &s, "m3").await);
    assert!(remembered(&runtime, &s, "m4").await);
}

#[tokio::test]
async fn ephemeral_inputs_are_forgotten_without_store_rows() {
    let (runtime, store, s, _exec) = remembering(1).await;
    run(&runtime, &s, msg("e").durability(Durability::Ephemeral)).await;
    run(&runtime, &s, prompt("d")).await;
    run(&runtime, &s, prompt("d2")).await;
    assert!(!remembered(&runtime, &s, "e").await);
    assert_eq!(store.writes_of(WriteKind::InputsEvicted), 0, "e had no row");
    run(&runtime, &s, prompt("d3")).await;
    assert!(!remembered(&runtime, &s, "d").await);
    assert!(store.input(&s, &iid("d")).is_none());
    assert_eq!(store.writes_of(WriteKind::InputsEvicted), 1);
}

#[tokio::test]
async fn a_failed_store_write_keeps_the_input_that_would_have_been_forgotten() {
    let (runtime, store, s, _exec) = remembering(1).await;
    run(&runtime, &s, prompt("old")).await;
    run(&runtime, &s, prompt("mid")).await;
    store.fail_next_writes(1);
    let err = runtime.accept(&s, prompt("new")).await.unwrap_err();
    assert!(matches!(err, RuntimeError::Store(_)), "{err:?}");
    assert!(remembered(&runtime, &s, "old").await, "rolled back");
    assert!(!remembered(&runtime, &s, "new").await, "no trace of new");
    assert!(store.input(&s, &iid("old")).is_some());
    run(&runtime, &s, prompt("new")).await;
    assert!(!remembered(&runtime, &s, "old").await);
    assert!(store.input(&s, &iid("old")).is_none());
}

#[tokio::test]
async fn operations_count_as_finished_inputs() {
    let (runtime, _store, s, _exec) = remembering(1).await;
    let op = runtime
        .accept(
            &s,
            RuntimeInput::operation("op", "noop", serde_json::Value::Null),
        )
        .await
        .unwrap();
    assert_eq!(op.outcome, AcceptOutcome::Accepted);
    run(&runtime, &s, prompt("p")).await;
    assert!(remembered(&runtime, &s, "op").await);
    run(&runtime, &s, prompt("q")).await;
    assert!(!remembered(&runtime, &s, "op").await);
}

/// A long input in flight does not hold back forgetting the ones that finish around it.
#[tokio::test]
async fn a_long_running_input_does_not_block_forgetting() {
    let (runtime, _store) = remembering_runtime(2);
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Echo));
    let long = accept(&runtime, &s, prompt("long")).await;
    eventually("the long run started", || async { exec.calls() == 1 }).await;
    for i in 0..20 {
        let op = RuntimeInput::operation(format!("op{i}"), "noop", serde_json::Value::Null);
        runtime.accept(&s, op).await.unwrap();
    }
    let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert!(kernel.finished.len() <= 3, "{:?}", kernel.finished);
    assert!(kernel.inputs.len() <= 4, "long plus a few operations");
    assert!(remembered(&runtime, &s, "long").await);
    exec.release(1);
    assert!(matches!(
        within(long).await,
        CompletionOutcome::Completed(_)
    ));
}
