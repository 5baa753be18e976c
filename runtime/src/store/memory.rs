//! `InMemoryStore`: the built-in backend, the reference for what a durable one must do,
//! with fault injection for tests.

use super::{
    RunReceipt, RuntimeStore, StoreError, StoreWrite, StoredInputRecord, StoredSession,
    TerminalRow, WriteKind,
};
use crate::types::{HandlingMode, InputId, InputPhase, RunId, RuntimePhase, SessionId};
use async_trait::async_trait;
use foldhash::HashMap;
use std::collections::VecDeque;
use std::sync::Mutex;

#[derive(Debug, Default)]
struct SessionRecord {
    /// Of the last batch applied.
    version: u64,
    last_seq: u64,
    last_run: Option<RunId>,
    /// The latest run committed: runs commit one at a time, in the order they started.
    last_committed: Option<RunId>,
    /// How many rows are `Staged`: the contributors of the run in flight, all bound to
    /// `last_run` (a run is staged only while no row is, see `InputsStaged`). Kept so that
    /// staging checks it without a scan of the rows.
    staged_rows: usize,
    /// Per lane (`lane_index`): the next place at its head (counting down) and at its
    /// tail (counting up).
    lane_ends: [(i64, i64); 2],
    /// The next place in the order inputs finished.
    next_finished: u64,
    phase: Option<RuntimePhase>,
    /// Boxed: the table grows with every accepted input, and a rehash then moves
    /// pointers instead of whole records.
    inputs: HashMap<InputId, Box<StoredInputRecord>>,
    /// Receipts in run order, each with the number of stored rows its run consumed. A
    /// receipt goes when the last of them does (evicted, forgotten): nothing stored refers
    /// to it any more, and keeping it would grow a long-lived session without bound. Runs
    /// commit in increasing order (the commit fence, `last_committed`), so a receipt is
    /// always added at the back and found by binary search; the oldest usually go first.
    runs: VecDeque<(RunReceipt, usize)>,
}

impl SessionRecord {
    fn snapshot(&self) -> StoredSession {
        let mut inputs: Vec<_> = self.inputs.values().map(|r| (**r).clone()).collect();
        inputs.sort_by_key(|r| r.input.seq);
        debug_assert_eq!(
            self.staged_rows,
            inputs
                .iter()
                .filter(|r| r.phase == InputPhase::Staged)
                .count(),
            "the count of staged rows follows the rows"
        );
        StoredSession {
            version: self.version,
            last_seq: self.last_seq,
            last_run: self.last_run,
            last_committed: self.last_committed,
            phase: self.phase,
            inputs,
            runs: self.runs.iter().map(|(r, _)| r.clone()).collect(),
        }
    }

    /// Keeps `receipt` for as long as a row its run consumed is stored.
    fn keep_receipt(&mut self, receipt: RunReceipt) {
        let run = Some(receipt.run);
        let rows = receipt
            .inputs
            .iter()
            .filter_map(|i| self.inputs.get(i))
            .filter(|r| r.phase == InputPhase::Consumed && r.run == run)
            .count();
        if rows > 0 {
            debug_assert!(
                self.runs
                    .back()
                    .is_none_or(|(last, _)| last.run < receipt.run),
                "receipts arrive in run order"
            );
            self.runs.push_back((receipt, rows));
        }
    }

    /// Drops an input row, and its run's receipt once no other row of that run is left.
    fn remove_input(&mut self, id: &InputId) {
        let Some(row) = self.inputs.remove(id) else {
            return;
        };
        crate::tables::shrink_when_sparse(&mut self.inputs);
        if row.phase == InputPhase::Staged {
            // Never, validated: only a terminal row is evicted.
            self.staged_rows -= 1;
        }
        if row.phase != InputPhase::Consumed {
            return;
        }
        if let Some(run) = row.run
            && let Ok(i) = self.runs.binary_search_by_key(&run, |(r, _)| r.run)
        {
            self.runs[i].1 -= 1;
            if self.runs[i].1 == 0 {
                self.runs.remove(i);
                crate::tables::shrink_deque_when_sparse(&mut self.runs);
            }
        }
    }

    fn apply_terminal(&mut self, row: TerminalRow) {
        if let Some(record) = self.inputs.get_mut(&row.input) {
            move_row(&mut self.staged_rows, record, row.phase);
            record.reason = row.reason;
            record.error = row.error;
            record.finished = Some(self.next_finished);
            self.next_finished += 1;
        }
    }

    /// Puts a failed run's `ids` back at the tail of their lanes; `error` becomes their
    /// last error.
    fn requeue_failed(&mut self, ids: Vec<InputId>, error: Option<&String>) {
        for id in ids {
            if let Some(input) = self.inputs.get_mut(&id) {
                move_row(&mut self.staged_rows, input, InputPhase::Queued);
                input.lane_pos = next_tail(&mut self.lane_ends, input.input.lane());
                if error.is_some() {
                    input.error = error.cloned();
                }
            }
        }
    }

    /// `InputsRequeued`: `ids` (validated as Staged) go back to the head of their lanes,
    /// keeping their order.
    fn requeue_at_head(&mut self, ids: Vec<InputId>) {
        // Last first, each in front of the one after it.
        for id in ids.iter().rev() {
            if let Some(input) = self.inputs.get_mut(id) {
                let head = &mut self.lane_ends[lane_index(input.input.lane())].0;
                *head -= 1;
                move_row(&mut self.staged_rows, input, InputPhase::Queued);
                input.lane_pos = *head;
            }
        }
    }

    /// Applies one validated write.
    fn apply(&mut self, write: StoreWrite) {
        match write {
            StoreWrite::InputAccepted { input } => {
                self.last_seq = self.last_seq.max(input.seq);
                let id = input.input.header.id.clone();
                let lane_pos = next_tail(&mut self.lane_ends, input.lane());
                let record = StoredInputRecord {
                    input,
                    phase: InputPhase::Queued,
                    attempts: 0,
                    run: None,
                    reason: None,
                    error: None,
                    lane_pos,
                    finished: None,
                };
                self.inputs.insert(id, Box::new(record));
            }
            StoreWrite::InputsStaged {
                run,
                attempt,
                inputs,
            } => {
                // Validated: later than the last run staged.
                self.last_run = Some(run);
                for id in inputs {
                    if let Some(input) = self.inputs.get_mut(&id) {
                        move_row(&mut self.staged_rows, input, InputPhase::Staged);
                        input.attempts = attempt;
                        input.run = Some(run);
                    }
                }
            }
            StoreWrite::RunCommitted { receipt, terminal } => {
                self.last_committed = Some(receipt.run);
                for row in terminal {
                    self.apply_terminal(row);
                }
                self.keep_receipt(receipt);
            }
            StoreWrite::RunFailed {
                requeued,
                terminal,
                error,
                ..
            } => {
                self.requeue_failed(requeued, error.as_ref());
                for row in terminal {
                    self.apply_terminal(row);
                }
            }
            StoreWrite::InputsRequeued { inputs } => self.requeue_at_head(inputs),
            // Freed, not emptied: a destroyed session's record stays, and would keep the
            // room of its window (or of its longest backlog) for good.
            StoreWrite::InputsForgotten => {
                self.inputs = HashMap::default();
                self.runs = VecDeque::new();
                self.staged_rows = 0;
            }
            StoreWrite::InputsEvicted { inputs } => {
                for id in &inputs {
                    self.remove_input(id);
                }
            }
            StoreWrite::InputsTerminal { rows } => {
                for row in rows {
                    self.apply_terminal(row);
                }
            }
            StoreWrite::Lifecycle { phase } => self.phase = Some(phase),
            // `Inner::apply` takes the record out of the map itself and never passes this
            // write on to a record.
            StoreWrite::SessionRemoved => {
                debug_assert!(false, "Inner::apply handles SessionRemoved");
            }
        }
    }
}

#[derive(Debug, Default)]
struct Faults {
    next_writes: usize,
    /// Batches to apply and then report as `Indeterminate`.
    unacknowledged: usize,
    /// Batches to report as `Indeterminate` without applying them.
    lost: usize,
    matching: Vec<(WriteKind, usize)>,
    next_loads: usize,
}

