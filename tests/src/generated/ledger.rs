// @generated from codegen/tests/specs/ledger.machine by `cargo xtask gen`; do not edit.
//! A small account ledger: every construct of the language in one machine.
//!
//! Used by the generator snapshots and by the differential test against the
//! reference interpreter.
//!
//! Kernel of machine `Ledger`, generated from `codegen/tests/specs/ledger.machine` by `cargo xtask gen`.
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

/// Who owns an account.
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
pub struct Owner(pub String);

impl ::std::convert::From<String> for Owner {
    fn from(value: String) -> Self {
        Owner(value)
    }
}

impl ::std::convert::From<&str> for Owner {
    fn from(value: &str) -> Self {
        Owner(value.to_string())
    }
}

impl ::std::fmt::Display for Owner {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `type Cents = i64;`.
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
pub struct Cents(pub i64);

impl ::std::convert::From<i64> for Cents {
    fn from(value: i64) -> Self {
        Cents(value)
    }
}

impl ::std::fmt::Display for Cents {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `type Seqno = u64;`.
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
pub struct Seqno(pub u64);

impl ::std::convert::From<u64> for Seqno {
    fn from(value: u64) -> Self {
        Seqno(value)
    }
}

impl ::std::fmt::Display for Seqno {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// The spec's `type Flag = bool;`.
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
pub struct Flag(pub bool);

impl ::std::convert::From<bool> for Flag {
    fn from(value: bool) -> Self {
        Flag(value)
    }
}

impl ::std::fmt::Display for Flag {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Display::fmt(&self.0, f)
    }
}

/// Kinds of entry.
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
    /// `Kind::Credit`, a variant of the spec's enum.
    Credit,
    /// `Kind::Debit`, a variant of the spec's enum.
    Debit,
    /// `Kind::Fee`, a variant of the spec's enum.
    Fee,
}

impl Kind {
    /// Every variant, in declaration order.
    pub const ALL: [Kind; 3usize] = [Kind::Credit, Kind::Debit, Kind::Fee];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Credit => "Credit",
            Kind::Debit => "Debit",
            Kind::Fee => "Fee",
        }
    }
}

