//! Property test: random sequences of shell operations against one session whose executor
//! picks a random outcome per run. After quiescence every accepted input is either terminal
//! or active exactly once, and after draining every waiter has resolved exactly once, agreeing
//! with the kernel's record and with the event stream.

mod support;

use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use support::*;
use suricate_runtime::generated::session as k;
use suricate_runtime::testing::*;
use suricate_runtime::*;
use tokio::sync::broadcast;

#[derive(Debug, Clone)]
enum Op {
    Accept {
        prompt: bool,
        steer: bool,
        key: Option<u8>,
        wake: bool,
    },
    Wake,
    CancelAfterBoundary,
    /// `cancel_run_after_boundary` naming the current run, or a stale one.
    CancelRunAfterBoundary {
        stale: bool,
    },
    Interrupt {
        stale: bool,
    },
    Stop,
    Attach,
    Retire,
    Reset,
    Recycle,
    Recover,
    Release,
    Yield,
    /// The next `n` writes fail, whatever they are: refused (nothing written), or of
    /// unknown outcome, lost or applied, which the runtime settles with the store's
    /// `version`; with `loads_fail`, the next read fails too and the runtime asks again.
    StoreFault {
        n: usize,
        fault: Fault,
        loads_fail: bool,
    },
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Refused,
    Lost,
    Unacknowledged,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (any::<bool>(), any::<bool>(), proptest::option::weighted(0.3, 0u8..4), prop::bool::weighted(0.8))
            .prop_map(|(prompt, steer, key, wake)| Op::Accept { prompt, steer, key, wake }),
        1 => Just(Op::Wake),
        1 => Just(Op::CancelAfterBoundary),
        1 => any::<bool>().prop_map(|stale| Op::CancelRunAfterBoundary { stale }),
        1 => any::<bool>().prop_map(|stale| Op::Interrupt { stale }),
        1 => Just(Op::Stop),
        2 => Just(Op::Attach),
        1 => Just(Op::Retire),
        1 => Just(Op::Reset),
        1 => Just(Op::Recycle),
        1 => Just(Op::Recover),
        3 => Just(Op::Release),
        3 => Just(Op::Yield),
        1 => (1usize..3, prop_oneof![Just(Fault::Refused), Just(Fault::Lost), Just(Fault::Unacknowledged)], any::<bool>())
            .prop_map(|(n, fault, loads_fail)| Op::StoreFault { n, fault, loads_fail }),
    ]
}

struct Acceptance_ {
    id: InputId,
    joined: bool,
    handle: Option<CompletionHandle>,
    /// Resets that had happened when it was accepted.
    epoch: usize,
}

/// Errors a random operation may legitimately get; anything else is a bug.
fn expected_error(e: &RuntimeError) -> bool {
    matches!(
        e,
        RuntimeError::Retired(_)
            | RuntimeError::Stopped(_)
            | RuntimeError::Retiring(_)
            | RuntimeError::NotReady { .. }
            // An injected store fault: the operation did nothing. Never a conflict: this
            // runtime is the session's only writer.
            | RuntimeError::Store(StoreError::Unavailable(_))
            // After the case destroyed or unregistered the session.
            | RuntimeError::Destroyed(_)
            | RuntimeError::UnknownSession(_)
    )
}

fn ok_or_expected<T>(r: RuntimeResult<T>) -> Result<(), TestCaseError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if expected_error(&e) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("unexpected error: {e:?}"))),
    }
}

/// The run an `interrupt` or a named boundary cancel targets: the one in flight, or a
/// stale id. Run ids start at 1, so 0 is stale whatever the loop does meanwhile (the next
/// id could become current before the call lands).
async fn target_run(runtime: &SessionRuntime, s: &SessionId, stale: bool) -> RunId {
    match runtime.runtime_state(s).await.unwrap().run {
        Some(run) if !stale => run,
        _ => RunId(0),
    }
}

/// What a consumer rebuilding the session from its event stream knows about one input.
#[derive(Debug, Default)]
struct Seen {
    /// Runs started for it so far.
    runs: u64,
    /// Its terminal event's phase and reason, once it had one.
    terminal: Option<(InputPhase, Option<AbandonReason>)>,
}

