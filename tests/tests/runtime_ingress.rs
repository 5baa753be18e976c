//! Registration, input validation, ingress, the runtime loop and completion handles of the
//! runtime shell, end to end with the scripted executor.

mod support;

use serde_json::json;
use std::sync::Arc;
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;

// ---- Registration ----------------------------------------------------------------------

#[tokio::test]
async fn register_is_idempotent_and_queries_see_the_session() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    assert!(!runtime.contains_session(&s));
    assert!(!runtime.has_executor(&s));
    assert!(runtime.register_session(&s).await.unwrap());
    assert!(!runtime.register_session(&s).await.unwrap());
    assert!(runtime.contains_session(&s));
    assert!(!runtime.has_executor(&s), "registered without an executor");
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Idle);
    assert!(!state.has_executor);
    assert!(!runtime.contains_session(&sid("other")));
}

#[tokio::test]
async fn attaching_an_executor_drains_inputs_queued_without_one() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let handles = vec![
        accept(&runtime, &s, prompt("p1")).await,
        accept(&runtime, &s, prompt("p2")).await,
        accept(&runtime, &s, prompt("p3")).await,
    ];
    settle().await;
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Idle);
    assert_eq!(
        state.queued, 3,
        "inputs queue while no executor is attached"
    );

    let exec = ScriptedExecutor::new();
    assert!(
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap()
    );
    assert!(runtime.has_executor(&s));
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(
        exec.batches(),
        vec![vec![iid("p1")], vec![iid("p2")], vec![iid("p3")]]
    );
    // A second attach while one is attached does not replace it.
    let other = ScriptedExecutor::new();
    assert!(
        !runtime
            .ensure_executor(&s, Arc::new(other.clone()))
            .await
            .unwrap()
    );
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("p4")).await).await
    ));
    assert_eq!(other.calls(), 0);
    assert_eq!(exec.calls(), 4);
}

#[tokio::test]
async fn ensure_executor_registers_an_unknown_session() {
    let runtime = SessionRuntime::new();
    let s = sid("new");
    let exec = ScriptedExecutor::new();
    assert!(
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap()
    );
    assert!(runtime.contains_session(&s));
    assert!(runtime.has_executor(&s));
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Attached);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_attaches_spawn_exactly_one_loop() {
    let runtime = Arc::new(SessionRuntime::new());
    let s = sid("s");
    let executors: Vec<ScriptedExecutor> = (0..16).map(|_| ScriptedExecutor::new()).collect();
    let tasks: Vec<_> = executors
        .iter()
        .map(|e| {
            let runtime = runtime.clone();
            let s = s.clone();
            let e = e.clone();
            tokio::spawn(async move { runtime.ensure_executor(&s, Arc::new(e)).await })
        })
        .collect();
    let mut attached = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        if within(t).await.unwrap().unwrap() {
            attached.push(i);
        }
    }
    assert_eq!(attached.len(), 1, "exactly one attach wins");
    for i in 0..5 {
        let h = accept(&runtime, &s, prompt(&format!("p{i}"))).await;
        assert!(is_completed(&outcome(h).await));
    }
    let calls: Vec<usize> = executors.iter().map(|e| e.calls()).collect();
    assert_eq!(calls[attached[0]], 5, "the winner runs everything");
    assert_eq!(
        calls.iter().sum::<usize>(),
        5,
        "no second loop ran anything"
    );
}

/// Regression: a session found in the map may still be Initializing (its registration in
/// flight on another task); attaching to it used to fail with `NotReady { Initializing }`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attaching_races_with_the_registration_of_a_new_session() {
    let runtime = Arc::new(SessionRuntime::new());
    for n in 0..200 {
        let s = sid(&format!("s{n}"));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let runtime = runtime.clone();
                let s = s.clone();
                tokio::spawn(async move {
                    runtime
                        .ensure_executor(&s, Arc::new(ScriptedExecutor::new()))
                        .await
                })
            })
            .collect();
        let mut winners = 0;
        for t in tasks {
            if within(t).await.unwrap().expect("attach succeeds") {
                winners += 1;
            }
        }
        assert_eq!(winners, 1);
    }
}

