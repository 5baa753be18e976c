//! Helpers shared by the runtime integration tests: timeouts, a store that can be paused
//! (to hold a session's mutation gate from outside), and small constructors.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use suricate_runtime::testing::*;
use suricate_runtime::*;
use tokio::sync::watch;

/// Generous bound: anything slower than this in a test is a deadlock, not slowness.
pub const LIMIT: Duration = Duration::from_secs(10);

/// Awaits `f`, failing the test (instead of hanging it) if it does not finish in time.
pub async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("did not finish in time (deadlock?)")
}

/// Polls `cond` until it holds; fails the test if it never does.
pub async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + LIMIT;
    while !cond().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Gives spawned tasks (the runtime loop) a real chance to run; used to show that something
/// does NOT happen.
pub async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
}

pub fn sid(s: &str) -> SessionId {
    SessionId::from(s)
}

pub fn iid(s: &str) -> InputId {
    InputId::from(s)
}

pub fn msg(id: &str) -> RuntimeInput {
    RuntimeInput::peer_message(id, "peer", format!("body of {id}"))
}

pub fn prompt(id: &str) -> RuntimeInput {
    RuntimeInput::prompt(id, format!("text of {id}"))
}

/// A runtime with an inspectable in-memory store.
pub fn runtime_with_store() -> (Arc<SessionRuntime>, Arc<InMemoryStore>) {
    let store = Arc::new(InMemoryStore::new());
    (Arc::new(SessionRuntime::with_store(store.clone())), store)
}

/// A runtime with session `s` attached to a fresh scripted executor.
pub async fn attached(s: &str) -> (Arc<SessionRuntime>, SessionId, ScriptedExecutor) {
    let runtime = Arc::new(SessionRuntime::new());
    let session = sid(s);
    let exec = attach(&runtime, &session).await;
    (runtime, session, exec)
}

/// Attaches a fresh scripted executor to `session` (registering it if need be).
pub async fn attach(runtime: &SessionRuntime, session: &SessionId) -> ScriptedExecutor {
    let exec = ScriptedExecutor::new();
    assert!(
        runtime
            .ensure_executor(session, Arc::new(exec.clone()))
            .await
            .unwrap(),
        "a new executor was attached"
    );
    exec
}

/// Accepts and returns the handle, asserting a fresh acceptance.
pub async fn accept(
    runtime: &SessionRuntime,
    s: &SessionId,
    input: RuntimeInput,
) -> CompletionHandle {
    let acceptance = runtime.accept(s, input).await.expect("accepted");
    assert_eq!(acceptance.outcome, AcceptOutcome::Accepted);
    acceptance.completion.expect("a handle")
}

/// Like `accept` without waking the loop.
pub async fn accept_quiet(
    runtime: &SessionRuntime,
    s: &SessionId,
    input: RuntimeInput,
) -> CompletionHandle {
    let acceptance = runtime
        .accept_without_wake(s, input)
        .await
        .expect("accepted");
    assert_eq!(acceptance.outcome, AcceptOutcome::Accepted);
    acceptance.completion.expect("a handle")
}

pub async fn outcome(handle: CompletionHandle) -> CompletionOutcome {
    within(handle.wait()).await
}

pub fn is_completed(o: &CompletionOutcome) -> bool {
    matches!(o, CompletionOutcome::Completed(_))
}

pub fn terminated(reason: TerminationReason) -> CompletionOutcome {
    CompletionOutcome::RuntimeTerminated { reason }
}

/// Abandoned for `reason` with no run error to report.
pub fn abandoned(reason: AbandonReason) -> CompletionOutcome {
    CompletionOutcome::Abandoned {
        reason,
        error: None,
    }
}

pub async fn phase(runtime: &SessionRuntime, s: &SessionId) -> RuntimePhase {
    runtime.runtime_state(s).await.unwrap().phase
}

