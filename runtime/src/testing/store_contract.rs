//! The `RuntimeStore` contract, checked through the trait alone.

use crate::executor::RunOutput;
use crate::input::RuntimeInput;
use crate::store::{
    RunReceipt, RuntimeStore, StoreError, StoreWrite, StoredInput, StoredSession, TerminalRow,
};
use crate::types::{
    AbandonReason, HandlingMode, InputId, InputPhase, RunId, RuntimePhase, SessionId,
};
use std::sync::Arc;

/// Checks that `store` keeps the contract documented on [`RuntimeStore`] and each
/// [`StoreWrite`] variant: batch versions, all-or-nothing batches whose writes see the ones
/// before them, every conflict (unknown inputs, moves a phase does not allow, terminal rows
/// whose reason does not match their phase, a run staged out of order or while an earlier
/// run's inputs are staged, a run's end of a run other than the last one staged or naming
/// another run's rows, a committed run failing, the commit fence, phases never stored, a
/// `seq` taken or 0), each write's effect on the rows, what `load` returns (inputs as
/// accepted and in admission order, lane and finish order, receipts, the counters and the
/// phase), `version`, removal, and `list_sessions`. Panics, naming the rule, at the first
/// violation. Uses sessions whose ids start with `store-contract-`; give it a store that
/// holds none.
///
/// It checks what a backend does with the batches the runtime sends, not what happens when
/// the backend fails (errors other than `Conflict` are the backend's own business).
pub async fn check_store(store: &dyn RuntimeStore) {
    versions_and_atomicity(store).await;
    rows_read_back_as_written(store).await;
    a_batch_sees_its_own_writes(store).await;
    runs_are_staged_in_order(store).await;
    one_run_is_staged_at_a_time(store).await;
    unknown_inputs_and_non_terminal_rows(store).await;
    a_run_and_its_rows(store).await;
    failed_and_cancelled_runs(store).await;
    a_runs_end_is_of_the_last_run_staged(store).await;
    receipts(store).await;
    commits_are_fenced_without_receipts(store).await;
    removal_and_independence(store).await;
}

/// A run of ephemeral inputs leaves no row and (in `InMemoryStore`) no receipt, yet a
/// second commit of it is still refused: the last committed run is kept by itself, and
/// `version` answers like `load`. The fence refuses any run not later than the last one
/// committed, also within one batch and after `InputsForgotten`, which keeps it (with the
/// counters and the phase).
async fn commits_are_fenced_without_receipts(store: &dyn RuntimeStore) {
    let s = session("fence");
    assert_eq!(
        version(store, &s).await,
        None,
        "store contract: version of a session with nothing stored"
    );
    write(store, &s, 1, vec![staged(1, &[])]).await;
    let ephemeral = || StoreWrite::RunCommitted {
        receipt: RunReceipt {
            run: RunId(1),
            inputs: ids(&["ephemeral"]),
            output: RunOutput::text("ok"),
        },
        terminal: Vec::new(),
    };
    write(store, &s, 2, vec![ephemeral()]).await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        (stored.last_run, stored.last_committed),
        (Some(RunId(1)), Some(RunId(1))),
        "store contract: the last staged and committed runs"
    );
    assert_eq!(
        version(store, &s).await,
        Some(2),
        "store contract: version answers like load"
    );
    refused(
        store,
        &s,
        3,
        vec![ephemeral()],
        "a run commits once, receipt or not",
    )
    .await;
    let attached = StoreWrite::Lifecycle {
        phase: RuntimePhase::Attached,
    };
    write(
        store,
        &s,
        3,
        vec![attached, staged(3, &[]), committed(3, &[])],
    )
    .await;
    refused(
        store,
        &s,
        4,
        vec![committed(2, &[])],
        "a run commits after the runs committed before it",
    )
    .await;
    refused(
        store,
        &s,
        4,
        vec![staged(4, &[]), committed(4, &[]), committed(4, &[])],
        "a run commits once, also within one batch",
    )
    .await;
    write(store, &s, 4, vec![StoreWrite::InputsForgotten]).await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        (
            stored.version,
            stored.last_run,
            stored.last_committed,
            stored.phase
        ),
        (
            4,
            Some(RunId(3)),
            Some(RunId(3)),
            Some(RuntimePhase::Attached)
        ),
        "store contract: InputsForgotten keeps the counters, the commit fence and the phase"
    );
    refused(
        store,
        &s,
        5,
        vec![committed(3, &[])],
        "the commit fence holds through InputsForgotten",
    )
    .await;
}

async fn version(store: &dyn RuntimeStore, s: &SessionId) -> Option<u64> {
    store
        .version(s)
        .await
        .unwrap_or_else(|e| panic!("store contract: version of {s} failed: {e}"))
}

fn session(name: &str) -> SessionId {
    SessionId::from(format!("store-contract-{name}"))
}

