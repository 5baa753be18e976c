//! Behaviour of the kernels generated from `codegen/tests/specs/generator_regressions.machine`:
//! constructs whose generated Rust once did not compile. That they compile is tested by
//! the workspace build; these tests check that they also do what the spec says.

use suricate_tests::generated::{
    borrowed_operators as bo, empty_branches as eb, empty_defaults as ed, get_then_check as gtc,
    invariants_only, let_only_collections, move_entry, old_field_names as ofn,
    struct_conditions as sc, typed_lets,
};

/// Struct literals in an `if` condition, a negated guard, a loop head and a quantifier.
#[test]
fn struct_literals_in_conditions_and_loop_heads() {
    let mut m = sc::Authority::new();
    // `r` is `Rec { a: 0 }`: not `Rec { a: 1 }`, not `Rec { a: 2 }`, and the loop over
    // an empty literal set leaves `n` alone.
    m.apply(sc::Input::Probe).expect("guards hold");
    assert_eq!(m.state().n, 13);

    m.apply(sc::Input::Store { a: 2 }).expect("store");
    m.apply(sc::Input::Probe).expect("guards hold");
    assert_eq!(m.state().n, 12);

    m.apply(sc::Input::Store { a: 1 }).expect("store");
    let r = m.apply(sc::Input::Probe).expect_err("`r == Rec { a: 1 }`");
    match r.reason {
        sc::RejectReason::GuardsFailed(failed) => {
            let guards: Vec<_> = failed.iter().map(|g| g.guard).collect();
            assert_eq!(guards, ["not_one"]);
        }
        other => panic!("unexpected rejection {other:?}"),
    }
    assert_eq!(m.state().n, 12);
}

/// A machine with invariants and no transitions checks them (the invariant reports a
/// fault) when a state is restored. The fault is named through the generated module, as
/// every other answer type is: a caller need not name `suricate_kernel`.
#[test]
fn invariants_without_transitions_are_checked() {
    use invariants_only::{Fault, InvariantViolation};
    let ok = invariants_only::State {
        phase: invariants_only::Phase::Idle,
        n: 41,
    };
    assert!(invariants_only::Authority::from_state(ok).is_ok());
    let overflowing = invariants_only::State {
        phase: invariants_only::Phase::Idle,
        n: u64::MAX,
    };
    let Err(err) = invariants_only::Authority::from_state(overflowing) else {
        panic!("`self.n + 1` overflows");
    };
    assert_eq!(
        err,
        InvariantViolation {
            invariant: "small",
            fault: Some(Fault::Overflow),
        }
    );
}

/// A length and a comparison looked up in sets, and unused `let`s of them.
#[test]
fn borrowed_lengths_and_comparisons() {
    let rejected_by = |m: &mut bo::Authority| match m.apply(bo::Input::Push) {
        Err(r) => match r.reason {
            bo::RejectReason::GuardsFailed(failed) => failed.iter().map(|g| g.guard).collect(),
            other => panic!("unexpected rejection {other:?}"),
        },
        Ok(_) => Vec::new(),
    };
    let mut m = bo::Authority::new();
    assert_eq!(rejected_by(&mut m), ["len_marked"]);
    m.apply(bo::Input::Mark).expect("mark");
    assert!(rejected_by(&mut m).is_empty());
    assert_eq!((m.state().n, m.state().q.len()), (1, 1));
    assert_eq!(rejected_by(&mut m), ["len_marked"]);
    m.apply(bo::Input::Mark).expect("mark");
    assert!(rejected_by(&mut m).is_empty());
    assert_eq!(m.state().q, [0, 1]);
}

/// `let`s of `none` and `{}` with their types written.
#[test]
fn typed_lets_of_none_and_empty_set() {
    let mut m = typed_lets::Authority::new();
    m.apply(typed_lets::Input::Go).expect("go");
    assert_eq!(m.state().n, 11);
    assert!(m.state().s.contains(&11));
}

/// Empty collections bound by `let`s only (their types are imported).
#[test]
fn collections_only_lets_use() {
    let mut m = let_only_collections::Authority::new();
    m.apply(let_only_collections::Input::Go).expect("go");
    assert_eq!(m.state().n, 1);
}

