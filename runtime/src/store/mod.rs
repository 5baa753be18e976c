//! The store seam: every durable fact the shell produces goes through [`RuntimeStore`].
//!
//! The shape is transactional so SQL backends fit it directly: the shell hands over one batch
//! per durable step (accept, stage, run commit, run failure, abandon, lifecycle change) and a
//! batch applies completely or not at all. Batches are numbered per session (`version`), so
//! a write whose outcome the backend could not report (a connection lost during COMMIT) can
//! be told apart from one that never happened. The shell writes a batch before it tells
//! anyone the fact happened, and rolls the kernel back when the write did not happen.
//!
//! Only inputs written by `InputAccepted` are known to the store (the shell skips ephemeral
//! inputs); a batch out of version order, a row that names an unknown input (except an
//! eviction, which skips it), or one that moves an input in a way its phase does not allow,
//! is a [`StoreError::Conflict`]: a second writer, or a shell bug. Each [`StoreWrite`]
//! variant says what it checks and what it changes; what it does not mention it leaves as
//! it is.

use crate::executor::RunOutput;
use crate::input::RuntimeInput;
use crate::types::{
    AbandonReason, HandlingMode, InputId, InputKind, InputPhase, RunId, RuntimePhase, SessionId,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An accepted input as persisted: the input itself plus its admission sequence number, which
/// fixes FIFO order across restarts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredInput {
    /// Shared with the runtime, which keeps the same input for the executor.
    pub input: Arc<RuntimeInput>,
    /// Increasing across the session's durable inputs, from 1, in the order they were
    /// accepted. No two stored rows of a session have the same (see `InputAccepted`).
    pub seq: u64,
}

impl StoredInput {
    /// Derived from the body rather than stored beside it, so the two cannot disagree.
    pub fn kind(&self) -> InputKind {
        self.input.kind()
    }

    /// The lane the input waits in (and returns to after a failed attempt).
    pub fn lane(&self) -> HandlingMode {
        self.input.header.handling
    }
}

/// The terminal state of one input. Each write that carries terminal rows refuses, as a
/// `Conflict`, a row whose phase is not terminal or whose reason does not match its phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalRow {
    /// The input that ended.
    pub input: InputId,
    /// `Consumed` or `Abandoned`; anything else is a conflict. A run's end takes only the
    /// phase it ends its inputs with: `Consumed` in a commit, `Abandoned` in a failure.
    pub phase: InputPhase,
    /// Why it was abandoned: `Some` exactly when `phase` is `Abandoned` (a `Consumed` row
    /// with a reason, or an `Abandoned` one without, is a conflict). Stored as given.
    pub reason: Option<AbandonReason>,
    /// The error of its last failed run (the executor's message, a panic or a failed
    /// commit), if a run of it failed. Replaces the row's error, `None` included.
    pub error: Option<String>,
}

impl TerminalRow {
    /// The row of an input its run consumed.
    pub fn consumed(input: InputId) -> Self {
        Self {
            input,
            phase: InputPhase::Consumed,
            reason: None,
            error: None,
        }
    }

    /// The row of an input abandoned for `reason`, with its last run error, if any.
    pub fn abandoned(input: InputId, reason: AbandonReason, error: Option<String>) -> Self {
        Self {
            input,
            phase: InputPhase::Abandoned,
            reason: Some(reason),
            error,
        }
    }
}

/// Proof that a run committed: which inputs it consumed and what it produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReceipt {
    /// The run that committed.
    pub run: RunId,
    /// Every contributor, in selection order, durable or not.
    pub inputs: Vec<InputId>,
    /// What the executor returned; the contributors' waiters receive the same.
    pub output: RunOutput,
}

