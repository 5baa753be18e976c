//! The machine-independent half of every kernel `suricate-codegen` generates.
//!
//! A generated module holds what differs between machines: its `State`, `Phase`, `Input`
//! and `Effect` types, the guards and updates of its transitions, its undo records and its
//! invariants, all tied together by an implementation of [`Machine`]. What is the same for
//! every machine lives here, written and tested once: the [`Authority`] that owns the state
//! (apply atomically, roll back the latest transition, check invariants) and the types it
//! answers with. A generated module re-exports each under its usual name
//! (`pub type Authority = suricate_kernel::Authority<Machine>;` and so on), so callers
//! write `session::Authority`, `session::Rejection`, and never name this crate. The
//! generated types' `#[serde(with = ..)]` attributes name the forms of [`serde_form`], which
//! write and read back their sets and maps, and every `Map` of a generated state is an
//! [`OrdMap`].

#![warn(missing_docs)]

use std::fmt::{self, Debug, Display};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod ord_map;
pub mod serde_form;

pub use ord_map::OrdMap;

/// One generated machine: its types and the generated functions the [`Authority`] calls.
///
/// Implemented by a unit marker type in each generated module, never by hand: the
/// generator guarantees that `dispatch` records in the undo log every write it makes
/// (also when it stops part-way on a fault), and that `undo` reverts exactly those
/// writes, so the `Authority` can always restore the pre-state.
pub trait Machine: Copy + Debug + Eq + Hash + 'static {
    /// The machine's whole state: the phase plus every declared field.
    type State: Debug + Clone;
    /// The coarse lifecycle phase.
    type Phase: Debug + Display + Copy + Eq + Hash;
    /// A typed trigger.
    type Input: Debug + Clone;
    /// The kind of an input, without its data.
    type InputKind: Debug + Display + Copy + Eq + Hash;
    /// A typed output, returned as data.
    type Effect: Debug + Clone + Eq;
    /// The kind of an effect, without its data.
    type EffectKind: Debug + Display + Copy + Eq + Hash;
    /// Names a transition of the spec.
    type TransitionId: Debug + Display + Copy + Eq + Hash;
    /// The undo records of one transition; opaque outside the generated module.
    type UndoLog: Debug + Clone + Default;

    /// Whether a new `Authority` checks invariants after every transition. Generated as
    /// `cfg!(debug_assertions)`, so it follows the build of the crate that compiles the
    /// generated module (this crate may be built with other settings).
    const CHECK_INVARIANTS_BY_DEFAULT: bool;

    /// The declared defaults, in the initial phase.
    fn initial() -> Self::State;
    /// The phase `state` is in.
    fn phase(state: &Self::State) -> Self::Phase;
    /// The kind of `input`, as named in a [`Rejection`].
    fn input_kind(input: &Self::Input) -> Self::InputKind;
    /// Fires the first candidate transition whose guards hold, appending its undo records
    /// (to an empty log) and effects. On `Err`, the caller undoes whatever was recorded.
    fn dispatch(
        state: &mut Self::State,
        input: &Self::Input,
        undo: &mut Self::UndoLog,
        effects: &mut Vec<Self::Effect>,
    ) -> Result<Self::TransitionId, RejectReason<Self>>;
    /// Reverts what `log` records, most recent first, restores `phase`, and leaves the log
    /// empty (its buffer kept for reuse).
    fn undo(state: &mut Self::State, phase: Self::Phase, log: &mut Self::UndoLog);
    /// Empties `log` without reverting anything, keeping its buffers for reuse unless
    /// together they are larger than [`MAX_KEPT_UNDO_BYTES`].
    fn clear_undo(log: &mut Self::UndoLog);
    /// Checks every invariant, in declaration order.
    fn check_invariants(state: &Self::State) -> Result<(), InvariantViolation>;
}

/// Static description of one transition, for tooling and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionInfo<M: Machine> {
    /// The transition this row describes.
    pub id: M::TransitionId,
    /// Its name as written in the spec.
    pub name: &'static str,
    /// The kind of input that can fire it.
    pub input: M::InputKind,
    /// Phases it fires from.
    pub from: &'static [M::Phase],
    /// The phase it leads to; `None` stays in the phase it fired from.
    pub to: Option<M::Phase>,
    /// Guard names, in evaluation order.
    pub guards: &'static [&'static str],
    /// Kinds of effect it may emit, in first-emission order.
    pub effects: &'static [M::EffectKind],
}