/// `InputAccepted` of a prompt `id` in `lane`. (Also the store's own unit tests' fixture.)
pub(crate) fn accepted(id: &str, seq: u64, lane: HandlingMode) -> StoreWrite {
    let input = RuntimeInput::prompt(id, format!("text {id}"));
    let input = match lane {
        HandlingMode::Queue => input,
        HandlingMode::Steer => input.steer(),
    };
    StoreWrite::InputAccepted {
        input: StoredInput {
            input: Arc::new(input),
            seq,
        },
    }
}

fn ids(names: &[&str]) -> Vec<InputId> {
    names.iter().map(|n| InputId::from(*n)).collect()
}

/// `InputsStaged` of `names` for `run`, their first attempt.
pub(crate) fn staged(run: u64, names: &[&str]) -> StoreWrite {
    staged_again(run, 1, names)
}

/// `InputsStaged` of `names` for `run`, as their attempt `attempt`.
pub(crate) fn staged_again(run: u64, attempt: u64, names: &[&str]) -> StoreWrite {
    StoreWrite::InputsStaged {
        run: RunId(run),
        attempt,
        inputs: ids(names),
    }
}

/// `RunCommitted` of `run`, consuming `names`, with output `ok`.
pub(crate) fn committed(run: u64, names: &[&str]) -> StoreWrite {
    StoreWrite::RunCommitted {
        receipt: RunReceipt {
            run: RunId(run),
            inputs: ids(names),
            output: RunOutput::text("ok"),
        },
        terminal: names
            .iter()
            .map(|n| TerminalRow::consumed(InputId::from(*n)))
            .collect(),
    }
}

async fn load(store: &dyn RuntimeStore, s: &SessionId) -> Option<StoredSession> {
    store
        .load(s)
        .await
        .unwrap_or_else(|e| panic!("store contract: load of {s} failed: {e}"))
}

async fn loaded(store: &dyn RuntimeStore, s: &SessionId) -> StoredSession {
    load(store, s)
        .await
        .unwrap_or_else(|| panic!("store contract: {s} should be stored"))
}

async fn write(store: &dyn RuntimeStore, s: &SessionId, version: u64, batch: Vec<StoreWrite>) {
    if let Err(e) = store.write(s, version, batch).await {
        panic!("store contract: batch {version} of {s} should apply: {e}");
    }
}

/// A batch that must apply, for `rule`.
async fn applies(
    store: &dyn RuntimeStore,
    s: &SessionId,
    version: u64,
    batch: Vec<StoreWrite>,
    rule: &str,
) {
    if let Err(e) = store.write(s, version, batch).await {
        panic!("store contract: {rule}: batch {version} of {s} should apply: {e}");
    }
}

/// A batch that must be refused as a `Conflict`, leaving `s` as it was.
async fn refused(
    store: &dyn RuntimeStore,
    s: &SessionId,
    version: u64,
    batch: Vec<StoreWrite>,
    rule: &str,
) {
    let before = load(store, s).await;
    match store.write(s, version, batch).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("store contract: {rule}: expected a Conflict, got {other:?}"),
    }
    assert_eq!(
        load(store, s).await,
        before,
        "store contract: {rule}: a refused batch must change nothing"
    );
}

fn row<'s>(stored: &'s StoredSession, id: &str) -> &'s crate::store::StoredInputRecord {
    stored
        .input(&InputId::from(id))
        .unwrap_or_else(|| panic!("store contract: input {id} should have a row"))
}

fn names(rows: Vec<&crate::store::StoredInputRecord>) -> Vec<String> {
    rows.iter()
        .map(|r| r.input.input.header.id.to_string())
        .collect()
}

async fn versions_and_atomicity(store: &dyn RuntimeStore) {
    let s = session("versions");
    let first = || vec![accepted("a", 1, HandlingMode::Queue)];
    refused(
        store,
        &s,
        2,
        first(),
        "a session's first batch is version 1",
    )
    .await;
    refused(store, &s, 0, first(), "versions start at 1").await;
    let lifecycle = StoreWrite::Lifecycle {
        phase: RuntimePhase::Idle,
    };
    write(
        store,
        &s,
        1,
        vec![lifecycle, accepted("a", 1, HandlingMode::Queue)],
    )
    .await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        stored.version, 1,
        "store contract: load returns the last version applied"
    );
    assert_eq!(
        stored.phase,
        Some(RuntimePhase::Idle),
        "store contract: Lifecycle sets the phase"
    );
    // A run in flight is stored as `Attached`; no session goes back to `Initializing`.
    for phase in [RuntimePhase::Running, RuntimePhase::Initializing] {
        let rule = format!("a session is never stored {phase:?}");
        refused(store, &s, 2, vec![StoreWrite::Lifecycle { phase }], &rule).await;
    }
    let a = row(&stored, "a");
    assert_eq!(
        (a.phase, a.attempts, a.run),
        (InputPhase::Queued, 0, None),
        "store contract: an accepted input starts Queued"
    );
    let again = vec![accepted("b", 2, HandlingMode::Queue)];
    refused(store, &s, 1, again.clone(), "a version is applied once").await;
    refused(store, &s, 3, again, "versions do not skip").await;
    // All or nothing: `b` would be fine, `a` again is not.
    let mixed = vec![
        accepted("b", 2, HandlingMode::Queue),
        accepted("a", 3, HandlingMode::Queue),
    ];
    refused(store, &s, 2, mixed, "an id accepted twice").await;
    write(store, &s, 2, vec![accepted("b", 2, HandlingMode::Queue)]).await;
    assert_eq!(loaded(store, &s).await.version, 2);
}

