//! Control operations (boundary cancel, interrupt, stop, retire, reset, recycle, recover,
//! destroy, unregister) and the query surface of the runtime shell.

mod support;

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use support::*;
use suricate_runtime::generated::session as k;
use suricate_runtime::testing::*;
use suricate_runtime::*;

// ---- Boundary cancel and interrupt ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_boundary_cancels_dispatches_once() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let run = current_run(&runtime, &s).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let runtime = runtime.clone();
            let s = s.clone();
            tokio::spawn(async move { runtime.cancel_after_boundary(&s).await })
        })
        .collect();
    let mut dispatched = 0;
    for t in tasks {
        if within(t).await.unwrap().unwrap() {
            dispatched += 1;
        }
    }
    assert_eq!(dispatched, 1);
    assert_eq!(outcome(a).await, CompletionOutcome::Cancelled);
    assert_eq!(exec.boundary_cancels(), vec![run]);
    // The next run is not affected by the earlier burst.
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
}

/// "Dispatched" is per run: after one run's boundary cancel, the next run (a queue-lane one,
/// like the first) can be cancelled too (found by mutation: helper-48).
#[tokio::test]
async fn each_run_can_be_cancelled_at_its_boundary_once() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let first = current_run(&runtime, &s).await;
    assert!(runtime.cancel_after_boundary(&s).await.unwrap());
    assert_eq!(outcome(a).await, CompletionOutcome::Cancelled);
    let b = accept(&runtime, &s, prompt("b")).await;
    exec.wait_for_blocked(1).await;
    let second = current_run(&runtime, &s).await;
    assert_ne!(second, first);
    assert!(
        runtime.cancel_after_boundary(&s).await.unwrap(),
        "the second run's first cancel is dispatched"
    );
    assert!(!runtime.cancel_after_boundary(&s).await.unwrap());
    assert_eq!(outcome(b).await, CompletionOutcome::Cancelled);
    assert_eq!(exec.boundary_cancels(), vec![first, second]);
}

/// A cancel that names its run reaches that run only: a click meant for a run that has
/// just ended does not cancel the next one.
#[tokio::test]
async fn a_boundary_cancel_naming_a_run_reaches_only_that_run() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let first = current_run(&runtime, &s).await;
    exec.release(1);
    assert!(is_completed(&outcome(a).await));

    let b = accept(&runtime, &s, prompt("b")).await;
    exec.wait_for_blocked(1).await;
    let second = current_run(&runtime, &s).await;
    // Meant for the first run, which has ended: nothing happens.
    assert!(!runtime.cancel_run_after_boundary(&s, first).await.unwrap());
    let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert!(!kernel.cancel_dispatched);
    assert!(exec.boundary_cancels().is_empty());
    // Meant for this one: dispatched once, like `cancel_after_boundary`.
    assert!(runtime.cancel_run_after_boundary(&s, second).await.unwrap());
    assert!(!runtime.cancel_run_after_boundary(&s, second).await.unwrap());
    assert_eq!(outcome(b).await, CompletionOutcome::Cancelled);
    assert_eq!(exec.boundary_cancels(), vec![second]);

    // With no run at all, in any phase, it answers false.
    assert!(!runtime.cancel_run_after_boundary(&s, second).await.unwrap());
    runtime.stop(&s).await.unwrap();
    assert!(!runtime.cancel_run_after_boundary(&s, second).await.unwrap());
}

#[tokio::test]
async fn a_boundary_cancel_while_idle_does_not_cancel_the_next_run() {
    let (runtime, s, exec) = attached("s").await;
    assert!(!runtime.cancel_after_boundary(&s).await.unwrap());
    // Also harmless on a session without an executor.
    let idle = sid("idle");
    runtime.register_session(&idle).await.unwrap();
    assert!(!runtime.cancel_after_boundary(&idle).await.unwrap());

    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    assert!(exec.boundary_cancels().is_empty());
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
}

#[tokio::test]
async fn boundary_cancel_without_a_live_handle_is_recorded_but_the_run_completes() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    let exec = ScriptedExecutor::without_live_handles();
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    // The kernel records the cancel, but with no live handle nothing reaches the executor,
    // so the call reports that it dispatched nothing.
    assert!(!runtime.cancel_after_boundary(&s).await.unwrap());
    let kernel = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert!(kernel.cancel_dispatched);
    assert!(!runtime.cancel_after_boundary(&s).await.unwrap());
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
}

#[tokio::test]
async fn interrupt_is_fenced_by_run_id() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let run = current_run(&runtime, &s).await;
    let stale = RunId(run.0 + 7);
    assert!(!runtime.interrupt(&s, stale).await.unwrap());
    assert!(!runtime.interrupt(&s, RunId(0)).await.unwrap());
    assert!(exec.interrupts().is_empty(), "a stale id touches nothing");
    assert_eq!(exec.blocked(), 1);
    assert_eq!(runtime.runtime_state(&s).await.unwrap().run, Some(run));

    assert!(runtime.interrupt(&s, run).await.unwrap());
    assert_eq!(outcome(a).await, CompletionOutcome::Cancelled);
    assert_eq!(exec.interrupts(), vec![run]);
    let state = runtime.input_state(&s, &iid("a")).await.unwrap().unwrap();
    assert_eq!(state.abandoned, Some(AbandonReason::Cancelled));

    // The old id is now stale; a newer run is untouched by it.
    exec.push(Step::blocked(Step::Echo));
    let b = accept(&runtime, &s, prompt("b")).await;
    exec.wait_for_blocked(1).await;
    assert!(!runtime.interrupt(&s, run).await.unwrap());
    exec.release(1);
    assert!(is_completed(&outcome(b).await));
    assert_eq!(exec.interrupts(), vec![run]);
}

