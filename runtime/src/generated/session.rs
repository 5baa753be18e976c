// @generated from spec/session.machine by `cargo xtask gen`; do not edit.
//! Kernel of one agent session: registration and executor attachment, the lifecycle of
//! every accepted input, lanes and admission order, runs and their retries, cancellation,
//! and the control operations (stop, retire, reset, recycle, recover, destroy,
//! unregister).
//!
//! The shell (`suricate-runtime`) owns no semantics: it applies these inputs, realises
//! the effects (wakes, executor calls, store writes, waiter resolution) and rolls the
//! kernel back when a mechanical step fails.
//!
//! Kernel of machine `Session`, generated from `spec/session.machine` by `cargo xtask gen`.
#![allow(non_camel_case_types, non_snake_case, unused_parens, unused_comparisons)]

#![allow(dead_code)]

#![allow(
    clippy::nonminimal_bool,
    clippy::bool_comparison,
    clippy::collapsible_if,
    clippy::collapsible_else_if,
    clippy::if_same_then_else,
    clippy::double_parens,
    clippy::ptr_arg,
    clippy::absurd_extreme_comparisons,
    clippy::redundant_field_names
)]
#![allow(
    clippy::eq_op,
    clippy::overly_complex_bool_expr,
    clippy::impossible_comparisons,
    clippy::redundant_comparisons,
    clippy::double_comparisons,
    clippy::unnecessary_literal_unwrap
)]
#![allow(
    clippy::upper_case_acronyms,
    clippy::enum_variant_names,
    clippy::too_many_arguments
)]
#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::private_intra_doc_links,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags
)]
#![allow(
    clippy::doc_lazy_continuation,
    clippy::doc_overindented_list_items,
    clippy::tabs_in_doc_comments,
    clippy::doc_suspicious_footnotes,
    clippy::doc_nested_refdefs,
    clippy::empty_docs
)]
use ::suricate_kernel::OrdMap;
use std::collections::VecDeque;

/// An input, as a handle the shell assigns to the caller's id: one handle per id the
/// session remembers, so equal ids are equal handles. Handles keep the kernel's maps
/// cheap to search; the caller's ids never reach the kernel.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    ::serde::Serialize,
    ::serde::Deserialize
)]
#[serde(transparent)]
pub struct InputId(pub u64);

impl ::std::convert::From<u64> for InputId {
    fn from(value: u64) -> Self {
        InputId(value)
    }
}

impl ::std::fmt::Display for InputId {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// Identifier of a run, allocated by the kernel, increasing.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    ::serde::Serialize,
    ::serde::Deserialize
)]
#[serde(transparent)]
pub struct RunId(pub u64);

impl ::std::convert::From<u64> for RunId {
    fn from(value: u64) -> Self {
        RunId(value)
    }
}

impl ::std::fmt::Display for RunId {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// Idempotency key: inputs with the same key are one input.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    ::serde::Serialize,
    ::serde::Deserialize
)]
#[serde(transparent)]
pub struct IdemKey(pub String);

impl ::std::convert::From<String> for IdemKey {
    fn from(value: String) -> Self {
        IdemKey(value)
    }
}

impl ::std::convert::From<&str> for IdemKey {
    fn from(value: &str) -> Self {
        IdemKey(value.to_string())
    }
}

impl ::std::fmt::Display for IdemKey {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// What an input is; the kind decides how it may be batched and validated.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum Kind {
    /// A user turn: always runs alone; never `Derived`.
    Prompt,
    /// A one-way message from a peer agent.
    PeerMessage,
    /// A request from a peer; carries a request id.
    PeerRequest,
    /// A response to a peer request, not the last one.
    PeerResponseProgress,
    /// The last response to a peer request; names the request.
    PeerResponseTerminal,
    /// A notification from outside the agent system.
    ExternalEvent,
    /// Work the agent scheduled for itself.
    Continuation,
    /// Consumed on accept; never reaches the executor; never `Derived`.
    Operation,
}

impl Kind {
    /// Every variant, in declaration order.
    pub const ALL: [Kind; 8usize] = [
        Kind::Prompt,
        Kind::PeerMessage,
        Kind::PeerRequest,
        Kind::PeerResponseProgress,
        Kind::PeerResponseTerminal,
        Kind::ExternalEvent,
        Kind::Continuation,
        Kind::Operation,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Prompt => "Prompt",
            Kind::PeerMessage => "PeerMessage",
            Kind::PeerRequest => "PeerRequest",
            Kind::PeerResponseProgress => "PeerResponseProgress",
            Kind::PeerResponseTerminal => "PeerResponseTerminal",
            Kind::ExternalEvent => "ExternalEvent",
            Kind::Continuation => "Continuation",
            Kind::Operation => "Operation",
        }
    }
}

impl ::std::fmt::Display for Kind {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How an input must survive a crash; only `Durable` inputs have store rows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum Durability {
    /// Stored before it is accepted, through its whole lifecycle.
    Durable,
    /// In memory only.
    Ephemeral,
    /// Produced by the runtime or the agent, re-derivable from durable facts.
    Derived,
}

impl Durability {
    /// Every variant, in declaration order.
    pub const ALL: [Durability; 3usize] = [
        Durability::Durable,
        Durability::Ephemeral,
        Durability::Derived,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Durability::Durable => "Durable",
            Durability::Ephemeral => "Ephemeral",
            Durability::Derived => "Derived",
        }
    }
}

impl ::std::fmt::Display for Durability {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Steer inputs run before queued ones.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum Lane {
    /// `Lane::Queue`, a variant of the spec's enum.
    Queue,
    /// `Lane::Steer`, a variant of the spec's enum.
    Steer,
}

impl Lane {
    /// Every variant, in declaration order.
    pub const ALL: [Lane; 2usize] = [Lane::Queue, Lane::Steer];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Queue => "Queue",
            Lane::Steer => "Steer",
        }
    }
}

impl ::std::fmt::Display for Lane {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Queued -> Staged -> Applied -> Consumed, or Abandoned from any live phase. A failed
/// run (`fail_run`) or one lost to `recover` puts its contributors back to Queued.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum InputPhase {
    /// Waiting in its lane.
    Queued,
    /// A contributor of the run in flight.
    Staged,
    /// The executor returned; the commit is being made durable.
    Applied,
    /// Its run committed (terminal).
    Consumed,
    /// Ended without a commit (terminal); `reason` says why.
    Abandoned,
}

impl InputPhase {
    /// Every variant, in declaration order.
    pub const ALL: [InputPhase; 5usize] = [
        InputPhase::Queued,
        InputPhase::Staged,
        InputPhase::Applied,
        InputPhase::Consumed,
        InputPhase::Abandoned,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputPhase::Queued => "Queued",
            InputPhase::Staged => "Staged",
            InputPhase::Applied => "Applied",
            InputPhase::Consumed => "Consumed",
            InputPhase::Abandoned => "Abandoned",
        }
    }
}

impl ::std::fmt::Display for InputPhase {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an input ended without a commit.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum AbandonReason {
    /// Retired with no loop to drain it.
    Retired,
    /// `reset` cleared the session.
    Reset,
    /// The session stopped (`stop`, or the executor stopped itself).
    Stopped,
    /// `destroy` ended the session.
    Destroyed,
    /// Its run was cancelled; not retried.
    Cancelled,
    /// Its last allowed run (`max_attempts`) failed or was lost to `recover`.
    MaxAttemptsExhausted,
    /// The session left the runtime.
    Unregistered,
}

impl AbandonReason {
    /// Every variant, in declaration order.
    pub const ALL: [AbandonReason; 7usize] = [
        AbandonReason::Retired,
        AbandonReason::Reset,
        AbandonReason::Stopped,
        AbandonReason::Destroyed,
        AbandonReason::Cancelled,
        AbandonReason::MaxAttemptsExhausted,
        AbandonReason::Unregistered,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            AbandonReason::Retired => "Retired",
            AbandonReason::Reset => "Reset",
            AbandonReason::Stopped => "Stopped",
            AbandonReason::Destroyed => "Destroyed",
            AbandonReason::Cancelled => "Cancelled",
            AbandonReason::MaxAttemptsExhausted => "MaxAttemptsExhausted",
            AbandonReason::Unregistered => "Unregistered",
        }
    }
}

impl ::std::fmt::Display for AbandonReason {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why the executor's stop hook is called: what becomes of the session.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum StopReason {
    /// `stop`, or the executor's own `Stopped`: revivable by attaching again.
    Stopped,
    /// `destroy`: the session is over for good.
    Destroyed,
    /// `unregister`: the session left the runtime, its stored rows with it.
    Unregistered,
}

impl StopReason {
    /// Every variant, in declaration order.
    pub const ALL: [StopReason; 3usize] = [
        StopReason::Stopped,
        StopReason::Destroyed,
        StopReason::Unregistered,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Stopped => "Stopped",
            StopReason::Destroyed => "Destroyed",
            StopReason::Unregistered => "Unregistered",
        }
    }
}

impl ::std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the kernel knows about one accepted input.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Field `kind: Kind` of `Record`.
    pub kind: Kind,
    /// The lane it waits in while queued.
    pub lane: Lane,
    /// Field `durability: Durability` of `Record`.
    pub durability: Durability,
    /// Field `phase: InputPhase` of `Record`.
    pub phase: InputPhase,
    /// Runs this input has been staged into.
    pub attempts: u64,
    /// The last run it was staged into.
    pub last_run: Option<RunId>,
    /// Set when it is `Abandoned`.
    pub reason: Option<AbandonReason>,
    /// Its idempotency key, bound in `keys` while the session remembers it.
    pub key: Option<IdemKey>,
}

/// Coarse lifecycle phase of the machine.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum Phase {
    /// Created, not registered yet.
    Initializing,
    /// Registered without an executor: inputs queue, nothing runs.
    Idle,
    /// An executor and its runtime loop are attached; no run in flight.
    Attached,
    /// A run is in flight (`run` is set).
    Running,
    /// Closed to new input, its work drained (or, retired without a loop, abandoned).
    Retired,
    /// Stopped: pending work was abandoned; attaching an executor revives it.
    Stopped,
    /// Gone for good.
    Destroyed,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 7usize] = [
        Phase::Initializing,
        Phase::Idle,
        Phase::Attached,
        Phase::Running,
        Phase::Retired,
        Phase::Stopped,
        Phase::Destroyed,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Initializing => "Initializing",
            Phase::Idle => "Idle",
            Phase::Attached => "Attached",
            Phase::Running => "Running",
            Phase::Retired => "Retired",
            Phase::Stopped => "Stopped",
            Phase::Destroyed => "Destroyed",
        }
    }
}

impl ::std::fmt::Display for Phase {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Phase {
    /// The phase a new machine starts in.
    pub const INITIAL: Phase = Phase::Initializing;
    /// Terminal phases are never left.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Destroyed)
    }
}

/// The machine's whole state: the phase plus every declared field.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    /// The inputs the session remembers: every live one, and finished ones until
    /// they are forgotten (see `remember`).
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub inputs: OrdMap<InputId, Record>,
    /// The finished inputs the session remembers, in the order they finished.
    pub finished: VecDeque<InputId>,
    /// How many finished inputs a session remembers. Past that, each accept forgets
    /// the oldest ones (their state, their id and their idempotency key), so that a
    /// long-lived session does not grow without bound.
    pub remember: u64,
    /// The queue lane, in run order (admission order; a failed input goes to the
    /// back, a recovered one to the front).
    pub queue: VecDeque<InputId>,
    /// The steer lane, in the same order; drained before `queue`.
    pub steer: VecDeque<InputId>,
    /// Idempotency key -> the input that owns it.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub keys: OrdMap<IdemKey, InputId>,
    /// The run in flight, while Running.
    pub run: Option<RunId>,
    /// The id the next run gets; run ids are never reused within a session.
    pub next_run: RunId,
    /// Contributors of the run in flight, in admission order.
    pub staged: VecDeque<InputId>,
    /// A boundary cancel was already dispatched for the latest run. Cleared when the
    /// next run starts, not when a run ends: read it only while `Running`.
    pub cancel_dispatched: bool,
    /// `retire` was asked while work remained: drain, then retire.
    pub retiring: bool,
    /// Runs an input may have; a failure of its last one abandons it
    /// (`MaxAttemptsExhausted`).
    pub max_attempts: u64,
    /// Which attempt the latest run is for its contributors; they share it, since an
    /// input that has had a run before always runs alone.
    pub run_attempt: u64,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Initializing,
            inputs: OrdMap::new(),
            finished: VecDeque::new(),
            remember: 1024u64,
            queue: VecDeque::new(),
            steer: VecDeque::new(),
            keys: OrdMap::new(),
            run: None,
            next_run: RunId(1u64),
            staged: VecDeque::new(),
            cancel_dispatched: false,
            retiring: false,
            max_attempts: 3u64,
            run_attempt: 0u64,
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State::initial()
    }
}

