//! A destroyed session stays in the runtime (every later call on it is `Destroyed`), so it
//! must not keep what it held while it was live: its kernel forgot every input and key, and
//! so must the memory behind them. A destroyed session that had filled its
//! remembered-input window held 534 KB for good at 1,024 remembered inputs (8.55 MB at
//! 16,384): its kernel's undo records of the destroy, its whole former state (now dropped
//! by `Authority::reclaim`), and the shell's tables of ids, bodies and waiters, emptied but
//! still sized for the window (203 KB of it at 1,024; now freed); 18 KB now.
//!
//! Measured with a counting allocator (per thread: the test runs on a current-thread tokio
//! runtime, so the session's loop allocates and frees on the test's thread too).

use std::num::NonZeroU64;
use std::sync::Arc;
use suricate_runtime::*;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::live;

/// Completes every run.
struct Done;

#[async_trait]
impl Executor for Done {
    async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        Ok(RunOutput::text("done"))
    }
}

const REMEMBERED: u64 = 1024;

#[tokio::test]
async fn a_destroyed_session_keeps_nothing_of_its_window() {
    let options = RuntimeOptions::default()
        .with_remembered_inputs(NonZeroU64::new(REMEMBERED).expect("not zero"));
    let runtime = SessionRuntime::with_options(Arc::new(InMemoryStore::new()), options);
    // Another session first, so that the runtime's own tables are already allocated.
    runtime
        .register_session(&SessionId::from("other"))
        .await
        .unwrap();
    let base = live();
    let s = SessionId::from("s");
    assert!(runtime.ensure_executor(&s, Arc::new(Done)).await.unwrap());
    let fresh = live() - base;
    // Ephemeral, so the store keeps no rows of them; each with a key.
    for i in 0..REMEMBERED + 8 {
        let input = RuntimeInput::prompt(format!("input-{i}"), "x")
            .with_key(format!("key-{i}"))
            .durability(types::Durability::Ephemeral);
        let accepted = runtime.accept(&s, input).await.unwrap();
        let outcome = accepted.completion.expect("a waiter").await;
        assert!(
            matches!(outcome, CompletionOutcome::Completed(_)),
            "{outcome:?}"
        );
    }
    let full = live() - base;
    runtime.destroy(&s).await.unwrap();
    // Let the loop see it is detached and exit.
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
    assert!(matches!(
        runtime.runtime_state(&s).await,
        Err(RuntimeError::Destroyed(_))
    ));
    let held = live() - base;
    // What may stay beyond a fresh session's: the kernel's emptied `finished`, which keeps
    // its buffer (up to twice the window), and a little slack.
    let allowed = fresh + 2 * (REMEMBERED as isize + 8) * 8 + 4096;
    assert!(
        held <= allowed,
        "a destroyed session holds {held} bytes (a fresh one {fresh}, a full one {full}; at \
         most {allowed} expected)"
    );
}