/// The run in flight, waiting for the loop to start one.
pub async fn current_run(runtime: &SessionRuntime, s: &SessionId) -> RunId {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        if let Some(run) = runtime.runtime_state(s).await.unwrap().run {
            return run;
        }
        assert!(tokio::time::Instant::now() < deadline, "no run started");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A store that delegates to an [`InMemoryStore`] but can be paused: while paused, every
/// write waits. A paused write holds the writing session's mutation gate, which lets a test
/// line up concurrent operations behind it deterministically.
pub struct PausableStore {
    pub inner: Arc<InMemoryStore>,
    paused: watch::Sender<bool>,
    /// Writes currently waiting for `resume`.
    pub waiting: AtomicUsize,
}

impl PausableStore {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: Arc::new(InMemoryStore::new()),
            paused: watch::channel(false).0,
            waiting: AtomicUsize::new(0),
        })
    }

    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    pub fn resume(&self) {
        self.paused.send_replace(false);
    }

    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl RuntimeStore for PausableStore {
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
        self.inner.write(session, version, batch).await
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        self.inner.load(session).await
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        self.inner.list_sessions().await
    }
}

/// The executor step for a random outcome code of the property tests: mostly success,
/// sometimes a failure, a cancellation, a run that blocks until released, or a stop.
pub fn outcome_step(code: u8) -> Step {
    match code {
        0..=4 => Step::Echo,
        5 => Step::fail("random failure"),
        6 => Step::Cancel,
        7 | 8 => Step::blocked(Step::Echo),
        _ => Step::Stop,
    }
}

/// An executor whose run `n` takes the step of outcome code `outcomes[n % len]`.
pub fn outcome_executor(outcomes: Vec<u8>) -> ScriptedExecutor {
    ScriptedExecutor::with_responder(move |p| {
        outcome_step(outcomes[p.run.0 as usize % outcomes.len()])
    })
}

/// A runtime over an `InMemoryStore` the test can inspect, remembering `window` finished
/// inputs per session (the default when `None`).
pub fn runtime_remembering(window: Option<u64>) -> (Arc<SessionRuntime>, Arc<InMemoryStore>) {
    let store = Arc::new(InMemoryStore::new());
    let runtime = match window.and_then(std::num::NonZeroU64::new) {
        Some(remembered) => SessionRuntime::with_options(
            store.clone(),
            RuntimeOptions::default().with_remembered_inputs(remembered),
        ),
        None => SessionRuntime::with_store(store.clone()),
    };
    (Arc::new(runtime), store)
}

/// Lets spawned tasks run a little, without the sleep of `settle`.
pub async fn settle_briefly() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Settings for the runtime's property tests: `default` cases, or `PROPTEST_CASES` for a
/// deeper search, and shrinking bounded to two minutes. A case that deadlocks takes
/// `3 × LIMIT` to fail, so shrinking one without a bound could stall the suite for far
/// longer than reporting the failure as found.
pub fn runtime_proptest_config(default: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
        max_shrink_time: 120_000,
        ..proptest::test_runner::Config::default()
    }
}

/// Runs one property-test case on a fresh current-thread runtime; a case that does not
/// finish in time fails (a deadlock) instead of hanging the suite.
pub fn run_proptest_case(
    case: impl Future<Output = Result<(), proptest::test_runner::TestCaseError>>,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    rt.block_on(async move {
        tokio::time::timeout(LIMIT * 3, case).await.map_err(|_| {
            proptest::test_runner::TestCaseError::fail("case did not finish (deadlock?)")
        })?
    })
}

/// Whether the kernel's terminal record of an input agrees with what its waiter was told.
/// An outcome the kernel did not decide (`Dropped`, or one this test does not know)
/// agrees with nothing.
pub fn agrees(outcome: &CompletionOutcome, state: &InputState) -> bool {
    let reason = match outcome {
        CompletionOutcome::Completed(_) => return state.phase == InputPhase::Consumed,
        CompletionOutcome::Cancelled => AbandonReason::Cancelled,
        CompletionOutcome::Abandoned { reason, .. } => *reason,
        CompletionOutcome::RuntimeTerminated { reason } => match reason {
            TerminationReason::Stopped => AbandonReason::Stopped,
            TerminationReason::Reset => AbandonReason::Reset,
            TerminationReason::Destroyed => AbandonReason::Destroyed,
            TerminationReason::Unregistered => AbandonReason::Unregistered,
            _ => return false,
        },
        _ => return false,
    };
    state.abandoned == Some(reason)
}