/// A typed trigger of the machine.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Input {
    /// The spec's input `Register`.
    Register {
        /// Finished inputs to remember (`remember`); at least 1.
        remember: u64,
    },
    /// An executor is offered; at most one live loop exists per session. `loop_gone`: the
    /// shell has no live loop for the session (none attached, or the task of the one
    /// attached is gone, dropped with the tokio runtime it ran on), a fact only the shell can
    /// see.
    AttachExecutor {
        /// Field `loop_gone: bool` of input `AttachExecutor`.
        loop_gone: bool,
    },
    /// The spec's input `Accept`.
    Accept {
        /// Field `id: InputId` of input `Accept`.
        id: InputId,
        /// The caller's id is not empty.
        named: bool,
        /// Field `kind: Kind` of input `Accept`.
        kind: Kind,
        /// Field `lane: Lane` of input `Accept`.
        lane: Lane,
        /// Field `durability: Durability` of input `Accept`.
        durability: Durability,
        /// Field `key: Option<IdemKey>` of input `Accept`.
        key: Option<IdemKey>,
        /// The input carries a peer request id.
        has_request: bool,
        /// Wake the runtime loop (false for `accept_without_wake`).
        wake: bool,
    },
    /// Explicit wake after `accept_without_wake`.
    WakeLoop,
    /// The loop asks for the next batch. `unregistering`: an unregister of the session
    /// has begun (it may still be waiting for the gate).
    StartRun {
        /// Field `unregistering: bool` of input `StartRun`.
        unregistering: bool,
    },
    /// The executor applied the run.
    RunApplied {
        /// Field `run: RunId` of input `RunApplied`.
        run: RunId,
    },
    /// The run's results are durable.
    CommitRun {
        /// Field `run: RunId` of input `CommitRun`.
        run: RunId,
    },
    /// The executor failed generically (or the commit could not be written).
    FailRun {
        /// Field `run: RunId` of input `FailRun`.
        run: RunId,
    },
    /// The executor reported the run cancelled.
    CancelRun {
        /// Field `run: RunId` of input `CancelRun`.
        run: RunId,
    },
    /// The spec's input `CancelAfterBoundary`.
    CancelAfterBoundary {
        /// Only if that run is the one in flight (`none`: whichever is).
        run: Option<RunId>,
        /// The latest run whose executor call has returned (`none`: none has yet), a fact
        /// only the shell sees. While that run is in flight, the loop holds its result
        /// and has not recorded it yet.
        returned: Option<RunId>,
    },
    /// The spec's input `Interrupt`.
    Interrupt {
        /// The run it means; only the one in flight is interrupted.
        run: RunId,
        /// As for `CancelAfterBoundary`.
        returned: Option<RunId>,
    },
    /// `run`: the run whose executor stopped itself (the loop's report, stale unless that
    /// run is in flight); `none`: the `stop` operation.
    Stop {
        /// Field `run: Option<RunId>` of input `Stop`.
        run: Option<RunId>,
    },
    /// The spec's input `Retire`.
    Retire,
    /// The spec's input `Reset`.
    Reset,
    /// The spec's input `Recycle`.
    Recycle,
    /// The spec's input `Recover`.
    Recover {
        /// The latest run whose executor returned `Stopped` (`none`: none has), a fact
        /// only the shell sees. While that run is in flight, its stop is not recorded yet
        /// (the loop is waiting for the gate, or retrying the stop's store write).
        stopped: Option<RunId>,
    },
    /// The spec's input `Destroy`.
    Destroy,
    /// The spec's input `Unregister`.
    Unregister,
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Register { .. } => InputKind::Register,
            Input::AttachExecutor { .. } => InputKind::AttachExecutor,
            Input::Accept { .. } => InputKind::Accept,
            Input::WakeLoop => InputKind::WakeLoop,
            Input::StartRun { .. } => InputKind::StartRun,
            Input::RunApplied { .. } => InputKind::RunApplied,
            Input::CommitRun { .. } => InputKind::CommitRun,
            Input::FailRun { .. } => InputKind::FailRun,
            Input::CancelRun { .. } => InputKind::CancelRun,
            Input::CancelAfterBoundary { .. } => InputKind::CancelAfterBoundary,
            Input::Interrupt { .. } => InputKind::Interrupt,
            Input::Stop { .. } => InputKind::Stop,
            Input::Retire => InputKind::Retire,
            Input::Reset => InputKind::Reset,
            Input::Recycle => InputKind::Recycle,
            Input::Recover { .. } => InputKind::Recover,
            Input::Destroy => InputKind::Destroy,
            Input::Unregister => InputKind::Unregister,
        }
    }
}

/// The kind of an [`Input`], without its data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum InputKind {
    /// The kind of `Input::Register`.
    Register,
    /// An executor is offered; at most one live loop exists per session. `loop_gone`: the
    /// shell has no live loop for the session (none attached, or the task of the one
    /// attached is gone, dropped with the tokio runtime it ran on), a fact only the shell can
    /// see.
    AttachExecutor,
    /// The kind of `Input::Accept`.
    Accept,
    /// Explicit wake after `accept_without_wake`.
    WakeLoop,
    /// The loop asks for the next batch. `unregistering`: an unregister of the session
    /// has begun (it may still be waiting for the gate).
    StartRun,
    /// The executor applied the run.
    RunApplied,
    /// The run's results are durable.
    CommitRun,
    /// The executor failed generically (or the commit could not be written).
    FailRun,
    /// The executor reported the run cancelled.
    CancelRun,
    /// The kind of `Input::CancelAfterBoundary`.
    CancelAfterBoundary,
    /// The kind of `Input::Interrupt`.
    Interrupt,
    /// `run`: the run whose executor stopped itself (the loop's report, stale unless that
    /// run is in flight); `none`: the `stop` operation.
    Stop,
    /// The kind of `Input::Retire`.
    Retire,
    /// The kind of `Input::Reset`.
    Reset,
    /// The kind of `Input::Recycle`.
    Recycle,
    /// The kind of `Input::Recover`.
    Recover,
    /// The kind of `Input::Destroy`.
    Destroy,
    /// The kind of `Input::Unregister`.
    Unregister,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 18usize] = [
        InputKind::Register,
        InputKind::AttachExecutor,
        InputKind::Accept,
        InputKind::WakeLoop,
        InputKind::StartRun,
        InputKind::RunApplied,
        InputKind::CommitRun,
        InputKind::FailRun,
        InputKind::CancelRun,
        InputKind::CancelAfterBoundary,
        InputKind::Interrupt,
        InputKind::Stop,
        InputKind::Retire,
        InputKind::Reset,
        InputKind::Recycle,
        InputKind::Recover,
        InputKind::Destroy,
        InputKind::Unregister,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Register => "Register",
            InputKind::AttachExecutor => "AttachExecutor",
            InputKind::Accept => "Accept",
            InputKind::WakeLoop => "WakeLoop",
            InputKind::StartRun => "StartRun",
            InputKind::RunApplied => "RunApplied",
            InputKind::CommitRun => "CommitRun",
            InputKind::FailRun => "FailRun",
            InputKind::CancelRun => "CancelRun",
            InputKind::CancelAfterBoundary => "CancelAfterBoundary",
            InputKind::Interrupt => "Interrupt",
            InputKind::Stop => "Stop",
            InputKind::Retire => "Retire",
            InputKind::Reset => "Reset",
            InputKind::Recycle => "Recycle",
            InputKind::Recover => "Recover",
            InputKind::Destroy => "Destroy",
            InputKind::Unregister => "Unregister",
        }
    }
}

impl ::std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A typed output, returned as data, never executed by the kernel.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Effect {
    /// The spec's effect `Registered`.
    Registered,
    /// Spawn the runtime loop for the offered executor; an attachment whose loop is gone
    /// (`replace_lost_loop`) is replaced by it.
    SpawnLoop,
    /// Poke the runtime loop.
    Wake,
    /// End the runtime loop without calling the executor's stop hook.
    DetachLoop,
    /// Call the executor's stop hook (once) and end the runtime loop.
    StopExecutor {
        /// Field `reason: StopReason` of effect `StopExecutor`.
        reason: StopReason,
    },
    /// The spec's effect `Accepted`.
    Accepted {
        /// Field `input: InputId` of effect `Accepted`.
        input: InputId,
        /// Field `lane: Lane` of effect `Accepted`.
        lane: Lane,
    },
    /// Same key as an input still in flight: share its outcome.
    Joined {
        /// Field `input: InputId` of effect `Joined`.
        input: InputId,
    },
    /// Same key as an input already terminal.
    Deduplicated {
        /// Field `input: InputId` of effect `Deduplicated`.
        input: InputId,
    },
    /// `run`: the run that committed it; `none` for an operation, consumed on accept.
    Consumed {
        /// Field `input: InputId` of effect `Consumed`.
        input: InputId,
        /// Field `run: Option<RunId>` of effect `Consumed`.
        run: Option<RunId>,
    },
    /// The spec's effect `Abandoned`.
    Abandoned {
        /// Field `input: InputId` of effect `Abandoned`.
        input: InputId,
        /// Field `reason: AbandonReason` of effect `Abandoned`.
        reason: AbandonReason,
    },
    /// Put back in its lane after a failed run.
    Requeued {
        /// Field `input: InputId` of effect `Requeued`.
        input: InputId,
    },
    /// `prompt`: the run is a lone prompt (its boundary for the executor); otherwise a batch.
    /// `attempt`: which attempt the run is for its contributors (1 for a first run).
    RunStarted {
        /// Field `run: RunId` of effect `RunStarted`.
        run: RunId,
        /// Field `lane: Lane` of effect `RunStarted`.
        lane: Lane,
        /// Field `inputs: Seq<InputId>` of effect `RunStarted`.
        inputs: VecDeque<InputId>,
        /// Field `prompt: bool` of effect `RunStarted`.
        prompt: bool,
        /// Field `attempt: u64` of effect `RunStarted`.
        attempt: u64,
    },
    /// `park`: after this commit both lanes are empty and no retire is waiting, so a
    /// `StartRun` now would change nothing (`start_nothing` or `hold_for_unregister`): the
    /// loop parks without asking.
    RunCommitted {
        /// Field `run: RunId` of effect `RunCommitted`.
        run: RunId,
        /// Field `park: bool` of effect `RunCommitted`.
        park: bool,
    },
    /// The spec's effect `RunFailed`.
    RunFailed {
        /// Field `run: RunId` of effect `RunFailed`.
        run: RunId,
    },
    /// The spec's effect `RunCancelled`.
    RunCancelled {
        /// Field `run: RunId` of effect `RunCancelled`.
        run: RunId,
    },
    /// A control operation ended the run in flight (stop, destroy, unregister, recover).
    RunStopped {
        /// Field `run: RunId` of effect `RunStopped`.
        run: RunId,
    },
    /// Reset forgot every input and key: durable records of them go too.
    Forgotten,
    /// A finished input was forgotten to keep the session bounded: its durable record
    /// goes too, and its id and key may be used again.
    Evicted {
        /// Field `input: InputId` of effect `Evicted`.
        input: InputId,
        /// Field `durability: Durability` of effect `Evicted`.
        durability: Durability,
    },
    /// The session left the runtime: everything durable about it goes.
    Removed,
    /// The spec's effect `DispatchBoundaryCancel`.
    DispatchBoundaryCancel {
        /// Field `run: RunId` of effect `DispatchBoundaryCancel`.
        run: RunId,
    },
    /// The spec's effect `InterruptRun`.
    InterruptRun {
        /// Field `run: RunId` of effect `InterruptRun`.
        run: RunId,
    },
    /// Retire with work left: it drains first.
    Draining {
        /// Field `pending: u64` of effect `Draining`.
        pending: u64,
    },
    /// Recycle or recover kept this input queued for the next executor. `front`: it was a
    /// contributor of the lost run, back at the front of its lane (recover); otherwise it
    /// stays where it is (recycle).
    Transferred {
        /// Field `input: InputId` of effect `Transferred`.
        input: InputId,
        /// Field `front: bool` of effect `Transferred`.
        front: bool,
    },
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Registered => EffectKind::Registered,
            Effect::SpawnLoop => EffectKind::SpawnLoop,
            Effect::Wake => EffectKind::Wake,
            Effect::DetachLoop => EffectKind::DetachLoop,
            Effect::StopExecutor { .. } => EffectKind::StopExecutor,
            Effect::Accepted { .. } => EffectKind::Accepted,
            Effect::Joined { .. } => EffectKind::Joined,
            Effect::Deduplicated { .. } => EffectKind::Deduplicated,
            Effect::Consumed { .. } => EffectKind::Consumed,
            Effect::Abandoned { .. } => EffectKind::Abandoned,
            Effect::Requeued { .. } => EffectKind::Requeued,
            Effect::RunStarted { .. } => EffectKind::RunStarted,
            Effect::RunCommitted { .. } => EffectKind::RunCommitted,
            Effect::RunFailed { .. } => EffectKind::RunFailed,
            Effect::RunCancelled { .. } => EffectKind::RunCancelled,
            Effect::RunStopped { .. } => EffectKind::RunStopped,
            Effect::Forgotten => EffectKind::Forgotten,
            Effect::Evicted { .. } => EffectKind::Evicted,
            Effect::Removed => EffectKind::Removed,
            Effect::DispatchBoundaryCancel { .. } => EffectKind::DispatchBoundaryCancel,
            Effect::InterruptRun { .. } => EffectKind::InterruptRun,
            Effect::Draining { .. } => EffectKind::Draining,
            Effect::Transferred { .. } => EffectKind::Transferred,
        }
    }
}