/// `load` returns each row as its writes left it: the input exactly as accepted (a backend
/// that stores it in columns or as JSON must give back every field), the rows in admission
/// (`seq`) order whatever order they were written in, the highest `seq` written, and no
/// phase before a `Lifecycle`; and nothing at all for a session never written. A `seq` a
/// stored row has, or one accepted twice in a batch, is refused (a unique index), and so is
/// seq 0 (seqs start at 1: a CHECK constraint).
async fn rows_read_back_as_written(store: &dyn RuntimeStore) {
    let s = session("load");
    assert_eq!(
        load(store, &s).await,
        None,
        "store contract: load of a session with nothing stored"
    );
    let keyed = StoredInput {
        input: Arc::new(
            RuntimeInput::prompt("b", "text b")
                .with_key("key b")
                .steer(),
        ),
        seq: 2,
    };
    let batch = vec![
        StoreWrite::InputAccepted {
            input: keyed.clone(),
        },
        accepted("a", 1, HandlingMode::Queue),
    ];
    write(store, &s, 1, batch).await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        names(stored.inputs.iter().collect()),
        ["a", "b"],
        "store contract: load lists the inputs in admission (seq) order"
    );
    assert_eq!(
        stored.last_seq, 2,
        "store contract: last_seq is the highest seq written, not the last one"
    );
    assert_eq!(
        stored.phase, None,
        "store contract: no phase before a Lifecycle write"
    );
    let b = row(&stored, "b");
    assert_eq!(
        b.input, keyed,
        "store contract: load returns each input as accepted"
    );
    assert_eq!(
        (b.reason, b.error.as_deref(), b.finished),
        (None, None, None),
        "store contract: an accepted input has no reason, error or finish place"
    );
    let q = HandlingMode::Queue;
    refused(
        store,
        &s,
        2,
        vec![accepted("c", 1, q)],
        "an admission seq is unique in its session (one a stored row has)",
    )
    .await;
    refused(
        store,
        &s,
        2,
        vec![
            accepted("c", 4, q),
            accepted("d", 3, q),
            accepted("e", 4, q),
        ],
        "an admission seq is unique in its session (twice in one batch)",
    )
    .await;
    refused(
        store,
        &s,
        2,
        vec![accepted("c", 0, q)],
        "admission seqs start at 1",
    )
    .await;
}

/// A batch's writes apply in order, each seeing the ones before it (`InputAccepted` then a
/// write about that input): the runtime accepts a durable operation and ends it in one
/// batch, so a backend that checks a whole batch against the rows stored before it would
/// refuse batches the runtime writes. A repeat within one batch is still a repeat.
async fn a_batch_sees_its_own_writes(store: &dyn RuntimeStore) {
    let s = session("batch");
    let q = HandlingMode::Queue;
    let batch = vec![
        accepted("op", 1, q),
        StoreWrite::InputsTerminal {
            rows: vec![TerminalRow::consumed("op".into())],
        },
        accepted("a", 2, q),
        staged(1, &["a"]),
        committed(1, &["a"]),
    ];
    applies(
        store,
        &s,
        1,
        batch,
        "a write sees the inputs accepted earlier in its batch",
    )
    .await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        names(stored.finished()),
        ["op", "a"],
        "store contract: a write sees the inputs accepted earlier in its batch"
    );
    let twice = vec![accepted("b", 3, q), accepted("b", 4, q)];
    refused(store, &s, 2, twice, "an id accepted twice in one batch").await;
    let staged_twice = vec![accepted("b", 3, q), staged(2, &["b", "b"])];
    refused(
        store,
        &s,
        2,
        staged_twice,
        "an input staged twice in one write",
    )
    .await;
}

