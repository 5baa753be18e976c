//! Fault injection at every place the shell writes: a wrapping store fails the next batch
//! that holds a chosen kind of write (refused, corrupt, a conflict, of unknown outcome lost
//! or landed with or without a readable version after it, a panic before or after
//! applying) or holds writes back, and after each failure the caller's answer, the
//! completion handles, the kernel and the store are checked against each other. Last, a
//! property test races every operation against those faults and checks the same.
//!
//! `runtime_proptest` checks the store against the kernel for sequential operations and
//! `InMemoryStore`'s faults; `runtime_store_conflicts` races them but checks only that no
//! batch conflicts.

mod support;

use proptest::prelude::*;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::*;
use suricate_runtime::testing::*;
use suricate_runtime::*;
use tokio::sync::watch;

/// What the armed write does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// `Unavailable`, nothing written.
    Refused,
    /// `Corrupt`, nothing written.
    Corrupt,
    /// `Indeterminate`, nothing written.
    Lost,
    /// `Indeterminate`, the batch applied.
    Landed,
    /// A panic before anything is written.
    PanicBefore,
    /// A panic after the batch applied.
    PanicAfter,
    /// `Conflict`, nothing written (another writer got there first).
    Conflict,
    /// `Indeterminate`, nothing written, and the next reads of the version fail (one
    /// panics).
    LostUnreadable,
    /// `Indeterminate`, the batch applied, and the next reads of the version fail.
    LandedUnreadable,
}

const FAULTS: [Fault; 9] = [
    Fault::LostUnreadable,
    Fault::LandedUnreadable,
    Fault::Conflict,
    Fault::Refused,
    Fault::Corrupt,
    Fault::Lost,
    Fault::Landed,
    Fault::PanicBefore,
    Fault::PanicAfter,
];

impl Fault {
    /// Whether the batch is in the store afterwards.
    fn applies(self) -> bool {
        matches!(
            self,
            Fault::Landed | Fault::PanicAfter | Fault::LandedUnreadable
        )
    }
}

/// An `InMemoryStore` whose next batch holding a write of the armed kind fails as armed,
/// and whose writes can be held (paused) until released.
struct FaultStore {
    inner: InMemoryStore,
    armed: Mutex<VecDeque<(WriteKind, Fault)>>,
    /// Faults that fired.
    fired: AtomicUsize,
    paused: watch::Sender<bool>,
    waiting: AtomicUsize,
    /// Version reads still to fail (the last of them panics).
    unreadable: AtomicUsize,
    /// Batches applied since the session was last removed: what its version must be.
    applied: AtomicU64,
}

impl FaultStore {
    fn new() -> Arc<FaultStore> {
        Arc::new(FaultStore {
            inner: InMemoryStore::new(),
            armed: Mutex::new(VecDeque::new()),
            fired: AtomicUsize::new(0),
            paused: watch::channel(false).0,
            waiting: AtomicUsize::new(0),
            unreadable: AtomicUsize::new(0),
            applied: AtomicU64::new(0),
        })
    }

    fn arm(&self, kind: WriteKind, fault: Fault) {
        self.armed.lock().unwrap().push_back((kind, fault));
    }

    fn disarm(&self) {
        self.armed.lock().unwrap().clear();
    }

    fn fired(&self) -> usize {
        self.fired.load(Ordering::SeqCst)
    }

    fn pause(&self) {
        self.paused.send_replace(true);
    }

    fn resume(&self) {
        self.paused.send_replace(false);
    }

    fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl RuntimeStore for FaultStore {
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        let mut paused = self.paused.subscribe();
        if *paused.borrow_and_update() {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let _ = paused.wait_for(|p| !*p).await;
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
        let fault = {
            let mut armed = self.armed.lock().unwrap();
            let hit = armed
                .iter()
                .position(|(kind, _)| batch.iter().any(|w| w.kind() == *kind));
            hit.and_then(|i| armed.remove(i)).map(|(_, f)| f)
        };
        if let Some(fault) = fault {
            self.fired.fetch_add(1, Ordering::SeqCst);
            match fault {
                Fault::Refused => return Err(StoreError::Unavailable("injected".into())),
                Fault::Corrupt => return Err(StoreError::Corrupt("injected".into())),
                Fault::Conflict => return Err(StoreError::Conflict("injected".into())),
                Fault::PanicBefore => panic!("injected store panic (expected by this test)"),
                Fault::Lost | Fault::LostUnreadable => {
                    if fault == Fault::LostUnreadable {
                        self.unreadable.store(3, Ordering::SeqCst);
                    }
                    return Err(StoreError::Indeterminate("injected, lost".into()));
                }
                Fault::Landed | Fault::LandedUnreadable | Fault::PanicAfter => {}
            }
        }
        let removes = batch.iter().any(|w| w.kind() == WriteKind::SessionRemoved);
        self.inner.write(session, version, batch).await?;
        if removes {
            self.applied.store(0, Ordering::SeqCst);
        } else {
            self.applied.fetch_add(1, Ordering::SeqCst);
        }
        match fault {
            Some(Fault::PanicAfter) => {
                panic!("injected store panic after applying (expected by this test)")
            }
            Some(Fault::LandedUnreadable) => {
                self.unreadable.store(3, Ordering::SeqCst);
                Err(StoreError::Indeterminate("injected, landed".into()))
            }
            Some(_) => Err(StoreError::Indeterminate("injected, landed".into())),
            None => Ok(()),
        }
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        self.inner.load(session).await
    }

    async fn version(&self, session: &SessionId) -> Result<Option<u64>, StoreError> {
        match self.unreadable.load(Ordering::SeqCst) {
            0 => self.inner.version(session).await,
            n => {
                self.unreadable.store(n - 1, Ordering::SeqCst);
                if n == 1 {
                    panic!("injected version panic (expected by this test)");
                }
                Err(StoreError::Unavailable("injected version failure".into()))
            }
        }
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        self.inner.list_sessions().await
    }
}

fn runtime(store: &Arc<FaultStore>) -> Arc<SessionRuntime> {
    Arc::new(SessionRuntime::with_store(store.clone()))
}

fn runtime_window(store: &Arc<FaultStore>, n: u64) -> Arc<SessionRuntime> {
    Arc::new(SessionRuntime::with_options(
        store.clone(),
        RuntimeOptions::default().with_remembered_inputs(std::num::NonZeroU64::new(n).unwrap()),
    ))
}

/// The store holds exactly what the kernel holds about session `s` (`store_agrees`), and
/// no batch skipped or repeated a version.
async fn agree(runtime: &SessionRuntime, s: &SessionId, store: &FaultStore) {
    store_agrees(runtime, s, &store.inner, "after the fault").await;
    let stored = store.inner.load(s).await.unwrap().unwrap();
    assert_eq!(
        stored.version,
        store.applied.load(Ordering::SeqCst),
        "versions skipped or repeated"
    );
}

/// What the caller of an operation whose batch met `fault` gets: success when the batch
/// landed, otherwise the store's error (`Unavailable` for a batch found not applied).
fn expect_result<T: std::fmt::Debug>(fault: Fault, result: &RuntimeResult<T>) {
    match (fault.applies(), result) {
        (true, Ok(_)) => {}
        (false, Err(RuntimeError::Store(e))) => match (fault, e) {
            (Fault::Corrupt, StoreError::Corrupt(_)) => {}
            (Fault::Corrupt, e) => panic!("{fault:?}: {e:?}"),
            (Fault::Conflict, StoreError::Conflict(_)) => {}
            (Fault::Conflict, e) => panic!("{fault:?}: {e:?}"),
            (_, StoreError::Unavailable(_)) => {}
            (_, e) => panic!("{fault:?}: {e:?}"),
        },
        (_, r) => panic!("{fault:?}: {r:?}"),
    }
}

fn pending(handle: &mut CompletionHandle) -> bool {
    use std::future::Future;
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(handle).poll(&mut cx).is_pending()
}

/// One session over a `FaultStore`, with the handles of what it accepted.
struct Probe {
    store: Arc<FaultStore>,
    rt: Arc<SessionRuntime>,
    s: SessionId,
    exec: ScriptedExecutor,
    handles: Vec<CompletionHandle>,
}

impl Probe {
    async fn new() -> Probe {
        Probe::with(None).await
    }

    async fn with(window: Option<u64>) -> Probe {
        let store = FaultStore::new();
        let rt = match window {
            Some(n) => runtime_window(&store, n),
            None => runtime(&store),
        };
        let s = sid("s");
        within(rt.register_session(&s)).await.unwrap();
        Probe {
            store,
            rt,
            s,
            exec: ScriptedExecutor::new(),
            handles: Vec::new(),
        }
    }

    async fn attach(&self) -> bool {
        within(
            self.rt
                .ensure_executor(&self.s, Arc::new(self.exec.clone())),
        )
        .await
        .unwrap()
    }

    async fn accept(&mut self, input: RuntimeInput) {
        let a = within(self.rt.accept(&self.s, input)).await.unwrap();
        self.handles.extend(a.completion);
    }

    async fn snapshot(&self) -> KernelSnapshot {
        within(self.rt.kernel_snapshot(&self.s)).await.unwrap()
    }

    async fn agree(&self) {
        agree(&self.rt, &self.s, &self.store).await;
    }

    async fn phase(&self) -> RuntimePhase {
        within(self.rt.runtime_state(&self.s)).await.unwrap().phase
    }