/// A cancel or interrupt that reaches the session after the executor's `apply` for the run
/// returned (its output is in hand, the commit not made yet) has nothing left to act on:
/// it answers `false`, reaches no handle, and the run commits. Lined up deterministically:
/// an accept's paused store write holds the gate, the call queues for it, then the run is
/// released and the loop, its output in hand, queues behind the call.
#[tokio::test]
async fn a_cancel_or_interrupt_after_the_run_returned_answers_false() {
    for op in [
        "cancel_after_boundary",
        "cancel_run_after_boundary",
        "interrupt",
    ] {
        let store = PausableStore::new();
        let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
        let s = sid("s");
        let exec = attach(&runtime, &s).await;
        exec.push(Step::blocked(Step::Echo));
        let a = accept(&runtime, &s, prompt("a")).await;
        within(exec.wait_for_blocked(1)).await;
        let run = current_run(&runtime, &s).await;
        // An accept parks in the store with the gate held.
        store.pause();
        let holder = {
            let (runtime, s) = (runtime.clone(), s.clone());
            tokio::spawn(async move { runtime.accept(&s, msg("b")).await })
        };
        eventually("the accept is writing", || async { store.waiting() == 1 }).await;
        // One poll queues the call for the gate (it carries on in a task of its own).
        let mut call: std::pin::Pin<Box<dyn Future<Output = RuntimeResult<bool>> + Send>> = match op
        {
            "cancel_after_boundary" => Box::pin(runtime.cancel_after_boundary(&s)),
            "cancel_run_after_boundary" => Box::pin(runtime.cancel_run_after_boundary(&s, run)),
            _ => Box::pin(runtime.interrupt(&s, run)),
        };
        let first = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "{op}: the gate is held by the accept");
        // The run returns; on this one-thread runtime, once the executor has let go of its
        // block point the loop has its output and waits for the gate behind the call.
        exec.release(1);
        eventually("the run returned", || async { exec.blocked() == 0 }).await;
        store.resume();
        let dispatched = within(call).await.unwrap();
        within(holder).await.unwrap().unwrap();
        assert!(!dispatched, "{op}: the run had already returned");
        assert!(
            exec.boundary_cancels().is_empty() && exec.interrupts().is_empty(),
            "{op}: no handle was called for a run that had returned"
        );
        assert!(is_completed(&outcome(a).await), "{op}: the run commits");
    }
}

// ---- Stop --------------------------------------------------------------------------------------

#[tokio::test]
async fn stop_abandons_pending_work_calls_the_hook_once_and_can_be_revived() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let b = accept(&runtime, &s, prompt("b").with_key("kb")).await;
    let c = accept(&runtime, &s, msg("c").steer()).await;
    let report = runtime.stop(&s).await.unwrap();
    assert_eq!(report.abandoned, 3);
    let stopped = terminated(TerminationReason::Stopped);
    for h in [a, b, c] {
        assert_eq!(outcome(h).await, stopped);
    }
    assert_eq!(exec.stop_reasons(), [StopReason::Stopped]);
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Stopped);
    assert!(!runtime.has_executor(&s));
    for id in ["a", "b", "c"] {
        let st = runtime.input_state(&s, &iid(id)).await.unwrap().unwrap();
        assert_eq!(st.phase, InputPhase::Abandoned);
        assert_eq!(st.abandoned, Some(AbandonReason::Stopped));
    }
    // Stopping again is harmless and does not call the hook again.
    assert_eq!(runtime.stop(&s).await.unwrap(), ControlReport::default());
    settle().await;
    assert_eq!(exec.stop_calls(), 1);
    assert_eq!(exec.calls(), 1, "nothing ran after the stop");
    assert_eq!(
        runtime.accept(&s, prompt("d")).await.unwrap_err(),
        RuntimeError::Stopped(s.clone())
    );

    // Revive with a new executor.
    let revived = ScriptedExecutor::new();
    assert!(
        runtime
            .ensure_executor(&s, Arc::new(revived.clone()))
            .await
            .unwrap()
    );
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Attached);
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("d")).await).await
    ));
    assert_eq!(revived.batches(), vec![vec![iid("d")]]);
    // A stopped input keeps its key: a retry with it runs nothing and names the original,
    // whose state says how it ended.
    let retry = runtime
        .accept(&s, prompt("b2").with_key("kb"))
        .await
        .unwrap();
    assert_eq!(
        retry.outcome,
        AcceptOutcome::Deduplicated { original: iid("b") }
    );
    assert!(retry.completion.is_none());
    let original = runtime.input_state(&s, &iid("b")).await.unwrap().unwrap();
    assert_eq!(original.abandoned, Some(AbandonReason::Stopped));
    settle().await;
    assert_eq!(revived.batches(), vec![vec![iid("d")]]);
}

#[tokio::test]
async fn stop_without_an_executor_abandons_queued_work() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    let report = runtime.stop(&s).await.unwrap();
    assert_eq!(report.abandoned, 1);
    assert_eq!(outcome(a).await, terminated(TerminationReason::Stopped));
    // A stopped session takes an executor again.
    let exec = attach(&runtime, &s).await;
    runtime.stop(&s).await.unwrap();
    assert_eq!(exec.stop_calls(), 1);
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("b")).await).await
    ));
}

// ---- Retire --------------------------------------------------------------------------------------

#[tokio::test]
async fn retire_with_a_loop_drains_then_retires_and_refuses_new_input() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    let c = accept(&runtime, &s, msg("c")).await;
    let report = runtime.retire(&s).await.unwrap();
    assert_eq!(report.drained, 3, "the run's contributor plus two queued");
    assert_eq!(report.abandoned, 0);
    let state = runtime.runtime_state(&s).await.unwrap();
    assert!(state.retiring);
    assert_eq!(
        state.phase,
        RuntimePhase::Running,
        "the run in flight finishes first"
    );
    assert_eq!(
        runtime.accept(&s, prompt("late")).await.unwrap_err(),
        RuntimeError::Retiring(s.clone())
    );
    exec.release(1);
    for h in [a, b, c] {
        assert!(is_completed(&outcome(h).await));
    }
    eventually("retired", || async {
        phase(&runtime, &s).await == RuntimePhase::Retired
    })
    .await;
    assert!(!runtime.has_executor(&s));
    assert_eq!(
        runtime.accept(&s, prompt("later")).await.unwrap_err(),
        RuntimeError::Retired(s.clone())
    );
    assert_eq!(runtime.input_state(&s, &iid("late")).await.unwrap(), None);
    assert_eq!(exec.calls(), 3);
    // Retiring again is harmless; a retired session cannot get an executor.
    assert_eq!(runtime.retire(&s).await.unwrap(), ControlReport::default());
    assert_eq!(
        runtime
            .ensure_executor(&s, Arc::new(ScriptedExecutor::new()))
            .await
            .unwrap_err(),
        RuntimeError::Retired(s.clone())
    );
    assert_eq!(exec.stop_calls(), 0, "retiring is not stopping");
}

