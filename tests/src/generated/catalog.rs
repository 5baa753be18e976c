// @generated from codegen/tests/specs/edge_cases.machine by `cargo xtask gen`; do not edit.
//! HTTP-like requests against a catalogue of named items.
//!
//! Kernel of machine `Catalog`, generated from `codegen/tests/specs/edge_cases.machine` by `cargo xtask gen`.
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
use std::collections::{BTreeMap, BTreeSet, VecDeque};

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
pub struct Title(pub String);

impl ::std::convert::From<String> for Title {
    fn from(value: String) -> Self {
        Title(value)
    }
}

impl ::std::convert::From<&str> for Title {
    fn from(value: &str) -> Self {
        Title(value.to_string())
    }
}

impl ::std::fmt::Display for Title {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// All-caps variants are the spec's choice (`clippy::upper_case_acronyms`).
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
pub enum Method {
    GET,
    POST,
}

impl Method {
    /// Every variant, in declaration order.
    pub const ALL: [Method; 2usize] = [Method::GET, Method::POST];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::POST => "POST",
        }
    }
}

impl ::std::fmt::Display for Method {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

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
pub struct Item {
    pub title: Title,
    pub tags: BTreeSet<String>,
    pub qty: u64,
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
    Open,
    Closed,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 2usize] = [Phase::Open, Phase::Closed];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Open => "Open",
            Phase::Closed => "Closed",
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
    pub const INITIAL: Phase = Phase::Open;
    /// Terminal phases are never left.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Closed)
    }
}

/// The machine's whole state: the phase plus every declared field.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    pub items: BTreeMap<Title, Item>,
    pub order: VecDeque<Title>,
    pub last: Method,
    pub tagged: u64,
    pub floor: String,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Open,
            items: BTreeMap::new(),
            order: VecDeque::new(),
            last: Method::GET,
            tagged: 0u64,
            floor: String::from("m"),
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
    /// Field names equal to the generated functions' names (`fire_add`, `guards_add`).
    Add { fire_add: Item, guards_add: Method },
    Close,
}

impl Input {
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Add { .. } => InputKind::Add,
            Input::Close => InputKind::Close,
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
    /// Field names equal to the generated functions' names (`fire_add`, `guards_add`).
    Add,
    Close,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 2usize] = [InputKind::Add, InputKind::Close];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Add => "Add",
            InputKind::Close => "Close",
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
pub enum Effect {
    Added { title: Title },
}

impl Effect {
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Added { .. } => EffectKind::Added,
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
    Added,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 1usize] = [EffectKind::Added];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Added => "Added",
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
    Add,
    Close,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 2usize] = [TransitionId::Add, TransitionId::Close];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Add => "add",
            TransitionId::Close => "close",
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
        id: TransitionId::Add,
        name: "add",
        input: InputKind::Add,
        from: &[Phase::Open],
        to: None,
        guards: &["early", "above_floor", "fresh", "bounded"],
        effects: &[EffectKind::Added],
    },
    TransitionInfo {
        id: TransitionId::Close,
        name: "close",
        input: InputKind::Close,
        from: &[Phase::Open],
        to: Some(Phase::Closed),
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
    ItemsEntry(Title, Option<Item>),
    LastReplaced(Method),
    OrderPushed,
    TaggedReplaced(u64),
}

/// Reverts `steps` (most recent first, leaving the buffer empty for reuse) and
/// restores the phase.
fn undo(state: &mut State, phase: Phase, steps: &mut Vec<UndoStep>) {
    while let Some(step) = steps.pop() {
        match step {
            UndoStep::ItemsEntry(k, old) => {
                match old {
                    Some(old) => {
                        state.items.insert(k, old);
                    }
                    None => {
                        state.items.remove(&k);
                    }
                }
            }
            UndoStep::LastReplaced(old) => state.last = old,
            UndoStep::OrderPushed => {
                state.order.pop_back();
            }
            UndoStep::TaggedReplaced(old) => state.tagged = old,
        }
    }
    state.phase = phase;
}

/// Guards of `add`: the first that does not hold, if any.
fn guards_add(state: &State, fire_add: &Item) -> Result<Option<&'static str>, Fault> {
    if !((fire_add.title.0.as_str() < "n") && ("a" <= fire_add.title.0.as_str())) {
        return Ok(Some("early"));
    }
    if !(state.floor.as_str() <= "z") {
        return Ok(Some("above_floor"));
    }
    if state.items.contains_key(&fire_add.title) {
        return Ok(Some("fresh"));
    }
    if !'all_k_v: {
        for (_, v) in state.items.iter() {
            let holds = 'any_t: {
                for t in v.tags.iter() {
                    if (!(*t).is_empty()) {
                        break 'any_t true;
                    }
                }
                false
            };
            if !holds {
                break 'all_k_v false;
            }
        }
        true
    } {
        return Ok(Some("bounded"));
    }
    Ok(None)
}

/// Runs the updates and emits of `add`, recording undo steps.
fn fire_add(
    state: &mut State,
    undo: &mut Vec<UndoStep>,
    effects: &mut Vec<Effect>,
    fire_add: &Item,
    guards_add: &Method,
) -> Result<(), Fault> {
    {
        let (k, value) = (fire_add.title.clone(), fire_add.clone());
        let old = state.items.insert(k.clone(), value);
        undo.push(UndoStep::ItemsEntry(k, old));
    }
    state.order.push_back(fire_add.title.clone());
    undo.push(UndoStep::OrderPushed);
    {
        let new = *guards_add;
        undo.push(UndoStep::LastReplaced(::std::mem::replace(&mut state.last, new)));
    }
    let holds = 'all_t: {
        for t in fire_add.tags.iter() {
            if !(!(*t).is_empty()) {
                break 'all_t false;
            }
        }
        true
    };
    if holds {
        {
            let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.push(
                UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
            );
        }
    }
    for _ in fire_add.tags.iter() {
        {
            let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.push(
                UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
            );
        }
    }
    effects
        .push(Effect::Added {
            title: fire_add.title.clone(),
        });
    Ok(())
}

/// Runs the updates and emits of `close`, recording undo steps.
fn fire_close(
    state: &mut State,
    _undo: &mut Vec<UndoStep>,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Closed;
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
        Input::Add { fire_add, guards_add } => {
            match state.phase {
                Phase::Open => {
                    let mut failed = Vec::new();
                    match self::guards_add(state, fire_add)
                        .map_err(|f| f.at(TransitionId::Add))?
                    {
                        None => {
                            self::fire_add(state, undo, effects, fire_add, guards_add)
                                .map_err(|f| f.at(TransitionId::Add))?;
                            return Ok(TransitionId::Add);
                        }
                        Some(guard) => {
                            failed
                                .push(FailedGuard {
                                    transition: TransitionId::Add,
                                    guard,
                                })
                        }
                    }
                    Err(RejectReason::GuardsFailed(failed))
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Close => {
            match state.phase {
                Phase::Open => {
                    self::fire_close(state, undo, effects)
                        .map_err(|f| f.at(TransitionId::Close))?;
                    Ok(TransitionId::Close)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
    }
}

fn invariant_counted(state: &State) -> Result<bool, Fault> {
    Ok((state.order.len() as u64) == (state.items.len() as u64))
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
    if invariant_counted(state) != Ok(true) {
        return Err(InvariantViolation {
            invariant: "counted",
        });
    }
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
