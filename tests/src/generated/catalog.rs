// @generated from codegen/tests/specs/edge_cases.machine by `cargo xtask gen`; do not edit.
//! HTTP-like requests against a catalogue of named items.
//!
//! Code blocks in doc comments are spec text, not Rust: rustdoc must not compile them
//! as doctests of the crate the kernel lands in, fenced
//!
//! ```text
//! self.tagged += 1;
//! ```
//!
//! or indented:
//!
//! ```text
//! self.stocked = true;
//! ```
//!
//! Prose is prose too: [max], <Item> and https://example.com are neither
//! links nor tags to rustdoc.
//!
//! Kernel of machine `Catalog`, generated from `codegen/tests/specs/edge_cases.machine` by `cargo xtask gen`.
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

/// The spec's `type Title = string;`.
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
    /// `Method::GET`, a variant of the spec's enum.
    GET,
    /// `Method::POST`, a variant of the spec's enum.
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

/// The spec's `struct Item`.
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
pub struct Item {
    /// Field `title: Title` of `Item`.
    pub title: Title,
    /// Field `tags: Set<string>` of `Item`.
    #[serde(
        with = "::suricate_kernel::serde_form::Set::<::suricate_kernel::serde_form::Plain>"
    )]
    pub tags: BTreeSet<String>,
    /// Field `qty: u64` of `Item`.
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
    /// State field `items: Map<Title, Item>`, initially `{}`.
    #[serde(
        with = "::suricate_kernel::serde_form::Map::<::suricate_kernel::serde_form::Plain>"
    )]
    pub items: OrdMap<Title, Item>,
    /// State field `order: Seq<Title>`, initially `[]`.
    pub order: VecDeque<Title>,
    /// State field `last: Method`, initially `Method::GET`.
    pub last: Method,
    /// State field `tagged: u64`, initially `0`.
    pub tagged: u64,
    /// State field `floor: string`, initially `"m"`.
    pub floor: String,
    /// State field `stocked: bool`, initially `false`.
    pub stocked: bool,
}

