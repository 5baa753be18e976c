//! Many tasks accepting, cancelling, stopping (and unregistering) at once, on one session and
//! across sessions: every waiter resolves exactly once, outcomes agree with the kernel and the
//! event stream, and nothing deadlocks (every wait is bounded).

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// Echo mostly; every 5th run blocks until released (so cancels and stops meet runs in
/// flight), every 7th fails generically.
fn mixed_executor() -> ScriptedExecutor {
    ScriptedExecutor::with_responder(|p| {
        if p.run.0 % 5 == 0 {
            Step::blocked(Step::Echo)
        } else if p.run.0 % 7 == 0 {
            Step::fail("flaky")
        } else {
            Step::Echo
        }
    })
}

/// Keeps releasing blocked calls until told to stop.
fn releaser(exec: ScriptedExecutor, done: Arc<AtomicBool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !done.load(Ordering::Relaxed) {
            exec.release_all();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        exec.release_all();
    })
}

/// Collects every event until the bus closes or `done` is set and the channel is empty.
fn collector(runtime: &SessionRuntime) -> JoinHandle<Vec<RuntimeEvent>> {
    let mut rx = runtime.subscribe();
    tokio::spawn(async move {
        let mut events = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
                Ok(Ok(e)) => events.push(e),
                Ok(Err(RecvError::Lagged(n))) => panic!("event collector lagged by {n}"),
                Ok(Err(RecvError::Closed)) | Err(_) => return events,
            }
        }
    })
}