#[tokio::test]
async fn unregister_removes_the_session_and_its_loop() {
    let (runtime, s, exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("p1")).await).await
    ));
    let report = runtime.unregister_session(&s).await.unwrap();
    assert_eq!(report, ControlReport::default(), "nothing was pending");
    assert!(!runtime.contains_session(&s));
    assert!(!runtime.has_executor(&s));
    assert_eq!(
        runtime.accept(&s, prompt("p2")).await.unwrap_err(),
        RuntimeError::UnknownSession(s.clone())
    );
    assert_eq!(
        runtime.unregister_session(&s).await.unwrap_err(),
        RuntimeError::UnknownSession(s.clone())
    );
    // The id is free again: registering starts a new session from scratch.
    assert!(runtime.register_session(&s).await.unwrap());
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Idle);
    assert_eq!(runtime.input_state(&s, &iid("p1")).await.unwrap(), None);
    assert_eq!(exec.calls(), 1);
}

/// A loop lives on the tokio runtime that attached it. When that tokio runtime is dropped
/// while the loop is parked, a later `ensure_executor` puts a new loop in its place, and
/// the inputs queued meanwhile run.
#[test]
fn a_loop_lost_with_its_tokio_runtime_is_replaced_by_the_next_attach() {
    let tokio_runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    };
    let runtime = SessionRuntime::new();
    let s = sid("s");
    let first = tokio_runtime();
    first.block_on(async {
        assert!(
            runtime
                .ensure_executor(&s, Arc::new(ScriptedExecutor::new()))
                .await
                .unwrap()
        );
    });
    drop(first);
    tokio_runtime().block_on(async {
        let state = runtime.runtime_state(&s).await.unwrap();
        assert_eq!(state.phase, RuntimePhase::Attached);
        assert!(!state.has_executor, "the loop went with its tokio runtime");
        let queued = accept(&runtime, &s, prompt("queued")).await;
        let next = ScriptedExecutor::new();
        assert!(
            runtime
                .ensure_executor(&s, Arc::new(next.clone()))
                .await
                .unwrap()
        );
        assert!(runtime.has_executor(&s));
        assert!(is_completed(&outcome(queued).await));
        assert_eq!(next.calls(), 1);
        // With the new loop alive, attaching again is the usual no-op.
        assert!(
            !runtime
                .ensure_executor(&s, Arc::new(ScriptedExecutor::new()))
                .await
                .unwrap()
        );
    });
}

// ---- Input validation --------------------------------------------------------------------

#[tokio::test]
async fn rejected_inputs_leave_no_trace() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    let mut events = runtime.subscribe();
    let terminal_without_request = RuntimeInput::new(
        "r1",
        InputBody::PeerResponse {
            request_id: None,
            terminal: true,
            body: "done".into(),
        },
    );
    let cases = [
        (
            prompt("r1").durability(Durability::Derived),
            InputRejection::DerivedPrompt,
        ),
        (
            terminal_without_request,
            InputRejection::TerminalResponseWithoutRequest,
        ),
        // An empty request id counts as none.
        (
            RuntimeInput::new(
                "r1",
                InputBody::PeerResponse {
                    request_id: Some(String::new()),
                    terminal: true,
                    body: "done".into(),
                },
            ),
            InputRejection::TerminalResponseWithoutRequest,
        ),
        (
            RuntimeInput::peer_request("r1", "peer", "", "help?"),
            InputRejection::RequestWithoutId,
        ),
        (prompt(""), InputRejection::EmptyId),
        (
            prompt("r1").with_key(""),
            InputRejection::EmptyIdempotencyKey,
        ),
        (
            RuntimeInput::operation("r1", "compact", json!({})).durability(Durability::Derived),
            InputRejection::DerivedOperation,
        ),
    ];
    for (input, expected) in cases {
        let err = runtime
            .accept(&s, input.clone())
            .await
            .expect_err(&format!("{input:?}"));
        assert_eq!(err, RuntimeError::Rejected(expected.clone()), "{input:?}");
        let err = runtime.accept_without_wake(&s, input).await.unwrap_err();
        assert_eq!(err, RuntimeError::Rejected(expected));
    }
    // No trace: not in the kernel, not in the store, no event, the executor never saw it.
    assert_eq!(runtime.input_state(&s, &iid("r1")).await.unwrap(), None);
    assert!(runtime.list_active_inputs(&s).await.unwrap().is_empty());
    let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert!(kernel.inputs.is_empty());
    assert!(kernel.keys.is_empty());
    assert!(store.input(&s, &iid("r1")).is_none());
    assert_eq!(store.writes_of(WriteKind::InputAccepted), 0);
    settle().await;
    assert_eq!(exec.calls(), 0);
    assert!(events.try_recv().is_err(), "a rejection publishes nothing");
    // The id is still free.
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("r1")).await).await
    ));

    // A duplicate id is refused and does not disturb the original.
    let err = runtime.accept(&s, msg("r1")).await.unwrap_err();
    assert_eq!(
        err,
        RuntimeError::Rejected(InputRejection::DuplicateId { id: iid("r1") })
    );
    assert_eq!(err.to_string(), "input r1 already exists in the session");
    let state = runtime.input_state(&s, &iid("r1")).await.unwrap().unwrap();
    assert_eq!(state.phase, InputPhase::Consumed);
    assert_eq!(exec.calls(), 1);
}

