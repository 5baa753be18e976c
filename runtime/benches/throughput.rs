//! Accept-to-completion cost of `SessionRuntime` with a no-op executor, compared in the same
//! run with a minimal hand-written tokio loop doing the same hand-offs (accept -> queue ->
//! loop task -> executor call -> completion oneshot). The runtime is measured twice: as
//! `SessionRuntime::new()` builds it (no store) and writing every durable fact to an
//! `InMemoryStore` (`with_store`), which shows what the store seam costs before any
//! database does.
//!
//! Criterion measures throughput for three shapes: one session driven one input at a time
//! (`sequential`), one session with up to 256 inputs in flight (`pipelined`), and 1,000
//! sessions each driven one input at a time (`sessions_1000`). After criterion, a report
//! pass records every input's accept-to-completion latency (p50/p99) for the same shapes
//! and measures the heap cost of an idle session with a counting global allocator.
//! Results: docs/benchmarks.md.

use async_trait::async_trait;
use criterion::{Criterion, Throughput};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{HashMap, VecDeque};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use suricate_runtime::{
    CompletionOutcome, Executor, ExecutorError, InMemoryStore, RunBoundary, RunId, RunOutput,
    RunPrimitive, RuntimeInput, SessionId, SessionRuntime, StopReason,
};
use tokio::sync::{mpsc, oneshot};

// ---- Counting allocator ------------------------------------------------------------------

/// Per-thread counters, each on its own cache line and written only by its thread (a plain
/// load and store, no locked instruction), so that counting costs the measured systems
/// next to nothing: a shared atomic would bounce between the workers on every allocation
/// and tax the allocation-heavy system most. Readers sum every slot.
#[repr(align(64))]
struct Slot {
    /// Heap bytes allocated minus bytes freed by this thread (negative when it frees what
    /// others allocated; the sum over all slots is the process's live heap).
    bytes: AtomicIsize,
    /// Allocation calls (`alloc`, `alloc_zeroed`, `realloc`) by this thread.
    calls: AtomicIsize,
}

const SLOTS: usize = 64;
static COUNTERS: [Slot; SLOTS] = [const {
    Slot {
        bytes: AtomicIsize::new(0),
        calls: AtomicIsize::new(0),
    }
}; SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's slot. Threads past `SLOTS` share slots, and then an update can race
    /// with another thread's; the bench has far fewer threads.
    static SLOT: usize = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS;
}

fn count(bytes: isize, calls: isize) {
    let slot = &COUNTERS[SLOT.try_with(|s| *s).unwrap_or(SLOTS - 1)];
    slot.bytes.store(
        slot.bytes.load(Ordering::Relaxed) + bytes,
        Ordering::Relaxed,
    );
    slot.calls.store(
        slot.calls.load(Ordering::Relaxed) + calls,
        Ordering::Relaxed,
    );
}

/// Live heap bytes (allocations minus deallocations) of the whole process.
fn live_bytes() -> isize {
    COUNTERS
        .iter()
        .map(|s| s.bytes.load(Ordering::Relaxed))
        .sum()
}

/// Allocation calls of the whole process so far.
fn allocation_calls() -> isize {
    COUNTERS
        .iter()
        .map(|s| s.calls.load(Ordering::Relaxed))
        .sum()
}

struct Counting;

// SAFETY: defers every call to `System` unchanged and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize, 1);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize, 1);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize), 0);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize, 1);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---- The two systems under test ----------------------------------------------------------

/// Does nothing and succeeds: what is measured is the runtime around it.
struct Noop;

#[async_trait]
impl Executor for Noop {
    async fn apply(&self, _run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
        Ok(RunOutput::default())
    }

    async fn stop(&self, _reason: StopReason) {}
}

/// One queued input of the hand-written loop and where its outcome goes.
struct Handoff {
    input: RuntimeInput,
    done: oneshot::Sender<Result<RunOutput, ExecutorError>>,
}

/// The baseline: a session map, one unbounded queue and one loop task per session, one
/// executor call per input (a prompt runs alone), the outcome sent back on a oneshot. No
/// kernel, no store, no waiter registry, no events.
#[derive(Default)]
struct HandLoop {
    sessions: RwLock<HashMap<SessionId, mpsc::UnboundedSender<Handoff>>>,
}

