//! The generic `Authority` against a small hand-written machine: a counter that must
//! stay at or below 10, with one undo record kind.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Counter;

#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    phase: Phase,
    value: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Phase {
    Open,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Input {
    Add(u64),
    Close,
}

/// Inputs, effects and transitions of this machine are one-to-one, so one kind enum
/// serves all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Add,
    Close,
}

impl Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(self, f)
    }
}

impl Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(self, f)
    }
}

impl Machine for Counter {
    type State = State;
    type Phase = Phase;
    type Input = Input;
    type InputKind = Kind;
    type Effect = u64;
    type EffectKind = Kind;
    type TransitionId = Kind;
    type UndoLog = Vec<u64>;

    const CHECK_INVARIANTS_BY_DEFAULT: bool = false;

    fn initial() -> State {
        State {
            phase: Phase::Open,
            value: 0,
        }
    }

    fn phase(state: &State) -> Phase {
        state.phase
    }

    fn input_kind(input: &Input) -> Kind {
        match input {
            Input::Add(_) => Kind::Add,
            Input::Close => Kind::Close,
        }
    }

    fn dispatch(
        state: &mut State,
        input: &Input,
        undo: &mut Vec<u64>,
        effects: &mut Vec<u64>,
    ) -> Result<Kind, RejectReason<Counter>> {
        match (state.phase, input) {
            (Phase::Open, Input::Add(n)) => {
                let new = state
                    .value
                    .checked_add(*n)
                    .ok_or(Fault::Overflow)
                    .map_err(|f| f.at::<Counter>(Kind::Add))?;
                undo.push(std::mem::replace(&mut state.value, new));
                effects.push(new);
                Ok(Kind::Add)
            }
            (Phase::Open, Input::Close) => {
                state.phase = Phase::Closed;
                Ok(Kind::Close)
            }
            (Phase::Closed, _) => Err(RejectReason::NotHandled),
        }
    }

    fn undo(state: &mut State, phase: Phase, steps: &mut Vec<u64>) {
        while let Some(old) = steps.pop() {
            state.value = old;
        }
        state.phase = phase;
    }

    fn clear_undo(steps: &mut Vec<u64>) {
        steps.clear();
    }

    /// `at_most_ten: self.value + 90 <= 100`, evaluated as a generated kernel does: with
    /// checked arithmetic, so a value near `u64::MAX` cannot be evaluated.
    fn check_invariants(state: &State) -> Result<(), InvariantViolation> {
        let fault = match state.value.checked_add(90) {
            Some(sum) if sum <= 100 => return Ok(()),
            Some(_) => None,
            None => Some(Fault::Overflow),
        };
        Err(InvariantViolation {
            invariant: "at_most_ten",
            fault,
        })
    }
}

fn checked() -> Authority<Counter> {
    let mut authority = Authority::new();
    authority.set_invariant_checks(true);
    authority
}

#[test]
fn apply_returns_the_transition_and_rollback_reverts_it() {
    let mut authority = checked();
    let t = authority.apply(Input::Add(4)).expect("fires");
    assert_eq!(
        (t.id, t.from, t.to, t.effects.clone()),
        (Kind::Add, Phase::Open, Phase::Open, vec![4])
    );
    assert_eq!(authority.state().value, 4);
    authority.rollback(t).expect("latest");
    assert_eq!(authority.state().value, 0);
}

#[test]
fn rolling_back_a_phase_change_restores_the_phase_it_left() {
    let mut authority = checked();
    authority.apply(Input::Add(2)).expect("fires");
    let close = authority.apply(Input::Close).expect("fires");
    assert_eq!((close.from, close.to), (Phase::Open, Phase::Closed));
    authority.rollback(close).expect("latest");
    assert_eq!(authority.phase(), Phase::Open);
    assert_eq!(authority.state().value, 2);
    authority.apply(Input::Add(1)).expect("open again: fires");
}

#[test]
fn only_the_latest_transition_rolls_back_and_only_once() {
    let mut authority = checked();
    let first = authority.apply(Input::Add(1)).expect("fires");
    let second = authority.apply(Input::Add(2)).expect("fires");
    assert_eq!(
        authority.rollback(first),
        Err(RollbackError::NotLatest {
            transition: Kind::Add
        })
    );
    authority.rollback(second.clone()).expect("latest");
    assert_eq!(authority.state().value, 1);
    assert!(authority.rollback(second).is_err(), "already rolled back");
    assert_eq!(authority.state().value, 1);
}

#[test]
fn a_reclaimed_transition_no_longer_rolls_back_not_even_through_a_clone() {
    let mut authority = checked();
    let t = authority.apply(Input::Add(3)).expect("fires");
    authority.reclaim(t.clone());
    assert_eq!(
        authority.rollback(t),
        Err(RollbackError::NotLatest {
            transition: Kind::Add
        })
    );
    assert_eq!(authority.state().value, 3, "the state is untouched");
}