/// Replays every event of the case as a consumer building a UI or an audit log would, and
/// checks the stream is consistent with itself: an input is accepted once, before anything
/// else names it, and ends at most once; runs start one at a time, with increasing ids,
/// from live inputs, with the attempt the stream itself counts; every run ends once, after
/// the terminal events of the inputs it ended and consistently with its outcome; nothing
/// runs when the phase says the session is not attached. Returns, per input, what the
/// stream says, and the last phase it reported.
fn replay_events(
    events: &mut broadcast::Receiver<RuntimeEvent>,
) -> Result<(HashMap<InputId, Seen>, Option<RuntimePhase>), TestCaseError> {
    let mut inputs: HashMap<InputId, Seen> = HashMap::new();
    // The run in flight: its id and contributors.
    let mut open: Option<(RunId, Vec<InputId>)> = None;
    let mut last_run = 0;
    let mut phase = None;
    loop {
        let e = match events.try_recv() {
            Ok(e) => e,
            Err(broadcast::error::TryRecvError::Empty) => break,
            Err(e) => return Err(TestCaseError::fail(format!("event stream: {e:?}"))),
        };
        match e.kind {
            EventKind::InputAccepted { input, .. } => {
                prop_assert!(
                    inputs.insert(input.clone(), Seen::default()).is_none(),
                    "{} accepted twice",
                    input
                );
            }
            EventKind::RunStarted {
                run,
                inputs: contributors,
                attempt,
            } => {
                prop_assert!(open.is_none(), "{:?} started while {:?} runs", run, open);
                prop_assert!(
                    run.0 > last_run,
                    "run ids go back: {:?} after {}",
                    run,
                    last_run
                );
                prop_assert!(!contributors.is_empty(), "{:?} has no contributors", run);
                last_run = run.0;
                for c in &contributors {
                    let Some(seen) = inputs.get_mut(c) else {
                        return Err(TestCaseError::fail(format!(
                            "{run:?} runs {c}, never accepted"
                        )));
                    };
                    prop_assert!(
                        seen.terminal.is_none(),
                        "{:?} runs {}, already ended",
                        run,
                        c
                    );
                    seen.runs += 1;
                    prop_assert_eq!(seen.runs, attempt, "{:?}: attempt of {}", run, c);
                }
                open = Some((run, contributors));
            }
            EventKind::InputTerminal {
                input,
                phase: ended,
                reason,
            } => {
                let Some(seen) = inputs.get_mut(&input) else {
                    return Err(TestCaseError::fail(format!(
                        "{input} ended, never accepted"
                    )));
                };
                prop_assert!(seen.terminal.is_none(), "{} ended twice", input);
                // Only a run's end consumes an input (no operations here), cancels it or
                // finds it out of attempts: it is one of the run's contributors.
                let in_run = open.as_ref().is_some_and(|(_, c)| c.contains(&input));
                prop_assert!(
                    in_run
                        || !matches!(
                            reason,
                            None | Some(
                                AbandonReason::Cancelled | AbandonReason::MaxAttemptsExhausted
                            )
                        ),
                    "{} ended {:?} {:?} outside a run ({:?})",
                    &input,
                    ended,
                    reason,
                    open
                );
                prop_assert_eq!(
                    reason.is_none(),
                    ended == InputPhase::Consumed,
                    "{} ended {:?} for {:?}",
                    &input,
                    ended,
                    reason
                );
                seen.terminal = Some((ended, reason));
            }
            EventKind::RunFinished {
                run,
                outcome,
                error,
            } => {
                let Some((started, contributors)) = open.take() else {
                    return Err(TestCaseError::fail(format!(
                        "{run:?} finished, not started"
                    )));
                };
                prop_assert_eq!(started, run, "another run finished");
                prop_assert_eq!(
                    error.is_some(),
                    outcome == RunOutcomeKind::Failed,
                    "{:?} {:?} with error {:?}",
                    run,
                    outcome,
                    error
                );
                for c in &contributors {
                    let ended = inputs[c].terminal;
                    let consistent = match outcome {
                        RunOutcomeKind::Committed => ended == Some((InputPhase::Consumed, None)),
                        RunOutcomeKind::Cancelled => {
                            ended == Some((InputPhase::Abandoned, Some(AbandonReason::Cancelled)))
                        }
                        // Requeued, or out of attempts.
                        RunOutcomeKind::Failed => matches!(
                            ended,
                            None | Some((
                                InputPhase::Abandoned,
                                Some(AbandonReason::MaxAttemptsExhausted)
                            ))
                        ),
                        // Abandoned by the control operation, or requeued by recover.
                        _ => !matches!(ended, Some((InputPhase::Consumed, _))),
                    };
                    prop_assert!(
                        consistent,
                        "{:?} {:?}, but its contributor {} ended {:?}",
                        run,
                        outcome,
                        c,
                        ended
                    );
                }
            }
            EventKind::PhaseChanged { phase: now } => {
                prop_assert!(now != RuntimePhase::Running, "PhaseChanged to Running");
                prop_assert!(
                    open.is_none() || now == RuntimePhase::Attached,
                    "phase {:?} while {:?} runs",
                    now,
                    open
                );
                phase = Some(now);
            }
            _ => {}
        }
    }
    Ok((inputs, phase))
}

