//! `SessionRuntime`: many sessions, each with its kernel, gate, loop and waiters.
//! Registration, ingress and queries live here; control operations in `control.rs`.

use crate::completion::{CompletionHandle, TerminationReason};
use crate::error::{RuntimeError, RuntimeResult};
use crate::events::{EventBus, RuntimeEvent};
use crate::executor::{Executor, StopReason};
use crate::gate::GateGuard;
use crate::generated::session as k;
use crate::input::RuntimeInput;
use crate::kernel_io;
use crate::kernel_io::runtime_phase;
use crate::runtime_loop::run_loop;
use crate::session::{
    Admission, AfterGate, Attachment, ControlReport, LiveHandles, Session, Shared, StepContext,
    accepting, discard, release,
};
use crate::store::RuntimeStore;
use crate::types::{AbandonReason, InputId, InputPhase, RunId, RuntimePhase, SessionId};
use foldhash::HashMap;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::task::Poll;
use tokio::sync::broadcast;
use tracing::Instrument;

/// Settings shared by every session of a runtime. Start from `RuntimeOptions::default()`
/// and change what you need (`with_remembered_inputs`); more settings may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeOptions {
    /// How many finished inputs a session remembers (live ones are always remembered).
    /// Past this count, each accept makes the session forget the oldest finished inputs
    /// (up to two per accept): `input_state` no longer knows them, their ids and
    /// idempotency keys may be used again, and their store rows go. Bounds a long-lived
    /// session's memory.
    pub remembered_inputs: NonZeroU64,
    /// How many events the stream keeps for a subscriber that falls behind, before it
    /// skips the oldest (`RecvError::Lagged`); clamped to `1..=`
    /// [`MAX_EVENT_CAPACITY`](crate::events::MAX_EVENT_CAPACITY), as the buffer is
    /// allocated whole when the runtime is built.
    pub event_capacity: usize,
}

impl RuntimeOptions {
    /// The default for `remembered_inputs`.
    pub const DEFAULT_REMEMBERED_INPUTS: NonZeroU64 = NonZeroU64::new(1024).unwrap();

    /// These options with `remembered_inputs` set to `n`.
    #[must_use]
    pub const fn with_remembered_inputs(mut self, n: NonZeroU64) -> RuntimeOptions {
        self.remembered_inputs = n;
        self
    }

    /// These options with `event_capacity` set to `n` (clamped when the runtime is built).
    #[must_use]
    pub const fn with_event_capacity(mut self, n: usize) -> RuntimeOptions {
        self.event_capacity = n;
        self
    }
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            remembered_inputs: RuntimeOptions::DEFAULT_REMEMBERED_INPUTS,
            event_capacity: crate::events::DEFAULT_EVENT_CAPACITY,
        }
    }
}

/// What `accept` did with an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AcceptOutcome {
    /// A new input was admitted (operations: admitted and consumed at once).
    Accepted,
    /// Its idempotency key belongs to an earlier input; nothing new was admitted.
    Deduplicated {
        /// The input that owns the key: `input_state` tells where it is or how it ended
        /// (for instance abandoned by a `stop`, which keeps its key bound).
        original: InputId,
    },
}

/// The result of a successful `accept`.
#[derive(Debug)]
pub struct Acceptance {
    /// Whether a new input was admitted, or the idempotency key's earlier input answers.
    pub outcome: AcceptOutcome,
    /// Resolves when the input (or, for a join, the original input) is terminal. `None`
    /// when there is nothing to wait for: an operation, or a duplicate of a finished input.
    pub completion: Option<CompletionHandle>,
}

/// A copy of a session kernel's state, for diagnostics (`kernel_snapshot`).
#[derive(Debug, Clone, PartialEq)]
pub struct KernelSnapshot {
    /// The kernel's state. The kernel names inputs by `u64` handles, not by the caller's
    /// ids (docs/runtime.md, Memory).
    pub state: k::State,
    /// The caller's id behind every input handle in `state.inputs`, taken under the same
    /// lock as `state`.
    pub ids: std::collections::BTreeMap<u64, InputId>,
}

/// A session's lifecycle at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuntimeState {
    /// The session's phase, as the kernel holds it.
    pub phase: RuntimePhase,
    /// The run in flight; set exactly while the phase is `Running`.
    pub run: Option<RunId>,
    /// Inputs waiting in the steer and queue lanes.
    pub queued: usize,
    /// Contributors of the run in flight.
    pub staged: usize,
    /// A `retire` is waiting for the work to drain; new input is refused (`Retiring`).
    pub retiring: bool,
    /// A live runtime loop is attached (as `SessionRuntime::has_executor` answers).
    pub has_executor: bool,
}

