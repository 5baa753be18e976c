//! One session inside the runtime: its kernel authority, mutation gate, attachment and
//! ledger (input ids, bodies, waiters), and the one routine every operation goes through: apply an input to
//! the kernel, make its durable facts durable (rolling the kernel back if that fails), then
//! realise its effects.

use crate::completion::{CompletionHandle, CompletionOutcome, TerminationReason};
use crate::error::{RuntimeError, RuntimeResult};
use crate::events::{EventBus, EventKind, RunOutcomeKind};
use crate::executor::{
    BoundaryCancel, Executor, Interrupt, RunBoundary, RunOutput, RunPrimitive, StopReason,
};
use crate::gate::Gate;
use crate::generated::session as k;
use crate::input::RuntimeInput;
use crate::kernel_io::{self, runtime_phase};
use crate::ledger::Ledger;
use crate::runtime::{AcceptOutcome, Acceptance};
use crate::store::{RunReceipt, RuntimeStore, StoreError, StoreWrite, StoredInput, TerminalRow};
use crate::store_write::write_batch;
use crate::types::{AbandonReason, InputId, InputPhase, RunId, RuntimePhase, SessionId};
use crate::wake::{self, WakeReceiver, WakeSender};
use futures_util::FutureExt;
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tracing::Instrument;

/// Counts every control operation reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ControlReport {
    /// Inputs the operation ended without a committed run (abandoned or terminated,
    /// a run in flight included), waiters told.
    pub abandoned: usize,
    /// Inputs left to drain before a retiring session retires.
    pub drained: usize,
    /// Inputs the operation moved back to wait for the next executor: both lanes for
    /// `recycle`; for `recover`, the lost run's contributors only (inputs still queued
    /// stay queued and are not counted).
    pub transferred: usize,
}

/// What the runtime shares with every session and loop.
#[derive(Clone)]
pub(crate) struct Shared {
    /// Where durable facts are written; `None`: nowhere (`SessionRuntime::new`), and a
    /// step then builds no batch at all.
    pub store: Option<Arc<dyn RuntimeStore>>,
    pub events: EventBus,
}

/// A live executor attachment: the loop's wake channel and the executor it drives.
pub(crate) struct Attachment {
    pub executor: Arc<dyn Executor>,
    pub handles: LiveHandles,
    pub wake: WakeSender,
}

/// What `Session::attach` hands back: the new attachment's epoch, its loop's wake
/// receiver, its executor (for the loop), and the attachment it replaced.
pub(crate) type Installed = (u64, WakeReceiver, Arc<dyn Executor>, Option<Attachment>);

/// The executor's live handles, taken once when it is offered (before any lock is held),
/// so that dispatching a cancel never runs consumer code under the gate.
#[derive(Default)]
pub(crate) struct LiveHandles {
    pub boundary_cancel: Option<Arc<dyn BoundaryCancel>>,
    pub interrupt: Option<Arc<dyn Interrupt>>,
}

impl LiveHandles {
    pub fn of(executor: &dyn Executor) -> LiveHandles {
        LiveHandles {
            boundary_cancel: executor.boundary_cancel(),
            interrupt: executor.interrupt(),
        }
    }
}

/// Work that calls into the executor, done after the mutation gate is released.
pub(crate) enum AfterGate {
    StopExecutor(Arc<dyn Executor>, StopReason),
    BoundaryCancel(Arc<dyn BoundaryCancel>, RunId),
    Interrupt(Arc<dyn Interrupt>, RunId),
    /// A detached attachment, dropped here (or with the `Step`) rather than under the core
    /// lock: it may hold the last reference to the consumer's executor and handles, whose
    /// `Drop` is consumer code. Kept out of `Step` itself, which every step future carries.
    Release(Attachment),
}

impl AfterGate {
    /// Runs consumer code (a hook, a handle, an executor's `Drop`). A panic there is logged
    /// and goes no further: the operation that asked for it has already taken effect, so its
    /// caller gets its result, and the actions after this one still run.
    pub async fn run(self, session: &SessionId) {
        match self {
            AfterGate::StopExecutor(executor, reason) => {
                let stop = AssertUnwindSafe(async { executor.stop(reason).await })
                    .catch_unwind()
                    .await;
                log_panic(session, "the executor's stop hook", stop);
            }
            AfterGate::BoundaryCancel(handle, run) => {
                isolated(session, "the executor's boundary-cancel handle", || {
                    handle.cancel_after_boundary(run)
                })
            }
            AfterGate::Interrupt(handle, run) => {
                isolated(session, "the executor's interrupt handle", || {
                    handle.interrupt(run)
                })
            }
            AfterGate::Release(attachment) => release(session, attachment),
        }
    }
}

/// Drops a detached attachment, which may hold the last reference to the consumer's
/// executor: a panic in its `Drop` is logged, not passed on.
pub(crate) fn release(session: &SessionId, attachment: Attachment) {
    isolated(session, "dropping a detached executor", || drop(attachment));
}

/// Drops an executor offered to `ensure_executor` that was not attached, and its live
/// handles, once no lock is held: a panic in their `Drop` is logged, not passed on.
pub(crate) fn discard(session: &SessionId, executor: Arc<dyn Executor>, handles: LiveHandles) {
    isolated(
        session,
        "dropping an executor that was not attached",
        || drop((executor, handles)),
    );
}

/// Calls consumer code that must not block, logging a panic instead of passing it on.
fn isolated(session: &SessionId, what: &str, call: impl FnOnce()) {
    log_panic(session, what, panic::catch_unwind(AssertUnwindSafe(call)));
}

fn log_panic(session: &SessionId, what: &str, outcome: std::thread::Result<()>) {
    if let Err(payload) = outcome {
        let message = panic_message(payload.as_ref());
        tracing::error!(%session, panic = message, "{what} panicked; the runtime carries on");
    }
}