    /// After an operation met `fault`: the caller's answer fits it, a refused operation
    /// left the kernel as it was, and the store agrees with the kernel.
    async fn after<T: std::fmt::Debug>(
        &self,
        fault: Fault,
        before: &KernelSnapshot,
        result: &RuntimeResult<T>,
    ) {
        assert_eq!(self.store.fired(), 1, "{fault:?}: the fault fired");
        expect_result(fault, result);
        if result.is_err() {
            assert_eq!(&self.snapshot().await, before, "{fault:?}: rolled back");
        }
        self.agree().await;
    }

    /// Lets the session run everything out with a behaving store (attaching the executor
    /// if it has none and can take one), then checks that every handle resolved and the
    /// store agrees.
    async fn drain(&mut self) -> Vec<CompletionOutcome> {
        self.store.disarm();
        self.store.resume();
        if matches!(
            self.phase().await,
            RuntimePhase::Idle | RuntimePhase::Stopped
        ) {
            self.attach().await;
        }
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            self.exec.release_all();
            let _ = within(self.rt.wake(&self.s)).await;
            let state = within(self.rt.runtime_state(&self.s)).await.unwrap();
            if state.queued == 0 && state.run.is_none() {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "never drained");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let mut outcomes = Vec::new();
        for h in self.handles.drain(..) {
            outcomes.push(outcome(h).await);
        }
        self.agree().await;
        outcomes
    }
}

// ---- Accept --------------------------------------------------------------------------------

/// An accept (with an idempotency key) whose write fails: a typed error and no trace, or,
/// when the batch landed, an accepted input; a repeat of the key then joins it, or is a
/// new input; everything runs once the store behaves.
#[tokio::test]
async fn accept_with_a_key_under_every_fault() {
    for fault in FAULTS {
        let mut p = Probe::new().await;
        p.accept(msg("before")).await;
        let before = p.snapshot().await;
        p.store.arm(WriteKind::InputAccepted, fault);
        let r = within(p.rt.accept(&p.s, prompt("a").with_key("k"))).await;
        p.after(fault, &before, &r).await;
        if let Ok(a) = r {
            assert_eq!(a.outcome, AcceptOutcome::Accepted);
            p.handles.extend(a.completion);
        }
        let again = within(p.rt.accept(&p.s, prompt("a2").with_key("k")))
            .await
            .unwrap();
        let expected = if fault.applies() {
            AcceptOutcome::Deduplicated { original: iid("a") }
        } else {
            AcceptOutcome::Accepted
        };
        assert_eq!(again.outcome, expected, "{fault:?}");
        p.handles.extend(again.completion);
        p.agree().await;
        let outcomes = p.drain().await;
        assert!(outcomes.iter().all(is_completed), "{fault:?}: {outcomes:?}");
        assert_eq!(
            p.exec.calls(),
            2,
            "{fault:?}: before, then the keyed input once"
        );
    }
}

/// A joiner that arrives while the original's accept is still being written waits for it,
/// and then joins it or, if the write failed, is admitted itself.
#[tokio::test]
async fn a_joiner_waits_for_the_originals_write() {
    for fault in FAULTS {
        let mut p = Probe::new().await;
        p.store.pause();
        p.store.arm(WriteKind::InputAccepted, fault);
        let (rt, s) = (p.rt.clone(), p.s.clone());
        let first = tokio::spawn(async move { rt.accept(&s, prompt("a").with_key("k")).await });
        eventually("the first accept is writing", || async {
            p.store.waiting() == 1
        })
        .await;
        let (rt, s) = (p.rt.clone(), p.s.clone());
        let joiner = tokio::spawn(async move { rt.accept(&s, prompt("b").with_key("k")).await });
        settle().await;
        p.store.resume();
        let first = within(first).await.unwrap();
        let joiner = within(joiner).await.unwrap().unwrap();
        expect_result(fault, &first);
        match first {
            Ok(a) => {
                assert_eq!(
                    joiner.outcome,
                    AcceptOutcome::Deduplicated { original: iid("a") }
                );
                p.handles.extend(a.completion);
            }
            Err(_) => assert_eq!(joiner.outcome, AcceptOutcome::Accepted, "{fault:?}"),
        }
        p.handles.extend(joiner.completion);
        p.agree().await;
        let outcomes = p.drain().await;
        assert!(outcomes.iter().all(is_completed), "{fault:?}: {outcomes:?}");
        assert_eq!(p.exec.calls(), 1, "{fault:?}");
    }
}

/// A durable operation's accept (the input row and its consumed row, one batch).
#[tokio::test]
async fn an_operation_accept_under_every_fault() {
    for fault in FAULTS {
        let mut p = Probe::new().await;
        let before = p.snapshot().await;
        p.store.arm(WriteKind::InputsTerminal, fault);
        let op = RuntimeInput::operation("op", "op", serde_json::json!({}));
        let r = within(p.rt.accept(&p.s, op)).await;
        p.after(fault, &before, &r).await;
        if let Ok(a) = &r {
            assert!(a.completion.is_none());
        }
        let state = within(p.rt.input_state(&p.s, &iid("op"))).await.unwrap();
        assert_eq!(state.is_some(), fault.applies());
        p.drain().await;
    }
}

/// An accept that makes the session forget its oldest finished inputs (window 1).
#[tokio::test]
async fn an_evicting_accept_under_every_fault() {
    for fault in FAULTS {
        let mut p = Probe::with(Some(1)).await;
        p.attach().await;
        p.accept(msg("a")).await;
        p.accept(msg("b")).await;
        p.drain().await;
        p.attach().await;
        let before = p.snapshot().await;
        p.store.arm(WriteKind::InputsEvicted, fault);
        let r = within(p.rt.accept(&p.s, msg("c"))).await;
        p.after(fault, &before, &r).await;
        if let Ok(a) = r {
            p.handles.extend(a.completion);
        }
        let a = within(p.rt.input_state(&p.s, &iid("a"))).await.unwrap();
        assert_eq!(a.is_none(), fault.applies(), "{fault:?}");
        p.drain().await;
    }
}

// ---- The loop's writes -------------------------------------------------------------------

/// Staging, committing, failing and cancelling a run: the loop's write fails (or lands
/// unacknowledged), and the input still ends exactly as it would have, run at most once
/// more than needed.
#[tokio::test]
async fn the_loops_writes_under_every_fault() {
    for kind in [
        WriteKind::InputsStaged,
        WriteKind::RunCommitted,
        WriteKind::RunFailed,
    ] {
        for cancel in [false, true] {
            if cancel && kind != WriteKind::RunFailed {
                continue;
            }
            for fault in FAULTS {
                let mut p = Probe::new().await;
                p.attach().await;
                if kind == WriteKind::RunFailed {
                    p.exec.push(if cancel {
                        Step::Cancel
                    } else {
                        Step::fail("boom")
                    });
                }
                p.store.arm(kind, fault);
                p.accept(prompt("a")).await;
                eventually("the fault fired", || async { p.store.fired() == 1 }).await;
                let outcomes = p.drain().await;
                let what = format!("{kind:?} {fault:?} cancel={cancel}");
                match (kind, cancel) {
                    (_, true) => assert_eq!(outcomes, [CompletionOutcome::Cancelled], "{what}"),
                    _ => assert!(is_completed(&outcomes[0]), "{what}: {outcomes:?}"),
                }
                let calls = p.exec.calls();
                let expected = match kind {
                    WriteKind::InputsStaged => 1,
                    WriteKind::RunCommitted if !fault.applies() => 2,
                    WriteKind::RunCommitted => 1,
                    _ if cancel => 1,
                    _ => 2,
                };
                assert_eq!(calls, expected, "{what}");
            }
        }
    }
}

/// The executor stops itself and the stop's write fails: retried until durable; the
/// waiter hears `Stopped` once and the stop hook runs once.
#[tokio::test]
async fn an_executor_stop_under_every_fault() {
    for fault in FAULTS {
        let mut p = Probe::new().await;
        p.attach().await;
        p.exec.push(Step::Stop);
        p.store.arm(WriteKind::Lifecycle, fault);
        p.accept(prompt("a")).await;
        eventually("the fault fired", || async { p.store.fired() == 1 }).await;
        eventually("stopped", || async {
            p.phase().await == RuntimePhase::Stopped
        })
        .await;
        p.agree().await;
        assert_eq!(p.exec.stop_calls(), 1, "{fault:?}");
        let outcomes = p.drain().await;
        assert_eq!(
            outcomes,
            [terminated(TerminationReason::Stopped)],
            "{fault:?}"
        );
    }
}

/// A retire that drains: the write that retires the session at the end fails, and is
/// retried until the session is Retired.
#[tokio::test]
async fn a_draining_retire_under_every_fault() {
    for fault in FAULTS {
        let mut p = Probe::new().await;
        p.attach().await;
        p.exec.push(Step::blocked(Step::Echo));
        p.accept(prompt("a")).await;
        current_run(&p.rt, &p.s).await;
        within(p.rt.retire(&p.s)).await.unwrap();
        p.store.arm(WriteKind::Lifecycle, fault);
        p.exec.release_all();
        eventually("retired", || async {
            p.phase().await == RuntimePhase::Retired
        })
        .await;
        assert_eq!(p.store.fired(), 1);
        p.agree().await;
        let outcomes: Vec<_> = {
            let mut v = Vec::new();
            for h in p.handles.drain(..) {
                v.push(outcome(h).await);
            }
            v
        };
        assert!(is_completed(&outcomes[0]), "{fault:?}");
        assert!(!p.rt.has_executor(&p.s));
    }
}

// ---- Control operations ------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Control {
    Stop,
    StopIdle,
    RetireIdle,
    Reset,
    Recycle,
    RecycleRetired,
    Recover,
    Attach,
    Destroy,
}