/// The kind of an [`Effect`], without its data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum EffectKind {
    /// The kind of `Effect::Registered`.
    Registered,
    /// Spawn the runtime loop for the offered executor; an attachment whose loop is gone
    /// (`replace_lost_loop`) is replaced by it.
    SpawnLoop,
    /// Poke the runtime loop.
    Wake,
    /// End the runtime loop without calling the executor's stop hook.
    DetachLoop,
    /// Call the executor's stop hook (once) and end the runtime loop.
    StopExecutor,
    /// The kind of `Effect::Accepted`.
    Accepted,
    /// Same key as an input still in flight: share its outcome.
    Joined,
    /// Same key as an input already terminal.
    Deduplicated,
    /// `run`: the run that committed it; `none` for an operation, consumed on accept.
    Consumed,
    /// The kind of `Effect::Abandoned`.
    Abandoned,
    /// Put back in its lane after a failed run.
    Requeued,
    /// `prompt`: the run is a lone prompt (its boundary for the executor); otherwise a batch.
    /// `attempt`: which attempt the run is for its contributors (1 for a first run).
    RunStarted,
    /// `park`: after this commit both lanes are empty and no retire is waiting, so a
    /// `StartRun` now would change nothing (`start_nothing` or `hold_for_unregister`): the
    /// loop parks without asking.
    RunCommitted,
    /// The kind of `Effect::RunFailed`.
    RunFailed,
    /// The kind of `Effect::RunCancelled`.
    RunCancelled,
    /// A control operation ended the run in flight (stop, destroy, unregister, recover).
    RunStopped,
    /// Reset forgot every input and key: durable records of them go too.
    Forgotten,
    /// A finished input was forgotten to keep the session bounded: its durable record
    /// goes too, and its id and key may be used again.
    Evicted,
    /// The session left the runtime: everything durable about it goes.
    Removed,
    /// The kind of `Effect::DispatchBoundaryCancel`.
    DispatchBoundaryCancel,
    /// The kind of `Effect::InterruptRun`.
    InterruptRun,
    /// Retire with work left: it drains first.
    Draining,
    /// Recycle or recover kept this input queued for the next executor. `front`: it was a
    /// contributor of the lost run, back at the front of its lane (recover); otherwise it
    /// stays where it is (recycle).
    Transferred,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 23usize] = [
        EffectKind::Registered,
        EffectKind::SpawnLoop,
        EffectKind::Wake,
        EffectKind::DetachLoop,
        EffectKind::StopExecutor,
        EffectKind::Accepted,
        EffectKind::Joined,
        EffectKind::Deduplicated,
        EffectKind::Consumed,
        EffectKind::Abandoned,
        EffectKind::Requeued,
        EffectKind::RunStarted,
        EffectKind::RunCommitted,
        EffectKind::RunFailed,
        EffectKind::RunCancelled,
        EffectKind::RunStopped,
        EffectKind::Forgotten,
        EffectKind::Evicted,
        EffectKind::Removed,
        EffectKind::DispatchBoundaryCancel,
        EffectKind::InterruptRun,
        EffectKind::Draining,
        EffectKind::Transferred,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Registered => "Registered",
            EffectKind::SpawnLoop => "SpawnLoop",
            EffectKind::Wake => "Wake",
            EffectKind::DetachLoop => "DetachLoop",
            EffectKind::StopExecutor => "StopExecutor",
            EffectKind::Accepted => "Accepted",
            EffectKind::Joined => "Joined",
            EffectKind::Deduplicated => "Deduplicated",
            EffectKind::Consumed => "Consumed",
            EffectKind::Abandoned => "Abandoned",
            EffectKind::Requeued => "Requeued",
            EffectKind::RunStarted => "RunStarted",
            EffectKind::RunCommitted => "RunCommitted",
            EffectKind::RunFailed => "RunFailed",
            EffectKind::RunCancelled => "RunCancelled",
            EffectKind::RunStopped => "RunStopped",
            EffectKind::Forgotten => "Forgotten",
            EffectKind::Evicted => "Evicted",
            EffectKind::Removed => "Removed",
            EffectKind::DispatchBoundaryCancel => "DispatchBoundaryCancel",
            EffectKind::InterruptRun => "InterruptRun",
            EffectKind::Draining => "Draining",
            EffectKind::Transferred => "Transferred",
        }
    }
}

impl ::std::fmt::Display for EffectKind {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Names a transition of the spec.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    ::serde::Serialize,
    ::serde::Deserialize
)]
pub enum TransitionId {
    /// Transition `register`: on `Register`, from `Initializing` to `Idle`.
    Register,
    /// Registering twice is harmless.
    RegisterAgain,
    /// Transition `attach`: on `AttachExecutor`, from `Idle` or `Stopped` to `Attached`.
    Attach,
    /// The loop the session counts attached is gone and no run is in flight: the offered
    /// executor takes its place (the lost one is dropped without its stop hook), or the
    /// queued inputs would wait for ever. A loop lost during a run needs `recover` first.
    ReplaceLostLoop,
    /// A second executor while a live one is attached: no second loop.
    AttachAgain,
    /// Same key as an input still in flight: the caller joins its outcome.
    JoinInFlight,
    /// Same key as an input already terminal: nothing to do, nothing to wait for.
    DedupeTerminal,
    /// A new input is admitted. An operation is consumed on the spot and never reaches the
    /// executor; any other input waits in its lane.
    Accept,
    /// Transition `wake`: on `WakeLoop`, in `Attached` or `Running`, staying there.
    Wake,
    /// Without a loop there is nothing to wake; queued work waits for an executor.
    WakeWithoutLoop,
    /// An unregister has begun: nothing starts after that, not even work already queued
    /// (the unregister abandons it). Comes first, so that it also holds off a retire.
    HoldForUnregister,
    /// Batch selection: the steer lane before the queue lane; admission order; a prompt,
    /// or an input being retried, runs alone; otherwise the longest prefix of fresh,
    /// non-prompt inputs runs as one batch.
    StartSteerRun,
    /// Transition `start_queue_run`: on `StartRun`, from `Attached` to `Running`.
    StartQueueRun,
    /// Transition `run_applied`: on `RunApplied`, in `Running`, staying there.
    RunApplied,
    /// Transition `commit_run`: on `CommitRun`, from `Running` to `Attached`.
    CommitRun,
    /// A generic failure: each contributor goes back to the tail of its lane (so a
    /// failing head never blocks the inputs behind it) until it has had `max_attempts`
    /// runs; then it is abandoned.
    FailRun,
    /// The executor cancelled the run: its contributors are abandoned, not retried.
    CancelRun,
    /// Nothing to run, and a retire is waiting for the work to drain: it has, so the
    /// session retires.
    StartNothingRetire,
    /// Nothing to run: the loop parks until it is woken.
    StartNothing,
    /// The first boundary cancel of a run is dispatched, while the run's executor call has
    /// not returned.
    DispatchBoundaryCancel,
    /// Later cancels of the same run coalesce into the first; one naming another run
    /// (stale), or one that comes after the run's executor call returned, touches nothing
    /// either.
    CoalesceBoundaryCancel,
    /// Nothing runs: nothing to cancel, and nothing is remembered for the next run.
    BoundaryCancelIdle,
    /// A hard interrupt names the run it means; a stale run id matches nothing, and nor
    /// does a run whose executor call has returned (its result stands).
    Interrupt,
    /// Stop with a loop: pending inputs are abandoned and the executor's stop hook runs.
    Stop,
    /// Stop without a loop: pending inputs are abandoned; there is no hook to call.
    StopIdle,
    /// Stopping twice calls the hook once; a run's late report matches nothing.
    StopAgain,
    /// Without a loop nothing can drain: queued work is abandoned.
    RetireIdle,
    /// With a loop and nothing left to do, retire at once (this also settles an earlier
    /// retire that was waiting for the work to drain).
    RetireDrained,
    /// With a loop and work left (or a run in flight): refuse new input, drain, then retire.
    RetireDraining,
    /// Transition `retire_again`: on `Retire`, in `Retired`, staying there.
    RetireAgain,
    /// Everything pending is abandoned and the session starts over, without an executor.
    /// Refused while a run is in flight.
    Reset,
    /// A fresh start for the executor side: the loop is detached, queued work and its
    /// waiters stay, in order, for the next executor. Refused while a run is in flight. A
    /// retired session comes back this way too, keeping what it remembers (a reset
    /// forgets it).
    Recycle,
    /// After the runtime lost its loop (a crash, a restart): the run in flight is
    /// forgotten and its contributors go back to the front of their lanes, in order. The
    /// lost run counted as an attempt, so a contributor for which it was the last one is
    /// abandoned instead. The loop is detached without the stop hook, unless the run's
    /// executor stopped itself (`stopped`) and its stop is not recorded yet: it asked for
    /// the stop path, whose hook it then gets (`Stopped`: the session can be attached again).
    RecoverRun,
    /// No run was lost: only the loop, if any, is detached (without the stop hook) and a
    /// retire in progress is called off.
    Recover,
    /// The session ends for good: pending inputs are abandoned, the executor is stopped
    /// (ending a run in flight) and the loop ends; every later input is refused.
    Destroy,
    /// The session leaves the runtime: pending inputs are abandoned, the executor is
    /// stopped (ending a run in flight) and the loop ends.
    Unregister,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 36usize] = [
        TransitionId::Register,
        TransitionId::RegisterAgain,
        TransitionId::Attach,
        TransitionId::ReplaceLostLoop,
        TransitionId::AttachAgain,
        TransitionId::JoinInFlight,
        TransitionId::DedupeTerminal,
        TransitionId::Accept,
        TransitionId::Wake,
        TransitionId::WakeWithoutLoop,
        TransitionId::HoldForUnregister,
        TransitionId::StartSteerRun,
        TransitionId::StartQueueRun,
        TransitionId::RunApplied,
        TransitionId::CommitRun,
        TransitionId::FailRun,
        TransitionId::CancelRun,
        TransitionId::StartNothingRetire,
        TransitionId::StartNothing,
        TransitionId::DispatchBoundaryCancel,
        TransitionId::CoalesceBoundaryCancel,
        TransitionId::BoundaryCancelIdle,
        TransitionId::Interrupt,
        TransitionId::Stop,
        TransitionId::StopIdle,
        TransitionId::StopAgain,
        TransitionId::RetireIdle,
        TransitionId::RetireDrained,
        TransitionId::RetireDraining,
        TransitionId::RetireAgain,
        TransitionId::Reset,
        TransitionId::Recycle,
        TransitionId::RecoverRun,
        TransitionId::Recover,
        TransitionId::Destroy,
        TransitionId::Unregister,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Register => "register",
            TransitionId::RegisterAgain => "register_again",
            TransitionId::Attach => "attach",
            TransitionId::ReplaceLostLoop => "replace_lost_loop",
            TransitionId::AttachAgain => "attach_again",
            TransitionId::JoinInFlight => "join_in_flight",
            TransitionId::DedupeTerminal => "dedupe_terminal",
            TransitionId::Accept => "accept",
            TransitionId::Wake => "wake",
            TransitionId::WakeWithoutLoop => "wake_without_loop",
            TransitionId::HoldForUnregister => "hold_for_unregister",
            TransitionId::StartSteerRun => "start_steer_run",
            TransitionId::StartQueueRun => "start_queue_run",
            TransitionId::RunApplied => "run_applied",
            TransitionId::CommitRun => "commit_run",
            TransitionId::FailRun => "fail_run",
            TransitionId::CancelRun => "cancel_run",
            TransitionId::StartNothingRetire => "start_nothing_retire",
            TransitionId::StartNothing => "start_nothing",
            TransitionId::DispatchBoundaryCancel => "dispatch_boundary_cancel",
            TransitionId::CoalesceBoundaryCancel => "coalesce_boundary_cancel",
            TransitionId::BoundaryCancelIdle => "boundary_cancel_idle",
            TransitionId::Interrupt => "interrupt",
            TransitionId::Stop => "stop",
            TransitionId::StopIdle => "stop_idle",
            TransitionId::StopAgain => "stop_again",
            TransitionId::RetireIdle => "retire_idle",
            TransitionId::RetireDrained => "retire_drained",
            TransitionId::RetireDraining => "retire_draining",
            TransitionId::RetireAgain => "retire_again",
            TransitionId::Reset => "reset",
            TransitionId::Recycle => "recycle",
            TransitionId::RecoverRun => "recover_run",
            TransitionId::Recover => "recover",
            TransitionId::Destroy => "destroy",
            TransitionId::Unregister => "unregister",
        }
    }
}

