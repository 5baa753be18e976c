//! `SessionRuntime`: many sessions, each with its kernel, gate, loop and waiters.
//! Registration, ingress and queries live here; control operations in `control.rs`.

use crate::completion::CompletionHandle;
use crate::error::{RuntimeError, RuntimeResult};
use crate::events::{EventBus, RuntimeEvent};
use crate::executor::Executor;
use crate::generated::session as k;
use crate::input::RuntimeInput;
use crate::kernel_io;
use crate::kernel_io::runtime_phase;
use crate::runtime_loop::run_loop;
use crate::session::{Session, Shared, StepContext};
use crate::store::{InMemoryStore, RuntimeStore};
use crate::types::{AbandonReason, InputId, InputPhase, RunId, RuntimePhase, SessionId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// What `accept` did with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptOutcome {
    /// A new input was admitted (operations: admitted and consumed at once).
    Accepted,
    /// Its idempotency key belongs to an earlier input; nothing new was admitted.
    Deduplicated,
}

/// The result of a successful `accept`.
#[derive(Debug)]
pub struct Acceptance {
    pub outcome: AcceptOutcome,
    /// Resolves when the input (or, for a join, the original input) is terminal. `None`
    /// when there is nothing to wait for: an operation, or a duplicate of a finished input.
    pub completion: Option<CompletionHandle>,
}

/// A session's lifecycle at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeState {
    pub phase: RuntimePhase,
    pub run: Option<RunId>,
    /// Inputs waiting in the steer and queue lanes.
    pub queued: usize,
    /// Contributors of the run in flight.
    pub staged: usize,
    pub retiring: bool,
    pub has_executor: bool,
}

/// One input's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputState {
    pub phase: InputPhase,
    pub attempts: u64,
    pub last_run: Option<RunId>,
    /// Why it was abandoned, once it was.
    pub abandoned: Option<AbandonReason>,
}

/// Runs many agent sessions. Share it with `Arc`; every method takes `&self`.
pub struct SessionRuntime {
    sessions: RwLock<HashMap<SessionId, Arc<Session>>>,
    pub(crate) shared: Shared,
}

impl Default for SessionRuntime {
    fn default() -> Self {
        SessionRuntime::new()
    }
}

impl SessionRuntime {
    /// A runtime with an in-memory store.
    pub fn new() -> SessionRuntime {
        SessionRuntime::with_store(Arc::new(InMemoryStore::new()))
    }

    /// A runtime that writes every durable fact through `store`.
    pub fn with_store(store: Arc<dyn RuntimeStore>) -> SessionRuntime {
        SessionRuntime {
            sessions: RwLock::new(HashMap::new()),
            shared: Shared {
                store,
                events: EventBus::default(),
            },
        }
    }

    /// Events of every session: inputs accepted, runs started and finished, inputs terminal.
    pub fn subscribe(&self) -> broadcast::Receiver<RuntimeEvent> {
        self.shared.events.subscribe()
    }

    fn lookup(&self, id: &SessionId) -> Option<Arc<Session>> {
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        sessions.get(id).cloned()
    }

    /// The session, if registered.
    pub(crate) fn session(&self, id: &SessionId) -> RuntimeResult<Arc<Session>> {
        self.lookup(id)
            .ok_or_else(|| RuntimeError::UnknownSession(id.clone()))
    }

    /// The session, if registered and not destroyed.
    pub(crate) fn live_session(&self, id: &SessionId) -> RuntimeResult<Arc<Session>> {
        let session = self.session(id)?;
        session.ensure_not_destroyed()?;
        Ok(session)
    }

    pub(crate) fn remove(&self, id: &SessionId, session: &Arc<Session>) {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if sessions.get(id).is_some_and(|s| Arc::ptr_eq(s, session)) {
            sessions.remove(id);
        }
    }

