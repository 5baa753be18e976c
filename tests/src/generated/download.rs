// @generated from codegen/tests/specs/download.machine by `cargo xtask gen`; do not edit.
//! Lifecycle of a single download job.
//!
//! Kernel of machine `Download`, generated from `codegen/tests/specs/download.machine` by `cargo xtask gen`.
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
use std::collections::{BTreeSet, VecDeque};

/// Opaque job identifier.
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
pub struct JobId(pub String);

impl ::std::convert::From<String> for JobId {
    fn from(value: String) -> Self {
        JobId(value)
    }
}

impl ::std::convert::From<&str> for JobId {
    fn from(value: &str) -> Self {
        JobId(value.to_string())
    }
}

impl ::std::fmt::Display for JobId {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `type Bytes = u64;`.
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
pub struct Bytes(pub u64);

impl ::std::convert::From<u64> for Bytes {
    fn from(value: u64) -> Self {
        Bytes(value)
    }
}

impl ::std::fmt::Display for Bytes {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `enum FailReason`.
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
pub enum FailReason {
    /// `FailReason::Network`, a variant of the spec's enum.
    Network,
    /// `FailReason::Disk`, a variant of the spec's enum.
    Disk,
    /// `FailReason::Cancelled`, a variant of the spec's enum.
    Cancelled,
}

impl FailReason {
    /// Every variant, in declaration order.
    pub const ALL: [FailReason; 3usize] = [
        FailReason::Network,
        FailReason::Disk,
        FailReason::Cancelled,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            FailReason::Network => "Network",
            FailReason::Disk => "Disk",
            FailReason::Cancelled => "Cancelled",
        }
    }
}

impl ::std::fmt::Display for FailReason {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The spec's `struct Chunk`.
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
pub struct Chunk {
    /// Field `offset: u64` of `Chunk`.
    pub offset: u64,
    /// Field `len: u64` of `Chunk`.
    pub len: u64,
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
    /// Phase `Idle`, the initial one.
    Idle,
    /// Phase `Running`.
    Running,
    /// Phase `Paused`.
    Paused,
    /// Phase `Done`, terminal: never left.
    Done,
    /// Phase `Failed`, terminal: never left.
    Failed,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 5usize] = [
        Phase::Idle,
        Phase::Running,
        Phase::Paused,
        Phase::Done,
        Phase::Failed,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Idle => "Idle",
            Phase::Running => "Running",
            Phase::Paused => "Paused",
            Phase::Done => "Done",
            Phase::Failed => "Failed",
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
    pub const INITIAL: Phase = Phase::Idle;
    /// Terminal phases are never left.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Done | Phase::Failed)
    }
}

/// The machine's whole state: the phase plus every declared field.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    /// State field `job: Option<JobId>`, initially `none`.
    pub job: Option<JobId>,
    /// State field `received: Bytes`, initially `0`.
    pub received: Bytes,
    /// State field `total: Bytes`, initially `0`.
    pub total: Bytes,
    /// State field `retries: u64`, initially `0`.
    pub retries: u64,
    /// State field `max_retries: u64`, initially `3`.
    pub max_retries: u64,
    /// State field `chunks: Seq<Chunk>`, initially `[]`.
    pub chunks: VecDeque<Chunk>,
    /// State field `seen: Set<u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub seen: BTreeSet<u64>,
    /// State field `errors: Map<u64, FailReason>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub errors: OrdMap<u64, FailReason>,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Idle,
            job: None,
            received: Bytes(0u64),
            total: Bytes(0u64),
            retries: 0u64,
            max_retries: 3u64,
            chunks: VecDeque::new(),
            seen: BTreeSet::new(),
            errors: OrdMap::new(),
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
    /// The spec's input `Start`.
    Start {
        /// Field `job: JobId` of input `Start`.
        job: JobId,
        /// Field `total: Bytes` of input `Start`.
        total: Bytes,
    },
    /// The spec's input `Received`.
    Received {
        /// Field `chunk: Chunk` of input `Received`.
        chunk: Chunk,
    },
    /// The spec's input `Pause`.
    Pause,
    /// The spec's input `Resume`.
    Resume,
    /// The spec's input `Fail`.
    Fail {
        /// Field `reason: FailReason` of input `Fail`.
        reason: FailReason,
    },
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Start { .. } => InputKind::Start,
            Input::Received { .. } => InputKind::Received,
            Input::Pause => InputKind::Pause,
            Input::Resume => InputKind::Resume,
            Input::Fail { .. } => InputKind::Fail,
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
    /// The kind of `Input::Start`.
    Start,
    /// The kind of `Input::Received`.
    Received,
    /// The kind of `Input::Pause`.
    Pause,
    /// The kind of `Input::Resume`.
    Resume,
    /// The kind of `Input::Fail`.
    Fail,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 5usize] = [
        InputKind::Start,
        InputKind::Received,
        InputKind::Pause,
        InputKind::Resume,
        InputKind::Fail,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Start => "Start",
            InputKind::Received => "Received",
            InputKind::Pause => "Pause",
            InputKind::Resume => "Resume",
            InputKind::Fail => "Fail",
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
    /// The spec's effect `Started`.
    Started {
        /// Field `job: JobId` of effect `Started`.
        job: JobId,
    },
    /// The spec's effect `Progress`.
    Progress {
        /// Field `received: Bytes` of effect `Progress`.
        received: Bytes,
        /// Field `total: Bytes` of effect `Progress`.
        total: Bytes,
    },
    /// The spec's effect `Finished`.
    Finished {
        /// Field `job: JobId` of effect `Finished`.
        job: JobId,
    },
    /// The spec's effect `GaveUp`.
    GaveUp {
        /// Field `reason: FailReason` of effect `GaveUp`.
        reason: FailReason,
        /// Field `retries: u64` of effect `GaveUp`.
        retries: u64,
    },
    /// The spec's effect `Discarded`.
    Discarded {
        /// Field `offset: u64` of effect `Discarded`.
        offset: u64,
    },
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Started { .. } => EffectKind::Started,
            Effect::Progress { .. } => EffectKind::Progress,
            Effect::Finished { .. } => EffectKind::Finished,
            Effect::GaveUp { .. } => EffectKind::GaveUp,
            Effect::Discarded { .. } => EffectKind::Discarded,
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
    /// The kind of `Effect::Started`.
    Started,
    /// The kind of `Effect::Progress`.
    Progress,
    /// The kind of `Effect::Finished`.
    Finished,
    /// The kind of `Effect::GaveUp`.
    GaveUp,
    /// The kind of `Effect::Discarded`.
    Discarded,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 5usize] = [
        EffectKind::Started,
        EffectKind::Progress,
        EffectKind::Finished,
        EffectKind::GaveUp,
        EffectKind::Discarded,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Started => "Started",
            EffectKind::Progress => "Progress",
            EffectKind::Finished => "Finished",
            EffectKind::GaveUp => "GaveUp",
            EffectKind::Discarded => "Discarded",
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
    /// Transition `start`: on `Start`, from `Idle` to `Running`.
    Start,
    /// Transition `receive`: on `Received`, in `Running`, staying there.
    Receive,
    /// The last chunk completes the job (`receive` above has rejected it, so this
    /// candidate is tried next).
    Finish,
    /// Transition `pause`: on `Pause`, from `Running` to `Paused`.
    Pause,
    /// Transition `resume`: on `Resume`, from `Paused` to `Running`.
    Resume,
    /// Transition `retry`: on `Fail`, from `Running` or `Paused` to `Running`.
    Retry,
    /// Transition `give_up`: on `Fail`, from `Running` or `Paused` to `Failed`.
    GiveUp,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 7usize] = [
        TransitionId::Start,
        TransitionId::Receive,
        TransitionId::Finish,
        TransitionId::Pause,
        TransitionId::Resume,
        TransitionId::Retry,
        TransitionId::GiveUp,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Start => "start",
            TransitionId::Receive => "receive",
            TransitionId::Finish => "finish",
            TransitionId::Pause => "pause",
            TransitionId::Resume => "resume",
            TransitionId::Retry => "retry",
            TransitionId::GiveUp => "give_up",
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
        id: TransitionId::Start,
        name: "start",
        input: InputKind::Start,
        from: &[Phase::Idle],
        to: Some(Phase::Running),
        guards: &["positive_total"],
        effects: &[EffectKind::Started],
    },
    TransitionInfo {
        id: TransitionId::Receive,
        name: "receive",
        input: InputKind::Received,
        from: &[Phase::Running],
        to: None,
        guards: &["fresh_offset", "leaves_more"],
        effects: &[EffectKind::Progress],
    },
    TransitionInfo {
        id: TransitionId::Finish,
        name: "finish",
        input: InputKind::Received,
        from: &[Phase::Running],
        to: Some(Phase::Done),
        guards: &["fresh_offset", "completes", "has_job"],
        effects: &[EffectKind::Finished],
    },
    TransitionInfo {
        id: TransitionId::Pause,
        name: "pause",
        input: InputKind::Pause,
        from: &[Phase::Running],
        to: Some(Phase::Paused),
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Resume,
        name: "resume",
        input: InputKind::Resume,
        from: &[Phase::Paused],
        to: Some(Phase::Running),
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Retry,
        name: "retry",
        input: InputKind::Fail,
        from: &[Phase::Running, Phase::Paused],
        to: Some(Phase::Running),
        guards: &["budget_left"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::GiveUp,
        name: "give_up",
        input: InputKind::Fail,
        from: &[Phase::Running, Phase::Paused],
        to: Some(Phase::Failed),
        guards: &[],
        effects: &[EffectKind::Discarded, EffectKind::GaveUp],
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
    ChunksPushed,
    ErrorsEntry(u64, FailReason),
    ErrorsAdded(u64),
    ReceivedReplaced(Bytes),
    RetriesReplaced(u64),
    SeenInserted(u64),
    TotalReplaced(Bytes),
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
    ChunksPopped(Chunk),
    JobReplaced(Option<JobId>),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::ChunksPushed => {
                state.chunks.pop_back();
            }
            UndoStep::ErrorsEntry(k, old) => {
                state.errors.insert(k, old);
            }
            UndoStep::ErrorsAdded(k) => {
                state.errors.remove(&k);
            }
            UndoStep::ReceivedReplaced(old) => state.received = old,
            UndoStep::RetriesReplaced(old) => state.retries = old,
            UndoStep::SeenInserted(x) => {
                state.seen.remove(&x);
            }
            UndoStep::TotalReplaced(old) => state.total = old,
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::ChunksPopped(x) => state.chunks.push_front(x),
                        Undo::JobReplaced(old) => state.job = old,
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

/// Guards of `start`: the first that does not hold, if any.
fn guards_start(_state: &State, total: &Bytes) -> Result<Option<&'static str>, Fault> {
    if !((*total) > Bytes(0u64)) {
        return Ok(Some("positive_total"));
    }
    Ok(None)
}

/// Guards of `receive`: the first that does not hold, if any.
fn guards_receive(state: &State, chunk: &Chunk) -> Result<Option<&'static str>, Fault> {
    if state.seen.contains(&chunk.offset) {
        return Ok(Some("fresh_offset"));
    }
    if !(Bytes(state.received.0.checked_add(chunk.len).ok_or(Fault::Overflow)?)
        < state.total)
    {
        return Ok(Some("leaves_more"));
    }
    Ok(None)
}