#[tokio::test]
async fn retire_with_nothing_left_retires_at_once() {
    let (runtime, s, _exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a")).await).await
    ));
    settle().await;
    assert_eq!(runtime.retire(&s).await.unwrap(), ControlReport::default());
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Retired);
    assert!(!runtime.has_executor(&s));
}

#[tokio::test]
async fn retire_without_a_loop_abandons_queued_work() {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    let b = accept(&runtime, &s, msg("b").steer()).await;
    let report = runtime.retire(&s).await.unwrap();
    assert_eq!(report.abandoned, 2);
    assert_eq!(report.drained, 0);
    let retired = abandoned(AbandonReason::Retired);
    assert_eq!(outcome(a).await, retired);
    assert_eq!(outcome(b).await, retired);
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Retired);
}

// ---- Reset -------------------------------------------------------------------------------------

#[tokio::test]
async fn reset_abandons_everything_and_returns_to_idle() {
    let (runtime, s, exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("done").with_key("k")).await).await
    ));
    settle().await;
    let a = accept_quiet(&runtime, &s, prompt("a")).await;
    let b = accept_quiet(&runtime, &s, msg("b").steer()).await;
    let report = runtime.reset(&s).await.unwrap();
    assert_eq!(report.abandoned, 2);
    let reset = terminated(TerminationReason::Reset);
    assert_eq!(outcome(a).await, reset);
    assert_eq!(outcome(b).await, reset);
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(state.phase, RuntimePhase::Idle);
    assert_eq!(state.queued, 0);
    assert!(!state.has_executor, "reset detaches the executor");
    // Every input and key is forgotten.
    for id in ["done", "a", "b"] {
        assert_eq!(runtime.input_state(&s, &iid(id)).await.unwrap(), None);
    }
    let again = runtime
        .accept(&s, prompt("done").with_key("k"))
        .await
        .unwrap();
    assert_eq!(again.outcome, AcceptOutcome::Accepted);
    assert_eq!(exec.stop_calls(), 0);
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    assert!(is_completed(&outcome(again.completion.unwrap()).await));
}

/// After a reset forgets every input, an input that reuses a forgotten id is a new input
/// in full: it is listed under its id, the store keeps its row, and the executor is handed
/// its body.
#[tokio::test]
async fn an_id_reused_after_a_reset_is_a_new_input_with_its_row_and_body() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    attach(&runtime, &s).await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a")).await).await
    ));
    settle().await;
    runtime.reset(&s).await.unwrap();
    let again = accept(&runtime, &s, RuntimeInput::prompt("a", "second")).await;
    assert_eq!(
        runtime.list_active_inputs(&s).await.unwrap(),
        vec![iid("a")]
    );
    assert!(store.input(&s, &iid("a")).is_some(), "the new input's row");
    let next = attach(&runtime, &s).await;
    assert!(is_completed(&outcome(again).await));
    let texts: Vec<Vec<Option<String>>> = next
        .primitives()
        .iter()
        .map(|p| {
            p.contributors
                .iter()
                .map(|c| c.body.text().map(str::to_owned))
                .collect()
        })
        .collect();
    assert_eq!(texts, vec![vec![Some("second".to_owned())]]);
}

#[tokio::test]
async fn reset_is_refused_while_a_run_is_in_flight() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    assert_eq!(
        runtime.reset(&s).await.unwrap_err(),
        RuntimeError::NotReady {
            session: s.clone(),
            phase: RuntimePhase::Running
        }
    );
    // Nothing changed.
    assert_eq!(
        runtime.list_active_inputs(&s).await.unwrap(),
        vec![iid("a"), iid("b")]
    );
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(&outcome(b).await));
}

/// The phase errors are answered to calls other than `accept` too (attaching an executor,
/// retiring, resetting), so their messages say how to bring the session back or what to
/// wait for, rather than that it "refuses new input".
#[tokio::test]
async fn phase_errors_say_what_brings_the_session_back() {
    let runtime = SessionRuntime::new();
    let retired = sid("retired");
    runtime.register_session(&retired).await.unwrap();
    runtime.retire(&retired).await.unwrap();
    let e = runtime
        .ensure_executor(&retired, Arc::new(ScriptedExecutor::new()))
        .await
        .unwrap_err();
    assert_eq!(e, RuntimeError::Retired(retired.clone()));
    assert_eq!(
        e.to_string(),
        "session retired is retired: recycle or reset brings it back"
    );

    let (runtime, stopped, _exec) = attached("stopped").await;
    runtime.stop(&stopped).await.unwrap();
    let e = runtime.retire(&stopped).await.unwrap_err();
    assert_eq!(e, RuntimeError::Stopped(stopped.clone()));
    assert_eq!(
        e.to_string(),
        "session stopped is stopped: attaching an executor, or reset, brings it back"
    );
    // Nothing is queued to keep: recycle is refused the same way.
    assert_eq!(
        runtime.recycle(&stopped).await.unwrap_err(),
        RuntimeError::Stopped(stopped.clone())
    );

    let (runtime, running, exec) = attached("running").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &running, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let e = runtime.reset(&running).await.unwrap_err();
    assert!(
        e.to_string().ends_with(
            "(phase Running): a run is in flight; try again once it has ended \
             (a cancel or an interrupt ends it sooner)"
        ),
        "{e}"
    );
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
}