/// Releases blocked runs until the session stops changing: no run in flight, nothing blocked.
async fn quiesce(runtime: &SessionRuntime, s: &SessionId, exec: &ScriptedExecutor) {
    let mut stable = 0;
    let deadline = tokio::time::Instant::now() + LIMIT;
    while stable < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session never quiesced"
        );
        exec.release_all();
        settle_briefly().await;
        let state = runtime.runtime_state(s).await.unwrap();
        if state.run.is_none() && exec.blocked() == 0 {
            stable += 1;
        } else {
            stable = 0;
        }
    }
}

/// How a case may end the session after its random operations.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Destroy,
    Unregister,
}

/// Ends the session while work may be queued or running: every waiter must still
/// resolve (never as `Dropped`), and every input must reach exactly one terminal event.
async fn end_session(
    runtime: &SessionRuntime,
    s: &SessionId,
    exec: &ScriptedExecutor,
    store: Option<&InMemoryStore>,
    end: Ending,
    accepted: Vec<Acceptance_>,
    events: &mut broadcast::Receiver<RuntimeEvent>,
) -> Result<(), TestCaseError> {
    if let Some(store) = store {
        heal(store);
    }
    let result = match end {
        Ending::Destroy => runtime.destroy(s).await,
        Ending::Unregister => runtime.unregister_session(s).await,
    };
    ok_or_expected(result)?;
    if let Some(store) = store {
        prop_assert_eq!(store.conflicts(), 0, "a batch was refused as a conflict");
    }
    exec.release_all();
    for a in accepted {
        let Some(handle) = a.handle else { continue };
        let o = tokio::time::timeout(LIMIT, handle.wait())
            .await
            .map_err(|_| TestCaseError::fail(format!("waiter of {} never resolved", a.id)))?;
        prop_assert!(
            !matches!(
                o,
                CompletionOutcome::RuntimeTerminated {
                    reason: TerminationReason::Dropped
                }
            ),
            "waiter of {} dropped",
            a.id
        );
    }
    // Each input ended at most once (checked by the replay); the session's end ended
    // every one, and its run.
    let (seen, phase) = replay_events(events)?;
    for (id, seen) in seen {
        prop_assert!(seen.terminal.is_some(), "{} never ended", id);
    }
    prop_assert_eq!(phase, Some(RuntimePhase::Destroyed));
    Ok(())
}

