//! Two machines generated from one spec file, and invariant enforcement in `apply`.

use suricate_tests::generated::{counter, traffic_light};

#[test]
fn machines_of_one_file_are_separate_modules() {
    let mut light = traffic_light::Authority::new();
    let mut counter = counter::Authority::new();
    light.apply(traffic_light::Input::Tick).expect("power on");
    counter.apply(counter::Input::Add { n: 2 }).expect("add");
    assert_eq!(light.phase(), traffic_light::Phase::Red);
    assert_eq!(counter.state().value, 2);
}

#[test]
fn a_transition_that_breaks_an_invariant_is_rejected_and_undone() {
    let mut c = counter::Authority::new();
    c.set_invariant_checks(true);
    c.apply(counter::Input::Add { n: 600 })
        .expect("within bound");
    let before = c.state().clone();
    let r = c
        .apply(counter::Input::Add { n: 600 })
        .expect_err("1200 > 1000");
    assert_eq!(
        r.reason,
        counter::RejectReason::InvariantViolated {
            transition: counter::TransitionId::Add,
            invariant: "bounded",
            fault: None,
        }
    );
    assert_eq!(c.state(), &before);
    assert_eq!(c.state().history.len(), 1, "the push_back was undone too");
}

/// An invariant whose evaluation faults (here an overflow) is violated, with the fault
/// named, and the transition is undone.
#[test]
fn an_invariant_that_faults_is_a_violation() {
    let mut c = counter::Authority::new();
    c.set_invariant_checks(true);
    let r = c
        .apply(counter::Input::Add {
            n: u64::MAX / 2 + 1,
        })
        .expect_err("value + value overflows");
    assert!(
        matches!(
            r.reason,
            counter::RejectReason::InvariantViolated {
                invariant: "doubles",
                fault: Some(_),
                ..
            }
        ),
        "{:?}",
        r.reason
    );
    assert_eq!(c.state(), &counter::State::default());
}

#[test]
fn with_checks_off_the_caller_can_check_on_demand() {
    let mut c = counter::Authority::new();
    c.set_invariant_checks(false);
    c.apply(counter::Input::Add { n: 2000 }).expect("unchecked");
    assert_eq!(
        c.check_invariants(),
        Err(counter::InvariantViolation {
            invariant: "bounded",
            fault: None,
        })
    );
}

#[test]
fn underflow_is_a_rejection_not_a_panic() {
    let mut c = counter::Authority::new();
    let r = c.apply(counter::Input::Sub { n: 1 }).expect_err("0 - 1");
    assert_eq!(
        r.reason,
        counter::RejectReason::Overflow {
            transition: counter::TransitionId::Sub
        }
    );
}

#[test]
fn a_guarded_candidate_falls_back_to_the_unguarded_one() {
    let mut light = traffic_light::Authority::new();
    light.apply(traffic_light::Input::Tick).expect("power on");
    for _ in 0..3 {
        for _ in 0..3 {
            light.apply(traffic_light::Input::Tick).expect("cycle");
        }
    }
    assert_eq!(light.state().cycles, 3);
    let t = light.apply(traffic_light::Input::Tick).expect("stay red");
    assert_eq!(t.id, traffic_light::TransitionId::StayRed);
    assert_eq!(t.effects, vec![traffic_light::Effect::Exhausted]);
}

#[test]
fn a_restored_authority_checks_invariants_like_a_new_one() {
    let restored = counter::Authority::from_state(counter::Authority::new().into_state())
        .expect("the initial state is valid");
    assert_eq!(
        restored.invariant_checks(),
        counter::Authority::new().invariant_checks()
    );
    // The generated default follows the build: on in debug builds (how `cargo test` runs).
    assert_eq!(restored.invariant_checks(), cfg!(debug_assertions));
    let mut restored = restored;
    let r = restored.apply(counter::Input::Add { n: 2000 });
    if cfg!(debug_assertions) {
        assert_eq!(
            r.expect_err("a restored authority enforces the invariants")
                .reason,
            counter::RejectReason::InvariantViolated {
                transition: counter::TransitionId::Add,
                invariant: "bounded",
                fault: None,
            }
        );
    }
}