impl ::std::fmt::Display for Kind {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One booked entry.
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
pub struct Entry {
    /// Field `kind: Kind` of `Entry`.
    pub kind: Kind,
    /// Field `amount: Cents` of `Entry`.
    pub amount: Cents,
    /// Field `note: Option<string>` of `Entry`.
    pub note: Option<String>,
}

/// The spec's `struct Hold`.
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
pub struct Hold {
    /// Field `id: u64` of `Hold`.
    pub id: u64,
    /// Field `entry: Entry` of `Hold`.
    pub entry: Entry,
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
    /// Not yet opened.
    Closed,
    /// Phase `Open`.
    Open,
    /// Phase `Frozen`.
    Frozen,
    /// Never left again.
    Archived,
}

impl Phase {
    /// Every variant, in declaration order.
    pub const ALL: [Phase; 4usize] = [
        Phase::Closed,
        Phase::Open,
        Phase::Frozen,
        Phase::Archived,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Closed => "Closed",
            Phase::Open => "Open",
            Phase::Frozen => "Frozen",
            Phase::Archived => "Archived",
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
    pub const INITIAL: Phase = Phase::Closed;
    /// Terminal phases are never left.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Archived)
    }
}

/// The machine's whole state: the phase plus every declared field.
#[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Written only by transitions.
    pub phase: Phase,
    /// State field `owner: Option<Owner>`, initially `none`.
    pub owner: Option<Owner>,
    /// State field `balance: Cents`, initially `0`.
    pub balance: Cents,
    /// State field `limit: i64`, initially `-100`.
    pub limit: i64,
    /// State field `next: Seqno`, initially `1`.
    pub next: Seqno,
    /// State field `audited: Flag`, initially `false`.
    pub audited: Flag,
    /// State field `strict: bool`, initially `true`.
    pub strict: bool,
    /// State field `label: string`, initially `"ledger"`.
    pub label: String,
    /// State field `last_kind: Kind`, initially `Kind::Credit`.
    pub last_kind: Kind,
    /// State field `first: Entry`, initially `Entry { kind: Kind::Credit, amount: 0, note: none }`.
    pub first: Entry,
    /// State field `frozen_from: Phase`, initially `Phase::Closed`.
    pub frozen_from: Phase,
    /// State field `entries: Seq<Entry>`, initially `[]`.
    pub entries: VecDeque<Entry>,
    /// State field `seen: Set<u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub seen: BTreeSet<u64>,
    /// State field `holds: Map<u64, Hold>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub holds: OrdMap<u64, Hold>,
    /// State field `tags: Map<string, u64>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub tags: OrdMap<String, u64>,
    /// State field `pending: Seq<u64>`, initially `[]`.
    pub pending: VecDeque<u64>,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Closed,
            owner: None,
            balance: Cents(0i64),
            limit: -100i64,
            next: Seqno(1u64),
            audited: Flag(false),
            strict: true,
            label: String::from("ledger"),
            last_kind: Kind::Credit,
            first: Entry {
                kind: Kind::Credit,
                amount: Cents(0i64),
                note: None,
            },
            frozen_from: Phase::Closed,
            entries: VecDeque::new(),
            seen: BTreeSet::new(),
            holds: OrdMap::new(),
            tags: OrdMap::new(),
            pending: VecDeque::new(),
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
    /// Opens the account for an owner.
    Open {
        /// Field `owner: Owner` of input `Open`.
        owner: Owner,
        /// Field `strict: bool` of input `Open`.
        strict: bool,
    },
    /// The spec's input `Book`.
    Book {
        /// Field `id: u64` of input `Book`.
        id: u64,
        /// Field `kind: Kind` of input `Book`.
        kind: Kind,
        /// Field `amount: Cents` of input `Book`.
        amount: Cents,
        /// Field `note: Option<string>` of input `Book`.
        note: Option<String>,
    },
    /// The spec's input `HoldFunds`.
    HoldFunds {
        /// Field `id: u64` of input `HoldFunds`.
        id: u64,
        /// Field `amount: Cents` of input `HoldFunds`.
        amount: Cents,
    },
    /// The spec's input `Release`.
    Release {
        /// Field `id: u64` of input `Release`.
        id: u64,
    },
    /// The spec's input `Tag`.
    Tag {
        /// Field `name: string` of input `Tag`.
        name: String,
        /// Field `weight: u64` of input `Tag`.
        weight: u64,
    },
    /// The spec's input `Untag`.
    Untag {
        /// Field `name: string` of input `Untag`.
        name: String,
    },
    /// The spec's input `Freeze`.
    Freeze,
    /// The spec's input `Thaw`.
    Thaw,
    /// The spec's input `Audit`.
    Audit,
    /// The spec's input `Sweep`.
    Sweep,
    /// The spec's input `Archive`.
    Archive,
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Open { .. } => InputKind::Open,
            Input::Book { .. } => InputKind::Book,
            Input::HoldFunds { .. } => InputKind::HoldFunds,
            Input::Release { .. } => InputKind::Release,
            Input::Tag { .. } => InputKind::Tag,
            Input::Untag { .. } => InputKind::Untag,
            Input::Freeze => InputKind::Freeze,
            Input::Thaw => InputKind::Thaw,
            Input::Audit => InputKind::Audit,
            Input::Sweep => InputKind::Sweep,
            Input::Archive => InputKind::Archive,
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
    /// Opens the account for an owner.
    Open,
    /// The kind of `Input::Book`.
    Book,
    /// The kind of `Input::HoldFunds`.
    HoldFunds,
    /// The kind of `Input::Release`.
    Release,
    /// The kind of `Input::Tag`.
    Tag,
    /// The kind of `Input::Untag`.
    Untag,
    /// The kind of `Input::Freeze`.
    Freeze,
    /// The kind of `Input::Thaw`.
    Thaw,
    /// The kind of `Input::Audit`.
    Audit,
    /// The kind of `Input::Sweep`.
    Sweep,
    /// The kind of `Input::Archive`.
    Archive,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 11usize] = [
        InputKind::Open,
        InputKind::Book,
        InputKind::HoldFunds,
        InputKind::Release,
        InputKind::Tag,
        InputKind::Untag,
        InputKind::Freeze,
        InputKind::Thaw,
        InputKind::Audit,
        InputKind::Sweep,
        InputKind::Archive,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Open => "Open",
            InputKind::Book => "Book",
            InputKind::HoldFunds => "HoldFunds",
            InputKind::Release => "Release",
            InputKind::Tag => "Tag",
            InputKind::Untag => "Untag",
            InputKind::Freeze => "Freeze",
            InputKind::Thaw => "Thaw",
            InputKind::Audit => "Audit",
            InputKind::Sweep => "Sweep",
            InputKind::Archive => "Archive",
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
    /// The spec's effect `Opened`.
    Opened {
        /// Field `owner: Owner` of effect `Opened`.
        owner: Owner,
    },
    /// The spec's effect `Booked`.
    Booked {
        /// Field `id: u64` of effect `Booked`.
        id: u64,
        /// Field `balance: Cents` of effect `Booked`.
        balance: Cents,
        /// Field `previous: Cents` of effect `Booked`.
        previous: Cents,
    },
    /// The spec's effect `Held`.
    Held {
        /// Field `id: u64` of effect `Held`.
        id: u64,
        /// Field `amount: Cents` of effect `Held`.
        amount: Cents,
    },
    /// The spec's effect `Released`.
    Released {
        /// Field `id: u64` of effect `Released`.
        id: u64,
    },
    /// The spec's effect `Tagged`.
    Tagged {
        /// Field `name: string` of effect `Tagged`.
        name: String,
        /// Field `total: u64` of effect `Tagged`.
        total: u64,
    },
    /// The spec's effect `Swept`.
    Swept {
        /// Field `id: u64` of effect `Swept`.
        id: u64,
    },
    /// The spec's effect `Audited`.
    Audited {
        /// Field `entries: u64` of effect `Audited`.
        entries: u64,
        /// Field `holds: u64` of effect `Audited`.
        holds: u64,
        /// Field `owner: Owner` of effect `Audited`.
        owner: Owner,
    },
    /// The spec's effect `Alarm`.
    Alarm,
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Opened { .. } => EffectKind::Opened,
            Effect::Booked { .. } => EffectKind::Booked,
            Effect::Held { .. } => EffectKind::Held,
            Effect::Released { .. } => EffectKind::Released,
            Effect::Tagged { .. } => EffectKind::Tagged,
            Effect::Swept { .. } => EffectKind::Swept,
            Effect::Audited { .. } => EffectKind::Audited,
            Effect::Alarm => EffectKind::Alarm,
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
    /// The kind of `Effect::Opened`.
    Opened,
    /// The kind of `Effect::Booked`.
    Booked,
    /// The kind of `Effect::Held`.
    Held,
    /// The kind of `Effect::Released`.
    Released,
    /// The kind of `Effect::Tagged`.
    Tagged,
    /// The kind of `Effect::Swept`.
    Swept,
    /// The kind of `Effect::Audited`.
    Audited,
    /// The kind of `Effect::Alarm`.
    Alarm,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 8usize] = [
        EffectKind::Opened,
        EffectKind::Booked,
        EffectKind::Held,
        EffectKind::Released,
        EffectKind::Tagged,
        EffectKind::Swept,
        EffectKind::Audited,
        EffectKind::Alarm,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Opened => "Opened",
            EffectKind::Booked => "Booked",
            EffectKind::Held => "Held",
            EffectKind::Released => "Released",
            EffectKind::Tagged => "Tagged",
            EffectKind::Swept => "Swept",
            EffectKind::Audited => "Audited",
            EffectKind::Alarm => "Alarm",
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
    /// Transition `open`: on `Open`, from `Closed` to `Open`.
    Open,
    /// Transition `book`: on `Book`, in `Open`, staying there.
    Book,
    /// Transition `hold`: on `HoldFunds`, in `Open`, staying there.
    Hold,
    /// Transition `release`: on `Release`, in `Open` or `Frozen`, staying there.
    Release,
    /// Transition `tag`: on `Tag`, in `Closed`, `Open` or `Frozen`, staying there.
    Tag,
    /// Transition `untag`: on `Untag`, in `Closed`, `Open` or `Frozen`, staying there.
    Untag,
    /// Transition `freeze`: on `Freeze`, from `Open` to `Frozen`.
    Freeze,
    /// Transition `thaw`: on `Thaw`, from `Frozen` to `Open`.
    Thaw,
    /// Transition `audit`: on `Audit`, in `Open` or `Frozen`, staying there.
    Audit,
    /// Transition `sweep`: on `Sweep`, in `Open` or `Frozen`, staying there.
    Sweep,
    /// Transition `archive`: on `Archive`, from `Closed`, `Open` or `Frozen` to `Archived`.
    Archive,
    /// Late archive requests are acknowledged without change.
    ArchiveAgain,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 12usize] = [
        TransitionId::Open,
        TransitionId::Book,
        TransitionId::Hold,
        TransitionId::Release,
        TransitionId::Tag,
        TransitionId::Untag,
        TransitionId::Freeze,
        TransitionId::Thaw,
        TransitionId::Audit,
        TransitionId::Sweep,
        TransitionId::Archive,
        TransitionId::ArchiveAgain,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Open => "open",
            TransitionId::Book => "book",
            TransitionId::Hold => "hold",
            TransitionId::Release => "release",
            TransitionId::Tag => "tag",
            TransitionId::Untag => "untag",
            TransitionId::Freeze => "freeze",
            TransitionId::Thaw => "thaw",
            TransitionId::Audit => "audit",
            TransitionId::Sweep => "sweep",
            TransitionId::Archive => "archive",
            TransitionId::ArchiveAgain => "archive_again",
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
        id: TransitionId::Open,
        name: "open",
        input: InputKind::Open,
        from: &[Phase::Closed],
        to: Some(Phase::Open),
        guards: &["named"],
        effects: &[EffectKind::Opened],
    },
    TransitionInfo {
        id: TransitionId::Book,
        name: "book",
        input: InputKind::Book,
        from: &[Phase::Open],
        to: None,
        guards: &["fresh", "within_limit", "positive", "sane"],
        effects: &[EffectKind::Booked],
    },
    TransitionInfo {
        id: TransitionId::Hold,
        name: "hold",
        input: InputKind::HoldFunds,
        from: &[Phase::Open],
        to: None,
        guards: &["new_hold", "covered"],
        effects: &[EffectKind::Held],
    },
    TransitionInfo {
        id: TransitionId::Release,
        name: "release",
        input: InputKind::Release,
        from: &[Phase::Open, Phase::Frozen],
        to: None,
        guards: &["known"],
        effects: &[EffectKind::Released],
    },
    TransitionInfo {
        id: TransitionId::Tag,
        name: "tag",
        input: InputKind::Tag,
        from: &[Phase::Closed, Phase::Open, Phase::Frozen],
        to: None,
        guards: &["short"],
        effects: &[EffectKind::Tagged],
    },
    TransitionInfo {
        id: TransitionId::Untag,
        name: "untag",
        input: InputKind::Untag,
        from: &[Phase::Closed, Phase::Open, Phase::Frozen],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Freeze,
        name: "freeze",
        input: InputKind::Freeze,
        from: &[Phase::Open],
        to: Some(Phase::Frozen),
        guards: &["no_pending_alarm"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Thaw,
        name: "thaw",
        input: InputKind::Thaw,
        from: &[Phase::Frozen],
        to: Some(Phase::Open),
        guards: &["was_open"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Audit,
        name: "audit",
        input: InputKind::Audit,
        from: &[Phase::Open, Phase::Frozen],
        to: None,
        guards: &["has_owner", "consistent", "any_credit"],
        effects: &[EffectKind::Alarm, EffectKind::Audited],
    },
    TransitionInfo {
        id: TransitionId::Sweep,
        name: "sweep",
        input: InputKind::Sweep,
        from: &[Phase::Open, Phase::Frozen],
        to: None,
        guards: &["something_pending"],
        effects: &[EffectKind::Swept],
    },
    TransitionInfo {
        id: TransitionId::Archive,
        name: "archive",
        input: InputKind::Archive,
        from: &[Phase::Closed, Phase::Open, Phase::Frozen],
        to: Some(Phase::Archived),
        guards: &["settled"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::ArchiveAgain,
        name: "archive_again",
        input: InputKind::Archive,
        from: &[Phase::Archived],
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
    AuditedReplaced(Flag),
    BalanceReplaced(Cents),
    EntriesPushed,
    FrozenFromReplaced(Phase),
    HoldsAdded(u64),
    /// Old value of `holds[k].entry.kind`.
    HoldsLeaf0(u64, Kind),
    LastKindReplaced(Kind),
    NextReplaced(Seqno),
    PendingPushed,
    PendingPopped(u64),
    SeenInserted(u64),
    SeenRemoved(u64),
    StrictReplaced(bool),
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
    EntriesPopped(Entry),
    FirstReplaced(Entry),
    HoldsEntry(u64, Hold),
    /// Old value of `holds[k].entry.note`.
    HoldsLeaf1(u64, Option<String>),
    OwnerReplaced(Option<Owner>),
    SeenReplaced(BTreeSet<u64>),
    TagsReplaced(OrdMap<String, u64>),
    TagsEntry(String, u64),
    TagsAdded(String),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::AuditedReplaced(old) => state.audited = old,
            UndoStep::BalanceReplaced(old) => state.balance = old,
            UndoStep::EntriesPushed => {
                state.entries.pop_back();
            }
            UndoStep::FrozenFromReplaced(old) => state.frozen_from = old,
            UndoStep::HoldsAdded(k) => {
                state.holds.remove(&k);
            }
            UndoStep::HoldsLeaf0(k, old) => {
                if let Some(entry) = state.holds.get_mut(&k) {
                    entry.entry.kind = old;
                }
            }
            UndoStep::LastKindReplaced(old) => state.last_kind = old,
            UndoStep::NextReplaced(old) => state.next = old,
            UndoStep::PendingPushed => {
                state.pending.pop_back();
            }
            UndoStep::PendingPopped(x) => state.pending.push_front(x),
            UndoStep::SeenInserted(x) => {
                state.seen.remove(&x);
            }
            UndoStep::SeenRemoved(x) => {
                state.seen.insert(x);
            }
            UndoStep::StrictReplaced(old) => state.strict = old,
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::EntriesPopped(x) => state.entries.push_front(x),
                        Undo::FirstReplaced(old) => state.first = old,
                        Undo::HoldsEntry(k, old) => {
                            state.holds.insert(k, old);
                        }
                        Undo::HoldsLeaf1(k, old) => {
                            if let Some(entry) = state.holds.get_mut(&k) {
                                entry.entry.note = old;
                            }
                        }
                        Undo::OwnerReplaced(old) => state.owner = old,
                        Undo::SeenReplaced(old) => state.seen = old,
                        Undo::TagsReplaced(old) => state.tags = old,
                        Undo::TagsEntry(k, old) => {
                            state.tags.insert(k, old);
                        }
                        Undo::TagsAdded(k) => {
                            state.tags.remove(&k);
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

/// Guards of `open`: the first that does not hold, if any.
fn guards_open(_state: &State, owner: &Owner) -> Result<Option<&'static str>, Fault> {
    if !(!owner.0.is_empty()) {
        return Ok(Some("named"));
    }
    Ok(None)
}

/// Guards of `book`: the first that does not hold, if any.
fn guards_book(
    state: &State,
    id: &u64,
    kind: &Kind,
    amount: &Cents,
) -> Result<Option<&'static str>, Fault> {
    if state.seen.contains(id) {
        return Ok(Some("fresh"));
    }
    if !(((*kind) == Kind::Credit)
        || (Cents(state.balance.0.checked_sub(amount.0).ok_or(Fault::Overflow)?)
            >= Cents(state.limit)))
    {
        return Ok(Some("within_limit"));
    }
    if !((*amount) > Cents(0i64)) {
        return Ok(Some("positive"));
    }
    if !((Cents(amount.0.checked_neg().ok_or(Fault::Overflow)?) < Cents(0i64))
        && (!'any_s_0: {
            for s in state.seen.iter() {
                if ((*s) == (*id)) {
                    break 'any_s_0 true;
                }
            }
            false
        }))
    {
        return Ok(Some("sane"));
    }
    Ok(None)
}

/// Guards of `hold`: the first that does not hold, if any.
fn guards_hold(
    state: &State,
    id: &u64,
    amount: &Cents,
) -> Result<Option<&'static str>, Fault> {
    if state.holds.contains_key(id) {
        return Ok(Some("new_hold"));
    }
    if !((state.balance >= (*amount)) && ((*amount) > Cents(0i64))) {
        return Ok(Some("covered"));
    }
    Ok(None)
}

/// Guards of `release`: the first that does not hold, if any.
fn guards_release(state: &State, id: &u64) -> Result<Option<&'static str>, Fault> {
    if !state.holds.contains_key(id) {
        return Ok(Some("known"));
    }
    Ok(None)
}