impl HandLoop {
    fn attach(&self, id: SessionId, executor: Arc<dyn Executor>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Handoff>();
        let session = id.clone();
        tokio::spawn(async move {
            let mut next_run = 1;
            while let Some(Handoff { input, done }) = rx.recv().await {
                let run = RunPrimitive {
                    session: session.clone(),
                    run: RunId(next_run),
                    contributors: vec![Arc::new(input)],
                    boundary: RunBoundary::Prompt,
                    attempt: 1,
                };
                next_run += 1;
                let _ = done.send(executor.apply(run).await);
            }
        });
        self.sessions.write().expect("not poisoned").insert(id, tx);
    }

    fn accept(
        &self,
        id: &SessionId,
        input: RuntimeInput,
    ) -> oneshot::Receiver<Result<RunOutput, ExecutorError>> {
        let (done, receiver) = oneshot::channel();
        let sessions = self.sessions.read().expect("not poisoned");
        sessions
            .get(id)
            .expect("attached")
            .send(Handoff { input, done })
            .unwrap_or_else(|_| panic!("loop of {id} is gone"));
        receiver
    }
}

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `SessionRuntime::new()`: no store.
    Runtime,
    /// `SessionRuntime::with_store` and an `InMemoryStore`: every durable fact written, as
    /// to a real store, minus the database.
    RuntimeInMemoryStore,
    HandLoop,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Runtime => "runtime",
            Kind::RuntimeInMemoryStore => "runtime_in_memory_store",
            Kind::HandLoop => "hand_loop",
        }
    }
}

/// Either system, behind one driver interface.
#[derive(Clone)]
enum Subject {
    Runtime(Arc<SessionRuntime>),
    Hand(Arc<HandLoop>),
}

type Pending = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;

impl Subject {
    /// A fresh system with `n` attached sessions `s0..s{n-1}`.
    async fn build(kind: Kind, n: usize) -> (Subject, Vec<SessionId>) {
        let ids: Vec<SessionId> = (0..n).map(|i| SessionId::from(format!("s{i}"))).collect();
        let system = if kind != Kind::HandLoop {
            let rt = Arc::new(if kind == Kind::RuntimeInMemoryStore {
                SessionRuntime::with_store(Arc::new(InMemoryStore::new()))
            } else {
                SessionRuntime::new()
            });
            for id in &ids {
                rt.ensure_executor(id, Arc::new(Noop))
                    .await
                    .expect("attach");
            }
            Subject::Runtime(rt)
        } else {
            let hand = Arc::new(HandLoop::default());
            for id in &ids {
                hand.attach(id.clone(), Arc::new(Noop));
            }
            Subject::Hand(hand)
        };
        (system, ids)
    }

    /// Ends every loop task, so a run's sessions do not outlive it (untimed). A runtime's
    /// loops hold their session, so dropping the `SessionRuntime` alone would not end them.
    async fn shutdown(&self, ids: &[SessionId]) {
        match self {
            Subject::Runtime(rt) => {
                for id in ids {
                    rt.unregister_session(id).await.expect("unregister");
                }
            }
            Subject::Hand(hand) => hand.sessions.write().expect("not poisoned").clear(),
        }
    }

    /// Accepts a prompt; the returned future resolves to whether it completed.
    async fn submit(&self, session: &SessionId, i: u64) -> Pending {
        let input = RuntimeInput::prompt(format!("p{i}"), "hello");
        match self {
            Subject::Runtime(rt) => {
                let acceptance = rt.accept(session, input).await.expect("accepted");
                let handle = acceptance.completion.expect("a prompt has a handle");
                Box::pin(async move { matches!(handle.await, CompletionOutcome::Completed(_)) })
            }
            Subject::Hand(hand) => {
                let receiver = hand.accept(session, input);
                Box::pin(async move { matches!(receiver.await, Ok(Ok(_))) })
            }
        }
    }
}

// ---- Drivers -----------------------------------------------------------------------------

/// Latencies of completed inputs, when a driver is asked to record them.
type Latencies = Vec<Duration>;