/// A write naming an input with no row is refused, whatever it would do to it (only an
/// eviction skips such an id): a backend that runs `UPDATE .. WHERE id IN (..)` must check
/// how many rows it changed. So is a terminal row whose phase is not terminal, or whose
/// reason does not match its phase (a `Consumed` row with one, an `Abandoned` row
/// without), in any of the three writes that carry terminal rows.
async fn unknown_inputs_and_non_terminal_rows(store: &dyn RuntimeStore) {
    let s = session("unknown");
    let q = HandlingMode::Queue;
    write(store, &s, 1, vec![accepted("a", 1, q)]).await;
    // Staged while no other row is, so that nothing else refuses it (one run at a time).
    refused(
        store,
        &s,
        2,
        vec![staged(1, &["a", "missing"])],
        "InputsStaged naming an input with no row",
    )
    .await;
    write(store, &s, 2, vec![staged(1, &["a"])]).await;
    let failed = |requeued: &[&str], terminal: Vec<TerminalRow>| StoreWrite::RunFailed {
        run: RunId(1),
        error: None,
        requeued: ids(requeued),
        terminal,
    };
    let stopped = |id: &str| TerminalRow::abandoned(id.into(), AbandonReason::Stopped, None);
    let naming_missing = [
        ("RunCommitted", committed(1, &["missing"])),
        ("RunFailed (requeued)", failed(&["missing"], Vec::new())),
        (
            "RunFailed (terminal)",
            failed(&[], vec![stopped("missing")]),
        ),
        (
            "InputsRequeued",
            StoreWrite::InputsRequeued {
                inputs: ids(&["missing"]),
            },
        ),
        (
            "InputsTerminal",
            StoreWrite::InputsTerminal {
                rows: vec![stopped("missing")],
            },
        ),
    ];
    for (kind, write) in naming_missing {
        let rule = format!("{kind} naming an input with no row");
        refused(store, &s, 3, vec![write], &rule).await;
    }
    let not_terminal = |phase| TerminalRow {
        input: "a".into(),
        phase,
        reason: None,
        error: None,
    };
    for phase in [InputPhase::Queued, InputPhase::Staged] {
        let receipt = RunReceipt {
            run: RunId(1),
            inputs: ids(&["a"]),
            output: RunOutput::text("ok"),
        };
        let writes = [
            StoreWrite::RunCommitted {
                receipt,
                terminal: vec![not_terminal(phase)],
            },
            failed(&[], vec![not_terminal(phase)]),
            StoreWrite::InputsTerminal {
                rows: vec![not_terminal(phase)],
            },
        ];
        for write in writes {
            let rule = format!(
                "{:?}: a terminal row with a phase that is not terminal ({phase})",
                write.kind()
            );
            refused(store, &s, 3, vec![write], &rule).await;
        }
    }
    let with_reason = |phase, reason| TerminalRow {
        input: "a".into(),
        phase,
        reason,
        error: None,
    };
    let consumed_with_reason = || with_reason(InputPhase::Consumed, Some(AbandonReason::Stopped));
    let abandoned_without = || with_reason(InputPhase::Abandoned, None);
    let mismatched = [
        StoreWrite::RunCommitted {
            receipt: RunReceipt {
                run: RunId(1),
                inputs: ids(&["a"]),
                output: RunOutput::text("ok"),
            },
            terminal: vec![consumed_with_reason()],
        },
        failed(&[], vec![abandoned_without()]),
        StoreWrite::InputsTerminal {
            rows: vec![consumed_with_reason()],
        },
        StoreWrite::InputsTerminal {
            rows: vec![abandoned_without()],
        },
    ];
    for write in mismatched {
        let rule = format!(
            "{:?}: a terminal row whose reason does not match its phase",
            write.kind()
        );
        refused(store, &s, 3, vec![write], &rule).await;
    }
}

/// `RunFailed` without an error (a cancelled run) leaves the requeued inputs' last error
/// as it was, and every requeued input keeps its attempts and the run it was bound to;
/// its terminal rows end their inputs like any terminal row, taking the next places in
/// the finish order.
async fn failed_and_cancelled_runs(store: &dyn RuntimeStore) {
    let s = session("failed");
    let q = HandlingMode::Queue;
    let batch = vec![accepted("a", 1, q), accepted("b", 2, q), staged(1, &["a"])];
    write(store, &s, 1, batch).await;
    let failed = |run, error: Option<&str>, requeued: &[&str], terminal| StoreWrite::RunFailed {
        run: RunId(run),
        error: error.map(str::to_owned),
        requeued: ids(requeued),
        terminal,
    };
    write(
        store,
        &s,
        2,
        vec![failed(1, Some("boom"), &["a"], Vec::new())],
    )
    .await;
    write(store, &s, 3, vec![staged_again(2, 2, &["a"])]).await;
    write(store, &s, 4, vec![failed(2, None, &["a"], Vec::new())]).await;
    let stored = loaded(store, &s).await;
    let a = row(&stored, "a");
    assert_eq!(
        (a.phase, a.error.as_deref()),
        (InputPhase::Queued, Some("boom")),
        "store contract: a cancelled run's requeued inputs keep their last error"
    );
    assert_eq!(
        (a.attempts, a.run),
        (2, Some(RunId(2))),
        "store contract: a requeued input keeps its attempts and the run it was bound to"
    );
    write(store, &s, 5, vec![staged_again(3, 3, &["a"])]).await;
    let stopped = TerminalRow::abandoned("b".into(), AbandonReason::Stopped, None);
    let ended = StoreWrite::InputsTerminal {
        rows: vec![stopped],
    };
    write(store, &s, 6, vec![ended]).await;
    let exhausted = TerminalRow::abandoned(
        "a".into(),
        AbandonReason::MaxAttemptsExhausted,
        Some("late".into()),
    );
    write(
        store,
        &s,
        7,
        vec![failed(3, Some("late"), &[], vec![exhausted])],
    )
    .await;
    let stored = loaded(store, &s).await;
    let a = row(&stored, "a");
    assert_eq!(
        (a.phase, a.reason, a.error.as_deref()),
        (
            InputPhase::Abandoned,
            Some(AbandonReason::MaxAttemptsExhausted),
            Some("late")
        ),
        "store contract: a failed run's terminal row ends its input with its reason and error"
    );
    assert_eq!(
        names(stored.finished()),
        ["b", "a"],
        "store contract: a failed run's terminal rows take their place in the finish order"
    );
}

