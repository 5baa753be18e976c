//! The runtime's `tracing` output, as a consumer's subscriber sees it: a `transition` span
//! (session, id, from, to) for every kernel transition, a `run` span (session, run) around
//! every executor call, and where those spans sit in the consumer's own span tree.
//!
//! The subscriber is a small recorder written here (no `tracing-subscriber` dependency): it
//! keeps every span with its fields and parent, and every event with the span it was
//! recorded in. Each test installs it as the thread's default and runs on a current-thread
//! tokio runtime, so the runtime's own tasks (loops, operations moved to a task) run on the
//! same thread and report to it.

mod support;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use support::*;
use suricate_runtime::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Instrument, Metadata, Subscriber};
use tracing_core::span::Current;

#[derive(Debug, Clone)]
struct SpanRecord {
    name: &'static str,
    metadata: &'static Metadata<'static>,
    fields: BTreeMap<String, String>,
    parent: Option<u64>,
}

#[derive(Debug, Clone)]
struct EventRecord {
    level: tracing::Level,
    message: String,
    fields: BTreeMap<String, String>,
    /// The span it was recorded in.
    span: Option<u64>,
}

#[derive(Default)]
struct Recorded {
    spans: BTreeMap<u64, SpanRecord>,
    events: Vec<EventRecord>,
    /// The entered spans, innermost last (one thread).
    stack: Vec<u64>,
}

#[derive(Clone, Default)]
struct Recorder {
    recorded: Arc<Mutex<Recorded>>,
    next: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut recorded = self.recorded.lock().unwrap();
        let parent = if let Some(parent) = attrs.parent() {
            Some(parent.into_u64())
        } else if attrs.is_contextual() {
            recorded.stack.last().copied()
        } else {
            None
        };
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        recorded.spans.insert(
            id,
            SpanRecord {
                name: attrs.metadata().name(),
                metadata: attrs.metadata(),
                fields,
                parent,
            },
        );
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut recorded = self.recorded.lock().unwrap();
        if let Some(span) = recorded.spans.get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut recorded = self.recorded.lock().unwrap();
        let span = if let Some(parent) = event.parent() {
            Some(parent.into_u64())
        } else if event.is_contextual() {
            recorded.stack.last().copied()
        } else {
            None
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let message = fields.remove("message").unwrap_or_default();
        recorded.events.push(EventRecord {
            level: *event.metadata().level(),
            message,
            fields,
            span,
        });
    }

    /// What `Span::current()` answers (the runtime asks when it moves an operation to a
    /// task of its own).
    fn current_span(&self) -> Current {
        let recorded = self.recorded.lock().unwrap();
        match recorded.stack.last() {
            Some(id) => Current::new(Id::from_u64(*id), recorded.spans[id].metadata),
            None => Current::none(),
        }
    }

    fn enter(&self, span: &Id) {
        self.recorded.lock().unwrap().stack.push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut recorded = self.recorded.lock().unwrap();
        if let Some(at) = recorded.stack.iter().rposition(|s| *s == span.into_u64()) {
            recorded.stack.remove(at);
        }
    }
}

impl Recorder {
    fn spans(&self, name: &str) -> Vec<(u64, SpanRecord)> {
        let recorded = self.recorded.lock().unwrap();
        recorded
            .spans
            .iter()
            .filter(|(_, s)| s.name == name)
            .map(|(id, s)| (*id, s.clone()))
            .collect()
    }

    fn span(&self, id: u64) -> SpanRecord {
        self.recorded.lock().unwrap().spans[&id].clone()
    }

    fn events(&self) -> Vec<EventRecord> {
        self.recorded.lock().unwrap().events.clone()
    }

    /// The `transition` spans of session `s`, as (id, from, to), in the order they began.
    fn transitions(&self, s: &str) -> Vec<(String, String, String)> {
        self.spans("transition")
            .into_iter()
            .filter(|(_, span)| span.fields.get("session").map(String::as_str) == Some(s))
            .map(|(_, span)| {
                let field = |f: &str| span.fields.get(f).cloned().unwrap_or_default();
                (field("id"), field("from"), field("to"))
            })
            .collect()
    }
}

/// Runs `test` on a current-thread tokio runtime with `recorder` as the thread's subscriber.
fn traced<F: Future<Output = ()>>(recorder: &Recorder, test: impl FnOnce() -> F) {
    let _default = tracing::subscriber::set_default(recorder.clone());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test());
}

fn t(id: &str, from: &str, to: &str) -> (String, String, String) {
    (id.to_string(), from.to_string(), to.to_string())
}

/// One prompt through a session: each of its kernel transitions has its span with the
/// session, the transition and both phases, and the executor call runs in a `run` span
/// naming the session and the run.
#[test]
fn every_transition_and_every_run_has_its_span() {
    let recorder = Recorder::default();
    traced(&recorder, || async {
        let (runtime, s, _exec) = attached("s").await;
        let handle = accept(&runtime, &s, prompt("p")).await;
        assert!(is_completed(&outcome(handle).await));
    });
    let mut transitions = recorder.transitions("s");
    // A wake that arrived during the run makes the parked loop look once more.
    while transitions.last() == Some(&t("start_nothing", "Attached", "Attached")) {
        transitions.pop();
    }
    assert_eq!(
        transitions,
        vec![
            t("register", "Initializing", "Idle"),
            t("attach", "Idle", "Attached"),
            t("accept", "Attached", "Attached"),
            t("start_queue_run", "Attached", "Running"),
            t("run_applied", "Running", "Running"),
            t("commit_run", "Running", "Attached"),
        ]
    );
    let runs = recorder.spans("run");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].1.fields["session"], "s");
    assert_eq!(runs[0].1.fields["run"], "1");
}

