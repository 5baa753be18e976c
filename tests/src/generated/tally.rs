// @generated from codegen/tests/specs/edge_cases.machine by `cargo xtask gen`; do not edit.
//! Names with a shared suffix (`clippy::enum_variant_names`): the inputs, and the undo
//! records of three assigned fields (`StartsReplaced`, `StopsReplaced`, `ResetsReplaced`).
//!
//! Kernel of machine `Tally`, generated from `codegen/tests/specs/edge_cases.machine` by `cargo xtask gen`.
#![allow(non_camel_case_types, non_snake_case, unused_parens)]

#![allow(
    clippy::nonminimal_bool,
    clippy::bool_comparison,
    clippy::collapsible_if,
    clippy::collapsible_else_if,
    clippy::double_parens,
    clippy::ptr_arg
)]
#![allow(
    clippy::upper_case_acronyms,
    clippy::enum_variant_names,
    clippy::too_many_arguments
)]
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
    Counting,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 1usize] = [Phase::Counting];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Counting => "Counting",
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
    pub const INITIAL: Phase = Phase::Counting;
    /// Terminal phases are never left.
    pub fn is_terminal(self) -> bool {
        false
    }
}

/// The machine's whole state: the phase plus every declared field.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    pub starts: u64,
    pub stops: u64,
    pub resets: u64,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Counting,
            starts: 0u64,
            stops: 0u64,
            resets: 0u64,
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
pub enum Input {
    StartRequested,
    StopRequested,
    ResetRequested,
}

impl Input {
    pub fn kind(&self) -> InputKind {
        match self {
            Input::StartRequested => InputKind::StartRequested,
            Input::StopRequested => InputKind::StopRequested,
            Input::ResetRequested => InputKind::ResetRequested,
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
    StartRequested,
    StopRequested,
    ResetRequested,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 3usize] = [
        InputKind::StartRequested,
        InputKind::StopRequested,
        InputKind::ResetRequested,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::StartRequested => "StartRequested",
            InputKind::StopRequested => "StopRequested",
            InputKind::ResetRequested => "ResetRequested",
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
pub enum Effect {}
impl Effect {
    pub fn kind(&self) -> EffectKind {
        match *self {}
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
pub enum EffectKind {}
impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 0usize] = [];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {}
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
    Start,
    Stop,
    Reset,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 3usize] = [
        TransitionId::Start,
        TransitionId::Stop,
        TransitionId::Reset,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Start => "start",
            TransitionId::Stop => "stop",
            TransitionId::Reset => "reset",
        }
    }
}

impl ::std::fmt::Display for TransitionId {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Static description of one transition, for tooling and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionInfo {
    pub id: TransitionId,
    pub name: &'static str,
    pub input: InputKind,
    /// Phases it fires from.
    pub from: &'static [Phase],
    /// The phase it leads to; `None` stays in the phase it fired from.
    pub to: Option<Phase>,
    /// Guard names, in evaluation order.
    pub guards: &'static [&'static str],
    /// Kinds of effect it may emit, in first-emission order.
    pub effects: &'static [EffectKind],
}

/// Every transition, in declaration (dispatch) order; indexed by `TransitionId as usize`.
pub const TRANSITIONS: &[TransitionInfo] = &[
    TransitionInfo {
        id: TransitionId::Start,
        name: "start",
        input: InputKind::StartRequested,
        from: &[Phase::Counting],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Stop,
        name: "stop",
        input: InputKind::StopRequested,
        from: &[Phase::Counting],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Reset,
        name: "reset",
        input: InputKind::ResetRequested,
        from: &[Phase::Counting],
        to: None,
        guards: &[],
        effects: &[],
    },
];

impl TransitionId {
    /// This transition's static description.
    pub fn info(self) -> &'static TransitionInfo {
        &TRANSITIONS[self as usize]
    }
}

/// Why an input was rejected. A rejected input leaves the state untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The phase the input arrived in.
    pub phase: Phase,
    pub input: InputKind,
    pub reason: RejectReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// No transition handles this input in this phase.
    NotHandled,
    /// Every candidate had a failing guard: one entry per candidate, in dispatch order.
    GuardsFailed(Vec<FailedGuard>),
    /// Checked arithmetic overflowed or underflowed.
    Overflow { transition: TransitionId },
    /// A partial operation (`m[k]`, `unwrap()`) found no value.
    Absent { transition: TransitionId },
    /// The transition would have broken an invariant.
    InvariantViolated { transition: TransitionId, invariant: &'static str },
}

/// The first guard of a candidate transition that did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedGuard {
    pub transition: TransitionId,
    pub guard: &'static str,
}