/// A run's end is about the run in flight, which is the last one staged: a run staged
/// before it (one whose id was skipped included) ended, or was taken back, before the last
/// one was staged, so it does not end again, and neither do the rows staged for the last
/// one through it (the rows' `run`); a run later than the last one staged was never staged,
/// so it does not end, whether it names rows or not; and a committed run does not fail.
async fn a_runs_end_is_of_the_last_run_staged(store: &dyn RuntimeStore) {
    let s = session("run-ends");
    let q = HandlingMode::Queue;
    let failed = |run, requeued: &[&str], terminal| StoreWrite::RunFailed {
        run: RunId(run),
        error: None,
        requeued: ids(requeued),
        terminal,
    };
    // Run 1 failed and left `a` queued; run 2 was skipped; `b` is staged for run 3.
    let batch = vec![
        accepted("a", 1, q),
        accepted("b", 2, q),
        staged(1, &["a"]),
        failed(1, &["a"], Vec::new()),
        staged(3, &["b"]),
    ];
    write(store, &s, 1, batch).await;
    let cancelled = || TerminalRow::abandoned("b".into(), AbandonReason::Cancelled, None);
    let earlier_runs = [
        committed(2, &[]),
        failed(2, &[], Vec::new()),
        failed(1, &[], Vec::new()),
        committed(1, &["b"]),
        failed(1, &["b"], Vec::new()),
        failed(1, &[], vec![cancelled()]),
    ];
    for write in earlier_runs {
        let rule = format!(
            "{:?} of {}: a run's end is of the last run staged, and names only its rows",
            write.kind(),
            match &write {
                StoreWrite::RunCommitted { receipt, .. } => receipt.run,
                StoreWrite::RunFailed { run, .. } => *run,
                _ => unreachable!("a run's end"),
            },
        );
        refused(store, &s, 2, vec![write], &rule).await;
    }
    applies(
        store,
        &s,
        2,
        vec![committed(3, &["b"])],
        "a run's end names the rows staged for it",
    )
    .await;
    for write in [committed(4, &[]), failed(4, &[], Vec::new())] {
        let rule = format!(
            "{:?}: a run later than the last one staged was never staged and does not end",
            write.kind()
        );
        refused(store, &s, 3, vec![write], &rule).await;
    }
    refused(
        store,
        &s,
        3,
        vec![failed(3, &[], Vec::new())],
        "a committed run does not fail",
    )
    .await;
}

/// Run ids only increase: a run is staged once, after every run staged before it (not
/// necessarily as the next id), also within a batch and through `InputsForgotten`, which
/// keeps `last_run`.
async fn runs_are_staged_in_order(store: &dyn RuntimeStore) {
    let s = session("run-order");
    let q = HandlingMode::Queue;
    let batch = vec![
        accepted("a", 1, q),
        accepted("b", 2, q),
        staged(1, &["a"]),
        committed(1, &["a"]),
    ];
    write(store, &s, 1, batch).await;
    let rule = "a run is staged once, after the runs staged before it";
    refused(store, &s, 2, vec![staged(1, &["b"])], rule).await;
    // Run 2 is skipped.
    applies(
        store,
        &s,
        2,
        vec![staged(3, &["b"])],
        "a run is staged later than the last one, not necessarily as the next id",
    )
    .await;
    let failed = StoreWrite::RunFailed {
        run: RunId(3),
        error: None,
        requeued: ids(&["b"]),
        terminal: Vec::new(),
    };
    write(store, &s, 3, vec![failed]).await;
    for run in [2, 3] {
        let rule = format!("{rule} (run {run}, after run 3)");
        refused(store, &s, 4, vec![staged(run, &["b"])], &rule).await;
    }
    let twice = vec![staged(4, &[]), staged(4, &["b"])];
    let in_one_batch = format!("{rule} (twice in one batch)");
    refused(store, &s, 4, twice, &in_one_batch).await;
    write(store, &s, 4, vec![StoreWrite::InputsForgotten]).await;
    let after_reset = format!("{rule} (after InputsForgotten)");
    refused(store, &s, 5, vec![staged(3, &[])], &after_reset).await;
    assert_eq!(
        loaded(store, &s).await.last_run,
        Some(RunId(3)),
        "store contract: the last run staged"
    );
}