/// Each control operation meets each fault on its batch, from a state where it has work
/// to do (a run in flight and a queued input where the operation allows it): a typed
/// error with the kernel as it was and the session carrying on, or, when the batch landed,
/// the operation done; either way the store agrees with the kernel and every handle
/// resolves once.
#[tokio::test]
async fn control_operations_under_every_fault() {
    let controls = [
        Control::Stop,
        Control::StopIdle,
        Control::RetireIdle,
        Control::Reset,
        Control::Recycle,
        Control::RecycleRetired,
        Control::Recover,
        Control::Attach,
        Control::Destroy,
    ];
    for control in controls {
        for fault in FAULTS {
            let what = format!("{control:?} {fault:?}");
            let mut p = Probe::new().await;
            let running = matches!(control, Control::Stop | Control::Recover | Control::Destroy);
            if running {
                p.attach().await;
                p.exec.push(Step::blocked(Step::Echo));
                p.accept(prompt("a")).await;
                current_run(&p.rt, &p.s).await;
            }
            if control == Control::Recycle {
                p.attach().await;
                // The new loop drains and parks before `b` arrives.
                settle().await;
            }
            if control == Control::Recycle {
                // Left queued (no wake), so the loop does not run it meanwhile.
                let a = within(p.rt.accept_without_wake(&p.s, msg("b")))
                    .await
                    .unwrap();
                p.handles.extend(a.completion);
            } else {
                p.accept(msg("b")).await;
            }
            if control == Control::RecycleRetired {
                within(p.rt.retire(&p.s)).await.unwrap();
            }
            let kind = match control {
                Control::Reset => WriteKind::InputsForgotten,
                Control::Recover => WriteKind::InputsRequeued,
                _ => WriteKind::Lifecycle,
            };
            let before = p.snapshot().await;
            p.store.arm(kind, fault);
            let r = match control {
                Control::Stop | Control::StopIdle => within(p.rt.stop(&p.s)).await,
                Control::RetireIdle => within(p.rt.retire(&p.s)).await,
                Control::Reset => within(p.rt.reset(&p.s)).await,
                Control::Recycle | Control::RecycleRetired => within(p.rt.recycle(&p.s)).await,
                Control::Recover => within(p.rt.recover(&p.s)).await,
                Control::Destroy => within(p.rt.destroy(&p.s)).await,
                Control::Attach => within(p.rt.ensure_executor(&p.s, Arc::new(p.exec.clone())))
                    .await
                    .map(|_| ControlReport::default()),
            };
            if control == Control::Destroy && r.is_ok() {
                assert_eq!(p.store.fired(), 1);
                let stored = p.store.inner.load(&p.s).await.unwrap().unwrap();
                assert_eq!(stored.phase, Some(RuntimePhase::Destroyed), "{what}");
                assert!(
                    stored
                        .inputs
                        .iter()
                        .all(|r| r.phase == InputPhase::Abandoned),
                    "{what}"
                );
                p.exec.release_all();
                for h in p.handles.drain(..) {
                    assert_eq!(outcome(h).await, terminated(TerminationReason::Destroyed));
                }
                continue;
            }
            p.after(fault, &before, &r).await;
            // (A retired session's input was abandoned by the retire.)
            if r.is_err() && control != Control::RecycleRetired {
                for h in &mut p.handles {
                    assert!(
                        pending(h),
                        "{what}: a handle resolved by a refused operation"
                    );
                }
                if running {
                    assert!(p.rt.has_executor(&p.s), "{what}: the loop stays");
                }
            }
            let stops = p.exec.stop_calls();
            assert_eq!(
                stops,
                usize::from(r.is_ok() && control == Control::Stop),
                "{what}: stop hook"
            );
            if control == Control::RecycleRetired || control == Control::RetireIdle {
                // A retired session takes no executor until it is recycled.
                if p.phase().await == RuntimePhase::Retired {
                    within(p.rt.recycle(&p.s)).await.unwrap();
                }
            }
            let outcomes = p.drain().await;
            assert!(!outcomes.is_empty());
            // Work nobody ended completes once the store behaves.
            if r.is_err() && control != Control::RecycleRetired {
                assert!(outcomes.iter().all(is_completed), "{what}: {outcomes:?}");
            }
            // Later accepts run.
            p.accept(msg("after")).await;
            let later = p.drain().await;
            assert!(later.iter().all(is_completed), "{what}: {later:?}");
        }
    }
}