/// One input at a time: accept, wait for completion, repeat.
async fn sequential(system: Subject, session: SessionId, inputs: u64, record: bool) -> Latencies {
    let mut latencies = Vec::with_capacity(if record { inputs as usize } else { 0 });
    for i in 0..inputs {
        let start = Instant::now();
        let completed = system.submit(&session, i).await.await;
        assert!(completed, "input {i} did not complete");
        if record {
            latencies.push(start.elapsed());
        }
    }
    latencies
}

/// Inputs in flight at once in the pipelined shape.
const WINDOW: usize = 256;

/// Keeps up to `WINDOW` inputs in flight on one session, awaiting the oldest when full.
async fn pipelined(system: Subject, session: SessionId, inputs: u64, record: bool) -> Latencies {
    let mut latencies = Vec::with_capacity(if record { inputs as usize } else { 0 });
    let mut in_flight: VecDeque<(Instant, Pending)> = VecDeque::with_capacity(WINDOW);
    for i in 0..inputs {
        if in_flight.len() == WINDOW {
            let oldest = in_flight.pop_front().expect("window is full");
            finish(oldest, record, &mut latencies).await;
        }
        let start = Instant::now();
        in_flight.push_back((start, system.submit(&session, i).await));
    }
    while let Some(oldest) = in_flight.pop_front() {
        finish(oldest, record, &mut latencies).await;
    }
    latencies
}

async fn finish((start, pending): (Instant, Pending), record: bool, latencies: &mut Latencies) {
    assert!(pending.await, "an input did not complete");
    if record {
        latencies.push(start.elapsed());
    }
}

/// Every session driven by its own task, `rounds` inputs each, one at a time.
async fn many_sessions(
    system: Subject,
    sessions: Vec<SessionId>,
    rounds: u64,
    record: bool,
) -> Latencies {
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|s| tokio::spawn(sequential(system.clone(), s, rounds, record)))
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("driver task"));
    }
    all
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Sequential,
    Pipelined,
    Sessions1000,
}

impl Shape {
    fn sessions(self) -> usize {
        match self {
            Shape::Sessions1000 => 1000,
            _ => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Shape::Sequential => "one_session_sequential",
            Shape::Pipelined => "one_session_pipelined",
            Shape::Sessions1000 => "sessions_1000",
        }
    }

    /// Runs `units` (inputs, or rounds of one input per session) on a fresh system;
    /// returns the time spent driving them (setup excluded) and the latencies.
    fn run(
        self,
        rt: &tokio::runtime::Runtime,
        kind: Kind,
        units: u64,
        record: bool,
    ) -> (Duration, Latencies) {
        rt.block_on(async move {
            let (system, ids) = Subject::build(kind, self.sessions()).await;
            let (driven, first) = (system.clone(), ids[0].clone());
            let all = ids.clone();
            // The drivers run as tasks on the workers, like request handlers would.
            let driver = tokio::spawn(async move {
                let start = Instant::now();
                let latencies = match self {
                    Shape::Sequential => sequential(driven, first, units, record).await,
                    Shape::Pipelined => pipelined(driven, first, units, record).await,
                    Shape::Sessions1000 => many_sessions(driven, all, units, record).await,
                };
                (start.elapsed(), latencies)
            });
            let measured = driver.await.expect("driver");
            system.shutdown(&ids).await;
            measured
        })
    }
}

/// One worker: a single session's work is sequential, and a second worker only adds
/// cross-thread wake-ups to both systems (measured in docs/benchmarks.md, 2026-11-29).
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

// ---- Criterion: throughput ---------------------------------------------------------------

fn throughput(c: &mut Criterion) {
    let rt = tokio_runtime();
    for shape in [Shape::Sequential, Shape::Pipelined, Shape::Sessions1000] {
        let mut group = c.benchmark_group(shape.name());
        group.throughput(Throughput::Elements(shape.sessions() as u64));
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(6));
        for kind in [Kind::Runtime, Kind::RuntimeInMemoryStore, Kind::HandLoop] {
            group.bench_function(kind.name(), |b| {
                b.iter_custom(|iters| black_box(shape.run(&rt, kind, iters, false)).0)
            });
        }
        group.finish();
    }
}