async fn run_case(
    ops: Vec<Op>,
    outcomes: Vec<u8>,
    ending: Option<Ending>,
    window: Option<u64>,
    stored: bool,
) -> Result<(), TestCaseError> {
    // A small window makes the session forget finished inputs (and free their keys)
    // in the middle of everything else. Without a store (`SessionRuntime::without_store`)
    // accepts that find the gate free take their synchronous path, and store faults are
    // no-ops.
    let (runtime, store) = if stored {
        let (runtime, store) = runtime_remembering(window);
        (runtime, Some(store))
    } else {
        let mut options = RuntimeOptions::default();
        if let Some(n) = window.and_then(std::num::NonZeroU64::new) {
            options = options.with_remembered_inputs(n);
        }
        (Arc::new(SessionRuntime::without_store(options)), None)
    };
    let s = sid("s");
    let exec = outcome_executor(outcomes.clone());
    let mut events = runtime.subscribe();
    runtime.register_session(&s).await.unwrap();
    let mut accepted: Vec<Acceptance_> = Vec::new();
    let mut resets = 0;
    let mut next_id = 0;
    for op in ops {
        let result: Result<(), TestCaseError> = match op {
            Op::Accept {
                prompt: is_prompt,
                steer,
                key,
                wake,
            } => {
                let id = format!("i{next_id}");
                next_id += 1;
                let mut input = if is_prompt { prompt(&id) } else { msg(&id) };
                if steer {
                    input = input.steer();
                }
                if let Some(k) = key {
                    input = input.with_key(format!("k{k}"));
                }
                let r = if wake {
                    runtime.accept(&s, input).await
                } else {
                    runtime.accept_without_wake(&s, input).await
                };
                match r {
                    Ok(a) => {
                        let joined = matches!(a.outcome, AcceptOutcome::Deduplicated { .. });
                        accepted.push(Acceptance_ {
                            id: a
                                .completion
                                .as_ref()
                                .map(|h| h.input().clone())
                                .unwrap_or_else(|| InputId::from(id.as_str())),
                            joined,
                            handle: a.completion,
                            epoch: resets,
                        });
                        Ok(())
                    }
                    Err(e) => ok_or_expected::<()>(Err(e)),
                }
            }
            Op::Wake => ok_or_expected(runtime.wake(&s).await),
            Op::CancelAfterBoundary => ok_or_expected(runtime.cancel_after_boundary(&s).await),
            Op::Interrupt { stale } => {
                let target = target_run(&runtime, &s, stale).await;
                let dispatched = runtime.interrupt(&s, target).await.unwrap();
                prop_assert!(!(stale && dispatched), "a stale interrupt dispatched");
                Ok(())
            }
            Op::CancelRunAfterBoundary { stale } => {
                let target = target_run(&runtime, &s, stale).await;
                let dispatched = runtime.cancel_run_after_boundary(&s, target).await.unwrap();
                prop_assert!(!(stale && dispatched), "a stale boundary cancel dispatched");
                Ok(())
            }
            Op::Stop => ok_or_expected(runtime.stop(&s).await),
            Op::Attach => ok_or_expected(runtime.ensure_executor(&s, Arc::new(exec.clone())).await),
            Op::Retire => ok_or_expected(runtime.retire(&s).await),
            Op::Reset => {
                let r = runtime.reset(&s).await;
                if r.is_ok() {
                    resets += 1;
                }
                ok_or_expected(r)
            }
            Op::Recycle => ok_or_expected(runtime.recycle(&s).await),
            Op::Recover => ok_or_expected(runtime.recover(&s).await),
            Op::StoreFault {
                n,
                fault,
                loads_fail,
            } => {
                if let Some(store) = &store {
                    match fault {
                        Fault::Refused => store.fail_next_writes(n),
                        Fault::Lost => store.lose_next_writes(n),
                        Fault::Unacknowledged => store.apply_then_fail_next_writes(n),
                    }
                    if loads_fail {
                        store.fail_next_loads(1);
                    }
                }
                Ok(())
            }
            Op::Release => {
                exec.release(1);
                Ok(())
            }
            Op::Yield => {
                settle_briefly().await;
                Ok(())
            }
        };
        result?;
    }

    if let Some(end) = ending {
        return end_session(
            &runtime,
            &s,
            &exec,
            store.as_deref(),
            end,
            accepted,
            &mut events,
        )
        .await;
    }

    // Quiescence: every accepted input is terminal, or active exactly once.
    quiesce(&runtime, &s, &exec).await;
    let active = runtime.list_active_inputs(&s).await.unwrap();
    let active_set: HashSet<&InputId> = active.iter().collect();
    prop_assert_eq!(
        active_set.len(),
        active.len(),
        "an input is active twice: {:?}",
        active
    );
    for a in accepted.iter().filter(|a| !a.joined) {
        match runtime.input_state(&s, &a.id).await.unwrap() {
            Some(state) => {
                let terminal = matches!(state.phase, InputPhase::Consumed | InputPhase::Abandoned);
                prop_assert!(
                    terminal != active_set.contains(&a.id),
                    "{} is {:?} and active={}",
                    a.id,
                    state,
                    active_set.contains(&a.id)
                );
            }
            None => prop_assert!(
                a.epoch < resets || window.is_some(),
                "{} forgotten without a reset or a window",
                a.id
            ),
        }
    }
    for id in &active {
        let state = runtime.input_state(&s, id).await.unwrap();
        prop_assert!(state.is_some(), "active input {} unknown", id);
    }

    if let Some(store) = &store {
        stored_matches_kernel(&runtime, &s, store).await?;
    }

    // Drain: the store behaves from here on; give the session a loop again if it can take
    // one, then run everything out.
    if let Some(store) = &store {
        heal(store);
    }
    let phase = runtime.runtime_state(&s).await.unwrap().phase;
    if matches!(phase, RuntimePhase::Idle | RuntimePhase::Stopped) {
        runtime
            .ensure_executor(&s, Arc::new(exec.clone()))
            .await
            .unwrap();
    }
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        // Inputs accepted without a wake wait for one.
        ok_or_expected(runtime.wake(&s).await)?;
        quiesce(&runtime, &s, &exec).await;
        if runtime.list_active_inputs(&s).await.unwrap().is_empty() {
            break;
        }
        // An executor `Stop` may have stopped the session again mid-drain.
        if runtime.runtime_state(&s).await.unwrap().phase == RuntimePhase::Stopped {
            runtime
                .ensure_executor(&s, Arc::new(exec.clone()))
                .await
                .unwrap();
        }
        prop_assert!(tokio::time::Instant::now() < deadline, "never drained");
    }

    // The phase the session is in, with a run in flight counted as the Attached it returns
    // to (as the store records it, and as the event stream reports it).
    let phase = match runtime.runtime_state(&s).await.unwrap().phase {
        RuntimePhase::Running => RuntimePhase::Attached,
        phase => phase,
    };
    if let Some(store) = &store {
        // Every batch the store applied is one the runtime counted (fences included): the
        // versions never skipped or repeated one.
        let stored_version = store.session(&s).map_or(0, |r| r.version);
        prop_assert_eq!(stored_version, store.committed_batches() as u64);
        // Nothing the runtime wrote contradicted what the store held, whatever failed.
        prop_assert_eq!(store.conflicts(), 0);
        prop_assert_eq!(store.session(&s).and_then(|r| r.phase), Some(phase));

        // The store agrees with the kernel about every input both remember: no write was
        // lost or applied twice, whatever the injected faults.
        for a in accepted.iter().filter(|a| !a.joined) {
            if let Some(state) = runtime.input_state(&s, &a.id).await.unwrap() {
                let stored = store.input(&s, &a.id).map(|r| (r.phase, r.attempts));
                prop_assert_eq!(
                    stored,
                    Some((state.phase, state.attempts)),
                    "{}: store and kernel",
                    &a.id
                );
            }
        }
    }

    // Every waiter resolved exactly once and agrees with the kernel and the event stream.
    let (seen, last_phase) = replay_events(&mut events)?;
    // The last phase the stream reported is the session's (as the store records it).
    prop_assert_eq!(last_phase, Some(phase));
    let mut originals: HashMap<InputId, CompletionOutcome> = HashMap::new();
    let mut joins = Vec::new();
    for a in accepted {
        let Some(handle) = a.handle else {
            prop_assert!(a.joined, "{} accepted without a handle", a.id);
            continue;
        };
        let o = tokio::time::timeout(LIMIT, handle.wait())
            .await
            .map_err(|_| TestCaseError::fail(format!("waiter of {} never resolved", a.id)))?;
        prop_assert!(
            !matches!(
                o,
                CompletionOutcome::RuntimeTerminated {
                    reason: TerminationReason::Dropped
                }
            ),
            "waiter of {} dropped",
            a.id
        );
        if a.joined {
            joins.push((a.id, o));
            continue;
        }
        let ended = seen.get(&a.id).and_then(|seen| seen.terminal);
        prop_assert!(ended.is_some(), "{}: no terminal event", &a.id);
        if let Some(state) = runtime.input_state(&s, &a.id).await.unwrap() {
            prop_assert_eq!(
                ended,
                Some((state.phase, state.abandoned)),
                "{}: the event stream and the kernel",
                &a.id
            );
            prop_assert_eq!(
                seen[&a.id].runs,
                state.attempts,
                "{}: runs started and attempts",
                &a.id
            );
            let agrees = agrees(&o, &state);
            prop_assert!(
                agrees,
                "{}: waiter told {:?}, kernel has {:?}",
                a.id,
                o,
                state
            );
        } else {
            prop_assert!(
                // A window forgets finished inputs; every waiter here has resolved.
                o == terminated(TerminationReason::Reset) || a.epoch < resets || window.is_some(),
                "{} forgotten but told {:?}",
                a.id,
                o
            );
        }
        originals.insert(a.id, o);
    }
    for (id, o) in joins {
        prop_assert_eq!(Some(&o), originals.get(&id), "join of {} disagrees", id);
    }
    Ok(())
}