#[test]
fn a_broken_invariant_rejects_and_restores_the_state() {
    let mut authority = checked();
    let t = authority.apply(Input::Add(7)).expect("fires");
    let rejection = authority.apply(Input::Add(7)).expect_err("would make 14");
    assert_eq!(
        rejection.reason,
        RejectReason::InvariantViolated {
            transition: Kind::Add,
            invariant: "at_most_ten",
            fault: None,
        }
    );
    assert_eq!(
        rejection.to_string(),
        "input Add rejected in phase Open: Add would violate invariant at_most_ten"
    );
    assert_eq!(authority.state().value, 7);
    // A rejection does not take the right to roll back from the latest transition.
    authority.rollback(t).expect("still the latest");
    assert_eq!(authority.state().value, 0);
}

#[test]
fn an_invariant_that_cannot_be_evaluated_is_broken_and_says_why() {
    let mut authority = checked();
    let rejection = authority
        .apply(Input::Add(u64::MAX - 5))
        .expect_err("the invariant overflows");
    assert_eq!(
        rejection.reason,
        RejectReason::InvariantViolated {
            transition: Kind::Add,
            invariant: "at_most_ten",
            fault: Some(Fault::Overflow),
        }
    );
    assert_eq!(
        rejection.to_string(),
        "input Add rejected in phase Open: Add would leave invariant at_most_ten unevaluable (arithmetic overflow)"
    );
    authority.set_invariant_checks(false);
    authority
        .apply(Input::Add(u64::MAX - 5))
        .expect("unchecked");
    let violation = authority.check_invariants().unwrap_err();
    assert_eq!(violation.fault, Some(Fault::Overflow));
    assert_eq!(
        violation.to_string(),
        "invariant at_most_ten could not be evaluated (arithmetic overflow)"
    );
}

#[test]
fn faults_and_unhandled_inputs_are_rejections_that_change_nothing() {
    let mut authority = checked();
    authority.apply(Input::Close).expect("fires");
    let rejection = authority.apply(Input::Add(1)).expect_err("closed");
    assert_eq!(
        (rejection.phase, rejection.input, rejection.reason),
        (Phase::Closed, Kind::Add, RejectReason::NotHandled)
    );
    let mut authority = Authority::<Counter>::new();
    assert!(!authority.invariant_checks(), "the machine's default");
    authority.apply(Input::Add(5)).expect("fires");
    let overflow = authority
        .apply(Input::Add(u64::MAX))
        .expect_err("overflows");
    assert_eq!(
        overflow.reason,
        RejectReason::Overflow {
            transition: Kind::Add
        }
    );
    assert_eq!(authority.state().value, 5);
}

#[test]
fn preview_changes_nothing_and_from_state_checks_invariants() {
    let authority = checked();
    let preview = authority.preview(&Input::Close).expect("would fire");
    assert_eq!((preview.from, preview.to), (Phase::Open, Phase::Closed));
    assert_eq!(authority.phase(), Phase::Open);
    let broken = State {
        phase: Phase::Open,
        value: 11,
    };
    assert_eq!(
        Authority::<Counter>::from_state(broken).map(|a| a.into_state()),
        Err(InvariantViolation {
            invariant: "at_most_ten",
            fault: None,
        })
    );
}

#[test]
fn a_transition_rolls_back_only_on_the_authority_that_applied_it() {
    let mut original = checked();
    let first = original.apply(Input::Add(1)).expect("fires");
    let mut copy = original.clone();
    assert_eq!(copy.state(), original.state(), "a clone has the same state");
    assert_eq!(
        copy.rollback(first.clone()),
        Err(RollbackError::NotLatest {
            transition: Kind::Add
        }),
        "a clone has no transition to roll back"
    );
    // The two diverge; each one's latest transition is its own.
    let on_copy = copy.apply(Input::Add(5)).expect("fires");
    let on_original = original.apply(Input::Add(2)).expect("fires");
    assert!(copy.rollback(on_original.clone()).is_err());
    assert!(original.rollback(on_copy.clone()).is_err());
    assert_eq!((original.state().value, copy.state().value), (3, 6));
    original.rollback(on_original).expect("its own latest");
    copy.rollback(on_copy).expect("its own latest");
    assert_eq!((original.state().value, copy.state().value), (1, 1));
}