/// Unregister: a failed removal leaves the session as it was and the loop working; a
/// landed one removes it (and its rows), and the id can be registered afresh.
#[tokio::test]
async fn unregister_under_every_fault() {
    for fault in FAULTS {
        let mut p = Probe::new().await;
        p.attach().await;
        p.exec.push(Step::blocked(Step::Echo));
        p.accept(prompt("a")).await;
        current_run(&p.rt, &p.s).await;
        p.accept(msg("b")).await;
        let before = p.snapshot().await;
        p.store.arm(WriteKind::SessionRemoved, fault);
        let r = within(p.rt.unregister_session(&p.s)).await;
        assert_eq!(p.store.fired(), 1);
        expect_result(fault, &r);
        if r.is_ok() {
            assert!(!p.rt.contains_session(&p.s));
            assert_eq!(p.store.inner.load(&p.s).await.unwrap(), None, "{fault:?}");
            for h in p.handles.drain(..) {
                assert_eq!(
                    outcome(h).await,
                    terminated(TerminationReason::Unregistered)
                );
            }
            assert!(within(p.rt.register_session(&p.s)).await.unwrap());
            p.agree().await;
        } else {
            assert_eq!(p.snapshot().await, before);
            p.agree().await;
        }
        let outcomes = p.drain().await;
        if r.is_err() {
            assert!(outcomes.iter().all(is_completed), "{fault:?}: {outcomes:?}");
        }
        p.accept(msg("after")).await;
        assert!(p.drain().await.iter().all(is_completed));
    }
}

