//! `self.m[k].f.g = e;` in the generated Ledger kernel, step by step against the reference
//! interpreter: the paths that write one field of a hold (`release` while frozen, `sweep`
//! of small holds) need a particular input sequence that random sequences seldom produce.

use serde_json::{Value, json};
use suricate_codegen::interpreter::Interpreter;
use suricate_codegen::ir::Machine;
use suricate_tests::generated::ledger::{
    Authority, Cents, Effect, Entry, Hold, Input, Kind, Phase, State, Transition, TransitionId,
};

fn machine() -> Machine {
    let source = include_str!("../../codegen/tests/specs/ledger.machine");
    let (mut spec, _) = suricate_codegen::check(source, "ledger.machine").expect("ledger checks");
    spec.machines.remove(0)
}

/// Applies `input` to both; they must fire the same transition and end in the same state.
fn step(kernel: &mut Authority, reference: &mut Interpreter<'_>, input: Value) -> Transition {
    let fired = reference
        .apply(&input)
        .unwrap_or_else(|r| panic!("interpreter rejected {input}: {r}"));
    let parsed: Input = serde_json::from_value(input.clone()).expect("valid input");
    let t = kernel
        .apply(parsed)
        .unwrap_or_else(|r| panic!("kernel rejected {input}: {r}"));
    assert_eq!(t.id.name(), fired.transition, "{input}");
    assert_eq!(
        serde_json::to_value(&t.effects).unwrap(),
        Value::from(fired.effects)
    );
    assert_eq!(
        serde_json::to_value(kernel.state()).unwrap(),
        reference.state_json(),
        "after {input}"
    );
    t
}

/// Rolls back `t` and puts the reference into the restored state, which must be `before`.
fn roll_back<'m>(
    kernel: &mut Authority,
    machine: &'m Machine,
    t: Transition,
    before: &State,
) -> Interpreter<'m> {
    kernel.rollback(t).expect("latest rolls back");
    assert_eq!(kernel.state(), before);
    let state = serde_json::to_value(kernel.state()).unwrap();
    Interpreter::from_state_json(machine, &state).expect("restored state is valid")
}

fn hold(id: u64, amount: i64, kind: Kind, note: &str) -> Hold {
    Hold {
        id,
        entry: Entry {
            kind,
            amount: Cents(amount),
            note: Some(note.to_string()),
        },
    }
}

#[test]
fn hold_fields_are_written_in_place_and_rolled_back() {
    let machine = machine();
    let mut kernel = Authority::new();
    let mut reference = Interpreter::new(&machine);
    for input in [
        json!({ "Open": { "owner": "ann", "strict": false } }),
        json!({ "Book": { "id": 1, "kind": "Credit", "amount": 500, "note": null } }),
        json!({ "HoldFunds": { "id": 7, "amount": 30 } }),
        json!({ "HoldFunds": { "id": 8, "amount": 100 } }),
        json!("Freeze"),
    ] {
        step(&mut kernel, &mut reference, input);
    }

    // Frozen: the release is noted on the hold; the funds stay held.
    let before = kernel.state().clone();
    let t = step(
        &mut kernel,
        &mut reference,
        json!({ "Release": { "id": 7 } }),
    );
    assert_eq!(t.id, TransitionId::Release);
    assert_eq!(kernel.state().balance, Cents(370));
    assert_eq!(
        kernel.state().holds[&7],
        hold(7, 30, Kind::Debit, "release requested")
    );
    // Rolling back restores the whole entry.
    reference = roll_back(&mut kernel, &machine, t, &before);
    assert_eq!(kernel.state().holds[&7], hold(7, 30, Kind::Debit, "hold"));
    step(
        &mut kernel,
        &mut reference,
        json!({ "Release": { "id": 7 } }),
    );

    // Sweep removes the large hold and marks the small one as a fee.
    let before = kernel.state().clone();
    let t = step(&mut kernel, &mut reference, json!("Sweep"));
    assert_eq!(t.effects, vec![Effect::Swept { id: 8 }]);
    assert_eq!(kernel.state().holds.len(), 1);
    assert_eq!(
        kernel.state().holds[&7],
        hold(7, 30, Kind::Fee, "release requested")
    );
    reference = roll_back(&mut kernel, &machine, t, &before);
    step(&mut kernel, &mut reference, json!("Sweep"));

    // Open again: the release pays the hold back and removes it.
    step(&mut kernel, &mut reference, json!("Thaw"));
    assert_eq!(kernel.phase(), Phase::Open);
    step(
        &mut kernel,
        &mut reference,
        json!({ "Release": { "id": 7 } }),
    );
    assert_eq!(kernel.state().balance, Cents(400));
    assert!(kernel.state().holds.is_empty());
}
