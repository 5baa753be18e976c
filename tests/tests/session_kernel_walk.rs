//! Random walks over the session kernel alone, with inputs aimed at the current run (so
//! that runs really start, fail, commit and get lost to `recover`):
//!
//! - the kernel never has to refuse an input because the transition it picked would break
//!   an invariant, or because a value it relies on is missing: either would mean a guard
//!   is missing from the spec (a recovered run on its last attempt once did exactly this,
//!   and stalled its session);
//! - after every step, each input is in exactly one place that matches its phase;
//! - every transition that fires rolls back to the exact pre-state and fires the same way
//!   again;
//! - a commit tells the loop to park exactly when a `StartRun` would do nothing;
//! - a run starts with no boundary cancel dispatched (the flag is per run);
//! - a cancel or interrupt of a run whose executor call returned reaches nothing, and
//!   `recover` calls the stop hook exactly when the run's executor stopped itself;
//! - whatever the walk did, a session that can still run drains completely once it has a
//!   loop: no input is left queued, staged or applied for good.

use proptest::prelude::*;
use suricate_runtime::generated::session::{
    Authority, Durability, Effect, IdemKey, Input, InputId, InputPhase, Kind, Lane, Phase,
    RejectReason, RunId, State, StopReason, TransitionId,
};

/// What the walk does next; run ids are filled in from the kernel's state when applied.
#[derive(Debug, Clone)]
enum Action {
    Register(u64),
    /// `loop_gone`: the attached loop's task is gone (the shell's fact).
    Attach {
        loop_gone: bool,
    },
    Accept {
        id: u64,
        kind: Kind,
        lane: Lane,
        durability: Durability,
        key: Option<u8>,
        wake: bool,
        /// Rarely false: exercises the validation guards.
        named: bool,
        has_request: bool,
    },
    Wake,
    StartRun {
        unregistering: bool,
    },
    /// The executor's result for the current run, or for a stale run id.
    Applied {
        stale: bool,
    },
    Commit {
        stale: bool,
    },
    Fail {
        stale: bool,
    },
    Cancel {
        stale: bool,
    },
    /// `named`: the cancel names a run, the current one or (`Some(true)`) a stale one.
    CancelAfterBoundary {
        named: Option<bool>,
        returned: Returned,
    },
    Interrupt {
        stale: bool,
        returned: Returned,
    },
    /// `named`: the executor stopped itself during a run, the current one or
    /// (`Some(true)`) a stale one; `None`: the `stop` operation.
    Stop {
        named: Option<bool>,
    },
    Retire,
    Reset,
    Recycle,
    /// `stopped`: which run's executor stopped itself, as the shell reports it.
    Recover {
        stopped: Returned,
    },
    Destroy,
    Unregister,
}

/// A run the shell reports about (whose executor call returned, or which stopped itself).
#[derive(Debug, Clone, Copy)]
enum Returned {
    /// None has yet.
    None,
    /// The run in flight, if any.
    Current,
    /// An earlier run.
    Earlier,
}

fn returned() -> impl Strategy<Value = Returned> {
    prop_oneof![
        2 => Just(Returned::None),
        1 => Just(Returned::Current),
        1 => Just(Returned::Earlier),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::Prompt),
        3 => Just(Kind::PeerMessage),
        1 => Just(Kind::PeerRequest),
        1 => Just(Kind::PeerResponseProgress),
        1 => Just(Kind::PeerResponseTerminal),
        1 => Just(Kind::ExternalEvent),
        1 => Just(Kind::Continuation),
        1 => Just(Kind::Operation),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => (1u64..4).prop_map(Action::Register),
        2 => prop::bool::weighted(0.2).prop_map(|loop_gone| Action::Attach { loop_gone }),
        8 => (
            0u64..12,
            kind(),
            prop_oneof![3 => Just(Lane::Queue), 1 => Just(Lane::Steer)],
            prop_oneof![3 => Just(Durability::Durable), 1 => Just(Durability::Ephemeral)],
            prop::option::weighted(0.3, 0u8..3),
            any::<bool>(),
            prop::bool::weighted(0.95),
            prop::bool::weighted(0.8),
        )
            .prop_map(|(id, kind, lane, durability, key, wake, named, has_request)| {
                Action::Accept {
                    id,
                    kind,
                    lane,
                    durability,
                    key,
                    wake,
                    named,
                    has_request,
                }
            }),
        1 => Just(Action::Wake),
        6 => prop::bool::weighted(0.1).prop_map(|unregistering| Action::StartRun { unregistering }),
        4 => prop::bool::weighted(0.1).prop_map(|stale| Action::Applied { stale }),
        4 => prop::bool::weighted(0.1).prop_map(|stale| Action::Commit { stale }),
        4 => prop::bool::weighted(0.1).prop_map(|stale| Action::Fail { stale }),
        1 => prop::bool::weighted(0.1).prop_map(|stale| Action::Cancel { stale }),
        1 => (proptest::option::of(any::<bool>()), returned())
            .prop_map(|(named, returned)| Action::CancelAfterBoundary { named, returned }),
        1 => (any::<bool>(), returned())
            .prop_map(|(stale, returned)| Action::Interrupt { stale, returned }),
        1 => proptest::option::of(prop::bool::weighted(0.3))
            .prop_map(|named| Action::Stop { named }),
        1 => Just(Action::Retire),
        1 => Just(Action::Reset),
        1 => Just(Action::Recycle),
        2 => returned().prop_map(|stopped| Action::Recover { stopped }),
        1 => Just(Action::Destroy),
        1 => Just(Action::Unregister),
    ]
}

