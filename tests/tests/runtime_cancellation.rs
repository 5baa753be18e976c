//! Cancellation safety of the public API: every operation's future is dropped after 0, 1,
//! 2 and 3 polls, with the session idle, parked, running a blocked run, or with its gate
//! held by a paused store write. Afterwards the kernel and the store agree, every waiter
//! resolves once and as the kernel says, nothing is half applied, the session still takes
//! work, and no loop is left behind or doubled.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Setting {
    /// Registered without an executor, one input queued.
    Idle,
    /// An executor attached and parked; one input consumed.
    Parked,
    /// A blocked run in flight, one input queued behind it.
    Running,
    /// As `Running`, with the gate held by an accept whose store write is paused.
    GateHeld,
    /// As `Idle`, `Parked` and `Running`, with the store paused: the operation's own write
    /// (if it has one) waits, holding the gate, when its caller gives up.
    IdlePaused,
    ParkedPaused,
    RunningPaused,
}

const SETTINGS: [Setting; 7] = [
    Setting::Idle,
    Setting::Parked,
    Setting::Running,
    Setting::GateHeld,
    Setting::IdlePaused,
    Setting::ParkedPaused,
    Setting::RunningPaused,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Accept,
    AcceptWithoutWake,
    Wake,
    Register,
    EnsureExecutor,
    Unregister,
    Stop,
    Retire,
    Reset,
    Recycle,
    Recover,
    Destroy,
    CancelAfterBoundary,
    CancelRunAfterBoundary,
    Interrupt,
    RuntimeState,
    InputState,
    ListActive,
    Snapshot,
}

const OPS: [Op; 19] = [
    Op::Accept,
    Op::AcceptWithoutWake,
    Op::Wake,
    Op::Register,
    Op::EnsureExecutor,
    Op::Unregister,
    Op::Stop,
    Op::Retire,
    Op::Reset,
    Op::Recycle,
    Op::Recover,
    Op::Destroy,
    Op::CancelAfterBoundary,
    Op::CancelRunAfterBoundary,
    Op::Interrupt,
    Op::RuntimeState,
    Op::InputState,
    Op::ListActive,
    Op::Snapshot,
];

type Call<'a> = Pin<Box<dyn Future<Output = String> + Send + 'a>>;

/// One session over a pausable store, in a chosen setting, with its waiters.
struct World {
    rt: Arc<SessionRuntime>,
    store: Arc<PausableStore>,
    s: SessionId,
    /// Every executor ever offered to the session.
    execs: Vec<ScriptedExecutor>,
    handles: Vec<CompletionHandle>,
    /// The accept that holds the gate in `GateHeld`.
    holder: Option<tokio::task::JoinHandle<RuntimeResult<Acceptance>>>,
    run: Option<RunId>,
}

impl World {
    async fn new(setting: Setting) -> World {
        let store = PausableStore::new();
        let rt = Arc::new(SessionRuntime::with_store(store.clone()));
        let s = sid("s");
        let mut w = World {
            rt,
            store,
            s,
            execs: Vec::new(),
            handles: Vec::new(),
            holder: None,
            run: None,
        };
        match setting {
            Setting::Idle | Setting::IdlePaused => {
                within(w.rt.register_session(&w.s)).await.unwrap();
                let h = accept_quiet(&w.rt, &w.s, msg("q1")).await;
                w.handles.push(h);
            }
            Setting::Parked | Setting::ParkedPaused => {
                w.attach().await;
                let h = accept(&w.rt, &w.s, msg("c1")).await;
                assert!(is_completed(&outcome(h).await));
            }
            Setting::Running | Setting::GateHeld | Setting::RunningPaused => {
                let exec = w.attach().await;
                exec.push(Step::blocked(Step::Echo));
                let h = accept(&w.rt, &w.s, msg("r1")).await;
                w.handles.push(h);
                within(exec.wait_for_blocked(1)).await;
                w.run = Some(current_run(&w.rt, &w.s).await);
                let h = accept_quiet(&w.rt, &w.s, msg("q1")).await;
                w.handles.push(h);
                if setting == Setting::GateHeld {
                    w.store.pause();
                    let (rt, s) = (w.rt.clone(), w.s.clone());
                    w.holder = Some(tokio::spawn(async move {
                        rt.accept_without_wake(&s, msg("w1")).await
                    }));
                    eventually("the accept's write is paused", || async {
                        w.store.waiting() == 1
                    })
                    .await;
                }
            }
        }
        if matches!(
            setting,
            Setting::IdlePaused | Setting::ParkedPaused | Setting::RunningPaused
        ) {
            w.store.pause();
        }
        w
    }