impl ::std::fmt::Display for TransitionId {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Static description of one transition, for tooling and diagnostics.
pub type TransitionInfo = ::suricate_kernel::TransitionInfo<Machine>;

/// Every transition, in declaration (dispatch) order; indexed by `TransitionId as usize`.
pub const TRANSITIONS: &[TransitionInfo] = &[
    TransitionInfo {
        id: TransitionId::Register,
        name: "register",
        input: InputKind::Register,
        from: &[Phase::Initializing],
        to: Some(Phase::Idle),
        guards: &["remembers_some"],
        effects: &[EffectKind::Registered],
    },
    TransitionInfo {
        id: TransitionId::RegisterAgain,
        name: "register_again",
        input: InputKind::Register,
        from: &[
            Phase::Idle,
            Phase::Attached,
            Phase::Running,
            Phase::Retired,
            Phase::Stopped,
        ],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Attach,
        name: "attach",
        input: InputKind::AttachExecutor,
        from: &[Phase::Idle, Phase::Stopped],
        to: Some(Phase::Attached),
        guards: &[],
        effects: &[EffectKind::SpawnLoop],
    },
    TransitionInfo {
        id: TransitionId::ReplaceLostLoop,
        name: "replace_lost_loop",
        input: InputKind::AttachExecutor,
        from: &[Phase::Attached],
        to: None,
        guards: &["loop_gone"],
        effects: &[EffectKind::SpawnLoop],
    },
    TransitionInfo {
        id: TransitionId::AttachAgain,
        name: "attach_again",
        input: InputKind::AttachExecutor,
        from: &[Phase::Attached, Phase::Running],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::JoinInFlight,
        name: "join_in_flight",
        input: InputKind::Accept,
        from: &[Phase::Idle, Phase::Attached, Phase::Running],
        to: None,
        guards: &["keyed", "key_bound", "owner_known", "owner_live"],
        effects: &[EffectKind::Joined],
    },
    TransitionInfo {
        id: TransitionId::DedupeTerminal,
        name: "dedupe_terminal",
        input: InputKind::Accept,
        from: &[Phase::Idle, Phase::Attached, Phase::Running],
        to: None,
        guards: &["keyed", "key_bound"],
        effects: &[EffectKind::Deduplicated],
    },
    TransitionInfo {
        id: TransitionId::Accept,
        name: "accept",
        input: InputKind::Accept,
        from: &[Phase::Idle, Phase::Attached, Phase::Running],
        to: None,
        guards: &[
            "has_id",
            "key_not_empty",
            "fresh_id",
            "not_retiring",
            "prompt_not_derived",
            "operation_not_derived",
            "terminal_response_has_request",
            "request_has_id",
        ],
        effects: &[
            EffectKind::Evicted,
            EffectKind::Wake,
            EffectKind::Accepted,
            EffectKind::Consumed,
        ],
    },
    TransitionInfo {
        id: TransitionId::Wake,
        name: "wake",
        input: InputKind::WakeLoop,
        from: &[Phase::Attached, Phase::Running],
        to: None,
        guards: &[],
        effects: &[EffectKind::Wake],
    },
    TransitionInfo {
        id: TransitionId::WakeWithoutLoop,
        name: "wake_without_loop",
        input: InputKind::WakeLoop,
        from: &[Phase::Idle, Phase::Retired, Phase::Stopped],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::HoldForUnregister,
        name: "hold_for_unregister",
        input: InputKind::StartRun,
        from: &[Phase::Attached],
        to: None,
        guards: &["unregistering"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::StartSteerRun,
        name: "start_steer_run",
        input: InputKind::StartRun,
        from: &[Phase::Attached],
        to: Some(Phase::Running),
        guards: &["steer_work"],
        effects: &[EffectKind::RunStarted],
    },
    TransitionInfo {
        id: TransitionId::StartQueueRun,
        name: "start_queue_run",
        input: InputKind::StartRun,
        from: &[Phase::Attached],
        to: Some(Phase::Running),
        guards: &["queue_work"],
        effects: &[EffectKind::RunStarted],
    },
    TransitionInfo {
        id: TransitionId::RunApplied,
        name: "run_applied",
        input: InputKind::RunApplied,
        from: &[Phase::Running],
        to: None,
        guards: &["current_run"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::CommitRun,
        name: "commit_run",
        input: InputKind::CommitRun,
        from: &[Phase::Running],
        to: Some(Phase::Attached),
        guards: &["current_run", "applied"],
        effects: &[EffectKind::Consumed, EffectKind::RunCommitted],
    },
    TransitionInfo {
        id: TransitionId::FailRun,
        name: "fail_run",
        input: InputKind::FailRun,
        from: &[Phase::Running],
        to: Some(Phase::Attached),
        guards: &["current_run"],
        effects: &[EffectKind::Abandoned, EffectKind::Requeued, EffectKind::RunFailed],
    },
    TransitionInfo {
        id: TransitionId::CancelRun,
        name: "cancel_run",
        input: InputKind::CancelRun,
        from: &[Phase::Running],
        to: Some(Phase::Attached),
        guards: &["current_run"],
        effects: &[EffectKind::Abandoned, EffectKind::RunCancelled],
    },
    TransitionInfo {
        id: TransitionId::StartNothingRetire,
        name: "start_nothing_retire",
        input: InputKind::StartRun,
        from: &[Phase::Attached],
        to: Some(Phase::Retired),
        guards: &["retiring"],
        effects: &[EffectKind::DetachLoop],
    },
    TransitionInfo {
        id: TransitionId::StartNothing,
        name: "start_nothing",
        input: InputKind::StartRun,
        from: &[Phase::Attached],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::DispatchBoundaryCancel,
        name: "dispatch_boundary_cancel",
        input: InputKind::CancelAfterBoundary,
        from: &[Phase::Running],
        to: None,
        guards: &["has_run", "names_current_run", "first_in_run", "not_returned"],
        effects: &[EffectKind::DispatchBoundaryCancel],
    },
    TransitionInfo {
        id: TransitionId::CoalesceBoundaryCancel,
        name: "coalesce_boundary_cancel",
        input: InputKind::CancelAfterBoundary,
        from: &[Phase::Running],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::BoundaryCancelIdle,
        name: "boundary_cancel_idle",
        input: InputKind::CancelAfterBoundary,
        from: &[Phase::Idle, Phase::Attached],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Interrupt,
        name: "interrupt",
        input: InputKind::Interrupt,
        from: &[Phase::Running],
        to: None,
        guards: &["current_run", "not_returned"],
        effects: &[EffectKind::InterruptRun],
    },
    TransitionInfo {
        id: TransitionId::Stop,
        name: "stop",
        input: InputKind::Stop,
        from: &[Phase::Attached, Phase::Running],
        to: Some(Phase::Stopped),
        guards: &["names_current_run"],
        effects: &[
            EffectKind::Abandoned,
            EffectKind::RunStopped,
            EffectKind::StopExecutor,
        ],
    },
    TransitionInfo {
        id: TransitionId::StopIdle,
        name: "stop_idle",
        input: InputKind::Stop,
        from: &[Phase::Idle, Phase::Retired],
        to: Some(Phase::Stopped),
        guards: &["not_from_a_run"],
        effects: &[EffectKind::Abandoned],
    },
    TransitionInfo {
        id: TransitionId::StopAgain,
        name: "stop_again",
        input: InputKind::Stop,
        from: &[Phase::Stopped],
        to: None,
        guards: &["not_from_a_run"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::RetireIdle,
        name: "retire_idle",
        input: InputKind::Retire,
        from: &[Phase::Idle],
        to: Some(Phase::Retired),
        guards: &[],
        effects: &[EffectKind::Abandoned],
    },
    TransitionInfo {
        id: TransitionId::RetireDrained,
        name: "retire_drained",
        input: InputKind::Retire,
        from: &[Phase::Attached],
        to: Some(Phase::Retired),
        guards: &["drained"],
        effects: &[EffectKind::DetachLoop],
    },
    TransitionInfo {
        id: TransitionId::RetireDraining,
        name: "retire_draining",
        input: InputKind::Retire,
        from: &[Phase::Attached, Phase::Running],
        to: None,
        guards: &[],
        effects: &[EffectKind::Draining, EffectKind::Wake],
    },
    TransitionInfo {
        id: TransitionId::RetireAgain,
        name: "retire_again",
        input: InputKind::Retire,
        from: &[Phase::Retired],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Reset,
        name: "reset",
        input: InputKind::Reset,
        from: &[Phase::Idle, Phase::Attached, Phase::Retired, Phase::Stopped],
        to: Some(Phase::Idle),
        guards: &[],
        effects: &[EffectKind::Abandoned, EffectKind::Forgotten, EffectKind::DetachLoop],
    },
    TransitionInfo {
        id: TransitionId::Recycle,
        name: "recycle",
        input: InputKind::Recycle,
        from: &[Phase::Idle, Phase::Attached, Phase::Retired],
        to: Some(Phase::Idle),
        guards: &[],
        effects: &[EffectKind::Transferred, EffectKind::DetachLoop],
    },
    TransitionInfo {
        id: TransitionId::RecoverRun,
        name: "recover_run",
        input: InputKind::Recover,
        from: &[Phase::Running],
        to: Some(Phase::Idle),
        guards: &[],
        effects: &[
            EffectKind::Abandoned,
            EffectKind::Transferred,
            EffectKind::RunStopped,
            EffectKind::StopExecutor,
            EffectKind::DetachLoop,
        ],
    },
    TransitionInfo {
        id: TransitionId::Recover,
        name: "recover",
        input: InputKind::Recover,
        from: &[Phase::Idle, Phase::Attached],
        to: Some(Phase::Idle),
        guards: &[],
        effects: &[EffectKind::DetachLoop],
    },
    TransitionInfo {
        id: TransitionId::Destroy,
        name: "destroy",
        input: InputKind::Destroy,
        from: &[
            Phase::Initializing,
            Phase::Idle,
            Phase::Attached,
            Phase::Running,
            Phase::Retired,
            Phase::Stopped,
        ],
        to: Some(Phase::Destroyed),
        guards: &[],
        effects: &[
            EffectKind::Abandoned,
            EffectKind::StopExecutor,
            EffectKind::RunStopped,
        ],
    },
    TransitionInfo {
        id: TransitionId::Unregister,
        name: "unregister",
        input: InputKind::Unregister,
        from: &[
            Phase::Initializing,
            Phase::Idle,
            Phase::Attached,
            Phase::Running,
            Phase::Retired,
            Phase::Stopped,
        ],
        to: Some(Phase::Destroyed),
        guards: &[],
        effects: &[
            EffectKind::Abandoned,
            EffectKind::StopExecutor,
            EffectKind::RunStopped,
            EffectKind::Removed,
        ],
    },
];

impl TransitionId {
    /// This transition's static description.
    pub fn info(self) -> &'static TransitionInfo {
        &TRANSITIONS[self as usize]
    }
}

/// Why an input was rejected. A rejected input leaves the state untouched.
pub type Rejection = ::suricate_kernel::Rejection<Machine>;

/// Why the input was rejected (see [`Rejection`]).
pub type RejectReason = ::suricate_kernel::RejectReason<Machine>;

/// The first guard of a candidate transition that did not hold.
pub type FailedGuard = ::suricate_kernel::FailedGuard<Machine>;

/// Only the most recently applied transition can be rolled back, once.
pub type RollbackError = ::suricate_kernel::RollbackError<Machine>;

/// An invariant that does not hold (or could not be evaluated) in a state, from
/// `check_invariants` and `Authority::from_state`.
pub use ::suricate_kernel::InvariantViolation;

/// Why an invariant or a transition could not be evaluated (the `fault` of an
/// [`InvariantViolation`] or of `RejectReason::InvariantViolated`).
pub use ::suricate_kernel::Fault;

/// One reversible write of a transition. Undo cost is proportional to what the
/// transition wrote, never to the size of the state. Holds no heap data, so
/// emptying a log of them costs nothing per record.
#[derive(Debug, Clone)]
enum UndoStep {
    CancelDispatchedReplaced(bool),
    FinishedPushed,
    FinishedPopped(InputId),
    InputsAdded(InputId),
    /// Old value of `inputs[k].attempts`.
    InputsLeaf0(InputId, u64),
    /// Old value of `inputs[k].last_run`.
    InputsLeaf1(InputId, Option<RunId>),
    /// Old value of `inputs[k].phase`.
    InputsLeaf2(InputId, InputPhase),
    /// Old value of `inputs[k].reason`.
    InputsLeaf3(InputId, Option<AbandonReason>),
    NextRunReplaced(RunId),
    QueuePushed,
    QueuePopped(InputId),
    RememberReplaced(u64),
    RetiringReplaced(bool),
    RunReplaced(Option<RunId>),
    RunAttemptReplaced(u64),
    StagedPushed,
    StagedPopped(InputId),
    SteerPushed,
    SteerPopped(InputId),
    /// Stands for the next record of `UndoLog::owned`, most recent last.
    Owned,
}

const _: () = if ::std::mem::needs_drop::<UndoStep>() {
    panic!("an undo record that owns heap data must be an `Undo`, not an `UndoStep`");
};

/// The undo records of the latest transition, which the `Authority` keeps for
/// `rollback`. Opaque: only this module reads or writes them.
#[derive(Debug, Clone, Default)]
pub struct UndoLog {
    /// One record per write, most recent last.
    steps: Vec<UndoStep>,
    /// The records that own heap data, in the order written.
    owned: Vec<Undo>,
}

/// An undo record that owns heap data, kept in `UndoLog::owned`.
#[derive(Debug, Clone)]
enum Undo {
    InputsReplaced(OrdMap<InputId, Record>),
    InputsEntry(InputId, Record),
    KeysReplaced(OrdMap<IdemKey, InputId>),
    KeysEntry(IdemKey, InputId),
    KeysAdded(IdemKey),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::CancelDispatchedReplaced(old) => state.cancel_dispatched = old,
            UndoStep::FinishedPushed => {
                state.finished.pop_back();
            }
            UndoStep::FinishedPopped(x) => state.finished.push_front(x),
            UndoStep::InputsAdded(k) => {
                state.inputs.remove(&k);
            }
            UndoStep::InputsLeaf0(k, old) => {
                if let Some(entry) = state.inputs.get_mut(&k) {
                    entry.attempts = old;
                }
            }
            UndoStep::InputsLeaf1(k, old) => {
                if let Some(entry) = state.inputs.get_mut(&k) {
                    entry.last_run = old;
                }
            }
            UndoStep::InputsLeaf2(k, old) => {
                if let Some(entry) = state.inputs.get_mut(&k) {
                    entry.phase = old;
                }
            }
            UndoStep::InputsLeaf3(k, old) => {
                if let Some(entry) = state.inputs.get_mut(&k) {
                    entry.reason = old;
                }
            }
            UndoStep::NextRunReplaced(old) => state.next_run = old,
            UndoStep::QueuePushed => {
                state.queue.pop_back();
            }
            UndoStep::QueuePopped(x) => state.queue.push_front(x),
            UndoStep::RememberReplaced(old) => state.remember = old,
            UndoStep::RetiringReplaced(old) => state.retiring = old,
            UndoStep::RunReplaced(old) => state.run = old,
            UndoStep::RunAttemptReplaced(old) => state.run_attempt = old,
            UndoStep::StagedPushed => {
                state.staged.pop_back();
            }
            UndoStep::StagedPopped(x) => state.staged.push_front(x),
            UndoStep::SteerPushed => {
                state.steer.pop_back();
            }
            UndoStep::SteerPopped(x) => state.steer.push_front(x),
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::InputsReplaced(old) => state.inputs = old,
                        Undo::InputsEntry(k, old) => {
                            state.inputs.insert(k, old);
                        }
                        Undo::KeysReplaced(old) => state.keys = old,
                        Undo::KeysEntry(k, old) => {
                            state.keys.insert(k, old);
                        }
                        Undo::KeysAdded(k) => {
                            state.keys.remove(&k);
                        }
                    }
                }
            }
        }
    }
    state.phase = phase;
}

impl UndoLog {
    /// Records a write whose undo record owns heap data.
    fn push_owned(&mut self, step: Undo) {
        self.steps.push(UndoStep::Owned);
        self.owned.push(step);
    }
    /// Empties the log without reverting anything, keeping its buffers for
    /// reuse unless together they are larger than `MAX_KEPT_UNDO_BYTES`.
    fn clear(&mut self) {
        if self.steps.capacity() * ::std::mem::size_of::<UndoStep>()
            + self.owned.capacity() * ::std::mem::size_of::<Undo>()
            > ::suricate_kernel::MAX_KEPT_UNDO_BYTES
        {
            *self = UndoLog::default();
        } else {
            self.steps.clear();
            self.owned.clear();
        }
    }
}

