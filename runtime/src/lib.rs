//! Suricate runtime: generated session kernels plus the tokio shell that runs them.
//!
//! The shell modules hold the consumer-facing vocabulary (`types`, `input`), the executor
//! seam (`executor`), completion handles (`completion`), the durable store seam (`store`),
//! the event stream (`events`) and errors (`error`); `testing` has a scriptable executor.
//!
//! Hash maps keyed by caller-chosen ids use `foldhash`: seeded per process (so minimally
//! resistant to crafted collisions) and several times cheaper than SipHash on the per-input
//! path, where every accept and run hashes ids a few times.

pub mod completion;
mod control;
pub mod error;
pub mod events;
pub mod executor;
pub mod generated;
pub mod input;
mod kernel_io;
mod ledger;
mod runtime;
mod runtime_loop;
mod session;
pub mod store;
pub mod testing;
pub mod types;

pub use completion::{CompletionHandle, CompletionOutcome, TerminationReason};
pub use error::{RuntimeError, RuntimeResult};
pub use events::{EventKind, RunOutcomeKind, RuntimeEvent};
pub use executor::{
    BoundaryCancel, Executor, ExecutorError, Interrupt, RunBoundary, RunOutput, RunPrimitive,
};
pub use input::{InputBody, InputHeader, InputRejection, RuntimeInput};
pub use runtime::{
    AcceptOutcome, Acceptance, InputState, RuntimeOptions, RuntimeState, SessionRuntime,
};
pub use session::ControlReport;
pub use store::{
    InMemoryStore, RunReceipt, RuntimeStore, StoreError, StoreWrite, StoredInput,
    StoredInputRecord, StoredSession, TerminalRow, WriteKind,
};
pub use testing::{ScriptedExecutor, Step};
pub use types::{
    AbandonReason, Durability, HandlingMode, InputId, InputKind, InputPhase, RunId, RuntimePhase,
    SessionId,
};