impl ::std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        write!(f, "input {} rejected in phase {}: ", self.input, self.phase)?;
        match &self.reason {
            RejectReason::NotHandled => f.write_str("not handled in this phase"),
            RejectReason::GuardsFailed(failed) => {
                f.write_str("no guard set held (")?;
                for (i, g) in failed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", g.transition, g.guard)?;
                }
                f.write_str(")")
            }
            RejectReason::Overflow { transition } => {
                write!(f, "arithmetic overflow in {transition}")
            }
            RejectReason::Absent { transition } => {
                write!(f, "missing value in {transition}")
            }
            RejectReason::InvariantViolated { transition, invariant } => {
                write!(f, "{transition} would violate invariant {invariant}")
            }
        }
    }
}

impl ::std::error::Error for Rejection {}
/// A state that breaks an invariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvariantViolation {
    pub invariant: &'static str,
}

impl ::std::fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        write!(f, "invariant {} does not hold", self.invariant)
    }
}

impl ::std::error::Error for InvariantViolation {}
/// Only the most recently applied transition can be rolled back, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackError {
    NotLatest { transition: TransitionId },
}

impl ::std::fmt::Display for RollbackError {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        match self {
            RollbackError::NotLatest { transition } => {
                write!(f, "{transition} is not the latest applied transition")
            }
        }
    }
}

impl ::std::error::Error for RollbackError {}
/// Why evaluating a transition stopped part-way.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Overflow,
    Absent,
}

#[allow(dead_code)]
impl Fault {
    fn at(self, transition: TransitionId) -> RejectReason {
        match self {
            Fault::Overflow => {
                RejectReason::Overflow {
                    transition,
                }
            }
            Fault::Absent => RejectReason::Absent { transition },
        }
    }
}

/// One reversible write of a transition. Undo cost is proportional to what the
/// transition wrote, never to the size of the state.
#[derive(Debug, Clone)]
enum UndoStep {
    ResetsReplaced(u64),
    StartsReplaced(u64),
    StopsReplaced(u64),
}

/// Reverts `steps` (most recent first, leaving the buffer empty for reuse) and
/// restores the phase.
fn undo(state: &mut State, phase: Phase, steps: &mut Vec<UndoStep>) {
    while let Some(step) = steps.pop() {
        match step {
            UndoStep::ResetsReplaced(old) => state.resets = old,
            UndoStep::StartsReplaced(old) => state.starts = old,
            UndoStep::StopsReplaced(old) => state.stops = old,
        }
    }
    state.phase = phase;
}

/// Runs the updates and emits of `start`, recording undo steps.
fn fire_start(
    state: &mut State,
    undo: &mut Vec<UndoStep>,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = state.starts.checked_add(1u64).ok_or(Fault::Overflow)?;
        undo.push(UndoStep::StartsReplaced(::std::mem::replace(&mut state.starts, new)));
    }
    Ok(())
}

/// Runs the updates and emits of `stop`, recording undo steps.
fn fire_stop(
    state: &mut State,
    undo: &mut Vec<UndoStep>,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = state.stops.checked_add(1u64).ok_or(Fault::Overflow)?;
        undo.push(UndoStep::StopsReplaced(::std::mem::replace(&mut state.stops, new)));
    }
    Ok(())
}

/// Runs the updates and emits of `reset`, recording undo steps.
fn fire_reset(
    state: &mut State,
    undo: &mut Vec<UndoStep>,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = state.resets.checked_add(1u64).ok_or(Fault::Overflow)?;
        undo.push(UndoStep::ResetsReplaced(::std::mem::replace(&mut state.resets, new)));
    }
    {
        let new = 0u64;
        undo.push(UndoStep::StartsReplaced(::std::mem::replace(&mut state.starts, new)));
    }
    {
        let new = 0u64;
        undo.push(UndoStep::StopsReplaced(::std::mem::replace(&mut state.stops, new)));
    }
    Ok(())
}

/// Picks the first candidate whose guards hold and fires it.
fn dispatch(
    state: &mut State,
    input: &Input,
    undo: &mut Vec<UndoStep>,
    effects: &mut Vec<Effect>,
) -> Result<TransitionId, RejectReason> {
    match input {
        Input::StartRequested => {
            match state.phase {
                Phase::Counting => {
                    self::fire_start(state, undo, effects)
                        .map_err(|f| f.at(TransitionId::Start))?;
                    Ok(TransitionId::Start)
                }
            }
        }
        Input::StopRequested => {
            match state.phase {
                Phase::Counting => {
                    self::fire_stop(state, undo, effects)
                        .map_err(|f| f.at(TransitionId::Stop))?;
                    Ok(TransitionId::Stop)
                }
            }
        }
        Input::ResetRequested => {
            match state.phase {
                Phase::Counting => {
                    self::fire_reset(state, undo, effects)
                        .map_err(|f| f.at(TransitionId::Reset))?;
                    Ok(TransitionId::Reset)
                }
            }
        }
    }
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(_state: &State) -> Result<(), InvariantViolation> {
    Ok(())
}

/// The result of applying an input: what fired, and the effects to realise.
/// Keep it to roll the transition back if realising the effects fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub id: TransitionId,
    pub from: Phase,
    pub to: Phase,
    /// In emission order.
    pub effects: Vec<Effect>,
    /// Which application this was; `rollback` accepts only the latest.
    token: u64,
}

