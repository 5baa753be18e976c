//! Suricate runtime: generated session kernels plus the tokio shell that runs them.
//!
//! The shell modules hold the consumer-facing vocabulary (`types`, `input`), the executor
//! seam (`executor`), completion handles (`completion`), the durable store seam (`store`),
//! the event stream (`events`) and errors (`error`); `testing` (the `testing` feature) has a
//! scriptable executor for consumers' tests and the contract check for store backends.
//!
//! `docs/runtime.md` in the repository is the user guide: what each operation does to a
//! session and its inputs, in which order operations run, what is written to the store,
//! and what the events and completion outcomes mean.
//!
//! An agent, and one prompt through a session:
//!
//! ```
//! use std::sync::Arc;
//! use suricate_runtime::{
//!     async_trait, Executor, ExecutorError, InputBody, RunOutput, RunPrimitive, RuntimeError,
//!     RuntimeInput, SessionId, SessionRuntime,
//! };
//!
//! /// Your agent: one per session.
//! struct Agent;
//!
//! #[async_trait]
//! impl Executor for Agent {
//!     async fn apply(&self, run: RunPrimitive) -> Result<RunOutput, ExecutorError> {
//!         // A prompt runs alone; other inputs may arrive together as one batch.
//!         let mut answer = String::new();
//!         for input in &run.contributors {
//!             if let InputBody::Prompt { text } = &input.body {
//!                 answer.push_str(&format!("echo: {text}"));
//!             }
//!         }
//!         Ok(RunOutput::text(answer))
//!     }
//!     // By default `stop` does nothing and `boundary_cancel` and `interrupt` offer no handle.
//! }
//!
//! async fn demo() -> Result<(), RuntimeError> {
//!     let runtime = SessionRuntime::new();
//!     let session = SessionId::from("s1");
//!     runtime.ensure_executor(&session, Arc::new(Agent)).await?;
//!     let acceptance = runtime.accept(&session, RuntimeInput::prompt("p1", "hello")).await?;
//!     let outcome = acceptance.completion.expect("a prompt has a handle").await;
//!     println!("{outcome:?}");
//!     // Ends every session's work for a graceful exit (stop hooks run, waiters are told).
//!     runtime.shutdown().await;
//!     Ok(())
//! }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
//!
//! Hash maps keyed by caller-chosen ids use `foldhash`: seeded per process (so minimally
//! resistant to crafted collisions) and several times cheaper than SipHash on the per-input
//! path, where every accept and run hashes ids a few times.

#![warn(missing_docs)]

pub mod completion;
mod control;
pub mod error;
pub mod events;
pub mod executor;
mod gate;
pub mod generated;
pub mod input;
mod kernel_io;
mod ledger;
mod runtime;
mod runtime_loop;
mod session;
pub mod store;
mod store_write;
mod tables;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod types;
mod wake;

/// `Executor` is an `async_trait` trait: implement it with this attribute (re-exported so
/// that embedders need no dependency of their own for it).
pub use async_trait::async_trait;
pub use completion::{CompletionHandle, CompletionOutcome, TerminationReason};
pub use error::{RuntimeError, RuntimeResult};
pub use events::{EventKind, RunOutcomeKind, RuntimeEvent};
pub use executor::{
    BoundaryCancel, Executor, ExecutorError, Interrupt, RunBoundary, RunOutput, RunPrimitive,
    StopReason,
};
pub use input::{InputBody, InputHeader, InputRejection, RuntimeInput};
pub use runtime::{
    AcceptOutcome, Acceptance, InputState, KernelSnapshot, RuntimeOptions, RuntimeState,
    SessionRuntime, WeakSessionRuntime,
};
pub use session::ControlReport;
pub use store::{
    InMemoryStore, RunReceipt, RuntimeStore, StoreError, StoreWrite, StoredInput,
    StoredInputRecord, StoredSession, TerminalRow, WriteKind,
};
pub use types::{
    AbandonReason, Durability, HandlingMode, InputId, InputKind, InputPhase, RunId, RuntimePhase,
    SessionId,
};