/// What a panic said (`panic!` with a literal or with a formatted message).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Extra data some steps need to write rows and resolve waiters.
#[derive(Default)]
pub(crate) struct StepContext<'a> {
    /// The input being accepted (for its durable row).
    pub accepting: Option<&'a Arc<RuntimeInput>>,
    /// The output of the run being committed.
    pub output: Option<&'a RunOutput>,
    /// Why the run being failed failed (the executor's error), for `RunFinished`.
    pub failure: Option<&'a str>,
    /// Leave a `Wake` effect to the caller (`Step::wake`), who wakes the loop once the
    /// gate is released, so the loop does not wake only to queue on the gate.
    pub defer_wake: bool,
}

/// What `Session::step` answers: a realised step, the kernel's refusal (nothing
/// happened), or an error of the shell or the store (nothing happened either).
pub(crate) type StepResult = RuntimeResult<Result<Step, k::Rejection>>;

/// Steps taken under one hold of a session's core lock (`Session::steps`).
pub(crate) struct Steps<'a> {
    session: &'a Session,
    core: MutexGuard<'a, Core>,
}

impl<'a> Steps<'a> {
    pub fn session(&self) -> &'a Session {
        self.session
    }

    /// `Session::step_now`, with the lock already held.
    pub fn step(&mut self, shared: &Shared, input: k::Input, ctx: StepContext<'_>) -> StepResult {
        self.session
            .step_locked(&mut self.core, shared, input, &ctx)
    }
}

/// The realised result of one kernel transition.
///
/// Every step is returned by value through a few calls, so the fields every input's steps
/// use stay inline and what only control operations (and accepts of operation inputs)
/// produce is boxed: at 176 bytes, each move of a `Step` was a `memcpy` call, eight per
/// input.
#[derive(Default)]
pub(crate) struct Step {
    pub accepted: bool,
    /// Kernel handles of inputs (see `Ledger`).
    pub joined: Option<u64>,
    pub deduplicated: Option<u64>,
    pub run_started: Option<RunPrimitive>,
    /// A boundary cancel or interrupt was dispatched to the executor.
    pub dispatched: bool,
    pub spawn_loop: bool,
    /// A committed run left nothing to start (`RunCommitted { park }`): the loop parks
    /// without a `StartRun`.
    pub park: bool,
    /// A deferred `Wake` effect (see `StepContext::defer_wake`): the caller must call
    /// `Session::wake` after releasing the gate.
    pub wake: bool,
    /// Allocated by the first effect that needs it.
    rare: Option<Box<RareStep>>,
}

/// A call left for after the gate (a stop hook, a boundary cancel, an interrupt) would be
/// lost with a step dropped before `finish` ran it; a `Release` only drops its attachment,
/// which dropping the step does too. Debug builds check that no path loses a call: the
/// loop drops its run steps unfinished because the spec gives `RunApplied` and `CommitRun`
/// no such work, and a spec change that did would trip this.
impl Drop for Step {
    fn drop(&mut self) {
        if cfg!(debug_assertions) && !std::thread::panicking() {
            let calls = self.rare.as_ref().map_or(0, |r| {
                let release = |a: &&AfterGate| matches!(a, AfterGate::Release(_));
                r.after_gate.iter().filter(|a| !release(a)).count()
            });
            debug_assert_eq!(
                calls, 0,
                "a step was dropped with calls left for after the gate"
            );
        }
    }
}

/// The part of a `Step` that the steps of an everyday input never fill.
#[derive(Default)]
struct RareStep {
    report: ControlReport,
    /// Inputs that reached a terminal phase in an accept step (an operation is consumed
    /// on accept); other steps leave it empty.
    terminal: Vec<u64>,
    after_gate: Vec<AfterGate>,
}

impl Step {
    /// The counts of a control operation.
    pub fn report(&self) -> ControlReport {
        self.rare.as_ref().map(|r| r.report).unwrap_or_default()
    }

    /// Whether `input` reached a terminal phase in this (accept) step.
    pub fn made_terminal(&self, input: u64) -> bool {
        self.rare
            .as_ref()
            .is_some_and(|r| r.terminal.contains(&input))
    }

    fn rare(&mut self) -> &mut RareStep {
        self.rare.get_or_insert_default()
    }

    /// Runs what had to wait for the gate to be released.
    pub async fn finish(&mut self, session: &SessionId) {
        let Some(rare) = &mut self.rare else { return };
        for action in rare.after_gate.drain(..) {
            action.run(session).await;
        }
    }
}

/// What `Session::core` guards.
struct Core {
    kernel: k::Authority,
    /// Ids, bodies, last errors and waiters of the inputs the kernel remembers.
    ledger: Ledger,
    /// The version of the last batch of this session the store applied.
    store_version: u64,
    /// Set when the runtime shut down (or was dropped), with what waiters are told: every
    /// later step is refused, and a waiter registered later is told at once.
    shut: Option<TerminationReason>,
    /// Set when the session left the runtime's map (unregistered, or its first
    /// registration failed): a call that looked it up before and waited for its gate
    /// acts on nothing and is told the session is unknown.
    removed: bool,
}

/// One session. Locks are taken in the order gate, `core`, `attachment`: `realise` wakes or
/// detaches the loop with `core` held, so nothing may take `core` while holding
/// `attachment`. Neither std lock is held across an await or a call into consumer code.
pub(crate) struct Session {
    pub id: SessionId,
    /// The kernel and the ledger, under one lock: a step reads and updates both, and
    /// every lock taken costs two atomic instructions on the hot path.
    core: Mutex<Core>,
    /// Serialises multi-step operations on this session; never held across an executor call.
    pub gate: Gate,
    attachment: Mutex<Option<Attachment>>,
    next_seq: AtomicU64,
    next_epoch: AtomicU64,
    /// The epoch of `attachment` (0: none), which distinguishes its loop from earlier ones
    /// after a re-attach. Written under the attachment's lock; the loop checks it several
    /// times per run (with the gate held, which orders it after any attach or detach), and
    /// a load is cheaper than taking the lock.
    attached_epoch: AtomicU64,
    /// Set when unregister begins, before it waits for the gate; the loop hands it to the
    /// kernel's `StartRun`, which then starts nothing.
    pub closing: AtomicBool,
    /// The latest run whose executor call returned (0: none), set by the loop as soon as it
    /// has the result, before it waits for the gate to record it; a cancel or interrupt
    /// hands it to the kernel (`returned`), which then leaves that run alone. Raised with
    /// `fetch_max`: a detached loop returning late must not lower it.
    returned_run: AtomicU64,
    /// The latest run whose executor returned `Stopped` (0: none), set at the same moment;
    /// `recover` hands it to the kernel (`stopped`), which then calls the stop hook.
    stopped_run: AtomicU64,
    /// Concurrent unregister calls share this one result.
    pub unregistered: tokio::sync::OnceCell<ControlReport>,
}