/// Guards of `tag`: the first that does not hold, if any.
fn guards_tag(state: &State, name: &String) -> Result<Option<&'static str>, Fault> {
    if !((!(*name).is_empty())
        && (!match state.tags.get(name) {
            Some(entry) => ((*entry) > 5u64),
            None => false,
        }))
    {
        return Ok(Some("short"));
    }
    Ok(None)
}

/// Guards of `freeze`: the first that does not hold, if any.
fn guards_freeze(state: &State) -> Result<Option<&'static str>, Fault> {
    if !(state.pending.is_empty() || (state.pending.front().cloned() != Some(0u64))) {
        return Ok(Some("no_pending_alarm"));
    }
    Ok(None)
}

/// Guards of `thaw`: the first that does not hold, if any.
fn guards_thaw(state: &State) -> Result<Option<&'static str>, Fault> {
    if !(state.frozen_from == Phase::Open) {
        return Ok(Some("was_open"));
    }
    Ok(None)
}

/// Guards of `audit`: the first that does not hold, if any.
fn guards_audit(state: &State) -> Result<Option<&'static str>, Fault> {
    if !state.owner.is_some() {
        return Ok(Some("has_owner"));
    }
    if !'all_id_h_2: {
        for (id, h) in state.holds.iter() {
            if !((h.id == (*id)) && (h.entry.amount > Cents(0i64))) {
                break 'all_id_h_2 false;
            }
        }
        true
    } {
        return Ok(Some("consistent"));
    }
    if !(state.entries.is_empty()
        || 'any_e_0: {
            for e in state.entries.iter() {
                if (e.kind == Kind::Credit) {
                    break 'any_e_0 true;
                }
            }
            false
        })
    {
        return Ok(Some("any_credit"));
    }
    Ok(None)
}