// ---- Recycle and recover -----------------------------------------------------------------------

#[tokio::test]
async fn recycle_keeps_queued_work_and_waiters_in_order() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    let handles = vec![
        accept_quiet(&runtime, &s, prompt("a")).await,
        accept_quiet(&runtime, &s, prompt("b")).await,
        accept_quiet(&runtime, &s, prompt("c").steer()).await,
    ];
    let report = runtime.recycle(&s).await.unwrap();
    assert_eq!(report.transferred, 3);
    assert_eq!(report.abandoned, 0);
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!((state.phase, state.queued), (RuntimePhase::Idle, 3));
    assert!(!runtime.has_executor(&s));
    assert_eq!(exec.stop_calls(), 0);
    let next = ScriptedExecutor::new();
    runtime
        .ensure_executor(&s, Arc::new(next.clone()))
        .await
        .unwrap();
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
    assert_eq!(
        next.batches(),
        vec![vec![iid("c")], vec![iid("a")], vec![iid("b")]]
    );
    assert_eq!(exec.calls(), 0, "the old executor ran nothing");
}

/// A retired session comes back with recycle and still remembers its inputs and keys.
#[tokio::test]
async fn recycle_revives_a_retired_session_keeping_what_it_remembers() {
    let (runtime, s, _exec) = attached("s").await;
    let a = accept(&runtime, &s, prompt("a").with_key("k")).await;
    assert!(is_completed(&outcome(a).await));
    runtime.retire(&s).await.unwrap();
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Retired);
    runtime.recycle(&s).await.unwrap();
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Idle);
    let again = runtime
        .accept(&s, prompt("a2").with_key("k"))
        .await
        .unwrap();
    assert_eq!(
        (again.outcome, again.completion.is_none()),
        (AcceptOutcome::Deduplicated { original: iid("a") }, true),
        "the key is still remembered"
    );
    let next = attach(&runtime, &s).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    assert!(is_completed(&outcome(b).await));
    assert_eq!(next.batches(), vec![vec![iid("b")]]);
}

/// `RuntimePhase::Retired` names three ways back: recycle and reset (tested above and
/// below), and a stop followed by an attach. A retired session has no loop, so the stop
/// calls no hook; the attach that follows revives it like any stopped session.
#[tokio::test]
async fn a_retired_session_comes_back_through_stop_and_attach() {
    let (runtime, s, exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("a").with_key("k")).await).await
    ));
    runtime.retire(&s).await.unwrap();
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Retired);
    assert_eq!(runtime.stop(&s).await.unwrap(), ControlReport::default());
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Stopped);
    assert_eq!(
        exec.stop_calls(),
        0,
        "a retired session has no executor to stop"
    );
    let next = attach(&runtime, &s).await;
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Attached);
    let b = accept(&runtime, &s, prompt("b")).await;
    assert!(is_completed(&outcome(b).await));
    assert_eq!(next.batches(), vec![vec![iid("b")]]);
    let again = runtime
        .accept(&s, prompt("a2").with_key("k"))
        .await
        .unwrap();
    assert_eq!(
        again.outcome,
        AcceptOutcome::Deduplicated { original: iid("a") },
        "stopping kept what the session remembers"
    );
}

#[tokio::test]
async fn recycle_is_refused_while_a_run_is_in_flight() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    assert!(matches!(
        runtime.recycle(&s).await.unwrap_err(),
        RuntimeError::NotReady {
            phase: RuntimePhase::Running,
            ..
        }
    ));
    exec.release(1);
    assert!(is_completed(&outcome(a).await));
}

#[tokio::test]
async fn recover_puts_the_lost_run_back_in_front() {
    let (runtime, s, old) = attached("s").await;
    old.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    old.wait_for_blocked(1).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    let report = runtime.recover(&s).await.unwrap();
    assert_eq!(report.transferred, 1, "the run's contributor");
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(
        (state.phase, state.run, state.queued),
        (RuntimePhase::Idle, None, 2)
    );
    assert_eq!(
        runtime.list_active_inputs(&s).await.unwrap(),
        vec![iid("a"), iid("b")]
    );
    // The lost run finishing late changes nothing.
    old.release(1);
    settle().await;
    assert_eq!(
        runtime
            .input_state(&s, &iid("a"))
            .await
            .unwrap()
            .unwrap()
            .phase,
        InputPhase::Queued
    );

    let next = ScriptedExecutor::new();
    runtime
        .ensure_executor(&s, Arc::new(next.clone()))
        .await
        .unwrap();
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(&outcome(b).await));
    assert_eq!(next.batches(), vec![vec![iid("a")], vec![iid("b")]]);
    let a_state = runtime.input_state(&s, &iid("a")).await.unwrap().unwrap();
    assert_eq!(a_state.attempts, 2, "the lost run counted as an attempt");
    // Recover on an idle or attached session only detaches.
    assert_eq!(runtime.recover(&s).await.unwrap(), ControlReport::default());
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Idle);
}

/// The executor stopped itself (`Err(Stopped)`), the store keeps refusing the write that
/// records the stop, and `recover` takes the run back meanwhile: the run's inputs go back
/// to the front as for any lost run, and the executor, which asked to stop, still gets its
/// stop hook (once), as on every other way its stop can end.
#[tokio::test]
async fn recover_after_the_executor_stopped_itself_still_calls_the_stop_hook() {
    let (runtime, store) = runtime_with_store();
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Stop));
    let mut events = runtime.subscribe();
    let a = accept(&runtime, &s, prompt("a")).await;
    within(exec.wait_for_blocked(1)).await;
    // The stop abandons `a` (a terminal row); recover writes none for it.
    store.fail_next_matching(WriteKind::InputsTerminal, usize::MAX);
    exec.release(1);
    within(async {
        loop {
            if let Ok(RuntimeEvent {
                kind: EventKind::LoopError { retrying: true, .. },
                ..
            }) = events.recv().await
            {
                break;
            }
        }
    })
    .await;
    assert_eq!(exec.stop_calls(), 0, "the stop is not recorded yet");
    let report = runtime.recover(&s).await.unwrap();
    assert_eq!(report.transferred, 1);
    assert_eq!(
        exec.stop_reasons(),
        [StopReason::Stopped],
        "the executor that stopped itself is told"
    );
    store.fail_next_matching(WriteKind::InputsTerminal, 0);
    // The loop's next attempt finds its run taken back and exits without a second hook.
    settle().await;
    assert_eq!(exec.stop_calls(), 1);
    assert_eq!(phase(&runtime, &s).await, RuntimePhase::Idle);
    let next = attach(&runtime, &s).await;
    assert!(is_completed(&outcome(a).await));
    assert_eq!(next.batches(), vec![vec![iid("a")]]);
}