/// The run an executor result names: the current one, or one that is not current.
fn run_id(state: &State, stale: bool) -> RunId {
    match state.run {
        Some(run) if !stale => run,
        _ => RunId(state.next_run.0 + 7),
    }
}

/// The run the shell reports: the one in flight, or one before it (none before run 1).
fn reported(state: &State, returned: Returned) -> Option<RunId> {
    match returned {
        Returned::None => None,
        Returned::Current => state.run,
        Returned::Earlier => state
            .run
            .unwrap_or(state.next_run)
            .0
            .checked_sub(1)
            .filter(|run| *run > 0)
            .map(RunId),
    }
}

fn input(state: &State, action: &Action) -> Input {
    match *action {
        Action::Register(remember) => Input::Register { remember },
        // A session without a loop has none alive; an attached one's may be gone.
        Action::Attach { loop_gone } => Input::AttachExecutor {
            loop_gone: loop_gone || !matches!(state.phase, Phase::Attached | Phase::Running),
        },
        Action::Accept {
            id,
            kind,
            lane,
            durability,
            key,
            wake,
            named,
            has_request,
        } => Input::Accept {
            id: InputId(id),
            named,
            kind,
            lane,
            durability,
            key: key.map(|k| IdemKey(format!("k{k}"))),
            has_request,
            wake,
        },
        Action::Wake => Input::WakeLoop,
        Action::StartRun { unregistering } => Input::StartRun { unregistering },
        Action::Applied { stale } => Input::RunApplied {
            run: run_id(state, stale),
        },
        Action::Commit { stale } => Input::CommitRun {
            run: run_id(state, stale),
        },
        Action::Fail { stale } => Input::FailRun {
            run: run_id(state, stale),
        },
        Action::Cancel { stale } => Input::CancelRun {
            run: run_id(state, stale),
        },
        Action::CancelAfterBoundary { named, returned } => Input::CancelAfterBoundary {
            run: named.map(|stale| run_id(state, stale)),
            returned: reported(state, returned),
        },
        Action::Interrupt { stale, returned } => Input::Interrupt {
            run: run_id(state, stale),
            returned: reported(state, returned),
        },
        Action::Stop { named } => Input::Stop {
            run: named.map(|stale| run_id(state, stale)),
        },
        Action::Retire => Input::Retire,
        Action::Reset => Input::Reset,
        Action::Recycle => Input::Recycle,
        Action::Recover { stopped } => Input::Recover {
            stopped: reported(state, stopped),
        },
        Action::Destroy => Input::Destroy,
        Action::Unregister => Input::Unregister,
    }
}

