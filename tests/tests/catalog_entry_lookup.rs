//! Transitions whose generated code looks a map entry up once for several mentions of it
//! (codegen/src/rust/entry.rs), and a loop that ends with `break`: the Catalog kernel of
//! the edge-case spec, step by step, checked against expected values and against the
//! reference interpreter, faults and rollback included.

use suricate_codegen::interpreter::Interpreter;
use suricate_codegen::ir::Machine;
use suricate_tests::generated::catalog::{
    Authority, Effect, FailedGuard, Input, Item, Method, RejectReason, State, Title, Transition,
    TransitionId,
};

fn machine() -> Machine {
    let source = include_str!("../../codegen/tests/specs/edge_cases.machine");
    let (spec, _) = suricate_codegen::check(source, "edge_cases.machine").expect("spec checks");
    spec.machines
        .into_iter()
        .find(|m| m.name == "Catalog")
        .expect("Catalog")
}

/// Applies `input` to the kernel and the interpreter; both must agree on the outcome and
/// the state. Returns the kernel's result.
fn step(
    kernel: &mut Authority,
    reference: &mut Interpreter<'_>,
    input: Input,
) -> Result<Transition, RejectReason> {
    let json = serde_json::to_value(&input).expect("input serialises");
    let expected = reference.apply(&json);
    let actual = kernel.apply(input).map_err(|r| r.reason);
    match (&actual, &expected) {
        (Ok(t), Ok(fired)) => assert_eq!(t.id.name(), fired.transition, "{json}"),
        (Err(_), Err(_)) => {}
        _ => panic!("kernel and interpreter disagree on {json}: {actual:?} / {expected:?}"),
    }
    assert_eq!(
        serde_json::to_value(kernel.state()).unwrap(),
        reference.state_json(),
        "after {json}"
    );
    actual
}

fn title(s: &str) -> Title {
    Title(s.to_string())
}

fn add(name: &str, qty: u64) -> Input {
    add_tagged(name, qty, &["new"])
}

/// `bounded` refuses an add while a stored item has no non-empty tag.
fn add_tagged(name: &str, qty: u64, tags: &[&str]) -> Input {
    Input::Add {
        fire_add: Item {
            title: title(name),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            qty,
        },
        guards_add: Method::POST,
        failed: false,
    }
}

fn restock(name: &str, qty: u64) -> Input {
    Input::Restock {
        title: title(name),
        qty,
    }
}

fn qty(state: &State, name: &str) -> u64 {
    state.items[&title(name)].qty
}

#[test]
fn restock_reads_and_writes_one_entry() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("a", 2)).expect("add a");
    step(&mut kernel, &mut reference, add("b", 7)).expect("add b");
    let before = kernel.state().clone();

    let t = step(&mut kernel, &mut reference, restock("a", 3)).expect("restock a");
    assert_eq!(t.id, TransitionId::Restock);
    assert_eq!(
        t.effects,
        vec![Effect::Restocked {
            title: title("a"),
            qty: 5
        }],
        "the emit between two writes reads the entry as written so far"
    );
    assert_eq!(qty(kernel.state(), "a"), 5);
    assert_eq!(qty(kernel.state(), "b"), 7, "the other entry is untouched");
    assert_eq!(
        kernel.state().tagged,
        5,
        "read back through the bound entry"
    );
    assert!(!kernel.state().stocked, "5 is not well stocked");

    kernel.rollback(t).expect("latest rolls back");
    assert_eq!(kernel.state(), &before);
}

#[test]
fn a_branch_that_only_reads_the_entry_sees_the_written_value() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("b", 7)).expect("add b");
    step(&mut kernel, &mut reference, restock("b", 93)).expect("restock b");
    assert!(kernel.state().stocked, "100 is well stocked");
    let t = step(&mut kernel, &mut reference, restock("b", 500)).expect("restock b");
    assert_eq!(
        t.effects,
        vec![Effect::Restocked {
            title: title("b"),
            qty: 600
        }]
    );
    assert_eq!(
        qty(kernel.state(), "b"),
        500,
        "capped by a write under a nested `if`"
    );
}

#[test]
fn restock_of_an_unknown_title_fails_its_guard() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("a", 2)).expect("add a");
    let reason =
        step(&mut kernel, &mut reference, restock("b", 1)).expect_err("b is not in the catalogue");
    let known_fails = RejectReason::GuardsFailed(vec![FailedGuard {
        transition: TransitionId::Restock,
        guard: "known",
    }]);
    assert_eq!(reason, known_fails);
    // The last conjunct of `known`, read through the same lookup.
    step(&mut kernel, &mut reference, add_tagged("b", 1, &[])).expect("add b");
    let reason = step(&mut kernel, &mut reference, restock("b", 1)).expect_err("b has no tags");
    assert_eq!(reason, known_fails);
}

#[test]
fn an_overflow_in_the_first_write_leaves_the_state_as_it_was() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("a", 2)).expect("add a");
    let before = kernel.state().clone();
    let reason = step(&mut kernel, &mut reference, restock("a", u64::MAX))
        .expect_err("2 + u64::MAX overflows");
    assert_eq!(
        reason,
        RejectReason::Overflow {
            transition: TransitionId::Restock
        }
    );
    assert_eq!(kernel.state(), &before);
}