/// A first registration whose write fails leaves no session (and nothing stored); one
/// that landed is registered.
#[tokio::test]
async fn register_under_every_fault() {
    for fault in FAULTS {
        let store = FaultStore::new();
        let rt = runtime(&store);
        let s = sid("s");
        store.arm(WriteKind::Lifecycle, fault);
        let r = within(rt.register_session(&s)).await;
        expect_result(fault, &r);
        assert_eq!(rt.contains_session(&s), r.is_ok(), "{fault:?}");
        assert_eq!(
            store.inner.load(&s).await.unwrap().is_some(),
            r.is_ok(),
            "{fault:?}"
        );
        within(rt.register_session(&s)).await.unwrap();
        agree(&rt, &s, &store).await;
    }
}

// ---- Shutdown --------------------------------------------------------------------------

/// A shutdown while a write is held: it returns at once; the held operation ends with its
/// own result or a typed error once the write goes through; every waiter resolves; nothing
/// the store holds contradicts what was written.
#[tokio::test]
async fn shutdown_while_a_write_is_held() {
    for kind in [
        WriteKind::InputAccepted,
        WriteKind::InputsStaged,
        WriteKind::RunCommitted,
        WriteKind::Lifecycle,
    ] {
        for fault in [
            None,
            Some(Fault::Lost),
            Some(Fault::LostUnreadable),
            Some(Fault::Landed),
        ] {
            let what = format!("{kind:?} {fault:?}");
            let mut p = Probe::new().await;
            p.attach().await;
            if kind == WriteKind::RunCommitted || kind == WriteKind::Lifecycle {
                p.exec.push(Step::blocked(Step::Echo));
                p.accept(prompt("a")).await;
                current_run(&p.rt, &p.s).await;
            }
            if kind == WriteKind::InputsStaged {
                let a = within(p.rt.accept_without_wake(&p.s, msg("b")))
                    .await
                    .unwrap();
                p.handles.extend(a.completion);
            }
            p.store.pause();
            if let Some(fault) = fault {
                p.store.arm(kind, fault);
            }
            let op = Some({
                let (rt, s) = (p.rt.clone(), p.s.clone());
                tokio::spawn(async move {
                    match kind {
                        WriteKind::InputAccepted => {
                            rt.accept(&s, msg("b")).await.map(|a| a.completion)
                        }
                        WriteKind::InputsStaged => rt.wake(&s).await.map(|()| None),
                        WriteKind::Lifecycle => rt.stop(&s).await.map(|_| None),
                        _ => Ok(None),
                    }
                })
            });
            if kind == WriteKind::RunCommitted {
                p.exec.release_all();
            }
            eventually("a write is held", || async { p.store.waiting() == 1 }).await;
            within(p.rt.shutdown()).await;
            p.store.resume();
            if let Some(op) = op {
                let r = within(op).await.unwrap();
                match r {
                    Ok(h) => p.handles.extend(h),
                    // Held behind the loop's write, or not settled before the shutdown.
                    Err(
                        RuntimeError::ShutDown | RuntimeError::Store(StoreError::Unavailable(_)),
                    ) => {}
                    Err(e) => panic!("{what}: {e:?}"),
                }
            }
            p.exec.release_all();
            for h in p.handles.drain(..) {
                let o = outcome(h).await;
                assert!(
                    !matches!(
                        o,
                        CompletionOutcome::RuntimeTerminated {
                            reason: TerminationReason::Dropped
                        }
                    ),
                    "{what}: {o:?}"
                );
            }
            settle().await;
            assert_eq!(p.store.inner.conflicts(), 0, "{what}");
            let stored = p.store.inner.load(&p.s).await.unwrap().unwrap();
            assert_eq!(stored.version, p.store.inner.committed_batches() as u64);
        }
    }
}

// ---- Racing operations -------------------------------------------------------------------