/// Guards of `finish`: the first that does not hold, if any.
fn guards_finish(state: &State, chunk: &Chunk) -> Result<Option<&'static str>, Fault> {
    if state.seen.contains(&chunk.offset) {
        return Ok(Some("fresh_offset"));
    }
    if !(Bytes(state.received.0.checked_add(chunk.len).ok_or(Fault::Overflow)?)
        == state.total)
    {
        return Ok(Some("completes"));
    }
    if !state.job.is_some() {
        return Ok(Some("has_job"));
    }
    Ok(None)
}

/// Guards of `retry`: the first that does not hold, if any.
fn guards_retry(state: &State) -> Result<Option<&'static str>, Fault> {
    if !(state.retries < state.max_retries) {
        return Ok(Some("budget_left"));
    }
    Ok(None)
}

/// Runs the updates and emits of `start`, recording undo steps.
fn fire_start(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    job: &JobId,
    total: &Bytes,
) -> Result<(), Fault> {
    {
        let new = Some(job.clone());
        undo.push_owned(Undo::JobReplaced(::std::mem::replace(&mut state.job, new)));
    }
    {
        let new = *total;
        undo.steps
            .push(UndoStep::TotalReplaced(::std::mem::replace(&mut state.total, new)));
    }
    state.phase = Phase::Running;
    effects
        .push(Effect::Started {
            job: job.clone(),
        });
    Ok(())
}