#[tokio::test]
async fn derived_and_ephemeral_non_prompts_are_accepted() {
    let (runtime, s, exec) = attached("s").await;
    let a = accept(
        &runtime,
        &s,
        RuntimeInput::continuation("c", "next").durability(Durability::Derived),
    )
    .await;
    let b = accept(&runtime, &s, msg("m").durability(Durability::Ephemeral)).await;
    let c = accept(
        &runtime,
        &s,
        RuntimeInput::peer_request("q", "peer", "r9", "do"),
    )
    .await;
    let d = accept(&runtime, &s, RuntimeInput::peer_response("t", "r9", "done")).await;
    for h in [a, b, c, d] {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(exec.times_applied(&iid("c")), 1);
}

/// Only a *terminal* peer response must name its request; a progress update may not know it.
#[tokio::test]
async fn progress_response_without_request_is_accepted() {
    let (runtime, s, _exec) = attached("s").await;
    let h = accept(&runtime, &s, RuntimeInput::peer_progress("p", None, "50%")).await;
    assert!(is_completed(&outcome(h).await));
}

// ---- Ingress -------------------------------------------------------------------------------

#[tokio::test]
async fn same_key_in_flight_joins_and_runs_once() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let first = accept(&runtime, &s, prompt("a").with_key("k")).await;
    exec.wait_for_blocked(1).await;
    let join = runtime.accept(&s, prompt("b").with_key("k")).await.unwrap();
    assert_eq!(
        join.outcome,
        AcceptOutcome::Deduplicated { original: iid("a") }
    );
    let joined = join.completion.expect("a join waits for the original");
    assert_eq!(joined.input(), &iid("a"));
    // The duplicate was never admitted.
    assert_eq!(runtime.input_state(&s, &iid("b")).await.unwrap(), None);
    exec.release(1);
    let (o1, o2) = (outcome(first).await, outcome(joined).await);
    assert!(is_completed(&o1));
    assert_eq!(o1, o2, "the join shares the original's outcome");
    assert_eq!(exec.calls(), 1, "the executor ran once");
    assert_eq!(exec.batches(), vec![vec![iid("a")]]);
}

#[tokio::test]
async fn same_key_while_queued_joins_too() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let first = accept(&runtime, &s, msg("a").with_key("k")).await;
    let join = runtime
        .accept_without_wake(&s, msg("b").with_key("k"))
        .await
        .unwrap();
    assert_eq!(
        join.outcome,
        AcceptOutcome::Deduplicated { original: iid("a") }
    );
    let exec = attach(&runtime, &s).await;
    assert_eq!(
        outcome(first).await,
        outcome(join.completion.unwrap()).await
    );
    assert_eq!(exec.batches(), vec![vec![iid("a")]]);
}

#[tokio::test]
async fn same_key_after_terminal_is_deduplicated_without_a_handle() {
    let (runtime, s, exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a").with_key("k")).await).await
    ));
    let again = runtime.accept(&s, prompt("b").with_key("k")).await.unwrap();
    assert_eq!(
        again.outcome,
        AcceptOutcome::Deduplicated { original: iid("a") }
    );
    assert!(again.completion.is_none());
    // Also when the original was abandoned rather than consumed.
    exec.push(Step::Cancel);
    assert_eq!(
        outcome(accept(&runtime, &s, prompt("c").with_key("j")).await).await,
        CompletionOutcome::Cancelled
    );
    let again = runtime.accept(&s, prompt("d").with_key("j")).await.unwrap();
    assert_eq!(
        again.outcome,
        AcceptOutcome::Deduplicated { original: iid("c") }
    );
    assert!(again.completion.is_none());
    settle().await;
    assert_eq!(exec.calls(), 2);
    assert_eq!(runtime.input_state(&s, &iid("b")).await.unwrap(), None);
}