/// Applies `input`; a rejection must be an ordinary "not now" (no candidate, or a guard
/// that did not hold), never a transition that would have broken the state.
///
/// Every transition that fires is also rolled back once and applied again: the undo log
/// must restore the exact pre-state, and the second application must do the same thing.
fn step(kernel: &mut Authority, input: Input) -> Result<(), TestCaseError> {
    let before = kernel.state().clone();
    match kernel.apply(input.clone()) {
        Ok(first) => {
            let (id, effects) = (first.id, first.effects.clone());
            kernel
                .rollback(first)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(
                kernel.state(),
                &before,
                "rollback of {} for {:?}",
                id,
                input
            );
            let again = kernel
                .apply(input.clone())
                .map_err(|r| TestCaseError::fail(format!("{r} on the second application")))?;
            prop_assert_eq!((again.id, &again.effects), (id, &effects));
            park_agrees_with_start_run(kernel, &effects)?;
            reports_of_the_shell_hold(&before, &input, &effects)?;
            // A boundary cancel is dispatched once per run: a new run starts without one.
            if effects
                .iter()
                .any(|e| matches!(e, Effect::RunStarted { .. }))
            {
                prop_assert!(
                    !kernel.state().cancel_dispatched,
                    "{} started a run whose boundary cancel counts as dispatched",
                    id
                );
            }
        }
        Err(rejection) => {
            let ordinary = matches!(
                rejection.reason,
                RejectReason::NotHandled | RejectReason::GuardsFailed(_)
            );
            prop_assert!(ordinary, "{rejection} for {input:?} in {before:?}");
            prop_assert_eq!(kernel.state(), &before, "a rejection changed the state");
        }
    }
    Ok(())
}

/// What the shell reports about the run in flight decides: a cancel or interrupt of a run
/// whose executor call returned reaches nothing, and `recover` of a run whose executor
/// stopped itself calls the stop hook (and only then: otherwise it detaches the loop).
fn reports_of_the_shell_hold(
    before: &State,
    input: &Input,
    effects: &[Effect],
) -> Result<(), TestCaseError> {
    let in_flight = |run: &Option<RunId>| run.is_some() && *run == before.run;
    match input {
        Input::CancelAfterBoundary { returned, .. } | Input::Interrupt { returned, .. }
            if in_flight(returned) =>
        {
            prop_assert!(
                effects.is_empty(),
                "{:?} reached a run that had returned: {:?}",
                input,
                effects
            );
        }
        Input::Recover { stopped } if before.phase == Phase::Running => {
            let hook = effects.iter().any(|e| {
                matches!(
                    e,
                    Effect::StopExecutor {
                        reason: StopReason::Stopped
                    }
                )
            });
            let detach = effects.iter().any(|e| matches!(e, Effect::DetachLoop));
            prop_assert_eq!(
                (hook, detach),
                (in_flight(stopped), !in_flight(stopped)),
                "{:?}: {:?}",
                input,
                effects
            );
        }
        _ => {}
    }
    Ok(())
}

/// A commit that tells the loop to park (`RunCommitted { park: true }`) lets it skip the
/// `StartRun` it would otherwise send: that must be exactly when `StartRun` would start
/// nothing and retire nothing.
fn park_agrees_with_start_run(kernel: &Authority, effects: &[Effect]) -> Result<(), TestCaseError> {
    for effect in effects {
        if let Effect::RunCommitted { park, .. } = effect {
            let next = kernel
                .preview(&Input::StartRun {
                    unregistering: false,
                })
                .map_err(|r| TestCaseError::fail(format!("StartRun after a commit: {r}")))?;
            prop_assert_eq!(
                *park,
                next.id == TransitionId::StartNothing,
                "park = {} but StartRun would fire {}",
                park,
                next.id
            );
        }
    }
    Ok(())
}