/// Locks a std mutex; a poisoned lock is still used, since nothing panics while holding
/// one and the data stays consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A run id kept in an atomic (0: none; run ids start at 1).
fn kernel_run(run: u64) -> Option<k::RunId> {
    (run != 0).then(|| kernel_io::kernel_run_id(RunId(run)))
}

/// The phase the store records (and `PhaseChanged` reports) for kernel phase `p`: a run
/// always returns to Attached and never outlives the process, so the store keeps Attached
/// while a run is in flight (its start and end are the run's own writes) and a run costs no
/// lifecycle writes.
fn stored_phase(p: k::Phase) -> RuntimePhase {
    match p {
        k::Phase::Running => RuntimePhase::Attached,
        p => runtime_phase(p),
    }
}

/// The error an input ends or is requeued with: the failure of the step's run (a
/// `FailRun` carries it), else the input's last failure before it.
fn last_error(ledger: &Ledger, ctx: &StepContext<'_>, input: u64) -> Option<String> {
    ctx.failure
        .map(str::to_owned)
        .or_else(|| ledger.last_error(input))
}

/// A waiter for the input behind `handle` (told at once if the session shut down).
fn register_waiter(core: &mut Core, handle: u64) -> CompletionHandle {
    let waiter = core.ledger.register_waiter(handle);
    tell_if_shut(core);
    waiter
}

/// What an accept's step needs besides the kernel input.
pub(crate) fn accepting(input: &Arc<RuntimeInput>) -> StepContext<'_> {
    StepContext {
        accepting: Some(input),
        defer_wake: true,
        ..StepContext::default()
    }
}

/// An accept's answer, and whether the loop must be woken once the gate is released.
pub(crate) struct Admission {
    pub acceptance: Acceptance,
    pub wake: bool,
}

/// Tells the waiters of a session that shut down (see `Session::shut_down`).
fn tell_if_shut(core: &mut Core) {
    if let Some(reason) = core.shut {
        core.ledger
            .resolve_all_waiters(|_| CompletionOutcome::RuntimeTerminated { reason });
    }
}

/// What a waiter learns when its input is abandoned for `reason`.
fn abandoned_outcome(reason: AbandonReason, error: Option<String>) -> CompletionOutcome {
    match reason {
        AbandonReason::Cancelled => CompletionOutcome::Cancelled,
        AbandonReason::Stopped => CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Stopped,
        },
        AbandonReason::Reset => CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Reset,
        },
        AbandonReason::Destroyed => CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Destroyed,
        },
        AbandonReason::Unregistered => CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Unregistered,
        },
        AbandonReason::Retired | AbandonReason::MaxAttemptsExhausted => {
            CompletionOutcome::Abandoned { reason, error }
        }
    }
}

impl Session {
    pub fn new(id: SessionId) -> Session {
        Session {
            id,
            core: Mutex::new(Core {
                kernel: k::Authority::new(),
                ledger: Ledger::default(),
                store_version: 0,
                shut: None,
                removed: false,
            }),
            gate: Gate::default(),
            attachment: Mutex::new(None),
            next_seq: AtomicU64::new(1),
            next_epoch: AtomicU64::new(1),
            attached_epoch: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            returned_run: AtomicU64::new(0),
            stopped_run: AtomicU64::new(0),
            unregistered: tokio::sync::OnceCell::new(),
        }
    }

    /// Reads the kernel state under its (short, synchronous) lock.
    pub fn read<R>(&self, f: impl FnOnce(&k::State) -> R) -> R {
        f(lock(&self.core).kernel.state())
    }

    /// The kernel's state and the caller's ids of its input handles, under one lock.
    pub fn snapshot(&self) -> crate::runtime::KernelSnapshot {
        let core = lock(&self.core);
        let state = core.kernel.state().clone();
        let ids = state
            .inputs
            .keys()
            .map(|handle| (handle.0, core.ledger.id(handle.0)))
            .collect();
        crate::runtime::KernelSnapshot { state, ids }
    }

    /// `Destroyed` for a destroyed session: every later call on it is that error.
    pub fn ensure_not_destroyed(&self) -> RuntimeResult<()> {
        let core = lock(&self.core);
        self.in_runtime(&core)?;
        self.not_destroyed(core.kernel.state())
    }

    fn not_destroyed(&self, state: &k::State) -> RuntimeResult<()> {
        if state.phase == k::Phase::Destroyed {
            Err(RuntimeError::Destroyed(self.id.clone()))
        } else {
            Ok(())
        }
    }

    /// The loop has the result of `run`'s executor call (`stopped`: the executor returned
    /// `Stopped`). One atomic operation per run; the second only for a stop.
    pub fn run_returned(&self, run: RunId, stopped: bool) {
        self.returned_run.fetch_max(run.0, Ordering::Release);
        if stopped {
            self.stopped_run.fetch_max(run.0, Ordering::Release);
        }
    }

    /// The latest run whose executor call returned, for the kernel (`returned`).
    pub fn returned_run(&self) -> Option<k::RunId> {
        kernel_run(self.returned_run.load(Ordering::Acquire))
    }