#[tokio::test]
async fn accepting_in_a_closed_phase_is_a_typed_error() {
    let runtime = SessionRuntime::new();
    let unknown = sid("unknown");
    assert_eq!(
        runtime.accept(&unknown, prompt("a")).await.unwrap_err(),
        RuntimeError::UnknownSession(unknown.clone())
    );
    assert_eq!(
        runtime
            .accept_without_wake(&unknown, prompt("a"))
            .await
            .unwrap_err(),
        RuntimeError::UnknownSession(unknown.clone())
    );

    let retired = sid("retired");
    runtime.register_session(&retired).await.unwrap();
    runtime.retire(&retired).await.unwrap();
    assert_eq!(
        runtime.accept(&retired, prompt("a")).await.unwrap_err(),
        RuntimeError::Retired(retired.clone())
    );

    let stopped = sid("stopped");
    runtime.register_session(&stopped).await.unwrap();
    runtime.stop(&stopped).await.unwrap();
    assert_eq!(
        runtime.accept(&stopped, prompt("a")).await.unwrap_err(),
        RuntimeError::Stopped(stopped.clone())
    );

    let destroyed = sid("destroyed");
    runtime.register_session(&destroyed).await.unwrap();
    runtime.destroy(&destroyed).await.unwrap();
    assert_eq!(
        runtime.accept(&destroyed, prompt("a")).await.unwrap_err(),
        RuntimeError::Destroyed(destroyed.clone())
    );
    // None of them kept anything.
    for s in [&retired, &stopped] {
        assert_eq!(runtime.input_state(s, &iid("a")).await.unwrap(), None);
    }
}

#[tokio::test]
async fn accept_without_wake_waits_for_an_explicit_wake() {
    let (runtime, s, exec) = attached("s").await;
    // Let the new loop make its first pass (it drains whatever is queued) and park.
    settle().await;
    let handles = vec![
        accept_quiet(&runtime, &s, msg("a")).await,
        accept_quiet(&runtime, &s, msg("b")).await,
        accept_quiet(&runtime, &s, msg("c")).await,
    ];
    settle().await;
    assert_eq!(exec.calls(), 0, "nothing runs without a wake");
    assert_eq!(
        runtime.list_active_inputs(&s).await.unwrap(),
        vec![iid("a"), iid("b"), iid("c")]
    );
    runtime.wake(&s).await.unwrap();
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(
        exec.batches(),
        vec![vec![iid("a"), iid("b"), iid("c")]],
        "one batch of non-prompts"
    );
}

#[tokio::test]
async fn operations_are_consumed_on_accept_and_never_run() {
    let (runtime, s, exec) = attached("s").await;
    let mut events = runtime.subscribe();
    let op = runtime
        .accept(
            &s,
            RuntimeInput::operation("op", "compact", json!({"n": 1})).with_key("ok"),
        )
        .await
        .unwrap();
    assert_eq!(op.outcome, AcceptOutcome::Accepted);
    assert!(op.completion.is_none(), "nothing to wait for");
    let state = runtime.input_state(&s, &iid("op")).await.unwrap().unwrap();
    assert_eq!(state.phase, InputPhase::Consumed);
    assert_eq!(state.attempts, 0);
    assert_eq!(state.last_run, None);
    // Also without a wake and while a run is in flight.
    exec.push(Step::blocked(Step::Echo));
    let p = accept(&runtime, &s, prompt("p")).await;
    exec.wait_for_blocked(1).await;
    let op2 = runtime
        .accept_without_wake(&s, RuntimeInput::operation("op2", "note", json!(null)))
        .await
        .unwrap();
    assert!(op2.completion.is_none());
    exec.release(1);
    assert!(is_completed(&outcome(p).await));
    let again = runtime
        .accept(
            &s,
            RuntimeInput::operation("op3", "compact", json!({})).with_key("ok"),
        )
        .await
        .unwrap();
    assert_eq!(
        again.outcome,
        AcceptOutcome::Deduplicated {
            original: iid("op")
        }
    );
    settle().await;
    assert_eq!(
        exec.batches(),
        vec![vec![iid("p")]],
        "operations never reach the executor"
    );
    let first = events.recv().await.unwrap();
    assert_eq!(
        first.kind,
        EventKind::InputAccepted {
            input: iid("op"),
            kind: InputKind::Operation,
            lane: HandlingMode::Queue,
        }
    );
    assert_eq!(
        events.recv().await.unwrap().kind,
        EventKind::InputTerminal {
            input: iid("op"),
            phase: InputPhase::Consumed,
            reason: None
        }
    );
}