/// One durable fact about a session. A batch is a `Vec<StoreWrite>` about one session,
/// applied atomically and in order: each write is checked against the rows as the writes
/// before it in the batch left them (later writes may refer to inputs accepted earlier in
/// the same batch), and one refused write refuses the whole batch. Deliberately not
/// `#[non_exhaustive]`: a store that does not handle a new kind of write should fail to
/// compile, not skip it.
///
/// "Conflict" below means the batch is refused with [`StoreError::Conflict`] and nothing of
/// it is applied; the version rule of [`RuntimeStore::write`] comes on top of each
/// variant's own checks. A row's fields not named by a write stay as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StoreWrite {
    /// Written before `accept` returns Accepted. Conflict if `seq` is 0 (seqs start at 1: a
    /// CHECK constraint), if a row with the input's id is stored, in any phase (also one
    /// accepted earlier in the batch), or a row with its `seq` (a unique index on the
    /// session and `seq`; seqs may arrive in any order); an id whose row was evicted or
    /// forgotten may be accepted again. The new row is `Queued` at the tail of its lane,
    /// with no attempts, run, reason, error or finish place, and keeps the input exactly as
    /// given (`load` returns it equal). `last_seq` becomes the higher of itself and `seq`.
    InputAccepted {
        /// The input and its admission sequence number.
        input: StoredInput,
    },
    /// Queued inputs bound to `run`, written before the executor is called, for every run
    /// (also one with no durable contributor). Conflict if `run` is not later than
    /// `last_run` (run ids only increase: a run is staged once, after every run staged
    /// before it, though not necessarily as the next id; `last_run` outlives
    /// `InputsForgotten`); if any row is `Staged` (an earlier run's contributors: a session
    /// runs one run at a time, and that run's end, or the `InputsRequeued` or
    /// `InputsTerminal` that took it back, was not written; a backend answers this from an
    /// index on the session and phase, or a count it keeps, not a scan); or if a named
    /// input has no row or is not `Queued` (naming one twice is a conflict too). Each
    /// becomes `Staged`, with `attempts = attempt` and `run = Some(run)`; `last_run`
    /// becomes `run`.
    InputsStaged {
        /// The run being started.
        run: RunId,
        /// Which attempt the run is for its contributors (they share it: an input that had
        /// a run before runs alone); their stored attempt count becomes this.
        attempt: u64,
        /// Its durable contributors; empty for a run of ephemeral or derived inputs.
        inputs: Vec<InputId>,
    },
    /// The single write of a run commit: the receipt and the contributors' terminal rows.
    /// Conflict if `receipt.run` is not later than `last_committed` (a run commits once,
    /// and after the runs before it: the fence outlives receipts and `InputsForgotten`, and
    /// counts the batch's own earlier commits), or is not `last_run` (the run in flight is
    /// the last one staged: a later run was never staged, and an earlier one, a skipped id
    /// included, is over: runs end in order), or if a terminal row names an input that has
    /// no row or is not `Staged` for this run (its `run` is another), or has a phase other
    /// than `Consumed` (a commit consumes every contributor it ends, as the kernel's
    /// `commit_run` does). Then `last_committed = receipt.run`, each row is applied as in
    /// `InputsTerminal`, and the receipt is kept, exactly as given, at least while a
    /// `Consumed` row bound to its run is stored (`RunReceipt::inputs` may name inputs that
    /// never had a row). The store does not check that `terminal` names every contributor.
    RunCommitted {
        /// The run, all its contributors and its output.
        receipt: RunReceipt,
        /// A `Consumed` row for each durable contributor.
        terminal: Vec<TerminalRow>,
    },
    /// A run failed: `requeued` inputs go back to Queued (attempts kept; `run` still names
    /// the run they were last bound to), `terminal` ones ended (e.g. attempts exhausted,
    /// cancelled). Conflict if `run` is not `last_run` (as for `RunCommitted`), or is
    /// `last_committed` (a committed run does not fail), if a requeued input or a terminal
    /// row's input has no row or is not `Staged` for `run` (its `run` is another), or a
    /// terminal row's phase is not `Abandoned` (only a commit consumes). Requeued inputs
    /// join the tail of their lanes, in the order named; their error becomes `error` when
    /// it is `Some`. Terminal rows are applied as in `InputsTerminal`. `run` itself is not
    /// stored.
    RunFailed {
        /// The run that failed or was cancelled.
        run: RunId,
        /// Why it failed (the executor's message, a panic or a failed commit); `None` for a
        /// cancelled run. The requeued rows keep it as their last error (with `None`, the
        /// error they had).
        error: Option<String>,
        /// Durable contributors with attempts left, back in their lane.
        requeued: Vec<InputId>,
        /// Durable contributors that ended, `Abandoned`: out of attempts, or cancelled.
        terminal: Vec<TerminalRow>,
    },
    /// `recover` puts the lost run's contributors (stored as Staged) back at the front of
    /// their lanes, in the order named (the first named runs first). Conflict if one has
    /// no row or is not `Staged`. Attempts, run and error are kept.
    InputsRequeued {
        /// The durable inputs queued again, each stored as Staged.
        inputs: Vec<InputId>,
    },
    /// `reset`: the kernel forgot every input and idempotency key of the session, so every
    /// stored input row goes too (otherwise a reused id or key would conflict with, or after
    /// a restart be bound to, an input the kernel no longer knows), and with them the
    /// receipts may go. The phase, `last_seq`, `last_run` and `last_committed` stay.
    /// Refuses nothing of its own; for a session with nothing stored it stores nothing but
    /// the batch's version.
    InputsForgotten,
    /// Finished inputs the kernel forgot so that a long-lived session stays bounded (it
    /// remembers a fixed number of finished inputs): their rows go, and their ids and
    /// idempotency keys may be accepted again. A stored row must be terminal (Conflict
    /// otherwise); an id with no row is already gone and is skipped. A receipt may go once
    /// no `Consumed` row of its run is stored (`InMemoryStore` drops it then), not before.
    InputsEvicted {
        /// The durable inputs the kernel forgot.
        inputs: Vec<InputId>,
    },
    /// Inputs ended outside a run (stop, retire, reset, destroy, operations on accept, ...).
    /// Conflict if a row's input has no row or is already terminal, or the row's phase is
    /// not terminal, or its reason does not match its phase (see [`TerminalRow::reason`]).
    /// Each input takes the row's phase, reason and error (replacing its
    /// error, `None` included) and the next place in the finish order: rows finish in the
    /// order written, within a batch and across batches.
    InputsTerminal {
        /// One row per durable input that ended.
        rows: Vec<TerminalRow>,
    },
    /// The session's phase changed (starting or ending a run is not a change: see
    /// [`StoredSession::phase`]). Conflict if `phase` is `Running` or `Initializing`,
    /// phases a session is never stored in (a CHECK constraint on the column).
    Lifecycle {
        /// The phase the session is in now.
        phase: RuntimePhase,
    },
    /// The session was unregistered: everything stored about it goes, its version, counters
    /// and commit fence included (and whatever the batch wrote before it), so `load` and
    /// `version` answer `None`, `list_sessions` no longer names it, and its next batch is
    /// version 1 of a fresh session. It ends its batch: Conflict if any write follows it
    /// (a write about a session that no longer exists; a fresh session starts with its own
    /// batch, version 1). Otherwise refuses nothing of its own, also for a session with
    /// nothing stored. The runtime writes it alone in its batch.
    SessionRemoved,
}

