//! Quickstart: one agent session driven through the `SessionRuntime`.
//!
//! Run with `cargo run -p suricate-runtime --example quickstart`. It shows
//!
//! 1. a prompt running to completion, with the executor printing its progress;
//! 2. a generic executor failure that the runtime retries on its own;
//! 3. a long run cancelled at its next boundary, while another prompt waits its turn;
//! 4. a stop that abandons the run in flight and everything queued behind it;
//! 5. a new executor reviving the session, and a retry under a used idempotency key that
//!    runs nothing;
//! 6. a shutdown, after which every call is refused.
//!
//! The executor (`DemoAgent`) is written here, as an embedding application would write its
//! own: it decides what to do from the prompt text. Everything is driven by signals, not
//! sleeps, so the output is the same on every run.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use suricate_runtime::{
    AcceptOutcome, BoundaryCancel, CompletionOutcome, ControlReport, EventKind, Executor,
    ExecutorError, InputBody, RunId, RunOutput, RunPrimitive, RuntimeInput, RuntimePhase,
    SessionId, SessionRuntime, StopReason, async_trait,
};
use tokio::sync::{Notify, mpsc};

/// A toy agent. Prompts starting with `flaky:` fail on their first attempt; prompts
/// starting with `long:` park until the run is cancelled at a boundary or the agent is
/// stopped. Anything else completes after a few progress steps.
#[derive(Clone)]
struct DemoAgent {
    inner: Arc<AgentInner>,
}

struct AgentInner {
    control: Mutex<Control>,
    /// Woken whenever `control` changes, so a parked run re-checks it.
    changed: Notify,
    /// Tells the driver which run just parked (so it knows what to cancel, and when).
    parked: mpsc::UnboundedSender<RunId>,
}

#[derive(Default)]
struct Control {
    /// Runs asked to end at their next boundary.
    cancelled: HashSet<RunId>,
    stopped: bool,
}

impl DemoAgent {
    fn new() -> (Self, mpsc::UnboundedReceiver<RunId>) {
        let (parked, parked_rx) = mpsc::unbounded_channel();
        let agent = DemoAgent {
            inner: Arc::new(AgentInner {
                control: Mutex::new(Control::default()),
                changed: Notify::new(),
                parked,
            }),
        };
        (agent, parked_rx)
    }
}

impl AgentInner {
    fn control(&self) -> std::sync::MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Parks `run` until it is cancelled at a boundary or the agent is stopped.
    async fn park(&self, run: RunId) -> ExecutorError {
        // A parked run is interrupted only by the runtime's signals, never by a timer.
        let _ = self.parked.send(run);
        loop {
            let notified = self.changed.notified();
            {
                let control = self.control();
                if control.stopped {
                    return ExecutorError::Stopped;
                }
                if control.cancelled.contains(&run) {
                    return ExecutorError::Cancelled;
                }
            }
            notified.await;
        }
    }
}

#[async_trait]
impl Executor for DemoAgent {
    async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        let Some(input) = run.contributors.first() else {
            return Ok(RunOutput::text("nothing to do"));
        };
        let text = match &input.body {
            InputBody::Prompt { text } => text.as_str(),
            _ => "",
        };
        println!(
            "  [agent] {} picks up {} \"{}\" (attempt {})",
            run.run,
            input.id(),
            text,
            run.attempt
        );

        // The runtime says which attempt this is; a flaky prompt succeeds on its second.
        if text.starts_with("flaky:") && run.attempt == 1 {
            println!(
                "  [agent] {}: upstream timed out, giving up on this attempt",
                run.run
            );
            return Err(ExecutorError::Failed("upstream timed out".into()));
        }
        if text.starts_with("long:") {
            println!("  [agent] {}: this will take a while...", run.run);
            // Returns only with an error: the demo never lets a long run finish.
            return Err(self.inner.park(run.run).await);
        }
        for (step, what) in ["reading", "thinking", "writing"].iter().enumerate() {
            println!("  [agent] {}: step {}/3 {}", run.run, step + 1, what);
            tokio::task::yield_now().await;
        }
        Ok(RunOutput::text(format!("answer to \"{text}\"")))
    }

    async fn stop(&self, reason: StopReason) {
        println!("  [agent] stop hook called ({reason}): shutting down");
        self.inner.control().stopped = true;
        self.inner.changed.notify_waiters();
    }

    fn boundary_cancel(&self) -> Option<Arc<dyn BoundaryCancel>> {
        Some(self.inner.clone())
    }
}

impl BoundaryCancel for AgentInner {
    fn cancel_after_boundary(&self, run: RunId) {
        println!("  [agent] {run}: asked to stop at the next boundary");
        self.control().cancelled.insert(run);
        self.changed.notify_waiters();
    }
}