/// A session has one run in flight at a time: no run is staged while rows are `Staged` for
/// an earlier one (its end was not written), in another batch or earlier in the same one,
/// whether the new run has durable contributors or not. Each way a run's rows leave
/// `Staged` lets the next run be staged: `InputsRequeued` (recover), `InputsTerminal`
/// (stop), its commit or its failure.
async fn one_run_is_staged_at_a_time(store: &dyn RuntimeStore) {
    let s = session("one-run");
    let q = HandlingMode::Queue;
    let batch = vec![
        accepted("a", 1, q),
        accepted("b", 2, q),
        accepted("c", 3, q),
        staged(1, &["a"]),
    ];
    write(store, &s, 1, batch).await;
    let rule = "one run at a time: no run is staged while an earlier run's inputs are";
    refused(store, &s, 2, vec![staged(2, &["b"])], rule).await;
    let ephemeral = format!("{rule} (a run of ephemeral inputs too)");
    refused(store, &s, 2, vec![staged(2, &[])], &ephemeral).await;
    // `recover` takes run 1 back.
    let recovered = StoreWrite::InputsRequeued {
        inputs: ids(&["a"]),
    };
    write(store, &s, 2, vec![recovered]).await;
    let in_one_batch = vec![staged(2, &["b"]), staged(3, &["c"])];
    let same_batch = format!("{rule} (earlier in the same batch)");
    refused(store, &s, 3, in_one_batch, &same_batch).await;
    write(store, &s, 3, vec![staged(2, &["a"])]).await;
    // `stop` ends run 2's input, and run 3 starts.
    let stopped = StoreWrite::InputsTerminal {
        rows: vec![TerminalRow::abandoned(
            "a".into(),
            AbandonReason::Stopped,
            None,
        )],
    };
    write(store, &s, 4, vec![stopped, staged(3, &["b"])]).await;
    let runs = vec![
        committed(3, &["b"]),
        staged(4, &["c"]),
        StoreWrite::RunFailed {
            run: RunId(4),
            error: None,
            requeued: ids(&["c"]),
            terminal: Vec::new(),
        },
        staged(5, &["c"]),
    ];
    applies(
        store,
        &s,
        5,
        runs,
        "a run is staged once the last one is over (committed, failed)",
    )
    .await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        (stored.last_run, row(&stored, "c").phase),
        (Some(RunId(5)), InputPhase::Staged),
        "store contract: the last run staged"
    );
}

/// A receipt is kept as written: every contributor, ephemeral ones (with no row) included,
/// and the whole output. Receipts are listed oldest first, and one stays while any row
/// its run consumed is stored, not only while all of them are.
async fn receipts(store: &dyn RuntimeStore) {
    let s = session("receipts");
    let q = HandlingMode::Queue;
    let batch = vec![
        accepted("a", 1, q),
        accepted("b", 2, q),
        accepted("c", 3, q),
        staged(1, &["a", "b"]),
    ];
    write(store, &s, 1, batch).await;
    let first = RunReceipt {
        run: RunId(1),
        inputs: ids(&["a", "ephemeral", "b"]),
        output: RunOutput {
            text: "first".into(),
            data: serde_json::json!({ "tokens": 12, "tools": ["search"] }),
        },
    };
    let consumed = [
        TerminalRow::consumed("a".into()),
        TerminalRow::consumed("b".into()),
    ];
    let commit = StoreWrite::RunCommitted {
        receipt: first.clone(),
        terminal: consumed.to_vec(),
    };
    write(store, &s, 2, vec![commit]).await;
    write(store, &s, 3, vec![staged(2, &["c"]), committed(2, &["c"])]).await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        stored.runs.iter().find(|r| r.run == RunId(1)),
        Some(&first),
        "store contract: a receipt is kept as written, every contributor included"
    );
    let runs: Vec<RunId> = stored.runs.iter().map(|r| r.run).collect();
    assert_eq!(
        runs,
        [RunId(1), RunId(2)],
        "store contract: receipts are listed oldest first"
    );
    let evicted = StoreWrite::InputsEvicted {
        inputs: ids(&["a"]),
    };
    write(store, &s, 4, vec![evicted]).await;
    assert!(
        loaded(store, &s).await.runs.contains(&first),
        "store contract: a receipt stays while a row its run consumed is stored"
    );
}