// ---- Runtime loop --------------------------------------------------------------------------

#[tokio::test]
async fn one_wake_drains_all_runnable_work() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    let mut handles = Vec::new();
    for i in 0..6 {
        handles.push(accept_quiet(&runtime, &s, prompt(&format!("p{i}"))).await);
    }
    runtime.wake(&s).await.unwrap();
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(
        exec.calls(),
        6,
        "every prompt ran, alone, after a single wake"
    );
    assert!(
        exec.primitives()
            .iter()
            .all(|p| p.boundary == RunBoundary::Prompt && p.contributors.len() == 1)
    );
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Attached);
}

#[tokio::test]
async fn steer_runs_before_queue_in_admission_order_and_prompts_run_alone() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let mut handles = Vec::new();
    for input in [
        msg("q1"),
        msg("q2"),
        prompt("q3"),
        msg("q4"),
        msg("s1").steer(),
        prompt("s2").steer(),
        msg("s3").steer(),
        msg("s4").steer(),
    ] {
        handles.push(accept(&runtime, &s, input).await);
    }
    let exec = attach(&runtime, &s).await;
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(
        exec.batches(),
        vec![
            vec![iid("s1")],
            vec![iid("s2")],
            vec![iid("s3"), iid("s4")],
            vec![iid("q1"), iid("q2")],
            vec![iid("q3")],
            vec![iid("q4")],
        ]
    );
    let boundaries: Vec<RunBoundary> = exec.primitives().iter().map(|p| p.boundary).collect();
    assert_eq!(
        boundaries,
        vec![
            RunBoundary::Batch,
            RunBoundary::Prompt,
            RunBoundary::Batch,
            RunBoundary::Batch,
            RunBoundary::Prompt,
            RunBoundary::Batch
        ]
    );
    // Run ids increase by one per run.
    let runs: Vec<u64> = exec.primitives().iter().map(|p| p.run.0).collect();
    assert_eq!(runs, (1..=6).collect::<Vec<_>>());
}

#[tokio::test]
async fn steer_input_overtakes_queued_work_while_a_run_is_in_flight() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    let c = accept(&runtime, &s, prompt("c").steer()).await;
    exec.release(1);
    for h in [a, b, c] {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(
        exec.batches(),
        vec![vec![iid("a")], vec![iid("c")], vec![iid("b")]]
    );
}

#[tokio::test]
async fn generic_failures_retry_without_a_wake_then_exhaust() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let always_failing = ScriptedExecutor::with_responder(|p| {
        if p.contributors.iter().any(|c| c.id().as_str() == "bad") {
            Step::fail("boom")
        } else {
            Step::Echo
        }
    });
    let bad = accept(&runtime, &s, prompt("bad")).await;
    let good = accept(&runtime, &s, prompt("good")).await;
    runtime
        .ensure_executor(&s, Arc::new(always_failing.clone()))
        .await
        .unwrap();
    assert_eq!(
        outcome(bad).await,
        CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("boom".into())
        }
    );
    assert!(is_completed(&outcome(good).await));
    assert_eq!(always_failing.times_applied(&iid("bad")), 3);
    // The failing head went to the back of the lane: `good` ran right after the first failure.
    assert_eq!(
        always_failing.batches(),
        vec![
            vec![iid("bad")],
            vec![iid("good")],
            vec![iid("bad")],
            vec![iid("bad")]
        ]
    );
    let state = runtime.input_state(&s, &iid("bad")).await.unwrap().unwrap();
    assert_eq!(state.phase, InputPhase::Abandoned);
    assert_eq!(state.attempts, 3);
    assert_eq!(state.last_run, Some(RunId(4)));
    assert_eq!(state.abandoned, Some(AbandonReason::MaxAttemptsExhausted));
    assert_eq!(
        state.error.as_deref(),
        Some("boom"),
        "the query still says why it gave up"
    );
}