/// Guards of `register`: the first that does not hold, if any.
fn guards_register(
    _state: &State,
    remember: &u64,
) -> Result<Option<&'static str>, Fault> {
    if !((*remember) > 0u64) {
        return Ok(Some("remembers_some"));
    }
    Ok(None)
}

/// Guards of `replace_lost_loop`: the first that does not hold, if any.
fn guards_replace_lost_loop(
    _state: &State,
    loop_gone: &bool,
) -> Result<Option<&'static str>, Fault> {
    if !(*loop_gone) {
        return Ok(Some("loop_gone"));
    }
    Ok(None)
}

/// Guards of `join_in_flight`: the first that does not hold, if any.
fn guards_join_in_flight(
    state: &State,
    key: &Option<IdemKey>,
) -> Result<Option<&'static str>, Fault> {
    if !key.is_some() {
        return Ok(Some("keyed"));
    }
    if !state.keys.contains_key(key.as_ref().ok_or(Fault::Absent)?) {
        return Ok(Some("key_bound"));
    }
    if !state
        .inputs
        .contains_key(
            state.keys.get(key.as_ref().ok_or(Fault::Absent)?).ok_or(Fault::Absent)?,
        )
    {
        return Ok(Some("owner_known"));
    }
    if !((state
        .inputs
        .get(state.keys.get(key.as_ref().ok_or(Fault::Absent)?).ok_or(Fault::Absent)?)
        .ok_or(Fault::Absent)?
        .phase != InputPhase::Consumed)
        && (state
            .inputs
            .get(
                state.keys.get(key.as_ref().ok_or(Fault::Absent)?).ok_or(Fault::Absent)?,
            )
            .ok_or(Fault::Absent)?
            .phase != InputPhase::Abandoned))
    {
        return Ok(Some("owner_live"));
    }
    Ok(None)
}

/// Guards of `dedupe_terminal`: the first that does not hold, if any.
fn guards_dedupe_terminal(
    state: &State,
    key: &Option<IdemKey>,
) -> Result<Option<&'static str>, Fault> {
    if !key.is_some() {
        return Ok(Some("keyed"));
    }
    if !state.keys.contains_key(key.as_ref().ok_or(Fault::Absent)?) {
        return Ok(Some("key_bound"));
    }
    Ok(None)
}

/// Guards of `accept`: the first that does not hold, if any.
fn guards_accept(
    state: &State,
    id: &InputId,
    named: &bool,
    kind: &Kind,
    durability: &Durability,
    key: &Option<IdemKey>,
    has_request: &bool,
) -> Result<Option<&'static str>, Fault> {
    if !(*named) {
        return Ok(Some("has_id"));
    }
    if !((*key) != Some(IdemKey(String::from("")))) {
        return Ok(Some("key_not_empty"));
    }
    if state.inputs.contains_key(id) {
        return Ok(Some("fresh_id"));
    }
    if state.retiring {
        return Ok(Some("not_retiring"));
    }
    if ((*kind) == Kind::Prompt) && ((*durability) == Durability::Derived) {
        return Ok(Some("prompt_not_derived"));
    }
    if ((*kind) == Kind::Operation) && ((*durability) == Durability::Derived) {
        return Ok(Some("operation_not_derived"));
    }
    if !(((*kind) != Kind::PeerResponseTerminal) || (*has_request)) {
        return Ok(Some("terminal_response_has_request"));
    }
    if !(((*kind) != Kind::PeerRequest) || (*has_request)) {
        return Ok(Some("request_has_id"));
    }
    Ok(None)
}

/// Guards of `hold_for_unregister`: the first that does not hold, if any.
fn guards_hold_for_unregister(
    _state: &State,
    unregistering: &bool,
) -> Result<Option<&'static str>, Fault> {
    if !(*unregistering) {
        return Ok(Some("unregistering"));
    }
    Ok(None)
}

/// Guards of `start_steer_run`: the first that does not hold, if any.
fn guards_start_steer_run(state: &State) -> Result<Option<&'static str>, Fault> {
    if state.steer.is_empty() {
        return Ok(Some("steer_work"));
    }
    Ok(None)
}

/// Guards of `start_queue_run`: the first that does not hold, if any.
fn guards_start_queue_run(state: &State) -> Result<Option<&'static str>, Fault> {
    if state.queue.is_empty() {
        return Ok(Some("queue_work"));
    }
    Ok(None)
}

/// Guards of `run_applied`: the first that does not hold, if any.
fn guards_run_applied(
    state: &State,
    run: &RunId,
) -> Result<Option<&'static str>, Fault> {
    if !(state.run == Some(*run)) {
        return Ok(Some("current_run"));
    }
    Ok(None)
}

/// Guards of `commit_run`: the first that does not hold, if any.
fn guards_commit_run(state: &State, run: &RunId) -> Result<Option<&'static str>, Fault> {
    if !(state.run == Some(*run)) {
        return Ok(Some("current_run"));
    }
    if !'all_c_0: {
        for c in state.staged.iter() {
            if !match state.inputs.get(c) {
                Some(entry) => (entry.phase == InputPhase::Applied),
                None => false,
            } {
                break 'all_c_0 false;
            }
        }
        true
    } {
        return Ok(Some("applied"));
    }
    Ok(None)
}

/// Guards of `fail_run`: the first that does not hold, if any.
fn guards_fail_run(state: &State, run: &RunId) -> Result<Option<&'static str>, Fault> {
    if !(state.run == Some(*run)) {
        return Ok(Some("current_run"));
    }
    Ok(None)
}

/// Guards of `cancel_run`: the first that does not hold, if any.
fn guards_cancel_run(state: &State, run: &RunId) -> Result<Option<&'static str>, Fault> {
    if !(state.run == Some(*run)) {
        return Ok(Some("current_run"));
    }
    Ok(None)
}

/// Guards of `start_nothing_retire`: the first that does not hold, if any.
fn guards_start_nothing_retire(state: &State) -> Result<Option<&'static str>, Fault> {
    if !state.retiring {
        return Ok(Some("retiring"));
    }
    Ok(None)
}

/// Guards of `dispatch_boundary_cancel`: the first that does not hold, if any.
fn guards_dispatch_boundary_cancel(
    state: &State,
    run: &Option<RunId>,
    returned: &Option<RunId>,
) -> Result<Option<&'static str>, Fault> {
    if !state.run.is_some() {
        return Ok(Some("has_run"));
    }
    if !(run.is_none() || ((*run) == state.run)) {
        return Ok(Some("names_current_run"));
    }
    if state.cancel_dispatched {
        return Ok(Some("first_in_run"));
    }
    if !((*returned) != state.run) {
        return Ok(Some("not_returned"));
    }
    Ok(None)
}

/// Guards of `interrupt`: the first that does not hold, if any.
fn guards_interrupt(
    state: &State,
    run: &RunId,
    returned: &Option<RunId>,
) -> Result<Option<&'static str>, Fault> {
    if !(state.run == Some(*run)) {
        return Ok(Some("current_run"));
    }
    if !((*returned) != Some(*run)) {
        return Ok(Some("not_returned"));
    }
    Ok(None)
}

/// Guards of `stop`: the first that does not hold, if any.
fn guards_stop(
    state: &State,
    run: &Option<RunId>,
) -> Result<Option<&'static str>, Fault> {
    if !(run.is_none() || ((*run) == state.run)) {
        return Ok(Some("names_current_run"));
    }
    Ok(None)
}

/// Guards of `stop_idle`: the first that does not hold, if any.
fn guards_stop_idle(
    _state: &State,
    run: &Option<RunId>,
) -> Result<Option<&'static str>, Fault> {
    if !run.is_none() {
        return Ok(Some("not_from_a_run"));
    }
    Ok(None)
}

/// Guards of `stop_again`: the first that does not hold, if any.
fn guards_stop_again(
    _state: &State,
    run: &Option<RunId>,
) -> Result<Option<&'static str>, Fault> {
    if !run.is_none() {
        return Ok(Some("not_from_a_run"));
    }
    Ok(None)
}

/// Guards of `retire_drained`: the first that does not hold, if any.
fn guards_retire_drained(state: &State) -> Result<Option<&'static str>, Fault> {
    if !(state.queue.is_empty() && state.steer.is_empty()) {
        return Ok(Some("drained"));
    }
    Ok(None)
}

/// Runs the updates and emits of `register`, recording undo steps.
fn fire_register(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    remember: &u64,
) -> Result<(), Fault> {
    {
        let new = *remember;
        undo.steps
            .push(
                UndoStep::RememberReplaced(::std::mem::replace(&mut state.remember, new)),
            );
    }
    state.phase = Phase::Idle;
    effects.push(Effect::Registered);
    Ok(())
}

/// Runs the updates and emits of `register_again`, recording undo steps.
fn fire_register_again(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `attach`, recording undo steps.
fn fire_attach(
    state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Attached;
    effects.push(Effect::SpawnLoop);
    Ok(())
}

/// Runs the updates and emits of `replace_lost_loop`, recording undo steps.
fn fire_replace_lost_loop(
    _state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    effects.push(Effect::SpawnLoop);
    Ok(())
}

/// Runs the updates and emits of `attach_again`, recording undo steps.
fn fire_attach_again(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `join_in_flight`, recording undo steps.
fn fire_join_in_flight(
    state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    key: &Option<IdemKey>,
) -> Result<(), Fault> {
    effects
        .push(Effect::Joined {
            input: *state
                .keys
                .get(key.as_ref().ok_or(Fault::Absent)?)
                .ok_or(Fault::Absent)?,
        });
    Ok(())
}

/// Runs the updates and emits of `dedupe_terminal`, recording undo steps.
fn fire_dedupe_terminal(
    state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    key: &Option<IdemKey>,
) -> Result<(), Fault> {
    effects
        .push(Effect::Deduplicated {
            input: *state
                .keys
                .get(key.as_ref().ok_or(Fault::Absent)?)
                .ok_or(Fault::Absent)?,
        });
    Ok(())
}

/// Runs the updates and emits of `accept`, recording undo steps.
fn fire_accept(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    id: &InputId,
    kind: &Kind,
    lane: &Lane,
    durability: &Durability,
    key: &Option<IdemKey>,
    wake: &bool,
) -> Result<(), Fault> {
    if (*kind) == Kind::Operation {
        {
            let (k, value) = (
                *id,
                Record {
                    kind: *kind,
                    lane: *lane,
                    durability: *durability,
                    phase: InputPhase::Consumed,
                    attempts: 0u64,
                    last_run: None,
                    reason: None,
                    key: key.clone(),
                },
            );
            match state.inputs.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::InputsEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::InputsAdded(k));
                }
            }
        }
        state.finished.push_back(*id);
        undo.steps.push(UndoStep::FinishedPushed);
    } else {
        {
            let (k, value) = (
                *id,
                Record {
                    kind: *kind,
                    lane: *lane,
                    durability: *durability,
                    phase: InputPhase::Queued,
                    attempts: 0u64,
                    last_run: None,
                    reason: None,
                    key: key.clone(),
                },
            );
            match state.inputs.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::InputsEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::InputsAdded(k));
                }
            }
        }
        if (*lane) == Lane::Steer {
            state.steer.push_back(*id);
            undo.steps.push(UndoStep::SteerPushed);
        } else {
            state.queue.push_back(*id);
            undo.steps.push(UndoStep::QueuePushed);
        }
    }
    if key.is_some() {
        {
            let (k, value) = (key.as_ref().ok_or(Fault::Absent)?.clone(), *id);
            match state.keys.insert(k.clone(), value) {
                Some(old) => {
                    undo.push_owned(Undo::KeysEntry(k, old));
                }
                None => {
                    undo.push_owned(Undo::KeysAdded(k));
                }
            }
        }
    }
    if ((state.finished.len() as u64) > state.remember)
        && state.finished.front().is_some()
    {
        let oldest: &InputId = &{
            state.finished.front().cloned().ok_or(Fault::Absent)?
        };
        if let Some(entry) = state.inputs.get(oldest) {
            if entry.key.is_some() {
                {
                    let k = entry.key.as_ref().ok_or(Fault::Absent)?.clone();
                    if let Some(old) = state.keys.remove(&k) {
                        undo.push_owned(Undo::KeysEntry(k, old));
                    }
                }
            }
            effects
                .push(Effect::Evicted {
                    input: *oldest,
                    durability: entry.durability,
                });
            {
                let k = *oldest;
                if let Some(old) = state.inputs.remove(&k) {
                    undo.push_owned(Undo::InputsEntry(k, old));
                }
            }
        }
        if let Some(x) = state.finished.pop_front() {
            undo.steps.push(UndoStep::FinishedPopped(x));
        }
    }
    if ((state.finished.len() as u64) > state.remember)
        && state.finished.front().is_some()
    {
        let oldest: &InputId = &{
            state.finished.front().cloned().ok_or(Fault::Absent)?
        };
        if let Some(entry) = state.inputs.get(oldest) {
            if entry.key.is_some() {
                {
                    let k = entry.key.as_ref().ok_or(Fault::Absent)?.clone();
                    if let Some(old) = state.keys.remove(&k) {
                        undo.push_owned(Undo::KeysEntry(k, old));
                    }
                }
            }
            effects
                .push(Effect::Evicted {
                    input: *oldest,
                    durability: entry.durability,
                });
            {
                let k = *oldest;
                if let Some(old) = state.inputs.remove(&k) {
                    undo.push_owned(Undo::InputsEntry(k, old));
                }
            }
        }
        if let Some(x) = state.finished.pop_front() {
            undo.steps.push(UndoStep::FinishedPopped(x));
        }
    }
    if (((*kind) != Kind::Operation) && (*wake)) && (state.phase != Phase::Idle) {
        effects.push(Effect::Wake);
    }
    effects
        .push(Effect::Accepted {
            input: *id,
            lane: *lane,
        });
    if (*kind) == Kind::Operation {
        effects
            .push(Effect::Consumed {
                input: *id,
                run: None,
            });
    }
    Ok(())
}