/// Discriminant of [`StoreWrite`], for fault injection and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteKind {
    /// [`StoreWrite::InputAccepted`]: a durable input was accepted.
    InputAccepted,
    /// [`StoreWrite::InputsStaged`]: a run started.
    InputsStaged,
    /// [`StoreWrite::RunCommitted`]: a run committed.
    RunCommitted,
    /// [`StoreWrite::RunFailed`]: a run failed or was cancelled.
    RunFailed,
    /// [`StoreWrite::InputsRequeued`]: `recover` put the lost run's inputs back at the
    /// head of their lanes.
    InputsRequeued,
    /// [`StoreWrite::InputsForgotten`]: `reset` forgot every input.
    InputsForgotten,
    /// [`StoreWrite::InputsEvicted`]: finished inputs forgotten past the remembered window.
    InputsEvicted,
    /// [`StoreWrite::InputsTerminal`]: inputs ended outside a run.
    InputsTerminal,
    /// [`StoreWrite::Lifecycle`]: the session's phase changed.
    Lifecycle,
    /// [`StoreWrite::SessionRemoved`]: the session was unregistered.
    SessionRemoved,
}

impl WriteKind {
    /// Every kind, in declaration order (e.g. to inject a failure of each in a test).
    pub const ALL: [WriteKind; 10] = [
        WriteKind::InputAccepted,
        WriteKind::InputsStaged,
        WriteKind::RunCommitted,
        WriteKind::RunFailed,
        WriteKind::InputsRequeued,
        WriteKind::InputsForgotten,
        WriteKind::InputsEvicted,
        WriteKind::InputsTerminal,
        WriteKind::Lifecycle,
        WriteKind::SessionRemoved,
    ];

    /// Number of kinds.
    const COUNT: usize = Self::ALL.len();
}

impl StoreWrite {
    /// Which kind of write this is, without its data.
    pub fn kind(&self) -> WriteKind {
        match self {
            Self::InputAccepted { .. } => WriteKind::InputAccepted,
            Self::InputsStaged { .. } => WriteKind::InputsStaged,
            Self::RunCommitted { .. } => WriteKind::RunCommitted,
            Self::RunFailed { .. } => WriteKind::RunFailed,
            Self::InputsRequeued { .. } => WriteKind::InputsRequeued,
            Self::InputsForgotten => WriteKind::InputsForgotten,
            Self::InputsEvicted { .. } => WriteKind::InputsEvicted,
            Self::InputsTerminal { .. } => WriteKind::InputsTerminal,
            Self::Lifecycle { .. } => WriteKind::Lifecycle,
            Self::SessionRemoved => WriteKind::SessionRemoved,
        }
    }
}