/// A map entry read into a `let`, removed, then written back under another key.
#[test]
fn an_entry_read_before_its_removal_is_moved() {
    let mut m = move_entry::Authority::new();
    m.apply(move_entry::Input::Put { k: 1, v: 5 }).expect("put");
    m.apply(move_entry::Input::Move { src: 1, dst: 2 })
        .expect("move");
    assert_eq!(m.state().m.iter().collect::<Vec<_>>(), [(&2, &5)]);
    m.apply(move_entry::Input::Move { src: 2, dst: 2 })
        .expect("move in place");
    assert_eq!(m.state().m.iter().collect::<Vec<_>>(), [(&2, &5)]);
}

/// Fields named `old_n` take `old(self.n)`, in a struct literal and in an emit.
#[test]
fn fields_named_like_the_old_local_take_the_old_value() {
    let mut m = ofn::Authority::new();
    m.apply(ofn::Input::Add { x: 3 }).expect("add");
    let t = m.apply(ofn::Input::Add { x: 4 }).expect("add");
    assert_eq!(t.effects, [ofn::Effect::Changed { old_n: 3, n: 7 }]);
    assert_eq!(m.state().last, ofn::Change { old_n: 3, n: 7 });
}

/// `self.m.get(k).is_none()` as a guard and `self.m.get(k).is_some()` as a condition.
#[test]
fn presence_tested_through_get() {
    let mut m = gtc::Authority::new();
    m.apply(gtc::Input::Look { k: 2 }).expect("look");
    assert_eq!((m.state().hits, m.state().misses), (0, 1));
    m.apply(gtc::Input::Put { k: 2 }).expect("put");
    let r = m.apply(gtc::Input::Put { k: 2 }).expect_err("`2` is there");
    match r.reason {
        gtc::RejectReason::GuardsFailed(failed) => {
            let guards: Vec<_> = failed.iter().map(|g| g.guard).collect();
            assert_eq!(guards, ["fresh"]);
        }
        other => panic!("unexpected rejection {other:?}"),
    }
    m.apply(gtc::Input::Look { k: 2 }).expect("look");
    assert_eq!((m.state().hits, m.state().misses), (2, 1));
}

/// An option of a collection unwrapped with an empty default reads as empty when it is
/// `none`, and as itself otherwise.
#[test]
fn an_empty_default_stands_for_a_missing_collection() {
    let mut m = ed::Authority::new();
    let t = m.apply(ed::Input::Fill { x: 1 }).expect("fill");
    assert_eq!(t.effects, vec![ed::Effect::Counted { n: 1 }]);
    assert_eq!(m.state().q, Some(Default::default()));
    assert_eq!(m.state().s, Some(Default::default()));
    assert_eq!(m.state().m, Some(Default::default()));
    assert_eq!(m.state().n, 0);
    let state = ed::State {
        q: Some([1, 2].into()),
        s: Some([3].into()),
        m: Some([(4, 5)].into()),
        ..m.state().clone()
    };
    let mut m = ed::Authority::from_state(state).expect("no invariants");
    m.apply(ed::Input::Fill { x: 0 }).expect("fill");
    assert_eq!(m.state().n, 4);
    assert_eq!(m.state().q, Some([1, 2].into()));
}

/// An `if` with nothing in its branches still evaluates its condition: an overflow there
/// refuses the input, and leaves the state alone.
#[test]
fn an_empty_if_still_evaluates_its_condition() {
    let mut m = eb::Authority::new();
    m.apply(eb::Input::Go { x: u64::MAX })
        .expect("0 + MAX does not overflow");
    assert_eq!(m.state().n, u64::MAX);
    let before = m.state().clone();
    let r = m
        .apply(eb::Input::Go { x: 1 })
        .expect_err("MAX + 1 overflows");
    assert_eq!(
        r.reason,
        eb::RejectReason::Overflow {
            transition: eb::TransitionId::Go
        }
    );
    assert_eq!(m.state(), &before);
}