/// What `apply` would do, computed without changing the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub id: TransitionId,
    pub from: Phase,
    pub to: Phase,
    pub effects: Vec<Effect>,
}

/// Owns a machine's state; the only way to change it is `apply` (and `rollback`).
#[derive(Debug, Clone)]
pub struct Authority {
    state: State,
    check_invariants: bool,
    /// Token of the transition `rollback` may still revert.
    latest: Option<u64>,
    next_token: u64,
    /// Undo log of the latest transition. Two buffers are swapped rather than
    /// allocated, so a steady stream of `apply` calls does not allocate for undo.
    undo_log: Vec<UndoStep>,
    scratch: Vec<UndoStep>,
}

impl Default for Authority {
    fn default() -> Self {
        Authority::new()
    }
}

impl Authority {
    /// A machine in its initial state.
    pub fn new() -> Authority {
        Authority {
            state: State::initial(),
            check_invariants: cfg!(debug_assertions),
            latest: None,
            next_token: 1,
            undo_log: Vec::new(),
            scratch: Vec::new(),
        }
    }
    /// Restores a machine from a state held elsewhere (a store, a snapshot); the
    /// state must satisfy every invariant.
    pub fn from_state(state: State) -> Result<Authority, InvariantViolation> {
        check_invariants(&state)?;
        Ok(Authority {
            state,
            ..Authority::new()
        })
    }
    pub fn state(&self) -> &State {
        &self.state
    }
    pub fn phase(&self) -> Phase {
        self.state.phase
    }
    pub fn into_state(self) -> State {
        self.state
    }
    /// Whether `apply` checks invariants after every transition (default: on in
    /// debug builds, off in release builds).
    pub fn invariant_checks(&self) -> bool {
        self.check_invariants
    }
    pub fn set_invariant_checks(&mut self, on: bool) {
        self.check_invariants = on;
    }
    /// Checks every invariant against the current state.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        check_invariants(&self.state)
    }
    /// Applies `input`: the first candidate whose guards hold fires, atomically.
    /// On rejection the state is exactly what it was, and the latest accepted
    /// transition can still be rolled back.
    pub fn apply(&mut self, input: Input) -> Result<Transition, Rejection> {
        let from = self.state.phase;
        let mut steps = ::std::mem::take(&mut self.scratch);
        let mut effects = Vec::new();
        let fired = dispatch(&mut self.state, &input, &mut steps, &mut effects);
        let reason = match fired {
            Ok(id) => {
                match self.check_invariants.then(|| check_invariants(&self.state)) {
                    Some(Err(violation)) => {
                        RejectReason::InvariantViolated {
                            transition: id,
                            invariant: violation.invariant,
                        }
                    }
                    _ => {
                        let mut previous = ::std::mem::replace(
                            &mut self.undo_log,
                            steps,
                        );
                        previous.clear();
                        self.scratch = previous;
                        let token = self.next_token;
                        self.next_token += 1;
                        self.latest = Some(token);
                        return Ok(Transition {
                            id,
                            from,
                            to: self.state.phase,
                            effects,
                            token,
                        });
                    }
                }
            }
            Err(reason) => reason,
        };
        undo(&mut self.state, from, &mut steps);
        self.scratch = steps;
        Err(Rejection {
            phase: from,
            input: input.kind(),
            reason,
        })
    }
    /// What `apply(input)` would return, without changing anything. Costs a copy
    /// of the state; to stage cheaply, `apply` and then `rollback`.
    pub fn preview(&self, input: &Input) -> Result<Preview, Rejection> {
        let mut scratch = self.clone();
        let t = scratch.apply(input.clone())?;
        Ok(Preview {
            id: t.id,
            from: t.from,
            to: t.to,
            effects: t.effects,
        })
    }
    /// Reverts the most recently applied transition, at a cost proportional to
    /// what it wrote. Fails if another transition was applied since, or if it was
    /// already rolled back.
    pub fn rollback(&mut self, transition: Transition) -> Result<(), RollbackError> {
        if self.latest != Some(transition.token) {
            return Err(RollbackError::NotLatest {
                transition: transition.id,
            });
        }
        self.latest = None;
        undo(&mut self.state, transition.from, &mut self.undo_log);
        Ok(())
    }
}