/// What the spec's invariants do not spell out (they stay cheap, and these look at every
/// remembered input), checked after every step: each live input is in exactly one place
/// that matches its phase (the lane its record names while queued, the run while staged or
/// applied), each finished one is listed once in `finished` (so it is terminal), each key
/// is bound to the input that carries it and back, an abandoned input and only it says why,
/// an operation is consumed on accept, no input has more attempts than allowed, and an input
/// has a last run (below `next_run`) exactly when it has had an attempt.
fn consistent(state: &State) -> Result<(), TestCaseError> {
    let places = |id: &InputId| {
        let count =
            |seq: &std::collections::VecDeque<InputId>| seq.iter().filter(|x| *x == id).count();
        (
            count(&state.queue),
            count(&state.steer),
            count(&state.staged),
            count(&state.finished),
        )
    };
    for (id, r) in &state.inputs {
        let expected = match (r.phase, r.lane) {
            (InputPhase::Queued, Lane::Queue) => (1, 0, 0, 0),
            (InputPhase::Queued, Lane::Steer) => (0, 1, 0, 0),
            (InputPhase::Staged | InputPhase::Applied, _) => (0, 0, 1, 0),
            (InputPhase::Consumed | InputPhase::Abandoned, _) => (0, 0, 0, 1),
        };
        prop_assert_eq!(places(id), expected, "{:?} {:?} in {:?}", id, r, state);
        if let Some(key) = &r.key {
            prop_assert_eq!(
                state.keys.get(key),
                Some(id),
                "key of {:?} in {:?}",
                id,
                state
            );
        }
        // An abandoned input says why; nothing else carries a reason.
        prop_assert_eq!(
            r.reason.is_some(),
            r.phase == InputPhase::Abandoned,
            "reason of {:?} in {:?}",
            id,
            state
        );
        prop_assert!(
            r.kind != Kind::Operation || r.phase == InputPhase::Consumed,
            "operation {:?} not consumed in {:?}",
            id,
            state
        );
        prop_assert_eq!(
            r.attempts == 0,
            r.last_run.is_none(),
            "attempts and last run of {:?} in {:?}",
            id,
            state
        );
        prop_assert!(
            r.attempts <= state.max_attempts,
            "attempts of {:?} over the limit in {:?}",
            id,
            state
        );
        prop_assert!(
            r.last_run.is_none_or(|run| run < state.next_run),
            "last run of {:?} not below next_run in {:?}",
            id,
            state
        );
    }
    for (key, owner) in &state.keys {
        prop_assert_eq!(
            state.inputs.get(owner).and_then(|r| r.key.as_ref()),
            Some(key),
            "key {:?} bound to an input that does not carry it in {:?}",
            key,
            state
        );
    }
    let listed = state.queue.len() + state.steer.len() + state.staged.len() + state.finished.len();
    prop_assert_eq!(
        listed,
        state.inputs.len(),
        "an input listed twice or not at all: {:?}",
        state
    );
    Ok(())
}

/// Gives the session a loop (recovering a lost run first) and lets it run every input to
/// completion, each run committing.
fn drain(kernel: &mut Authority) -> Result<(), TestCaseError> {
    if kernel.phase() == Phase::Running {
        step(kernel, Input::Recover { stopped: None })?;
    }
    let loop_gone = kernel.phase() != Phase::Attached;
    step(kernel, Input::AttachExecutor { loop_gone })?;
    for _ in 0..200 {
        step(
            kernel,
            Input::StartRun {
                unregistering: false,
            },
        )?;
        let Some(run) = kernel.state().run else {
            return Ok(());
        };
        step(kernel, Input::RunApplied { run })?;
        step(kernel, Input::CommitRun { run })?;
    }
    Err(TestCaseError::fail(
        "the session never stopped starting runs",
    ))
}

/// A registered session (remembering two finished inputs) taken through `actions`, with
/// every step checked by `step` and `consistent`.
fn walk(actions: &[Action]) -> Result<Authority, TestCaseError> {
    let mut kernel = Authority::new();
    kernel.set_invariant_checks(true);
    step(&mut kernel, Input::Register { remember: 2 })?;
    for action in actions {
        let input = input(kernel.state(), action);
        step(&mut kernel, input)?;
        consistent(kernel.state())?;
    }
    Ok(kernel)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_kernel_never_refuses_for_its_own_invariants_and_always_drains(
        actions in prop::collection::vec(action(), 1..80),
    ) {
        let mut kernel = walk(&actions)?;
        // A session that can still run gets a loop; a retired or destroyed one cannot, and
        // must not be holding live inputs either.
        if matches!(kernel.phase(), Phase::Idle | Phase::Attached | Phase::Running | Phase::Stopped) {
            drain(&mut kernel)?;
        }
        let state = kernel.state();
        prop_assert!(state.queue.is_empty() && state.steer.is_empty(), "{state:?}");
        prop_assert!(state.staged.is_empty() && state.run.is_none(), "{state:?}");
        let live: Vec<_> = state
            .inputs
            .iter()
            .filter(|(_, r)| !matches!(r.phase, InputPhase::Consumed | InputPhase::Abandoned))
            .collect();
        prop_assert!(live.is_empty(), "inputs left live in {:?}: {live:?}", state.phase);
    }
}

/// Accepting durable queued prompt `id`, waking the loop or not.
fn durable_prompt(id: u64, wake: bool) -> Action {
    Action::Accept {
        id,
        kind: Kind::Prompt,
        lane: Lane::Queue,
        durability: Durability::Durable,
        key: None,
        wake,
        named: true,
        has_request: false,
    }
}