/// One input's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InputState {
    /// Where the input is in its lifecycle.
    pub phase: InputPhase,
    /// Runs it has been staged into, including failed ones and ones lost to `recover`.
    pub attempts: u64,
    /// The latest run it was staged into; `None` until its first run.
    pub last_run: Option<RunId>,
    /// Why it was abandoned, once it was.
    pub abandoned: Option<AbandonReason>,
    /// The error of its last failed run (the executor's message, a panic or a failed
    /// commit), from that failure on: while it is retried, and after it ended without being
    /// consumed, so a client that no longer has its handle (a retry under the same key is
    /// `Deduplicated`, without one) can still learn why it gave up. `None` if no run of it
    /// failed, and once it is consumed.
    pub error: Option<String>,
}

/// The sessions and what they share; `SessionRuntime` is its public face.
pub(crate) struct Registry {
    sessions: RwLock<HashMap<SessionId, Arc<Session>>>,
    pub(crate) shared: Shared,
    options: RuntimeOptions,
    /// Set by `close` before it lists the sessions: no session is found or created after.
    closed: AtomicBool,
    /// Held while `close` marks the sessions, so that a concurrent call returns only once
    /// they are marked.
    closing: std::sync::Mutex<()>,
}

impl Registry {
    fn new(store: Option<Arc<dyn RuntimeStore>>, options: RuntimeOptions) -> Registry {
        Registry {
            sessions: RwLock::new(HashMap::default()),
            shared: Shared {
                store,
                events: EventBus::new(options.event_capacity),
            },
            options,
            closed: AtomicBool::new(false),
            closing: std::sync::Mutex::new(()),
        }
    }

    /// The session, if registered (`close` empties the map: none after a shutdown).
    fn lookup(&self, id: &SessionId) -> Option<Arc<Session>> {
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        sessions.get(id).cloned()
    }

    /// The session, if registered.
    pub(crate) fn session(&self, id: &SessionId) -> RuntimeResult<Arc<Session>> {
        self.lookup(id).ok_or_else(|| {
            if self.closed.load(Ordering::SeqCst) {
                RuntimeError::ShutDown
            } else {
                RuntimeError::UnknownSession(id.clone())
            }
        })
    }

    /// The ids of the registered sessions (destroyed ones included), in no set order.
    pub(crate) fn session_ids(&self) -> Vec<SessionId> {
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        sessions.keys().cloned().collect()
    }

    /// Shuts every session down (`Session::shut_down`) with `reason`, at once and without
    /// waiting for any gate: an operation under way finishes on its own, and is told. Returns
    /// the detached attachments, whose stop hooks the caller runs; empty after the first
    /// call.
    fn close(&self, reason: TerminationReason) -> Vec<(SessionId, Attachment)> {
        let _marking = self.closing.lock().unwrap_or_else(|p| p.into_inner());
        // Before the sessions are listed: a registration that inserts one after the listing
        // sees the flag (it checks it under the map's write lock).
        if self.closed.swap(true, Ordering::SeqCst) {
            return Vec::new();
        }
        // Taken out: nothing finds them any more, and they go as soon as their last
        // operation or loop lets go of them.
        let sessions =
            std::mem::take(&mut *self.sessions.write().unwrap_or_else(|p| p.into_inner()));
        sessions
            .values()
            .filter_map(|s| Some((s.id.clone(), s.shut_down(reason)?)))
            .collect()
    }

    /// Ends every session's work in this process (see `SessionRuntime::shutdown`).
    async fn shutdown(&self) {
        let stops = self
            .close(TerminationReason::Shutdown)
            .into_iter()
            .map(|(session, attachment)| stop_isolated(session, attachment, StopReason::Shutdown));
        futures_util::future::join_all(stops).await;
    }

    pub(crate) fn remove(&self, id: &SessionId, session: &Arc<Session>) {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if sessions.get(id).is_some_and(|s| Arc::ptr_eq(s, session)) {
            sessions.remove(id);
        }
        session.mark_removed();
    }

    /// Registers a session without an executor: inputs queue until one is attached.
    /// Returns whether it was new. Registering again is harmless; a destroyed session
    /// cannot come back.
    pub(crate) async fn register_session(&self, id: SessionId) -> RuntimeResult<bool> {
        self.register_then_attach(&id, None).await
    }

    /// Registers the session (idempotently) and, with `offered`, attaches that executor
    /// under the same hold of the gate. Taken once, the gate keeps this call's place in its
    /// queue, so an operation asked for after it (a `stop`, an `unregister_session`) comes
    /// after the attach, also when the caller stopped waiting. Registering first matters: a
    /// session found in the map may still be Initializing (the call that inserted it has
    /// not taken the gate yet), and an Initializing kernel refuses the attach.
    async fn register_then_attach(
        &self,
        id: &SessionId,
        offered: Option<&mut Option<(Arc<dyn Executor>, LiveHandles)>>,
    ) -> RuntimeResult<bool> {
        loop {
            let (session, inserted) = self.entry(id)?;
            let gate = session.gate.lock().await;
            // The session went away while this call waited for its gate (an unregister
            // queued before it, or a first registration whose store write failed): start
            // over and register the id anew rather than act on an orphan.
            if session.ensure_in_runtime().is_err() {
                drop(gate);
                continue;
            }
            let inserted = self.register_locked(id, &session, inserted).await?;
            return match offered {
                None => Ok(inserted),
                Some(offered) => self.attach_locked(id, &session, gate, offered).await,
            };
        }
    }