/// The same when `recover` gets the gate first while the loop, the executor's `Stopped` in
/// hand, waits for it: lined up as in the cancel test above (an accept's paused write holds
/// the gate, `recover` queues, then the run returns and the loop queues behind it).
#[tokio::test]
async fn recover_ahead_of_an_unrecorded_executor_stop_calls_the_stop_hook() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Stop));
    let a = accept(&runtime, &s, prompt("a")).await;
    within(exec.wait_for_blocked(1)).await;
    store.pause();
    let holder = {
        let (runtime, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { runtime.accept(&s, msg("b")).await })
    };
    eventually("the accept is writing", || async { store.waiting() == 1 }).await;
    let mut recover = Box::pin(runtime.recover(&s));
    let first = std::future::poll_fn(|cx| Poll::Ready(recover.as_mut().poll(cx))).await;
    assert!(first.is_pending(), "the gate is held by the accept");
    exec.release(1);
    eventually("the run returned", || async { exec.blocked() == 0 }).await;
    store.resume();
    let report = within(recover).await.unwrap();
    within(holder).await.unwrap().unwrap();
    assert_eq!(report.transferred, 1);
    assert_eq!(exec.stop_reasons(), [StopReason::Stopped]);
    settle().await;
    assert_eq!(exec.stop_calls(), 1, "the loop exits without a second hook");
    assert_eq!(
        runtime.list_active_inputs(&s).await.unwrap(),
        vec![iid("a"), iid("b")]
    );
    let next = attach(&runtime, &s).await;
    assert!(is_completed(&outcome(a).await));
    within(next.wait_for_calls(2)).await;
}

/// An input whose last allowed run is lost to `recover` is abandoned with the error of
/// its latest failed run, not of an earlier one.
#[tokio::test]
async fn an_input_exhausted_by_recover_reports_its_latest_failure() {
    let (runtime, s, old) = attached("s").await;
    old.push_all([
        Step::fail("first"),
        Step::fail("second"),
        Step::blocked(Step::Echo),
    ]);
    let a = accept(&runtime, &s, prompt("a")).await;
    old.wait_for_blocked(1).await;
    runtime.recover(&s).await.unwrap();
    assert_eq!(
        outcome(a).await,
        CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("second".to_owned()),
        }
    );
}

/// A run that `recover` took back may still fail afterwards: its error belongs to no
/// input any more, so a later end of those inputs does not report it.
#[tokio::test]
async fn a_lost_run_failing_late_leaves_no_error_on_its_inputs() {
    let (runtime, s, old) = attached("s").await;
    old.push(Step::blocked(Step::fail("boom from the lost run")));
    let a = accept(&runtime, &s, prompt("a")).await;
    old.wait_for_blocked(1).await;
    runtime.recover(&s).await.unwrap();
    old.release(1);
    settle().await;
    runtime.retire(&s).await.unwrap();
    assert_eq!(outcome(a).await, abandoned(AbandonReason::Retired));
}

/// An executor that panics fails the run like any generic failure: the input is retried
/// up to the attempt limit and then abandoned; the loop survives and serves later inputs.
#[tokio::test]
async fn a_panicking_executor_fails_the_run_and_the_loop_survives() {
    struct PanicsOnBad;
    #[async_trait::async_trait]
    impl Executor for PanicsOnBad {
        async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
            if run.contributors.iter().any(|i| i.id().as_str() == "bad") {
                panic!("executor bug (expected by this test)");
            }
            Ok(RunOutput::text("fine"))
        }
        async fn stop(&self, _reason: StopReason) {}
    }
    /// Written without `async_trait`: it panics before it returns the future.
    struct PanicsAtOnceOnBad;
    impl Executor for PanicsAtOnceOnBad {
        fn apply<'a, 'f>(
            &'a self,
            run: RunPrimitive,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<RunOutput, ExecutorError>> + Send + 'f>,
        >
        where
            'a: 'f,
        {
            if run.contributors.iter().any(|i| i.id().as_str() == "bad") {
                panic!("executor bug (expected by this test)");
            }
            Box::pin(async { Ok(RunOutput::text("fine")) })
        }
    }
    panicking_executor_fails_the_run(Arc::new(PanicsOnBad)).await;
    panicking_executor_fails_the_run(Arc::new(PanicsAtOnceOnBad)).await;
}

async fn panicking_executor_fails_the_run(executor: Arc<dyn Executor>) {
    let runtime = SessionRuntime::new();
    let s = sid("s");
    runtime.ensure_executor(&s, executor).await.unwrap();
    let bad = accept(&runtime, &s, prompt("bad")).await;
    assert_eq!(
        outcome(bad).await,
        CompletionOutcome::Abandoned {
            reason: AbandonReason::MaxAttemptsExhausted,
            error: Some("executor panicked: executor bug (expected by this test)".to_string()),
        }
    );
    assert!(runtime.has_executor(&s), "the loop is still there");
    let good = accept(&runtime, &s, prompt("good")).await;
    assert!(is_completed(&outcome(good).await));
    let bad_state = runtime.input_state(&s, &iid("bad")).await.unwrap().unwrap();
    assert_eq!(bad_state.attempts, 3);
}

// ---- Destroy and unregister ----------------------------------------------------------------------