#[tokio::test]
async fn a_retried_input_can_still_succeed_and_a_failed_batch_retries_one_by_one() {
    let (runtime, s, exec) = attached("s").await;
    exec.push_all([
        Step::fail("flaky 1"),
        Step::fail("flaky 2"),
        Step::blocked(Step::Echo),
    ]);
    let p = accept(&runtime, &s, prompt("p")).await;
    exec.wait_for_blocked(1).await;
    let retrying = runtime.input_state(&s, &iid("p")).await.unwrap().unwrap();
    assert_eq!(
        (retrying.phase, retrying.attempts, retrying.error.as_deref()),
        (InputPhase::Staged, 3, Some("flaky 2")),
        "a retried input shows its last failure"
    );
    exec.release(1);
    assert!(is_completed(&outcome(p).await));
    let state = runtime.input_state(&s, &iid("p")).await.unwrap().unwrap();
    assert_eq!((state.phase, state.attempts), (InputPhase::Consumed, 3));
    assert_eq!(state.error, None, "a consumed input has no error");

    settle().await;
    exec.push(Step::fail("batch"));
    let a = accept_quiet(&runtime, &s, msg("a")).await;
    let b = accept_quiet(&runtime, &s, msg("b")).await;
    runtime.wake(&s).await.unwrap();
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(&outcome(b).await));
    assert_eq!(
        exec.batches()[3..],
        [vec![iid("a"), iid("b")], vec![iid("a")], vec![iid("b")]]
    );
    // Each run says which attempt it is: p three times, then the batch, then its retries.
    let attempts: Vec<u64> = exec.primitives().iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 3, 1, 2, 2]);
}

#[tokio::test]
async fn executor_cancel_abandons_without_retry() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::Cancel);
    let a = accept(&runtime, &s, prompt("a")).await;
    assert_eq!(outcome(a).await, CompletionOutcome::Cancelled);
    let state = runtime.input_state(&s, &iid("a")).await.unwrap().unwrap();
    assert_eq!(state.phase, InputPhase::Abandoned);
    assert_eq!(state.abandoned, Some(AbandonReason::Cancelled));
    assert_eq!(state.attempts, 1);
    // The session carries on.
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
    assert_eq!(exec.times_applied(&iid("a")), 1, "not retried");
}

#[tokio::test]
async fn executor_stop_takes_the_stop_path() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    // Scripted before it is attached: the loop starts draining a and b at once.
    let exec = ScriptedExecutor::new();
    exec.push(Step::Stop);
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    let stopped = terminated(TerminationReason::Stopped);
    assert_eq!(outcome(a).await, stopped);
    assert_eq!(outcome(b).await, stopped);
    within(exec.wait_for_stops(1)).await;
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Stopped);
    assert!(!runtime.has_executor(&s));
    assert_eq!(exec.calls(), 1, "b never ran");
    let b_state = runtime.input_state(&s, &iid("b")).await.unwrap().unwrap();
    assert_eq!(b_state.abandoned, Some(AbandonReason::Stopped));
    settle().await;
    assert_eq!(exec.stop_reasons(), [StopReason::Stopped]);
}

// ---- Completion handles ------------------------------------------------------------------

/// A handle got again for a live input, running or queued, resolves with the same outcome
/// as the one `accept` returned, even once that one was dropped.
#[tokio::test]
async fn a_live_input_gives_a_handle_again_with_the_same_outcome() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let running = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    drop(accept(&runtime, &s, prompt("b")).await);
    let again = runtime.completion(&s, &iid("a")).await.unwrap();
    let again = again.expect("a running input is live");
    assert_eq!(again.input(), &iid("a"));
    let queued = runtime.completion(&s, &iid("b")).await.unwrap();
    let queued = queued.expect("a queued input is live");
    exec.release(1);
    let first = outcome(running).await;
    assert!(is_completed(&first));
    assert_eq!(outcome(again).await, first);
    assert!(is_completed(&outcome(queued).await));
    assert_eq!(exec.calls(), 2, "getting a handle runs nothing");
}