    /// The session, inserted (Initializing, its registration still to come) if it was not
    /// registered, and whether it was; `ShutDown` once the runtime shut down.
    fn entry(&self, id: &SessionId) -> RuntimeResult<(Arc<Session>, bool)> {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if self.closed.load(Ordering::SeqCst) {
            return Err(RuntimeError::ShutDown);
        }
        Ok(match sessions.get(id) {
            Some(existing) => (existing.clone(), false),
            None => {
                let session = Arc::new(Session::new(id.clone()));
                sessions.insert(id.clone(), session.clone());
                (session, true)
            }
        })
    }

    /// `register_session` with the session's gate held.
    async fn register_locked(
        &self,
        id: &SessionId,
        session: &Arc<Session>,
        inserted: bool,
    ) -> RuntimeResult<bool> {
        session.ensure_not_destroyed()?;
        match session
            .step(
                &self.shared,
                k::Input::Register {
                    remember: self.options.remembered_inputs.get(),
                },
                StepContext::default(),
            )
            .await
        {
            Ok(Ok(_)) => Ok(inserted),
            Ok(Err(rejection)) => Err(kernel_io::phase_error(id, &rejection)),
            Err(e) => {
                if inserted {
                    // Nothing durable exists for it: take the half-registered entry back out.
                    self.remove(id, session);
                }
                Err(e)
            }
        }
    }

    /// Attaches `executor` to the session (registering it first if needed) and spawns its
    /// runtime loop; queued inputs start draining at once. With a loop already attached the
    /// offered executor is dropped: concurrent attaches spawn one loop. A loop whose task
    /// is gone (the kernel's `replace_lost_loop`) is replaced, its executor dropped without
    /// its stop hook. Returns whether this call attached. A stopped session is revived this
    /// way.
    pub(crate) async fn ensure_executor(
        &self,
        id: SessionId,
        executor: Arc<dyn Executor>,
    ) -> RuntimeResult<bool> {
        // Consumer code: called before any lock is held.
        let handles = LiveHandles::of(executor.as_ref());
        let mut offered = Some((executor, handles));
        let attached = self.register_then_attach(&id, Some(&mut offered)).await;
        // Not attached (a loop already was, or an error): the executor and its handles go
        // now, with no lock held, since their `Drop` is consumer code (as a detached
        // attachment's is).
        if let Some((executor, handles)) = offered {
            discard(&id, executor, handles);
        }
        attached
    }

    /// `ensure_executor` with the session's gate held.
    async fn attach_locked(
        &self,
        id: &SessionId,
        session: &Arc<Session>,
        gate: GateGuard<'_>,
        offered: &mut Option<(Arc<dyn Executor>, LiveHandles)>,
    ) -> RuntimeResult<bool> {
        session.ensure_not_destroyed()?;
        // Whether a live loop is attached is mechanics (a task the kernel cannot see); what
        // follows from it (a second loop, or one in place of a lost one) is the kernel's.
        let attach = k::Input::AttachExecutor {
            loop_gone: !session.has_executor(),
        };
        let step = match session
            .step(&self.shared, attach, StepContext::default())
            .await?
        {
            Ok(step) => step,
            Err(rejection) => return Err(kernel_io::phase_error(id, &rejection)),
        };
        if !step.spawn_loop {
            return Ok(false);
        }
        // Swapped under one lock: a shutdown in between sees one attachment or the other.
        let (epoch, wake, executor, lost) = session.attach(offered)?;
        tokio::spawn(run_loop(
            session.clone(),
            self.shared.clone(),
            executor,
            epoch,
            wake,
        ));
        drop(gate);
        if let Some(lost) = lost {
            tracing::warn!(session = %id, "the session's runtime loop was gone (its tokio runtime was dropped); a new loop took its place");
            release(id, lost);
        }
        Ok(true)
    }

    pub(crate) fn contains_session(&self, id: &SessionId) -> bool {
        self.lookup(id).is_some()
    }

    /// Whether a live runtime loop is attached.
    pub(crate) fn has_executor(&self, id: &SessionId) -> bool {
        self.lookup(id).is_some_and(|s| s.has_executor())
    }

    /// Wakes the session's loop, e.g. after `accept_without_wake`.
    pub(crate) async fn wake(&self, id: &SessionId) -> RuntimeResult<()> {
        let session = self.session(id)?;
        let _gate = session.gate.lock().await;
        match session
            .step(&self.shared, k::Input::WakeLoop, StepContext::default())
            .await?
        {
            Ok(_) => Ok(()),
            Err(rejection) => Err(kernel_io::phase_error(id, &rejection)),
        }
    }