/// Runs the updates and emits of `wake`, recording undo steps.
fn fire_wake(
    _state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    effects.push(Effect::Wake);
    Ok(())
}

/// Runs the updates and emits of `wake_without_loop`, recording undo steps.
fn fire_wake_without_loop(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `hold_for_unregister`, recording undo steps.
fn fire_hold_for_unregister(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `start_steer_run`, recording undo steps.
fn fire_start_steer_run(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_next_run = state.next_run;
    for s in state.steer.iter() {
        if let Some(entry) = state.inputs.get_mut(s) {
            let alone: &bool = &{
                (entry.kind == Kind::Prompt) || (entry.attempts > 0u64)
            };
            if (*alone) && (!state.staged.is_empty()) {
                break;
            }
            state.staged.push_back(*s);
            undo.steps.push(UndoStep::StagedPushed);
            {
                let (k, value) = (*s, InputPhase::Staged);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            {
                let (k, value) = (
                    *s,
                    entry.attempts.checked_add(1u64).ok_or(Fault::Overflow)?,
                );
                let old = ::std::mem::replace(&mut entry.attempts, value);
                undo.steps.push(UndoStep::InputsLeaf0(k, old));
            }
            {
                let (k, value) = (*s, Some(state.next_run));
                let old = ::std::mem::replace(&mut entry.last_run, value);
                undo.steps.push(UndoStep::InputsLeaf1(k, old));
            }
            {
                let new = entry.attempts;
                undo.steps
                    .push(
                        UndoStep::RunAttemptReplaced(
                            ::std::mem::replace(&mut state.run_attempt, new),
                        ),
                    );
            }
            if *alone {
                break;
            }
        }
    }
    for _ in state.staged.iter() {
        if let Some(x) = state.steer.pop_front() {
            undo.steps.push(UndoStep::SteerPopped(x));
        }
    }
    {
        let new = Some(state.next_run);
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    {
        let new = RunId(state.next_run.0.checked_add(1u64).ok_or(Fault::Overflow)?);
        undo.steps
            .push(
                UndoStep::NextRunReplaced(::std::mem::replace(&mut state.next_run, new)),
            );
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::CancelDispatchedReplaced(
                    ::std::mem::replace(&mut state.cancel_dispatched, new),
                ),
            );
    }
    state.phase = Phase::Running;
    effects
        .push(Effect::RunStarted {
            run: old_next_run,
            lane: Lane::Steer,
            inputs: state.staged.clone(),
            prompt: ((state.staged.len() as u64) == 1u64)
                && 'all_c_0: {
                    for c in state.staged.iter() {
                        if !match state.inputs.get(c) {
                            Some(entry) => (entry.kind == Kind::Prompt),
                            None => false,
                        } {
                            break 'all_c_0 false;
                        }
                    }
                    true
                },
            attempt: state.run_attempt,
        });
    Ok(())
}

/// Runs the updates and emits of `start_queue_run`, recording undo steps.
fn fire_start_queue_run(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_next_run = state.next_run;
    for q in state.queue.iter() {
        if let Some(entry) = state.inputs.get_mut(q) {
            let alone: &bool = &{
                (entry.kind == Kind::Prompt) || (entry.attempts > 0u64)
            };
            if (*alone) && (!state.staged.is_empty()) {
                break;
            }
            state.staged.push_back(*q);
            undo.steps.push(UndoStep::StagedPushed);
            {
                let (k, value) = (*q, InputPhase::Staged);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            {
                let (k, value) = (
                    *q,
                    entry.attempts.checked_add(1u64).ok_or(Fault::Overflow)?,
                );
                let old = ::std::mem::replace(&mut entry.attempts, value);
                undo.steps.push(UndoStep::InputsLeaf0(k, old));
            }
            {
                let (k, value) = (*q, Some(state.next_run));
                let old = ::std::mem::replace(&mut entry.last_run, value);
                undo.steps.push(UndoStep::InputsLeaf1(k, old));
            }
            {
                let new = entry.attempts;
                undo.steps
                    .push(
                        UndoStep::RunAttemptReplaced(
                            ::std::mem::replace(&mut state.run_attempt, new),
                        ),
                    );
            }
            if *alone {
                break;
            }
        }
    }
    for _ in state.staged.iter() {
        if let Some(x) = state.queue.pop_front() {
            undo.steps.push(UndoStep::QueuePopped(x));
        }
    }
    {
        let new = Some(state.next_run);
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    {
        let new = RunId(state.next_run.0.checked_add(1u64).ok_or(Fault::Overflow)?);
        undo.steps
            .push(
                UndoStep::NextRunReplaced(::std::mem::replace(&mut state.next_run, new)),
            );
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::CancelDispatchedReplaced(
                    ::std::mem::replace(&mut state.cancel_dispatched, new),
                ),
            );
    }
    state.phase = Phase::Running;
    effects
        .push(Effect::RunStarted {
            run: old_next_run,
            lane: Lane::Queue,
            inputs: state.staged.clone(),
            prompt: ((state.staged.len() as u64) == 1u64)
                && 'all_c_0: {
                    for c in state.staged.iter() {
                        if !match state.inputs.get(c) {
                            Some(entry) => (entry.kind == Kind::Prompt),
                            None => false,
                        } {
                            break 'all_c_0 false;
                        }
                    }
                    true
                },
            attempt: state.run_attempt,
        });
    Ok(())
}

/// Runs the updates and emits of `run_applied`, recording undo steps.
fn fire_run_applied(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    for c in state.staged.iter() {
        if let Some(entry) = state.inputs.get_mut(c) {
            {
                let (k, value) = (*c, InputPhase::Applied);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `commit_run`, recording undo steps.
fn fire_commit_run(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    run: &RunId,
) -> Result<(), Fault> {
    for c in state.staged.iter() {
        if let Some(entry) = state.inputs.get_mut(c) {
            {
                let (k, value) = (*c, InputPhase::Consumed);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*c);
            undo.steps.push(UndoStep::FinishedPushed);
            effects
                .push(Effect::Consumed {
                    input: *c,
                    run: Some(*run),
                });
        }
    }
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    state.phase = Phase::Attached;
    effects
        .push(Effect::RunCommitted {
            run: *run,
            park: (state.steer.is_empty() && state.queue.is_empty()) && (!state.retiring),
        });
    Ok(())
}

/// Runs the updates and emits of `fail_run`, recording undo steps.
fn fire_fail_run(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    run: &RunId,
) -> Result<(), Fault> {
    for c in state.staged.iter() {
        if let Some(entry) = state.inputs.get_mut(c) {
            if entry.attempts >= state.max_attempts {
                {
                    let (k, value) = (*c, InputPhase::Abandoned);
                    let old = ::std::mem::replace(&mut entry.phase, value);
                    undo.steps.push(UndoStep::InputsLeaf2(k, old));
                }
                state.finished.push_back(*c);
                undo.steps.push(UndoStep::FinishedPushed);
                {
                    let (k, value) = (*c, Some(AbandonReason::MaxAttemptsExhausted));
                    let old = ::std::mem::replace(&mut entry.reason, value);
                    undo.steps.push(UndoStep::InputsLeaf3(k, old));
                }
                effects
                    .push(Effect::Abandoned {
                        input: *c,
                        reason: AbandonReason::MaxAttemptsExhausted,
                    });
            } else {
                {
                    let (k, value) = (*c, InputPhase::Queued);
                    let old = ::std::mem::replace(&mut entry.phase, value);
                    undo.steps.push(UndoStep::InputsLeaf2(k, old));
                }
                if entry.lane == Lane::Steer {
                    state.steer.push_back(*c);
                    undo.steps.push(UndoStep::SteerPushed);
                } else {
                    state.queue.push_back(*c);
                    undo.steps.push(UndoStep::QueuePushed);
                }
                effects.push(Effect::Requeued { input: *c });
            }
        }
    }
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    state.phase = Phase::Attached;
    effects.push(Effect::RunFailed { run: *run });
    Ok(())
}

/// Runs the updates and emits of `cancel_run`, recording undo steps.
fn fire_cancel_run(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    run: &RunId,
) -> Result<(), Fault> {
    for c in state.staged.iter() {
        if let Some(entry) = state.inputs.get_mut(c) {
            {
                let (k, value) = (*c, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*c);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*c, Some(AbandonReason::Cancelled));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *c,
                    reason: AbandonReason::Cancelled,
                });
        }
    }
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    state.phase = Phase::Attached;
    effects.push(Effect::RunCancelled { run: *run });
    Ok(())
}

/// Runs the updates and emits of `start_nothing_retire`, recording undo steps.
fn fire_start_nothing_retire(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    state.phase = Phase::Retired;
    effects.push(Effect::DetachLoop);
    Ok(())
}

/// Runs the updates and emits of `start_nothing`, recording undo steps.
fn fire_start_nothing(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `dispatch_boundary_cancel`, recording undo steps.
fn fire_dispatch_boundary_cancel(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = true;
        undo.steps
            .push(
                UndoStep::CancelDispatchedReplaced(
                    ::std::mem::replace(&mut state.cancel_dispatched, new),
                ),
            );
    }
    effects
        .push(Effect::DispatchBoundaryCancel {
            run: *state.run.as_ref().ok_or(Fault::Absent)?,
        });
    Ok(())
}

/// Runs the updates and emits of `coalesce_boundary_cancel`, recording undo steps.
fn fire_coalesce_boundary_cancel(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `boundary_cancel_idle`, recording undo steps.
fn fire_boundary_cancel_idle(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `interrupt`, recording undo steps.
fn fire_interrupt(
    _state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    run: &RunId,
) -> Result<(), Fault> {
    effects.push(Effect::InterruptRun { run: *run });
    Ok(())
}

/// Runs the updates and emits of `stop`, recording undo steps.
fn fire_stop(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    for c in state.staged.iter() {
        if let Some(entry) = state.inputs.get_mut(c) {
            {
                let (k, value) = (*c, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*c);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*c, Some(AbandonReason::Stopped));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *c,
                    reason: AbandonReason::Stopped,
                });
        }
    }
    for s in state.steer.iter() {
        if let Some(entry) = state.inputs.get_mut(s) {
            {
                let (k, value) = (*s, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*s);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*s, Some(AbandonReason::Stopped));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *s,
                    reason: AbandonReason::Stopped,
                });
        }
    }
    for q in state.queue.iter() {
        if let Some(entry) = state.inputs.get_mut(q) {
            {
                let (k, value) = (*q, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*q);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*q, Some(AbandonReason::Stopped));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *q,
                    reason: AbandonReason::Stopped,
                });
        }
    }
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    if state.run.is_some() {
        effects
            .push(Effect::RunStopped {
                run: *state.run.as_ref().ok_or(Fault::Absent)?,
            });
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    state.phase = Phase::Stopped;
    effects
        .push(Effect::StopExecutor {
            reason: StopReason::Stopped,
        });
    Ok(())
}

/// Runs the updates and emits of `stop_idle`, recording undo steps.
fn fire_stop_idle(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    for s in state.steer.iter() {
        if let Some(entry) = state.inputs.get_mut(s) {
            {
                let (k, value) = (*s, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*s);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*s, Some(AbandonReason::Stopped));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *s,
                    reason: AbandonReason::Stopped,
                });
        }
    }
    for q in state.queue.iter() {
        if let Some(entry) = state.inputs.get_mut(q) {
            {
                let (k, value) = (*q, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*q);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*q, Some(AbandonReason::Stopped));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *q,
                    reason: AbandonReason::Stopped,
                });
        }
    }
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    state.phase = Phase::Stopped;
    Ok(())
}

/// Runs the updates and emits of `stop_again`, recording undo steps.
fn fire_stop_again(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `retire_idle`, recording undo steps.
fn fire_retire_idle(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    for s in state.steer.iter() {
        if let Some(entry) = state.inputs.get_mut(s) {
            {
                let (k, value) = (*s, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*s);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*s, Some(AbandonReason::Retired));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *s,
                    reason: AbandonReason::Retired,
                });
        }
    }
    for q in state.queue.iter() {
        if let Some(entry) = state.inputs.get_mut(q) {
            {
                let (k, value) = (*q, InputPhase::Abandoned);
                let old = ::std::mem::replace(&mut entry.phase, value);
                undo.steps.push(UndoStep::InputsLeaf2(k, old));
            }
            state.finished.push_back(*q);
            undo.steps.push(UndoStep::FinishedPushed);
            {
                let (k, value) = (*q, Some(AbandonReason::Retired));
                let old = ::std::mem::replace(&mut entry.reason, value);
                undo.steps.push(UndoStep::InputsLeaf3(k, old));
            }
            effects
                .push(Effect::Abandoned {
                    input: *q,
                    reason: AbandonReason::Retired,
                });
        }
    }
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    state.phase = Phase::Retired;
    Ok(())
}

/// Runs the updates and emits of `retire_drained`, recording undo steps.
fn fire_retire_drained(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    state.phase = Phase::Retired;
    effects.push(Effect::DetachLoop);
    Ok(())
}

/// Runs the updates and emits of `retire_draining`, recording undo steps.
fn fire_retire_draining(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = true;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    effects
        .push(Effect::Draining {
            pending: (state.queue.len() as u64)
                .checked_add(state.steer.len() as u64)
                .ok_or(Fault::Overflow)?
                .checked_add(state.staged.len() as u64)
                .ok_or(Fault::Overflow)?,
        });
    effects.push(Effect::Wake);
    Ok(())
}

