// @generated from codegen/tests/specs/serialized_forms.machine by `cargo xtask gen`; do not edit.
//! Marks on a grid. Its maps are keyed by a struct, a sequence, a set, an option and a
//! map, which serialize as arrays of `[key, value]` pairs; read back, a duplicate set
//! element or map key is refused. Every collection stays small (a few entries, each
//! kept in ascending key order), so that long random sequences of inputs stay fast.
//!
//! Kernel of machine `Grid`, generated from `codegen/tests/specs/serialized_forms.machine` by `cargo xtask gen`.
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

/// The spec's `enum Mark`.
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
pub enum Mark {
    /// `Mark::Cross`, a variant of the spec's enum.
    Cross,
    /// `Mark::Nought`, a variant of the spec's enum.
    Nought,
}

impl Mark {
    /// Every variant, in declaration order.
    pub const ALL: [Mark; 2usize] = [Mark::Cross, Mark::Nought];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Mark::Cross => "Cross",
            Mark::Nought => "Nought",
        }
    }
}

impl ::std::fmt::Display for Mark {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The spec's `struct Cell`.
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
pub struct Cell {
    /// Field `x: i64` of `Cell`.
    pub x: i64,
    /// Field `y: i64` of `Cell`.
    pub y: i64,
}

/// A struct holding a set and a map, used as a map key too.
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
pub struct Group {
    /// Field `mark: Mark` of `Group`.
    pub mark: Mark,
    /// Field `cells: Set<Cell>` of `Group`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub cells: BTreeSet<Cell>,
    /// Field `counts: Map<Cell, u64>` of `Group`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub counts: OrdMap<Cell, u64>,
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
    /// Phase `Closed`, terminal: never left.
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
#[serde(deny_unknown_fields)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    /// State field `marks: Map<Cell, Mark>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub marks: OrdMap<Cell, Mark>,
    /// State field `cells: Set<Cell>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub cells: BTreeSet<Cell>,
    /// The last three cells marked.
    pub trail: VecDeque<Cell>,
    /// State field `trails: Map<Seq<Cell>, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub trails: OrdMap<VecDeque<Cell>, u64>,
    /// State field `seen: Set<Mark>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub seen: BTreeSet<Mark>,
    /// State field `by_marks: Map<Set<Mark>, Set<Cell>>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Set<::suricate_kernel::serde_form::Plain>, ::suricate_kernel::serde_form::Set<::suricate_kernel::serde_form::Plain>>"
    )]
    pub by_marks: OrdMap<BTreeSet<Mark>, BTreeSet<Cell>>,
    /// State field `last: Option<Cell>`, initially `none`.
    pub last: Option<Cell>,
    /// State field `after: Map<Option<Cell>, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub after: OrdMap<Option<Cell>, u64>,
    /// State field `counts: Map<Mark, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub counts: OrdMap<Mark, u64>,
    /// The marks seen after each of the last three moves.
    #[serde(
        with = "::suricate_kernel::serde_form::Seq::<::suricate_kernel::serde_form::Set<::suricate_kernel::serde_form::Plain>>"
    )]
    pub history: VecDeque<BTreeSet<Mark>>,
    /// State field `tallies: Map<Map<Mark, u64>, Seq<Set<Mark>>>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Map<::suricate_kernel::serde_form::Plain>, ::suricate_kernel::serde_form::Seq<::suricate_kernel::serde_form::Set<::suricate_kernel::serde_form::Plain>>>"
    )]
    pub tallies: OrdMap<OrdMap<Mark, u64>, VecDeque<BTreeSet<Mark>>>,
    /// The cell of the last move, and how often it was marked.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub recent: BTreeSet<Cell>,
    /// State field `recent_visits: Map<Cell, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub recent_visits: OrdMap<Cell, u64>,
    /// State field `visits: Map<Cell, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub visits: OrdMap<Cell, u64>,
    /// State field `groups: Map<Group, bool>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
    )]
    pub groups: OrdMap<Group, bool>,
    /// State field `best: Option<Map<Cell, u64>>`, initially `none`.
    #[serde(
        default,
        with = "::suricate_kernel::serde_form::Opt::<::suricate_kernel::serde_form::Pairs<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>>"
    )]
    pub best: Option<OrdMap<Cell, u64>>,
    /// State field `moves: u64`, initially `0`.
    pub moves: u64,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Open,
            marks: OrdMap::new(),
            cells: BTreeSet::new(),
            trail: VecDeque::new(),
            trails: OrdMap::new(),
            seen: BTreeSet::new(),
            by_marks: OrdMap::new(),
            last: None,
            after: OrdMap::new(),
            counts: OrdMap::new(),
            history: VecDeque::new(),
            tallies: OrdMap::new(),
            recent: BTreeSet::new(),
            recent_visits: OrdMap::new(),
            visits: OrdMap::new(),
            groups: OrdMap::new(),
            best: None,
            moves: 0u64,
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
    /// The spec's input `Place`.
    Place {
        /// Field `at: Cell` of input `Place`.
        at: Cell,
        /// Field `mark: Mark` of input `Place`.
        mark: Mark,
    },
    /// The spec's input `Clear`.
    Clear {
        /// Field `at: Cell` of input `Clear`.
        at: Cell,
    },
    /// Collections in an input: every cell of `at` gets `mark`, then `extra`'s marks.
    Fill {
        /// Field `at: Set<Cell>` of input `Fill`.
        #[serde(
            with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
        )]
        at: BTreeSet<Cell>,
        /// Field `mark: Mark` of input `Fill`.
        mark: Mark,
        /// Field `extra: Map<Cell, Mark>` of input `Fill`.
        #[serde(
            with = "::suricate_kernel::serde_form::Pairs::<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>"
        )]
        extra: OrdMap<Cell, Mark>,
    },
    /// The spec's input `Close`.
    Close,
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Place { .. } => InputKind::Place,
            Input::Clear { .. } => InputKind::Clear,
            Input::Fill { .. } => InputKind::Fill,
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
    /// The kind of `Input::Place`.
    Place,
    /// The kind of `Input::Clear`.
    Clear,
    /// Collections in an input: every cell of `at` gets `mark`, then `extra`'s marks.
    Fill,
    /// The kind of `Input::Close`.
    Close,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 4usize] = [
        InputKind::Place,
        InputKind::Clear,
        InputKind::Fill,
        InputKind::Close,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Place => "Place",
            InputKind::Clear => "Clear",
            InputKind::Fill => "Fill",
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
#[serde(deny_unknown_fields)]
pub enum Effect {
    /// The spec's effect `Grouped`.
    Grouped {
        /// Field `group: Group` of effect `Grouped`.
        group: Group,
    },
    /// The spec's effect `Counted`.
    Counted {
        /// Field `counts: Option<Map<Cell, u64>>` of effect `Counted`.
        #[serde(
            default,
            with = "::suricate_kernel::serde_form::Opt::<::suricate_kernel::serde_form::Pairs<::suricate_kernel::serde_form::Plain, ::suricate_kernel::serde_form::Plain>>"
        )]
        counts: Option<OrdMap<Cell, u64>>,
    },
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Grouped { .. } => EffectKind::Grouped,
            Effect::Counted { .. } => EffectKind::Counted,
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
    /// The kind of `Effect::Grouped`.
    Grouped,
    /// The kind of `Effect::Counted`.
    Counted,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 2usize] = [EffectKind::Grouped, EffectKind::Counted];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Grouped => "Grouped",
            EffectKind::Counted => "Counted",
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
    /// Transition `place`: on `Place`, in `Open`, staying there.
    Place,
    /// Transition `clear`: on `Clear`, in `Open`, staying there.
    Clear,
    /// Transition `fill`: on `Fill`, in `Open`, staying there.
    Fill,
    /// Transition `close`: on `Close`, from `Open` to `Closed`.
    Close,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 4usize] = [
        TransitionId::Place,
        TransitionId::Clear,
        TransitionId::Fill,
        TransitionId::Close,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Place => "place",
            TransitionId::Clear => "clear",
            TransitionId::Fill => "fill",
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
pub type TransitionInfo = ::suricate_kernel::TransitionInfo<Machine>;

/// Every transition, in declaration (dispatch) order; indexed by `TransitionId as usize`.
pub const TRANSITIONS: &[TransitionInfo] = &[
    TransitionInfo {
        id: TransitionId::Place,
        name: "place",
        input: InputKind::Place,
        from: &[Phase::Open],
        to: None,
        guards: &["free", "room"],
        effects: &[EffectKind::Grouped],
    },
    TransitionInfo {
        id: TransitionId::Clear,
        name: "clear",
        input: InputKind::Clear,
        from: &[Phase::Open],
        to: None,
        guards: &["marked"],
        effects: &[EffectKind::Counted],
    },
    TransitionInfo {
        id: TransitionId::Fill,
        name: "fill",
        input: InputKind::Fill,
        from: &[Phase::Open],
        to: None,
        guards: &["room"],
        effects: &[],
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
    CountsEntry(Mark, u64),
    CountsAdded(Mark),
    HistoryPushed,
    MovesReplaced(u64),
    SeenInserted(Mark),
    TrailPushed,
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
    AfterReplaced(OrdMap<Option<Cell>, u64>),
    AfterEntry(Option<Cell>, u64),
    AfterAdded(Option<Cell>),
    BestReplaced(Option<OrdMap<Cell, u64>>),
    ByMarksEntry(BTreeSet<Mark>, BTreeSet<Cell>),
    ByMarksAdded(BTreeSet<Mark>),
    CellsInserted(Cell),
    CellsRemoved(Cell),
    GroupsReplaced(OrdMap<Group, bool>),
    GroupsEntry(Group, bool),
    GroupsAdded(Group),
    HistoryPopped(BTreeSet<Mark>),
    LastReplaced(Option<Cell>),
    MarksEntry(Cell, Mark),
    MarksAdded(Cell),
    RecentReplaced(BTreeSet<Cell>),
    RecentInserted(Cell),
    RecentVisitsReplaced(OrdMap<Cell, u64>),
    RecentVisitsEntry(Cell, u64),
    RecentVisitsAdded(Cell),
    TalliesReplaced(OrdMap<OrdMap<Mark, u64>, VecDeque<BTreeSet<Mark>>>),
    TalliesEntry(OrdMap<Mark, u64>, VecDeque<BTreeSet<Mark>>),
    TalliesAdded(OrdMap<Mark, u64>),
    TrailPopped(Cell),
    TrailsReplaced(OrdMap<VecDeque<Cell>, u64>),
    TrailsEntry(VecDeque<Cell>, u64),
    TrailsAdded(VecDeque<Cell>),
    VisitsReplaced(OrdMap<Cell, u64>),
    VisitsEntry(Cell, u64),
    VisitsAdded(Cell),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::CountsEntry(k, old) => {
                state.counts.insert(k, old);
            }
            UndoStep::CountsAdded(k) => {
                state.counts.remove(&k);
            }
            UndoStep::HistoryPushed => {
                state.history.pop_back();
            }
            UndoStep::MovesReplaced(old) => state.moves = old,
            UndoStep::SeenInserted(x) => {
                state.seen.remove(&x);
            }
            UndoStep::TrailPushed => {
                state.trail.pop_back();
            }
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::AfterReplaced(old) => state.after = old,
                        Undo::AfterEntry(k, old) => {
                            state.after.insert(k, old);
                        }
                        Undo::AfterAdded(k) => {
                            state.after.remove(&k);
                        }
                        Undo::BestReplaced(old) => state.best = old,
                        Undo::ByMarksEntry(k, old) => {
                            state.by_marks.insert(k, old);
                        }
                        Undo::ByMarksAdded(k) => {
                            state.by_marks.remove(&k);
                        }
                        Undo::CellsInserted(x) => {
                            state.cells.remove(&x);
                        }
                        Undo::CellsRemoved(x) => {
                            state.cells.insert(x);
                        }
                        Undo::GroupsReplaced(old) => state.groups = old,
                        Undo::GroupsEntry(k, old) => {
                            state.groups.insert(k, old);
                        }
                        Undo::GroupsAdded(k) => {
                            state.groups.remove(&k);
                        }
                        Undo::HistoryPopped(x) => state.history.push_front(x),
                        Undo::LastReplaced(old) => state.last = old,
                        Undo::MarksEntry(k, old) => {
                            state.marks.insert(k, old);
                        }
                        Undo::MarksAdded(k) => {
                            state.marks.remove(&k);
                        }
                        Undo::RecentReplaced(old) => state.recent = old,
                        Undo::RecentInserted(x) => {
                            state.recent.remove(&x);
                        }
                        Undo::RecentVisitsReplaced(old) => state.recent_visits = old,
                        Undo::RecentVisitsEntry(k, old) => {
                            state.recent_visits.insert(k, old);
                        }
                        Undo::RecentVisitsAdded(k) => {
                            state.recent_visits.remove(&k);
                        }
                        Undo::TalliesReplaced(old) => state.tallies = old,
                        Undo::TalliesEntry(k, old) => {
                            state.tallies.insert(k, old);
                        }
                        Undo::TalliesAdded(k) => {
                            state.tallies.remove(&k);
                        }
                        Undo::TrailPopped(x) => state.trail.push_front(x),
                        Undo::TrailsReplaced(old) => state.trails = old,
                        Undo::TrailsEntry(k, old) => {
                            state.trails.insert(k, old);
                        }
                        Undo::TrailsAdded(k) => {
                            state.trails.remove(&k);
                        }
                        Undo::VisitsReplaced(old) => state.visits = old,
                        Undo::VisitsEntry(k, old) => {
                            state.visits.insert(k, old);
                        }
                        Undo::VisitsAdded(k) => {
                            state.visits.remove(&k);
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

/// Guards of `place`: the first that does not hold, if any.
fn guards_place(state: &State, at: &Cell) -> Result<Option<&'static str>, Fault> {
    if state.marks.contains_key(at) {
        return Ok(Some("free"));
    }
    if !((state.cells.len() as u64) < 8u64) {
        return Ok(Some("room"));
    }
    Ok(None)
}

/// Guards of `clear`: the first that does not hold, if any.
fn guards_clear(state: &State, at: &Cell) -> Result<Option<&'static str>, Fault> {
    if !state.marks.contains_key(at) {
        return Ok(Some("marked"));
    }
    Ok(None)
}

/// Guards of `fill`: the first that does not hold, if any.
fn guards_fill(state: &State) -> Result<Option<&'static str>, Fault> {
    if !((state.cells.len() as u64) < 8u64) {
        return Ok(Some("room"));
    }
    Ok(None)
}

/// Runs the updates and emits of `place`, recording undo steps.
fn fire_place(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    at: &Cell,
    mark: &Mark,
) -> Result<(), Fault> {
    if (((state.trails.len() as u64) >= 5u64) || ((state.after.len() as u64) >= 5u64))
        || ((state.tallies.len() as u64) >= 5u64)
    {
        undo.push_owned(Undo::TrailsReplaced(::std::mem::take(&mut state.trails)));
        undo.push_owned(Undo::AfterReplaced(::std::mem::take(&mut state.after)));
        undo.push_owned(Undo::TalliesReplaced(::std::mem::take(&mut state.tallies)));
    }
    {
        let (k, value) = (at.clone(), *mark);
        match state.marks.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::MarksEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::MarksAdded(k));
            }
        }
    }
    {
        let x = at.clone();
        if state.cells.insert(x.clone()) {
            undo.push_owned(Undo::CellsInserted(x));
        }
    }
    state.trail.push_back(at.clone());
    undo.steps.push(UndoStep::TrailPushed);
    if (state.trail.len() as u64) > 3u64 {
        if let Some(x) = state.trail.pop_front() {
            undo.push_owned(Undo::TrailPopped(x));
        }
    }
    {
        let (k, value) = (state.trail.clone(), state.moves);
        match state.trails.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::TrailsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::TrailsAdded(k));
            }
        }
    }
    {
        let x = *mark;
        if state.seen.insert(x) {
            undo.steps.push(UndoStep::SeenInserted(x));
        }
    }
    {
        let (k, value) = (state.seen.clone(), state.cells.clone());
        match state.by_marks.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::ByMarksEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::ByMarksAdded(k));
            }
        }
    }
    {
        let (k, value) = (state.last.clone(), state.moves);
        match state.after.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::AfterEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::AfterAdded(k));
            }
        }
    }
    {
        let new = Some(at.clone());
        undo.push_owned(Undo::LastReplaced(::std::mem::replace(&mut state.last, new)));
    }
    {
        let (k, value) = (
            *mark,
            state
                .counts
                .get(mark)
                .cloned()
                .unwrap_or(0u64)
                .checked_add(1u64)
                .ok_or(Fault::Overflow)?,
        );
        match state.counts.insert(k, value) {
            Some(old) => {
                undo.steps.push(UndoStep::CountsEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::CountsAdded(k));
            }
        }
    }
    state.history.push_back(state.seen.clone());
    undo.steps.push(UndoStep::HistoryPushed);
    if (state.history.len() as u64) > 3u64 {
        if let Some(x) = state.history.pop_front() {
            undo.push_owned(Undo::HistoryPopped(x));
        }
    }
    {
        let (k, value) = (state.counts.clone(), state.history.clone());
        match state.tallies.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::TalliesEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::TalliesAdded(k));
            }
        }
    }
    if (!state.visits.contains_key(at)) && ((state.visits.len() as u64) >= 5u64) {
        undo.push_owned(Undo::VisitsReplaced(::std::mem::take(&mut state.visits)));
    }
    {
        let (k, value) = (
            at.clone(),
            state
                .visits
                .get(at)
                .cloned()
                .unwrap_or(0u64)
                .checked_add(1u64)
                .ok_or(Fault::Overflow)?,
        );
        match state.visits.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::VisitsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::VisitsAdded(k));
            }
        }
    }
    undo.push_owned(Undo::RecentReplaced(::std::mem::take(&mut state.recent)));
    {
        let x = at.clone();
        if state.recent.insert(x.clone()) {
            undo.push_owned(Undo::RecentInserted(x));
        }
    }
    undo.push_owned(
        Undo::RecentVisitsReplaced(::std::mem::take(&mut state.recent_visits)),
    );
    {
        let (k, value) = (at.clone(), *state.visits.get(at).ok_or(Fault::Absent)?);
        match state.recent_visits.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::RecentVisitsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::RecentVisitsAdded(k));
            }
        }
    }
    {
        let new = state.moves.checked_add(1u64).ok_or(Fault::Overflow)?;
        undo.steps
            .push(UndoStep::MovesReplaced(::std::mem::replace(&mut state.moves, new)));
    }
    effects
        .push(Effect::Grouped {
            group: Group {
                mark: *mark,
                cells: state.recent.clone(),
                counts: state.recent_visits.clone(),
            },
        });
    Ok(())
}