/// What crash recovery would rebuild from the store matches the kernel: both lanes in
/// order, the run's inputs, and the order inputs finished in (every input here is durable,
/// so each has a row).
async fn stored_matches_kernel(
    runtime: &SessionRuntime,
    s: &SessionId,
    store: &InMemoryStore,
) -> Result<(), TestCaseError> {
    let snapshot = runtime.kernel_snapshot(s).await.unwrap();
    let stored = store.session(s).unwrap_or_default();
    let ids = |handles: &std::collections::VecDeque<k::InputId>| -> Vec<InputId> {
        handles.iter().map(|h| snapshot.ids[&h.0].clone()).collect()
    };
    let rows = |rows: Vec<&StoredInputRecord>| -> Vec<InputId> {
        rows.iter()
            .map(|r| r.input.input.header.id.clone())
            .collect()
    };
    prop_assert_eq!(
        ids(&snapshot.state.queue),
        rows(stored.lane(HandlingMode::Queue))
    );
    prop_assert_eq!(
        ids(&snapshot.state.steer),
        rows(stored.lane(HandlingMode::Steer))
    );
    prop_assert_eq!(ids(&snapshot.state.finished), rows(stored.finished()));
    let mut staged = ids(&snapshot.state.staged);
    staged.sort();
    let mut staged_rows = rows(
        stored
            .inputs
            .iter()
            .filter(|r| r.phase == InputPhase::Staged)
            .collect(),
    );
    staged_rows.sort();
    prop_assert_eq!(staged, staged_rows);
    Ok(())
}