#[tokio::test]
async fn destroy_is_terminal_for_every_later_call() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    let report = runtime.destroy(&s).await.unwrap();
    assert_eq!(report.abandoned, 2);
    let destroyed = terminated(TerminationReason::Destroyed);
    assert_eq!(outcome(a).await, destroyed);
    assert_eq!(outcome(b).await, destroyed);
    assert_eq!(
        exec.stop_reasons(),
        [StopReason::Destroyed],
        "the executor is stopped, and told the session is over"
    );
    assert!(!runtime.has_executor(&s));

    let err = RuntimeError::Destroyed(s.clone());
    let exec2: Arc<dyn Executor> = Arc::new(ScriptedExecutor::new());
    assert_eq!(runtime.accept(&s, prompt("c")).await.unwrap_err(), err);
    assert_eq!(
        runtime
            .accept_without_wake(&s, prompt("c"))
            .await
            .unwrap_err(),
        err
    );
    assert_eq!(runtime.wake(&s).await.unwrap_err(), err);
    assert_eq!(runtime.register_session(&s).await.unwrap_err(), err);
    assert_eq!(runtime.ensure_executor(&s, exec2).await.unwrap_err(), err);
    assert_eq!(runtime.runtime_state(&s).await.unwrap_err(), err);
    assert_eq!(runtime.input_state(&s, &iid("a")).await.unwrap_err(), err);
    assert_eq!(runtime.list_active_inputs(&s).await.unwrap_err(), err);
    assert_eq!(runtime.kernel_snapshot(&s).await.unwrap_err(), err);
    assert_eq!(runtime.cancel_after_boundary(&s).await.unwrap_err(), err);
    assert_eq!(runtime.interrupt(&s, RunId(1)).await.unwrap_err(), err);
    assert_eq!(runtime.stop(&s).await.unwrap_err(), err);
    assert_eq!(runtime.retire(&s).await.unwrap_err(), err);
    assert_eq!(runtime.reset(&s).await.unwrap_err(), err);
    assert_eq!(runtime.recycle(&s).await.unwrap_err(), err);
    assert_eq!(runtime.recover(&s).await.unwrap_err(), err);
    assert_eq!(runtime.destroy(&s).await.unwrap_err(), err);
    assert_eq!(runtime.unregister_session(&s).await.unwrap_err(), err);
    // The released old run changes nothing either.
    exec.release_all();
    settle().await;
    assert_eq!(exec.calls(), 1);
    assert_eq!(exec.stop_calls(), 1);
}

#[tokio::test]
async fn unregister_tells_waiters_and_applies_nothing_queued() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let join = runtime
        .accept(&s, prompt("a2").with_key("k"))
        .await
        .unwrap();
    let b = accept(&runtime, &s, prompt("b")).await;
    let c = accept(&runtime, &s, msg("c").steer()).await;
    let report = runtime.unregister_session(&s).await.unwrap();
    assert_eq!(report.abandoned, 4);
    let gone = terminated(TerminationReason::Unregistered);
    for h in [a, b, c, join.completion.unwrap()] {
        assert_eq!(outcome(h).await, gone);
    }
    // The run in flight finishing, or any wake, applies nothing more.
    exec.release_all();
    settle().await;
    assert_eq!(exec.calls(), 1);
    assert_eq!(
        exec.stop_reasons(),
        [StopReason::Unregistered],
        "unregister stops the executor, ending the run in flight"
    );
    assert!(!runtime.contains_session(&s));
}

/// The loop is committing a run (holding the gate) when an unregister begins and waits for
/// the gate: once the commit lands, the kernel starts nothing more, so the queued input is
/// abandoned, never applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregister_waiting_for_the_gate_holds_off_the_next_run() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    let exec = attach(&runtime, &s).await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    within(exec.wait_for_blocked(1)).await;
    let b = accept(&runtime, &s, prompt("b")).await;
    // The run's commit parks in the store with the gate held.
    store.pause();
    exec.release_all();
    eventually("the commit is writing", || async { store.waiting() == 1 }).await;
    // One poll runs the call up to its wait for the gate (it then carries on in a task of
    // its own): by then the unregister has begun.
    let mut unregister = Box::pin(runtime.unregister_session(&s));
    let first = std::future::poll_fn(|cx| Poll::Ready(unregister.as_mut().poll(cx))).await;
    assert!(first.is_pending(), "the gate is held by the commit");
    store.resume();
    let report = within(unregister).await.unwrap();
    assert!(is_completed(&outcome(a).await));
    assert_eq!(
        outcome(b).await,
        terminated(TerminationReason::Unregistered)
    );
    assert_eq!(report.abandoned, 1);
    assert_eq!(exec.calls(), 1, "b was never handed to the executor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_unregister_callers_share_one_result() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    runtime.register_session(&s).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..3 {
        handles.push(accept(&runtime, &s, prompt(&format!("p{i}"))).await);
    }
    // The first unregister parks inside its store write, holding the session's gate; the
    // others line up behind it.
    store.pause();
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let runtime = runtime.clone();
            let s = s.clone();
            tokio::spawn(async move { runtime.unregister_session(&s).await })
        })
        .collect();
    eventually("the first unregister is writing", || async {
        store.waiting() == 1
    })
    .await;
    settle().await;
    store.resume();
    let mut reports = Vec::new();
    for c in callers {
        reports.push(within(c).await.unwrap().unwrap());
    }
    assert!(reports.iter().all(|r| *r == reports[0]), "{reports:?}");
    assert_eq!(reports[0].abandoned, 3);
    for h in handles {
        assert_eq!(
            outcome(h).await,
            terminated(TerminationReason::Unregistered)
        );
    }
    assert!(store.inner.session(&s).is_none(), "its rows are gone");
}

// ---- Queries ----------------------------------------------------------------------------------