/// Why an input was rejected. A rejected input leaves the state untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection<M: Machine> {
    /// The phase the input arrived in.
    pub phase: M::Phase,
    /// The kind of the rejected input.
    pub input: M::InputKind,
    /// Why no transition fired.
    pub reason: RejectReason<M>,
}

/// Why no transition fired for an input: it was not handled, every guard set failed, or
/// evaluating the transition that would have fired faulted or broke an invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason<M: Machine> {
    /// No transition handles this input in this phase.
    NotHandled,
    /// Every candidate had a failing guard: one entry per candidate, in dispatch order.
    GuardsFailed(Vec<FailedGuard<M>>),
    /// Checked arithmetic overflowed or underflowed.
    Overflow {
        /// The transition whose guards or updates were being evaluated.
        transition: M::TransitionId,
    },
    /// A partial operation (`m[k]`, `unwrap()`) found no value.
    Absent {
        /// The transition whose guards or updates were being evaluated.
        transition: M::TransitionId,
    },
    /// The transition would have broken an invariant.
    InvariantViolated {
        /// The transition that would have fired; its writes were undone.
        transition: M::TransitionId,
        /// The first invariant, in declaration order, that the new state broke.
        invariant: &'static str,
        /// Set when the invariant could not be evaluated on the new state (an overflow, a
        /// missing value), which counts as broken; `None` when it was false.
        fault: Option<Fault>,
    },
}

/// The first guard of a candidate transition that did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedGuard<M: Machine> {
    /// The candidate transition.
    pub transition: M::TransitionId,
    /// The guard's name as written in the spec.
    pub guard: &'static str,
}

impl<M: Machine> Display for Rejection<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            RejectReason::Absent { transition } => write!(f, "missing value in {transition}"),
            RejectReason::InvariantViolated {
                transition,
                invariant,
                fault: None,
            } => write!(f, "{transition} would violate invariant {invariant}"),
            RejectReason::InvariantViolated {
                transition,
                invariant,
                fault: Some(fault),
            } => write!(
                f,
                "{transition} would leave invariant {invariant} unevaluable ({fault})"
            ),
        }
    }
}

impl<M: Machine> std::error::Error for Rejection<M> {}

/// A state that breaks an invariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvariantViolation {
    /// The invariant's name as written in the spec; the first one, in declaration order,
    /// that does not hold.
    pub invariant: &'static str,
    /// Set when the invariant could not be evaluated (an overflow, a missing value), which
    /// counts as not holding; `None` when it was false.
    pub fault: Option<Fault>,
}

impl Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fault {
            None => write!(f, "invariant {} does not hold", self.invariant),
            Some(fault) => write!(
                f,
                "invariant {} could not be evaluated ({fault})",
                self.invariant
            ),
        }
    }
}

impl std::error::Error for InvariantViolation {}

/// Only the most recently applied transition can be rolled back, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackError<M: Machine> {
    /// The transition is not the one this authority may still revert: another was applied
    /// since, it was already rolled back, or another authority applied it. Nothing changed.
    NotLatest {
        /// The transition that was handed to `rollback`.
        transition: M::TransitionId,
    },
}

impl<M: Machine> Display for RollbackError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RollbackError::NotLatest { transition } => {
                write!(f, "{transition} is not the latest applied transition")
            }
        }
    }
}

impl<M: Machine> std::error::Error for RollbackError<M> {}

/// Why evaluating a transition stopped part-way; generated guards and updates return it,
/// and dispatch turns it into the [`RejectReason`] of the transition being evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Checked arithmetic overflowed or underflowed.
    Overflow,
    /// A partial operation (`m[k]`, `unwrap()`) found no value.
    Absent,
}

impl Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fault::Overflow => "arithmetic overflow",
            Fault::Absent => "missing value",
        })
    }
}

impl Fault {
    /// The rejection reason for this fault, raised while evaluating `transition`.
    pub fn at<M: Machine>(self, transition: M::TransitionId) -> RejectReason<M> {
        match self {
            Fault::Overflow => RejectReason::Overflow { transition },
            Fault::Absent => RejectReason::Absent { transition },
        }
    }
}