/// Guards of `sweep`: the first that does not hold, if any.
fn guards_sweep(state: &State) -> Result<Option<&'static str>, Fault> {
    if state.pending.is_empty() {
        return Ok(Some("something_pending"));
    }
    Ok(None)
}

/// Guards of `archive`: the first that does not hold, if any.
fn guards_archive(state: &State) -> Result<Option<&'static str>, Fault> {
    if !state.holds.is_empty() {
        return Ok(Some("settled"));
    }
    Ok(None)
}

/// Runs the updates and emits of `open`, recording undo steps.
fn fire_open(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    owner: &Owner,
    strict: &bool,
) -> Result<(), Fault> {
    {
        let new = Some(owner.clone());
        undo.push_owned(Undo::OwnerReplaced(::std::mem::replace(&mut state.owner, new)));
    }
    {
        let new = *strict;
        undo.steps
            .push(UndoStep::StrictReplaced(::std::mem::replace(&mut state.strict, new)));
    }
    state.phase = Phase::Open;
    effects
        .push(Effect::Opened {
            owner: owner.clone(),
        });
    Ok(())
}

/// Runs the updates and emits of `book`, recording undo steps.
fn fire_book(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    id: &u64,
    kind: &Kind,
    amount: &Cents,
    note: &Option<String>,
) -> Result<(), Fault> {
    let old_balance = state.balance;
    let old_next = state.next;
    {
        let x = *id;
        if state.seen.insert(x) {
            undo.steps.push(UndoStep::SeenInserted(x));
        }
    }
    if (*kind) == Kind::Credit {
        {
            let new = Cents(
                state.balance.0.checked_add(amount.0).ok_or(Fault::Overflow)?,
            );
            undo.steps
                .push(
                    UndoStep::BalanceReplaced(
                        ::std::mem::replace(&mut state.balance, new),
                    ),
                );
        }
    } else {
        {
            let new = Cents(
                state.balance.0.checked_sub(amount.0).ok_or(Fault::Overflow)?,
            );
            undo.steps
                .push(
                    UndoStep::BalanceReplaced(
                        ::std::mem::replace(&mut state.balance, new),
                    ),
                );
        }
    }
    state
        .entries
        .push_back(Entry {
            kind: *kind,
            amount: *amount,
            note: note.clone(),
        });
    undo.steps.push(UndoStep::EntriesPushed);
    {
        let new = *kind;
        undo.steps
            .push(
                UndoStep::LastKindReplaced(
                    ::std::mem::replace(&mut state.last_kind, new),
                ),
            );
    }
    {
        let new = Seqno(state.next.0.checked_add(1u64).ok_or(Fault::Overflow)?);
        undo.steps
            .push(UndoStep::NextReplaced(::std::mem::replace(&mut state.next, new)));
    }
    if state.next > Seqno(old_next.0.checked_add(100u64).ok_or(Fault::Overflow)?) {
        {
            let new = Flag(false);
            undo.steps
                .push(
                    UndoStep::AuditedReplaced(
                        ::std::mem::replace(&mut state.audited, new),
                    ),
                );
        }
    } else {
        if state.strict {
            {
                let new = Flag(false);
                undo.steps
                    .push(
                        UndoStep::AuditedReplaced(
                            ::std::mem::replace(&mut state.audited, new),
                        ),
                    );
            }
        }
    }
    if (state.entries.len() as u64) == 1u64 {
        {
            let new = Entry {
                kind: *kind,
                amount: *amount,
                note: None,
            };
            undo.push_owned(
                Undo::FirstReplaced(::std::mem::replace(&mut state.first, new)),
            );
        }
    }
    effects
        .push(Effect::Booked {
            id: *id,
            balance: state.balance,
            previous: old_balance,
        });
    Ok(())
}