/// What the example observed; its test checks these.
#[derive(Debug)]
struct Summary {
    outcomes: Vec<(String, CompletionOutcome)>,
    /// Attempts the flaky prompt needed.
    flaky_attempts: u64,
    // The next two are printed as they happen and checked by the test below.
    #[cfg_attr(not(test), allow(dead_code))]
    stop: ControlReport,
    /// What a retry under a stopped input's key was told.
    #[cfg_attr(not(test), allow(dead_code))]
    retry: AcceptOutcome,
    final_phase: RuntimePhase,
    events: EventCounts,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct EventCounts {
    accepted: usize,
    runs_started: usize,
    runs_finished: usize,
    terminal: usize,
    /// The phases the session went through, as `PhaseChanged` reported them.
    phases: Vec<RuntimePhase>,
}

fn describe(outcome: &CompletionOutcome) -> String {
    match outcome {
        CompletionOutcome::Completed(output) => format!("completed: {}", output.text),
        CompletionOutcome::Cancelled => "cancelled".to_string(),
        CompletionOutcome::Abandoned { reason, error } => match error {
            Some(error) => format!("abandoned ({reason}): {error}"),
            None => format!("abandoned ({reason})"),
        },
        CompletionOutcome::RuntimeTerminated { reason } => {
            format!("ended by the runtime ({reason})")
        }
        // Outcomes a later version may add.
        other => format!("{other:?}"),
    }
}

/// The whole example; `main` only calls it.
async fn run() -> Result<Summary, Box<dyn std::error::Error>> {
    let runtime = SessionRuntime::new();
    let mut events = runtime.subscribe();
    let session = SessionId::from("demo");
    let (agent, mut parked) = DemoAgent::new();
    runtime.ensure_executor(&session, Arc::new(agent)).await?;
    println!("session {session} registered, executor attached");
    let mut outcomes = Vec::new();

    println!("\n1. A prompt runs to completion");
    let p1 = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p1", "summarise the design doc"),
        )
        .await?;
    let outcome = p1.completion.ok_or("p1 has no handle")?.await;
    println!("p1 -> {}", describe(&outcome));
    outcomes.push(("p1".to_string(), outcome));