    /// The latest run whose executor returned `Stopped`, for the kernel (`stopped`).
    pub fn stopped_run(&self) -> Option<k::RunId> {
        kernel_run(self.stopped_run.load(Ordering::Acquire))
    }

    /// Whether a live loop is attached.
    pub fn has_executor(&self) -> bool {
        lock(&self.attachment)
            .as_ref()
            .is_some_and(|a| !a.wake.is_closed())
    }

    /// The current attachment's epoch, if any.
    pub fn attached_epoch(&self) -> Option<u64> {
        match self.attached_epoch.load(Ordering::Acquire) {
            0 => None,
            epoch => Some(epoch),
        }
    }

    /// Installs the offered executor and handles (taking them out of `offered`) as the new
    /// attachment and returns its epoch, the loop's wake receiver, the executor (for the
    /// loop) and the attachment it replaced (one whose loop is lost, see the kernel's
    /// `replace_lost_loop`; if its task was dropped in the middle of a store write, that
    /// step's waiters stay unresolved and the store may disagree with the kernel: docs,
    /// Known limits), for the caller to release once the gate is free; `ShutDown` once the
    /// runtime shut down, leaving `offered` to the caller.
    pub fn attach(
        &self,
        offered: &mut Option<(Arc<dyn Executor>, LiveHandles)>,
    ) -> RuntimeResult<Installed> {
        // `core` before `attachment` (the lock order), and held until the attachment is in:
        // `shut_down` detaches under `core`, so it either sees this attachment or comes
        // first and is seen here.
        let core = lock(&self.core);
        self.in_runtime(&core)?;
        // Taken only now: if this is refused, the caller still holds the executor and
        // drops it once the gate is released.
        let Some((executor, handles)) = offered.take() else {
            // `ensure_executor` offers one executor and attaches at most once.
            return Err(RuntimeError::Kernel(
                "an attach found no executor to attach (a shell bug)".to_string(),
            ));
        };
        let epoch = self.next_epoch.fetch_add(1, Ordering::Relaxed);
        let (wake, receiver) = wake::signal();
        let mut attachment = lock(&self.attachment);
        let replaced = attachment.replace(Attachment {
            executor: executor.clone(),
            handles,
            wake,
        });
        self.attached_epoch.store(epoch, Ordering::Release);
        Ok((epoch, receiver, executor, replaced))
    }

    fn detach(&self) -> Option<Attachment> {
        let mut attachment = lock(&self.attachment);
        self.attached_epoch.store(0, Ordering::Release);
        attachment.take()
    }

    pub fn wake(&self) {
        if let Some(a) = lock(&self.attachment).as_ref() {
            a.wake.wake();
        }
    }

    /// The kernel handle for the input being accepted (see `Ledger::reserve`), and whether
    /// it is fresh; `Destroyed` for a destroyed session (checked under the same lock).
    /// Called with the gate held.
    pub fn reserve(&self, input: &RuntimeInput) -> RuntimeResult<(u64, bool)> {
        self.reserve_locked(&mut lock(&self.core), input)
    }

    fn reserve_locked(&self, core: &mut Core, input: &RuntimeInput) -> RuntimeResult<(u64, bool)> {
        self.in_runtime(core)?;
        self.not_destroyed(core.kernel.state())?;
        Ok(core.ledger.reserve(input))
    }

    /// A new waiter for the input `id` while it is live (accepted, not terminal); `None`
    /// otherwise. Called with the gate held, so no transition is half-way through its
    /// store write. Told at once, like every waiter, if the runtime shut down.
    pub fn waiter(&self, id: &InputId) -> Option<CompletionHandle> {
        let mut core = lock(&self.core);
        let handle = core.ledger.handle(id)?;
        let record = core.kernel.state().inputs.get(&k::InputId(handle))?;
        if kernel_io::input_phase(record.phase).is_terminal() {
            return None;
        }
        Some(register_waiter(&mut core, handle))
    }

    /// The handle of a remembered input id.
    pub fn handle(&self, id: &InputId) -> Option<u64> {
        lock(&self.core).ledger.handle(id)
    }

    /// The error of the last failed run of the input behind `handle` (see `InputState`).
    pub fn last_error(&self, handle: u64) -> Option<String> {
        lock(&self.core).ledger.last_error(handle)
    }