/// The stored phase of a kernel input phase: `Applied` is never written.
pub fn stored_input_phase(p: InputPhase) -> InputPhase {
    match p {
        InputPhase::Applied => InputPhase::Staged,
        p => p,
    }
}

/// The store holds exactly what the kernel holds about session `s` (every input of the
/// calling test is durable): the phase, both lanes in order, the run's inputs, the finish
/// order, the run counter, and each remembered input's phase, attempts, last run, reason
/// and error as `input_state` reports them; and no batch was refused as a conflict.
/// `what` names the case in a failure.
pub async fn store_agrees(
    runtime: &SessionRuntime,
    s: &SessionId,
    store: &InMemoryStore,
    what: &str,
) {
    use std::collections::VecDeque;
    use suricate_runtime::generated::session as k;
    assert_eq!(
        store.conflicts(),
        0,
        "{what}: a batch was refused as a conflict"
    );
    let snapshot = within(runtime.kernel_snapshot(s)).await.unwrap();
    let stored = store
        .load(s)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{what}: a registered session is stored"));
    let state = &snapshot.state;
    let phase = match state.phase {
        k::Phase::Running => RuntimePhase::Attached,
        _ => within(runtime.runtime_state(s)).await.unwrap().phase,
    };
    assert_eq!(stored.phase, Some(phase), "{what}: stored phase");
    let ids = |handles: &VecDeque<k::InputId>| -> Vec<InputId> {
        handles.iter().map(|h| snapshot.ids[&h.0].clone()).collect()
    };
    let rows = |rows: Vec<&StoredInputRecord>| -> Vec<InputId> {
        rows.iter()
            .map(|r| r.input.input.header.id.clone())
            .collect()
    };
    let sorted = |mut ids: Vec<InputId>| {
        ids.sort();
        ids
    };
    assert_eq!(
        ids(&state.queue),
        rows(stored.lane(HandlingMode::Queue)),
        "{what}: queue lane"
    );
    assert_eq!(
        ids(&state.steer),
        rows(stored.lane(HandlingMode::Steer)),
        "{what}: steer lane"
    );
    assert_eq!(
        ids(&state.finished),
        rows(stored.finished()),
        "{what}: finish order"
    );
    let staged_rows = stored
        .inputs
        .iter()
        .filter(|r| r.phase == InputPhase::Staged)
        .collect();
    assert_eq!(
        sorted(ids(&state.staged)),
        sorted(rows(staged_rows)),
        "{what}: the run's inputs"
    );
    let remembered = sorted(snapshot.ids.values().cloned().collect());
    assert_eq!(
        remembered,
        sorted(rows(stored.inputs.iter().collect())),
        "{what}: remembered inputs and stored rows"
    );
    for id in &remembered {
        let st = within(runtime.input_state(s, id)).await.unwrap().unwrap();
        let row = stored.input(id).unwrap();
        let kernel = (
            stored_input_phase(st.phase),
            st.attempts,
            st.last_run,
            st.abandoned,
            st.error.as_deref(),
        );
        let row = (
            row.phase,
            row.attempts,
            row.run,
            row.reason,
            row.error.as_deref(),
        );
        assert_eq!(
            row, kernel,
            "{what}: {id}: stored (phase, attempts, run, reason, error)"
        );
    }
    let last_run = state.next_run.0.checked_sub(1).filter(|r| *r > 0);
    assert_eq!(
        stored.last_run.map(|r| r.0),
        last_run,
        "{what}: run counter"
    );
}