/// Runs the updates and emits of `hold`, recording undo steps.
fn fire_hold(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    id: &u64,
    amount: &Cents,
) -> Result<(), Fault> {
    {
        let (k, value) = (
            *id,
            Hold {
                id: *id,
                entry: Entry {
                    kind: Kind::Debit,
                    amount: *amount,
                    note: Some(String::from("hold")),
                },
            },
        );
        match state.holds.insert(k, value) {
            Some(old) => {
                undo.push_owned(Undo::HoldsEntry(k, old));
            }
            None => {
                undo.steps.push(UndoStep::HoldsAdded(k));
            }
        }
    }
    {
        let new = Cents(state.balance.0.checked_sub(amount.0).ok_or(Fault::Overflow)?);
        undo.steps
            .push(
                UndoStep::BalanceReplaced(::std::mem::replace(&mut state.balance, new)),
            );
    }
    state.pending.push_back(*id);
    undo.steps.push(UndoStep::PendingPushed);
    effects
        .push(Effect::Held {
            id: *id,
            amount: *amount,
        });
    Ok(())
}

/// Runs the updates and emits of `release`, recording undo steps.
fn fire_release(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    id: &u64,
) -> Result<(), Fault> {
    if state.phase == Phase::Frozen {
        {
            let (k, value) = (*id, Some(String::from("release requested")));
            let entry = state.holds.get_mut(&k).ok_or(Fault::Absent)?;
            let old = ::std::mem::replace(&mut entry.entry.note, value);
            undo.push_owned(Undo::HoldsLeaf1(k, old));
        }
    } else {
        {
            let new = Cents(
                state
                    .balance
                    .0
                    .checked_add(
                        state.holds.get(id).ok_or(Fault::Absent)?.entry.amount.0,
                    )
                    .ok_or(Fault::Overflow)?,
            );
            undo.steps
                .push(
                    UndoStep::BalanceReplaced(
                        ::std::mem::replace(&mut state.balance, new),
                    ),
                );
        }
        {
            let k = *id;
            if let Some(old) = state.holds.remove(&k) {
                undo.push_owned(Undo::HoldsEntry(k, old));
            }
        }
    }
    effects.push(Effect::Released { id: *id });
    Ok(())
}