    /// The caller's ids behind kernel handles.
    pub fn ids<'h>(&self, handles: impl IntoIterator<Item = &'h k::InputId>) -> Vec<InputId> {
        let core = lock(&self.core);
        handles.into_iter().map(|h| core.ledger.id(h.0)).collect()
    }

    /// The answer to an accept whose step (`result`) is done (see `settle_accept_locked`).
    pub fn settle_accept(
        &self,
        input: Arc<RuntimeInput>,
        reserved: (u64, bool),
        result: StepResult,
    ) -> RuntimeResult<Admission> {
        self.settle_accept_locked(&mut lock(&self.core), input, reserved, result)
    }

    /// The bodies of `inputs` (shared, not copied), for the executor; a missing one is
    /// logged.
    fn payloads(&self, ledger: &Ledger, inputs: &VecDeque<k::InputId>) -> Vec<Arc<RuntimeInput>> {
        inputs
            .iter()
            .filter_map(|&k::InputId(h)| {
                let payload = ledger.payload(h);
                if payload.is_none() {
                    // Accept stores the body before it returns; this is a shell bug.
                    tracing::error!(session = %self.id, input = %ledger.id(h), "staged input has no body");
                }
                payload
            })
            .collect()
    }

    /// Ends the session's work in this process without a kernel transition or a store write
    /// (runtime shutdown or drop), without waiting for the gate: every later step is
    /// refused, the loop is detached, every waiter is told `reason` (and so is one
    /// registered later, by an operation already past its step). Returns the detached
    /// attachment, whose executor's stop hook the caller runs; `None` the second time.
    pub fn shut_down(&self, reason: TerminationReason) -> Option<Attachment> {
        let mut core = lock(&self.core);
        if core.shut.is_some() {
            return None;
        }
        core.shut = Some(reason);
        tell_if_shut(&mut core);
        // Under `core`, so that `attach` (which checks `shut` under it) cannot install a
        // loop after this.
        self.detach()
    }

    /// `ShutDown` once the runtime shut down, `UnknownSession` once the session left it.
    pub fn ensure_in_runtime(&self) -> RuntimeResult<()> {
        self.in_runtime(&lock(&self.core))
    }

    fn in_runtime(&self, core: &Core) -> RuntimeResult<()> {
        if core.shut.is_some() {
            Err(RuntimeError::ShutDown)
        } else if core.removed {
            Err(RuntimeError::UnknownSession(self.id.clone()))
        } else {
            Ok(())
        }
    }

    /// The session left the runtime's map (see `Core::removed`). Called with the gate held.
    pub fn mark_removed(&self) {
        lock(&self.core).removed = true;
    }

    /// Resolves every remaining waiter (used when the session leaves the runtime).
    pub fn terminate_waiters(&self, reason: TerminationReason) -> usize {
        lock(&self.core)
            .ledger
            .resolve_all_waiters(|_| CompletionOutcome::RuntimeTerminated { reason })
    }

    /// Applies `input` to the kernel, persists what it made durable, and realises its
    /// effects. Must be called with the gate held. A kernel rejection is returned as is
    /// (nothing happened); a failed store write rolls the kernel back and is an error.
    pub async fn step(&self, shared: &Shared, input: k::Input, ctx: StepContext<'_>) -> StepResult {
        // Without a store nothing is written, so nothing is waited for.
        let Some(store) = &shared.store else {
            return self.step_now(shared, input, ctx);
        };
        let prepared = {
            let mut core = lock(&self.core);
            let transition = match self.apply(&mut core, input)? {
                Ok(transition) => transition,
                Err(rejection) => return Ok(Err(rejection)),
            };
            let entered = self.transition_span(&transition);
            // Read under the same lock as the transition: whether the kernel now remembers no
            // input at all (reset, destroy, unregister), which the ledger mirrors.
            let forgot_all = core.kernel.state().inputs.is_empty();
            let writes = self.store_writes(&core.ledger, &transition, &ctx);
            if writes.is_empty() {
                // Nothing to make durable: realised under the same lock (in the span, as
                // one realised after its write is).
                return Ok(Ok(
                    self.complete(&mut core, shared, transition, &ctx, forgot_all)
                ));
            }
            // Left before the await (a guard must not cross it) and entered again after.
            let span = entered.exit();
            (transition, writes, forgot_all, core.store_version + 1, span)
        };
        let (transition, writes, forgot_all, version, span) = prepared;
        let shut = || lock(&self.core).shut.is_some();
        let write = |writes| write_batch(store.as_ref(), &self.id, version, writes, &shut);
        // Without a subscriber that wants the span, no per-poll enter and exit (and the
        // write's future is built in place, not moved into a wrapper).
        let written = if span.is_disabled() {
            write(writes).await
        } else {
            write(writes).instrument(span.clone()).await
        };
        // What follows (realising the step, or rolling it back) is recorded in the
        // transition's span too. No await from here on.
        let _span = span.entered();
        // The core lock was not held across the write; the gate kept every other mutation
        // out, so this is still the latest transition.
        let mut core = lock(&self.core);
        let e = match written {
            Ok(()) => {
                core.store_version = version;
                return Ok(Ok(
                    self.complete(&mut core, shared, transition, &ctx, forgot_all)
                ));
            }
            Err(error) => {
                if let Err(bug) = core.kernel.rollback(transition) {
                    tracing::error!(session = %self.id, %bug, "rollback after a failed store write");
                }
                error
            }
        };
        drop(core);
        match &e {
            // The store holds something the kernel does not: a retry alone will not get past
            // it, and the session may not make progress until someone looks.
            StoreError::Conflict(_) => tracing::error!(
                session = %self.id,
                error = %e,
                "the store refused a write as contradicting what it holds; transition rolled back"
            ),
            _ => {
                tracing::warn!(session = %self.id, error = %e, "store write failed; transition rolled back")
            }
        }
        Err(RuntimeError::Store(e))
    }

    /// `step` for a runtime without a store: there is nothing to write, so it never waits
    /// (a caller that has the gate can use `steps` instead of `step`'s future).
    #[inline]
    fn step_now(&self, shared: &Shared, input: k::Input, ctx: StepContext<'_>) -> StepResult {
        self.step_locked(&mut lock(&self.core), shared, input, &ctx)
    }

    /// Holds the core lock for several steps in a row (`step_now` each), for a runtime
    /// without a store: the loop records a run's output and starts the next run under one
    /// hold.
    pub fn steps(&self) -> Steps<'_> {
        Steps {
            session: self,
            core: lock(&self.core),
        }
    }

    /// `step_now` with `core` held.
    fn step_locked(
        &self,
        core: &mut Core,
        shared: &Shared,
        input: k::Input,
        ctx: &StepContext<'_>,
    ) -> StepResult {
        let transition = match self.apply(core, input)? {
            Ok(transition) => transition,
            Err(rejection) => return Ok(Err(rejection)),
        };
        let _entered = self.transition_span(&transition);
        // See `step`.
        let forgot_all = core.kernel.state().inputs.is_empty();
        Ok(Ok(self.complete(core, shared, transition, ctx, forgot_all)))
    }

    /// An accept in a runtime without a store, with the gate held: the handle, the step
    /// and the answer under one hold of `core`.
    pub fn accept_now(
        &self,
        shared: &Shared,
        input: Arc<RuntimeInput>,
        wake: bool,
    ) -> RuntimeResult<Admission> {
        let mut core = lock(&self.core);
        let (handle, fresh) = self.reserve_locked(&mut core, &input)?;
        let result = self.step_locked(
            &mut core,
            shared,
            kernel_io::accept(&input, handle, wake),
            &accepting(&input),
        );
        self.settle_accept_locked(&mut core, input, (handle, fresh), result)
    }

    /// The answer to an accept whose step (`result`) is done, with the gate still held:
    /// a fresh handle the kernel did not admit goes back, and the waiter is registered
    /// (before the gate is released, so the loop, which needs the gate to commit, cannot
    /// finish the input before its waiter exists).
    fn settle_accept_locked(
        &self,
        core: &mut Core,
        input: Arc<RuntimeInput>,
        (handle, fresh): (u64, bool),
        result: StepResult,
    ) -> RuntimeResult<Admission> {
        // Rejected, rolled back after a failed store write, joined, deduplicated.
        if fresh && !matches!(&result, Ok(Ok(step)) if step.accepted) {
            core.ledger.forget(handle);
        }
        let step = match result {
            Ok(Ok(step)) => step,
            Ok(Err(rejection)) => {
                return Err(kernel_io::accept_error(&self.id, &input, &rejection));
            }
            Err(e) => return Err(e),
        };
        let acceptance = if let Some(original) = step.joined {
            Acceptance {
                outcome: AcceptOutcome::Deduplicated {
                    original: core.ledger.id(original),
                },
                completion: Some(register_waiter(core, original)),
            }
        } else if let Some(original) = step.deduplicated {
            Acceptance {
                outcome: AcceptOutcome::Deduplicated {
                    original: core.ledger.id(original),
                },
                completion: None,
            }
        } else {
            let completion = if step.made_terminal(handle) {
                None
            } else if step.accepted {
                let waiter = core.ledger.admit(handle, input);
                tell_if_shut(core);
                Some(waiter)
            } else {
                Some(register_waiter(core, handle))
            };
            Acceptance {
                outcome: AcceptOutcome::Accepted,
                completion,
            }
        };
        Ok(Admission {
            acceptance,
            wake: step.wake,
        })
    }

    /// Applies `input` to the kernel, logging a rejection. The caller opens the applied
    /// transition's span (`transition_span`) and keeps it until the step is settled, so
    /// that the store write and, if it fails, the rollback are recorded in it. Always
    /// inlined: what it returns is large, and copying it out costs every step about as
    /// much as the lookups of a transition.
    #[inline(always)]
    fn apply(
        &self,
        core: &mut Core,
        input: k::Input,
    ) -> RuntimeResult<Result<k::Transition, k::Rejection>> {
        self.in_runtime(core)?;
        match core.kernel.apply(input) {
            Ok(transition) => Ok(Ok(transition)),
            Err(rejection) => {
                self.rejected(&rejection);
                Ok(Err(rejection))
            }
        }
    }

    /// Logs a kernel refusal.
    #[cold]
    fn rejected(&self, rejection: &k::Rejection) {
        match rejection.reason {
            // "Not now": the caller gets a typed answer.
            k::RejectReason::NotHandled | k::RejectReason::GuardsFailed(_) => {
                tracing::debug!(session = %self.id, %rejection, "kernel rejected")
            }
            // The transition the kernel picked would have broken its own state: a gap in
            // the spec, worth an operator's attention.
            _ => tracing::error!(
                session = %self.id,
                %rejection,
                "kernel refused an input for its own consistency (a spec bug)"
            ),
        }
    }

    /// The span of an applied transition, entered.
    #[inline(always)]
    fn transition_span(&self, transition: &k::Transition) -> tracing::span::EnteredSpan {
        let entered = tracing::debug_span!(
            "transition",
            session = %self.id,
            id = %transition.id,
            from = %transition.from,
            to = %transition.to
        )
        .entered();
        tracing::debug!(effects = transition.effects.len(), "applied");
        entered
    }

    /// Realises a durable transition and hands its effect buffer back to the kernel.
    fn complete(
        &self,
        core: &mut Core,
        shared: &Shared,
        transition: k::Transition,
        ctx: &StepContext<'_>,
        forgot_all: bool,
    ) -> Step {
        let step = self.realise(&mut core.ledger, shared, &transition, ctx);
        if forgot_all {
            core.ledger.forget_all();
        }
        // Realised and durable, so never rolled back: its buffer serves the next step.
        core.kernel.reclaim(transition);
        step
    }

    /// The durable facts of a transition, as one atomic batch. Only durable inputs have rows.
    fn store_writes(
        &self,
        ledger: &Ledger,
        t: &k::Transition,
        ctx: &StepContext<'_>,
    ) -> Vec<StoreWrite> {
        let mut writes = Vec::new();
        let mut terminal = Vec::new();
        let mut requeued = Vec::new();
        let mut contributors = Vec::new();
        let mut back_in_front = Vec::new();
        let mut evicted = Vec::new();
        let mut run_end = None;
        // The failed run's error (the step's failure), for the `RunFailed` row.
        let mut run_error = None;
        let mut cancelled = false;
        let mut unregistered = false;
        let mut forgotten = false;
        let durable = |input: &k::InputId| ledger.is_durable(input.0);
        for effect in &t.effects {
            match effect {
                k::Effect::Accepted { input, .. } => {
                    if let Some(accepting) = ctx.accepting.filter(|_| durable(input)) {
                        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
                        writes.push(StoreWrite::InputAccepted {
                            input: StoredInput {
                                input: accepting.clone(),
                                seq,
                            },
                        });
                    }
                }
                k::Effect::RunStarted {
                    run,
                    inputs,
                    attempt,
                    ..
                } => {
                    let inputs: Vec<InputId> = inputs
                        .iter()
                        .filter_map(|i| ledger.durable_id(i.0))
                        .collect();
                    writes.push(StoreWrite::InputsStaged {
                        run: kernel_io::run_id(*run),
                        attempt: *attempt,
                        inputs,
                    });
                }
                k::Effect::Consumed { input, run } => {
                    let (id, durable) = ledger.id_and_durability(input.0);
                    if durable {
                        terminal.push(TerminalRow::consumed(id.clone()));
                    }
                    if run.is_some() {
                        contributors.push(id);
                    }
                }
                k::Effect::Abandoned { input, reason } if durable(input) => {
                    terminal.push(TerminalRow::abandoned(
                        ledger.id(input.0),
                        kernel_io::abandon_reason(*reason),
                        last_error(ledger, ctx, input.0),
                    ));
                }
                k::Effect::Requeued { input } if durable(input) => {
                    if run_error.is_none() {
                        run_error = last_error(ledger, ctx, input.0);
                    }
                    requeued.push(ledger.id(input.0));
                }
                k::Effect::Transferred { input, front } if *front && durable(input) => {
                    back_in_front.push(ledger.id(input.0));
                }
                k::Effect::Evicted { input, durability }
                    if *durability == k::Durability::Durable =>
                {
                    evicted.push(ledger.id(input.0));
                }
                k::Effect::Removed => unregistered = true,
                k::Effect::Forgotten => forgotten = true,
                k::Effect::RunCommitted { run, .. } => {
                    run_end = Some((kernel_io::run_id(*run), true))
                }
                k::Effect::RunFailed { run } => run_end = Some((kernel_io::run_id(*run), false)),
                k::Effect::RunCancelled { run } => {
                    run_end = Some((kernel_io::run_id(*run), false));
                    cancelled = true;
                }
                _ => {}
            }
        }
        match run_end {
            Some((run, true)) => writes.push(StoreWrite::RunCommitted {
                receipt: RunReceipt {
                    run,
                    inputs: contributors,
                    output: ctx.output.cloned().unwrap_or_default(),
                },
                terminal,
            }),
            Some((run, false)) => writes.push(StoreWrite::RunFailed {
                run,
                error: run_error.filter(|_| !cancelled),
                requeued,
                terminal,
            }),
            None if !terminal.is_empty() && !unregistered => {
                writes.push(StoreWrite::InputsTerminal { rows: terminal })
            }
            None => {}
        }
        // Recover moves the lost run's contributors from Staged back to the front of their
        // lanes; without this row the store still has them Staged and refuses to stage them
        // again. (Recycle's transfers stay where they are: nothing to write.)
        if !back_in_front.is_empty() {
            writes.push(StoreWrite::InputsRequeued {
                inputs: back_in_front,
            });
        }
        // Finished inputs the kernel no longer remembers: their rows go too, so that their
        // ids can be accepted again.
        if !evicted.is_empty() {
            writes.push(StoreWrite::InputsEvicted { inputs: evicted });
        }
        // The kernel forgot every input and key (reset); the store forgets them too.
        if forgotten {
            writes.push(StoreWrite::InputsForgotten);
        }
        if unregistered {
            writes.push(StoreWrite::SessionRemoved);
        } else if stored_phase(t.from) != stored_phase(t.to) {
            writes.push(StoreWrite::Lifecycle {
                phase: stored_phase(t.to),
            });
        }
        writes
    }

    /// Carries out a transition's effects that do not call the executor; those are
    /// left in the `Step` for after the gate (`Step::finish`).
    fn realise(
        &self,
        ledger: &mut Ledger,
        shared: &Shared,
        t: &k::Transition,
        ctx: &StepContext<'_>,
    ) -> Step {
        let mut step = Step::default();
        for effect in &t.effects {
            match effect {
                k::Effect::Registered | k::Effect::Forgotten | k::Effect::Removed => {}
                k::Effect::Evicted { input, .. } => ledger.forget(input.0),
                k::Effect::Wake if ctx.defer_wake => step.wake = true,
                k::Effect::Wake => self.wake(),
                k::Effect::Accepted { input, .. } => {
                    step.accepted = true;
                    // The caller keeps the body (`admitted`): it owns the input, so
                    // moving it there saves a copy.
                    if let Some(accepting) = ctx.accepting {
                        shared
                            .events
                            .publish_with(&self.id, || EventKind::InputAccepted {
                                input: ledger.id(input.0),
                                kind: accepting.kind(),
                                lane: accepting.header.handling,
                            });
                    }
                }
                k::Effect::Consumed { input, .. } => {
                    let output = ctx.output.cloned().unwrap_or_default();
                    self.end_input(
                        ledger,
                        shared,
                        input.0,
                        (InputPhase::Consumed, None),
                        CompletionOutcome::Completed(output),
                        None,
                    );
                    if ctx.accepting.is_some() {
                        step.rare().terminal.push(input.0);
                    }
                }
                k::Effect::RunStarted {
                    run,
                    inputs,
                    prompt,
                    attempt,
                    ..
                } => {
                    let run = kernel_io::run_id(*run);
                    shared
                        .events
                        .publish_with(&self.id, || EventKind::RunStarted {
                            run,
                            inputs: inputs.iter().map(|i| ledger.id(i.0)).collect(),
                            attempt: *attempt,
                        });
                    step.run_started = Some(RunPrimitive {
                        session: self.id.clone(),
                        run,
                        contributors: self.payloads(ledger, inputs),
                        boundary: if *prompt {
                            RunBoundary::Prompt
                        } else {
                            RunBoundary::Batch
                        },
                        // As the kernel counted it for the contributors.
                        attempt: *attempt,
                    });
                }
                k::Effect::RunCommitted { run, park } => {
                    step.park = *park;
                    self.run_finished(shared, *run, RunOutcomeKind::Committed, None)
                }
                rare => self.realise_rare(ledger, shared, rare, ctx, &mut step),
            }
        }
        if stored_phase(t.from) != stored_phase(t.to) {
            shared
                .events
                .publish_with(&self.id, || EventKind::PhaseChanged {
                    phase: stored_phase(t.to),
                });
        }
        step
    }

    /// The effects of failures, joins and control operations, out of line: `realise`, on
    /// the path of every accept and run, stays small (less code to fetch per input).
    #[cold]
    #[inline(never)]
    fn realise_rare(
        &self,
        ledger: &mut Ledger,
        shared: &Shared,
        effect: &k::Effect,
        ctx: &StepContext<'_>,
        step: &mut Step,
    ) {
        match effect {
            k::Effect::Requeued { input } => {
                // The failure is durable now: a later end of the input reports it.
                if let Some(error) = ctx.failure {
                    ledger.remember_error(input.0, error);
                }
            }
            k::Effect::RunStopped { run } => {
                self.run_finished(shared, *run, RunOutcomeKind::Stopped, None)
            }
            k::Effect::SpawnLoop => step.spawn_loop = true,
            k::Effect::DetachLoop => {
                if let Some(a) = self.detach() {
                    step.rare().after_gate.push(AfterGate::Release(a));
                }
            }
            k::Effect::StopExecutor { reason } => {
                if let Some(a) = self.detach() {
                    step.rare().after_gate.push(AfterGate::StopExecutor(
                        a.executor.clone(),
                        kernel_io::stop_reason(*reason),
                    ));
                    step.rare().after_gate.push(AfterGate::Release(a));
                }
            }
            k::Effect::Joined { input } => step.joined = Some(input.0),
            k::Effect::Deduplicated { input } => step.deduplicated = Some(input.0),
            k::Effect::Abandoned { input, reason } => {
                let reason = kernel_io::abandon_reason(*reason);
                let error = last_error(ledger, ctx, input.0);
                self.end_input(
                    ledger,
                    shared,
                    input.0,
                    (InputPhase::Abandoned, Some(reason)),
                    abandoned_outcome(reason, error.clone()),
                    error,
                );
                step.rare().report.abandoned += 1;
                if ctx.accepting.is_some() {
                    step.rare().terminal.push(input.0);
                }
            }
            k::Effect::RunFailed { run } => {
                self.run_finished(shared, *run, RunOutcomeKind::Failed, ctx.failure)
            }
            k::Effect::RunCancelled { run } => {
                self.run_finished(shared, *run, RunOutcomeKind::Cancelled, None)
            }
            k::Effect::DispatchBoundaryCancel { run } => {
                let run = kernel_io::run_id(*run);
                self.dispatch(step, |h| {
                    let handle = h.boundary_cancel.clone()?;
                    Some(AfterGate::BoundaryCancel(handle, run))
                });
            }
            k::Effect::InterruptRun { run } => {
                let run = kernel_io::run_id(*run);
                self.dispatch(step, |h| {
                    let handle = h.interrupt.clone()?;
                    Some(AfterGate::Interrupt(handle, run))
                });
            }
            k::Effect::Draining { pending } => step.rare().report.drained += *pending as usize,
            k::Effect::Transferred { .. } => step.rare().report.transferred += 1,
            // `realise` handles these itself.
            k::Effect::Registered
            | k::Effect::Forgotten
            | k::Effect::Removed
            | k::Effect::Evicted { .. }
            | k::Effect::Wake
            | k::Effect::Accepted { .. }
            | k::Effect::Consumed { .. }
            | k::Effect::RunStarted { .. }
            | k::Effect::RunCommitted { .. } => {}
        }
    }

    /// Queues a call to one of the attached executor's live handles for after the gate; an
    /// executor without that handle is not dispatched to.
    fn dispatch(&self, step: &mut Step, call: impl FnOnce(&LiveHandles) -> Option<AfterGate>) {
        let action = lock(&self.attachment)
            .as_ref()
            .and_then(|a| call(&a.handles));
        if let Some(action) = action {
            step.dispatched = true;
            step.rare().after_gate.push(action);
        }
    }

    fn run_finished(
        &self,
        shared: &Shared,
        run: k::RunId,
        outcome: RunOutcomeKind,
        error: Option<&str>,
    ) {
        shared
            .events
            .publish_with(&self.id, || EventKind::RunFinished {
                run: kernel_io::run_id(run),
                outcome,
                error: error.map(str::to_string),
            });
    }

    /// An input reached a terminal phase (and why, if abandoned): tell its waiters, forget
    /// its body, keep its last run `error` for `input_state`.
    fn end_input(
        &self,
        ledger: &mut Ledger,
        shared: &Shared,
        input: u64,
        (phase, reason): (InputPhase, Option<AbandonReason>),
        outcome: CompletionOutcome,
        error: Option<String>,
    ) {
        ledger.finish(input, outcome, error);
        shared
            .events
            .publish_with(&self.id, || EventKind::InputTerminal {
                input: ledger.id(input),
                phase,
                reason,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ScriptedExecutor;

    /// A step dropped with a call left for after the gate would lose it: debug builds say so.
    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "calls left for after the gate")]
    fn a_step_dropped_with_a_call_left_is_caught() {
        let mut step = Step::default();
        let executor: Arc<dyn Executor> = Arc::new(ScriptedExecutor::new());
        step.rare()
            .after_gate
            .push(AfterGate::StopExecutor(executor, StopReason::Stopped));
        drop(step);
    }

    /// The loop's view of its attachment (an atomic) follows attach, re-attach and detach.
    #[test]
    fn the_attached_epoch_follows_the_attachment() {
        let session = Session::new(SessionId::from("s"));
        let executor = || -> Arc<dyn Executor> { Arc::new(ScriptedExecutor::new()) };
        assert_eq!(session.attached_epoch(), None);
        let (first, _wake, _, none) = session
            .attach(&mut Some((executor(), LiveHandles::default())))
            .unwrap();
        assert!(none.is_none());
        assert_eq!(session.attached_epoch(), Some(first));
        let (second, _wake, _, replaced) = session
            .attach(&mut Some((executor(), LiveHandles::default())))
            .unwrap();
        assert!(replaced.is_some(), "the replaced attachment is handed back");
        assert_ne!(first, second, "a re-attach is a new epoch");
        assert_eq!(session.attached_epoch(), Some(second));
        assert!(session.detach().is_some());
        assert_eq!(session.attached_epoch(), None);
        assert!(session.detach().is_none());
        assert_eq!(session.attached_epoch(), None);
    }
}
