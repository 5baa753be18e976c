// @generated from codegen/tests/specs/lights.machine by `cargo xtask gen`; do not edit.
//! A traffic light cycling through its colours.
//!
//! Kernel of machine `TrafficLight`, generated from `codegen/tests/specs/lights.machine` by `cargo xtask gen`.
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
    /// Phase `Red`.
    Red,
    /// Phase `Green`.
    Green,
    /// Phase `Yellow`.
    Yellow,
    /// Phase `Off`, the initial one.
    Off,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 4usize] = [
        Phase::Red,
        Phase::Green,
        Phase::Yellow,
        Phase::Off,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Red => "Red",
            Phase::Green => "Green",
            Phase::Yellow => "Yellow",
            Phase::Off => "Off",
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
    pub const INITIAL: Phase = Phase::Off;
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
    /// State field `cycles: u64`, initially `0`.
    pub cycles: u64,
    /// State field `max_cycles: u64`, initially `3`.
    pub max_cycles: u64,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Off,
            cycles: 0u64,
            max_cycles: 3u64,
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
    /// The spec's input `Tick`.
    Tick,
    /// The spec's input `PowerOff`.
    PowerOff,
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Tick => InputKind::Tick,
            Input::PowerOff => InputKind::PowerOff,
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
    /// The kind of `Input::Tick`.
    Tick,
    /// The kind of `Input::PowerOff`.
    PowerOff,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 2usize] = [InputKind::Tick, InputKind::PowerOff];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Tick => "Tick",
            InputKind::PowerOff => "PowerOff",
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
    /// The spec's effect `Show`.
    Show {
        /// Field `phase: Phase` of effect `Show`.
        phase: Phase,
    },
    /// The spec's effect `Exhausted`.
    Exhausted,
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Show { .. } => EffectKind::Show,
            Effect::Exhausted => EffectKind::Exhausted,
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
    /// The kind of `Effect::Show`.
    Show,
    /// The kind of `Effect::Exhausted`.
    Exhausted,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 2usize] = [EffectKind::Show, EffectKind::Exhausted];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Show => "Show",
            EffectKind::Exhausted => "Exhausted",
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
    /// Transition `power_on`: on `Tick`, from `Off` to `Red`.
    PowerOn,
    /// Transition `go`: on `Tick`, from `Red` to `Green`.
    Go,
    /// Transition `stay_red`: on `Tick`, in `Red`, staying there.
    StayRed,
    /// Transition `slow`: on `Tick`, from `Green` to `Yellow`.
    Slow,
    /// Transition `stop`: on `Tick`, from `Yellow` to `Red`.
    Stop,
    /// Transition `power_off`: on `PowerOff`, from `Red`, `Green`, `Yellow` or `Off` to `Off`.
    PowerOff,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 6usize] = [
        TransitionId::PowerOn,
        TransitionId::Go,
        TransitionId::StayRed,
        TransitionId::Slow,
        TransitionId::Stop,
        TransitionId::PowerOff,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::PowerOn => "power_on",
            TransitionId::Go => "go",
            TransitionId::StayRed => "stay_red",
            TransitionId::Slow => "slow",
            TransitionId::Stop => "stop",
            TransitionId::PowerOff => "power_off",
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
        id: TransitionId::PowerOn,
        name: "power_on",
        input: InputKind::Tick,
        from: &[Phase::Off],
        to: Some(Phase::Red),
        guards: &[],
        effects: &[EffectKind::Show],
    },
    TransitionInfo {
        id: TransitionId::Go,
        name: "go",
        input: InputKind::Tick,
        from: &[Phase::Red],
        to: Some(Phase::Green),
        guards: &["budget"],
        effects: &[EffectKind::Show],
    },
    TransitionInfo {
        id: TransitionId::StayRed,
        name: "stay_red",
        input: InputKind::Tick,
        from: &[Phase::Red],
        to: None,
        guards: &[],
        effects: &[EffectKind::Exhausted],
    },
    TransitionInfo {
        id: TransitionId::Slow,
        name: "slow",
        input: InputKind::Tick,
        from: &[Phase::Green],
        to: Some(Phase::Yellow),
        guards: &[],
        effects: &[EffectKind::Show],
    },
    TransitionInfo {
        id: TransitionId::Stop,
        name: "stop",
        input: InputKind::Tick,
        from: &[Phase::Yellow],
        to: Some(Phase::Red),
        guards: &[],
        effects: &[EffectKind::Show],
    },
    TransitionInfo {
        id: TransitionId::PowerOff,
        name: "power_off",
        input: InputKind::PowerOff,
        from: &[Phase::Red, Phase::Green, Phase::Yellow, Phase::Off],
        to: Some(Phase::Off),
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
    CyclesReplaced(u64),
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
            UndoStep::CyclesReplaced(old) => state.cycles = old,
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

/// Guards of `go`: the first that does not hold, if any.
fn guards_go(state: &State) -> Result<Option<&'static str>, Fault> {
    if !(state.cycles < state.max_cycles) {
        return Ok(Some("budget"));
    }
    Ok(None)
}