async fn a_run_and_its_rows(store: &dyn RuntimeStore) {
    let s = session("rows");
    let q = HandlingMode::Queue;
    let batch = vec![
        accepted("a", 1, q),
        accepted("b", 2, q),
        accepted("c", 3, q),
        accepted("d", 4, q),
        accepted("x", 5, HandlingMode::Steer),
    ];
    write(store, &s, 1, batch).await;
    // Run 1 consumes `a`.
    write(store, &s, 2, vec![staged(1, &["a"])]).await;
    let stored = loaded(store, &s).await;
    let a = row(&stored, "a");
    assert_eq!(
        (a.phase, a.attempts, a.run),
        (InputPhase::Staged, 1, Some(RunId(1))),
        "store contract: staging binds the run and records the attempt"
    );
    refused(
        store,
        &s,
        3,
        vec![staged(2, &["a"])],
        "only a queued input is staged",
    )
    .await;
    // A commit consumes its inputs: an input it did not consume had no part in it.
    let abandoning = StoreWrite::RunCommitted {
        receipt: RunReceipt {
            run: RunId(1),
            inputs: ids(&["a"]),
            output: RunOutput::text("ok"),
        },
        terminal: vec![TerminalRow::abandoned(
            "a".into(),
            AbandonReason::Cancelled,
            None,
        )],
    };
    refused(
        store,
        &s,
        3,
        vec![abandoning],
        "a commit's terminal rows are Consumed",
    )
    .await;
    write(store, &s, 3, vec![committed(1, &["a"])]).await;
    let stored = loaded(store, &s).await;
    assert_eq!(row(&stored, "a").phase, InputPhase::Consumed);
    assert!(
        stored.runs.iter().any(|r| r.run == RunId(1)),
        "store contract: a commit keeps its receipt"
    );
    refused(store, &s, 4, vec![committed(1, &[])], "a run commits once").await;
    // A terminal input is neither staged nor sent back to its lane again.
    let moves = [
        staged(2, &["a"]),
        StoreWrite::InputsRequeued {
            inputs: ids(&["a"]),
        },
        StoreWrite::RunFailed {
            run: RunId(1),
            error: None,
            requeued: ids(&["a"]),
            terminal: Vec::new(),
        },
    ];
    for write in moves {
        let rule = format!("{:?} of a terminal input", write.kind());
        refused(store, &s, 4, vec![write], &rule).await;
    }
    refused(
        store,
        &s,
        4,
        vec![committed(2, &["b"])],
        "a commit consumes only staged inputs",
    )
    .await;

    // Run 2 fails: `b` goes back to the tail of its lane with the run's error.
    write(store, &s, 4, vec![staged(2, &["b"])]).await;
    let failed = |requeued: &[&str]| StoreWrite::RunFailed {
        run: RunId(2),
        error: Some("boom".into()),
        requeued: ids(requeued),
        terminal: Vec::new(),
    };
    refused(
        store,
        &s,
        5,
        vec![failed(&["b", "c"])],
        "a failed run requeues only staged inputs",
    )
    .await;
    let ends_queued = StoreWrite::RunFailed {
        run: RunId(2),
        error: None,
        requeued: Vec::new(),
        terminal: vec![TerminalRow::abandoned(
            "c".into(),
            AbandonReason::Cancelled,
            None,
        )],
    };
    refused(
        store,
        &s,
        5,
        vec![ends_queued],
        "a failed run's terminal rows name only staged inputs",
    )
    .await;
    // Only a commit consumes: a failed or cancelled run abandons what it does not requeue.
    let consuming = StoreWrite::RunFailed {
        run: RunId(2),
        error: None,
        requeued: Vec::new(),
        terminal: vec![TerminalRow::consumed("b".into())],
    };
    refused(
        store,
        &s,
        5,
        vec![consuming],
        "a failed run's terminal rows are Abandoned",
    )
    .await;
    write(store, &s, 5, vec![failed(&["b"])]).await;
    let stored = loaded(store, &s).await;
    let b = row(&stored, "b");
    assert_eq!(
        (b.phase, b.attempts, b.error.as_deref()),
        (InputPhase::Queued, 1, Some("boom")),
        "store contract: a requeued input keeps its attempts and the run's error"
    );
    assert_eq!(
        names(stored.lane(HandlingMode::Queue)),
        ["c", "d", "b"],
        "store contract: a failed run's inputs go to the tail of their lane"
    );
    // Run 3 (`d` and `b`) is lost and recovered: both go back to the head, in their order.
    // The batch names the attempt (3 here, not the 2 that counting would give for `b`):
    // the store records the kernel's count.
    write(store, &s, 6, vec![staged_again(3, 3, &["d", "b"])]).await;
    assert_eq!(
        row(&loaded(store, &s).await, "b").attempts,
        3,
        "store contract: staging records the attempt the batch names, without counting"
    );
    let staged_row = StoreWrite::InputsEvicted {
        inputs: ids(&["b"]),
    };
    refused(
        store,
        &s,
        7,
        vec![staged_row],
        "a staged input is live and is not evicted",
    )
    .await;
    let queued = StoreWrite::InputsRequeued {
        inputs: ids(&["c"]),
    };
    refused(
        store,
        &s,
        7,
        vec![queued],
        "only a staged input is requeued",
    )
    .await;
    let requeued = StoreWrite::InputsRequeued {
        inputs: ids(&["d", "b"]),
    };
    write(store, &s, 7, vec![requeued]).await;
    let stored = loaded(store, &s).await;
    assert_eq!(
        names(stored.lane(HandlingMode::Queue)),
        ["d", "b", "c"],
        "store contract: InputsRequeued puts the lost run's inputs at the head, in order"
    );
    assert_eq!(
        names(stored.lane(HandlingMode::Steer)),
        ["x"],
        "store contract: lanes are separate"
    );

    // Inputs ending outside a run, in the order they finish.
    let stopped = |id: &str| TerminalRow::abandoned(id.into(), AbandonReason::Stopped, None);
    let ended = StoreWrite::InputsTerminal {
        rows: vec![stopped("c"), stopped("x")],
    };
    write(store, &s, 8, vec![ended]).await;
    let stored = loaded(store, &s).await;
    let c = row(&stored, "c");
    assert_eq!(
        (c.phase, c.reason),
        (InputPhase::Abandoned, Some(AbandonReason::Stopped)),
        "store contract: a terminal row ends its input"
    );
    assert_eq!(
        names(stored.finished()),
        ["a", "c", "x"],
        "store contract: the finish order is the order terminal rows were written"
    );
    let again = StoreWrite::InputsTerminal {
        rows: vec![stopped("c")],
    };
    refused(
        store,
        &s,
        9,
        vec![again],
        "a terminal input never changes again",
    )
    .await;

    // Forgetting finished inputs.
    let evicted = StoreWrite::InputsEvicted {
        inputs: ids(&["a", "gone"]),
    };
    write(store, &s, 9, vec![evicted]).await;
    let stored = loaded(store, &s).await;
    assert!(
        stored.input(&"a".into()).is_none(),
        "store contract: an evicted row goes"
    );
    let live = StoreWrite::InputsEvicted {
        inputs: ids(&["d"]),
    };
    refused(
        store,
        &s,
        10,
        vec![live],
        "only a finished input is evicted",
    )
    .await;
    assert_eq!(
        (stored.last_seq, stored.last_run),
        (5, Some(RunId(3))),
        "store contract: the counters outlive the rows they came from"
    );
    // An evicted row is gone, not hidden: its id may be accepted again.
    applies(
        store,
        &s,
        10,
        vec![accepted("a", 6, q)],
        "an evicted id may be accepted again",
    )
    .await;
    write(store, &s, 11, vec![StoreWrite::InputsForgotten]).await;
    let stored = loaded(store, &s).await;
    assert!(
        stored.inputs.is_empty(),
        "store contract: InputsForgotten removes every row"
    );
    assert_eq!(
        (stored.version, stored.last_seq, stored.last_run),
        (11, 6, Some(RunId(3))),
        "store contract: forgetting inputs keeps the version and counters"
    );
    // A forgotten id may be accepted again.
    applies(
        store,
        &s,
        12,
        vec![accepted("a", 7, q)],
        "a forgotten id may be accepted again",
    )
    .await;
}