/// One input's persisted state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredInputRecord {
    /// The input as accepted, with its admission sequence number.
    pub input: StoredInput,
    /// The last phase written for it: `Queued`, `Staged`, `Consumed` or `Abandoned`
    /// (`Applied` is never written).
    pub phase: InputPhase,
    /// Number of times the input was staged (counted like `InputState::attempts`).
    pub attempts: u64,
    /// The run it is (or was last) bound to.
    pub run: Option<RunId>,
    /// Why it was abandoned, once it was.
    pub reason: Option<AbandonReason>,
    /// The error of its last failed run: from `RunFailed` while it is live, then as its
    /// terminal row carried it.
    pub error: Option<String>,
    /// Its place in its lane while `Queued`: lower runs first. Accepted and failed-run
    /// inputs join the tail, inputs `recover` requeues join the head (`InputsRequeued`).
    /// Only the order is part of the contract, not the numbers.
    pub lane_pos: i64,
    /// Its place in the order inputs finished, once terminal (the kernel forgets finished
    /// inputs oldest first, see `InputsEvicted`). Only the order is part of the contract.
    pub finished: Option<u64>,
}

/// Everything the store holds about one session, as `load` returns it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StoredSession {
    /// The version of the last batch applied (see [`RuntimeStore::write`]).
    pub version: u64,
    /// The highest `StoredInput::seq` ever written, evicted and forgotten rows included, so
    /// that numbering can go on above it.
    pub last_seq: u64,
    /// The highest run ever staged, which is the last one (`InputsStaged`, written for every
    /// run, also one with no durable contributor, takes only a later run), so that run ids
    /// can go on increasing. A run's end names it.
    pub last_run: Option<RunId>,
    /// The highest run ever committed, kept after its receipt goes (a run of ephemeral
    /// inputs keeps none): a commit of a run not later than it is a `Conflict`.
    pub last_committed: Option<RunId>,
    /// Last written lifecycle phase; `None` if none was written yet. Never `Running`: the
    /// runtime records a session with a run in flight as `Attached`, the phase every run
    /// returns to, and the run itself by its staged rows. Never `Initializing` either: no
    /// transition leads back to it, so the runtime never writes it (before a session's
    /// first `Lifecycle` the phase is `None`). A `Lifecycle` of either is a conflict.
    pub phase: Option<RuntimePhase>,
    /// Every stored input, terminal ones included, in admission order. Inputs the kernel
    /// forgot (evicted past the remembered window, or reset) are no longer stored.
    pub inputs: Vec<StoredInputRecord>,
    /// Receipts of committed runs, oldest first. A backend keeps a receipt at least while
    /// it stores an input its run consumed; `InMemoryStore` keeps it exactly that long.
    pub runs: Vec<RunReceipt>,
}

impl StoredSession {
    /// The stored row of input `id`, if there is one (only durable inputs have rows).
    pub fn input(&self, id: &InputId) -> Option<&StoredInputRecord> {
        self.inputs.iter().find(|r| &r.input.input.header.id == id)
    }

    /// The queued inputs of `lane`, in the order they will run.
    pub fn lane(&self, lane: HandlingMode) -> Vec<&StoredInputRecord> {
        let mut queued: Vec<_> = self
            .inputs
            .iter()
            .filter(|r| r.phase == InputPhase::Queued && r.input.lane() == lane)
            .collect();
        queued.sort_by_key(|r| r.lane_pos);
        queued
    }

    /// The terminal inputs still stored, in the order they finished.
    pub fn finished(&self) -> Vec<&StoredInputRecord> {
        let mut done: Vec<_> = self
            .inputs
            .iter()
            .filter(|r| r.finished.is_some())
            .collect();
        done.sort_by_key(|r| r.finished);
        done
    }
}

/// Why a [`RuntimeStore`] write or load failed. A failed write wrote nothing, except
/// that after `Indeterminate` nobody knows yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend could not be reached or refused the transaction; nothing was written.
    /// (From the runtime, after a shutdown cut short the settling of an `Indeterminate`
    /// write, it means the outcome is still unknown; the message says so.)
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The backend cannot tell whether the batch was applied (a connection lost during
    /// COMMIT). The runtime finds out with [`RuntimeStore::version`] before it does
    /// anything else with the session.
    #[error("store write of unknown outcome: {0}")]
    Indeterminate(String),
    /// The batch contradicts what the store holds; nothing was written. (The runtime also
    /// reports one of its own when settling an `Indeterminate` write finds the store at a
    /// version it did not write: another writer, and the batch may have been applied.)
    #[error("store conflict: {0}")]
    Conflict(String),
    /// Stored data could not be decoded.
    #[error("store data corrupt: {0}")]
    Corrupt(String),
}