    /// Accepts `input` (waking the loop if `wake`): at once when it cannot have to wait
    /// (`admit_now`), otherwise as one `detached` operation. That one waits for the gate to
    /// be free rather than queueing for it (`Gate::lock_when_free`), which keeps a stream
    /// of accepts from forming a convoy with the loop; a contended wait happens on the
    /// operation's own task, like every other.
    async fn accept(
        self: &Arc<Self>,
        id: &SessionId,
        input: Arc<RuntimeInput>,
        wake: bool,
    ) -> RuntimeResult<Acceptance> {
        let input = match self.admit_now(id, input, wake) {
            Ok(done) => return done,
            Err(input) => input,
        };
        self.clone().admit(id, input, wake).await
    }

    /// `accept` as a `detached` operation.
    async fn admit(
        self: Arc<Self>,
        id: &SessionId,
        input: Arc<RuntimeInput>,
        wake: bool,
    ) -> RuntimeResult<Acceptance> {
        let session = self.session(id)?;
        detached(async move {
            let gate = session.gate.lock_when_free().await;
            self.admit_locked(&session, gate, input, wake).await
        })
        .await
    }

    /// An accept that never waits, done here when it can be: a runtime without a store
    /// (whose steps write nothing) and a free gate. It then needs no operation moved to
    /// the heap in case it has to wait. `Err` hands the input back when it cannot, and
    /// nothing happened. Outside a tokio runtime it cannot either, so that `accept` answers
    /// `NoTokioRuntime` there whatever the store.
    fn admit_now(
        &self,
        id: &SessionId,
        input: Arc<RuntimeInput>,
        wake: bool,
    ) -> Result<RuntimeResult<Acceptance>, Arc<RuntimeInput>> {
        // `Handle::try_current` clones the runtime's handle (two atomic operations), but
        // `task::try_id`, a thread-local read, is `None` in `block_on`, where
        // `#[tokio::main]` runs `main`: every accept made there would take the boxed path.
        if self.shared.store.is_some() || tokio::runtime::Handle::try_current().is_err() {
            return Err(input);
        }
        let Some(session) = self.lookup(id) else {
            return Err(input);
        };
        let Some(gate) = session.gate.try_lock() else {
            return Err(input);
        };
        let admission = session.accept_now(&self.shared, input, wake);
        Ok(admitted(&session, gate, admission))
    }

    /// `admit` with the session's gate held.
    async fn admit_locked(
        &self,
        session: &Arc<Session>,
        gate: GateGuard<'_>,
        input: Arc<RuntimeInput>,
        wake: bool,
    ) -> RuntimeResult<Acceptance> {
        // Shared, never copied, by the store row, the ledger and every run it joins.
        let (handle, fresh) = session.reserve(&input)?;
        let result = session
            .step(
                &self.shared,
                kernel_io::accept(&input, handle, wake),
                accepting(&input),
            )
            .await;
        let admission = session.settle_accept(input, (handle, fresh), result);
        admitted(session, gate, admission)
    }