async fn listed(store: &dyn RuntimeStore, s: &SessionId) -> bool {
    store
        .list_sessions()
        .await
        .unwrap_or_else(|e| panic!("store contract: list_sessions failed: {e}"))
        .contains(s)
}

async fn removal_and_independence(store: &dyn RuntimeStore) {
    let (s, other) = (session("removed"), session("other"));
    write(store, &s, 1, vec![accepted("a", 1, HandlingMode::Queue)]).await;
    write(store, &s, 2, vec![staged(1, &["a"]), committed(1, &["a"])]).await;
    write(
        store,
        &other,
        1,
        vec![accepted("a", 1, HandlingMode::Queue)],
    )
    .await;
    assert!(
        listed(store, &s).await && listed(store, &other).await,
        "store contract: list_sessions names every session stored"
    );
    write(store, &s, 3, vec![StoreWrite::SessionRemoved]).await;
    assert_eq!(
        load(store, &s).await,
        None,
        "store contract: SessionRemoved removes everything"
    );
    assert_eq!(
        version(store, &s).await,
        None,
        "store contract: a removed session has no version (settling a removal relies on it)"
    );
    assert!(
        !listed(store, &s).await,
        "store contract: a removed session is no longer listed"
    );
    assert_eq!(
        loaded(store, &other).await.inputs.len(),
        1,
        "store contract: sessions do not see each other's rows"
    );
    // A removed session starts again at version 1, with no commit fence.
    let anew = vec![
        accepted("a", 1, HandlingMode::Queue),
        staged(1, &["a"]),
        committed(1, &["a"]),
    ];
    applies(
        store,
        &s,
        1,
        anew,
        "a removed session starts afresh: version 1, no commit fence",
    )
    .await;
    // A removal ends its batch: nothing is written about a session after it is gone in
    // the same transaction (the runtime writes it alone), and such a batch is refused
    // whole, the removal too.
    let after_removal = [
        accepted("b", 2, HandlingMode::Queue),
        StoreWrite::Lifecycle {
            phase: RuntimePhase::Idle,
        },
        StoreWrite::SessionRemoved,
    ];
    for after in after_removal {
        let rule = format!(
            "a write after SessionRemoved in its batch ({:?})",
            after.kind()
        );
        let batch = vec![StoreWrite::SessionRemoved, after];
        refused(store, &s, 2, batch, &rule).await;
    }
}