/// The walk that found the recover bug, as a fixed sequence: a prompt fails twice, its
/// third run is lost to `recover`, and the session must still drain.
#[test]
fn a_run_lost_on_its_last_attempt_does_not_stall_the_session() {
    let prompt = durable_prompt(1, true);
    let start = Action::StartRun {
        unregistering: false,
    };
    let fail = Action::Fail { stale: false };
    let actions = [
        Action::Attach { loop_gone: false },
        prompt,
        start.clone(),
        fail.clone(),
        start.clone(),
        fail,
        start,
        Action::Recover {
            stopped: Returned::None,
        },
    ];
    let mut kernel = walk(&actions).unwrap();
    drain(&mut kernel).unwrap();
    let record = &kernel.state().inputs[&InputId(1)];
    assert_eq!(record.phase, InputPhase::Abandoned, "{record:?}");
}

/// The second bug the walk found, as a fixed sequence: a retire waits for a run, the run
/// commits, and a second retire finds the session drained. It must retire cleanly, with
/// nothing left marked as retiring.
#[test]
fn a_second_retire_of_a_drained_session_retires_it() {
    let actions = [
        durable_prompt(0, false),
        Action::Attach { loop_gone: false },
        Action::Retire,
        Action::StartRun {
            unregistering: false,
        },
        Action::Applied { stale: false },
        Action::Commit { stale: false },
        Action::Retire,
    ];
    let kernel = walk(&actions).unwrap();
    assert_eq!(kernel.phase(), Phase::Retired);
    assert!(!kernel.state().retiring);
}

/// An executor that reports `Stopped` names its run: only the run in flight stops the
/// session; a late report from a run that already ended touches nothing.
#[test]
fn an_executor_stop_is_fenced_by_its_run() {
    let prompt = |id| durable_prompt(id, true);
    let start = Action::StartRun {
        unregistering: false,
    };
    let mut kernel = walk(&[
        Action::Attach { loop_gone: false },
        prompt(1),
        prompt(2),
        start,
    ])
    .unwrap();
    let running = kernel.state().run;
    let stale = Input::Stop {
        run: Some(RunId(running.unwrap().0 + 1)),
    };
    assert!(kernel.apply(stale).is_err(), "another run's stop");
    assert_eq!(kernel.phase(), Phase::Running);
    let current = kernel.apply(Input::Stop { run: running }).unwrap();
    assert_eq!(current.to, Phase::Stopped);
    // Stopped: a late report matches nothing, and neither does one with no run in flight.
    assert!(kernel.apply(Input::Stop { run: running }).is_err());
    assert!(kernel.apply(Input::Stop { run: None }).is_ok());
}

/// A session mid-run, reached through the kernel: `a` (key `ka`) and `b` are the run's
/// contributors, `o` an operation consumed on accept (key `ko`), `p` a prompt still queued.
fn mid_run() -> State {
    let accept = |id, kind, key: Option<&str>| Input::Accept {
        id: InputId(id),
        named: true,
        kind,
        lane: Lane::Queue,
        durability: Durability::Durable,
        key: key.map(|k| IdemKey(k.to_string())),
        has_request: false,
        wake: true,
    };
    let mut kernel = Authority::new();
    for input in [
        Input::Register { remember: 8 },
        Input::AttachExecutor { loop_gone: true },
        accept(1, Kind::PeerMessage, Some("ka")),
        accept(2, Kind::PeerMessage, None),
        accept(3, Kind::Operation, Some("ko")),
        accept(4, Kind::Prompt, None),
        Input::StartRun {
            unregistering: false,
        },
    ] {
        kernel.apply(input).expect("a reachable state");
    }
    kernel.into_state()
}

