// @generated from codegen/tests/specs/generator_regressions.machine by `cargo xtask gen`; do not edit.
//! A quantifier inside `k in self.m && ..` that reads the entry: the quantifier's
//! labelled block stands in a match arm, where a bare block would end the arm early.
//!
//! Kernel of machine `QuantifierInEntry`, generated from `codegen/tests/specs/generator_regressions.machine` by `cargo xtask gen`.
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
use std::collections::BTreeSet;

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
    /// Phase `Running`, the initial one.
    Running,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 1usize] = [Phase::Running];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Running => "Running",
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
    pub const INITIAL: Phase = Phase::Running;
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
    /// State field `m: Map<u64, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub m: OrdMap<u64, u64>,
    /// State field `s: Set<u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub s: BTreeSet<u64>,
    /// State field `b: bool`, initially `false`.
    pub b: bool,
    /// State field `n: u64`, initially `0`.
    pub n: u64,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Running,
            m: OrdMap::new(),
            s: BTreeSet::new(),
            b: false,
            n: 0u64,
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
        /// Field `k: u64` of input `Put`.
        k: u64,
        /// Field `v: u64` of input `Put`.
        v: u64,
    },
    /// The spec's input `Flip`.
    Flip,
    /// The spec's input `Probe`.
    Probe {
        /// Field `k: u64` of input `Probe`.
        k: u64,
    },
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Put { .. } => InputKind::Put,
            Input::Flip => InputKind::Flip,
            Input::Probe { .. } => InputKind::Probe,
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
    /// The kind of `Input::Flip`.
    Flip,
    /// The kind of `Input::Probe`.
    Probe,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 3usize] = [
        InputKind::Put,
        InputKind::Flip,
        InputKind::Probe,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Put => "Put",
            InputKind::Flip => "Flip",
            InputKind::Probe => "Probe",
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
    /// Transition `put`: on `Put`, in `Running`, staying there.
    Put,
    /// Transition `flip`: on `Flip`, in `Running`, staying there.
    Flip,
    /// Transition `probe`: on `Probe`, in `Running`, staying there.
    Probe,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 3usize] = [
        TransitionId::Put,
        TransitionId::Flip,
        TransitionId::Probe,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Put => "put",
            TransitionId::Flip => "flip",
            TransitionId::Probe => "probe",
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
        from: &[Phase::Running],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Flip,
        name: "flip",
        input: InputKind::Flip,
        from: &[Phase::Running],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Probe,
        name: "probe",
        input: InputKind::Probe,
        from: &[Phase::Running],
        to: None,
        guards: &["g"],
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
    BReplaced(bool),
    MEntry(u64, u64),
    MAdded(u64),
    NReplaced(u64),
    SInserted(u64),
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
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::BReplaced(old) => state.b = old,
            UndoStep::MEntry(k, old) => {
                state.m.insert(k, old);
            }
            UndoStep::MAdded(k) => {
                state.m.remove(&k);
            }
            UndoStep::NReplaced(old) => state.n = old,
            UndoStep::SInserted(x) => {
                state.s.remove(&x);
            }
        }
    }
    state.phase = phase;
}

impl UndoLog {
    /// Empties the log without reverting anything, keeping its buffers for
    /// reuse unless together they are larger than `MAX_KEPT_UNDO_BYTES`.
    fn clear(&mut self) {
        if self.steps.capacity() * ::std::mem::size_of::<UndoStep>()
            > ::suricate_kernel::MAX_KEPT_UNDO_BYTES
        {
            *self = UndoLog::default();
        } else {
            self.steps.clear();
        }
    }
}

/// Guards of `probe`: the first that does not hold, if any.
fn guards_probe(state: &State, k: &u64) -> Result<Option<&'static str>, Fault> {
    if !match state.m.get(k) {
        Some(entry) => {
            ('all_x_0: {
                for x in state.s.iter() {
                    if !((*x) <= (*entry)) {
                        break 'all_x_0 false;
                    }
                }
                true
            } && state.b)
        }
        None => false,
    } {
        return Ok(Some("g"));
    }
    Ok(None)
}

/// Runs the updates and emits of `put`, recording undo steps.
fn fire_put(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    v: &u64,
) -> Result<(), Fault> {
    {
        let (k, value) = (*k, *v);
        match state.m.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::MEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::MAdded(k));
            }
        }
    }
    {
        let x = *v;
        if state.s.insert(x) {
            undo.steps.push(UndoStep::SInserted(x));
        }
    }
    Ok(())
}

/// Runs the updates and emits of `flip`, recording undo steps.
fn fire_flip(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = !state.b;
        undo.steps.push(UndoStep::BReplaced(::std::mem::replace(&mut state.b, new)));
    }
    Ok(())
}

/// Runs the updates and emits of `probe`, recording undo steps.
fn fire_probe(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
) -> Result<(), Fault> {
    if match state.m.get(k) {
        Some(entry) => {
            ('any_x_0: {
                for x in state.s.iter() {
                    if ((*x) == (*entry)) {
                        break 'any_x_0 true;
                    }
                }
                false
            } && state.b)
        }
        None => false,
    } {
        {
            let new = state.n.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps.push(UndoStep::NReplaced(::std::mem::replace(&mut state.n, new)));
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
        Input::Put { k, v } => {
            match state.phase {
                Phase::Running => {
                    self::fire_put(state, undo, effects, k, v)
                        .map_err(|f| f.at::<Machine>(TransitionId::Put))?;
                    Ok(TransitionId::Put)
                }
            }
        }
        Input::Flip => {
            match state.phase {
                Phase::Running => {
                    self::fire_flip(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Flip))?;
                    Ok(TransitionId::Flip)
                }
            }
        }
        Input::Probe { k } => {
            match state.phase {
                Phase::Running => {
                    let failed_0 = match self::guards_probe(state, k)
                        .map_err(|f| f.at::<Machine>(TransitionId::Probe))?
                    {
                        None => {
                            self::fire_probe(state, undo, effects, k)
                                .map_err(|f| f.at::<Machine>(TransitionId::Probe))?;
                            return Ok(TransitionId::Probe);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Probe, guard :
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
