// @generated from codegen/tests/specs/serialized_forms.machine by `cargo xtask gen`; do not edit.
//! Maps keyed by every type with a string form, which serialize as JSON objects keyed by
//! that form. Read back, an integer or bool key must be spelt as it is written (`"7"`,
//! `"-3"`, `"true"`; not `"+7"`, `"07"`, `"-0"` or `"TRUE"`), by the generated types and
//! the interpreter alike, so that no two spellings of one key meet in one map.
//!
//! Kernel of machine `Keys`, generated from `codegen/tests/specs/serialized_forms.machine` by `cargo xtask gen`.
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

/// The spec's `type Id = u64;`.
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
pub struct Id(pub u64);

impl ::std::convert::From<u64> for Id {
    fn from(value: u64) -> Self {
        Id(value)
    }
}

impl ::std::fmt::Display for Id {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `type Offset = i64;`.
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
pub struct Offset(pub i64);

impl ::std::convert::From<i64> for Offset {
    fn from(value: i64) -> Self {
        Offset(value)
    }
}

impl ::std::fmt::Display for Offset {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `type Name = string;`.
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
pub struct Name(pub String);

impl ::std::convert::From<String> for Name {
    fn from(value: String) -> Self {
        Name(value)
    }
}

impl ::std::convert::From<&str> for Name {
    fn from(value: &str) -> Self {
        Name(value.to_string())
    }
}

impl ::std::fmt::Display for Name {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `enum Color`.
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
pub enum Color {
    /// `Color::Red`, a variant of the spec's enum.
    Red,
    /// `Color::Green`, a variant of the spec's enum.
    Green,
}

impl Color {
    /// Every variant, in declaration order.
    pub const ALL: [Color; 2usize] = [Color::Red, Color::Green];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Color::Red => "Red",
            Color::Green => "Green",
        }
    }
}

impl ::std::fmt::Display for Color {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
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
    /// Phase `Open`, the initial one.
    Open,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 1usize] = [Phase::Open];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Open => "Open",
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
        false
    }
}

/// The machine's whole state: the phase plus every declared field.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    /// State field `by_u64: Map<u64, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_u64: OrdMap<u64, u64>,
    /// State field `by_i64: Map<i64, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_i64: OrdMap<i64, u64>,
    /// State field `by_bool: Map<bool, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_bool: OrdMap<bool, u64>,
    /// State field `by_id: Map<Id, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_id: OrdMap<Id, u64>,
    /// State field `by_offset: Map<Offset, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_offset: OrdMap<Offset, u64>,
    /// State field `by_name: Map<Name, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_name: OrdMap<Name, u64>,
    /// State field `by_color: Map<Color, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_color: OrdMap<Color, u64>,
    /// State field `by_phase: Map<Phase, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub by_phase: OrdMap<Phase, u64>,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Open,
            by_u64: OrdMap::new(),
            by_i64: OrdMap::new(),
            by_bool: OrdMap::new(),
            by_id: OrdMap::new(),
            by_offset: OrdMap::new(),
            by_name: OrdMap::new(),
            by_color: OrdMap::new(),
            by_phase: OrdMap::new(),
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
    /// The spec's input `Put`.
    Put {
        /// Field `n: u64` of input `Put`.
        n: u64,
        /// Field `i: i64` of input `Put`.
        i: i64,
        /// Field `b: bool` of input `Put`.
        b: bool,
        /// Field `id: Id` of input `Put`.
        id: Id,
        /// Field `offset: Offset` of input `Put`.
        offset: Offset,
        /// Field `name: Name` of input `Put`.
        name: Name,
        /// Field `color: Color` of input `Put`.
        color: Color,
    },
    /// A map in an input, keyed by an integer.
    Merge {
        /// Field `counts: Map<i64, u64>` of input `Merge`.
        #[serde(
            with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
        )]
        counts: OrdMap<i64, u64>,
    },
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Put { .. } => InputKind::Put,
            Input::Merge { .. } => InputKind::Merge,
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
    /// The kind of `Input::Put`.
    Put,
    /// A map in an input, keyed by an integer.
    Merge,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 2usize] = [InputKind::Put, InputKind::Merge];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Put => "Put",
            InputKind::Merge => "Merge",
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
pub enum Effect {}
impl Effect {
    /// Which kind this is, without its data.
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
    /// Transition `put`: on `Put`, in `Open`, staying there.
    Put,
    /// Transition `merge`: on `Merge`, in `Open`, staying there.
    Merge,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 2usize] = [TransitionId::Put, TransitionId::Merge];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Put => "put",
            TransitionId::Merge => "merge",
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
        id: TransitionId::Put,
        name: "put",
        input: InputKind::Put,
        from: &[Phase::Open],
        to: None,
        guards: &["room"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Merge,
        name: "merge",
        input: InputKind::Merge,
        from: &[Phase::Open],
        to: None,
        guards: &["room"],
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
    ByBoolEntry(bool, u64),
    ByBoolAdded(bool),
    ByColorEntry(Color, u64),
    ByColorAdded(Color),
    ByI64Entry(i64, u64),
    ByI64Added(i64),
    ByIdEntry(Id, u64),
    ByIdAdded(Id),
    ByOffsetEntry(Offset, u64),
    ByOffsetAdded(Offset),
    ByPhaseEntry(Phase, u64),
    ByPhaseAdded(Phase),
    ByU64Entry(u64, u64),
    ByU64Added(u64),
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
    ByNameEntry(Name, u64),
    ByNameAdded(Name),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::ByBoolEntry(k, old) => {
                state.by_bool.insert(k, old);
            }
            UndoStep::ByBoolAdded(k) => {
                state.by_bool.remove(&k);
            }
            UndoStep::ByColorEntry(k, old) => {
                state.by_color.insert(k, old);
            }
            UndoStep::ByColorAdded(k) => {
                state.by_color.remove(&k);
            }
            UndoStep::ByI64Entry(k, old) => {
                state.by_i64.insert(k, old);
            }
            UndoStep::ByI64Added(k) => {
                state.by_i64.remove(&k);
            }
            UndoStep::ByIdEntry(k, old) => {
                state.by_id.insert(k, old);
            }
            UndoStep::ByIdAdded(k) => {
                state.by_id.remove(&k);
            }
            UndoStep::ByOffsetEntry(k, old) => {
                state.by_offset.insert(k, old);
            }
            UndoStep::ByOffsetAdded(k) => {
                state.by_offset.remove(&k);
            }
            UndoStep::ByPhaseEntry(k, old) => {
                state.by_phase.insert(k, old);
            }
            UndoStep::ByPhaseAdded(k) => {
                state.by_phase.remove(&k);
            }
            UndoStep::ByU64Entry(k, old) => {
                state.by_u64.insert(k, old);
            }
            UndoStep::ByU64Added(k) => {
                state.by_u64.remove(&k);
            }
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::ByNameEntry(k, old) => {
                            state.by_name.insert(k, old);
                        }
                        Undo::ByNameAdded(k) => {
                            state.by_name.remove(&k);
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

/// Guards of `put`: the first that does not hold, if any.
fn guards_put(state: &State) -> Result<Option<&'static str>, Fault> {
    if !((((state.by_u64.len() as u64) < 4u64) && ((state.by_i64.len() as u64) < 4u64))
        && ((state.by_name.len() as u64) < 4u64))
    {
        return Ok(Some("room"));
    }
    Ok(None)
}

/// Guards of `merge`: the first that does not hold, if any.
fn guards_merge(
    state: &State,
    counts: &OrdMap<i64, u64>,
) -> Result<Option<&'static str>, Fault> {
    if !(((state.by_i64.len() as u64) < 4u64) && ((counts.len() as u64) < 4u64)) {
        return Ok(Some("room"));
    }
    Ok(None)
}