    /// Registers a session without an executor: inputs queue until one is attached.
    /// Returns whether it was new. Registering again is harmless; a destroyed session
    /// cannot come back.
    pub async fn register_session(&self, id: SessionId) -> RuntimeResult<bool> {
        loop {
            let (session, inserted) = {
                let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
                match sessions.get(&id) {
                    Some(existing) => (existing.clone(), false),
                    None => {
                        let session = Arc::new(Session::new(id.clone()));
                        sessions.insert(id.clone(), session.clone());
                        (session, true)
                    }
                }
            };
            let gate = session.gate.lock().await;
            // The registration that inserted this entry failed its store write and took the
            // entry out while we waited: start over rather than register an orphan.
            if !self.lookup(&id).is_some_and(|s| Arc::ptr_eq(&s, &session)) {
                drop(gate);
                continue;
            }
            return self.register_locked(&id, &session, inserted).await;
        }
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
            .step(&self.shared, k::Input::Register, StepContext::default())
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
    /// offered executor is dropped: concurrent attaches spawn one loop. Returns whether
    /// this call attached. A stopped session is revived this way.
    pub async fn ensure_executor(
        &self,
        id: SessionId,
        executor: Arc<dyn Executor>,
    ) -> RuntimeResult<bool> {
        // Always (idempotently) register: a session found in the map may still be
        // Initializing, its registration in flight on another task, and an Initializing
        // kernel refuses the attach. Registering waits for that registration to finish.
        self.register_session(id.clone()).await?;
        let session = self.live_session(&id)?;
        let gate = session.gate.lock().await;
        session.ensure_not_destroyed()?;
        let step = match session
            .step(
                &self.shared,
                k::Input::AttachExecutor,
                StepContext::default(),
            )
            .await?
        {
            Ok(step) => step,
            Err(rejection) => return Err(kernel_io::phase_error(&id, &rejection)),
        };
        if !step.spawn_loop {
            return Ok(false);
        }
        let (epoch, wake) = session.attach(executor.clone());
        tokio::spawn(run_loop(
            session.clone(),
            self.shared.clone(),
            executor,
            epoch,
            wake,
        ));
        drop(gate);
        Ok(true)
    }

    pub fn contains_session(&self, id: &SessionId) -> bool {
        self.lookup(id).is_some()
    }

    /// Whether a live runtime loop is attached.
    pub fn has_executor(&self, id: &SessionId) -> bool {
        self.lookup(id).is_some_and(|s| s.has_executor())
    }

    /// Accepts `input` and wakes the loop. Returns `Accepted` (with a handle that resolves
    /// when the input is terminal), `Deduplicated` (joined to the in-flight original, or
    /// without a handle when the original is already terminal), or a typed error: a
    /// rejected input, or a session that does not take input (unknown, retired, retiring,
    /// stopped, destroyed). A rejected input leaves no trace.
    pub async fn accept(
        &self,
        session: &SessionId,
        input: RuntimeInput,
    ) -> RuntimeResult<Acceptance> {
        self.admit(session, input, true).await
    }

    /// Like `accept`, but does not wake the loop; call `wake` when the batch is complete.
    pub async fn accept_without_wake(
        &self,
        session: &SessionId,
        input: RuntimeInput,
    ) -> RuntimeResult<Acceptance> {
        self.admit(session, input, false).await
    }

    /// Wakes the session's loop, e.g. after `accept_without_wake`.
    pub async fn wake(&self, id: &SessionId) -> RuntimeResult<()> {
        let session = self.live_session(id)?;
        let _gate = session.gate.lock().await;
        match session
            .step(&self.shared, k::Input::WakeLoop, StepContext::default())
            .await?
        {
            Ok(_) => Ok(()),
            Err(rejection) => Err(kernel_io::phase_error(id, &rejection)),
        }
    }

    async fn admit(
        &self,
        id: &SessionId,
        input: RuntimeInput,
        wake: bool,
    ) -> RuntimeResult<Acceptance> {
        let session = self.live_session(id)?;
        let gate = session.gate.lock().await;
        session.ensure_not_destroyed()?;
        let ctx = StepContext {
            accepting: Some(&input),
            defer_wake: true,
            ..StepContext::default()
        };
        let step = match session
            .step(&self.shared, kernel_io::accept(&input, wake), ctx)
            .await?
        {
            Ok(step) => step,
            Err(rejection) => return Err(kernel_io::accept_error(id, &input, &rejection)),
        };
        // Waiters are registered before the gate is released, so the loop (which needs the
        // gate to commit) cannot finish the input before its waiter exists.
        let acceptance = if let Some(original) = step.joined {
            Acceptance {
                outcome: AcceptOutcome::Deduplicated,
                completion: Some(session.register_waiter(original)),
            }
        } else if step.deduplicated.is_some() {
            Acceptance {
                outcome: AcceptOutcome::Deduplicated,
                completion: None,
            }
        } else {
            let completion = if step.terminal.contains(input.id()) {
                None
            } else {
                let handle = session.register_waiter(input.id().clone());
                if step.accepted {
                    session.keep_payload(input);
                }
                Some(handle)
            };
            Acceptance {
                outcome: AcceptOutcome::Accepted,
                completion,
            }
        };
        drop(gate);
        // The kernel asked for a wake; done now that the gate is free, so the loop can
        // take it at once instead of waking only to wait for it.
        if step.wake {
            session.wake();
        }
        Ok(acceptance)
    }

    /// The session's phase, run and queue sizes. Reads wait for an operation in progress,
    /// so they never see a transition that is not durable yet.
    pub async fn runtime_state(&self, id: &SessionId) -> RuntimeResult<RuntimeState> {
        let session = self.live_session(id)?;
        let _gate = session.gate.lock().await;
        let has_executor = session.has_executor();
        Ok(session.read(|s| RuntimeState {
            phase: runtime_phase(s.phase),
            run: s.run.map(kernel_io::run_id),
            queued: s.queue.len() + s.steer.len(),
            staged: s.staged.len(),
            retiring: s.retiring,
            has_executor,
        }))
    }

    /// One input's lifecycle, or `None` if the session never accepted it (or forgot it
    /// on reset).
    pub async fn input_state(
        &self,
        id: &SessionId,
        input: &InputId,
    ) -> RuntimeResult<Option<InputState>> {
        let session = self.live_session(id)?;
        let _gate = session.gate.lock().await;
        Ok(session.read(|s| {
            s.inputs
                .get(&kernel_io::kernel_input_id(input))
                .map(|r| InputState {
                    phase: kernel_io::input_phase(r.phase),
                    attempts: r.attempts,
                    last_run: r.last_run.map(kernel_io::run_id),
                    abandoned: r.reason.map(kernel_io::abandon_reason),
                })
        }))
    }

    /// Non-terminal inputs: the run's contributors, then the steer lane, then the queue
    /// lane, each in admission order.
    pub async fn list_active_inputs(&self, id: &SessionId) -> RuntimeResult<Vec<InputId>> {
        let session = self.live_session(id)?;
        let _gate = session.gate.lock().await;
        Ok(session.read(|s| {
            s.staged
                .iter()
                .chain(&s.steer)
                .chain(&s.queue)
                .map(kernel_io::input_id)
                .collect()
        }))
    }

    /// A copy of the session kernel's whole state, for diagnostics.
    pub async fn kernel_snapshot(&self, id: &SessionId) -> RuntimeResult<k::State> {
        let session = self.live_session(id)?;
        let _gate = session.gate.lock().await;
        Ok(session.read(Clone::clone))
    }
}

impl Drop for SessionRuntime {
    /// Detaches every loop: each exits when it next parks (or after its executor call),
    /// releasing its session; waiters still pending then resolve as `Dropped`.
    fn drop(&mut self) {
        let sessions = self.sessions.get_mut().unwrap_or_else(|p| p.into_inner());
        for session in sessions.values() {
            session.detach_loop();
        }
    }
}