/// Runs the updates and emits of `tag`, recording undo steps.
fn fire_tag(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    name: &String,
    weight: &u64,
) -> Result<(), Fault> {
    {
        let (k, value) = (
            name.clone(),
            state
                .tags
                .get(name)
                .cloned()
                .unwrap_or(0u64)
                .checked_add(*weight)
                .ok_or(Fault::Overflow)?,
        );
        match state.tags.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::TagsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::TagsAdded(k));
            }
        }
    }
    effects
        .push(Effect::Tagged {
            name: name.clone(),
            total: state.tags.get(name).cloned().unwrap_or(0u64),
        });
    Ok(())
}

/// Runs the updates and emits of `untag`, recording undo steps.
fn fire_untag(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    name: &String,
) -> Result<(), Fault> {
    {
        let k = name.clone();
        if let Some(old) = state.tags.remove(&k) {
            undo.push_owned(Undo::TagsEntry(k, old));
        }
    }
    Ok(())
}

/// Runs the updates and emits of `freeze`, recording undo steps.
fn fire_freeze(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = state.phase;
        undo.steps
            .push(
                UndoStep::FrozenFromReplaced(
                    ::std::mem::replace(&mut state.frozen_from, new),
                ),
            );
    }
    state.phase = Phase::Frozen;
    Ok(())
}