impl Faults {
    /// An injected failure of the next write, if one is pending for `batch`.
    fn take(&mut self, batch: &[StoreWrite]) -> Result<(), StoreError> {
        if self.next_writes > 0 {
            self.next_writes -= 1;
            return Err(StoreError::Unavailable("injected write failure".into()));
        }
        if self.lost > 0 {
            self.lost -= 1;
            return Err(StoreError::Indeterminate(
                "injected failure before the batch was applied".into(),
            ));
        }
        let hit = self
            .matching
            .iter()
            .position(|(kind, _)| batch.iter().any(|w| w.kind() == *kind));
        if let Some(i) = hit {
            let (kind, remaining) = &mut self.matching[i];
            let kind = *kind;
            *remaining -= 1;
            if *remaining == 0 {
                self.matching.remove(i);
            }
            return Err(StoreError::Unavailable(format!(
                "injected failure of {kind:?}"
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<SessionId, SessionRecord>,
    faults: Faults,
    committed_batches: usize,
    failed_batches: usize,
    conflicts: usize,
    /// Indexed by `WriteKind as usize`: counting must not hash on every write.
    writes_by_kind: [usize; WriteKind::COUNT],
}

/// In-process store: the default backend and the reference for what a durable one must do.
/// Includes fault injection so tests can check that a failed write leaves no trace.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    inner: Mutex<Inner>,
}

impl InMemoryStore {
    /// An empty store with no injected failures.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next `n` batches fail with `Unavailable` and write nothing.
    pub fn fail_next_writes(&self, n: usize) {
        self.lock().faults.next_writes = n;
    }

    /// The next `n` batches that would apply are applied and then reported as
    /// `Indeterminate`, as when a connection drops after COMMIT.
    pub fn apply_then_fail_next_writes(&self, n: usize) {
        self.lock().faults.unacknowledged = n;
    }

    /// The next `n` batches fail with `Indeterminate` and write nothing, as when a
    /// connection drops before COMMIT.
    pub fn lose_next_writes(&self, n: usize) {
        self.lock().faults.lost = n;
    }

    /// The next `n` batches containing a write of `kind` fail with `Unavailable`.
    pub fn fail_next_matching(&self, kind: WriteKind, n: usize) {
        let mut inner = self.lock();
        inner.faults.matching.retain(|(k, _)| *k != kind);
        if n > 0 {
            inner.faults.matching.push((kind, n));
        }
    }

    /// The next `n` reads (`load`, `version`, `list_sessions`) fail with `Unavailable`.
    pub fn fail_next_loads(&self, n: usize) {
        self.lock().faults.next_loads = n;
    }

    /// Synchronous view of a session (same as `load`, without fault injection).
    pub fn session(&self, session: &SessionId) -> Option<StoredSession> {
        self.lock()
            .sessions
            .get(session)
            .map(SessionRecord::snapshot)
    }

    /// One input's stored row, if it has one (only durable inputs do); no fault injection.
    pub fn input(&self, session: &SessionId, input: &InputId) -> Option<StoredInputRecord> {
        self.lock()
            .sessions
            .get(session)?
            .inputs
            .get(input)
            .map(|r| (**r).clone())
    }

    /// Sessions with stored rows, sorted.
    pub fn sessions(&self) -> Vec<SessionId> {
        let mut ids: Vec<_> = self.lock().sessions.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Batches applied successfully.
    pub fn committed_batches(&self) -> usize {
        self.lock().committed_batches
    }

    /// Batches refused (injected failures and conflicts).
    pub fn failed_batches(&self) -> usize {
        self.lock().failed_batches
    }

    /// Batches refused as a `Conflict`: the batch contradicted what is stored, so the
    /// runtime and the store disagree (or a second writer exists). A single runtime that
    /// keeps the contract causes none, whatever faults are injected.
    pub fn conflicts(&self) -> usize {
        self.lock().conflicts
    }

    /// Individual writes of `kind` inside successfully applied batches.
    pub fn writes_of(&self, kind: WriteKind) -> usize {
        self.lock().writes_by_kind[kind as usize]
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave a half-applied batch (validation runs
        // before any mutation), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl RuntimeStore for InMemoryStore {
    async fn write(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        self.write_batch(session, version, batch)
    }

    async fn load(&self, session: &SessionId) -> Result<Option<StoredSession>, StoreError> {
        let mut inner = self.lock();
        inner.take_read_fault()?;
        Ok(inner.sessions.get(session).map(SessionRecord::snapshot))
    }

    async fn version(&self, session: &SessionId) -> Result<Option<u64>, StoreError> {
        let mut inner = self.lock();
        inner.take_read_fault()?;
        Ok(inner.sessions.get(session).map(|r| r.version))
    }

    async fn list_sessions(&self) -> Result<Vec<SessionId>, StoreError> {
        let mut inner = self.lock();
        inner.take_read_fault()?;
        Ok(inner.sessions.keys().cloned().collect())
    }
}

impl InMemoryStore {
    /// `RuntimeStore::write`, which never waits.
    fn write_batch(
        &self,
        session: &SessionId,
        version: u64,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        // One lookup of the session's record, for validating and applying the batch.
        let stored = inner.sessions.get_mut(session);
        let checked = inner.faults.take(&batch).and_then(|()| {
            let stored = stored.as_deref();
            in_order(session, stored.map_or(0, |r| r.version), version)?;
            validate(session, stored, &batch)
        });
        if let Err(e) = checked {
            inner.failed_batches += 1;
            if matches!(e, StoreError::Conflict(_)) {
                inner.conflicts += 1;
            }
            return Err(e);
        }
        inner.committed_batches += 1;
        for write in batch.iter() {
            inner.writes_by_kind[write.kind() as usize] += 1;
        }
        // Validated: a removal is the batch's last write.
        let removes = matches!(batch.last(), Some(StoreWrite::SessionRemoved));
        match stored {
            // What the batch wrote before removing the session goes with it.
            _ if removes => {
                inner.sessions.remove(session);
            }
            Some(record) => {
                record.version = version;
                for write in batch {
                    record.apply(write);
                }
            }
            None => inner.apply_first(session, version, batch.into_iter()),
        }
        if inner.faults.unacknowledged > 0 {
            inner.faults.unacknowledged -= 1;
            return Err(StoreError::Indeterminate(
                "injected failure after the batch was applied".into(),
            ));
        }
        Ok(())
    }
}

impl Inner {
    /// An injected failure of the next read (`fail_next_loads`), if one is pending.
    fn take_read_fault(&mut self) -> Result<(), StoreError> {
        if self.faults.next_loads > 0 {
            self.faults.next_loads -= 1;
            return Err(StoreError::Unavailable("injected load failure".into()));
        }
        Ok(())
    }

    /// Applies a validated batch that does not remove the session to a session with no
    /// record yet (its first batch): the record holds at least its version.
    fn apply_first(
        &mut self,
        session: &SessionId,
        version: u64,
        batch: impl Iterator<Item = StoreWrite>,
    ) {
        let mut record = SessionRecord {
            version,
            ..SessionRecord::default()
        };
        for write in batch {
            record.apply(write);
        }
        self.sessions.insert(session.clone(), record);
    }
}

/// Moves a row to `phase`, counting it in or out of `staged_rows`.
fn move_row(staged_rows: &mut usize, row: &mut StoredInputRecord, phase: InputPhase) {
    if row.phase == InputPhase::Staged {
        *staged_rows -= 1;
    }
    if phase == InputPhase::Staged {
        *staged_rows += 1;
    }
    row.phase = phase;
}

/// The next place at the tail of `lane`, taken.
fn next_tail(lane_ends: &mut [(i64, i64); 2], lane: HandlingMode) -> i64 {
    let end = &mut lane_ends[lane_index(lane)].1;
    *end += 1;
    *end - 1
}

fn lane_index(lane: HandlingMode) -> usize {
    match lane {
        HandlingMode::Queue => 0,
        HandlingMode::Steer => 1,
    }
}

/// Whether a batch numbered `version` follows the last one applied (`stored`).
fn in_order(session: &SessionId, stored: u64, version: u64) -> Result<(), StoreError> {
    if Some(version) == stored.checked_add(1) {
        return Ok(());
    }
    Err(StoreError::Conflict(format!(
        "batch {version} of session {session} does not follow the last one applied, {stored}"
    )))
}

/// Checks the whole batch against `stored` (the session's record, if any) plus the effects
/// of its own earlier writes, without mutating anything; `apply` afterwards cannot fail.
fn validate(
    session: &SessionId,
    stored: Option<&SessionRecord>,
    batch: &[StoreWrite],
) -> Result<(), StoreError> {
    let mut view = PendingView {
        session,
        stored,
        overlay: Overlay::default(),
        staged: stored.map_or(0, |s| s.staged_rows),
    };
    // The commit fence and the last run staged as the batch moves them: both kept through
    // a reset (`InputsForgotten`).
    let mut last_committed = stored.and_then(|s| s.last_committed);
    let mut last_run = stored.and_then(|s| s.last_run);
    // The highest seq written, as the batch moves it (kept through a reset too).
    let mut last_seq = stored.map_or(0, |s| s.last_seq);
    // A run's end is about the run in flight, which is the last one staged: run ids only
    // increase, so one later than it never was staged, and one before it (a run skipped
    // included) had ended, or was taken back, before it was staged.
    let last_staged = |run: RunId, last_run: Option<RunId>| match last_run {
        Some(last) if last == run => Ok(()),
        Some(last) if run < last => Err(StoreError::Conflict(format!(
            "run {run} of session {session} ends, but run {last} was staged after it"
        ))),
        _ => Err(StoreError::Conflict(format!(
            "run {run} of session {session} ends, but was never staged"
        ))),
    };
    for (i, write) in batch.iter().enumerate() {
        match write {
            StoreWrite::InputAccepted { input } => {
                let id = &input.input.header.id;
                // Seqs start at 1 (a CHECK constraint on the column).
                if input.seq == 0 {
                    return Err(conflict(session, id, "has seq 0; seqs start at 1"));
                }
                if view.phase(id).is_some() {
                    return Err(conflict(session, id, "is already stored"));
                }
                // Seqs are unique in a session. No row holds one above every seq written,
                // so only a seq at or below the highest is looked for, by a scan: the
                // runtime's seqs only increase, and never take that path.
                if input.seq <= last_seq
                    && let Some(holder) = view.seq_holder(batch, i, input.seq)
                {
                    return Err(conflict(
                        session,
                        id,
                        &format!("has seq {}, which input {holder} has", input.seq),
                    ));
                }
                last_seq = last_seq.max(input.seq);
                view.set(id, InputPhase::Queued, None);
            }
            StoreWrite::InputsStaged { run, inputs, .. } => {
                // Run ids only increase: a run is staged once, after the runs before it.
                if let Some(last) = last_run.filter(|last| *run <= *last) {
                    return Err(StoreError::Conflict(format!(
                        "run {run} of session {session} is staged after run {last}"
                    )));
                }
                // One run at a time: the last one's contributors are still staged, so it
                // has not ended (a count, not a scan of the rows).
                if view.staged > 0 {
                    return Err(StoreError::Conflict(format!(
                        "run {run} of session {session} is staged while {} inputs of an earlier \
                         run still are: that run has not ended",
                        view.staged,
                    )));
                }
                last_run = Some(*run);
                for id in inputs {
                    view.expect(id, InputPhase::Queued)?;
                    view.set(id, InputPhase::Staged, Some(*run));
                    view.staged += 1;
                }
            }
            StoreWrite::RunCommitted { receipt, terminal } => {
                if let Some(last) = last_committed.filter(|last| receipt.run <= *last) {
                    return Err(StoreError::Conflict(format!(
                        "run {} of session {session} commits after run {last}",
                        receipt.run,
                    )));
                }
                last_staged(receipt.run, last_run)?;
                last_committed = Some(receipt.run);
                let ends = (InputPhase::Consumed, receipt.run);
                view.terminal_rows(terminal, Some(ends))?
            }
            StoreWrite::RunFailed {
                run,
                requeued,
                terminal,
                ..
            } => {
                last_staged(*run, last_run)?;
                // The last run staged, once committed, is no longer in flight.
                if last_committed == Some(*run) {
                    return Err(StoreError::Conflict(format!(
                        "run {run} of session {session} fails, but it committed"
                    )));
                }
                for id in requeued {
                    view.staged_for(id, *run)?;
                    view.set(id, InputPhase::Queued, Some(*run));
                    view.staged -= 1;
                }
                view.terminal_rows(terminal, Some((InputPhase::Abandoned, *run)))?;
            }
            StoreWrite::InputsRequeued { inputs } => {
                for id in inputs {
                    let row = view.staged(id)?;
                    view.set(id, InputPhase::Queued, row.run);
                    view.staged -= 1;
                }
            }
            StoreWrite::InputsForgotten => view.forget_all(),
            // Ends the session and its batch: a write after it would be about a session
            // that no longer exists.
            StoreWrite::SessionRemoved if i + 1 < batch.len() => {
                return Err(StoreError::Conflict(format!(
                    "session {session}: a {:?} write follows SessionRemoved in its batch",
                    batch[i + 1].kind()
                )));
            }
            StoreWrite::SessionRemoved => {}
            StoreWrite::InputsEvicted { inputs } => {
                for id in inputs {
                    match view.phase(id) {
                        Some(phase) if phase.is_terminal() => view.evict(id),
                        Some(phase) => {
                            return Err(conflict(
                                session,
                                id,
                                &format!("is {phase}, not finished"),
                            ));
                        }
                        // Already gone: the kernel's decision to forget it stands.
                        None => {}
                    }
                }
            }
            StoreWrite::InputsTerminal { rows } => view.terminal_rows(rows, None)?,
            // Never stored: a run in flight is recorded as `Attached`, and no transition
            // leads back to `Initializing` (before its first `Lifecycle` a session has no
            // phase).
            StoreWrite::Lifecycle {
                phase: phase @ (RuntimePhase::Running | RuntimePhase::Initializing),
            } => {
                return Err(StoreError::Conflict(format!(
                    "session {session}: a Lifecycle write of phase {phase:?}, which is never stored"
                )));
            }
            StoreWrite::Lifecycle { .. } => {}
        }
    }
    Ok(())
}

/// One session's stored input phases (and runs) as they would be after the batch's writes
/// validated so far. Keys borrow from the batch: validating a batch clones no id.
struct PendingView<'a> {
    session: &'a SessionId,
    /// What is stored; `None` once a write of the batch forgot every input.
    stored: Option<&'a SessionRecord>,
    overlay: Overlay<'a>,
    /// How many rows are `Staged` (`SessionRecord::staged_rows`, as the batch moved it).
    staged: usize,
}

/// An input's row as validation sees it.
#[derive(Debug, Clone, Copy)]
struct Row {
    phase: InputPhase,
    /// The run it is (or was last) bound to: a run's end names only rows staged for it.
    run: Option<RunId>,
}

/// Rows set by the batch so far (`None`: evicted by it). A typical batch touches one to
/// three inputs, so they live in a small inline array scanned linearly (no allocation per
/// batch); a batch touching many (stop, reset) moves them into a hash map once the array is
/// full, keeping validation linear in the batch.
struct Overlay<'a> {
    small: [Option<(&'a InputId, Option<Row>)>; Overlay::SMALL],
    len: usize,
    large: HashMap<&'a InputId, Option<Row>>,
}

impl Default for Overlay<'_> {
    fn default() -> Self {
        Overlay {
            small: [None; Overlay::SMALL],
            len: 0,
            large: HashMap::default(),
        }
    }
}

impl<'a> Overlay<'a> {
    const SMALL: usize = 8;

    /// The inline entries: the first `len` slots, all filled.
    fn small(&self) -> impl Iterator<Item = &(&'a InputId, Option<Row>)> {
        self.small[..self.len].iter().flatten()
    }

    fn get(&self, key: &InputId) -> Option<Option<Row>> {
        if self.large.is_empty() {
            self.small().find(|(k, _)| *k == key).map(|(_, p)| *p)
        } else {
            self.large.get(key).copied()
        }
    }

    fn set(&mut self, key: &'a InputId, row: Option<Row>) {
        if !self.large.is_empty() {
            self.large.insert(key, row);
        } else if let Some(slot) = self.small[..self.len]
            .iter_mut()
            .flatten()
            .find(|(k, _)| *k == key)
        {
            slot.1 = row;
        } else if self.len < Self::SMALL {
            self.small[self.len] = Some((key, row));
            self.len += 1;
        } else {
            self.large
                .extend(self.small.iter_mut().filter_map(Option::take));
            self.len = 0;
            self.large.insert(key, row);
        }
    }

    fn clear(&mut self) {
        self.small = [None; Overlay::SMALL];
        self.len = 0;
        self.large.clear();
    }
}

impl<'a> PendingView<'a> {
    fn row(&self, input: &InputId) -> Option<Row> {
        if let Some(row) = self.overlay.get(input) {
            return row;
        }
        self.stored.and_then(|s| s.inputs.get(input)).map(|r| Row {
            phase: r.phase,
            run: r.run,
        })
    }

    fn phase(&self, input: &InputId) -> Option<InputPhase> {
        self.row(input).map(|r| r.phase)
    }

    fn set(&mut self, input: &'a InputId, phase: InputPhase, run: Option<RunId>) {
        self.overlay.set(input, Some(Row { phase, run }));
    }

    fn evict(&mut self, input: &'a InputId) {
        self.overlay.set(input, None);
    }

    /// Every input is gone (reset); later writes of the batch start afresh.
    fn forget_all(&mut self) {
        self.stored = None;
        self.overlay.clear();
        self.staged = 0;
    }

    /// The input whose row, as the writes of `batch` before the `i`th left the rows, has
    /// admission number `seq`, if one does. A scan of the stored rows and the batch.
    fn seq_holder(&self, batch: &'a [StoreWrite], i: usize, seq: u64) -> Option<&'a InputId> {
        let accepted = |w: &'a StoreWrite| match w {
            StoreWrite::InputAccepted { input } => Some(input),
            _ => None,
        };
        // Whether `id` was accepted in `batch[from..i]`: its row then is a later one.
        let accepted_again = |id: &InputId, from: usize| {
            batch[from..i]
                .iter()
                .filter_map(accepted)
                .any(|a| a.input.header.id == *id)
        };
        // A row holds `seq` if it is still stored and was not replaced since.
        let holds =
            |id: &InputId, from: usize| self.phase(id).is_some() && !accepted_again(id, from);
        let in_batch = batch[..i].iter().enumerate().find_map(|(j, w)| {
            let input = accepted(w).filter(|a| a.seq == seq)?;
            let id = &input.input.header.id;
            holds(id, j + 1).then_some(id)
        });
        in_batch.or_else(|| {
            // `None` once the batch forgot every stored row.
            let stored = self.stored?;
            stored
                .inputs
                .iter()
                .find(|(id, row)| row.input.seq == seq && holds(id, 0))
                .map(|(id, _)| id)
        })
    }

    /// The input is stored, in phase `want`.
    fn expect(&self, input: &InputId, want: InputPhase) -> Result<Row, StoreError> {
        match self.row(input) {
            Some(row) if row.phase == want => Ok(row),
            Some(Row { phase, .. }) => Err(conflict(
                self.session,
                input,
                &format!("is {phase}, not {want}"),
            )),
            None => Err(conflict(self.session, input, "is not stored")),
        }
    }

    /// The input is a contributor of a run in flight.
    fn staged(&self, input: &InputId) -> Result<Row, StoreError> {
        self.expect(input, InputPhase::Staged)
    }

    /// The input is a contributor of `run`: staged for it.
    fn staged_for(&self, input: &InputId, run: RunId) -> Result<Row, StoreError> {
        let row = self.staged(input)?;
        if row.run == Some(run) {
            return Ok(row);
        }
        Err(conflict(
            self.session,
            input,
            &format!("is staged for another run than run {run}, which ends"),
        ))
    }

    /// The input exists and is not terminal.
    fn live(&self, input: &InputId) -> Result<Row, StoreError> {
        match self.row(input) {
            None => Err(conflict(self.session, input, "is not stored")),
            Some(Row { phase, .. }) if phase.is_terminal() => Err(conflict(
                self.session,
                input,
                &format!("is already {phase}"),
            )),
            Some(row) => Ok(row),
        }
    }

    /// Ends the rows' inputs. The rows of a run's end (`run_end`: how it ends its rows, and
    /// the run) are about that run's contributors, and end each of them as the run ended:
    /// a commit consumes its inputs, a failed or cancelled run abandons those it does not
    /// requeue.
    fn terminal_rows(
        &mut self,
        rows: &'a [TerminalRow],
        run_end: Option<(InputPhase, RunId)>,
    ) -> Result<(), StoreError> {
        for row in rows {
            if !row.phase.is_terminal() {
                return Err(conflict(
                    self.session,
                    &row.input,
                    &format!("has a terminal row with non-terminal phase {}", row.phase),
                ));
            }
            // Exactly an abandoned row says why (a CHECK constraint on the two columns).
            if row.reason.is_some() != (row.phase == InputPhase::Abandoned) {
                return Err(conflict(
                    self.session,
                    &row.input,
                    &format!("has a {} row with reason {:?}", row.phase, row.reason),
                ));
            }
            let before = match run_end {
                Some((ends, _)) if row.phase != ends => {
                    return Err(conflict(
                        self.session,
                        &row.input,
                        &format!(
                            "is ended {} by a run's end whose rows are {ends}",
                            row.phase
                        ),
                    ));
                }
                Some((_, run)) => self.staged_for(&row.input, run)?,
                None => self.live(&row.input)?,
            };
            if before.phase == InputPhase::Staged {
                self.staged -= 1;
            }
            self.set(&row.input, row.phase, before.run);
        }
        Ok(())
    }
}

fn conflict(session: &SessionId, input: &InputId, what: &str) -> StoreError {
    StoreError::Conflict(format!("input {input} of session {session} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::RunOutput;
    use crate::types::AbandonReason;

    fn sid() -> SessionId {
        SessionId::from("s")
    }

    /// Writes `batch` as the session's next batch: the version after the stored one.
    /// The commit fence holds within a batch and through a reset; only removing the
    /// session lifts it.
    #[tokio::test]
    async fn the_commit_fence_holds_within_a_batch_and_through_a_reset() {
        let store = InMemoryStore::new();
        put(&store, &sid(), vec![staged(5, &[]), committed(5, &[])])
            .await
            .unwrap();
        let conflict = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Conflict(_)));
        let after_reset = vec![StoreWrite::InputsForgotten, committed(2, &[])];
        assert!(conflict(put(&store, &sid(), after_reset).await));
        let twice = vec![staged(6, &[]), committed(6, &[]), committed(6, &[])];
        assert!(conflict(put(&store, &sid(), twice).await));
        let stored = store.session(&sid()).unwrap();
        assert_eq!(stored.last_committed, Some(RunId(5)));
        put(&store, &sid(), vec![StoreWrite::SessionRemoved])
            .await
            .unwrap();
        put(&store, &sid(), vec![staged(1, &[]), committed(1, &[])])
            .await
            .unwrap();
        assert_eq!(
            store.session(&sid()).unwrap().last_committed,
            Some(RunId(1))
        );
    }

    async fn put(
        store: &InMemoryStore,
        session: &SessionId,
        batch: Vec<StoreWrite>,
    ) -> Result<(), StoreError> {
        let version = store.session(session).map_or(0, |s| s.version) + 1;
        store.write(session, version, batch).await
    }

    use crate::testing::store_contract::{committed, staged, staged_again};

    /// A session's table of rows gives back the room a backlog made it grow to once the
    /// rows go (evicted): it does not stay sized for the largest backlog for good.
    #[test]
    fn the_rows_of_a_drained_backlog_give_their_room_back() {
        let mut record = SessionRecord::default();
        let ids: Vec<InputId> = (0..10_000).map(|i| format!("i{i}").into()).collect();
        for (seq, id) in ids.iter().enumerate() {
            record.apply(accepted(id.as_str(), seq as u64 + 1));
        }
        assert!(record.inputs.capacity() >= 10_000);
        for id in &ids[10..] {
            record.remove_input(id);
        }
        assert_eq!(record.inputs.len(), 10);
        assert!(
            record.inputs.capacity() <= 128,
            "{} slots kept for 10 rows",
            record.inputs.capacity()
        );
    }

    /// Forgetting every row (reset, destroy) frees the table rather than emptying it: a
    /// destroyed session's record stays in the store, and must not stay sized for the
    /// window (or the longest backlog) it once held.
    #[test]
    fn forgetting_every_row_gives_the_room_back() {
        let mut record = SessionRecord::default();
        for seq in 1..=10_000u64 {
            record.apply(accepted(&format!("i{seq}"), seq));
        }
        assert!(record.inputs.capacity() >= 10_000);
        record.apply(StoreWrite::InputsForgotten);
        assert!(record.inputs.is_empty());
        assert!(
            record.inputs.capacity() <= 64,
            "{} slots kept for no row",
            record.inputs.capacity()
        );
    }

    fn accepted(id: &str, seq: u64) -> StoreWrite {
        crate::testing::store_contract::accepted(id, seq, HandlingMode::Queue)
    }

    fn phase_of(store: &InMemoryStore, id: &str) -> Option<InputPhase> {
        store.input(&sid(), &id.into()).map(|r| r.phase)
    }

    #[tokio::test]
    async fn batches_apply_in_version_order_only() {
        let store = InMemoryStore::new();
        let s = sid();
        // A session with nothing stored is at 0: its first batch is 1.
        for wrong in [0, 2] {
            let refused = store.write(&s, wrong, vec![accepted("a", 1)]).await;
            assert!(matches!(refused, Err(StoreError::Conflict(_))), "{wrong}");
        }
        assert_eq!(store.session(&s), None);
        store.write(&s, 1, vec![accepted("a", 1)]).await.unwrap();
        // The same version again is refused, not applied twice (the runtime finds out with
        // `load` whether a batch it could not confirm was applied).
        let again = store.write(&s, 1, vec![accepted("b", 2)]).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        assert!(store.input(&s, &"b".into()).is_none());
        store.write(&s, 2, vec![staged(1, &["a"])]).await.unwrap();
        store
            .write(&s, 3, vec![committed(1, &["a"])])
            .await
            .unwrap();
        let loaded = store.load(&s).await.unwrap().unwrap();
        assert_eq!(
            (loaded.version, loaded.last_seq, loaded.last_run),
            (3, 1, Some(RunId(1)))
        );
        // The counters outlive the rows they came from.
        store
            .write(
                &s,
                4,
                vec![StoreWrite::InputsEvicted {
                    inputs: vec!["a".into()],
                }],
            )
            .await
            .unwrap();
        let loaded = store.load(&s).await.unwrap().unwrap();
        assert!(loaded.inputs.is_empty() && loaded.runs.is_empty());
        assert_eq!((loaded.last_seq, loaded.last_run), (1, Some(RunId(1))));
        // A run commits once, and after the runs before it, whatever rows are left.
        store
            .write(&s, 5, vec![accepted("c", 2), staged(2, &["c"])])
            .await
            .unwrap();
        store
            .write(&s, 6, vec![committed(2, &["c"])])
            .await
            .unwrap();
        for run in [2, 1] {
            let again = store.write(&s, 7, vec![committed(run, &[])]).await;
            assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        }
        // Removing the session removes its version: a new registration starts at 1.
        store
            .write(&s, 7, vec![StoreWrite::SessionRemoved])
            .await
            .unwrap();
        assert_eq!(store.session(&s), None);
        store.write(&s, 1, vec![accepted("a", 1)]).await.unwrap();
    }

    #[tokio::test]
    async fn lanes_and_the_finish_order_survive_in_the_store() {
        let store = InMemoryStore::new();
        let s = sid();
        let ids = |rows: Vec<&StoredInputRecord>| -> Vec<String> {
            rows.iter()
                .map(|r| r.input.input.header.id.to_string())
                .collect()
        };
        put(
            &store,
            &s,
            (1..=4).map(|i| accepted(&format!("q{i}"), i)).collect(),
        )
        .await
        .unwrap();
        // q1 fails (back to the tail); q2 is lost with its run and recovered (to the head).
        put(&store, &s, vec![staged(1, &["q1"])]).await.unwrap();
        let failed = StoreWrite::RunFailed {
            run: RunId(1),
            error: Some("boom".into()),
            requeued: vec!["q1".into()],
            terminal: Vec::new(),
        };
        put(&store, &s, vec![failed]).await.unwrap();
        put(&store, &s, vec![staged(2, &["q2"])]).await.unwrap();
        let recovered = StoreWrite::InputsRequeued {
            inputs: vec!["q2".into()],
        };
        put(&store, &s, vec![recovered]).await.unwrap();
        let stored = store.session(&s).unwrap();
        assert_eq!(
            ids(stored.lane(HandlingMode::Queue)),
            ["q2", "q3", "q4", "q1"]
        );
        assert!(stored.lane(HandlingMode::Steer).is_empty());
        // Finished in the order their terminal rows were written.
        let done = |id: &str| TerminalRow::abandoned(id.into(), AbandonReason::Stopped, None);
        put(
            &store,
            &s,
            vec![StoreWrite::InputsTerminal {
                rows: vec![done("q4"), done("q2")],
            }],
        )
        .await
        .unwrap();
        put(
            &store,
            &s,
            vec![StoreWrite::InputsTerminal {
                rows: vec![done("q1")],
            }],
        )
        .await
        .unwrap();
        let stored = store.session(&s).unwrap();
        assert_eq!(ids(stored.finished()), ["q4", "q2", "q1"]);
        assert_eq!(ids(stored.lane(HandlingMode::Queue)), ["q3"]);
    }

    #[tokio::test]
    async fn indeterminate_faults_apply_or_lose_the_batch() {
        let store = InMemoryStore::new();
        store.lose_next_writes(1);
        let reported = store.write(&sid(), 1, vec![accepted("a", 1)]).await;
        assert!(matches!(reported, Err(StoreError::Indeterminate(_))));
        assert_eq!(store.session(&sid()), None);
        store.apply_then_fail_next_writes(1);
        let reported = store.write(&sid(), 1, vec![accepted("a", 1)]).await;
        assert!(matches!(reported, Err(StoreError::Indeterminate(_))));
        assert_eq!(store.session(&sid()).unwrap().version, 1);
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        // Once.
        store
            .write(&sid(), 2, vec![accepted("b", 2)])
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn requeued_inputs_can_be_staged_again_and_forgotten_ids_reused() {
        let store = InMemoryStore::new();
        put(
            &store,
            &sid(),
            vec![accepted("a", 1), accepted("b", 2), staged(1, &["a"])],
        )
        .await
        .unwrap();
        // A lost run (recover): its contributor goes back to Queued and can be staged again.
        let requeue = StoreWrite::InputsRequeued {
            inputs: vec!["a".into()],
        };
        put(&store, &sid(), vec![requeue]).await.unwrap();
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        put(&store, &sid(), vec![staged_again(2, 2, &["a"])])
            .await
            .unwrap();
        assert_eq!(store.input(&sid(), &"a".into()).unwrap().attempts, 2);
        // A queued input cannot be requeued at the head: only the lost run's can.
        let requeue = StoreWrite::InputsRequeued {
            inputs: vec!["b".into()],
        };
        assert!(matches!(
            put(&store, &sid(), vec![requeue]).await,
            Err(StoreError::Conflict(_))
        ));
        put(&store, &sid(), vec![committed(2, &["a"])])
            .await
            .unwrap();
        // A terminal input cannot be requeued.
        let requeue = StoreWrite::InputsRequeued {
            inputs: vec!["a".into()],
        };
        assert!(matches!(
            put(&store, &sid(), vec![requeue]).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.session(&sid()).unwrap().runs.len(), 1);
        // Reset: every input row goes (and with them the receipts), ids can be reused.
        let forget = StoreWrite::InputsForgotten;
        put(&store, &sid(), vec![forget, accepted("a", 2)])
            .await
            .unwrap();
        let stored = store.session(&sid()).unwrap();
        assert_eq!(stored.inputs.len(), 1);
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        assert_eq!(phase_of(&store, "b"), None);
        assert!(stored.runs.is_empty());
    }

    #[tokio::test]
    async fn evicted_inputs_lose_their_rows_and_then_their_receipts() {
        let store = InMemoryStore::new();
        let evict = |ids: &[&str]| StoreWrite::InputsEvicted {
            inputs: ids.iter().map(|i| InputId::from(*i)).collect(),
        };
        put(
            &store,
            &sid(),
            vec![accepted("a", 1), accepted("b", 2), accepted("c", 3)],
        )
        .await
        .unwrap();
        for (run, id) in [(1, "a"), (2, "b")] {
            put(&store, &sid(), vec![staged(run, &[id])]).await.unwrap();
            put(&store, &sid(), vec![committed(run, &[id])])
                .await
                .unwrap();
        }
        // Only finished inputs can be evicted; the batch then writes nothing.
        let err = put(&store, &sid(), vec![evict(&["a"]), evict(&["c"])])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict(m) if m.contains("not finished")),
            "{err:?}"
        );
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Consumed));
        // An id with no row is already gone: skipped, not refused.
        put(&store, &sid(), vec![evict(&["zz"])]).await.unwrap();
        // An evicted id can be accepted again in the same batch.
        put(&store, &sid(), vec![evict(&["a"]), accepted("a", 4)])
            .await
            .unwrap();
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        // Run 1 consumed only the evicted a: its receipt went with it, and the new "a" is
        // not mistaken for it.
        let runs = store.session(&sid()).unwrap().runs;
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].run, RunId(2));
        put(&store, &sid(), vec![evict(&["b"])]).await.unwrap();
        let stored = store.session(&sid()).unwrap();
        assert!(stored.runs.is_empty());
        assert_eq!(stored.inputs.len(), 2, "a (again) and c");
        assert_eq!(store.writes_of(WriteKind::InputsEvicted), 3);
    }

    #[tokio::test]
    async fn lifecycle_of_an_input_through_a_commit() {
        let store = InMemoryStore::new();
        put(
            &store,
            &sid(),
            vec![
                StoreWrite::Lifecycle {
                    phase: RuntimePhase::Idle,
                },
                accepted("b", 2),
                accepted("a", 1),
            ],
        )
        .await
        .unwrap();
        put(&store, &sid(), vec![staged(1, &["a"])]).await.unwrap();
        let record = store.input(&sid(), &"a".into()).unwrap();
        assert_eq!(
            (record.phase, record.attempts, record.run),
            (InputPhase::Staged, 1, Some(RunId(1)))
        );
        put(&store, &sid(), vec![committed(1, &["a"])])
            .await
            .unwrap();

        let loaded = store.load(&sid()).await.unwrap().unwrap();
        assert_eq!(loaded.phase, Some(RuntimePhase::Idle));
        let order: Vec<_> = loaded
            .inputs
            .iter()
            .map(|r| r.input.input.id().as_str().to_owned())
            .collect();
        assert_eq!(order, ["a", "b"], "admission order by seq");
        assert_eq!(
            loaded.input(&"a".into()).unwrap().phase,
            InputPhase::Consumed
        );
        assert_eq!(loaded.input(&"b".into()).unwrap().phase, InputPhase::Queued);
        assert_eq!(loaded.runs.len(), 1);
        assert_eq!(loaded.runs[0].output, RunOutput::text("ok"));
        assert_eq!(store.committed_batches(), 3);
        assert_eq!(store.writes_of(WriteKind::InputAccepted), 2);
        assert_eq!(store.writes_of(WriteKind::RunCommitted), 1);
        assert_eq!(store.load(&"other".into()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn failed_run_requeues_and_keeps_attempts() {
        let store = InMemoryStore::new();
        put(&store, &sid(), vec![accepted("a", 1), accepted("b", 2)])
            .await
            .unwrap();
        put(&store, &sid(), vec![staged(1, &["a", "b"])])
            .await
            .unwrap();
        put(
            &store,
            &sid(),
            vec![StoreWrite::RunFailed {
                run: RunId(1),
                error: Some("boom".into()),
                requeued: vec!["a".into()],
                terminal: vec![TerminalRow::abandoned(
                    "b".into(),
                    AbandonReason::MaxAttemptsExhausted,
                    Some("boom".into()),
                )],
            }],
        )
        .await
        .unwrap();
        let a = store.input(&sid(), &"a".into()).unwrap();
        assert_eq!((a.phase, a.attempts), (InputPhase::Queued, 1));
        // A live row keeps its last run error too.
        assert_eq!(a.error.as_deref(), Some("boom"));
        let b = store.input(&sid(), &"b".into()).unwrap();
        assert_eq!(b.phase, InputPhase::Abandoned);
        assert_eq!(b.reason, Some(AbandonReason::MaxAttemptsExhausted));
        assert_eq!(b.error.as_deref(), Some("boom"));
        // A requeued input can be staged again, as the attempt the kernel says.
        put(&store, &sid(), vec![staged_again(2, 2, &["a"])])
            .await
            .unwrap();
        assert_eq!(store.input(&sid(), &"a".into()).unwrap().attempts, 2);
    }

    #[tokio::test]
    async fn injected_failure_leaves_no_partial_write() {
        let store = InMemoryStore::new();
        store.fail_next_writes(1);
        let err = put(&store, &sid(), vec![accepted("a", 1), accepted("b", 2)])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)));
        assert_eq!(store.session(&sid()), None);
        assert_eq!(store.failed_batches(), 1);
        assert_eq!(store.writes_of(WriteKind::InputAccepted), 0);
        // The fault is consumed: the retry goes through.
        put(&store, &sid(), vec![accepted("a", 1)]).await.unwrap();
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
    }

    #[tokio::test]
    async fn matching_fault_hits_only_batches_with_that_kind() {
        let store = InMemoryStore::new();
        put(&store, &sid(), vec![accepted("a", 1)]).await.unwrap();
        put(&store, &sid(), vec![staged(1, &["a"])]).await.unwrap();
        store.fail_next_matching(WriteKind::RunCommitted, 1);
        // Unrelated batch passes.
        put(&store, &sid(), vec![accepted("b", 2)]).await.unwrap();
        assert!(
            put(&store, &sid(), vec![committed(1, &["a"])])
                .await
                .is_err()
        );
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Staged));
        assert!(store.session(&sid()).unwrap().runs.is_empty());
        put(&store, &sid(), vec![committed(1, &["a"])])
            .await
            .unwrap();
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Consumed));
    }

    #[tokio::test]
    async fn conflicting_batch_is_rejected_whole() {
        let store = InMemoryStore::new();
        put(&store, &sid(), vec![accepted("a", 1)]).await.unwrap();
        // The first write of the batch is fine, the second re-accepts an existing id.
        let err = put(&store, &sid(), vec![accepted("b", 2), accepted("a", 3)])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(phase_of(&store, "b"), None, "no partial write");

        for bad in [
            staged(1, &["missing"]),
            staged(1, &["a", "a"]),
            committed(1, &["missing"]),
            StoreWrite::InputsTerminal {
                rows: vec![TerminalRow {
                    input: "a".into(),
                    phase: InputPhase::Queued,
                    reason: None,
                    error: None,
                }],
            },
        ] {
            assert!(
                matches!(
                    put(&store, &sid(), vec![bad.clone()]).await,
                    Err(StoreError::Conflict(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        assert_eq!(store.input(&sid(), &"a".into()).unwrap().attempts, 0);
    }

    /// A batch touching more inputs than the validation overlay keeps inline still sees
    /// its own earlier writes.
    #[tokio::test]
    async fn a_batch_touching_many_inputs_sees_its_own_writes() {
        let store = InMemoryStore::new();
        let ids: Vec<String> = (0..20).map(|i| format!("i{i}")).collect();
        let names: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut batch: Vec<StoreWrite> = names
            .iter()
            .zip(1..)
            .map(|(id, seq)| accepted(id, seq))
            .collect();
        batch.push(staged(1, &names));
        put(&store, &sid(), batch).await.unwrap();
        assert!(
            names
                .iter()
                .all(|id| phase_of(&store, id) == Some(InputPhase::Staged))
        );
        // A repeat far past the inline slots is still caught, and nothing is written.
        let mut batch: Vec<StoreWrite> = (20..40).map(|i| accepted(&format!("j{i}"), i)).collect();
        batch.push(accepted("j25", 99));
        assert!(matches!(
            put(&store, &sid(), batch).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(phase_of(&store, "j20"), None, "no partial write");
    }

    /// Forgetting a session's inputs mid-batch empties the inline slots for it, and later
    /// writes of the batch start from nothing again.
    #[tokio::test]
    async fn a_batch_can_forget_and_accept_again() {
        let store = InMemoryStore::new();
        let forget = StoreWrite::InputsForgotten;
        put(
            &store,
            &sid(),
            vec![
                accepted("a", 1),
                forget.clone(),
                accepted("a", 2),
                accepted("b", 3),
            ],
        )
        .await
        .unwrap();
        assert_eq!(store.input(&sid(), &"a".into()).unwrap().input.seq, 2);
        assert_eq!(phase_of(&store, "b"), Some(InputPhase::Queued));
        // The repeat of `b` after the forget is still seen as a repeat.
        let batch = vec![forget, accepted("b", 4), accepted("c", 5), accepted("b", 6)];
        assert!(matches!(
            put(&store, &sid(), batch).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(phase_of(&store, "c"), None, "no partial write");
    }

    /// A run's end ends its rows as the run ended: a commit consumes, a failed or
    /// cancelled run abandons.
    #[tokio::test]
    async fn a_runs_end_ends_its_rows_as_the_run_ended() {
        let store = InMemoryStore::new();
        put(&store, &sid(), vec![accepted("a", 1), staged(1, &["a"])])
            .await
            .unwrap();
        let cancelled = || TerminalRow::abandoned("a".into(), AbandonReason::Cancelled, None);
        let mismatched = [
            StoreWrite::RunCommitted {
                receipt: RunReceipt {
                    run: RunId(1),
                    inputs: vec!["a".into()],
                    output: RunOutput::text("ok"),
                },
                terminal: vec![cancelled()],
            },
            StoreWrite::RunFailed {
                run: RunId(1),
                error: None,
                requeued: Vec::new(),
                terminal: vec![TerminalRow::consumed("a".into())],
            },
        ];
        for write in mismatched {
            let refused = put(&store, &sid(), vec![write.clone()]).await;
            assert!(
                matches!(refused, Err(StoreError::Conflict(_))),
                "{write:?}: {refused:?}"
            );
        }
        let stored = store.session(&sid()).unwrap();
        assert_eq!((stored.version, stored.last_committed), (1, None));
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Staged));
        let failed = StoreWrite::RunFailed {
            run: RunId(1),
            error: None,
            requeued: Vec::new(),
            terminal: vec![cancelled()],
        };
        put(&store, &sid(), vec![failed]).await.unwrap();
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Abandoned));
    }

    /// Run ids only increase: a run is staged once, and after every run staged before it,
    /// also within a batch and through a reset; only removing the session starts them over.
    #[tokio::test]
    async fn a_run_is_staged_once_and_after_the_runs_before_it() {
        let store = InMemoryStore::new();
        let refused = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Conflict(_)));
        put(&store, &sid(), vec![accepted("a", 1), staged(3, &[])])
            .await
            .unwrap();
        for run in [3, 2] {
            let batch = vec![staged(run, &["a"])];
            assert!(refused(put(&store, &sid(), batch).await), "run {run}");
        }
        let twice = vec![staged(4, &[]), staged(4, &["a"])];
        assert!(refused(put(&store, &sid(), twice).await));
        let after_reset = vec![StoreWrite::InputsForgotten, staged(1, &[])];
        assert!(refused(put(&store, &sid(), after_reset).await));
        let stored = store.session(&sid()).unwrap();
        assert_eq!((stored.version, stored.last_run), (1, Some(RunId(3))));
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        // Not necessarily the next id: only later.
        put(&store, &sid(), vec![staged(7, &["a"])]).await.unwrap();
        assert_eq!(store.session(&sid()).unwrap().last_run, Some(RunId(7)));
        put(&store, &sid(), vec![StoreWrite::SessionRemoved])
            .await
            .unwrap();
        put(&store, &sid(), vec![staged(1, &[])]).await.unwrap();
    }

    /// A run's end is of the run in flight: the last one staged, not yet committed. An
    /// earlier run (also one whose id was skipped) ended or was taken back before the last
    /// was staged, and a later one was never staged.
    #[tokio::test]
    async fn a_runs_end_is_of_the_last_run_staged() {
        let store = InMemoryStore::new();
        let refused = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Conflict(_)));
        let failed = |run: u64| StoreWrite::RunFailed {
            run: RunId(run),
            error: None,
            requeued: Vec::new(),
            terminal: Vec::new(),
        };
        // Run 2 skipped: 1 and 3 staged.
        put(&store, &sid(), vec![staged(1, &[]), staged(3, &[])])
            .await
            .unwrap();
        for run in [1, 2, 4] {
            for end in [committed(run, &[]), failed(run)] {
                let refused_end = put(&store, &sid(), vec![end.clone()]).await;
                assert!(refused(refused_end), "{end:?}");
            }
        }
        let stored = store.session(&sid()).unwrap();
        assert_eq!((stored.version, stored.last_committed), (1, None));
        // Run 3 commits; once committed, it does not fail.
        put(&store, &sid(), vec![committed(3, &[])]).await.unwrap();
        assert!(refused(put(&store, &sid(), vec![failed(3)]).await));
        let in_one_batch = vec![staged(5, &[]), committed(5, &[]), failed(5)];
        assert!(refused(put(&store, &sid(), in_one_batch).await));
        assert_eq!(
            store.session(&sid()).unwrap().last_committed,
            Some(RunId(3))
        );
        put(&store, &sid(), vec![staged(5, &[]), failed(5)])
            .await
            .unwrap();
    }

    /// One run at a time: no run is staged while rows are `Staged` for an earlier run, in
    /// another batch or earlier in the same one. Each way a run's rows leave `Staged` (a
    /// commit, a failure that requeues or abandons them, `recover`'s requeue, a stop's
    /// terminal rows, a reset) lets the next run be staged; a run of ephemeral inputs has
    /// no rows and holds nothing back.
    #[tokio::test]
    async fn one_run_is_staged_at_a_time() {
        let store = InMemoryStore::new();
        let refused = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Conflict(_)));
        let ids: Vec<String> = (1..=7).map(|i| format!("i{i}")).collect();
        put(
            &store,
            &sid(),
            ids.iter()
                .zip(1..)
                .map(|(id, seq)| accepted(id, seq))
                .collect(),
        )
        .await
        .unwrap();
        put(&store, &sid(), vec![staged(1, &[]), staged(2, &["i1"])])
            .await
            .unwrap();
        for second in [staged(3, &["i2"]), staged(3, &[])] {
            let two = put(&store, &sid(), vec![second.clone()]).await;
            assert!(refused(two), "{second:?}");
        }
        let in_one_batch = vec![committed(2, &["i1"]), staged(3, &["i2"]), staged(4, &[])];
        assert!(refused(put(&store, &sid(), in_one_batch).await));
        assert_eq!(phase_of(&store, "i1"), Some(InputPhase::Staged));
        let failed = |run: u64, requeued: &[&str], terminal: &[&str]| StoreWrite::RunFailed {
            run: RunId(run),
            error: None,
            requeued: requeued.iter().map(|i| InputId::from(*i)).collect(),
            terminal: terminal
                .iter()
                .map(|i| TerminalRow::abandoned((*i).into(), AbandonReason::Cancelled, None))
                .collect(),
        };
        let stopped = |id: &str| StoreWrite::InputsTerminal {
            rows: vec![TerminalRow::abandoned(
                id.into(),
                AbandonReason::Stopped,
                None,
            )],
        };
        let recovered = |id: &str| StoreWrite::InputsRequeued {
            inputs: vec![id.into()],
        };
        // Each batch ends the run staged before it and stages the next one.
        let batches = [
            vec![committed(2, &["i1"]), staged(3, &["i2", "i3"])],
            vec![failed(3, &["i2"], &["i3"]), staged(4, &["i4"])],
            vec![failed(4, &[], &["i4"]), staged(5, &["i5"])],
            vec![recovered("i5"), staged(6, &["i6"])],
            vec![stopped("i6"), staged(7, &["i7"])],
            vec![StoreWrite::InputsForgotten, staged(8, &[]), staged(9, &[])],
        ];
        for batch in batches {
            put(&store, &sid(), batch.clone())
                .await
                .unwrap_or_else(|e| panic!("{batch:?}: {e}"));
        }
        let stored = store.session(&sid()).unwrap();
        assert_eq!((stored.last_run, stored.inputs.len()), (Some(RunId(9)), 0));
        // The rows' count follows every way a row leaves `Staged`, batch after batch.
        put(&store, &sid(), vec![accepted("a", 8), staged(10, &["a"])])
            .await
            .unwrap();
        assert!(refused(put(&store, &sid(), vec![staged(11, &[])]).await));
    }

    /// Admission seqs start at 1: seq 0 is refused, as a CHECK constraint would, whatever
    /// else the batch holds.
    #[tokio::test]
    async fn an_input_with_seq_0_is_refused() {
        let store = InMemoryStore::new();
        let zero = put(&store, &sid(), vec![accepted("a", 1), accepted("b", 0)]).await;
        assert!(matches!(zero, Err(StoreError::Conflict(_))), "{zero:?}");
        assert_eq!(store.session(&sid()), None, "nothing applied");
        put(&store, &sid(), vec![accepted("b", 1)]).await.unwrap();
        assert_eq!(store.session(&sid()).unwrap().last_seq, 1);
    }

    /// A seq is refused while a row holds it, as the batch's earlier writes left the rows:
    /// seqs may come in any order, and one is free again once its row goes (evicted, also
    /// when its id is accepted again under another seq, or reset), also earlier in the
    /// same batch.
    #[tokio::test]
    async fn a_seq_is_refused_while_a_row_holds_it() {
        let store = InMemoryStore::new();
        let refused = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Conflict(_)));
        let end_and_evict = |id: &str| {
            [
                StoreWrite::InputsTerminal {
                    rows: vec![TerminalRow::consumed(id.into())],
                },
                StoreWrite::InputsEvicted {
                    inputs: vec![id.into()],
                },
            ]
        };
        put(&store, &sid(), vec![accepted("a", 2), accepted("b", 1)])
            .await
            .unwrap();
        assert!(refused(put(&store, &sid(), vec![accepted("c", 1)]).await));
        let twice = vec![accepted("c", 4), accepted("d", 3), accepted("e", 4)];
        assert!(refused(put(&store, &sid(), twice).await));
        // Evicting `b` frees 1, in the batch that evicts it too.
        let mut batch = end_and_evict("b").to_vec();
        batch.push(accepted("c", 1));
        put(&store, &sid(), batch).await.unwrap();
        // `a` evicted and accepted again under 5: its old row's 2 is free.
        let mut batch = end_and_evict("a").to_vec();
        batch.extend([accepted("a", 5), accepted("d", 2)]);
        put(&store, &sid(), batch).await.unwrap();
        assert!(refused(put(&store, &sid(), vec![accepted("e", 5)]).await));
        // A reset frees every seq; the highest written stays.
        let batch = vec![
            StoreWrite::InputsForgotten,
            accepted("e", 5),
            accepted("f", 1),
        ];
        put(&store, &sid(), batch).await.unwrap();
        assert!(refused(put(&store, &sid(), vec![accepted("g", 1)]).await));
        let stored = store.session(&sid()).unwrap();
        let seqs: Vec<u64> = stored.inputs.iter().map(|r| r.input.seq).collect();
        assert_eq!((seqs, stored.last_seq, stored.version), (vec![1, 5], 5, 4));
    }

    #[tokio::test]
    async fn terminal_inputs_never_change_again() {
        let store = InMemoryStore::new();
        put(
            &store,
            &sid(),
            vec![
                accepted("op", 1),
                StoreWrite::InputsTerminal {
                    rows: vec![TerminalRow::consumed("op".into())],
                },
            ],
        )
        .await
        .expect("a batch may accept and finish an input at once");
        assert_eq!(phase_of(&store, "op"), Some(InputPhase::Consumed));
        let abandon = StoreWrite::InputsTerminal {
            rows: vec![TerminalRow::abandoned(
                "op".into(),
                AbandonReason::Stopped,
                None,
            )],
        };
        assert!(matches!(
            put(&store, &sid(), vec![abandon]).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(put(&store, &sid(), vec![staged(1, &["op"])]).await.is_err());
        assert_eq!(phase_of(&store, "op"), Some(InputPhase::Consumed));
    }

    #[tokio::test]
    async fn session_removal_is_atomic_with_the_rest_of_the_batch() {
        let store = InMemoryStore::new();
        put(&store, &sid(), vec![accepted("a", 1)]).await.unwrap();
        // A refused write before the removal refuses the removal too.
        let err = put(
            &store,
            &sid(),
            vec![staged(1, &["missing"]), StoreWrite::SessionRemoved],
        )
        .await;
        assert!(matches!(err, Err(StoreError::Conflict(_))));
        assert_eq!(phase_of(&store, "a"), Some(InputPhase::Queued));
        // What the batch wrote before the removal goes with the session.
        put(
            &store,
            &sid(),
            vec![staged(1, &["a"]), StoreWrite::SessionRemoved],
        )
        .await
        .unwrap();
        assert_eq!(store.session(&sid()), None);
        assert!(store.sessions().is_empty());
        // The id is free again after removal.
        put(&store, &sid(), vec![accepted("a", 1)]).await.unwrap();
        assert_eq!(store.sessions(), vec![sid()]);
    }

    #[tokio::test]
    async fn load_faults_and_empty_batches() {
        let store = InMemoryStore::new();
        store.fail_next_loads(1);
        assert!(store.load(&sid()).await.is_err());
        assert_eq!(store.load(&sid()).await.unwrap(), None);
        // An empty batch is still a batch: it takes its version.
        put(&store, &sid(), Vec::new()).await.unwrap();
        assert_eq!(store.session(&sid()).unwrap().version, 1);
        store.fail_next_writes(1);
        assert!(put(&store, &sid(), vec![accepted("a", 1)]).await.is_err());
        assert_eq!(store.committed_batches(), 1);
    }

    #[tokio::test]
    async fn store_is_usable_as_a_trait_object_across_tasks() {
        let store: std::sync::Arc<dyn RuntimeStore> = std::sync::Arc::new(InMemoryStore::new());
        let mut tasks = Vec::new();
        // One writer per session, as the runtime guarantees; sessions concurrently.
        for t in 0..4u64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let session = SessionId::from(format!("s{t}"));
                for i in 0..25u64 {
                    let id = format!("t{t}-{i}");
                    store
                        .write(&session, i + 1, vec![accepted(&id, 25 - i)])
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        for t in 0..4u64 {
            let loaded = store
                .load(&SessionId::from(format!("s{t}")))
                .await
                .unwrap()
                .unwrap();
            assert_eq!((loaded.version, loaded.last_seq), (25, 25));
            assert_eq!(loaded.inputs.len(), 25);
            // In admission order, which `seq` fixes (here the reverse of writing order).
            assert!(
                loaded
                    .inputs
                    .windows(2)
                    .all(|w| w[0].input.seq < w[1].input.seq)
            );
        }
    }

    /// A removal ends its batch: a write after it, of any kind, is a conflict and nothing
    /// of the batch is applied (the removal neither); any first batch creates a record
    /// holding its version; sessions do not see each other's rows.
    #[tokio::test]
    async fn a_batch_applies_to_its_session_only_and_ends_with_its_removal() {
        let store = InMemoryStore::new();
        let other = SessionId::from("other");
        put(
            &store,
            &sid(),
            vec![
                StoreWrite::Lifecycle {
                    phase: RuntimePhase::Idle,
                },
                accepted("a", 1),
                accepted("b", 2),
            ],
        )
        .await
        .unwrap();
        put(&store, &other, vec![accepted("a", 1)]).await.unwrap();
        let before = store.session(&sid());
        let after_removal = [
            accepted("a", 3),
            StoreWrite::Lifecycle {
                phase: RuntimePhase::Idle,
            },
            StoreWrite::InputsForgotten,
            StoreWrite::InputsEvicted {
                inputs: vec!["zz".into()],
            },
            StoreWrite::SessionRemoved,
        ];
        for write in after_removal {
            let batch = vec![StoreWrite::SessionRemoved, write.clone()];
            let refused = put(&store, &sid(), batch).await;
            assert!(
                matches!(refused, Err(StoreError::Conflict(_))),
                "{write:?}: {refused:?}"
            );
            assert_eq!(store.session(&sid()), before, "{write:?}: nothing applied");
        }
        put(&store, &sid(), vec![StoreWrite::SessionRemoved])
            .await
            .unwrap();
        assert_eq!(store.session(&sid()), None);
        let untouched = store.session(&other).unwrap();
        assert_eq!(untouched.inputs.len(), 1);
        assert_eq!(untouched.inputs[0].input.seq, 1);

        let nobody = SessionId::from("nobody");
        let evict = StoreWrite::InputsEvicted {
            inputs: vec!["zz".into()],
        };
        put(&store, &nobody, vec![evict]).await.unwrap();
        put(&store, &nobody, vec![StoreWrite::InputsForgotten])
            .await
            .unwrap();
        put(&store, &nobody, vec![StoreWrite::SessionRemoved])
            .await
            .unwrap();
        assert_eq!(store.session(&nobody), None, "nothing was stored for it");
        let phase = RuntimePhase::Attached;
        put(&store, &nobody, vec![StoreWrite::Lifecycle { phase }])
            .await
            .unwrap();
        assert_eq!(store.session(&nobody).unwrap().phase, Some(phase));
        assert_eq!(store.sessions(), vec![nobody, other]);
    }
}