#[test]
fn a_key_named_entry_is_looked_up_normally() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("a", 4)).expect("add a");
    step(
        &mut kernel,
        &mut reference,
        Input::Relabel { entry: title("a") },
    )
    .expect("relabel");
    assert_eq!(qty(kernel.state(), "a"), 0);
    assert_eq!(kernel.state().tagged, 0);
    // An unknown key skips the branch.
    let before = kernel.state().clone();
    step(
        &mut kernel,
        &mut reference,
        Input::Relabel { entry: title("z") },
    )
    .expect("relabel");
    assert_eq!(kernel.state(), &before);
}

#[test]
fn an_unread_let_is_still_evaluated_and_an_inner_break_ends_only_the_inner_loop() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("a", 1)).expect("add a");
    step(&mut kernel, &mut reference, add("b", 2)).expect("add b");
    step(&mut kernel, &mut reference, add("c", 3)).expect("add c");
    // Pairs (first, second) in `order` = (a, b), (a, c), (b, c): three.
    let before = kernel.state().tagged;
    let relabel = |name: &str| Input::Relabel { entry: title(name) };
    step(&mut kernel, &mut reference, relabel("z")).expect("relabel");
    assert_eq!(
        kernel.state().tagged,
        before + 3,
        "an unknown key: three pairs added"
    );
    step(&mut kernel, &mut reference, relabel("b")).expect("relabel");
    assert_eq!(
        kernel.state().tagged,
        3,
        "b's quantity (0) plus three pairs"
    );

    // `let headroom = self.tagged + 1;` is never read, and still overflows.
    let mut state = kernel.state().clone();
    state.tagged = u64::MAX;
    let mut kernel = Authority::from_state(state).expect("a valid state");
    let json = serde_json::to_value(kernel.state()).unwrap();
    let mut reference = Interpreter::from_state_json(&m, &json).expect("a valid state");
    let reason =
        step(&mut kernel, &mut reference, relabel("a")).expect_err("the unread let overflows");
    assert_eq!(
        reason,
        RejectReason::Overflow {
            transition: TransitionId::Relabel
        }
    );
}

#[test]
fn sweep_writes_each_entry_and_reads_the_others() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    step(&mut kernel, &mut reference, add("a", 0)).expect("add a");
    step(&mut kernel, &mut reference, add("b", 5)).expect("add b");
    // +1 then -1 for each item: quantities unchanged. `stocked` is computed after each
    // decrement over every item, so it sees `b` after `a` went back to 0. The last loop
    // counts items up to the first empty one and stops there: `a` comes first.
    let tagged = kernel.state().tagged;
    step(&mut kernel, &mut reference, Input::Sweep).expect("sweep");
    assert_eq!((qty(kernel.state(), "a"), qty(kernel.state(), "b")), (0, 5));
    assert!(!kernel.state().stocked, "a is empty");
    assert_eq!(kernel.state().tagged, tagged, "the loop broke at `a`");

    step(&mut kernel, &mut reference, restock("a", 1)).expect("restock a");
    step(&mut kernel, &mut reference, Input::Sweep).expect("sweep");
    assert!(kernel.state().stocked, "every item has stock");
    assert_eq!(
        kernel.state().tagged,
        1 + 2 + 1,
        "restock set it to a's quantity (1); no break, so both items counted (2); then the \
         first item's quantity is added through a `let` key (1)"
    );
}

/// `!(k in m) || m[k]...`: the right side reads the entry only where the left side found
/// it present, in a guard and in an `if` condition alike.
#[test]
fn an_or_reads_the_entry_only_where_its_left_side_is_false() {
    let m = machine();
    let (mut kernel, mut reference) = (Authority::new(), Interpreter::new(&m));
    let probe = |name: &str| Input::Probe { title: title(name) };
    // Absent: both `||`s hold by their left side.
    step(&mut kernel, &mut reference, probe("a")).expect("probe of an absent title");
    assert_eq!(kernel.state().tagged, 1);
    step(&mut kernel, &mut reference, add("a", 0)).expect("add a");
    step(&mut kernel, &mut reference, add("b", 5)).expect("add b");
    step(&mut kernel, &mut reference, add("c", 900)).expect("add c");
    let tagged = kernel.state().tagged;
    // Present: the right side decides.
    step(&mut kernel, &mut reference, probe("a")).expect("probe of an empty item");
    assert_eq!(kernel.state().tagged, tagged + 1);
    step(&mut kernel, &mut reference, probe("b")).expect("probe of a stocked item");
    assert_eq!(kernel.state().tagged, tagged + 1);
    let Err(RejectReason::GuardsFailed(failed)) = step(&mut kernel, &mut reference, probe("c"))
    else {
        panic!("a full item fails `not_full`");
    };
    assert_eq!(
        failed,
        vec![FailedGuard {
            transition: TransitionId::Probe,
            guard: "not_full"
        }]
    );
}

/// A newtype displays as its inner value: `Display` delegates to the base type's
/// `Display`, so a string newtype prints without `Debug` quotes.
#[test]
fn a_string_newtype_displays_as_its_text() {
    assert_eq!(title("Dune").to_string(), "Dune");
    assert_eq!(format!("[{}]", title("a \"b\"")), "[a \"b\"]");
}