#[tokio::test]
async fn queries_describe_a_running_session() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let _a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    let run = current_run(&runtime, &s).await;
    let _b = accept(&runtime, &s, msg("b")).await;
    let _c = accept(&runtime, &s, msg("c").steer()).await;

    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(
        (
            state.phase,
            state.run,
            state.queued,
            state.staged,
            state.retiring,
            state.has_executor
        ),
        (RuntimePhase::Running, Some(run), 2, 1, false, true)
    );
    // The run's contributors, then the steer lane, then the queue lane.
    assert_eq!(
        runtime.list_active_inputs(&s).await.unwrap(),
        vec![iid("a"), iid("c"), iid("b")]
    );
    // `InputState` is non-exhaustive: compared field by field.
    let fields = |st: InputState| (st.phase, st.attempts, st.last_run, st.abandoned, st.error);
    assert_eq!(
        runtime
            .input_state(&s, &iid("a"))
            .await
            .unwrap()
            .map(fields),
        Some((InputPhase::Staged, 1, Some(run), None, None))
    );
    assert_eq!(
        runtime
            .input_state(&s, &iid("b"))
            .await
            .unwrap()
            .map(fields),
        Some((InputPhase::Queued, 0, None, None, None))
    );
    assert_eq!(runtime.input_state(&s, &iid("nope")).await.unwrap(), None);
    let snapshot = runtime.kernel_snapshot(&s).await.unwrap().state;
    assert_eq!(snapshot.phase, k::Phase::Running);
    assert_eq!(snapshot.run, Some(k::RunId(run.0)));
    assert_eq!(snapshot.inputs.len(), 3);
    assert_eq!(snapshot.staged.len(), 1);
    assert_eq!(snapshot.queue.len(), 1);
    assert_eq!(snapshot.steer.len(), 1);

    exec.release(1);
    eventually("all consumed", || async {
        runtime.list_active_inputs(&s).await.unwrap().is_empty()
    })
    .await;
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(
        (state.phase, state.run, state.queued, state.staged),
        (RuntimePhase::Attached, None, 0, 0)
    );
    let a = runtime.input_state(&s, &iid("a")).await.unwrap().unwrap();
    assert_eq!((a.phase, a.last_run), (InputPhase::Consumed, Some(run)));
    // Queries on an unknown session are typed errors.
    let unknown = sid("unknown");
    assert_eq!(
        runtime.runtime_state(&unknown).await.unwrap_err(),
        RuntimeError::UnknownSession(unknown.clone())
    );
    assert!(runtime.list_active_inputs(&unknown).await.is_err());
    assert!(runtime.kernel_snapshot(&unknown).await.is_err());
}

/// A retire drains work accepted without a wake (retiring wakes the loop), and counts the
/// steer lane among the work left to drain.
#[tokio::test]
async fn retire_wakes_the_loop_and_counts_both_lanes() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    let a = accept_quiet(&runtime, &s, msg("a")).await;
    let b = accept_quiet(&runtime, &s, msg("b").steer()).await;
    let report = runtime.retire(&s).await.unwrap();
    assert_eq!(
        report,
        ControlReport {
            abandoned: 0,
            drained: 2,
            transferred: 0
        }
    );
    assert!(is_completed(&outcome(a).await));
    assert!(is_completed(&outcome(b).await));
    eventually("retired", || async {
        phase(&runtime, &s).await == RuntimePhase::Retired
    })
    .await;
    assert_eq!(exec.batches(), vec![vec![iid("b")], vec![iid("a")]]);
}

/// While a retire drains, a repeat of a bound key is still answered: it joins its
/// in-flight original, or is deduplicated against its finished one, rather than being
/// refused as `Retiring` (see `SessionRuntime::accept`).
#[tokio::test]
async fn a_repeated_key_is_answered_while_the_session_retires() {
    let (runtime, s, exec) = attached("s").await;
    assert!(is_completed(
        &outcome(accept(&runtime, &s, prompt("done").with_key("k1")).await).await
    ));
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a").with_key("k2")).await;
    exec.wait_for_blocked(1).await;
    assert_eq!(runtime.retire(&s).await.unwrap().drained, 1);
    let dup = runtime
        .accept(&s, prompt("done2").with_key("k1"))
        .await
        .expect("a repeat of a finished input is deduplicated, not refused");
    assert_eq!(
        (dup.outcome, dup.completion.is_none()),
        (
            AcceptOutcome::Deduplicated {
                original: iid("done")
            },
            true
        )
    );
    let join = runtime
        .accept(&s, prompt("a2").with_key("k2"))
        .await
        .expect("a repeat of an in-flight input joins it, not refused");
    assert_eq!(
        join.outcome,
        AcceptOutcome::Deduplicated { original: iid("a") }
    );
    let joined = join.completion.expect("a join waits for the original");
    exec.release(1);
    let original = outcome(a).await;
    assert!(is_completed(&original));
    assert_eq!(outcome(joined).await, original);
    eventually("retired", || async {
        phase(&runtime, &s).await == RuntimePhase::Retired
    })
    .await;
}

/// `staged` counts every contributor of the run in flight, not the run.
#[tokio::test]
async fn runtime_state_counts_every_contributor_of_a_batch_in_flight() {
    let (runtime, s, exec) = attached("s").await;
    settle().await;
    exec.push(Step::blocked(Step::Echo));
    let handles = vec![
        accept_quiet(&runtime, &s, msg("a")).await,
        accept_quiet(&runtime, &s, msg("b")).await,
        accept_quiet(&runtime, &s, msg("c")).await,
        accept_quiet(&runtime, &s, prompt("d")).await,
    ];
    runtime.wake(&s).await.unwrap();
    exec.wait_for_blocked(1).await;
    let state = runtime.runtime_state(&s).await.unwrap();
    assert_eq!(
        (state.phase, state.staged, state.queued),
        (RuntimePhase::Running, 3, 1)
    );
    exec.release(1);
    for h in handles {
        assert!(is_completed(&outcome(h).await));
    }
}

/// A destroyed session stays registered: `contains_session` and `sessions` still name it.
#[tokio::test]
async fn a_destroyed_session_stays_registered() {
    let (runtime, s, _exec) = attached("s").await;
    runtime.destroy(&s).await.unwrap();
    assert!(runtime.contains_session(&s));
    assert_eq!(runtime.sessions(), vec![s.clone()]);
    assert!(!runtime.has_executor(&s));
}