/// What the lifecycle promises about every input and run is checked after every step:
/// about a run, by the spec's invariants (so every walk, differential and debug runtime step
/// checks them); about every remembered input, by the walk's `consistent`. Each state below
/// breaks exactly one promise and must be caught: refused naming the invariant, or (for the
/// whole-state promises) found inconsistent.
#[test]
fn the_lifecycle_promises_are_checked() {
    let (a, b) = (InputId(1), InputId(2));
    let base = mid_run();
    assert_eq!(base.phase, Phase::Running);
    assert_eq!(base.staged, [a, b]);
    assert!(Authority::from_state(base.clone()).is_ok());
    assert!(consistent(&base).is_ok());
    type Breaks = fn(&mut State);
    let invariants: Vec<(&str, Breaks)> = vec![
        ("running_has_contributors", |s| s.staged.clear()),
        ("prompt_runs_alone", |s| {
            s.inputs.get_mut(&InputId(2)).unwrap().kind = Kind::Prompt
        }),
        ("retry_runs_alone", |s| {
            for c in [InputId(1), InputId(2)] {
                s.inputs.get_mut(&c).unwrap().attempts = 2;
            }
            s.run_attempt = 2;
        }),
        ("contributors_share_the_attempt", |s| s.run_attempt = 2),
        ("runs_below_next_run", |s| s.next_run = s.run.unwrap()),
        ("queue_head_is_queued", |s| {
            s.inputs.get_mut(&InputId(4)).unwrap().lane = Lane::Steer
        }),
        ("every_input_listed", |s| {
            s.finished.pop_front();
        }),
    ];
    for (invariant, breaking) in invariants {
        let mut state = base.clone();
        breaking(&mut state);
        let refused = Authority::from_state(state).err();
        assert_eq!(
            refused.map(|v| v.invariant),
            Some(invariant),
            "a state that breaks {invariant}"
        );
    }
    let whole_state: Vec<(&str, Breaks)> = vec![
        ("a finished input that is not terminal", |s| {
            s.finished.push_back(InputId(4))
        }),
        ("a reason on an input not abandoned", |s| {
            s.inputs.get_mut(&InputId(3)).unwrap().reason =
                Some(suricate_runtime::generated::session::AbandonReason::Cancelled)
        }),
        ("a key bound to an input that does not carry it", |s| {
            s.keys.insert(IdemKey("kx".into()), InputId(1));
        }),
        ("a key bound to an input not remembered", |s| {
            s.keys.insert(IdemKey("kz".into()), InputId(77));
        }),
        ("a queued input behind the head, in the other lane", |s| {
            let mut behind = s.inputs[&InputId(4)].clone();
            behind.lane = Lane::Steer;
            s.inputs.insert(InputId(5), behind);
            s.queue.push_back(InputId(5));
        }),
        ("an input whose key is not bound", |s| {
            s.keys.remove(&IdemKey("ka".into()));
        }),
        ("an operation not consumed", |s| {
            s.inputs.get_mut(&InputId(2)).unwrap().kind = Kind::Operation
        }),
        ("attempts without a last run", |s| {
            s.inputs.get_mut(&InputId(4)).unwrap().attempts = 1
        }),
        ("attempts over the limit on a finished input", |s| {
            let op = s.inputs.get_mut(&InputId(3)).unwrap();
            op.attempts = 9;
            op.last_run = Some(RunId(1));
        }),
        ("a last run not below next_run", |s| {
            let op = s.inputs.get_mut(&InputId(3)).unwrap();
            op.attempts = 1;
            op.last_run = Some(RunId(99));
        }),
    ];
    for (what, breaking) in whole_state {
        let mut state = base.clone();
        breaking(&mut state);
        assert!(consistent(&state).is_err(), "{what} was not caught");
    }
}

/// Whether an offered executor gets a loop is the kernel's decision, from the shell's fact
/// that the attached loop's task is gone: it replaces a loop lost while idle, never a live
/// one, and never one lost during a run (that run needs `recover` first).
#[test]
fn an_executor_replaces_only_a_loop_lost_while_idle() {
    let spawns = |kernel: &mut Authority, loop_gone| {
        let t = kernel
            .apply(Input::AttachExecutor { loop_gone })
            .expect("an attach is always answered");
        t.effects.contains(&Effect::SpawnLoop)
    };
    let mut kernel = walk(&[Action::Attach { loop_gone: false }]).unwrap();
    assert_eq!(kernel.phase(), Phase::Attached);
    assert!(
        !spawns(&mut kernel, false),
        "a second loop beside a live one"
    );
    assert!(spawns(&mut kernel, true), "the lost loop is replaced");
    assert_eq!(kernel.phase(), Phase::Attached);
    let mut running = walk(&[
        Action::Attach { loop_gone: false },
        durable_prompt(1, true),
        Action::StartRun {
            unregistering: false,
        },
    ])
    .unwrap();
    assert_eq!(running.phase(), Phase::Running);
    assert!(!spawns(&mut running, true), "a run is in flight");
}