/// What one acceptance gave: the id accepted (or joined) and the handle, if any.
struct Accepted {
    id: InputId,
    joined: bool,
    handle: Option<CompletionHandle>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_on_one_session() {
    let runtime = Arc::new(SessionRuntime::new());
    let s = sid("s");
    let exec = mixed_executor();
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    let events = collector(&runtime);
    let done = Arc::new(AtomicBool::new(false));
    let release = releaser(exec.clone(), done.clone());

    let acceptors: Vec<JoinHandle<Vec<Accepted>>> = (0..6)
        .map(|t| {
            let runtime = runtime.clone();
            let s = s.clone();
            tokio::spawn(async move {
                let mut accepted = Vec::new();
                for i in 0..30 {
                    let id = format!("t{t}-{i}");
                    let mut input = if i % 4 == 0 { prompt(&id) } else { msg(&id) };
                    if i % 6 == 1 {
                        input = input.steer();
                    }
                    if i % 3 == 0 {
                        // Shared across tasks: joins and duplicates race each other.
                        input = input.with_key(format!("k{}", i % 9));
                    }
                    let result = if i % 5 == 0 {
                        let r = runtime.accept_without_wake(&s, input).await;
                        runtime.wake(&s).await.unwrap();
                        r
                    } else {
                        runtime.accept(&s, input).await
                    };
                    match result {
                        Ok(a) => accepted.push(Accepted {
                            id: a
                                .completion
                                .as_ref()
                                .map(|h| h.input().clone())
                                .unwrap_or_else(|| InputId::from(id.as_str())),
                            joined: matches!(a.outcome, AcceptOutcome::Deduplicated { .. }),
                            handle: a.completion,
                        }),
                        Err(RuntimeError::Stopped(_)) => {}
                        Err(e) => panic!("unexpected accept error: {e}"),
                    }
                    tokio::task::yield_now().await;
                }
                accepted
            })
        })
        .collect();
    let canceller = tokio::spawn({
        let runtime = runtime.clone();
        let s = s.clone();
        async move {
            for i in 0..150 {
                match runtime.cancel_after_boundary(&s).await {
                    Ok(_) | Err(RuntimeError::Stopped(_)) => {}
                    Err(e) => panic!("unexpected cancel error: {e}"),
                }
                if i % 3 == 0
                    && let Ok(state) = runtime.runtime_state(&s).await
                    && let Some(run) = state.run
                {
                    runtime.interrupt(&s, run).await.unwrap();
                }
                tokio::time::sleep(Duration::from_micros(300)).await;
            }
        }
    });
    let stopper = tokio::spawn({
        let runtime = runtime.clone();
        let s = s.clone();
        let exec = exec.clone();
        async move {
            for _ in 0..8 {
                tokio::time::sleep(Duration::from_millis(4)).await;
                runtime.stop(&s).await.unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
                runtime
                    .ensure_executor(&s, Arc::new(exec.clone()))
                    .await
                    .unwrap();
            }
        }
    });

    let mut accepted = Vec::new();
    for a in acceptors {
        accepted.extend(within(a).await.unwrap());
    }
    within(canceller).await.unwrap();
    within(stopper).await.unwrap();
    // Quiesce: make sure a loop is attached and let it drain.
    runtime
        .ensure_executor(&s, Arc::new(exec.clone()))
        .await
        .unwrap();
    runtime.wake(&s).await.unwrap();
    eventually("drained", || async {
        runtime.list_active_inputs(&s).await.unwrap().is_empty()
    })
    .await;
    done.store(true, Ordering::Relaxed);
    within(release).await.unwrap();

    check_outcomes(&runtime, &s, accepted, within(events).await.unwrap()).await;
}

/// Every waiter resolves (not `Dropped`), agrees with the kernel's record, joined waiters
/// agree with their original, and every accepted input has exactly one terminal event.
async fn check_outcomes(
    runtime: &SessionRuntime,
    s: &SessionId,
    accepted: Vec<Accepted>,
    events: Vec<RuntimeEvent>,
) {
    let mut terminal_events: HashMap<InputId, usize> = HashMap::new();
    for e in events.iter().filter(|e| &e.session == s) {
        if let EventKind::InputTerminal { input, .. } = &e.kind {
            *terminal_events.entry(input.clone()).or_default() += 1;
        }
    }
    let mut outcomes: HashMap<InputId, CompletionOutcome> = HashMap::new();
    let mut joined = Vec::new();
    let mut resolved = 0;
    for a in accepted {
        let Some(handle) = a.handle else {
            // Deduplicated after the original ended: the original had its own waiter.
            assert!(a.joined, "{} accepted without a handle", a.id);
            continue;
        };
        let o = outcome(handle).await;
        resolved += 1;
        assert!(
            !matches!(
                o,
                CompletionOutcome::RuntimeTerminated {
                    reason: TerminationReason::Dropped
                }
            ),
            "{}: waiter dropped",
            a.id
        );
        if a.joined {
            joined.push((a.id, o));
        } else {
            assert!(
                outcomes.insert(a.id, o).is_none(),
                "one fresh acceptance per id"
            );
        }
    }
    assert!(resolved > 0);
    for (id, o) in &outcomes {
        let state = runtime
            .input_state(s, id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{id} unknown to the kernel"));
        assert!(
            agrees(o, &state),
            "{id}: waiter told {o:?}, kernel has {state:?}"
        );
        assert_eq!(
            terminal_events.get(id).copied(),
            Some(1),
            "{id}: exactly one terminal event"
        );
    }
    for (id, o) in joined {
        assert_eq!(
            Some(&o),
            outcomes.get(&id),
            "a join shares its original's outcome"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_sessions_at_once() {
    let runtime = Arc::new(SessionRuntime::new());
    let events = collector(&runtime);
    let mut workers = Vec::new();
    for n in 0..12 {
        let runtime = runtime.clone();
        workers.push(tokio::spawn(async move {
            let s = sid(&format!("s{n}"));
            let exec = mixed_executor();
            let done = Arc::new(AtomicBool::new(false));
            let release = releaser(exec.clone(), done.clone());
            runtime
                .ensure_executor(&s, Arc::new(exec.clone()))
                .await
                .unwrap();
            let mut accepted = Vec::new();
            for i in 0..25 {
                let id = format!("i{i}");
                let input = if i % 3 == 0 { prompt(&id) } else { msg(&id) };
                match runtime
                    .accept(&s, input.with_key(format!("k{}", i % 20)))
                    .await
                {
                    Ok(a) => accepted.push(Accepted {
                        id: a
                            .completion
                            .as_ref()
                            .map(|h| h.input().clone())
                            .unwrap_or_else(|| InputId::from(id.as_str())),
                        joined: matches!(a.outcome, AcceptOutcome::Deduplicated { .. }),
                        handle: a.completion,
                    }),
                    Err(RuntimeError::Stopped(_)) => {}
                    Err(e) => panic!("unexpected accept error: {e}"),
                }
                if i % 8 == 7 {
                    runtime.stop(&s).await.unwrap();
                    runtime
                        .ensure_executor(&s, Arc::new(exec.clone()))
                        .await
                        .unwrap();
                }
                if i % 5 == 0 {
                    runtime.cancel_after_boundary(&s).await.unwrap();
                }
            }
            runtime.wake(&s).await.unwrap();
            eventually("drained", || async {
                runtime.list_active_inputs(&s).await.unwrap().is_empty()
            })
            .await;
            done.store(true, Ordering::Relaxed);
            within(release).await.unwrap();
            (s, accepted)
        }));
    }
    let mut per_session = Vec::new();
    for w in workers {
        per_session.push(within(w).await.unwrap());
    }
    let events = within(events).await.unwrap();
    for (s, accepted) in per_session {
        check_outcomes(&runtime, &s, accepted, events.clone()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unregister_and_destroy_race_with_accepts() {
    let runtime = Arc::new(SessionRuntime::new());
    let mut tasks = Vec::new();
    let mut execs = Vec::new();
    for n in 0..8 {
        let s = sid(&format!("s{n}"));
        let exec = mixed_executor();
        execs.push(exec.clone());
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap();
        for t in 0..3 {
            let runtime = runtime.clone();
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut handles = Vec::new();
                for i in 0..20 {
                    let input = msg(&format!("t{t}-{i}"));
                    match runtime.accept(&s, input).await {
                        Ok(a) => handles.extend(a.completion),
                        Err(
                            RuntimeError::UnknownSession(_)
                            | RuntimeError::Destroyed(_)
                            | RuntimeError::Stopped(_),
                        ) => break,
                        Err(e) => panic!("unexpected accept error: {e}"),
                    }
                    tokio::task::yield_now().await;
                }
                handles
            }));
        }
        let runtime = runtime.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2 + n)).await;
            // Several callers at once: one result shared by those that found the session,
            // `UnknownSession` (or `Destroyed`) for a call made once it was gone.
            let results = if n % 2 == 0 {
                let (a, b) = tokio::join!(
                    runtime.unregister_session(&s),
                    runtime.unregister_session(&s)
                );
                vec![a, b]
            } else {
                let (a, b) = tokio::join!(runtime.destroy(&s), runtime.stop(&s));
                vec![a, b]
            };
            for r in results {
                match r {
                    Ok(_)
                    | Err(RuntimeError::UnknownSession(_))
                    | Err(RuntimeError::Destroyed(_)) => {}
                    Err(e) => panic!("unexpected control error: {e}"),
                }
            }
            Vec::new()
        }));
    }
    let done = Arc::new(AtomicBool::new(false));
    let releasers: Vec<_> = execs
        .iter()
        .map(|e| releaser(e.clone(), done.clone()))
        .collect();
    let mut handles = Vec::new();
    for t in tasks {
        handles.extend(within(t).await.unwrap());
    }
    for h in handles {
        let o = outcome(h).await;
        assert!(
            matches!(
                o,
                CompletionOutcome::Completed(_)
                    | CompletionOutcome::Cancelled
                    | CompletionOutcome::Abandoned { .. }
                    | CompletionOutcome::RuntimeTerminated {
                        reason: TerminationReason::Unregistered
                            | TerminationReason::Destroyed
                            | TerminationReason::Stopped
                    }
            ),
            "{o:?}"
        );
    }
    done.store(true, Ordering::Relaxed);
    for r in releasers {
        within(r).await.unwrap();
    }
    for n in 0..8 {
        let s = sid(&format!("s{n}"));
        if n % 2 == 0 {
            assert!(!runtime.contains_session(&s));
        } else {
            assert_eq!(
                runtime.runtime_state(&s).await.unwrap_err(),
                RuntimeError::Destroyed(s.clone())
            );
        }
    }
}