    /// Reads the session with its gate held, so a read never sees a transition whose store
    /// write is still in progress. Uncontended, it reads at once. Contended, inside a tokio
    /// runtime it waits on a task of its own: a caller that kept this future without
    /// polling it must not hold the gate once it is handed over (the session would stop).
    /// Outside a tokio runtime it waits here.
    async fn read_gated<T: Send + 'static>(
        &self,
        id: &SessionId,
        read: impl FnOnce(&Session) -> RuntimeResult<T> + Send + 'static,
    ) -> RuntimeResult<T> {
        let session = self.session(id)?;
        if let Some(_gate) = session.gate.try_lock() {
            session.ensure_in_runtime()?;
            return read(&session);
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            let _gate = session.gate.lock().await;
            session.ensure_in_runtime()?;
            return read(&session);
        };
        let waiting = runtime.spawn(async move {
            let _gate = session.gate.lock().await;
            session.ensure_in_runtime()?;
            read(&session)
        });
        match waiting.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(RuntimeError::NoTokioRuntime),
        }
    }

    /// The session's phase, run and queue sizes. Reads wait for an operation in progress,
    /// so they never see a transition that is not durable yet.
    pub(crate) async fn runtime_state(&self, id: &SessionId) -> RuntimeResult<RuntimeState> {
        self.read_gated(id, |session| {
            session.ensure_not_destroyed()?;
            let has_executor = session.has_executor();
            Ok(session.read(|s| RuntimeState {
                phase: runtime_phase(s.phase),
                run: s.run.map(kernel_io::run_id),
                queued: s.queue.len() + s.steer.len(),
                staged: s.staged.len(),
                retiring: s.retiring,
                has_executor,
            }))
        })
        .await
    }

    /// One input's lifecycle, or `None` if the session never accepted it or has forgotten
    /// it (on reset, or past `RuntimeOptions::remembered_inputs`).
    pub(crate) async fn input_state(
        &self,
        id: &SessionId,
        input: &InputId,
    ) -> RuntimeResult<Option<InputState>> {
        let input = input.clone();
        self.read_gated(id, move |session| {
            session.ensure_not_destroyed()?;
            let Some(handle) = session.handle(&input) else {
                return Ok(None);
            };
            let error = session.last_error(handle);
            Ok(session.read(|s| {
                s.inputs.get(&k::InputId(handle)).map(|r| InputState {
                    phase: kernel_io::input_phase(r.phase),
                    attempts: r.attempts,
                    last_run: r.last_run.map(kernel_io::run_id),
                    abandoned: r.reason.map(kernel_io::abandon_reason),
                    error,
                })
            }))
        })
        .await
    }

    /// See [`SessionRuntime::completion`].
    pub(crate) async fn completion(
        &self,
        id: &SessionId,
        input: &InputId,
    ) -> RuntimeResult<Option<CompletionHandle>> {
        let input = input.clone();
        self.read_gated(id, move |session| {
            session.ensure_not_destroyed()?;
            Ok(session.waiter(&input))
        })
        .await
    }

    /// See [`SessionRuntime::list_active_inputs`].
    pub(crate) async fn list_active_inputs(&self, id: &SessionId) -> RuntimeResult<Vec<InputId>> {
        self.read_gated(id, |session| {
            session.ensure_not_destroyed()?;
            let handles: Vec<k::InputId> = session.read(|s| {
                s.staged
                    .iter()
                    .chain(&s.steer)
                    .chain(&s.queue)
                    .copied()
                    .collect()
            });
            Ok(session.ids(&handles))
        })
        .await
    }

    /// A copy of the session kernel's whole state, for diagnostics.
    pub(crate) async fn kernel_snapshot(&self, id: &SessionId) -> RuntimeResult<KernelSnapshot> {
        self.read_gated(id, |session| {
            session.ensure_not_destroyed()?;
            Ok(session.snapshot())
        })
        .await
    }
}

/// Ends an accept once it is settled (`admission`): lets the gate go, then wakes the loop
/// if the kernel asked, so the loop can take the gate at once instead of waking only to
/// wait for it.
fn admitted(
    session: &Session,
    gate: GateGuard<'_>,
    admission: RuntimeResult<Admission>,
) -> RuntimeResult<Acceptance> {
    drop(gate);
    let Admission { acceptance, wake } = admission?;
    if wake {
        session.wake();
    }
    Ok(acceptance)
}

impl Drop for Registry {
    /// What `shutdown` does, without waiting: every waiter still pending resolves as
    /// `Dropped` now, every loop is detached (it exits when it next parks, after its
    /// executor call, or at the next attempt to settle a write of unknown outcome), and
    /// each attached executor's stop hook runs on a task of its own (when dropped inside a
    /// tokio runtime; outside one it is not called). A panic in the hook or in an
    /// executor's `Drop` is logged, never passed on to the code dropping the runtime.
    fn drop(&mut self) {
        let runtime = tokio::runtime::Handle::try_current().ok();
        for (session, attachment) in self.close(TerminationReason::Dropped) {
            match &runtime {
                Some(runtime) => {
                    runtime.spawn(stop_isolated(session, attachment, StopReason::Dropped));
                }
                None => release(&session, attachment),
            }
        }
    }
}

/// Runs the stop hook of an attachment that `close` detached, then drops it. Consumer code,
/// each on its own: one that panics (in `stop` itself, in the future it returns, or in the
/// executor's `Drop`) is logged and keeps neither the other hooks from running nor the
/// shutdown from finishing.
async fn stop_isolated(session: SessionId, attachment: Attachment, reason: StopReason) {
    AfterGate::StopExecutor(attachment.executor.clone(), reason)
        .run(&session)
        .await;
    release(&session, attachment);
}

/// Runs many agent sessions. Every method takes `&self`; to share it, clone it (a clone
/// is a handle to the same sessions, as cheap as cloning an `Arc`) or put it in an `Arc`.
/// The sessions' loops are detached when the last handle is dropped.
///
/// The runtime holds every session's executor, so an executor that calls back into the
/// runtime must not hold a clone: the two would keep each other alive for ever. Give it a
/// [`WeakSessionRuntime`] (`downgrade`) instead.
///
/// Every operation that changes a session runs to completion even if the caller stops
/// waiting (a timeout, a dropped future): the kernel transition, its store write and its
/// effects finish (or roll back) as one step. Such operations must be called from within
/// a tokio runtime (`RuntimeError::NoTokioRuntime` otherwise).
#[derive(Clone)]
pub struct SessionRuntime {
    inner: Arc<Registry>,
}

/// A handle to a [`SessionRuntime`] that does not keep it alive, for code the runtime
/// itself holds (an executor calling back into it).
#[derive(Clone, Debug)]
pub struct WeakSessionRuntime {
    inner: std::sync::Weak<Registry>,
}