/// No handle for an input that is not live: finished, never accepted; a destroyed session
/// or an unknown one is a typed error.
#[tokio::test]
async fn only_a_live_input_gives_a_handle_again() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::Cancel);
    assert_eq!(
        outcome(accept(&runtime, &s, prompt("a")).await).await,
        CompletionOutcome::Cancelled
    );
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
    for id in ["a", "b", "never"] {
        assert!(
            runtime.completion(&s, &iid(id)).await.unwrap().is_none(),
            "{id} is not live"
        );
    }
    assert!(matches!(
        runtime.completion(&sid("other"), &iid("a")).await,
        Err(RuntimeError::UnknownSession(_))
    ));
    runtime.destroy(&s).await.unwrap();
    assert!(matches!(
        runtime.completion(&s, &iid("a")).await,
        Err(RuntimeError::Destroyed(_))
    ));
}

/// A handle got again is told what every other waiter of the input is told when a control
/// operation ends it.
#[tokio::test]
async fn a_handle_got_again_is_told_when_the_session_stops() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let first = accept(&runtime, &s, prompt("a")).await;
    let again = runtime.completion(&s, &iid("a")).await.unwrap().unwrap();
    runtime.stop(&s).await.unwrap();
    let stopped = CompletionOutcome::RuntimeTerminated {
        reason: TerminationReason::Stopped,
    };
    assert_eq!(outcome(first).await, stopped);
    assert_eq!(outcome(again).await, stopped);
}

#[tokio::test]
async fn completed_outcome_carries_the_executor_output() {
    let (runtime, s, exec) = attached("s").await;
    let out = RunOutput {
        text: "hi".into(),
        data: json!({"tokens": 3}),
    };
    exec.push(Step::Succeed(out.clone()));
    let h = accept(&runtime, &s, prompt("a")).await;
    assert_eq!(h.input(), &iid("a"));
    assert_eq!(outcome(h).await, CompletionOutcome::Completed(out));
    // Every contributor of a batch gets the batch's output.
    settle().await;
    let x = accept_quiet(&runtime, &s, msg("x")).await;
    let y = accept_quiet(&runtime, &s, msg("y")).await;
    runtime.wake(&s).await.unwrap();
    let expected = CompletionOutcome::Completed(RunOutput::text("s:2:x,y"));
    assert_eq!(outcome(x).await, expected);
    assert_eq!(outcome(y).await, expected);
}

#[tokio::test]
async fn dropping_a_handle_changes_nothing() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let first = accept(&runtime, &s, prompt("a").with_key("k")).await;
    exec.wait_for_blocked(1).await;
    let join = runtime.accept(&s, prompt("b").with_key("k")).await.unwrap();
    drop(first);
    drop(accept(&runtime, &s, prompt("c")).await);
    exec.release(1);
    // The joined waiter still resolves, and the dropped ones' inputs still ran.
    assert!(is_completed(&outcome(join.completion.unwrap()).await));
    eventually("c consumed", || async {
        runtime
            .input_state(&s, &iid("c"))
            .await
            .unwrap()
            .is_some_and(|st| st.phase == InputPhase::Consumed)
    })
    .await;
    assert_eq!(
        runtime
            .input_state(&s, &iid("a"))
            .await
            .unwrap()
            .unwrap()
            .phase,
        InputPhase::Consumed
    );
    assert_eq!(exec.calls(), 2);
}

#[tokio::test]
async fn a_handle_awaited_after_resolution_still_sees_its_outcome() {
    let (runtime, s, _exec) = attached("s").await;
    let h = accept(&runtime, &s, prompt("a")).await;
    eventually("consumed", || async {
        runtime
            .input_state(&s, &iid("a"))
            .await
            .unwrap()
            .is_some_and(|st| st.phase == InputPhase::Consumed)
    })
    .await;
    assert!(is_completed(&outcome(h).await));
}

/// Outside a tokio runtime a mutating call fails before it starts: it could not finish on a
/// task of its own if the caller stopped waiting.
#[test]
fn a_mutating_call_outside_a_tokio_runtime_is_refused_before_it_starts() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let runtime = SessionRuntime::new();
    let s = sid("s");
    let mut call = std::pin::pin!(runtime.register_session(&s));
    let mut cx = Context::from_waker(Waker::noop());
    match call.as_mut().poll(&mut cx) {
        Poll::Ready(result) => assert_eq!(result, Err(RuntimeError::NoTokioRuntime)),
        Poll::Pending => panic!("must fail at once"),
    }
    assert!(!runtime.contains_session(&s), "nothing happened");
}