/// Runs the updates and emits of `power_on`, recording undo steps.
fn fire_power_on(
    state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Red;
    effects.push(Effect::Show { phase: state.phase });
    Ok(())
}

/// Runs the updates and emits of `go`, recording undo steps.
fn fire_go(
    state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Green;
    effects.push(Effect::Show { phase: state.phase });
    Ok(())
}

/// Runs the updates and emits of `stay_red`, recording undo steps.
fn fire_stay_red(
    _state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    effects.push(Effect::Exhausted);
    Ok(())
}

/// Runs the updates and emits of `slow`, recording undo steps.
fn fire_slow(
    state: &mut State,
    _undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Yellow;
    effects.push(Effect::Show { phase: state.phase });
    Ok(())
}

/// Runs the updates and emits of `stop`, recording undo steps.
fn fire_stop(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = state.cycles.checked_add(1u64).ok_or(Fault::Overflow)?;
        undo.steps
            .push(UndoStep::CyclesReplaced(::std::mem::replace(&mut state.cycles, new)));
    }
    state.phase = Phase::Red;
    effects.push(Effect::Show { phase: state.phase });
    Ok(())
}

/// Runs the updates and emits of `power_off`, recording undo steps.
fn fire_power_off(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = 0u64;
        undo.steps
            .push(UndoStep::CyclesReplaced(::std::mem::replace(&mut state.cycles, new)));
    }
    state.phase = Phase::Off;
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
        Input::Tick => {
            match state.phase {
                Phase::Red => {
                    if self::guards_go(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Go))?
                        .is_none()
                    {
                        self::fire_go(state, undo, effects)
                            .map_err(|f| f.at::<Machine>(TransitionId::Go))?;
                        return Ok(TransitionId::Go);
                    }
                    self::fire_stay_red(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::StayRed))?;
                    Ok(TransitionId::StayRed)
                }
                Phase::Green => {
                    self::fire_slow(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Slow))?;
                    Ok(TransitionId::Slow)
                }
                Phase::Yellow => {
                    self::fire_stop(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Stop))?;
                    Ok(TransitionId::Stop)
                }
                Phase::Off => {
                    self::fire_power_on(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::PowerOn))?;
                    Ok(TransitionId::PowerOn)
                }
            }
        }
        Input::PowerOff => {
            match state.phase {
                Phase::Red | Phase::Green | Phase::Yellow | Phase::Off => {
                    self::fire_power_off(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::PowerOff))?;
                    Ok(TransitionId::PowerOff)
                }
            }
        }
    }
}

fn invariant_within_budget(state: &State) -> Result<bool, Fault> {
    Ok(state.cycles <= state.max_cycles)
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
    match invariant_within_budget(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "within_budget",
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