/// Runs the updates and emits of `clear`, recording undo steps.
fn fire_clear(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    at: &Cell,
) -> Result<(), Fault> {
    if (state.groups.len() as u64) >= 5u64 {
        undo.push_owned(Undo::GroupsReplaced(::std::mem::take(&mut state.groups)));
    }
    {
        let (k, value) = (
            Group {
                mark: *state.marks.get(at).ok_or(Fault::Absent)?,
                cells: state.recent.clone(),
                counts: state.recent_visits.clone(),
            },
            true,
        );
        match state.groups.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::GroupsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::GroupsAdded(k));
            }
        }
    }
    {
        let k = at.clone();
        if let Some(old) = state.marks.remove(&k) {
            undo.push_owned(Undo::MarksEntry(k, old));
        }
    }
    {
        let x = at.clone();
        if state.cells.remove(&x) {
            undo.push_owned(Undo::CellsRemoved(x));
        }
    }
    {
        let k = state.trail.clone();
        if let Some(old) = state.trails.remove(&k) {
            undo.push_owned(Undo::TrailsEntry(k, old));
        }
    }
    {
        let k = Some(at.clone());
        if let Some(old) = state.after.remove(&k) {
            undo.push_owned(Undo::AfterEntry(k, old));
        }
    }
    {
        let new = Some(state.recent_visits.clone());
        undo.push_owned(Undo::BestReplaced(::std::mem::replace(&mut state.best, new)));
    }
    effects
        .push(Effect::Counted {
            counts: state.best.clone(),
        });
    Ok(())
}