/// Runs the updates and emits of `put`, recording undo steps.
fn fire_put(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    n: &u64,
    i: &i64,
    b: &bool,
    id: &Id,
    offset: &Offset,
    name: &Name,
    color: &Color,
) -> Result<(), Fault> {
    {
        let (k, value) = (*n, 1u64);
        match state.by_u64.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByU64Entry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByU64Added(k));
            }
        }
    }
    {
        let (k, value) = (*i, 2u64);
        match state.by_i64.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByI64Entry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByI64Added(k));
            }
        }
    }
    {
        let (k, value) = (*b, 3u64);
        match state.by_bool.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByBoolEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByBoolAdded(k));
            }
        }
    }
    {
        let (k, value) = (*id, 4u64);
        match state.by_id.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByIdEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByIdAdded(k));
            }
        }
    }
    {
        let (k, value) = (*offset, 5u64);
        match state.by_offset.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByOffsetEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByOffsetAdded(k));
            }
        }
    }
    {
        let (k, value) = (name.clone(), 6u64);
        match state.by_name.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::ByNameEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::ByNameAdded(k));
            }
        }
    }
    {
        let (k, value) = (*color, 7u64);
        match state.by_color.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByColorEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByColorAdded(k));
            }
        }
    }
    {
        let (k, value) = (Phase::Open, 8u64);
        match state.by_phase.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::ByPhaseEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::ByPhaseAdded(k));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `merge`, recording undo steps.
fn fire_merge(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    counts: &OrdMap<i64, u64>,
) -> Result<(), Fault> {
    for (k, v) in counts.iter() {
        {
            let (k, value) = (*k, *v);
            match state.by_i64.insert(k, value) {
                Some(old) => {
                    undo.steps.push(UndoStep::ByI64Entry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::ByI64Added(k));
                }
            }
        }
    }
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
        Input::Put { n, i, b, id, offset, name, color } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_put(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Put))?
                    {
                        None => {
                            self::fire_put(
                                    state,
                                    undo,
                                    effects,
                                    n,
                                    i,
                                    b,
                                    id,
                                    offset,
                                    name,
                                    color,
                                )
                                .map_err(|f| f.at::<Machine>(TransitionId::Put))?;
                            return Ok(TransitionId::Put);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Put, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
            }
        }
        Input::Merge { counts } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_merge(state, counts)
                        .map_err(|f| f.at::<Machine>(TransitionId::Merge))?
                    {
                        None => {
                            self::fire_merge(state, undo, effects, counts)
                                .map_err(|f| f.at::<Machine>(TransitionId::Merge))?;
                            return Ok(TransitionId::Merge);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Merge, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
            }
        }
    }
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(_state: &State) -> Result<(), InvariantViolation> {
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