/// Clones of a runtime are handles to the same sessions; a weak handle does not keep the
/// runtime alive, and once the last strong one goes, a waiter still pending learns it.
#[tokio::test]
async fn clones_share_sessions_and_a_weak_handle_does_not_keep_them() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    let clone = runtime.clone();
    let exec = attach(&clone, &s).await;
    assert!(
        runtime.has_executor(&s),
        "the clone attached to the same session"
    );
    let weak = runtime.downgrade();
    drop(clone);
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("p1")).await).await
    ));
    assert!(weak.upgrade().is_some_and(|rt| rt.has_executor(&s)));

    exec.push(Step::blocked(Step::Echo));
    let waiting = accept(&runtime, &s, prompt("p2")).await;
    eventually("p2 is running", || async { exec.blocked() == 1 }).await;
    drop(runtime);
    assert!(weak.upgrade().is_none(), "only a weak handle is left");
    exec.release_all();
    assert_eq!(
        outcome(waiting).await,
        terminated(TerminationReason::Dropped)
    );
}

/// The kernel names inputs by handle; a snapshot says which caller id each handle stands
/// for, so a diagnostic can be read.
#[tokio::test]
async fn a_kernel_snapshot_names_the_ids_behind_its_handles() {
    let (runtime, s, _exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("p1")).await).await
    ));
    let _queued = accept_quiet(&runtime, &s, msg("m1")).await;
    let snapshot = runtime.kernel_snapshot(&s).await.unwrap();
    let handles: Vec<u64> = snapshot.state.inputs.keys().map(|h| h.0).collect();
    assert_eq!(handles, snapshot.ids.keys().copied().collect::<Vec<_>>());
    let mut ids: Vec<&str> = snapshot.ids.values().map(InputId::as_str).collect();
    ids.sort();
    assert_eq!(ids, ["m1", "p1"]);
}

/// An input passed as an `Arc` is shared, not copied: the caller keeps it to send it
/// elsewhere after an error, and the executor gets that same allocation.
#[tokio::test]
async fn an_input_passed_as_an_arc_is_kept_by_the_caller_and_never_copied() {
    let runtime = SessionRuntime::new();
    let (retired, s) = (sid("retired"), sid("s"));
    runtime.register_session(&retired).await.unwrap();
    runtime.retire(&retired).await.unwrap();
    let input = Arc::new(prompt("a"));
    assert_eq!(
        runtime.accept(&retired, input.clone()).await.unwrap_err(),
        RuntimeError::Retired(retired.clone())
    );
    let exec = attach(&runtime, &s).await;
    let handle = runtime
        .accept(&s, input.clone())
        .await
        .unwrap()
        .completion
        .unwrap();
    assert!(is_completed(&outcome(handle).await));
    let runs = exec.primitives();
    assert!(Arc::ptr_eq(&runs[0].contributors[0], &input));
}

/// An input that exhausts its attempts reports the error of its last run, not an earlier
/// one.
#[tokio::test]
async fn an_exhausted_input_reports_the_error_of_its_last_run() {
    let (runtime, s, exec) = attached("s").await;
    exec.push_all([
        Step::fail("first"),
        Step::fail("second"),
        Step::fail("third"),
    ]);
    let a = accept(&runtime, &s, prompt("a")).await;
    assert_eq!(
        outcome(a).await,
        CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("third".into())
        }
    );
}

/// As in the queue lane, a steer input being retried runs alone.
#[tokio::test]
async fn a_failed_steer_batch_retries_one_by_one() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    exec.push(Step::fail("batch"));
    let a = accept_quiet(&runtime, &s, msg("a").steer()).await;
    let b = accept_quiet(&runtime, &s, msg("b").steer()).await;
    runtime.wake(&s).await.unwrap();
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(&outcome(b).await));
    assert_eq!(
        exec.batches(),
        [vec![iid("a"), iid("b")], vec![iid("a")], vec![iid("b")]]
    );
    let attempts: Vec<u64> = exec.primitives().iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 2]);
}

/// `has_executor` means a live loop: once the tokio runtime that ran the session's loop is
/// gone, and the loop with it, the session has none, though nothing detached it.
#[test]
fn has_executor_is_false_once_the_loop_is_gone() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        runtime
            .ensure_executor(&s, Arc::new(ScriptedExecutor::new()))
            .await
            .unwrap()
    });
    assert!(runtime.has_executor(&s));
    drop(rt);
    assert!(!runtime.has_executor(&s));
}