impl State {
    /// The declared defaults, in the initial phase.
    pub fn initial() -> State {
        State {
            phase: Phase::Open,
            items: OrdMap::new(),
            order: VecDeque::new(),
            last: Method::GET,
            tagged: 0u64,
            floor: String::from("m"),
            stocked: false,
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
    /// Field names equal to the generated functions' names (`fire_add`, `guards_add`), and
    /// `failed`, a name dispatch once used for a local of its own.
    Add {
        /// Field `fire_add: Item` of input `Add`.
        fire_add: Item,
        /// Field `guards_add: Method` of input `Add`.
        guards_add: Method,
        /// Field `failed: bool` of input `Add`.
        failed: bool,
    },
    /// The spec's input `Close`.
    Close,
    /// The spec's input `Restock`.
    Restock {
        /// Field `title: Title` of input `Restock`.
        title: Title,
        /// Field `qty: u64` of input `Restock`.
        qty: u64,
    },
    /// A key named like the local the generator binds a looked-up entry to.
    Relabel {
        /// Field `entry: Title` of input `Relabel`.
        entry: Title,
    },
    /// The spec's input `Sweep`.
    Sweep,
    /// The spec's input `Probe`.
    Probe {
        /// Field `title: Title` of input `Probe`.
        title: Title,
    },
}

impl Input {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Add { .. } => InputKind::Add,
            Input::Close => InputKind::Close,
            Input::Restock { .. } => InputKind::Restock,
            Input::Relabel { .. } => InputKind::Relabel,
            Input::Sweep => InputKind::Sweep,
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
    /// Field names equal to the generated functions' names (`fire_add`, `guards_add`), and
    /// `failed`, a name dispatch once used for a local of its own.
    Add,
    /// The kind of `Input::Close`.
    Close,
    /// The kind of `Input::Restock`.
    Restock,
    /// A key named like the local the generator binds a looked-up entry to.
    Relabel,
    /// The kind of `Input::Sweep`.
    Sweep,
    /// The kind of `Input::Probe`.
    Probe,
}

impl InputKind {
    /// Every variant, in declaration order.
    pub const ALL: [InputKind; 6usize] = [
        InputKind::Add,
        InputKind::Close,
        InputKind::Restock,
        InputKind::Relabel,
        InputKind::Sweep,
        InputKind::Probe,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Add => "Add",
            InputKind::Close => "Close",
            InputKind::Restock => "Restock",
            InputKind::Relabel => "Relabel",
            InputKind::Sweep => "Sweep",
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
pub enum Effect {
    /// The spec's effect `Added`.
    Added {
        /// Field `title: Title` of effect `Added`.
        title: Title,
    },
    /// The spec's effect `Restocked`.
    Restocked {
        /// Field `title: Title` of effect `Restocked`.
        title: Title,
        /// Field `qty: u64` of effect `Restocked`.
        qty: u64,
    },
}

impl Effect {
    /// Which kind this is, without its data.
    pub fn kind(&self) -> EffectKind {
        match self {
            Effect::Added { .. } => EffectKind::Added,
            Effect::Restocked { .. } => EffectKind::Restocked,
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
    /// The kind of `Effect::Added`.
    Added,
    /// The kind of `Effect::Restocked`.
    Restocked,
}

impl EffectKind {
    /// Every variant, in declaration order.
    pub const ALL: [EffectKind; 2usize] = [EffectKind::Added, EffectKind::Restocked];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Added => "Added",
            EffectKind::Restocked => "Restocked",
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
    /// Transition `add`: on `Add`, in `Open`, staying there.
    Add,
    /// A second candidate, so that dispatch keeps the first one's failing guard while
    /// `failed` is bound.
    AddFailed,
    /// Transition `restock`: on `Restock`, in `Open`, staying there.
    Restock,
    /// Transition `relabel`: on `Relabel`, in `Open`, staying there.
    Relabel,
    /// Transition `sweep`: on `Sweep`, in `Open`, staying there.
    Sweep,
    /// Transition `probe`: on `Probe`, in `Open`, staying there.
    Probe,
    /// Transition `close`: on `Close`, from `Open` to `Closed`.
    Close,
}

impl TransitionId {
    /// Every variant, in declaration order.
    pub const ALL: [TransitionId; 7usize] = [
        TransitionId::Add,
        TransitionId::AddFailed,
        TransitionId::Restock,
        TransitionId::Relabel,
        TransitionId::Sweep,
        TransitionId::Probe,
        TransitionId::Close,
    ];
    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            TransitionId::Add => "add",
            TransitionId::AddFailed => "add_failed",
            TransitionId::Restock => "restock",
            TransitionId::Relabel => "relabel",
            TransitionId::Sweep => "sweep",
            TransitionId::Probe => "probe",
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
        id: TransitionId::Add,
        name: "add",
        input: InputKind::Add,
        from: &[Phase::Open],
        to: None,
        guards: &["early", "above_floor", "fresh", "bounded"],
        effects: &[EffectKind::Added],
    },
    TransitionInfo {
        id: TransitionId::AddFailed,
        name: "add_failed",
        input: InputKind::Add,
        from: &[Phase::Open],
        to: None,
        guards: &["marked_failed"],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Restock,
        name: "restock",
        input: InputKind::Restock,
        from: &[Phase::Open],
        to: None,
        guards: &["known"],
        effects: &[EffectKind::Restocked],
    },
    TransitionInfo {
        id: TransitionId::Relabel,
        name: "relabel",
        input: InputKind::Relabel,
        from: &[Phase::Open],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Sweep,
        name: "sweep",
        input: InputKind::Sweep,
        from: &[Phase::Open],
        to: None,
        guards: &[],
        effects: &[],
    },
    TransitionInfo {
        id: TransitionId::Probe,
        name: "probe",
        input: InputKind::Probe,
        from: &[Phase::Open],
        to: None,
        guards: &["not_full"],
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
    LastReplaced(Method),
    OrderPushed,
    StockedReplaced(bool),
    TaggedReplaced(u64),
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
    ItemsEntry(Title, Item),
    ItemsAdded(Title),
    /// Old value of `items[k].qty`.
    ItemsLeaf0(Title, u64),
    /// Old value of `items[k].title`.
    ItemsLeaf1(Title, Title),
}

/// Reverts the records of `log` (most recent first, leaving its buffers empty
/// for reuse) and restores the phase.
fn undo(state: &mut State, phase: Phase, log: &mut UndoLog) {
    while let Some(step) = log.steps.pop() {
        match step {
            UndoStep::LastReplaced(old) => state.last = old,
            UndoStep::OrderPushed => {
                state.order.pop_back();
            }
            UndoStep::StockedReplaced(old) => state.stocked = old,
            UndoStep::TaggedReplaced(old) => state.tagged = old,
            UndoStep::Owned => {
                if let Some(step) = log.owned.pop() {
                    match step {
                        Undo::ItemsEntry(k, old) => {
                            state.items.insert(k, old);
                        }
                        Undo::ItemsAdded(k) => {
                            state.items.remove(&k);
                        }
                        Undo::ItemsLeaf0(k, old) => {
                            if let Some(entry) = state.items.get_mut(&k) {
                                entry.qty = old;
                            }
                        }
                        Undo::ItemsLeaf1(k, old) => {
                            if let Some(entry) = state.items.get_mut(&k) {
                                entry.title = old;
                            }
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
    if !'all_k_v_1: {
        for (_, v) in state.items.iter() {
            let holds = 'any_t_0: {
                for t in v.tags.iter() {
                    if (!(*t).is_empty()) {
                        break 'any_t_0 true;
                    }
                }
                false
            };
            if !holds {
                break 'all_k_v_1 false;
            }
        }
        true
    } {
        return Ok(Some("bounded"));
    }
    Ok(None)
}

/// Guards of `add_failed`: the first that does not hold, if any.
fn guards_add_failed(
    _state: &State,
    failed: &bool,
) -> Result<Option<&'static str>, Fault> {
    if !(*failed) {
        return Ok(Some("marked_failed"));
    }
    Ok(None)
}

/// Guards of `restock`: the first that does not hold, if any.
fn guards_restock(state: &State, title: &Title) -> Result<Option<&'static str>, Fault> {
    if !match state.items.get(title) {
        Some(entry) => ((entry.qty < 1000u64) && (!entry.tags.is_empty())),
        None => false,
    } {
        return Ok(Some("known"));
    }
    Ok(None)
}

/// Guards of `probe`: the first that does not hold, if any.
fn guards_probe(state: &State, title: &Title) -> Result<Option<&'static str>, Fault> {
    if !((!state.items.contains_key(title))
        || (state.items.get(title).ok_or(Fault::Absent)?.qty < 900u64))
    {
        return Ok(Some("not_full"));
    }
    Ok(None)
}

/// Runs the updates and emits of `add`, recording undo steps.
fn fire_add(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    fire_add: &Item,
    guards_add: &Method,
) -> Result<(), Fault> {
    {
        let (k, value) = (fire_add.title.clone(), fire_add.clone());
        match state.items.insert(k.clone(), value) {
            Some(old) => {
                undo.push_owned(Undo::ItemsEntry(k, old));
            }
            None => {
                undo.push_owned(Undo::ItemsAdded(k));
            }
        }
    }
    state.order.push_back(fire_add.title.clone());
    undo.steps.push(UndoStep::OrderPushed);
    {
        let new = *guards_add;
        undo.steps
            .push(UndoStep::LastReplaced(::std::mem::replace(&mut state.last, new)));
    }
    let holds = 'all_t_0: {
        for t in fire_add.tags.iter() {
            if !(!(*t).is_empty()) {
                break 'all_t_0 false;
            }
        }
        true
    };
    if holds {
        {
            let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps
                .push(
                    UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
                );
        }
    }
    for _ in fire_add.tags.iter() {
        {
            let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps
                .push(
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

/// Runs the updates and emits of `add_failed`, recording undo steps.
fn fire_add_failed(
    _state: &mut State,
    _undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    Ok(())
}

/// Runs the updates and emits of `restock`, recording undo steps.
fn fire_restock(
    state: &mut State,
    undo: &mut UndoLog,
    effects: &mut Vec<Effect>,
    title: &Title,
    qty: &u64,
) -> Result<(), Fault> {
    {
        let entry = {
            let (k, value) = (
                title.clone(),
                state
                    .items
                    .get(title)
                    .ok_or(Fault::Absent)?
                    .qty
                    .checked_add(*qty)
                    .ok_or(Fault::Overflow)?,
            );
            let entry = state.items.get_mut(&k).ok_or(Fault::Absent)?;
            let old = ::std::mem::replace(&mut entry.qty, value);
            undo.push_owned(Undo::ItemsLeaf0(k, old));
            entry
        };
        effects
            .push(Effect::Restocked {
                title: title.clone(),
                qty: entry.qty,
            });
        {
            let new = entry.qty;
            undo.steps
                .push(
                    UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
                );
        }
        {
            let (k, value) = (title.clone(), title.clone());
            let old = ::std::mem::replace(&mut entry.title, value);
            undo.push_owned(Undo::ItemsLeaf1(k, old));
        }
    }
    if let Some(entry) = state.items.get(title) {
        if entry.qty >= 100u64 {
            {
                let new = true;
                undo.steps
                    .push(
                        UndoStep::StockedReplaced(
                            ::std::mem::replace(&mut state.stocked, new),
                        ),
                    );
            }
        }
    }
    if let Some(entry) = state.items.get_mut(title) {
        if entry.qty > 500u64 {
            {
                let (k, value) = (title.clone(), 500u64);
                let old = ::std::mem::replace(&mut entry.qty, value);
                undo.push_owned(Undo::ItemsLeaf0(k, old));
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `relabel`, recording undo steps.
fn fire_relabel(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    entry: &Title,
) -> Result<(), Fault> {
    let _ = &state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
    if state.items.contains_key(entry) {
        {
            let (k, value) = (entry.clone(), 0u64);
            let entry = state.items.get_mut(&k).ok_or(Fault::Absent)?;
            let old = ::std::mem::replace(&mut entry.qty, value);
            undo.push_owned(Undo::ItemsLeaf0(k, old));
        }
        {
            let new = state.items.get(entry).ok_or(Fault::Absent)?.qty;
            undo.steps
                .push(
                    UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
                );
        }
    }
    for t in state.order.iter() {
        for u in state.order.iter() {
            if (*u) == (*t) {
                break;
            }
            {
                let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
                undo.steps
                    .push(
                        UndoStep::TaggedReplaced(
                            ::std::mem::replace(&mut state.tagged, new),
                        ),
                    );
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `sweep`, recording undo steps.
fn fire_sweep(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
) -> Result<(), Fault> {
    for (k, v) in state.items.clone().into_iter().collect::<Vec<_>>().iter() {
        if let Some(entry) = state.items.get_mut(k) {
            {
                let (k, value) = (
                    k.clone(),
                    v.qty.checked_add(1u64).ok_or(Fault::Overflow)?,
                );
                let old = ::std::mem::replace(&mut entry.qty, value);
                undo.push_owned(Undo::ItemsLeaf0(k, old));
            }
        }
    }
    for t in state.order.iter() {
        if let Some(entry) = state.items.get_mut(t) {
            {
                let (k, value) = (
                    t.clone(),
                    entry.qty.checked_sub(1u64).ok_or(Fault::Overflow)?,
                );
                let old = ::std::mem::replace(&mut entry.qty, value);
                undo.push_owned(Undo::ItemsLeaf0(k, old));
            }
            {
                let new = 'all_u_0: {
                    for u in state.order.iter() {
                        if !match state.items.get(u) {
                            Some(entry) => (entry.qty > 0u64),
                            None => false,
                        } {
                            break 'all_u_0 false;
                        }
                    }
                    true
                };
                undo.steps
                    .push(
                        UndoStep::StockedReplaced(
                            ::std::mem::replace(&mut state.stocked, new),
                        ),
                    );
            }
        }
    }
    for t in state.order.iter() {
        if !state.items.contains_key(t) {
            break;
        }
        let left: &u64 = &{ state.items.get(t).ok_or(Fault::Absent)?.qty };
        let _ = &state
            .items
            .get(t)
            .ok_or(Fault::Absent)?
            .qty
            .checked_add(1u64)
            .ok_or(Fault::Overflow)?;
        if (*left) == 0u64 {
            {
                let new = false;
                undo.steps
                    .push(
                        UndoStep::StockedReplaced(
                            ::std::mem::replace(&mut state.stocked, new),
                        ),
                    );
            }
            break;
        }
        {
            let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps
                .push(
                    UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
                );
        }
    }
    if state.order.front().is_some() {
        let first: &Title = &{ state.order.front().cloned().ok_or(Fault::Absent)? };
        if let Some(entry) = state.items.get_mut(first) {
            {
                let (k, value) = (
                    first.clone(),
                    entry.qty.checked_add(0u64).ok_or(Fault::Overflow)?,
                );
                let old = ::std::mem::replace(&mut entry.qty, value);
                undo.push_owned(Undo::ItemsLeaf0(k, old));
            }
            {
                let new = entry.qty.checked_add(state.tagged).ok_or(Fault::Overflow)?;
                undo.steps
                    .push(
                        UndoStep::TaggedReplaced(
                            ::std::mem::replace(&mut state.tagged, new),
                        ),
                    );
            }
        }
    }
    Ok(())
}

/// Runs the updates and emits of `probe`, recording undo steps.
fn fire_probe(
    state: &mut State,
    undo: &mut UndoLog,
    _effects: &mut Vec<Effect>,
    title: &Title,
) -> Result<(), Fault> {
    if (!state.items.contains_key(title))
        || (state.items.get(title).ok_or(Fault::Absent)?.qty == 0u64)
    {
        {
            let new = state.tagged.checked_add(1u64).ok_or(Fault::Overflow)?;
            undo.steps
                .push(
                    UndoStep::TaggedReplaced(::std::mem::replace(&mut state.tagged, new)),
                );
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
        Input::Add { fire_add, guards_add, failed } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_add(state, fire_add)
                        .map_err(|f| f.at::<Machine>(TransitionId::Add))?
                    {
                        None => {
                            self::fire_add(state, undo, effects, fire_add, guards_add)
                                .map_err(|f| f.at::<Machine>(TransitionId::Add))?;
                            return Ok(TransitionId::Add);
                        }
                        Some(guard) => guard,
                    };
                    let failed_1 = match self::guards_add_failed(state, failed)
                        .map_err(|f| f.at::<Machine>(TransitionId::AddFailed))?
                    {
                        None => {
                            self::fire_add_failed(state, undo, effects)
                                .map_err(|f| f.at::<Machine>(TransitionId::AddFailed))?;
                            return Ok(TransitionId::AddFailed);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Add, guard :
                                failed_0 }, FailedGuard { transition :
                                TransitionId::AddFailed, guard : failed_1 }
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
        Input::Restock { title, qty } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_restock(state, title)
                        .map_err(|f| f.at::<Machine>(TransitionId::Restock))?
                    {
                        None => {
                            self::fire_restock(state, undo, effects, title, qty)
                                .map_err(|f| f.at::<Machine>(TransitionId::Restock))?;
                            return Ok(TransitionId::Restock);
                        }
                        Some(guard) => guard,
                    };
                    Err(
                        RejectReason::GuardsFailed(
                            vec![
                                FailedGuard { transition : TransitionId::Restock, guard :
                                failed_0 }
                            ],
                        ),
                    )
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Relabel { entry } => {
            match state.phase {
                Phase::Open => {
                    self::fire_relabel(state, undo, effects, entry)
                        .map_err(|f| f.at::<Machine>(TransitionId::Relabel))?;
                    Ok(TransitionId::Relabel)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Sweep => {
            match state.phase {
                Phase::Open => {
                    self::fire_sweep(state, undo, effects)
                        .map_err(|f| f.at::<Machine>(TransitionId::Sweep))?;
                    Ok(TransitionId::Sweep)
                }
                _ => Err(RejectReason::NotHandled),
            }
        }
        Input::Probe { title } => {
            match state.phase {
                Phase::Open => {
                    let failed_0 = match self::guards_probe(state, title)
                        .map_err(|f| f.at::<Machine>(TransitionId::Probe))?
                    {
                        None => {
                            self::fire_probe(state, undo, effects, title)
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
    match invariant_counted(state) {
        Ok(true) => {}
        value => {
            return Err(InvariantViolation {
                invariant: "counted",
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