/// The result of applying an input: what fired, and the effects to realise.
/// Keep it to roll the transition back if realising the effects fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition<M: Machine> {
    /// The transition that fired.
    pub id: M::TransitionId,
    /// The phase before it fired.
    pub from: M::Phase,
    /// The phase after it fired; equal to `from` for a transition that stays in its phase.
    pub to: M::Phase,
    /// In emission order.
    pub effects: Vec<M::Effect>,
    /// Which authority applied it, and which application this was: `rollback` accepts
    /// only the latest transition of the authority that applied it.
    instance: u64,
    token: u64,
}

/// What `apply` would do, computed without changing the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview<M: Machine> {
    /// The transition that would fire.
    pub id: M::TransitionId,
    /// The current phase.
    pub from: M::Phase,
    /// The phase it would lead to; equal to `from` for a transition that stays in its phase.
    pub to: M::Phase,
    /// The effects it would emit, in emission order.
    pub effects: Vec<M::Effect>,
}

/// Owns a machine's state; the only way to change it is `apply` (and `rollback`).
#[derive(Debug)]
pub struct Authority<M: Machine> {
    /// Unique among the authorities of this process, clones included, so that a transition
    /// can only be rolled back by the authority that applied it.
    instance: u64,
    state: M::State,
    check_invariants: bool,
    /// Token of the transition `rollback` may still revert.
    latest: Option<u64>,
    next_token: u64,
    /// Undo log of the latest transition. Two logs are swapped rather than allocated, so a
    /// steady stream of `apply` calls does not allocate for undo.
    undo_log: M::UndoLog,
    scratch: M::UndoLog,
    /// An empty effect buffer handed back by `reclaim`, for the next `apply`.
    spare_effects: Vec<M::Effect>,
}

/// The largest effect buffer, in bytes of capacity, `Authority::reclaim` keeps for reuse:
/// enough for the handful of effects a typical transition emits, while a transition that
/// emitted many does not leave its buffer pinned for the authority's lifetime.
pub const MAX_KEPT_EFFECT_BYTES: usize = 1024;

/// The largest undo log, in bytes of buffer capacity (all of its buffers together), a
/// generated `Machine::clear_undo` keeps for reuse: room for the records of an ordinary transition (a run start of a batch of a
/// dozen inputs), while one that wrote many (a reset that forgets a thousand finished
/// inputs, a stop that abandons a long queue) does not leave its buffer pinned for the
/// authority's lifetime.
pub const MAX_KEPT_UNDO_BYTES: usize = 8 * 1024;

/// Where each authority's `instance` comes from.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

fn next_instance() -> u64 {
    NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed)
}

impl<M: Machine> Default for Authority<M> {
    fn default() -> Self {
        Authority::new()
    }
}

/// A clone is a new authority: the same state, but the transitions of the original cannot
/// be rolled back on it (its undo log would diverge from theirs).
impl<M: Machine> Clone for Authority<M> {
    fn clone(&self) -> Self {
        Authority {
            instance: next_instance(),
            state: self.state.clone(),
            check_invariants: self.check_invariants,
            latest: None,
            next_token: self.next_token,
            undo_log: M::UndoLog::default(),
            scratch: M::UndoLog::default(),
            spare_effects: Vec::new(),
        }
    }
}

impl<M: Machine> Authority<M> {
    /// A machine in its initial state.
    pub fn new() -> Authority<M> {
        Authority {
            instance: next_instance(),
            state: M::initial(),
            check_invariants: M::CHECK_INVARIANTS_BY_DEFAULT,
            latest: None,
            next_token: 1,
            undo_log: M::UndoLog::default(),
            scratch: M::UndoLog::default(),
            spare_effects: Vec::new(),
        }
    }

    /// Restores a machine from a state held elsewhere (a store, a snapshot); the state must
    /// satisfy every invariant.
    pub fn from_state(state: M::State) -> Result<Authority<M>, InvariantViolation> {
        M::check_invariants(&state)?;
        Ok(Authority {
            state,
            ..Authority::new()
        })
    }

    /// The current state, to read; only `apply` and `rollback` change it.
    pub fn state(&self) -> &M::State {
        &self.state
    }

    /// The phase of the current state.
    pub fn phase(&self) -> M::Phase {
        M::phase(&self.state)
    }

    /// Gives up the authority and returns its state (to store it, or to restore it later
    /// with `from_state`).
    pub fn into_state(self) -> M::State {
        self.state
    }