    async fn attach(&mut self) -> ScriptedExecutor {
        let exec = ScriptedExecutor::new();
        self.execs.push(exec.clone());
        within(self.rt.ensure_executor(&self.s, Arc::new(exec.clone())))
            .await
            .unwrap();
        exec
    }

    fn call(&self, op: Op) -> Call<'_> {
        let (rt, s) = (&self.rt, &self.s);
        let run = self.run.unwrap_or(RunId(1));
        match op {
            Op::Accept => Box::pin(async move { format!("{:?}", rt.accept(s, msg("x")).await) }),
            Op::AcceptWithoutWake => {
                Box::pin(async move { format!("{:?}", rt.accept_without_wake(s, msg("x")).await) })
            }
            Op::Wake => Box::pin(async move { format!("{:?}", rt.wake(s).await) }),
            Op::Register => Box::pin(async move { format!("{:?}", rt.register_session(s).await) }),
            Op::EnsureExecutor => {
                let exec = ScriptedExecutor::new();
                // Recorded through a clone kept by the caller: see `offered`.
                OFFERED.with(|o| o.borrow_mut().push(exec.clone()));
                Box::pin(
                    async move { format!("{:?}", rt.ensure_executor(s, Arc::new(exec)).await) },
                )
            }
            Op::Unregister => {
                Box::pin(async move { format!("{:?}", rt.unregister_session(s).await) })
            }
            Op::Stop => Box::pin(async move { format!("{:?}", rt.stop(s).await) }),
            Op::Retire => Box::pin(async move { format!("{:?}", rt.retire(s).await) }),
            Op::Reset => Box::pin(async move { format!("{:?}", rt.reset(s).await) }),
            Op::Recycle => Box::pin(async move { format!("{:?}", rt.recycle(s).await) }),
            Op::Recover => Box::pin(async move { format!("{:?}", rt.recover(s).await) }),
            Op::Destroy => Box::pin(async move { format!("{:?}", rt.destroy(s).await) }),
            Op::CancelAfterBoundary => {
                Box::pin(async move { format!("{:?}", rt.cancel_after_boundary(s).await) })
            }
            Op::CancelRunAfterBoundary => {
                Box::pin(async move { format!("{:?}", rt.cancel_run_after_boundary(s, run).await) })
            }
            Op::Interrupt => Box::pin(async move { format!("{:?}", rt.interrupt(s, run).await) }),
            Op::RuntimeState => Box::pin(async move { format!("{:?}", rt.runtime_state(s).await) }),
            Op::InputState => {
                Box::pin(async move { format!("{:?}", rt.input_state(s, &iid("q1")).await) })
            }
            Op::ListActive => {
                Box::pin(async move { format!("{:?}", rt.list_active_inputs(s).await) })
            }
            Op::Snapshot => {
                Box::pin(async move { format!("{:?}", rt.kernel_snapshot(s).await.map(|_| ())) })
            }
        }
    }
}