impl WeakSessionRuntime {
    /// The runtime, unless it has been dropped: every [`SessionRuntime`] handle to it is
    /// gone and so is every operation still running on a task of its own (one whose caller
    /// stopped waiting keeps the runtime alive until it finishes).
    pub fn upgrade(&self) -> Option<SessionRuntime> {
        self.inner.upgrade().map(|inner| SessionRuntime { inner })
    }
}

impl std::fmt::Debug for SessionRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sessions = self
            .inner
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        f.debug_struct("SessionRuntime")
            .field("sessions", &sessions)
            .finish_non_exhaustive()
    }
}

impl Default for SessionRuntime {
    fn default() -> Self {
        SessionRuntime::new()
    }
}

/// Runs `operation` so that dropping the caller's future cannot cut it in half.
///
/// The operation is polled once on the caller's task; most finish right there (an
/// uncontended gate, a store that answers at once), with no task spawned. If it has to
/// wait, it moves to its own task, which the runtime drives to completion whether or not
/// the caller still waits. Between that first poll and the spawn there is no await, so a
/// caller that stops waiting either never started the operation or leaves it running on
/// its task. The task carries the caller's current `tracing` span. A panic inside it is
/// passed on to the caller.
async fn detached<T: Send + 'static>(
    operation: impl Future<Output = RuntimeResult<T>> + Send + 'static,
) -> RuntimeResult<T> {
    // Found before anything runs: once the first poll has started the operation, moving it
    // to a task must not be able to fail.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(RuntimeError::NoTokioRuntime);
    };
    let mut operation = Box::pin(operation);
    let first = std::future::poll_fn(|cx| Poll::Ready(operation.as_mut().poll(cx))).await;
    if let Poll::Ready(result) = first {
        return result;
    }
    // The rest runs in the caller's span, as the first poll did: a consumer that wraps its
    // calls in a span of its own finds the transitions under it whether the call waited or
    // not.
    match runtime.spawn(operation.in_current_span()).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // The runtime shut down and dropped the operation's task.
        Err(_) => Err(RuntimeError::NoTokioRuntime),
    }
}

impl SessionRuntime {
    /// A handle that does not keep the runtime alive (see [`WeakSessionRuntime`]).
    pub fn downgrade(&self) -> WeakSessionRuntime {
        WeakSessionRuntime {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// A runtime without a store: nothing is made durable, and each step skips building
    /// and writing a batch. Everything else behaves as with a store that never fails. A
    /// store kept in memory could not be read back after the process ends either; pass
    /// an [`InMemoryStore`](crate::store::InMemoryStore) to `with_store` to look at the
    /// rows (in tests, say).
    pub fn new() -> SessionRuntime {
        SessionRuntime::without_store(RuntimeOptions::default())
    }

    /// [`new`](SessionRuntime::new) with `options` for every session.
    pub fn without_store(options: RuntimeOptions) -> SessionRuntime {
        SessionRuntime {
            inner: Arc::new(Registry::new(None, options)),
        }
    }

    /// A runtime that writes every durable fact through `store`.
    pub fn with_store(store: Arc<dyn RuntimeStore>) -> SessionRuntime {
        SessionRuntime::with_options(store, RuntimeOptions::default())
    }

    /// A runtime that writes through `store` and applies `options` to every session.
    pub fn with_options(store: Arc<dyn RuntimeStore>, options: RuntimeOptions) -> SessionRuntime {
        SessionRuntime {
            inner: Arc::new(Registry::new(Some(store), options)),
        }
    }

    /// Ends the runtime's work in this process, for a graceful exit: every later call is
    /// `ShutDown`, every waiter still pending resolves as `RuntimeTerminated { Shutdown }`
    /// at once, every loop is detached, and each attached executor's stop hook runs once
    /// (side by side, awaited here; one that panics is logged). Nothing waits for the
    /// sessions' gates: an operation already under way goes on to its end on its own, and
    /// a waiter it registers is told at once. A run in flight is not waited for either:
    /// its executor call goes on until it returns (the stop hook should end it), and its
    /// result is dropped. Nothing is written to the store for the shutdown, so a durable
    /// store keeps every queued and staged input as it was. A second call (or one from a
    /// stop hook) returns once the sessions are shut, without waiting for the hooks.
    /// Dropping every handle does the same without waiting (waiters see `Dropped`).
    pub async fn shutdown(&self) {
        let inner = self.inner.clone();
        // Not `detached`: it cannot fail, and outside a tokio runtime it still runs here.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                // On its own task, so that the stop hooks still run if the caller stops
                // waiting.
                let task = runtime.spawn(async move { inner.shutdown().await });
                if let Err(e) = task.await
                    && e.is_panic()
                {
                    // Not a stop hook's (those are caught): a bug of the runtime's own.
                    std::panic::resume_unwind(e.into_panic());
                }
            }
            Err(_) => inner.shutdown().await,
        }
    }