/// One step of a racing case.
#[derive(Debug, Clone)]
enum Op {
    Accept {
        kind: u8,
        steer: bool,
        key: Option<u8>,
        wake: bool,
    },
    Wake,
    Cancel,
    Stop,
    Attach,
    Retire,
    Reset,
    Recycle,
    Recover,
    Release,
    Yield,
    Sleep,
    Arm {
        kind: u8,
        fault: u8,
    },
    Pause,
    Resume,
    Destroy,
    Unregister,
    Register,
    Shutdown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0u8..3, any::<bool>(), proptest::option::weighted(0.3, 0u8..3), prop::bool::weighted(0.8))
            .prop_map(|(kind, steer, key, wake)| Op::Accept { kind, steer, key, wake }),
        1 => Just(Op::Wake), 1 => Just(Op::Cancel), 1 => Just(Op::Stop), 3 => Just(Op::Attach),
        1 => Just(Op::Retire), 1 => Just(Op::Reset), 1 => Just(Op::Recycle), 2 => Just(Op::Recover),
        4 => Just(Op::Release), 3 => Just(Op::Yield), 1 => Just(Op::Sleep),
        4 => (0u8..10, 0u8..8).prop_map(|(kind, fault)| Op::Arm { kind, fault }),
        1 => Just(Op::Pause), 2 => Just(Op::Resume),
        1 => Just(Op::Destroy), 1 => Just(Op::Unregister), 2 => Just(Op::Register), 1 => Just(Op::Shutdown),
    ]
}

/// An error no operation may get here: this runtime is the store's only writer, and no
/// fault injected here is a conflict.
fn bad(e: &RuntimeError) -> bool {
    matches!(
        e,
        RuntimeError::Store(StoreError::Conflict(_)) | RuntimeError::Kernel(_)
    )
}

/// Applies one step; `n` numbers the input an accept creates.
async fn apply(
    rt: &SessionRuntime,
    s: &SessionId,
    exec: &ScriptedExecutor,
    store: &FaultStore,
    op: Op,
    n: usize,
    handles: &Mutex<Vec<CompletionHandle>>,
) -> Result<(), String> {
    let r: RuntimeResult<()> = match op {
        Op::Accept {
            kind,
            steer,
            key,
            wake,
        } => {
            let id = format!("i{n}");
            let mut input = match kind {
                0 => prompt(&id),
                1 => msg(&id),
                _ => RuntimeInput::operation(id.as_str(), "op", serde_json::json!({})),
            };
            if steer {
                input = input.steer();
            }
            if let Some(k) = key {
                input = input.with_key(format!("k{k}"));
            }
            let r = if wake {
                rt.accept(s, input).await
            } else {
                rt.accept_without_wake(s, input).await
            };
            r.map(|a| handles.lock().unwrap().extend(a.completion))
        }
        Op::Wake => rt.wake(s).await,
        Op::Cancel => rt.cancel_after_boundary(s).await.map(drop),
        Op::Stop => rt.stop(s).await.map(drop),
        Op::Attach => rt
            .ensure_executor(s, Arc::new(exec.clone()))
            .await
            .map(drop),
        Op::Retire => rt.retire(s).await.map(drop),
        Op::Reset => rt.reset(s).await.map(drop),
        Op::Recycle => rt.recycle(s).await.map(drop),
        Op::Recover => rt.recover(s).await.map(drop),
        Op::Release => {
            exec.release(1);
            Ok(())
        }
        Op::Yield => {
            settle_briefly().await;
            Ok(())
        }
        Op::Sleep => {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            Ok(())
        }
        Op::Arm { kind, fault } => {
            // Every fault but a conflict, which this runtime (the only writer) never causes.
            let mut faults = FAULTS.iter().filter(|f| **f != Fault::Conflict);
            let f = *faults.nth(usize::from(fault)).unwrap();
            store.arm(WriteKind::ALL[kind as usize], f);
            Ok(())
        }
        Op::Pause => {
            store.pause();
            Ok(())
        }
        Op::Resume => {
            store.resume();
            Ok(())
        }
        Op::Destroy => rt.destroy(s).await.map(drop),
        Op::Unregister => rt.unregister_session(s).await.map(drop),
        Op::Register => rt.register_session(s).await.map(drop),
        Op::Shutdown => {
            rt.shutdown().await;
            Ok(())
        }
    };
    match r {
        Err(e) if bad(&e) => Err(format!("{e:?}")),
        _ => Ok(()),
    }
}