    /// Whether `apply` checks invariants after every transition (default: on in debug
    /// builds, off in release builds).
    pub fn invariant_checks(&self) -> bool {
        self.check_invariants
    }

    /// Turns the invariant check after every `apply` on or off, overriding the build's
    /// default.
    pub fn set_invariant_checks(&mut self, on: bool) {
        self.check_invariants = on;
    }

    /// Checks every invariant against the current state.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        M::check_invariants(&self.state)
    }

    /// Applies `input`: the first candidate whose guards hold fires, atomically. On
    /// rejection the state is exactly what it was, and the latest accepted transition can
    /// still be rolled back.
    pub fn apply(&mut self, input: M::Input) -> Result<Transition<M>, Rejection<M>> {
        let from = M::phase(&self.state);
        let mut steps = std::mem::take(&mut self.scratch);
        let mut effects = std::mem::take(&mut self.spare_effects);
        let fired = M::dispatch(&mut self.state, &input, &mut steps, &mut effects);
        let reason = match fired {
            Ok(id) => match self
                .check_invariants
                .then(|| M::check_invariants(&self.state))
            {
                Some(Err(violation)) => RejectReason::InvariantViolated {
                    transition: id,
                    invariant: violation.invariant,
                    fault: violation.fault,
                },
                _ => {
                    let mut previous = std::mem::replace(&mut self.undo_log, steps);
                    // A reclaimed or rolled-back transition left its log emptied already.
                    if self.latest.is_some() {
                        M::clear_undo(&mut previous);
                    }
                    self.scratch = previous;
                    let token = self.next_token;
                    self.next_token += 1;
                    self.latest = Some(token);
                    return Ok(Transition {
                        id,
                        from,
                        to: M::phase(&self.state),
                        effects,
                        instance: self.instance,
                        token,
                    });
                }
            },
            Err(reason) => reason,
        };
        M::undo(&mut self.state, from, &mut steps);
        self.scratch = steps;
        self.keep_spare(effects);
        Err(Rejection {
            phase: from,
            input: M::input_kind(&input),
            reason,
        })
    }

    /// What `apply(input)` would return, without changing anything. Costs a copy of the
    /// state; to stage cheaply, `apply` and then `rollback`.
    pub fn preview(&self, input: &M::Input) -> Result<Preview<M>, Rejection<M>> {
        let mut scratch = self.clone();
        let t = scratch.apply(input.clone())?;
        Ok(Preview {
            id: t.id,
            from: t.from,
            to: t.to,
            effects: t.effects,
        })
    }

    /// Takes back a transition the caller is done with (realised, never to be rolled
    /// back), so that the next `apply` reuses its effect buffer instead of allocating one.
    /// A buffer larger than `MAX_KEPT_EFFECT_BYTES` is freed instead. If it is the latest
    /// transition, its undo records go now, not when the next transition fires: they may
    /// hold everything it removed (a reset's or a destroy's whole former state), and a
    /// machine in a terminal phase, or one left idle, fires no next transition. So a clone
    /// of a reclaimed transition can no longer be rolled back (`RollbackError::NotLatest`).
    pub fn reclaim(&mut self, transition: Transition<M>) {
        if transition.instance == self.instance && self.latest == Some(transition.token) {
            self.latest = None;
            M::clear_undo(&mut self.undo_log);
        }
        self.keep_spare(transition.effects);
    }

    fn keep_spare(&mut self, mut effects: Vec<M::Effect>) {
        if effects.capacity() * std::mem::size_of::<M::Effect>() <= MAX_KEPT_EFFECT_BYTES {
            effects.clear();
            self.spare_effects = effects;
        }
    }

    /// Reverts the most recently applied transition, at a cost proportional to what it
    /// wrote. Fails if another transition was applied since, if it was already rolled back,
    /// or if another authority (a clone included) applied it.
    pub fn rollback(&mut self, transition: Transition<M>) -> Result<(), RollbackError<M>> {
        if transition.instance != self.instance || self.latest != Some(transition.token) {
            return Err(RollbackError::NotLatest {
                transition: transition.id,
            });
        }
        self.latest = None;
        M::undo(&mut self.state, transition.from, &mut self.undo_log);
        // Emptied by `undo`; a buffer over `MAX_KEPT_UNDO_BYTES` is freed.
        M::clear_undo(&mut self.undo_log);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