/// Runs the updates and emits of `receive`, recording undo steps.
fn fire_receive(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    chunk: &Chunk,
) -> Result<(), Fault> {
    {
        let x = chunk.offset;
        if state.seen.insert(x) {
            undo.steps.push(UndoStep::SeenInserted(x));
        }
    }
    state.chunks.push_back(chunk.clone());
    undo.steps.push(UndoStep::ChunksPushed);
    {
        let new = Bytes(state.received.0.checked_add(chunk.len).ok_or(Fault::Overflow)?);
        undo.steps
            .push(
                UndoStep::ReceivedReplaced(::std::mem::replace(&mut state.received, new)),
            );
    }
    effects
        .push(Effect::Progress {
            received: state.received,
            total: state.total,
        });
    Ok(())
}

/// Runs the updates and emits of `finish`, recording undo steps.
fn fire_finish(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    chunk: &Chunk,
) -> Result<(), Fault> {
    {
        let new = Bytes(state.received.0.checked_add(chunk.len).ok_or(Fault::Overflow)?);
        undo.steps
            .push(
                UndoStep::ReceivedReplaced(::std::mem::replace(&mut state.received, new)),
            );
    }
    state.phase = Phase::Done;
    effects
        .push(Effect::Finished {
            job: state.job.as_ref().ok_or(Fault::Absent)?.clone(),
        });
    Ok(())
}