/// Runs the updates and emits of `thaw`, recording undo steps.
fn fire_thaw(
    state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    state.phase = Phase::Open;
    Ok(())
}

/// Runs the updates and emits of `audit`, recording undo steps.
fn fire_audit(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    {
        let new = Flag(true);
        undo.steps
            .push(
                UndoStep::AuditedReplaced(::std::mem::replace(&mut state.audited, new)),
            );
    }
    for e in state.entries.iter() {
        if e.note.is_none() && (e.amount > Cents(1000i64)) {
            effects.push(Effect::Alarm);
        }
    }
    effects
        .push(Effect::Audited {
            entries: state.entries.len() as u64,
            holds: state.holds.len() as u64,
            owner: state.owner.as_ref().ok_or(Fault::Absent)?.clone(),
        });
    Ok(())
}

/// Runs the updates and emits of `sweep`, recording undo steps.
fn fire_sweep(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    for (id, h) in state.holds.clone().into_iter().collect::<Vec<_>>().iter() {
        if h.entry.amount > Cents(50i64) {
            {
                let k = *id;
                if let Some(old) = state.holds.remove(&k) {
                    undo.push_owned(Undo::HoldsEntry(k, old));
                }
            }
            effects.push(Effect::Swept { id: *id });
        } else {
            if let Some(entry) = state.holds.get_mut(id) {
                {
                    let (k, value) = (*id, Kind::Fee);
                    let old = ::std::mem::replace(&mut entry.entry.kind, value);
                    undo.steps.push(UndoStep::HoldsLeaf0(k, old));
                }
            }
        }
    }
    for p in state.pending.iter() {
        {
            let x = *p;
            if state.seen.remove(&x) {
                undo.steps.push(UndoStep::SeenRemoved(x));
            }
        }
    }
    if let Some(x) = state.pending.pop_front() {
        undo.steps.push(UndoStep::PendingPopped(x));
    }
    undo.push_owned(Undo::TagsReplaced(::std::mem::take(&mut state.tags)));
    Ok(())
}

/// Runs the updates and emits of `archive`, recording undo steps.
fn fire_archive(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    while let Some(x) = state.entries.pop_front() {
        undo.push_owned(Undo::EntriesPopped(x));
    }
    undo.push_owned(Undo::SeenReplaced(::std::mem::take(&mut state.seen)));
    state.phase = Phase::Archived;
    Ok(())
}

