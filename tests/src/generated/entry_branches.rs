// @generated from codegen/tests/specs/edge_cases.machine by `cargo xtask gen`; do not edit.
//! Map entries bound once by the generator (`codegen/src/rust/entry.rs`): `if k in self.m`
//! branches that write the entry's fields around nested loops, breaks, lets, emits,
//! quantifiers over other collections, writes of another map and checked arithmetic.
//!
//! Kernel of machine `EntryBranches`, generated from `codegen/tests/specs/edge_cases.machine` by `cargo xtask gen`.
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

/// The spec's `struct Inner`.
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
pub struct Inner {
    /// Field `opt: Option<u64>` of `Inner`.
    pub opt: Option<u64>,
    /// Field `c: u64` of `Inner`.
    pub c: u64,
}

/// The spec's `struct Rec`.
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
pub struct Rec {
    /// Field `a: u64` of `Rec`.
    pub a: u64,
    /// Field `b: u64` of `Rec`.
    pub b: u64,
    /// Field `opt: Option<u64>` of `Rec`.
    pub opt: Option<u64>,
    /// Field `items: Seq<u64>` of `Rec`.
    pub items: VecDeque<u64>,
    /// Field `tags: Set<u64>` of `Rec`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub tags: BTreeSet<u64>,
    /// Field `inner: Inner` of `Rec`.
    pub inner: Inner,
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
    /// Phase `Run`, the initial one.
    Run,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 1usize] = [Phase::Run];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Run => "Run",
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
    pub const INITIAL: Phase = Phase::Run;
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
    /// State field `m: Map<u64, Rec>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub m: OrdMap<u64, Rec>,
    /// State field `n: Map<u64, Rec>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub n: OrdMap<u64, Rec>,
    /// State field `q: Seq<u64>`, initially `[]`.
    pub q: VecDeque<u64>,
    /// State field `s: Set<u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub s: BTreeSet<u64>,
    /// State field `total: u64`, initially `0`.
    pub total: u64,
    /// State field `flag: bool`, initially `false`.
    pub flag: bool,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Run,
            m: OrdMap::new(),
            n: OrdMap::new(),
            q: VecDeque::new(),
            s: BTreeSet::new(),
            total: 0u64,
            flag: false,
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
        /// Field `r: Rec` of input `Put`.
        r: Rec,
    },
    /// The spec's input `PutN`.
    PutN {
        /// Field `k: u64` of input `PutN`.
        k: u64,
        /// Field `r: Rec` of input `PutN`.
        r: Rec,
    },
    /// The spec's input `Push`.
    Push {
        /// Field `x: u64` of input `Push`.
        x: u64,
    },
    /// The spec's input `P1`.
    P1 {
        /// Field `k: u64` of input `P1`.
        k: u64,
        /// Field `x: u64` of input `P1`.
        x: u64,
    },
    /// The spec's input `P2`.
    P2 {
        /// Field `k: u64` of input `P2`.
        k: u64,
        /// Field `x: u64` of input `P2`.
        x: u64,
    },
    /// The spec's input `P3`.
    P3 {
        /// Field `k: u64` of input `P3`.
        k: u64,
        /// Field `j: u64` of input `P3`.
        j: u64,
        /// Field `x: u64` of input `P3`.
        x: u64,
    },
    /// The spec's input `P4`.
    P4 {
        /// Field `k: u64` of input `P4`.
        k: u64,
        /// Field `x: u64` of input `P4`.
        x: u64,
    },
    /// The spec's input `P5`.
    P5 {
        /// Field `k: u64` of input `P5`.
        k: u64,
        /// Field `x: u64` of input `P5`.
        x: u64,
    },
    /// The spec's input `P6`.
    P6 {
        /// Field `k: u64` of input `P6`.
        k: u64,
        /// Field `x: u64` of input `P6`.
        x: u64,
    },
    /// The spec's input `P7`.
    P7 {
        /// Field `k: u64` of input `P7`.
        k: u64,
        /// Field `x: u64` of input `P7`.
        x: u64,
    },
    /// The spec's input `P8`.
    P8 {
        /// Field `r: Rec` of input `P8`.
        r: Rec,
        /// Field `x: u64` of input `P8`.
        x: u64,
    },
    /// The spec's input `P9`.
    P9 {
        /// Field `x: u64` of input `P9`.
        x: u64,
    },
    /// The spec's input `P10`.
    P10 {
        /// Field `k: u64` of input `P10`.
        k: u64,
        /// Field `x: u64` of input `P10`.
        x: u64,
    },
    /// The spec's input `P11`.
    P11 {
        /// Field `k: u64` of input `P11`.
        k: u64,
        /// Field `x: u64` of input `P11`.
        x: u64,
    },
    /// The spec's input `P12`.
    P12 {
        /// Field `k: u64` of input `P12`.
        k: u64,
        /// Field `x: u64` of input `P12`.
        x: u64,
    },
    /// The spec's input `P13`.
    P13 {
        /// Field `k: u64` of input `P13`.
        k: u64,
        /// Field `x: u64` of input `P13`.
        x: u64,
    },
    /// The spec's input `P14`.
    P14 {
        /// Field `k: u64` of input `P14`.
        k: u64,
        /// Field `x: u64` of input `P14`.
        x: u64,
    },
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Put { .. } => InputKind::Put,
            Input::PutN { .. } => InputKind::PutN,
            Input::Push { .. } => InputKind::Push,
            Input::P1 { .. } => InputKind::P1,
            Input::P2 { .. } => InputKind::P2,
            Input::P3 { .. } => InputKind::P3,
            Input::P4 { .. } => InputKind::P4,
            Input::P5 { .. } => InputKind::P5,
            Input::P6 { .. } => InputKind::P6,
            Input::P7 { .. } => InputKind::P7,
            Input::P8 { .. } => InputKind::P8,
            Input::P9 { .. } => InputKind::P9,
            Input::P10 { .. } => InputKind::P10,
            Input::P11 { .. } => InputKind::P11,
            Input::P12 { .. } => InputKind::P12,
            Input::P13 { .. } => InputKind::P13,
            Input::P14 { .. } => InputKind::P14,
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
    /// The kind of `Input::PutN`.
    PutN,
    /// The kind of `Input::Push`.
    Push,
    /// The kind of `Input::P1`.
    P1,
    /// The kind of `Input::P2`.
    P2,
    /// The kind of `Input::P3`.
    P3,
    /// The kind of `Input::P4`.
    P4,
    /// The kind of `Input::P5`.
    P5,
    /// The kind of `Input::P6`.
    P6,
    /// The kind of `Input::P7`.
    P7,
    /// The kind of `Input::P8`.
    P8,
    /// The kind of `Input::P9`.
    P9,
    /// The kind of `Input::P10`.
    P10,
    /// The kind of `Input::P11`.
    P11,
    /// The kind of `Input::P12`.
    P12,
    /// The kind of `Input::P13`.
    P13,
    /// The kind of `Input::P14`.
    P14,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 17usize] = [
        InputKind::Put,
        InputKind::PutN,
        InputKind::Push,
        InputKind::P1,
        InputKind::P2,
        InputKind::P3,
        InputKind::P4,
        InputKind::P5,
        InputKind::P6,
        InputKind::P7,
        InputKind::P8,
        InputKind::P9,
        InputKind::P10,
        InputKind::P11,
        InputKind::P12,
        InputKind::P13,
        InputKind::P14,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Put => "Put",
            InputKind::PutN => "PutN",
            InputKind::Push => "Push",
            InputKind::P1 => "P1",
            InputKind::P2 => "P2",
            InputKind::P3 => "P3",
            InputKind::P4 => "P4",
            InputKind::P5 => "P5",
            InputKind::P6 => "P6",
            InputKind::P7 => "P7",
            InputKind::P8 => "P8",
            InputKind::P9 => "P9",
            InputKind::P10 => "P10",
            InputKind::P11 => "P11",
            InputKind::P12 => "P12",
            InputKind::P13 => "P13",
            InputKind::P14 => "P14",
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
    /// The spec's effect `E`.
    E {
        /// Field `v: u64` of effect `E`.
        v: u64,
    },
    /// The spec's effect `F`.
    F {
        /// Field `ok: bool` of effect `F`.
        ok: bool,
    },
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::E { .. } => EffectKind::E,
            Effect::F { .. } => EffectKind::F,
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
    /// The kind of `Effect::E`.
    E,
    /// The kind of `Effect::F`.
    F,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 2usize] = [EffectKind::E, EffectKind::F];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::E => "E",
            EffectKind::F => "F",
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
    /// Transition `put`: on `Put`, in `Run`, staying there.
    Put,
    /// Transition `putn`: on `PutN`, in `Run`, staying there.
    Putn,
    /// Transition `push`: on `Push`, in `Run`, staying there.
    Push,
    /// Transition `p1`: on `P1`, in `Run`, staying there.
    P1,
    /// Transition `p2`: on `P2`, in `Run`, staying there.
    P2,
    /// Transition `p3`: on `P3`, in `Run`, staying there.
    P3,
    /// Transition `p4`: on `P4`, in `Run`, staying there.
    P4,
    /// Transition `p5`: on `P5`, in `Run`, staying there.
    P5,
    /// Transition `p6`: on `P6`, in `Run`, staying there.
    P6,
    /// Transition `p7`: on `P7`, in `Run`, staying there.
    P7,
    /// Transition `p8`: on `P8`, in `Run`, staying there.
    P8,
    /// Transition `p9`: on `P9`, in `Run`, staying there.
    P9,
    /// Transition `p10`: on `P10`, in `Run`, staying there.
    P10,
    /// Transition `p11`: on `P11`, in `Run`, staying there.
    P11,
    /// Transition `p12`: on `P12`, in `Run`, staying there.
    P12,
    /// Transition `p13`: on `P13`, in `Run`, staying there.
    P13,
    /// Transition `p14`: on `P14`, in `Run`, staying there.
    P14,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 17usize] = [
        TransitionId::Put,
        TransitionId::Putn,
        TransitionId::Push,
        TransitionId::P1,
        TransitionId::P2,
        TransitionId::P3,
        TransitionId::P4,
        TransitionId::P5,
        TransitionId::P6,
        TransitionId::P7,
        TransitionId::P8,
        TransitionId::P9,
        TransitionId::P10,
        TransitionId::P11,
        TransitionId::P12,
        TransitionId::P13,
        TransitionId::P14,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Put => "put",
            TransitionId::Putn => "putn",
            TransitionId::Push => "push",
            TransitionId::P1 => "p1",
            TransitionId::P2 => "p2",
            TransitionId::P3 => "p3",
            TransitionId::P4 => "p4",
            TransitionId::P5 => "p5",
            TransitionId::P6 => "p6",
            TransitionId::P7 => "p7",
            TransitionId::P8 => "p8",
            TransitionId::P9 => "p9",
            TransitionId::P10 => "p10",
            TransitionId::P11 => "p11",
            TransitionId::P12 => "p12",
            TransitionId::P13 => "p13",
            TransitionId::P14 => "p14",
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
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Putn,
        name: "putn",
        input: InputKind::PutN,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Push,
        name: "push",
        input: InputKind::Push,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P1,
        name: "p1",
        input: InputKind::P1,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::E],
    },
    TransitionInfo {
        id: TransitionId::P2,
        name: "p2",
        input: InputKind::P2,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::F],
    },
    TransitionInfo {
        id: TransitionId::P3,
        name: "p3",
        input: InputKind::P3,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P4,
        name: "p4",
        input: InputKind::P4,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P5,
        name: "p5",
        input: InputKind::P5,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P6,
        name: "p6",
        input: InputKind::P6,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::E],
    },
    TransitionInfo {
        id: TransitionId::P7,
        name: "p7",
        input: InputKind::P7,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P8,
        name: "p8",
        input: InputKind::P8,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::F],
    },
    TransitionInfo {
        id: TransitionId::P9,
        name: "p9",
        input: InputKind::P9,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P10,
        name: "p10",
        input: InputKind::P10,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::E],
    },
    TransitionInfo {
        id: TransitionId::P11,
        name: "p11",
        input: InputKind::P11,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::P12,
        name: "p12",
        input: InputKind::P12,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::E],
    },
    TransitionInfo {
        id: TransitionId::P13,
        name: "p13",
        input: InputKind::P13,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::E],
    },
    TransitionInfo {
        id: TransitionId::P14,
        name: "p14",
        input: InputKind::P14,
        from: &[Phase::Run],
        to: None,
        guards: &[],
        effects: &[EffectKind::E],
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
    FlagReplaced(bool),
    MAdded(u64),
    /// Old value of `m[k].a`.
    MLeaf0(u64, u64),
    /// Old value of `m[k].b`.
    MLeaf1(u64, u64),
    /// Old value of `m[k].inner.c`.
    MLeaf3(u64, u64),
    /// Old value of `m[k].opt`.
    MLeaf5(u64, Option<u64>),
    NAdded(u64),
    /// Old value of `n[k].a`.
    NLeaf0(u64, u64),
    QPushed,
    SInserted(u64),
    TotalReplaced(u64),
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
    MEntry(u64, Rec),
    /// Old value of `m[k].inner`.
    MLeaf2(u64, Inner),
    /// Old value of `m[k].items`.
    MLeaf4(u64, VecDeque<u64>),
    /// Old value of `m[k].tags`.
    MLeaf6(u64, BTreeSet<u64>),
    NEntry(u64, Rec),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::FlagReplaced(old) => state.flag = old,
            UndoStep::MAdded(k) => {
                state.m.remove(&k);
            }
            UndoStep::MLeaf0(k, old) => {
                if let Some(entry) = state.m.get_mut(&k) {
                    entry.a = old;
                }
            }
            UndoStep::MLeaf1(k, old) => {
                if let Some(entry) = state.m.get_mut(&k) {
                    entry.b = old;
                }
            }
            UndoStep::MLeaf3(k, old) => {
                if let Some(entry) = state.m.get_mut(&k) {
                    entry.inner.c = old;
                }
            }
            UndoStep::MLeaf5(k, old) => {
                if let Some(entry) = state.m.get_mut(&k) {
                    entry.opt = old;
                }
            }
            UndoStep::NAdded(k) => {
                state.n.remove(&k);
            }
            UndoStep::NLeaf0(k, old) => {
                if let Some(entry) = state.n.get_mut(&k) {
                    entry.a = old;
                }
            }
            UndoStep::QPushed => {
                state.q.pop_back();
            }
            UndoStep::SInserted(x) => {
                state.s.remove(&x);
            }
            UndoStep::TotalReplaced(old) => state.total = old,
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::MEntry(k, old) => {
                            state.m.insert(k, old);
                        }
                        Undo::MLeaf2(k, old) => {
                            if let Some(entry) = state.m.get_mut(&k) {
                                entry.inner = old;
                            }
                        }
                        Undo::MLeaf4(k, old) => {
                            if let Some(entry) = state.m.get_mut(&k) {
                                entry.items = old;
                            }
                        }
                        Undo::MLeaf6(k, old) => {
                            if let Some(entry) = state.m.get_mut(&k) {
                                entry.tags = old;
                            }
                        }
                        Undo::NEntry(k, old) => {
                            state.n.insert(k, old);
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

/// Runs the updates and emits of `put`, recording undo steps.
fn fire_put(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    r: &Rec,
) -> Result<(), Fault> {
    {
        let (k, value) = (*k, r.clone());
        match state.m.insert(k, value) {
            Some(old) => {
                undo.push_owned(Undo::MEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::MAdded(k));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `putn`, recording undo steps.
fn fire_putn(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    r: &Rec,
) -> Result<(), Fault> {
    {
        let (k, value) = (*k, r.clone());
        match state.n.insert(k, value) {
            Some(old) => {
                undo.push_owned(Undo::NEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::NAdded(k));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `push`, recording undo steps.
fn fire_push(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    x: &u64,
) -> Result<(), Fault> {
    state.q.push_back(*x);
    undo.steps.push(UndoStep::QPushed);
    {
        let x = *x;
        if state.s.insert(x) {
            undo.steps.push(UndoStep::SInserted(x));
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p1`, recording undo steps.
fn fire_p1(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        let base: &u64 = &{ entry.a };
        for y in state.q.iter() {
            for z in state.q.iter() {
                if (*z) > (*y) {
                    break;
                }
                {
                    let (k, value) = (
                        *k,
                        entry.a.checked_add(1u64).ok_or(Fault::Overflow)?,
                    );
                    let old = ::std::mem::replace(&mut entry.a, value);
                    undo.steps.push(UndoStep::MLeaf0(k, old));
                }
                effects.push(Effect::E { v: entry.a });
            }
            {
                let new = state.total.checked_add(*base).ok_or(Fault::Overflow)?;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
        }
        {
            let (k, value) = (*k, (*base).checked_add(*x).ok_or(Fault::Overflow)?);
            let old = ::std::mem::replace(&mut entry.b, value);
            undo.steps.push(UndoStep::MLeaf1(k, old));
        }
        effects.push(Effect::E { v: entry.b });
        state.q.push_back(entry.a);
        undo.steps.push(UndoStep::QPushed);
    } else {
        {
            let new = state.total.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps
                .push(
                    UndoStep::TotalReplaced(::std::mem::replace(&mut state.total, new)),
                );
        }
        {
            let (k, value) = (
                *k,
                Rec {
                    a: *x,
                    b: 0u64,
                    opt: None,
                    items: VecDeque::new(),
                    tags: BTreeSet::new(),
                    inner: Inner { opt: None, c: 0u64 },
                },
            );
            match state.m.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::MEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::MAdded(k));
                }
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p2`, recording undo steps.
fn fire_p2(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        {
            let (k, value) = (*x, entry.clone());
            match state.n.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::NEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::NAdded(k));
                }
            }
        }
        {
            let new = 'all_y_0: {
                for y in state.q.iter() {
                    if !((*y) <= entry.a) {
                        break 'all_y_0 false;
                    }
                }
                true
            };
            undo.steps
                .push(UndoStep::FlagReplaced(::std::mem::replace(&mut state.flag, new)));
        }
        for t in entry.items.clone().into_iter().collect::<Vec<_>>().iter() {
            {
                let (k, value) = (*k, entry.a.checked_add(*t).ok_or(Fault::Overflow)?);
                let old = ::std::mem::replace(&mut entry.a, value);
                undo.steps.push(UndoStep::MLeaf0(k, old));
            }
        }
        for t in entry.tags.clone().into_iter().collect::<Vec<_>>().iter() {
            {
                let (k, value) = (*k, *t);
                let old = ::std::mem::replace(&mut entry.b, value);
                undo.steps.push(UndoStep::MLeaf1(k, old));
            }
            {
                let (k, value) = (*k, BTreeSet::new());
                let old = ::std::mem::replace(&mut entry.tags, value);
                undo.push_owned(Undo::MLeaf6(k, old));
            }
        }
        let holds = 'any_y_0: {
            for y in state.s.iter() {
                if ((*y) == entry.b) {
                    break 'any_y_0 true;
                }
            }
            false
        };
        if holds {
            {
                let (k, value) = (*k, 7u64);
                let old = ::std::mem::replace(&mut entry.inner.c, value);
                undo.steps.push(UndoStep::MLeaf3(k, old));
            }
        }
        {
            let (k, value) = (*k, state.q.clone());
            let old = ::std::mem::replace(&mut entry.items, value);
            undo.push_owned(Undo::MLeaf4(k, old));
        }
        effects
            .push(Effect::F {
                ok: 'all_y_0: {
                    for y in entry.items.iter() {
                        if !((*y) < 100u64) {
                            break 'all_y_0 false;
                        }
                    }
                    true
                },
            });
    }
    Ok(())
}

/// Runs the updates and emits of `p3`, recording undo steps.
fn fire_p3(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    j: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        if state.n.contains_key(j) {
            {
                let (k, value) = (*j, entry.a);
                let entry = state.n.get_mut(&k).ok_or(Fault::Absent)?;
                let old = ::std::mem::replace(&mut entry.a, value);
                undo.steps.push(UndoStep::NLeaf0(k, old));
            }
            {
                let (k, value) = (*k, state.n.get(j).ok_or(Fault::Absent)?.b);
                let old = ::std::mem::replace(&mut entry.b, value);
                undo.steps.push(UndoStep::MLeaf1(k, old));
            }
        }
        if state.n.contains_key(j) && (state.n.get(j).ok_or(Fault::Absent)?.a > 2u64) {
            {
                let (k, value) = (*k, 0u64);
                let old = ::std::mem::replace(&mut entry.a, value);
                undo.steps.push(UndoStep::MLeaf0(k, old));
            }
        }
        {
            let (k, value) = (*k, Some(*x));
            let old = ::std::mem::replace(&mut entry.opt, value);
            undo.steps.push(UndoStep::MLeaf5(k, old));
        }
        if entry.opt.is_some() {
            {
                let new = *entry.opt.as_ref().ok_or(Fault::Absent)?;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p4`, recording undo steps.
fn fire_p4(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        if entry.a > (*x) {
            {
                let new = entry.a;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
        } else {
            {
                let (k, value) = (
                    *k,
                    Inner {
                        opt: Some(*x),
                        c: entry.inner.c.checked_add(1u64).ok_or(Fault::Overflow)?,
                    },
                );
                let old = ::std::mem::replace(&mut entry.inner, value);
                undo.push_owned(Undo::MLeaf2(k, old));
            }
        }
    } else {
        if let Some(entry) = state.m.get_mut(x) {
            {
                let (k, value) = (*x, 1u64);
                let old = ::std::mem::replace(&mut entry.a, value);
                undo.steps.push(UndoStep::MLeaf0(k, old));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p5`, recording undo steps.
fn fire_p5(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        {
            let (k, value) = (*k, *x);
            let old = ::std::mem::replace(&mut entry.a, value);
            undo.steps.push(UndoStep::MLeaf0(k, old));
        }
        {
            let (k, value) = (*k, entry.a.checked_add(*x).ok_or(Fault::Overflow)?);
            let old = ::std::mem::replace(&mut entry.b, value);
            undo.steps.push(UndoStep::MLeaf1(k, old));
        }
        {
            let (k, value) = (*k, entry.clone());
            match state.n.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::NEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::NAdded(k));
                }
            }
        }
        {
            let (k, value) = (*k, entry.inner.c.checked_add(*x).ok_or(Fault::Overflow)?);
            let old = ::std::mem::replace(&mut entry.inner.c, value);
            undo.steps.push(UndoStep::MLeaf3(k, old));
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p6`, recording undo steps.
fn fire_p6(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        let r: &Rec = &{ entry.clone() };
        {
            let (k, value) = (*k, r.b);
            let old = ::std::mem::replace(&mut entry.a, value);
            undo.steps.push(UndoStep::MLeaf0(k, old));
        }
        {
            let (k, value) = (*k, r.a);
            let old = ::std::mem::replace(&mut entry.b, value);
            undo.steps.push(UndoStep::MLeaf1(k, old));
        }
        if r.opt.is_some() {
            {
                let (k, value) = (*k, None);
                let old = ::std::mem::replace(&mut entry.opt, value);
                undo.steps.push(UndoStep::MLeaf5(k, old));
            }
            {
                let new = *r.opt.as_ref().ok_or(Fault::Absent)?;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
        }
        for y in r.items.iter() {
            {
                let (k, value) = (*k, entry.a.checked_add(*y).ok_or(Fault::Overflow)?);
                let old = ::std::mem::replace(&mut entry.a, value);
                undo.steps.push(UndoStep::MLeaf0(k, old));
            }
        }
    }
    effects.push(Effect::E { v: state.total });
    Ok(())
}

/// Runs the updates and emits of `p7`, recording undo steps.
fn fire_p7(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(k) {
        let _ = entry;
        let _ = &entry.items;
        for y in state.q.iter() {
            if (*y) == (*x) {
                {
                    let (k, value) = (*k, *y);
                    let old = ::std::mem::replace(&mut entry.a, value);
                    undo.steps.push(UndoStep::MLeaf0(k, old));
                }
                break;
            }
            {
                let (k, value) = (*k, entry.b.checked_add(1u64).ok_or(Fault::Overflow)?);
                let old = ::std::mem::replace(&mut entry.b, value);
                undo.steps.push(UndoStep::MLeaf1(k, old));
            }
        }
        let big: &bool = &{
            'any_t_0: {
                for t in entry.tags.iter() {
                    if ((*t) > (*x)) {
                        break 'any_t_0 true;
                    }
                }
                false
            }
        };
        if *big {
            {
                let (k, value) = (*k, BTreeSet::new());
                let old = ::std::mem::replace(&mut entry.tags, value);
                undo.push_owned(Undo::MLeaf6(k, old));
            }
        } else {
            {
                let new = 3u64;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p8`, recording undo steps.
fn fire_p8(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    r: &Rec,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get_mut(&r.a) {
        {
            let (k, value) = (r.a, r.inner.clone());
            let old = ::std::mem::replace(&mut entry.inner, value);
            undo.push_owned(Undo::MLeaf2(k, old));
        }
        effects
            .push(Effect::F {
                ok: entry.inner.opt.is_some(),
            });
    }
    Ok(())
}

/// Runs the updates and emits of `p9`, recording undo steps.
fn fire_p9(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    x: &u64,
) -> Result<(), Fault> {
    let old_total = state.total;
    if let Some(entry) = state.m.get_mut(&old_total) {
        {
            let new = *x;
            undo.steps
                .push(
                    UndoStep::TotalReplaced(::std::mem::replace(&mut state.total, new)),
                );
        }
        {
            let (k, value) = (old_total, state.total);
            let old = ::std::mem::replace(&mut entry.a, value);
            undo.steps.push(UndoStep::MLeaf0(k, old));
        }
        {
            let (k, value) = (old_total, old_total);
            let old = ::std::mem::replace(&mut entry.b, value);
            undo.steps.push(UndoStep::MLeaf1(k, old));
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p10`, recording undo steps.
fn fire_p10(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.m.get(k) {
        if entry.opt.is_some() {
            {
                let new = state
                    .total
                    .checked_add(*entry.opt.as_ref().ok_or(Fault::Absent)?)
                    .ok_or(Fault::Overflow)?;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
        }
        effects
            .push(Effect::E {
                v: entry.a.checked_add(*x).ok_or(Fault::Overflow)?,
            });
        {
            let x = entry.b;
            if state.s.insert(x) {
                undo.steps.push(UndoStep::SInserted(x));
            }
        }
        {
            let k = *k;
            if let Some(old) = state.m.remove(&k) {
                undo.push_owned(Undo::MEntry(k, old));
            }
        }
        {
            let new = state.total.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps
                .push(
                    UndoStep::TotalReplaced(::std::mem::replace(&mut state.total, new)),
                );
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p11`, recording undo steps.
fn fire_p11(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    match state.m.get(k) {
        Some(entry) if (entry.a > (*x)) && entry.opt.is_some() => {
            if entry.b == (*x) {
                state.q.push_back(entry.a);
                undo.steps.push(UndoStep::QPushed);
            } else {
                {
                    let new = *entry.opt.as_ref().ok_or(Fault::Absent)?;
                    undo.steps
                        .push(
                            UndoStep::TotalReplaced(
                                ::std::mem::replace(&mut state.total, new),
                            ),
                        );
                }
            }
        }
        _ => {
            {
                let new = state.total.checked_add(1u64).ok_or(Fault::Overflow)?;
                undo.steps
                    .push(
                        UndoStep::TotalReplaced(
                            ::std::mem::replace(&mut state.total, new),
                        ),
                    );
            }
            {
                let k = *x;
                if let Some(old) = state.m.remove(&k) {
                    undo.push_owned(Undo::MEntry(k, old));
                }
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p12`, recording undo steps.
fn fire_p12(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    match state.m.get_mut(k) {
        Some(entry) if entry.b <= (*x) => {
            {
                let (k, value) = (*k, entry.b.checked_add(*x).ok_or(Fault::Overflow)?);
                let old = ::std::mem::replace(&mut entry.b, value);
                undo.steps.push(UndoStep::MLeaf1(k, old));
            }
            {
                let (k, value) = (*k, state.s.clone());
                let old = ::std::mem::replace(&mut entry.tags, value);
                undo.push_owned(Undo::MLeaf6(k, old));
            }
            effects.push(Effect::E { v: entry.a });
        }
        _ => {
            let (k, value) = (
                *x,
                Rec {
                    a: *x,
                    b: *x,
                    opt: Some(*k),
                    items: VecDeque::new(),
                    tags: BTreeSet::new(),
                    inner: Inner { opt: None, c: 1u64 },
                },
            );
            match state.m.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::MEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::MAdded(k));
                }
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `p13`, recording undo steps.
fn fire_p13(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if !state.m.contains_key(k) {
        {
            let (k, value) = (
                *k,
                Rec {
                    a: 0u64,
                    b: *x,
                    opt: None,
                    items: VecDeque::new(),
                    tags: BTreeSet::new(),
                    inner: Inner { opt: None, c: 0u64 },
                },
            );
            match state.m.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::MEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::MAdded(k));
                }
            }
        }
    }
    {
        let entry = {
            let (k, value) = (
                *k,
                state
                    .m
                    .get(k)
                    .ok_or(Fault::Absent)?
                    .a
                    .checked_add(1u64)
                    .ok_or(Fault::Overflow)?,
            );
            let entry = state.m.get_mut(&k).ok_or(Fault::Absent)?;
            let old = ::std::mem::replace(&mut entry.a, value);
            undo.steps.push(UndoStep::MLeaf0(k, old));
            entry
        };
        {
            let new = entry.b;
            undo.steps
                .push(
                    UndoStep::TotalReplaced(::std::mem::replace(&mut state.total, new)),
                );
        }
    }
    effects
        .push(Effect::E {
            v: state.m.get(k).ok_or(Fault::Absent)?.a,
        });
    Ok(())
}

/// Runs the updates and emits of `p14`, recording undo steps.
fn fire_p14(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    k: &u64,
    x: &u64,
) -> Result<(), Fault> {
    if let Some(entry) = state.n.get(k) {
        {
            let (k, value) = (*k, entry.clone());
            match state.m.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::MEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::MAdded(k));
                }
            }
        }
    } else {
        {
            let (k, value) = (
                *k,
                Rec {
                    a: *x,
                    b: *x,
                    opt: Some(*x),
                    items: VecDeque::new(),
                    tags: BTreeSet::new(),
                    inner: Inner { opt: None, c: 2u64 },
                },
            );
            match state.m.insert(k, value) {
                Some(old) => {
                    undo.push_owned(Undo::MEntry(k, old));
                }
                None => {
                    undo.steps.push(UndoStep::MAdded(k));
                }
            }
        }
    }
    effects
        .push(Effect::E {
            v: state.m.get(k).ok_or(Fault::Absent)?.b,
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
        Input::Put { k, r } => {
            match state.phase {
                Phase::Run => {
                    self::fire_put(state, undo, effects, k, r)
                        .map_err(|f| f.at::<Machine>(TransitionId::Put))?;
                    Ok(TransitionId::Put)
                }
            }
        }
        Input::PutN { k, r } => {
            match state.phase {
                Phase::Run => {
                    self::fire_putn(state, undo, effects, k, r)
                        .map_err(|f| f.at::<Machine>(TransitionId::Putn))?;
                    Ok(TransitionId::Putn)
                }
            }
        }
        Input::Push { x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_push(state, undo, effects, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::Push))?;
                    Ok(TransitionId::Push)
                }
            }
        }
        Input::P1 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p1(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P1))?;
                    Ok(TransitionId::P1)
                }
            }
        }
        Input::P2 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p2(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P2))?;
                    Ok(TransitionId::P2)
                }
            }
        }
        Input::P3 { k, j, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p3(state, undo, effects, k, j, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P3))?;
                    Ok(TransitionId::P3)
                }
            }
        }
        Input::P4 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p4(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P4))?;
                    Ok(TransitionId::P4)
                }
            }
        }
        Input::P5 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p5(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P5))?;
                    Ok(TransitionId::P5)
                }
            }
        }
        Input::P6 { k, .. } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p6(state, undo, effects, k)
                        .map_err(|f| f.at::<Machine>(TransitionId::P6))?;
                    Ok(TransitionId::P6)
                }
            }
        }
        Input::P7 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p7(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P7))?;
                    Ok(TransitionId::P7)
                }
            }
        }
        Input::P8 { r, .. } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p8(state, undo, effects, r)
                        .map_err(|f| f.at::<Machine>(TransitionId::P8))?;
                    Ok(TransitionId::P8)
                }
            }
        }
        Input::P9 { x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p9(state, undo, effects, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P9))?;
                    Ok(TransitionId::P9)
                }
            }
        }
        Input::P10 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p10(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P10))?;
                    Ok(TransitionId::P10)
                }
            }
        }
        Input::P11 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p11(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P11))?;
                    Ok(TransitionId::P11)
                }
            }
        }
        Input::P12 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p12(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P12))?;
                    Ok(TransitionId::P12)
                }
            }
        }
        Input::P13 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p13(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P13))?;
                    Ok(TransitionId::P13)
                }
            }
        }
        Input::P14 { k, x } => {
            match state.phase {
                Phase::Run => {
                    self::fire_p14(state, undo, effects, k, x)
                        .map_err(|f| f.at::<Machine>(TransitionId::P14))?;
                    Ok(TransitionId::P14)
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