thread_local! {
    /// Executors offered by `Op::EnsureExecutor`, to count their stop hooks.
    static OFFERED: std::cell::RefCell<Vec<ScriptedExecutor>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Polls `call` up to `polls` times (letting spawned tasks run in between), then drops it.
/// Returns its output if it finished first.
async fn drop_after<T>(call: impl Future<Output = T>, polls: usize) -> Option<T> {
    let mut call = std::pin::pin!(call);
    for _ in 0..polls {
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(out) = call.as_mut().poll(&mut cx) {
            return Some(out);
        }
        settle_briefly().await;
    }
    None
}

/// Lets everything go on (store resumed, runs released), waits for the session to settle,
/// then checks the invariants.
async fn check(mut w: World, what: &str) {
    w.store.resume();
    for e in &w.execs {
        e.release_all();
    }
    if let Some(holder) = w.holder.take() {
        let held = within(holder).await.expect("no panic");
        if let Ok(a) = held {
            w.handles.extend(a.completion);
        }
    }
    settle().await;
    let alive = match w.rt.runtime_state(&w.s).await {
        Ok(_) => true,
        Err(RuntimeError::UnknownSession(_)) | Err(RuntimeError::Destroyed(_)) => false,
        Err(e) => panic!("{what}: {e:?}"),
    };
    if alive {
        store_agrees(&w.rt, &w.s, &w.store.inner, what).await;
        // The session still takes work: bring it to a state with a loop, then run one more
        // input to its end.
        match phase(&w.rt, &w.s).await {
            RuntimePhase::Retired => {
                within(w.rt.recycle(&w.s)).await.unwrap();
                w.attach().await;
            }
            RuntimePhase::Idle | RuntimePhase::Stopped => {
                w.attach().await;
            }
            _ => {}
        }
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            for e in &w.execs {
                e.release_all();
            }
            OFFERED.with(|o| o.borrow().iter().for_each(|e| e.release_all()));
            // Accepted without a wake: nothing else would start it.
            let _ = within(w.rt.wake(&w.s)).await;
            let state = within(w.rt.runtime_state(&w.s)).await.unwrap();
            if state.queued == 0 && state.run.is_none() {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: never drained: {state:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let after = within(w.rt.accept(&w.s, msg("after")))
            .await
            .unwrap_or_else(|e| panic!("{what}: a later accept: {e:?}"));
        assert!(
            is_completed(&outcome(after.completion.expect("a handle")).await),
            "{what}: a later input runs"
        );
    }
    for (i, h) in w.handles.drain(..).enumerate() {
        let id = h.input().clone();
        let o = within(h.wait()).await;
        assert_ne!(
            o,
            terminated(TerminationReason::Dropped),
            "{what}: waiter {i} ({id}) dropped"
        );
        if alive && let Some(st) = w.rt.input_state(&w.s, &id).await.unwrap() {
            assert!(agrees(&o, &st), "{what}: {id}: told {o:?}, kernel {st:?}");
        }
    }
    if alive {
        store_agrees(&w.rt, &w.s, &w.store.inner, what).await;
    }
    // One stop hook per attachment at most.
    for e in &w.execs {
        assert!(
            e.stop_calls() <= 1,
            "{what}: stop hook ran {}",
            e.stop_calls()
        );
    }
    OFFERED.with(|o| {
        for e in o.borrow().iter() {
            assert!(
                e.stop_calls() <= 1,
                "{what}: stop hook ran {}",
                e.stop_calls()
            );
        }
    });
    // No task left but the session's one loop.
    let loops = usize::from(w.rt.has_executor(&w.s));
    eventually("no task is left but the loop", || async {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
            == loops
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn every_operation_dropped_after_any_number_of_polls_leaves_a_sound_session() {
    every_operation_dropped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_dropped_on_two_workers() {
    every_operation_dropped().await;
}

async fn every_operation_dropped() {
    for setting in SETTINGS {
        for op in OPS {
            for polls in 0..4 {
                OFFERED.with(|o| o.borrow_mut().clear());
                let what = format!("{op:?} in {setting:?} dropped after {polls} polls");
                let w = World::new(setting).await;
                let out = drop_after(w.call(op), polls).await;
                let _ = out;
                check(w, &what).await;
            }
        }
    }
}

/// Lets everything go on after the runtime went away (dropped or shut down): every waiter
/// resolves, no stop hook runs twice, the store refused nothing, and every task ends.
async fn check_gone(w: World, what: &str) {
    let World {
        rt,
        store,
        execs,
        mut handles,
        holder,
        ..
    } = w;
    let executors: Vec<ScriptedExecutor> = execs
        .iter()
        .cloned()
        .chain(OFFERED.with(|o| o.borrow().clone()))
        .collect();
    let weak = rt.downgrade();
    drop(rt);
    store.resume();
    for e in &executors {
        e.release_all();
    }
    if let Some(holder) = holder {
        let held = within(holder).await.expect("no panic");
        if let Ok(a) = held {
            handles.extend(a.completion);
        }
    }
    for h in handles {
        let _ = within(h.wait()).await;
    }
    assert_eq!(store.inner.conflicts(), 0, "{what}: a conflict");
    eventually("every task ends", || async {
        for e in &executors {
            e.release_all();
        }
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
            == 0
    })
    .await;
    assert!(weak.upgrade().is_none(), "{what}: the runtime lives on");
    for e in &executors {
        assert!(
            e.stop_calls() <= 1,
            "{what}: stop hook ran {}",
            e.stop_calls()
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_runtime_with_an_abandoned_operation_in_flight() {
    for setting in SETTINGS {
        for op in OPS {
            OFFERED.with(|o| o.borrow_mut().clear());
            let what = format!("{op:?} in {setting:?}, then the runtime dropped");
            eprintln!("{what}");
            let w = World::new(setting).await;
            let _ = drop_after(w.call(op), 1).await;
            check_gone(w, &what).await;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn shutting_down_with_an_abandoned_operation_in_flight() {
    for setting in SETTINGS {
        for op in OPS {
            for polls in 0..3 {
                OFFERED.with(|o| o.borrow_mut().clear());
                let what = format!("{op:?} in {setting:?}, then a shutdown dropped after {polls}");
                eprintln!("{what}");
                let w = World::new(setting).await;
                let _ = drop_after(w.call(op), 1).await;
                let _ = drop_after(w.rt.shutdown(), polls).await;
                settle_briefly().await;
                check_gone(w, &what).await;
            }
        }
    }
}

/// A session registered without an executor, one input queued, and its gate held by an
/// accept whose store write is paused.
async fn idle_with_the_gate_held() -> (World, ScriptedExecutor) {
    let mut w = World::new(Setting::Idle).await;
    w.store.pause();
    let (rt, s) = (w.rt.clone(), w.s.clone());
    w.holder = Some(tokio::spawn(async move {
        rt.accept_without_wake(&s, msg("w1")).await
    }));
    eventually("the accept's write is paused", || async {
        w.store.waiting() == 1
    })
    .await;
    let exec = ScriptedExecutor::new();
    w.execs.push(exec.clone());
    (w, exec)
}

/// An `ensure_executor` whose caller gave up while the gate was held still comes before an
/// operation asked for after it (operations take the gate in the order they asked for it):
/// a later `stop` stops the session it attached, rather than being overtaken by the attach
/// and leaving the session running with an executor the caller believes stopped.
#[tokio::test(flavor = "current_thread")]
async fn an_abandoned_attach_does_not_overtake_a_later_stop() {
    let (w, exec) = idle_with_the_gate_held().await;
    assert!(
        drop_after(w.rt.ensure_executor(&w.s, Arc::new(exec.clone())), 1)
            .await
            .is_none(),
        "the gate is held: the attach waits"
    );
    let stopping = {
        let (rt, s) = (w.rt.clone(), w.s.clone());
        tokio::spawn(async move { rt.stop(&s).await })
    };
    settle_briefly().await;
    w.store.resume();
    within(stopping).await.unwrap().unwrap();
    settle().await;
    let state = within(w.rt.runtime_state(&w.s)).await.unwrap();
    assert_eq!(
        (state.phase, state.has_executor),
        (RuntimePhase::Stopped, false),
        "the stop, asked for last, has the last word"
    );
    within(exec.wait_for_stops(1)).await;
    check(w, "after the stop").await;
}

/// The same with `unregister_session`: the session is gone afterwards, not registered
/// anew and attached by the attach that was asked for before it.
#[tokio::test(flavor = "current_thread")]
async fn an_abandoned_attach_does_not_overtake_a_later_unregister() {
    let (w, exec) = idle_with_the_gate_held().await;
    assert!(
        drop_after(w.rt.ensure_executor(&w.s, Arc::new(exec.clone())), 1)
            .await
            .is_none()
    );
    let unregistering = {
        let (rt, s) = (w.rt.clone(), w.s.clone());
        tokio::spawn(async move { rt.unregister_session(&s).await })
    };
    settle_briefly().await;
    w.store.resume();
    within(unregistering).await.unwrap().unwrap();
    settle().await;
    assert!(
        !w.rt.contains_session(&w.s),
        "the unregister, asked for last, removed the session"
    );
    assert!(!w.store.inner.sessions().contains(&w.s), "and its rows");
    within(exec.wait_for_stops(1)).await;
}