/// A consumer that wraps its calls in a span of its own (a request, a job) finds the
/// transitions they caused under that span, whether the call finished on the caller's task
/// (an uncontended gate) or moved to a task of its own because it had to wait for the
/// session's gate.
#[test]
fn an_operation_that_waits_for_the_gate_keeps_the_callers_span() {
    let recorder = Recorder::default();
    let spans = recorder.clone();
    traced(&recorder, || async move {
        let store = PausableStore::new();
        let runtime = Arc::new(SessionRuntime::with_store(store.clone()));
        let s = sid("s");
        runtime.register_session(&s).await.unwrap();

        // Uncontended: finishes on the caller's task, inside its span.
        let direct = tracing::info_span!("direct");
        runtime
            .accept(&s, msg("a"))
            .instrument(direct.clone())
            .await
            .unwrap();

        // Contended: a write paused in the store holds the gate, so this accept waits for it
        // on a task of its own.
        store.pause();
        let holder = tokio::spawn({
            let runtime = runtime.clone();
            let s = s.clone();
            async move { runtime.accept(&s, msg("b")).await.map(|_| ()) }
        });
        eventually("the first write waits in the store", || async {
            store.waiting() == 1
        })
        .await;
        let waiting = tracing::info_span!("waiting");
        let contended = tokio::spawn({
            let runtime = runtime.clone();
            let s = s.clone();
            async move { runtime.accept(&s, msg("c")).await.map(|_| ()) }
                .instrument(waiting.clone())
        });
        // The spawned accept runs up to the gate (one thread: a yield polls it).
        settle_briefly().await;
        store.resume();
        holder.await.unwrap().unwrap();
        contended.await.unwrap().unwrap();

        let accepts: Vec<_> = spans
            .spans("transition")
            .into_iter()
            .filter(|(_, span)| span.fields["id"] == "accept")
            .collect();
        assert_eq!(accepts.len(), 3, "{accepts:?}");
        let parent = |i: usize| accepts[i].1.parent.map(|p| spans.span(p).name);
        assert_eq!(parent(0), Some("direct"));
        assert_eq!(parent(1), None, "the holder was called outside any span");
        assert_eq!(
            parent(2),
            Some("waiting"),
            "the contended accept's transition lost its caller's span"
        );
    });
}
/// A transition whose store write fails is rolled back: a consumer that logs transitions
/// from their spans must be able to tell it apart from one that took effect, so the
/// rollback is recorded in that transition's span (not only as a separate warning naming
/// the session).
#[test]
fn a_rolled_back_transition_says_so_in_its_span() {
    let recorder = Recorder::default();
    let spans = recorder.clone();
    traced(&recorder, || async move {
        let (runtime, store) = runtime_with_store();
        let s = sid("s");
        runtime.register_session(&s).await.unwrap();
        store.fail_next_writes(1);
        let refused = runtime.accept(&s, msg("a")).await;
        assert!(
            matches!(refused, Err(RuntimeError::Store(_))),
            "{refused:?}"
        );

        let accepts: Vec<u64> = spans
            .spans("transition")
            .into_iter()
            .filter(|(_, span)| span.fields["id"] == "accept")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(accepts.len(), 1);
        let in_span: Vec<String> = spans
            .events()
            .into_iter()
            .filter(|e| e.span == Some(accepts[0]))
            .map(|e| e.message)
            .collect();
        assert!(
            in_span.iter().any(|m| m.contains("rolled back")),
            "the accept's span records only {in_span:?}"
        );
    });
}

/// An executor whose `apply` panics: like a panic in any other consumer callback, it is
/// logged as an error (in the run's span), and the failed run's error says what the panic
/// said, so an audit log built from events or from traces can tell one panic from another.
#[test]
fn an_executor_panic_is_logged_in_the_run_span_with_its_message() {
    struct Panics;
    #[async_trait]
    impl Executor for Panics {
        async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
            panic!("the model client is gone (expected by this test)");
        }
    }
    let recorder = Recorder::default();
    let spans = recorder.clone();
    traced(&recorder, || async move {
        let runtime = SessionRuntime::new();
        let s = sid("s");
        let mut events = runtime.subscribe();
        runtime.ensure_executor(&s, Arc::new(Panics)).await.unwrap();
        let handle = accept(&runtime, &s, prompt("p")).await;
        let CompletionOutcome::Abandoned { error, .. } = outcome(handle).await else {
            panic!("the input should run out of attempts");
        };
        assert_eq!(
            error.as_deref(),
            Some("executor panicked: the model client is gone (expected by this test)")
        );
        let mut failures = 0;
        while let Ok(event) = events.try_recv() {
            if let EventKind::RunFinished { outcome, error, .. } = event.kind {
                assert_eq!(outcome, RunOutcomeKind::Failed);
                assert!(error.unwrap().contains("the model client is gone"));
                failures += 1;
            }
        }
        assert_eq!(failures, 3, "three attempts");

        let runs: Vec<u64> = spans.spans("run").into_iter().map(|(id, _)| id).collect();
        assert_eq!(runs.len(), 3);
        for run in runs {
            let logged: Vec<EventRecord> = spans
                .events()
                .into_iter()
                .filter(|e| e.span == Some(run) && e.level == tracing::Level::ERROR)
                .collect();
            assert_eq!(logged.len(), 1, "one error in run span {run}: {logged:?}");
            assert!(
                logged[0]
                    .fields
                    .get("panic")
                    .is_some_and(|p| p.contains("the model client")),
                "{logged:?}"
            );
        }
    });
}