/// Runs the updates and emits of `archive_again`, recording undo steps.
fn fire_archive_again(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
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
        Input::Open { owner, strict } => {
            match state.phase {
                Phase::Closed => {
                    let failed_0 = match self::guards_open(state, owner)
                        .map_err(|f| f.at::<Machine>(TransitionId::Open))?
                    {
                        None => {
                            self::fire_open(state, undo, effects, owner, strict)
                                .map_err(|f| f.at::<Machine>(TransitionId::Open))?;
                            return Ok(TransitionId::Open);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Open, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Book { id, kind, amount, note } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_book(state, id, kind, amount)
                        .map_err(|f| f.at::<Machine>(TransitionId::Book))?
                    {
                        None => {
                            self::fire_book(state, undo, effects, id, kind, amount, note)
                                .map_err(|f| f.at::<Machine>(TransitionId::Book))?;
                            return Ok(TransitionId::Book);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Book, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::HoldFunds { id, amount } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_hold(state, id, amount)
                        .map_err(|f| f.at::<Machine>(TransitionId::Hold))?
                    {
                        None => {
                            self::fire_hold(state, undo, effects, id, amount)
                                .map_err(|f| f.at::<Machine>(TransitionId::Hold))?;
                            return Ok(TransitionId::Hold);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Hold, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Release { id } => {
            match state.phase {
                Phase::Open | Phase::Frozen => {
                    let failed_0 = match self::guards_release(state, id)
                        .map_err(|f| f.at::<Machine>(TransitionId::Release))?
                    {
                        None => {
                            self::fire_release(state, undo, effects, id)
                                .map_err(|f| f.at::<Machine>(TransitionId::Release))?;
                            return Ok(TransitionId::Release);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Release, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Tag { name, weight } => {
            match state.phase {
                Phase::Closed | Phase::Open | Phase::Frozen => {
                    let failed_0 = match self::guards_tag(state, name)
                        .map_err(|f| f.at::<Machine>(TransitionId::Tag))?
                    {
                        None => {
                            self::fire_tag(state, undo, effects, name, weight)
                                .map_err(|f| f.at::<Machine>(TransitionId::Tag))?;
                            return Ok(TransitionId::Tag);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Tag, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Untag { name } => {
            match state.phase {
                Phase::Closed | Phase::Open | Phase::Frozen => {
                    self::fire_untag(state, undo, effects, name)
                        .map_err(|f| f.at::<Machine>(TransitionId::Untag))?;
                    Ok(TransitionId::Untag)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Freeze => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_freeze(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Freeze))?
                    {
                        None => {
                            self::fire_freeze(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::Freeze))?;
                            return Ok(TransitionId::Freeze);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Freeze, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Thaw => {
            match state.phase {
                Phase::Frozen => {
                    let failed_0 = match self::guards_thaw(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Thaw))?
                    {
                        None => {
                            self::fire_thaw(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::Thaw))?;
                            return Ok(TransitionId::Thaw);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Thaw, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Audit => {
            match state.phase {
                Phase::Open | Phase::Frozen => {
                    let failed_0 = match self::guards_audit(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Audit))?
                    {
                        None => {
                            self::fire_audit(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::Audit))?;
                            return Ok(TransitionId::Audit);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Audit, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Sweep => {
            match state.phase {
                Phase::Open | Phase::Frozen => {
                    let failed_0 = match self::guards_sweep(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Sweep))?
                    {
                        None => {
                            self::fire_sweep(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::Sweep))?;
                            return Ok(TransitionId::Sweep);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Sweep, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Archive => {
            match state.phase {
                Phase::Closed | Phase::Open | Phase::Frozen => {
                    let failed_0 = match self::guards_archive(state)
                        .map_err(|f| f.at::<Machine>(TransitionId::Archive))?
                    {
                        None => {
                            self::fire_archive(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::Archive))?;
                            return Ok(TransitionId::Archive);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Archive, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                Phase::Archived => {
                    self::fire_archive_again(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::ArchiveAgain))?;
                    Ok(TransitionId::ArchiveAgain)
                }
            }
        }
    }
}

fn invariant_above_limit(state: &State) -> Result<bool, Fault> {
    Ok(state.balance >= Cents(state.limit))
}

fn invariant_open_has_owner(state: &State) -> Result<bool, Fault> {
    Ok(!(state.phase == Phase::Open) || state.owner.is_some())
}

fn invariant_holds_are_pending(state: &State) -> Result<bool, Fault> {
    Ok('all_id_h_2: {
        for (id, h) in state.holds.iter() {
            if !(state.pending.contains(id) || (h.entry.amount > Cents(0i64))) {
                break 'all_id_h_2 false;
            }
        }
        true
    })
}

/// Checks every invariant, in declaration order.
pub fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
    match invariant_above_limit(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "above_limit",
                fault: value.err(),
            });
        }
    }
    match invariant_open_has_owner(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "open_has_owner",
                fault: value.err(),
            });
        }
    }
    match invariant_holds_are_pending(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "holds_are_pending",
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