// ---- Report: latency percentiles and memory ----------------------------------------------

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn latency_report(rt: &tokio::runtime::Runtime, quick: bool) {
    println!("\nAccept-to-completion latency (no-op executor)");
    println!(
        "{:<24} {:<22} {:>9} {:>12} {:>10} {:>10}",
        "shape", "system", "inputs", "inputs/s", "p50", "p99"
    );
    for shape in [Shape::Sequential, Shape::Pipelined, Shape::Sessions1000] {
        let units: u64 = match (shape, quick) {
            (Shape::Sessions1000, true) => 2,
            (Shape::Sessions1000, false) => 100,
            (_, true) => 1_000,
            (_, false) => 100_000,
        };
        for kind in [Kind::Runtime, Kind::RuntimeInMemoryStore, Kind::HandLoop] {
            let (elapsed, mut latencies) = shape.run(rt, kind, units, true);
            latencies.sort_unstable();
            let inputs = latencies.len();
            println!(
                "{:<24} {:<22} {:>9} {:>12.0} {:>10.2?} {:>10.2?}",
                shape.name(),
                kind.name(),
                inputs,
                inputs as f64 / elapsed.as_secs_f64(),
                percentile(&latencies, 50.0),
                percentile(&latencies, 99.0),
            );
        }
    }
}

/// Heap bytes per idle session (registered, executor attached, loop parked), and heap
/// retained per completed input by a live session.
fn memory_report(rt: &tokio::runtime::Runtime, quick: bool) {
    let n = if quick { 100 } else { 10_000 };
    let inputs: u64 = if quick { 1_000 } else { 100_000 };
    println!("\nHeap (counting global allocator; {n} idle sessions, {inputs} completed inputs)");
    println!(
        "{:<22} {:>20} {:>26} {:>18}",
        "system", "bytes/idle session", "bytes retained/input", "allocations/input"
    );
    for kind in [Kind::Runtime, Kind::RuntimeInMemoryStore, Kind::HandLoop] {
        let (idle, retained, allocs) = rt.block_on(async move {
            // Warm-up: tokio's and the allocator's one-off structures are not per session.
            let (warm, warm_ids) = Subject::build(kind, 8).await;
            warm.shutdown(&warm_ids).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let before = live_bytes();
            let (system, ids) = Subject::build(kind, n).await;
            // Let every loop task run up to its first park.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let after = live_bytes();
            // The ids are the caller's, not the runtime's (each an `Arc<str>`: two counters
            // and the text).
            let ids_bytes: isize = ids
                .iter()
                .map(|id| (2 * std::mem::size_of::<usize>() + id.as_str().len()) as isize)
                .sum::<isize>()
                + (ids.capacity() * std::mem::size_of::<SessionId>()) as isize;
            let idle = (after - before - ids_bytes) as f64 / n as f64;
            // Drive one session, then see what it still holds once every input is done.
            let start = live_bytes();
            let allocs_before = allocation_calls();
            let latencies = sequential(system.clone(), ids[0].clone(), inputs, false).await;
            // Includes the driver's own (the input it builds, its boxed wait): the same
            // for every system.
            let allocs = (allocation_calls() - allocs_before) as f64 / inputs as f64;
            drop(latencies);
            tokio::time::sleep(Duration::from_millis(50)).await;
            let retained = (live_bytes() - start) as f64 / inputs as f64;
            black_box(&ids);
            system.shutdown(&ids).await;
            (idle, retained, allocs)
        });
        println!(
            "{:<22} {idle:>20.0} {retained:>26.0} {allocs:>18.1}",
            kind.name()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Listing, or profiling one benchmark: no report pass.
    let listing = args.iter().any(|a| a == "--list" || a == "--profile-time");
    // `cargo test --benches` / `cargo bench -- --test`: one quick pass to prove it works.
    let quick = args.iter().any(|a| a == "--test");
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion);
    criterion.final_summary();
    if !listing {
        let rt = tokio_runtime();
        latency_report(&rt, quick);
        memory_report(&rt, quick);
    }
}