/// One case: the steps in order, those marked `true` spawned to race the rest. Then the
/// store behaves again; if the session is still there, it drains, the store must agree
/// with the kernel and every waiter with the kernel; if it was destroyed or the runtime
/// shut down, every waiter must still resolve.
async fn run_case(
    ops: Vec<(Op, bool)>,
    outcomes: Vec<u8>,
    window: Option<u64>,
) -> Result<(), TestCaseError> {
    let store = FaultStore::new();
    let rt = match window {
        Some(n) => runtime_window(&store, n),
        None => runtime(&store),
    };
    let s = sid("s");
    let exec = outcome_executor(outcomes);
    rt.register_session(&s).await.unwrap();
    let handles = Arc::new(Mutex::new(Vec::new()));
    let mut spawned = Vec::new();
    for (n, (op, detach)) in ops.into_iter().enumerate() {
        if matches!(op, Op::Arm { .. } | Op::Pause | Op::Resume | Op::Shutdown) {
            apply(&rt, &s, &exec, &store, op, n, &handles)
                .await
                .map_err(TestCaseError::fail)?;
            continue;
        }
        let task = {
            let (rt, s, exec, store, handles) = (
                rt.clone(),
                s.clone(),
                exec.clone(),
                store.clone(),
                handles.clone(),
            );
            tokio::spawn(async move { apply(&rt, &s, &exec, &store, op, n, &handles).await })
        };
        if detach {
            spawned.push(task);
            continue;
        }
        // Awaited in order, but a paused store holds it until a `Resume` that comes later:
        // then the store resumes, and the step is joined with the racing ones.
        let mut task = task;
        match tokio::time::timeout(std::time::Duration::from_millis(30), &mut task).await {
            Ok(joined) => joined
                .map_err(|e| TestCaseError::fail(format!("join: {e}")))?
                .map_err(TestCaseError::fail)?,
            Err(_) => {
                store.resume();
                spawned.push(task);
            }
        }
    }
    store.disarm();
    store.resume();
    for h in spawned {
        tokio::time::timeout(LIMIT, h)
            .await
            .map_err(|_| TestCaseError::fail("spawned op hung"))?
            .map_err(|e| TestCaseError::fail(format!("join: {e}")))?
            .map_err(TestCaseError::fail)?;
    }
    if !rt.contains_session(&s) {
        let _ = rt.register_session(&s).await;
    }
    if !rt.contains_session(&s)
        || matches!(rt.runtime_state(&s).await, Err(RuntimeError::Destroyed(_)))
    {
        // Shut down or destroyed: every waiter still resolves.
        let hs: Vec<_> = std::mem::take(&mut *handles.lock().unwrap());
        for h in hs {
            tokio::time::timeout(LIMIT, h.wait())
                .await
                .map_err(|_| TestCaseError::fail("waiter never resolved"))?;
        }
        prop_assert_eq!(store.inner.conflicts(), 0);
        return Ok(());
    }
    // Quiesce and drain.
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        exec.release_all();
        let st = rt.runtime_state(&s).await.unwrap();
        if matches!(st.phase, RuntimePhase::Idle | RuntimePhase::Stopped) {
            let _ = rt.ensure_executor(&s, Arc::new(exec.clone())).await;
        }
        if st.phase == RuntimePhase::Retired {
            let _ = rt.recycle(&s).await;
        }
        let _ = rt.wake(&s).await;
        settle_briefly().await;
        let st = rt.runtime_state(&s).await.unwrap();
        if st.queued == 0 && st.run.is_none() && exec.blocked() == 0 {
            break;
        }
        prop_assert!(
            tokio::time::Instant::now() < deadline,
            "never drained: {st:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    agree(&rt, &s, &store).await;
    let hs: Vec<_> = std::mem::take(&mut *handles.lock().unwrap());
    for h in hs {
        let id = h.input().clone();
        let o = tokio::time::timeout(LIMIT, h.wait())
            .await
            .map_err(|_| TestCaseError::fail(format!("waiter of {id} never resolved")))?;
        if matches!(
            o,
            CompletionOutcome::RuntimeTerminated {
                reason: TerminationReason::Unregistered
            }
        ) {
            continue;
        }
        if let Some(state) = rt.input_state(&s, &id).await.unwrap() {
            prop_assert!(agrees(&o, &state), "{id}: told {o:?}, kernel {state:?}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..runtime_proptest_config(48) })]

    #[test]
    fn racing_faults_keep_the_store_and_kernel_in_step(
        ops in prop::collection::vec((op(), prop::bool::weighted(0.3)), 1..40),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        window in prop_oneof![1 => Just(None), 1 => (1u64..4).prop_map(Some)],
    ) {
        run_proptest_case(run_case(ops, outcomes, window))?;
    }

    #[test]
    fn racing_faults_keep_the_store_and_kernel_in_step_on_two_workers(
        ops in prop::collection::vec((op(), prop::bool::weighted(0.4)), 1..40),
        outcomes in prop::collection::vec(0u8..10, 1..8),
        window in prop_oneof![1 => Just(None), 1 => (1u64..4).prop_map(Some)],
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            tokio::time::timeout(LIMIT * 3, run_case(ops, outcomes, window)).await
                .map_err(|_| TestCaseError::fail("case did not finish"))?
        })?;
    }
}