#[test]
fn a_reclaimed_transition_lends_its_buffer_to_the_next_apply() {
    let mut authority = checked();
    let first = authority.apply(Input::Add(1)).expect("fires");
    let buffer = first.effects.as_ptr();
    authority.reclaim(first);
    let second = authority.apply(Input::Add(2)).expect("fires");
    assert_eq!(second.effects, [3], "only the new transition's effects");
    assert_eq!(second.effects.as_ptr(), buffer, "the same allocation");
    // The reclaimed transition is gone, but the latest one still rolls back.
    authority.rollback(second).expect("latest");
    assert_eq!(authority.state().value, 1);

    // A rejection hands the buffer back empty, for the next apply to reuse.
    let third = authority.apply(Input::Add(4)).expect("fires");
    let buffer = third.effects.as_ptr();
    authority.reclaim(third);
    assert!(
        authority.apply(Input::Add(100)).is_err(),
        "breaks the invariant"
    );
    let fourth = authority.apply(Input::Add(1)).expect("fires");
    assert_eq!(fourth.effects, [6]);
    assert_eq!(fourth.effects.as_ptr(), buffer, "the same allocation");

    // A large buffer is not kept.
    let mut large = fourth;
    large
        .effects
        .reserve(MAX_KEPT_EFFECT_BYTES / std::mem::size_of::<u64>() + 1);
    authority.reclaim(large);
    let fifth = authority.apply(Input::Add(1)).expect("fires");
    assert!(fifth.effects.capacity() * std::mem::size_of::<u64>() <= MAX_KEPT_EFFECT_BYTES);
}

#[test]
fn preview_answers_what_apply_would_under_the_same_invariant_setting() {
    let mut authority = checked();
    authority.apply(Input::Add(4)).expect("fires");
    let preview = authority.preview(&Input::Add(3)).expect("would fire");
    assert_eq!(
        (preview.id, preview.from, preview.to, preview.effects),
        (Kind::Add, Phase::Open, Phase::Open, vec![7])
    );
    // The machine's default is off; this authority checks, and so must its preview.
    let breaking = authority
        .preview(&Input::Add(7))
        .expect_err("would make 11");
    assert_eq!(
        breaking.reason,
        RejectReason::InvariantViolated {
            transition: Kind::Add,
            invariant: "at_most_ten",
            fault: None,
        }
    );
    assert_eq!(authority.apply(Input::Add(7)).unwrap_err(), breaking);
    assert!(
        authority.clone().invariant_checks(),
        "a clone keeps the setting"
    );
    assert_eq!(authority.state().value, 4);
}

#[test]
fn a_rejected_phase_change_restores_the_phase() {
    let mut authority = Authority::<Counter>::new();
    authority.apply(Input::Add(20)).expect("unchecked");
    authority.set_invariant_checks(true);
    // `Close` writes the phase, then the (already broken) invariant rejects it.
    let rejection = authority.apply(Input::Close).expect_err("value 20 > 10");
    assert_eq!(
        (rejection.phase, rejection.input),
        (Phase::Open, Kind::Close)
    );
    assert_eq!(authority.phase(), Phase::Open, "the phase write was undone");
    assert_eq!(authority.state().value, 20);
}

#[test]
fn answers_display_every_detail() {
    let rejection = |reason| Rejection::<Counter> {
        phase: Phase::Open,
        input: Kind::Add,
        reason,
    };
    let failed = RejectReason::GuardsFailed(vec![
        FailedGuard {
            transition: Kind::Add,
            guard: "small",
        },
        FailedGuard {
            transition: Kind::Close,
            guard: "empty",
        },
    ]);
    for (reason, text) in [
        (RejectReason::NotHandled, "not handled in this phase"),
        (failed, "no guard set held (Add: small, Close: empty)"),
        (Fault::Overflow.at(Kind::Add), "arithmetic overflow in Add"),
        (Fault::Absent.at(Kind::Close), "missing value in Close"),
    ] {
        assert_eq!(
            rejection(reason).to_string(),
            format!("input Add rejected in phase Open: {text}")
        );
    }
    let mut authority = checked();
    let first = authority.apply(Input::Add(1)).expect("fires");
    authority.apply(Input::Close).expect("fires");
    let err = authority.rollback(first).unwrap_err();
    assert_eq!(err.to_string(), "Add is not the latest applied transition");
}

#[test]
fn a_buffer_of_exactly_the_limit_is_kept() {
    let mut authority = checked();
    let mut t = authority.apply(Input::Add(1)).expect("fires");
    let limit = MAX_KEPT_EFFECT_BYTES / std::mem::size_of::<u64>();
    t.effects.reserve_exact(limit - t.effects.len());
    assert_eq!(
        t.effects.capacity(),
        limit,
        "the allocator gave exactly the limit"
    );
    let buffer = t.effects.as_ptr();
    authority.reclaim(t);
    let next = authority.apply(Input::Add(1)).expect("fires");
    assert_eq!(
        next.effects.as_ptr(),
        buffer,
        "kept: not larger than the limit"
    );
}
