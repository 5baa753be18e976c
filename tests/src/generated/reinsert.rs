// @generated from codegen/tests/specs/generator_regressions.machine by `cargo xtask gen`; do not edit.
//! One map key written several times in one transition: added, removed and added again.
//! A new entry's undo record holds its key alone, and so does not own heap data when the
//! key does not, while the record of a removed entry holds its value: with `u64` keys and
//! `string` values the two kinds of record wait in different buffers, and a rollback must
//! still undo them in the reverse order they were written. `string` keys (both records own
//! heap data) are written the same way.
//!
//! Kernel of machine `Reinsert`, generated from `codegen/tests/specs/generator_regressions.machine` by `cargo xtask gen`.
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
    /// State field `names: Map<u64, string>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub names: OrdMap<u64, String>,
    /// State field `ids: Map<string, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub ids: OrdMap<String, u64>,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Open,
            names: OrdMap::new(),
            ids: OrdMap::new(),
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
    /// The spec's input `Name`.
    Name {
        /// Field `k: u64` of input `Name`.
        k: u64,
        /// Field `v: string` of input `Name`.
        v: String,
        /// Field `again: bool` of input `Name`.
        again: bool,
    },
    /// The spec's input `Bind`.
    Bind {
        /// Field `name: string` of input `Bind`.
        name: String,
        /// Field `id: u64` of input `Bind`.
        id: u64,
        /// Field `again: bool` of input `Bind`.
        again: bool,
    },
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Name { .. } => InputKind::Name,
            Input::Bind { .. } => InputKind::Bind,
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
    /// The kind of `Input::Name`.
    Name,
    /// The kind of `Input::Bind`.
    Bind,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 2usize] = [InputKind::Name, InputKind::Bind];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Name => "Name",
            InputKind::Bind => "Bind",
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
    /// Transition `name`: on `Name`, in `Open`, staying there.
    Name,
    /// Transition `bind`: on `Bind`, in `Open`, staying there.
    Bind,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 2usize] = [TransitionId::Name, TransitionId::Bind];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Name => "name",
            TransitionId::Bind => "bind",
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
        id: TransitionId::Name,
        name: "name",
        input: InputKind::Name,
        from: &[Phase::Open],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Bind,
        name: "bind",
        input: InputKind::Bind,
        from: &[Phase::Open],
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
    NamesAdded(u64),
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
    IdsEntry(String, u64),
    IdsAdded(String),
    NamesEntry(u64, String),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::NamesAdded(k) => {
                state.names.remove(&k);
            }
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::IdsEntry(k, old) => {
                            state.ids.insert(k, old);
                        }
                        Undo::IdsAdded(k) => {
                            state.ids.remove(&k);
                        }
                        Undo::NamesEntry(k, old) => {
                            state.names.insert(k, old);
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

/// Runs the updates and emits of `name`, recording undo steps.
fn fire_name(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    v: &String,
    again: &bool,
) -> Result<(), Fault> {
    {
        let (k, value) = (*k, v.clone());
        match state.names.insert(k, value) {
            Some(old) => {
                undo.push_owned(Undo::NamesEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::NamesAdded(k));
            }
        }
    }
    {
        let k = *k;
        if let Some(old) = state.names.remove(&k) {
            undo.push_owned(Undo::NamesEntry(k, old));
        }
    }
    if *again {
        {
            let (k, value) = (*k, v.clone());
            match state.names.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::NamesEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::NamesAdded(k));
                }
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `bind`, recording undo steps.
fn fire_bind(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    name: &String,
    id: &u64,
    again: &bool,
) -> Result<(), Fault> {
    {
        let (k, value) = (name.clone(), *id);
        match state.ids.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::IdsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::IdsAdded(k));
            }
        }
    }
    {
        let k = name.clone();
        if let Some(old) = state.ids.remove(&k) {
            undo.push_owned(Undo::IdsEntry(k, old));
        }
    }
    if *again {
        {
            let (k, value) = (name.clone(), *id);
            match state.ids.insert(k.clone(), value) {
                Some(old) => {
                    undo.push_owned(Undo::IdsEntry(k, old));
                }
                None => {
                    undo.push_owned(Undo::IdsAdded(k));
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
        Input::Name { k, v, again } => {
            match state.phase {
                Phase::Open => {
                    self::fire_name(state, undo, effects, k, v, again)
                        .map_err(|f| f.at::<Machine>(TransitionId::Name))?;
                    Ok(TransitionId::Name)
                }
            }
        }
        Input::Bind { name, id, again } => {
            match state.phase {
                Phase::Open => {
                    self::fire_bind(state, undo, effects, name, id, again)
                        .map_err(|f| f.at::<Machine>(TransitionId::Bind))?;
                    Ok(TransitionId::Bind)
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