/// Runs the updates and emits of `retire_again`, recording undo steps.
fn fire_retire_again(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `reset`, recording undo steps.
fn fire_reset(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_phase = state.phase;
    for s in state.steer.iter() {
        if state.inputs.contains_key(s) {
            effects
                .push(Effect::Abandoned {
                    input: *s,
                    reason: AbandonReason::Reset,
                });
        }
    }
    for q in state.queue.iter() {
        if state.inputs.contains_key(q) {
            effects
                .push(Effect::Abandoned {
                    input: *q,
                    reason: AbandonReason::Reset,
                });
        }
    }
    effects.push(Effect::Forgotten);
    undo.push_owned(Undo::InputsReplaced(::std::mem::take(&mut state.inputs)));
    while let Some(x) = state.finished.pop_front() {
        undo.steps.push(UndoStep::FinishedPopped(x));
    }
    undo.push_owned(Undo::KeysReplaced(::std::mem::take(&mut state.keys)));
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    if old_phase == Phase::Attached {
        effects.push(Effect::DetachLoop);
    }
    state.phase = Phase::Idle;
    Ok(())
}

/// Runs the updates and emits of `recycle`, recording undo steps.
fn fire_recycle(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_phase = state.phase;
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    for s in state.steer.iter() {
        effects
            .push(Effect::Transferred {
                input: *s,
                front: false,
            });
    }
    for q in state.queue.iter() {
        effects
            .push(Effect::Transferred {
                input: *q,
                front: false,
            });
    }
    if old_phase == Phase::Attached {
        effects.push(Effect::DetachLoop);
    }
    state.phase = Phase::Idle;
    Ok(())
}

/// Runs the updates and emits of `recover_run`, recording undo steps.
fn fire_recover_run(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    stopped: &Option<RunId>,
) -> Result<(), Fault> {
    let old_run = state.run;
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    for c in state.staged.iter() {
        if let Some(entry) = state.inputs.get_mut(c) {
            if entry.attempts >= state.max_attempts {
                {
                    let (k, value) = (*c, InputPhase::Abandoned);
                    let old = ::std::mem::replace(&mut entry.phase, value);
                    undo.steps.push(UndoStep::InputsLeaf2(k, old));
                }
                state.finished.push_back(*c);
                undo.steps.push(UndoStep::FinishedPushed);
                {
                    let (k, value) = (*c, Some(AbandonReason::MaxAttemptsExhausted));
                    let old = ::std::mem::replace(&mut entry.reason, value);
                    undo.steps.push(UndoStep::InputsLeaf3(k, old));
                }
                effects
                    .push(Effect::Abandoned {
                        input: *c,
                        reason: AbandonReason::MaxAttemptsExhausted,
                    });
            } else {
                {
                    let (k, value) = (*c, InputPhase::Queued);
                    let old = ::std::mem::replace(&mut entry.phase, value);
                    undo.steps.push(UndoStep::InputsLeaf2(k, old));
                }
                effects
                    .push(Effect::Transferred {
                        input: *c,
                        front: true,
                    });
            }
        }
    }
    for q in state.queue.iter() {
        state.staged.push_back(*q);
        undo.steps.push(UndoStep::StagedPushed);
    }
    for s in state.steer.iter() {
        state.staged.push_back(*s);
        undo.steps.push(UndoStep::StagedPushed);
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    for x in state.staged.iter() {
        match state.inputs.get(x) {
            Some(entry) if entry.phase == InputPhase::Queued => {
                if entry.lane == Lane::Steer {
                    state.steer.push_back(*x);
                    undo.steps.push(UndoStep::SteerPushed);
                } else {
                    state.queue.push_back(*x);
                    undo.steps.push(UndoStep::QueuePushed);
                }
            }
            _ => {}
        }
    }
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    if state.run.is_some() {
        effects
            .push(Effect::RunStopped {
                run: *state.run.as_ref().ok_or(Fault::Absent)?,
            });
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    if stopped.is_some() && ((*stopped) == old_run) {
        effects
            .push(Effect::StopExecutor {
                reason: StopReason::Stopped,
            });
    } else {
        effects.push(Effect::DetachLoop);
    }
    state.phase = Phase::Idle;
    Ok(())
}

/// Runs the updates and emits of `recover`, recording undo steps.
fn fire_recover(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_phase = state.phase;
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    if old_phase == Phase::Attached {
        effects.push(Effect::DetachLoop);
    }
    state.phase = Phase::Idle;
    Ok(())
}

/// Runs the updates and emits of `destroy`, recording undo steps.
fn fire_destroy(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_phase = state.phase;
    for c in state.staged.iter() {
        effects
            .push(Effect::Abandoned {
                input: *c,
                reason: AbandonReason::Destroyed,
            });
    }
    for s in state.steer.iter() {
        effects
            .push(Effect::Abandoned {
                input: *s,
                reason: AbandonReason::Destroyed,
            });
    }
    for q in state.queue.iter() {
        effects
            .push(Effect::Abandoned {
                input: *q,
                reason: AbandonReason::Destroyed,
            });
    }
    if (old_phase == Phase::Attached) || (old_phase == Phase::Running) {
        effects
            .push(Effect::StopExecutor {
                reason: StopReason::Destroyed,
            });
    }
    undo.push_owned(Undo::InputsReplaced(::std::mem::take(&mut state.inputs)));
    while let Some(x) = state.finished.pop_front() {
        undo.steps.push(UndoStep::FinishedPopped(x));
    }
    undo.push_owned(Undo::KeysReplaced(::std::mem::take(&mut state.keys)));
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    if state.run.is_some() {
        effects
            .push(Effect::RunStopped {
                run: *state.run.as_ref().ok_or(Fault::Absent)?,
            });
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    state.phase = Phase::Destroyed;
    Ok(())
}

/// Runs the updates and emits of `unregister`, recording undo steps.
fn fire_unregister(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    let old_phase = state.phase;
    for c in state.staged.iter() {
        effects
            .push(Effect::Abandoned {
                input: *c,
                reason: AbandonReason::Unregistered,
            });
    }
    for s in state.steer.iter() {
        effects
            .push(Effect::Abandoned {
                input: *s,
                reason: AbandonReason::Unregistered,
            });
    }
    for q in state.queue.iter() {
        effects
            .push(Effect::Abandoned {
                input: *q,
                reason: AbandonReason::Unregistered,
            });
    }
    if (old_phase == Phase::Attached) || (old_phase == Phase::Running) {
        effects
            .push(Effect::StopExecutor {
                reason: StopReason::Unregistered,
            });
    }
    undo.push_owned(Undo::InputsReplaced(::std::mem::take(&mut state.inputs)));
    while let Some(x) = state.finished.pop_front() {
        undo.steps.push(UndoStep::FinishedPopped(x));
    }
    undo.push_owned(Undo::KeysReplaced(::std::mem::take(&mut state.keys)));
    while let Some(x) = state.staged.pop_front() {
        undo.steps.push(UndoStep::StagedPopped(x));
    }
    while let Some(x) = state.steer.pop_front() {
        undo.steps.push(UndoStep::SteerPopped(x));
    }
    while let Some(x) = state.queue.pop_front() {
        undo.steps.push(UndoStep::QueuePopped(x));
    }
    if state.run.is_some() {
        effects
            .push(Effect::RunStopped {
                run: *state.run.as_ref().ok_or(Fault::Absent)?,
            });
    }
    {
        let new = None;
        undo.steps.push(UndoStep::RunReplaced(::std::mem::replace(&mut state.run, new)));
    }
    {
        let new = false;
        undo.steps
            .push(
                UndoStep::RetiringReplaced(::std::mem::replace(&mut state.retiring, new)),
            );
    }
    state.phase = Phase::Destroyed;
    effects.push(Effect::Removed);
    Ok(())
}

/// Picks the first candidate whose guards hold and fires it.
fn dispatch(
    state: &mut State,
    input: &Input,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<TransitionId, RejectReason> {
    match input {
        Input::Register { remember } => {
            match state.phase {
                Phase::Initializing => {
                    let failed_0 = match self::guards_register(state, remember)
                        .map_err(|f| f.at::<Machine>(TransitionId::Register))?
                    {
                        None => {
                            self::fire_register(state, undo, effects, remember)
                                .map_err(|f| f.at::<Machine>(TransitionId::Register))?;
                            return Ok(TransitionId::Register);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Register, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                Phase::Idle
                | Phase::Attached
                | Phase::Running
                | Phase::Retired
                | Phase::Stopped => {
                    self::fire_register_again(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::RegisterAgain))?;
                    Ok(TransitionId::RegisterAgain)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::AttachExecutor { loop_gone } => {
            match state.phase {
                Phase::Idle | Phase::Stopped => {
                    self::fire_attach(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Attach))?;
                    Ok(TransitionId::Attach)
                }
                Phase::Attached => {
                    if self::guards_replace_lost_loop(state, loop_gone)
                        .map_err(|f| f.at::<Machine>(TransitionId::ReplaceLostLoop))?
                        .is_none()
                    {
                        self::fire_replace_lost_loop(state, undo, effects)
                            .map_err(|f| {
                                f.at::<Machine>(TransitionId::ReplaceLostLoop)
                            })?;
                        return Ok(TransitionId::ReplaceLostLoop);
                    }
                    self::fire_attach_again(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::AttachAgain))?;
                    Ok(TransitionId::AttachAgain)
                }
                Phase::Running => {
                    self::fire_attach_again(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::AttachAgain))?;
                    Ok(TransitionId::AttachAgain)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Accept { id, named, kind, lane, durability, key, has_request, wake } => {
            match state.phase {
                Phase::Idle | Phase::Attached | Phase::Running => {
                    let failed_0 = match self::guards_join_in_flight(state, key)
                        .map_err(|f| f.at::<Machine>(TransitionId::JoinInFlight))?
                    {
                        None => {
                            self::fire_join_in_flight(state, undo, effects, key)
                                .map_err(|f| f.at::<Machine>(TransitionId::JoinInFlight))?;
                            return Ok(TransitionId::JoinInFlight);
                        }
                        Some(guard) => guard,
                    };
                    let failed_1 = match self::guards_dedupe_terminal(state, key)
                        .map_err(|f| f.at::<Machine>(TransitionId::DedupeTerminal))?
                    {
                        None => {
                            self::fire_dedupe_terminal(state, undo, effects, key)
                                .map_err(|f| {
                                    f.at::<Machine>(TransitionId::DedupeTerminal)
                                })?;
                            return Ok(TransitionId::DedupeTerminal);
                        }
                        Some(guard) => guard,
                    };
                    let failed_2 = match self::guards_accept(
                            state,
                            id,
                            named,
                            kind,
                            durability,
                            key,
                            has_request,
                        )
                        .map_err(|f| f.at::<Machine>(TransitionId::Accept))?
                    {
                        None => {
                            self::fire_accept(
                                    state,
                                    undo,
                                    effects,
                                    id,
                                    kind,
                                    lane,
                                    durability,
                                    key,
                                    wake,
                                )
                                .map_err(|f| f.at::<Machine>(TransitionId::Accept))?;
                            return Ok(TransitionId::Accept);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::JoinInFlight, guard
                                : failed_0 }, FailedGuard { transition :
                                TransitionId::DedupeTerminal, guard : failed_1 },
                                FailedGuard { transition : TransitionId::Accept, guard :
                                failed_2 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::WakeLoop => {
            match state.phase {
                Phase::Idle | Phase::Retired | Phase::Stopped => {
                    self::fire_wake_without_loop(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::WakeWithoutLoop))?;
                    Ok(TransitionId::WakeWithoutLoop)
                }
                Phase::Attached | Phase::Running => {
                    self::fire_wake(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Wake))?;
                    Ok(TransitionId::Wake)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::StartRun { unregistering } => {
            match state.phase {
                Phase::Attached => {
                    if self::guards_hold_for_unregister(state, unregistering)
                        .map_err(|f| f.at::<Machine>(TransitionId::HoldForUnregister))?
                        .is_none()
                    {
                        self::fire_hold_for_unregister(state, undo, effects)
                            .map_err(|f| {
                                f.at::<Machine>(TransitionId::HoldForUnregister)
                            })?;
                        return Ok(TransitionId::HoldForUnregister);
                    }
                    if self::guards_start_steer_run(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::StartSteerRun))?
                        .is_none()
                    {
                        self::fire_start_steer_run(state, undo, effects)
                            .map_err(|f| f.at::<Machine>(TransitionId::StartSteerRun))?;
                        return Ok(TransitionId::StartSteerRun);
                    }
                    if self::guards_start_queue_run(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::StartQueueRun))?
                        .is_none()
                    {
                        self::fire_start_queue_run(state, undo, effects)
                            .map_err(|f| f.at::<Machine>(TransitionId::StartQueueRun))?;
                        return Ok(TransitionId::StartQueueRun);
                    }
                    if self::guards_start_nothing_retire(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::StartNothingRetire))?
                        .is_none()
                    {
                        self::fire_start_nothing_retire(state, undo, effects)
                            .map_err(|f| {
                                f.at::<Machine>(TransitionId::StartNothingRetire)
                            })?;
                        return Ok(TransitionId::StartNothingRetire);
                    }
                    self::fire_start_nothing(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::StartNothing))?;
                    Ok(TransitionId::StartNothing)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::RunApplied { run } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_run_applied(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::RunApplied))?
                    {
                        None => {
                            self::fire_run_applied(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::RunApplied))?;
                            return Ok(TransitionId::RunApplied);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::RunApplied, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::CommitRun { run } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_commit_run(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::CommitRun))?
                    {
                        None => {
                            self::fire_commit_run(state, undo, effects, run)
                                .map_err(|f| f.at::<Machine>(TransitionId::CommitRun))?;
                            return Ok(TransitionId::CommitRun);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::CommitRun, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::FailRun { run } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_fail_run(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::FailRun))?
                    {
                        None => {
                            self::fire_fail_run(state, undo, effects, run)
                                .map_err(|f| f.at::<Machine>(TransitionId::FailRun))?;
                            return Ok(TransitionId::FailRun);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::FailRun, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::CancelRun { run } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_cancel_run(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::CancelRun))?
                    {
                        None => {
                            self::fire_cancel_run(state, undo, effects, run)
                                .map_err(|f| f.at::<Machine>(TransitionId::CancelRun))?;
                            return Ok(TransitionId::CancelRun);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::CancelRun, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::CancelAfterBoundary { run, returned } => {
            match state.phase {
                Phase::Idle | Phase::Attached => {
                    self::fire_boundary_cancel_idle(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::BoundaryCancelIdle))?;
                    Ok(TransitionId::BoundaryCancelIdle)
                }
                Phase::Running => {
                    if self::guards_dispatch_boundary_cancel(state, run, returned)
                        .map_err(|f| {
                            f.at::<Machine>(TransitionId::DispatchBoundaryCancel)
                        })?
                        .is_none()
                    {
                        self::fire_dispatch_boundary_cancel(state, undo, effects)
                            .map_err(|f| {
                                f.at::<Machine>(TransitionId::DispatchBoundaryCancel)
                            })?;
                        return Ok(TransitionId::DispatchBoundaryCancel);
                    }
                    self::fire_coalesce_boundary_cancel(state, undo, effects)
                        .map_err(|f| {
                            f.at::<Machine>(TransitionId::CoalesceBoundaryCancel)
                        })?;
                    Ok(TransitionId::CoalesceBoundaryCancel)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Interrupt { run, returned } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_interrupt(state, run, returned)
                        .map_err(|f| f.at::<Machine>(TransitionId::Interrupt))?
                    {
                        None => {
                            self::fire_interrupt(state, undo, effects, run)
                                .map_err(|f| f.at::<Machine>(TransitionId::Interrupt))?;
                            return Ok(TransitionId::Interrupt);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Interrupt, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Stop { run } => {
            match state.phase {
                Phase::Idle | Phase::Retired => {
                    let failed_0 = match self::guards_stop_idle(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::StopIdle))?
                    {
                        None => {
                            self::fire_stop_idle(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::StopIdle))?;
                            return Ok(TransitionId::StopIdle);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::StopIdle, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                Phase::Attached | Phase::Running => {
                    let failed_0 = match self::guards_stop(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::Stop))?
                    {
                        None => {
                            self::fire_stop(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::Stop))?;
                            return Ok(TransitionId::Stop);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Stop, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                Phase::Stopped => {
                    let failed_0 = match self::guards_stop_again(state, run)
                        .map_err(|f| f.at::<Machine>(TransitionId::StopAgain))?
                    {
                        None => {
                            self::fire_stop_again(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::StopAgain))?;
                            return Ok(TransitionId::StopAgain);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::StopAgain, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Retire => {
            match state.phase {
                Phase::Idle => {
                    self::fire_retire_idle(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::RetireIdle))?;
                    Ok(TransitionId::RetireIdle)
                }
                Phase::Attached => {
                    if self::guards_retire_drained(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::RetireDrained))?
                        .is_none()
                    {
                        self::fire_retire_drained(state, undo, effects)
                            .map_err(|f| f.at::<Machine>(TransitionId::RetireDrained))?;
                        return Ok(TransitionId::RetireDrained);
                    }
                    self::fire_retire_draining(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::RetireDraining))?;
                    Ok(TransitionId::RetireDraining)
                }
                Phase::Running => {
                    self::fire_retire_draining(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::RetireDraining))?;
                    Ok(TransitionId::RetireDraining)
                }
                Phase::Retired => {
                    self::fire_retire_again(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::RetireAgain))?;
                    Ok(TransitionId::RetireAgain)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Reset => {
            match state.phase {
                Phase::Idle | Phase::Attached | Phase::Retired | Phase::Stopped => {
                    self::fire_reset(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Reset))?;
                    Ok(TransitionId::Reset)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Recycle => {
            match state.phase {
                Phase::Idle | Phase::Attached | Phase::Retired => {
                    self::fire_recycle(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Recycle))?;
                    Ok(TransitionId::Recycle)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Recover { stopped } => {
            match state.phase {
                Phase::Idle | Phase::Attached => {
                    self::fire_recover(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Recover))?;
                    Ok(TransitionId::Recover)
                }
                Phase::Running => {
                    self::fire_recover_run(state, undo, effects, stopped)
                        .map_err(|f| f.at::<Machine>(TransitionId::RecoverRun))?;
                    Ok(TransitionId::RecoverRun)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Destroy => {
            match state.phase {
                Phase::Initializing
                | Phase::Idle
                | Phase::Attached
                | Phase::Running
                | Phase::Retired
                | Phase::Stopped => {
                    self::fire_destroy(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Destroy))?;
                    Ok(TransitionId::Destroy)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Unregister => {
            match state.phase {
                Phase::Initializing
                | Phase::Idle
                | Phase::Attached
                | Phase::Running
                | Phase::Retired
                | Phase::Stopped => {
                    self::fire_unregister(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Unregister))?;
                    Ok(TransitionId::Unregister)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
    }
}

fn invariant_running_has_run(state: &State) -> Result<bool, Fault> {
    Ok(!(state.phase == Phase::Running) || state.run.is_some())
}

fn invariant_run_only_while_running(state: &State) -> Result<bool, Fault> {
    Ok(!state.run.is_some() || (state.phase == Phase::Running))
}

fn invariant_staged_belong_to_run(state: &State) -> Result<bool, Fault> {
    Ok('all_c_0: {
        for c in state.staged.iter() {
            if !match state.inputs.get(c) {
                Some(entry) => {
                    ((entry.last_run == state.run)
                        && ((entry.phase == InputPhase::Staged)
                            || (entry.phase == InputPhase::Applied)))
                }
                None => false,
            } {
                break 'all_c_0 false;
            }
        }
        true
    })
}

/// The head of each lane, where the next run starts, is a queued input of that lane
/// (the walk test checks every input of both lanes).
fn invariant_queue_head_is_queued(state: &State) -> Result<bool, Fault> {
    Ok(
        !state.queue.front().is_some()
            || ((state
                .inputs
                .contains_key(&state.queue.front().cloned().ok_or(Fault::Absent)?)
                && (state
                    .inputs
                    .get(&state.queue.front().cloned().ok_or(Fault::Absent)?)
                    .ok_or(Fault::Absent)?
                    .phase == InputPhase::Queued))
                && (state
                    .inputs
                    .get(&state.queue.front().cloned().ok_or(Fault::Absent)?)
                    .ok_or(Fault::Absent)?
                    .lane == Lane::Queue)),
    )
}

fn invariant_steer_head_is_queued(state: &State) -> Result<bool, Fault> {
    Ok(
        !state.steer.front().is_some()
            || ((state
                .inputs
                .contains_key(&state.steer.front().cloned().ok_or(Fault::Absent)?)
                && (state
                    .inputs
                    .get(&state.steer.front().cloned().ok_or(Fault::Absent)?)
                    .ok_or(Fault::Absent)?
                    .phase == InputPhase::Queued))
                && (state
                    .inputs
                    .get(&state.steer.front().cloned().ok_or(Fault::Absent)?)
                    .ok_or(Fault::Absent)?
                    .lane == Lane::Steer)),
    )
}

/// A key is bound to the one input that carries it, so there are no more keys than
/// inputs (the walk test checks each binding, both ways).
fn invariant_keys_within_inputs(state: &State) -> Result<bool, Fault> {
    Ok((state.keys.len() as u64) <= (state.inputs.len() as u64))
}

fn invariant_nothing_pending_when_closed(state: &State) -> Result<bool, Fault> {
    Ok(
        !(((state.phase == Phase::Stopped) || (state.phase == Phase::Retired))
            || (state.phase == Phase::Destroyed))
            || ((state.queue.is_empty() && state.steer.is_empty())
                && state.staged.is_empty()),
    )
}

/// Attempts are counted when a run starts, so the run's contributors are where a count
/// could pass the limit (the walk test checks every remembered input).
fn invariant_attempts_bounded(state: &State) -> Result<bool, Fault> {
    Ok('all_c_0: {
        for c in state.staged.iter() {
            if !match state.inputs.get(c) {
                Some(entry) => (entry.attempts <= state.max_attempts),
                None => false,
            } {
                break 'all_c_0 false;
            }
        }
        true
    })
}

fn invariant_retiring_has_loop(state: &State) -> Result<bool, Fault> {
    Ok(
        !state.retiring
            || ((state.phase == Phase::Attached) || (state.phase == Phase::Running)),
    )
}

/// A run has contributors: a lane is never started empty, and every way a run loses its
/// contributors ends it.
fn invariant_running_has_contributors(state: &State) -> Result<bool, Fault> {
    Ok(!(state.phase == Phase::Running) || (!state.staged.is_empty()))
}

/// A prompt always runs alone, and so does an input being retried; a run's contributors
/// share the attempt the run is for them.
fn invariant_prompt_runs_alone(state: &State) -> Result<bool, Fault> {
    Ok('all_c_0: {
        for c in state.staged.iter() {
            if !(!match state.inputs.get(c) {
                Some(entry) => (entry.kind == Kind::Prompt),
                None => false,
            } || ((state.staged.len() as u64) == 1u64))
            {
                break 'all_c_0 false;
            }
        }
        true
    })
}

fn invariant_retry_runs_alone(state: &State) -> Result<bool, Fault> {
    Ok('all_c_0: {
        for c in state.staged.iter() {
            if !(!match state.inputs.get(c) {
                Some(entry) => (entry.attempts > 1u64),
                None => false,
            } || ((state.staged.len() as u64) == 1u64))
            {
                break 'all_c_0 false;
            }
        }
        true
    })
}

fn invariant_contributors_share_the_attempt(state: &State) -> Result<bool, Fault> {
    Ok('all_c_0: {
        for c in state.staged.iter() {
            if !match state.inputs.get(c) {
                Some(entry) => (entry.attempts == state.run_attempt),
                None => false,
            } {
                break 'all_c_0 false;
            }
        }
        true
    })
}

/// Run ids are allocated from `next_run`: the run in flight is below it.
fn invariant_runs_below_next_run(state: &State) -> Result<bool, Fault> {
    Ok(
        !state.run.is_some()
            || ((*state.run.as_ref().ok_or(Fault::Absent)?) < state.next_run),
    )
}

/// Every remembered input is listed once: in a lane, in the run, or among the finished
/// (the walk test checks that each is listed where its phase says).
fn invariant_every_input_listed(state: &State) -> Result<bool, Fault> {
    Ok(
        (state.queue.len() as u64)
            .checked_add(state.steer.len() as u64)
            .ok_or(Fault::Overflow)?
            .checked_add(state.staged.len() as u64)
            .ok_or(Fault::Overflow)?
            .checked_add(state.finished.len() as u64)
            .ok_or(Fault::Overflow)? == (state.inputs.len() as u64),
    )
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
    match invariant_running_has_run(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "running_has_run",
                fault: value.err(),
            });
        }
    }
    match invariant_run_only_while_running(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "run_only_while_running",
                fault: value.err(),
            });
        }
    }
    match invariant_staged_belong_to_run(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "staged_belong_to_run",
                fault: value.err(),
            });
        }
    }
    match invariant_queue_head_is_queued(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "queue_head_is_queued",
                fault: value.err(),
            });
        }
    }
    match invariant_steer_head_is_queued(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "steer_head_is_queued",
                fault: value.err(),
            });
        }
    }
    match invariant_keys_within_inputs(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "keys_within_inputs",
                fault: value.err(),
            });
        }
    }
    match invariant_nothing_pending_when_closed(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "nothing_pending_when_closed",
                fault: value.err(),
            });
        }
    }
    match invariant_attempts_bounded(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "attempts_bounded",
                fault: value.err(),
            });
        }
    }
    match invariant_retiring_has_loop(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "retiring_has_loop",
                fault: value.err(),
            });
        }
    }
    match invariant_running_has_contributors(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "running_has_contributors",
                fault: value.err(),
            });
        }
    }
    match invariant_prompt_runs_alone(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "prompt_runs_alone",
                fault: value.err(),
            });
        }
    }
    match invariant_retry_runs_alone(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "retry_runs_alone",
                fault: value.err(),
            });
        }
    }
    match invariant_contributors_share_the_attempt(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "contributors_share_the_attempt",
                fault: value.err(),
            });
        }
    }
    match invariant_runs_below_next_run(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "runs_below_next_run",
                fault: value.err(),
            });
        }
    }
    match invariant_every_input_listed(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "every_input_listed",
                fault: value.err(),
            });
        }
    }
    Ok(())
}