    println!("\n2. A generic failure is retried by the runtime");
    let p2 = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p2", "flaky: fetch the weather"),
        )
        .await?;
    let outcome = p2.completion.ok_or("p2 has no handle")?.await;
    let flaky_attempts = runtime
        .input_state(&session, &"p2".into())
        .await?
        .map_or(0, |s| s.attempts);
    println!(
        "p2 -> {} (after {flaky_attempts} attempts)",
        describe(&outcome)
    );
    outcomes.push(("p2".to_string(), outcome));

    println!("\n3. A long run is cancelled at its next boundary; the queued prompt runs next");
    let p3 = runtime
        .accept(&session, RuntimeInput::prompt("p3", "long: write a novel"))
        .await?;
    let long_run = parked.recv().await.ok_or("the agent went away")?;
    let p4 = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p4", "translate the abstract"),
        )
        .await?;
    println!("p4 waits in the queue while {long_run} is busy");
    let dispatched = runtime.cancel_after_boundary(&session).await?;
    // The loop moves on to p4 at once; wait for both before printing, so the agent's
    // lines and ours never interleave.
    let (o3, o4) = (
        p3.completion.ok_or("p3 has no handle")?.await,
        p4.completion.ok_or("p4 has no handle")?.await,
    );
    println!("cancel_after_boundary (called while {long_run} was busy) dispatched: {dispatched}");
    println!("p3 -> {}", describe(&o3));
    println!("p4 -> {}", describe(&o4));
    outcomes.push(("p3".to_string(), o3));
    outcomes.push(("p4".to_string(), o4));

    println!("\n4. Stop abandons the run in flight and the queue behind it");
    let p5 = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p5", "long: plan the quarter"),
        )
        .await?;
    parked.recv().await.ok_or("the agent went away")?;
    let p6 = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p6", "draft the announcement").with_key("announcement"),
        )
        .await?;
    let stop = runtime.stop(&session).await?;
    println!(
        "stop: {} inputs abandoned (their handles say: ended by the runtime), executor attached: {}",
        stop.abandoned,
        runtime.has_executor(&session)
    );
    let (o5, o6) = (
        p5.completion.ok_or("p5 has no handle")?.await,
        p6.completion.ok_or("p6 has no handle")?.await,
    );
    println!("p5 -> {}", describe(&o5));
    println!("p6 -> {}", describe(&o6));
    outcomes.push(("p5".to_string(), o5));
    outcomes.push(("p6".to_string(), o6));
    let refused = runtime
        .accept(&session, RuntimeInput::prompt("p7", "anyone there?"))
        .await;
    if let Err(e) = &refused {
        println!("accept after stop -> error: {e}");
    }

    println!("\n5. A new executor revives the session; a used key runs nothing again");
    let (agent, _parked) = DemoAgent::new();
    runtime.ensure_executor(&session, Arc::new(agent)).await?;
    println!(
        "executor attached again, session is {}",
        runtime.runtime_state(&session).await?.phase
    );
    // A client retrying p6 with its key: idempotency means at most once, so nothing runs,
    // and the outcome names the input that owns the key.
    let retry = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p6-retry", "draft the announcement").with_key("announcement"),
        )
        .await?;
    if let AcceptOutcome::Deduplicated { original } = &retry.outcome {
        let how = match runtime.input_state(&session, original).await? {
            Some(state) => match state.abandoned {
                Some(reason) => format!("was abandoned ({reason})"),
                None => format!("is {:?}", state.phase),
            },
            None => "is forgotten".to_string(),
        };
        println!("retry under p6's key -> deduplicated: the key's input {original} {how}");
    }
    let p8 = runtime
        .accept(
            &session,
            RuntimeInput::prompt("p8", "draft the announcement").with_key("announcement-2"),
        )
        .await?;
    let o8 = p8.completion.ok_or("p8 has no handle")?.await;
    println!("p8 (a new key) -> {}", describe(&o8));
    outcomes.push(("p8".to_string(), o8));
    let final_phase = runtime.runtime_state(&session).await?.phase;

    println!("\n6. Shutdown ends the runtime's work for a graceful exit");
    runtime.shutdown().await;
    let refused = runtime
        .accept(&session, RuntimeInput::prompt("p9", "one more thing"))
        .await;
    match refused {
        Err(e) => println!("an accept after the shutdown -> {e}"),
        Ok(_) => return Err("an accept after the shutdown was admitted".into()),
    }

    // Every event was published before the operation that caused it returned.
    let mut counts = EventCounts::default();
    while let Ok(event) = events.try_recv() {
        match event.kind {
            EventKind::InputAccepted { .. } => counts.accepted += 1,
            EventKind::RunStarted { .. } => counts.runs_started += 1,
            EventKind::RunFinished { .. } => counts.runs_finished += 1,
            EventKind::InputTerminal { .. } => counts.terminal += 1,
            EventKind::PhaseChanged { phase } => counts.phases.push(phase),
            // Kinds a later version may add.
            _ => {}
        }
    }
    Ok(Summary {
        outcomes,
        flaky_attempts,
        stop,
        retry: retry.outcome,
        final_phase,
        events: counts,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let summary = run().await?;
    let count = |pred: fn(&CompletionOutcome) -> bool| {
        summary.outcomes.iter().filter(|(_, o)| pred(o)).count()
    };
    println!(
        "\nrecap: {} prompts: {} completed ({} attempts for the flaky one), {} cancelled, {} ended by stop; the session was {} before the shutdown",
        summary.outcomes.len(),
        count(|o| matches!(o, CompletionOutcome::Completed(_))),
        summary.flaky_attempts,
        count(|o| matches!(o, CompletionOutcome::Cancelled)),
        count(|o| matches!(o, CompletionOutcome::RuntimeTerminated { .. })),
        summary.final_phase,
    );
    let e = &summary.events;
    println!(
        "events: {} inputs accepted, {} runs started, {} runs finished, {} inputs terminal; phases {:?}",
        e.accepted, e.runs_started, e.runs_finished, e.terminal, e.phases
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use suricate_runtime::TerminationReason;

    /// Runs the whole example (this file is an example with `test = true`, so `cargo test`
    /// runs it) and checks that it told the story it prints.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_example_runs_to_completion() {
        let summary = tokio::time::timeout(Duration::from_secs(10), run())
            .await
            .expect("the example finishes quickly")
            .expect("the example succeeds");
        let outcome = |id: &str| {
            summary
                .outcomes
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, o)| o.clone())
                .expect("outcome recorded")
        };
        assert_eq!(
            outcome("p1"),
            CompletionOutcome::Completed(RunOutput::text("answer to \"summarise the design doc\""))
        );
        assert!(matches!(outcome("p2"), CompletionOutcome::Completed(_)));
        assert_eq!(summary.flaky_attempts, 2);
        assert_eq!(outcome("p3"), CompletionOutcome::Cancelled);
        assert!(matches!(outcome("p4"), CompletionOutcome::Completed(_)));
        let stopped = CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Stopped,
        };
        assert_eq!(outcome("p5"), stopped);
        assert_eq!(outcome("p6"), stopped);
        assert_eq!(summary.stop.abandoned, 2);
        assert_eq!(
            summary.retry,
            AcceptOutcome::Deduplicated {
                original: "p6".into()
            }
        );
        assert!(matches!(outcome("p8"), CompletionOutcome::Completed(_)));
        assert_eq!(summary.final_phase, RuntimePhase::Attached);
        // p1, p2 (twice), p3, p4, p5 and p8 reached an agent; p6 and its retry never did.
        // Every run that started also finished (p5's run, ended by the stop, as `Stopped`).
        assert_eq!(
            summary.events,
            EventCounts {
                accepted: 7,
                runs_started: 7,
                runs_finished: 7,
                terminal: 7,
                phases: vec![
                    RuntimePhase::Idle,
                    RuntimePhase::Attached,
                    RuntimePhase::Stopped,
                    RuntimePhase::Attached
                ],
            }
        );
    }
}