    /// The ids of the registered sessions, destroyed ones included, in no set order;
    /// empty after `shutdown`.
    pub fn sessions(&self) -> Vec<SessionId> {
        self.inner.session_ids()
    }

    /// Events of every session: inputs accepted, runs started and finished, inputs
    /// terminal, phase changes, errors the runtime loop could not return
    /// (docs/runtime.md, "Events"). The receiver sees the events published after this
    /// returns; to mirror a session, subscribe first, then read its state. It sees
    /// `RecvError::Closed` only once the runtime is dropped and its loops have ended, not
    /// at `shutdown`.
    pub fn subscribe(&self) -> broadcast::Receiver<RuntimeEvent> {
        self.inner.shared.events.subscribe()
    }

    /// Registers a session without an executor: inputs queue until one is attached.
    /// Returns whether it was new. Registering again is harmless; a destroyed session
    /// cannot come back.
    pub async fn register_session(&self, id: &SessionId) -> RuntimeResult<bool> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.register_session(id).await }).await
    }

    /// Attaches `executor` to the session (registering it first if needed) and spawns its
    /// runtime loop; queued inputs start draining at once. With a loop already attached the
    /// offered executor is dropped: concurrent attaches spawn one loop. Returns whether
    /// this call attached. A stopped session is revived this way. The loop is a task on the
    /// tokio runtime this is called from; keep that runtime alive as long as this one (if
    /// it was dropped while the loop was parked, the next call attaches in its place).
    pub async fn ensure_executor(
        &self,
        id: &SessionId,
        executor: Arc<dyn Executor>,
    ) -> RuntimeResult<bool> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.ensure_executor(id, executor).await }).await
    }

    /// Whether the session is registered (destroyed sessions stay registered).
    pub fn contains_session(&self, id: &SessionId) -> bool {
        self.inner.contains_session(id)
    }

    /// Whether a live runtime loop is attached.
    pub fn has_executor(&self, id: &SessionId) -> bool {
        self.inner.has_executor(id)
    }

    /// Accepts `input` and wakes the loop. Returns `Accepted` (with a handle that resolves
    /// when the input is terminal), `Deduplicated` (joined to the in-flight original, or
    /// without a handle when the original is already terminal), or a typed error: a
    /// rejected input, a session that does not take input (unknown, retired, retiring,
    /// stopped, destroyed, or still `NotReady` in its first registration), a store failure,
    /// `ShutDown`, or `NoTokioRuntime`. A rejected input leaves no trace. An idempotency key that is
    /// already bound is looked at first: a repeat joins or is deduplicated even if it would
    /// otherwise be rejected or refused as retiring.
    ///
    /// An accept does not queue behind operations already waiting for the session, and
    /// accepts made at the same time are admitted in no guaranteed order (docs/runtime.md,
    /// "How every operation runs"): await one before making the next, or before an
    /// operation that must see it.
    ///
    /// `input` is a `RuntimeInput` or an `Arc<RuntimeInput>`. The runtime shares the input
    /// (with the store row and every run of it) and never copies it, so a caller who wants
    /// it back after an error, to send it elsewhere or log it, passes an `Arc` and keeps a
    /// clone of it.
    pub async fn accept(
        &self,
        session: &SessionId,
        input: impl Into<Arc<RuntimeInput>>,
    ) -> RuntimeResult<Acceptance> {
        self.inner.accept(session, input.into(), true).await
    }

    /// Like `accept`, but does not wake the loop; call `wake` when the batch is complete.
    pub async fn accept_without_wake(
        &self,
        session: &SessionId,
        input: impl Into<Arc<RuntimeInput>>,
    ) -> RuntimeResult<Acceptance> {
        self.inner.accept(session, input.into(), false).await
    }

    /// Wakes the session's loop, e.g. after `accept_without_wake`.
    pub async fn wake(&self, id: &SessionId) -> RuntimeResult<()> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.wake(&id).await }).await
    }

    /// The session's phase, run and queue sizes. Reads wait for an operation in progress,
    /// so they never see a transition that is not durable yet.
    pub async fn runtime_state(&self, id: &SessionId) -> RuntimeResult<RuntimeState> {
        self.inner.runtime_state(id).await
    }

    /// One input's lifecycle, or `None` if the session never accepted it or has forgotten
    /// it (on reset, or past `RuntimeOptions::remembered_inputs`).
    pub async fn input_state(
        &self,
        id: &SessionId,
        input: &InputId,
    ) -> RuntimeResult<Option<InputState>> {
        self.inner.input_state(id, input).await
    }

    /// A new completion handle for an input that is still live (accepted and not yet
    /// terminal), for a caller that dropped the one `accept` returned or that did not make
    /// the accept itself. It resolves exactly as that one does, with the same outcome.
    /// `None` when the input is not live: it already ended (`input_state` says how), it
    /// was forgotten, or the session never accepted it. A Destroyed session answers with
    /// that error.
    pub async fn completion(
        &self,
        id: &SessionId,
        input: &InputId,
    ) -> RuntimeResult<Option<CompletionHandle>> {
        self.inner.completion(id, input).await
    }

    /// Non-terminal inputs: the run's contributors, then the steer lane, then the queue
    /// lane, each in lane order (admission order, except that a retried input goes to the
    /// back of its lane and a recovered one to the front).
    pub async fn list_active_inputs(&self, id: &SessionId) -> RuntimeResult<Vec<InputId>> {
        self.inner.list_active_inputs(id).await
    }

    /// A copy of the session kernel's whole state, for diagnostics, with the caller's id
    /// behind each of the kernel's input handles.
    pub async fn kernel_snapshot(&self, id: &SessionId) -> RuntimeResult<KernelSnapshot> {
        self.inner.kernel_snapshot(id).await
    }

    /// Asks the executor to end the current run at its next boundary. A burst of calls
    /// during one run dispatches once; on an Idle or Attached session (no run), or once the
    /// executor's `apply` for the run has returned (its result stands),
    /// nothing happens and nothing is remembered for the next run. Returns whether this
    /// call dispatched. A Retired or Stopped session answers with that error.
    pub async fn cancel_after_boundary(&self, id: &SessionId) -> RuntimeResult<bool> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.cancel_after_boundary(&id).await }).await
    }

    /// `cancel_after_boundary` for run `run` only, for a caller who means a particular run
    /// (a "stop generating" click that may land just after that run ended): returns
    /// `false`, touching nothing, when `run` is not the run in flight (in any phase; a
    /// destroyed session is `Destroyed`), and otherwise dispatches as
    /// `cancel_after_boundary` does.
    pub async fn cancel_run_after_boundary(
        &self,
        id: &SessionId,
        run: RunId,
    ) -> RuntimeResult<bool> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.cancel_run_after_boundary(&id, run).await }).await
    }

    /// Hard-interrupts run `run`. Returns `false`, touching nothing, for a stale run id,
    /// when no run is in flight, once the executor's `apply` for `run` has returned, or
    /// when the executor offers no interrupt handle.
    pub async fn interrupt(&self, id: &SessionId, run: RunId) -> RuntimeResult<bool> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.interrupt(&id, run).await }).await
    }

    /// Stops the session: every non-terminal input is abandoned (`Stopped`), waiters are
    /// told, the executor's stop hook runs once, the loop ends. Attaching an executor
    /// again revives the session. The abandoned inputs keep their idempotency keys: a
    /// retry under the same key is `Deduplicated` and runs nothing (docs/runtime.md).
    pub async fn stop(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        self.control(id, k::Input::Stop { run: None }).await
    }

    /// Retires the session: new input is refused; with a loop, queued work (and a run in
    /// flight) drains first; without one, queued work is abandoned (`Retired`). The
    /// executor is then detached without its stop hook, and a later `shutdown` calls none
    /// for it.
    pub async fn retire(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        self.control(id, k::Input::Retire).await
    }

    /// Abandons everything (`Reset`), forgets every input and idempotency key, detaches
    /// the executor and returns the session to Idle. Refused while a run is in flight.
    pub async fn reset(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        self.control(id, k::Input::Reset).await
    }

    /// Detaches the executor (without its stop hook) but keeps queued work and its
    /// waiters, in order, for the next executor; a pending retire is called off. Also brings
    /// a Retired session back to Idle, keeping what it remembers. Refused while a run is in
    /// flight.
    pub async fn recycle(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        self.control(id, k::Input::Recycle).await
    }

    /// Recovers after the loop was lost: the run in flight is forgotten and its
    /// contributors go back to the front of their lanes (those for which it was the last
    /// attempt are abandoned, `MaxAttemptsExhausted`); a pending retire is called off; the
    /// loop is detached without the stop hook (unless the run's executor had stopped itself
    /// and its stop was not recorded yet: the hook then runs, `Stopped`); the session is
    /// Idle, ready for an executor.
    pub async fn recover(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.recover(&id).await }).await
    }

    /// Destroys the session for good: pending inputs are abandoned (`Destroyed`), the
    /// executor is stopped, and every later call on the session is a `Destroyed` error.
    pub async fn destroy(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        self.control(id, k::Input::Destroy).await
    }

    /// Removes the session from the runtime: pending inputs are abandoned
    /// (`Unregistered`), waiters told, the executor stopped; no queued input is applied
    /// after this begins. Calls that found the session before it was removed share one
    /// result; a call made once it is gone answers `UnknownSession`.
    pub async fn unregister_session(&self, id: &SessionId) -> RuntimeResult<ControlReport> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.unregister_session(&id).await }).await
    }

    /// Applies one control input to the session as one `detached` operation.
    async fn control(&self, id: &SessionId, input: k::Input) -> RuntimeResult<ControlReport> {
        let (inner, id) = (self.inner.clone(), id.clone());
        detached(async move { inner.control_report(&id, input).await }).await
    }
}
