//! End-to-end smoke test of the runtime shell with a scripted executor.

use std::sync::Arc;
use std::time::Duration;
use suricate_runtime::*;

#[tokio::test]
async fn prompts_run_and_complete() {
    let runtime = SessionRuntime::new();
    let session = SessionId::from("s1");
    let executor = ScriptedExecutor::new();
    runtime.register_session(session.clone()).await.unwrap();
    let a = runtime
        .accept(&session, RuntimeInput::prompt("p1", "hello"))
        .await
        .unwrap();
    assert_eq!(a.outcome, AcceptOutcome::Accepted);
    assert!(
        runtime
            .ensure_executor(session.clone(), Arc::new(executor.clone()))
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