/// This machine, for the generic half of the kernel in `suricate_kernel`: the
/// `Authority` below and its answer types are instantiated with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Machine;

impl ::suricate_kernel::Machine for Machine {
    type State = State;
    type Phase = Phase;
    type Input = Input;
    type InputKind = InputKind;
    type Effect = Effect;
    type EffectKind = EffectKind;
    type TransitionId = TransitionId;
    type UndoLog = UndoLog;
    const CHECK_INVARIANTS_BY_DEFAULT: bool = cfg!(debug_assertions);
    fn initial() -> State {
        State::initial()
    }
    fn phase(state: &State) -> Phase {
        state.phase
    }
    fn input_kind(input: &Input) -> InputKind {
        input.kind()
    }
    fn dispatch(
        state: &mut State,
        input: &Input,
        undo: &mut UndoLog,
        effects: &mut Vec<Effect>,
    ) -> Result<TransitionId, RejectReason> {
        self::dispatch(state, input, undo, effects)
    }
    fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
        self::undo(state, phase, log)
    }
    fn clear_undo(log: &mut UndoLog) {
        log.clear()
    }
    fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
        self::check_invariants(state)
    }
}

/// Owns the machine's state; the only way to change it is `apply` (and `rollback`).
pub type Authority = ::suricate_kernel::Authority<Machine>;

/// The result of applying an input: what fired, and the effects to realise. Keep it
/// to roll the transition back if realising the effects fails.
pub type Transition = ::suricate_kernel::Transition<Machine>;

/// What `apply` would do, computed without changing the authority.
pub type Preview = ::suricate_kernel::Preview<Machine>;