/// Runs the updates and emits of `fill`, recording undo steps.
fn fire_fill(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    at: &BTreeSet<Cell>,
    mark: &Mark,
    extra: &OrdMap<Cell, Mark>,
) -> Result<(), Fault> {
    for c in at.iter() {
        {
            let (k, value) = (c.clone(), *mark);
            match state.marks.insert(k.clone(), value) {
                Some(old) => {
                    undo.push_owned(Undo::MarksEntry(k, old));
                }
                None => {
                    undo.push_owned(Undo::MarksAdded(k));
                }
            }
        }
        {
            let x = c.clone();
            if state.cells.insert(x.clone()) {
                undo.push_owned(Undo::CellsInserted(x));
            }
        }
    }
    for (c, m) in extra.iter() {
        {
            let (k, value) = (c.clone(), *m);
            match state.marks.insert(k.clone(), value) {
                Some(old) => {
                    undo.push_owned(Undo::MarksEntry(k, old));
                }
                None => {
                    undo.push_owned(Undo::MarksAdded(k));
                }
            }
        }
        {
            let x = c.clone();
            if state.cells.insert(x.clone()) {
                undo.push_owned(Undo::CellsInserted(x));
            }
        }
    }
    {
        let (k, value) = (BTreeSet::new(), at.clone());
        match state.by_marks.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::ByMarksEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::ByMarksAdded(k));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `close`, recording undo steps.
fn fire_close(
    state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Closed;
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
        Input::Place { at, mark } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_place(state, at)
                        .map_err(|f| f.at::<Machine>(TransitionId::Place))?
                    {
                        None => {
                            self::fire_place(state, undo, effects, at, mark)
                                .map_err(|f| f.at::<Machine>(TransitionId::Place))?;
                            return Ok(TransitionId::Place);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Place, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Clear { at } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_clear(state, at)
                        .map_err(|f| f.at::<Machine>(TransitionId::Clear))?
                    {
                        None => {
                            self::fire_clear(state, undo, effects, at)
                                .map_err(|f| f.at::<Machine>(TransitionId::Clear))?;
                            return Ok(TransitionId::Clear);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Clear, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Fill { at, mark, extra } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_fill(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Fill))?
                    {
                        None => {
                            self::fire_fill(state, undo, effects, at, mark, extra)
                                .map_err(|f| f.at::<Machine>(TransitionId::Fill))?;
                            return Ok(TransitionId::Fill);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Fill, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Close => {
            match state.phase {
                Phase::Open => {
                    self::fire_close(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Close))?;
                    Ok(TransitionId::Close)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
    }
}

fn invariant_marked_cells(state: &State) -> Result<bool, Fault> {
    Ok((state.cells.len() as u64) == (state.marks.len() as u64))
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
    match invariant_marked_cells(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "marked_cells",
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