/// Runs the updates and emits of `pause`, recording undo steps.
fn fire_pause(
    state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Paused;
    Ok(())
}

/// Runs the updates and emits of `resume`, recording undo steps.
fn fire_resume(
    state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Running;
    Ok(())
}

/// Runs the updates and emits of `retry`, recording undo steps.
fn fire_retry(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    reason: &FailReason,
) -> Result<(), Fault> {
    {
        let new = state.retries.checked_add(1u64).ok_or(Fault::Overflow)?;
        undo.steps
            .push(
                UndoStep::RetriesReplaced(::std::mem::replace(&mut state.retries, new)),
            );
    }
    {
        let (k, value) = (state.retries, *reason);
        match state.errors.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ErrorsEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ErrorsAdded(k));
            }
        }
    }
    state.phase = Phase::Running;
    Ok(())
}

/// Runs the updates and emits of `give_up`, recording undo steps.
fn fire_give_up(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    reason: &FailReason,
) -> Result<(), Fault> {
    for c in state.chunks.iter() {
        effects
            .push(Effect::Discarded {
                offset: c.offset,
            });
    }
    while let Some(x) = state.chunks.pop_front() {
        undo.push_owned(Undo::ChunksPopped(x));
    }
    state.phase = Phase::Failed;
    effects
        .push(Effect::GaveUp {
            reason: *reason,
            retries: state.retries,
        });
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
        Input::Start { job, total } => {
            match state.phase {
                Phase::Idle => {
                    let failed_0 = match self::guards_start(state, total)
                        .map_err(|f| f.at::<Machine>(TransitionId::Start))?
                    {
                        None => {
                            self::fire_start(state, undo, effects, job, total)
                                .map_err(|f| f.at::<Machine>(TransitionId::Start))?;
                            return Ok(TransitionId::Start);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Start, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Received { chunk } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_receive(state, chunk)
                        .map_err(|f| f.at::<Machine>(TransitionId::Receive))?
                    {
                        None => {
                            self::fire_receive(state, undo, effects, chunk)
                                .map_err(|f| f.at::<Machine>(TransitionId::Receive))?;
                            return Ok(TransitionId::Receive);
                        }
                        Some(guard) => guard,
                    };
                    let failed_1 = match self::guards_finish(state, chunk)
                        .map_err(|f| f.at::<Machine>(TransitionId::Finish))?
                    {
                        None => {
                            self::fire_finish(state, undo, effects, chunk)
                                .map_err(|f| f.at::<Machine>(TransitionId::Finish))?;
                            return Ok(TransitionId::Finish);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Receive, guard :
                                failed_0 }, FailedGuard { transition : TransitionId::Finish,
                                guard : failed_1 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Pause => {
            match state.phase {
                Phase::Running => {
                    self::fire_pause(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Pause))?;
                    Ok(TransitionId::Pause)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Resume => {
            match state.phase {
                Phase::Paused => {
                    self::fire_resume(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Resume))?;
                    Ok(TransitionId::Resume)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Fail { reason } => {
            match state.phase {
                Phase::Running | Phase::Paused => {
                    if self::guards_retry(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Retry))?
                        .is_none()
                    {
                        self::fire_retry(state, undo, effects, reason)
                            .map_err(|f| f.at::<Machine>(TransitionId::Retry))?;
                        return Ok(TransitionId::Retry);
                    }
                    self::fire_give_up(state, undo, effects, reason)
                        .map_err(|f| f.at::<Machine>(TransitionId::GiveUp))?;
                    Ok(TransitionId::GiveUp)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
    }
}

fn invariant_received_within_total(state: &State) -> Result<bool, Fault> {
    Ok(state.received <= state.total)
}

fn invariant_done_means_complete(state: &State) -> Result<bool, Fault> {
    Ok(!(state.phase == Phase::Done) || (state.received == state.total))
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
    match invariant_received_within_total(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "received_within_total",
                fault: value.err(),
            });
        }
    }
    match invariant_done_means_complete(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "done_means_complete",
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
