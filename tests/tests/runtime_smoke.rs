//! End-to-end smoke test of the runtime shell with a scripted executor.

use std::sync::Arc;
use std::time::Duration;
use suricate_runtime::testing::*;
use suricate_runtime::*;

#[tokio::test]
async fn prompts_run_and_complete() {
    let runtime = SessionRuntime::new();
    let session = SessionId::from("s1");
    let executor = ScriptedExecutor::new();
    runtime.register_session(&session).await.unwrap();
    let a = runtime
        .accept(&session, RuntimeInput::prompt("p1", "hello"))
        .await
        .unwrap();
    assert_eq!(a.outcome, AcceptOutcome::Accepted);
    assert!(
        runtime
            .ensure_executor(&session, Arc::new(executor.clone()))
            .await
            .unwrap()
    );
    let outcome = tokio::time::timeout(Duration::from_secs(5), a.completion.unwrap())
        .await
        .unwrap();
    assert!(
        matches!(outcome, CompletionOutcome::Completed(_)),
        "{outcome:?}"
    );
    let b = runtime
        .accept(&session, RuntimeInput::prompt("p2", "again"))
        .await
        .unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(5), b.completion.unwrap())
        .await
        .unwrap();
    assert!(
        matches!(outcome, CompletionOutcome::Completed(_)),
        "{outcome:?}"
    );
    assert_eq!(executor.calls(), 2);
    let state = runtime.runtime_state(&session).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Attached);
}

#[tokio::test]
async fn dropping_the_runtime_ends_its_loops_and_releases_waiters() {
    let executor = ScriptedExecutor::new();
    let session = SessionId::from("s1");
    let runtime = SessionRuntime::new();
    runtime
        .ensure_executor(&session, Arc::new(executor.clone()))
        .await
        .unwrap();
    let first = runtime
        .accept(&session, RuntimeInput::prompt("p1", "hi"))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), first.completion.unwrap())
        .await
        .unwrap();
    // Queued without a wake: the loop stays parked and the waiter pending.
    let pending = runtime
        .accept_without_wake(&session, RuntimeInput::prompt("p2", "later"))
        .await
        .unwrap();
    drop(runtime);
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending.completion.unwrap())
        .await
        .expect("the parked loop exits, the session goes, the waiter resolves");
    assert_eq!(
        outcome,
        CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Dropped
        }
    );
    assert_eq!(executor.calls(), 1);
}

/// What the queries and control operations report can be handed on as JSON (a dashboard,
/// an HTTP API) and read back unchanged.
#[tokio::test]
async fn reports_round_trip_through_json() {
    let runtime = SessionRuntime::new();
    let session = SessionId::from("s1");
    runtime
        .ensure_executor(&session, Arc::new(ScriptedExecutor::new()))
        .await
        .unwrap();
    let accepted = runtime
        .accept(&session, RuntimeInput::prompt("p1", "hello"))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), accepted.completion.unwrap())
        .await
        .unwrap();
    let state = runtime.runtime_state(&session).await.unwrap();
    let input = runtime
        .input_state(&session, &InputId::from("p1"))
        .await
        .unwrap()
        .unwrap();
    let report = runtime.stop(&session).await.unwrap();
    let deduplicated = AcceptOutcome::Deduplicated {
        original: InputId::from("p1"),
    };
    let outcomes = [accepted.outcome, deduplicated];
    let json = serde_json::to_string(&(&state, &input, report, &outcomes)).unwrap();
    let back: (RuntimeState, InputState, ControlReport, [AcceptOutcome; 2]) =
        serde_json::from_str(&json).unwrap();
    assert_eq!(back, (state, input, report, outcomes));
}