/// No more injected faults.
fn heal(store: &InMemoryStore) {
    store.fail_next_writes(0);
    store.fail_next_loads(0);
    store.lose_next_writes(0);
    store.apply_then_fail_next_writes(0);
}

/// How a case ends: usually left as it is, sometimes destroyed or unregistered.
fn ending() -> impl Strategy<Value = Option<Ending>> {
    prop_oneof![
        4 => Just(None),
        1 => Just(Some(Ending::Destroy)),
        1 => Just(Some(Ending::Unregister)),
    ]
}

/// How many finished inputs the session remembers: the default, or a tiny window.
fn window() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![1 => Just(None), 1 => (1u64..4).prop_map(Some)]
}

proptest! {
    // 256 cases take about half a second; PROPTEST_CASES=30000 for a deeper search.
    #![proptest_config(runtime_proptest_config(256))]

    #[test]
    fn every_input_ends_once_and_every_waiter_resolves_once(
        ops in prop::collection::vec(op(), 1..40),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        ending in ending(),
        window in window(),
    ) {
        run_proptest_case(run_case(ops, outcomes, ending, window, true))?;
    }

    /// The same without a store, where accepts take their synchronous path whenever the
    /// gate is free.
    #[test]
    fn without_a_store_every_input_ends_once_and_every_waiter_resolves_once(
        ops in prop::collection::vec(op(), 1..40),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        ending in ending(),
        window in window(),
    ) {
        run_proptest_case(run_case(ops, outcomes, ending, window, false))?;
    }
}