/// Durable backend of a runtime.
///
/// What the runtime promises an implementation, and expects of it:
/// - A session's batches arrive one at a time and in order: the runtime never has two
///   writes of one session in flight (its gate serialises them). Batches of different
///   sessions may be written concurrently.
/// - A batch applies completely or not at all, and is numbered: `version` is 1 for the
///   session's first batch and one more for each next one. The store keeps the version
///   of the last batch it applied (0 when it holds nothing for the session; removing the
///   session removes it too) and:
///   - applies a batch whose version is one above it, and stores that version with it
///     (a SQL backend: `UPDATE .. SET version = v WHERE version = v - 1` in the same
///     transaction, which also fences out a second writer);
///   - refuses any other version with [`StoreError::Conflict`], applying nothing.
/// - An error means nothing was written, except [`StoreError::Indeterminate`]: the backend
///   cannot tell (a connection lost during COMMIT). The runtime then calls `version`
///   (whose default is `load`) and compares the stored version with the batch's: applied,
///   the operation goes on as if the write had succeeded; not applied, the kernel is
///   rolled back and the operation fails. Until it answers, the runtime asks again (with
///   a pause that grows to 2 s) and the session waits: nothing else may happen to it
///   while its last fact is unknown. A write that panics is treated as `Indeterminate`.
/// - So `load` and `version` must see the final outcome of every write made before them: a transaction
///   still in flight (its COMMIT sent just before the connection dropped) is waited for,
///   not read around, or a batch found "not applied" could land afterwards. Reading the
///   session's row `FOR SHARE` waits for the version `UPDATE` (or the `DELETE` of a
///   removal) of an unfinished transaction, but not for the `INSERT` of a session's first
///   batch: a row not yet committed is invisible, so there is nothing to wait on. A
///   PostgreSQL backend therefore also serialises on a lock that exists before the row,
///   e.g. every write transaction takes `pg_advisory_xact_lock` on the session's id and
///   `load` and `version` take it (shared) before reading.
/// - A batch that contradicts what is stored (an id or a `seq` accepted twice, a `seq` 0, a
///   row naming an input with no row other than in an eviction, a terminal input moved
///   again, a terminal row whose phase is not terminal or whose reason does not match it, a
///   commit of a run not later than the last one committed, a failure of the run last
///   committed, staging a run not later than the last one staged or while an earlier run's
///   inputs are still Staged, staging an input that is not Queued, ending a run other than
///   the last one staged or with rows for an input that is not Staged for that run or rows
///   that do not end it as the run did (a commit's `Consumed`, a failure's `Abandoned`),
///   requeueing one that is not Staged, evicting one that is not terminal, a `Lifecycle` of
///   `Running` or `Initializing`, a write after `SessionRemoved` in its batch) must be
///   refused with [`StoreError::Conflict`], as `InMemoryStore` does (each [`StoreWrite`]
///   variant lists its cases; `testing::check_store` checks each); it means the runtime and
///   the store disagree.
/// - Only durable inputs have rows. `RunReceipt::inputs` names every contributor of the
///   run, ephemeral and derived ones included, and `InputsStaged` may name none (a run of
///   ephemeral inputs), so neither can be a foreign key to the rows.
/// - A write future dropped before it finishes (the tokio runtime shutting down) may or
///   may not have been applied.
#[async_trait]
pub trait RuntimeStore: Send + Sync + 'static {
    /// Applies the whole batch, the durable facts of one step of `session`, or nothing,
    /// if `version` is one above the version of the last batch applied (see above).
    /// A SQL backend runs it as one transaction.
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError>;

    /// Everything stored about `session`, or `None` if nothing is.
    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError>;

    /// The version of the last batch applied for `session` (`None`: nothing is stored), as
    /// `load` would report it and under the same rule (the final outcome of every write
    /// made before). The runtime asks it to settle an `Indeterminate` write; the default
    /// loads everything, a backend answers it with one indexed read.
    async fn version(&self, session: &SessionId) -> Result<Option<u64>, StoreError> {
        Ok(self.load(session).await?.map(|stored| stored.version))
    }

    /// Every session the store holds something for, in any order: where recovery after a
    /// crash starts.
    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError>;
}

mod memory;

pub use memory::InMemoryStore;