// ---- Consumer code that panics -------------------------------------------------------------

/// Succeeds at once; its stop hook counts its calls and panics.
#[derive(Default)]
struct PanickingStop {
    stops: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Executor for PanickingStop {
    async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        Ok(RunOutput::default())
    }
    async fn stop(&self, _reason: StopReason) {
        self.stops.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        panic!("a stop hook that panics");
    }
}

/// The hook runs after the operation took effect (kernel, store, waiters): its panic is
/// logged, and the caller gets the operation's result rather than the panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_hook_that_panics_does_not_fail_the_operation_that_called_it() {
    let runtime = Arc::new(SessionRuntime::new());
    for (name, op) in ["stop", "destroy", "unregister"].into_iter().enumerate() {
        let s = sid(&format!("s{name}"));
        let exec = Arc::new(PanickingStop::default());
        runtime.ensure_executor(&s, exec.clone()).await.unwrap();
        let (r, s2) = (runtime.clone(), s.clone());
        let call = tokio::spawn(async move {
            match op {
                "stop" => r.stop(&s2).await,
                "destroy" => r.destroy(&s2).await,
                _ => r.unregister_session(&s2).await,
            }
        });
        let result = within(call).await;
        assert!(matches!(result, Ok(Ok(_))), "{op}: {result:?}");
        assert_eq!(exec.stops.load(std::sync::atomic::Ordering::SeqCst), 1);
        match op {
            "stop" => assert_eq!(phase(&runtime, &s).await, RuntimePhase::Stopped),
            "destroy" => assert_eq!(
                runtime.runtime_state(&s).await.unwrap_err(),
                RuntimeError::Destroyed(s.clone())
            ),
            _ => assert!(!runtime.contains_session(&s)),
        }
    }
}

/// Concurrent unregisters share one result even when the stop hook panics: the second
/// caller neither runs the unregister again nor sees `UnknownSession`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unregisters_share_one_result_when_the_stop_hook_panics() {
    let store = PausableStore::new();
    let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
    let s = sid("s");
    let exec = Arc::new(PanickingStop::default());
    runtime.ensure_executor(&s, exec.clone()).await.unwrap();
    let unregister = || {
        let (r, s) = (runtime.clone(), s.clone());
        tokio::spawn(async move { r.unregister_session(&s).await })
    };
    store.pause();
    let first = unregister();
    eventually("the unregister's write waits", || async {
        store.waiting() == 1
    })
    .await;
    let second = unregister();
    settle().await;
    store.resume();
    let first = within(first)
        .await
        .expect("the first caller does not panic");
    let second = within(second)
        .await
        .expect("the second caller does not panic");
    assert_eq!(first, second);
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(exec.stops.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(!runtime.contains_session(&s));
}

/// Live handles whose calls panic; the runs themselves are the scripted executor's.
struct PanickingHandles(ScriptedExecutor);

impl BoundaryCancel for PanickingHandles {
    fn cancel_after_boundary(&self, _run: RunId) {
        panic!("a boundary-cancel handle that panics");
    }
}

impl Interrupt for PanickingHandles {
    fn interrupt(&self, _run: RunId) {
        panic!("an interrupt handle that panics");
    }
}

#[async_trait]
impl Executor for PanickingHandles {
    async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        self.0.apply(run).await
    }
    fn boundary_cancel(&self) -> Option<Arc<dyn BoundaryCancel>> {
        Some(Arc::new(PanickingHandles(self.0.clone())))
    }
    fn interrupt(&self) -> Option<Arc<dyn Interrupt>> {
        Some(Arc::new(PanickingHandles(self.0.clone())))
    }
}

/// A handle that panics leaves the dispatch recorded and the caller answered: the run goes
/// on (the handle did nothing) and completes when released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_handle_that_panics_does_not_fail_the_cancel_or_interrupt() {
    let runtime = Arc::new(SessionRuntime::new());
    let s = sid("s");
    let inner = ScriptedExecutor::with_responder(|_| Step::blocked(Step::Echo));
    runtime
        .ensure_executor(&s, Arc::new(PanickingHandles(inner.clone())))
        .await
        .unwrap();
    let a = accept(&runtime, &s, prompt("a")).await;
    inner.wait_for_blocked(1).await;
    let run = current_run(&runtime, &s).await;
    let (r, s2) = (runtime.clone(), s.clone());
    let interrupted = within(tokio::spawn(async move { r.interrupt(&s2, run).await })).await;
    assert_eq!(interrupted.expect("no panic"), Ok(true));
    let (r, s2) = (runtime.clone(), s.clone());
    let cancelled = within(tokio::spawn(
        async move { r.cancel_after_boundary(&s2).await },
    ))
    .await;
    assert_eq!(cancelled.expect("no panic"), Ok(true));
    inner.release_all();
    assert!(is_completed(&outcome(a).await));
}

/// A cancel reaches the run it names only: after the session is unregistered and
/// registered again, its run ids start at 1 again, and the same scripted executor does
/// not end the new run 1 for the old one's cancel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_executor_forgets_a_cancel_once_its_run_ends() {
    let (runtime, s, exec) = attached("s").await;
    exec.push(Step::blocked(Step::Echo));
    let a = accept(&runtime, &s, prompt("a")).await;
    exec.wait_for_blocked(1).await;
    assert_eq!(current_run(&runtime, &s).await, RunId(1));
    assert!(runtime.cancel_after_boundary(&s).await.unwrap());
    assert_eq!(outcome(a).await, CompletionOutcome::Cancelled);
    runtime.unregister_session(&s).await.unwrap();
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    exec.push(Step::blocked(Step::Echo));
    let b = accept(&runtime, &s, prompt("b")).await;
    exec.wait_for_blocked(1).await;
    assert_eq!(current_run(&runtime, &s).await, RunId(1));
    exec.release(1);
    assert!(is_completed(&outcome(b).await));
}
