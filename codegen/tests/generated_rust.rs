//! Snapshots of the Rust generated for every example spec, so any change to the
//! generator shows up as a reviewable diff; plus determinism and header checks.

use std::fs;
use std::path::Path;

mod support;

fn example_specs() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut specs: Vec<(String, String)> = fs::read_dir(&dir)
        .expect("tests/specs exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "machine"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let source = fs::read_to_string(&p).expect("readable spec");
            (name, source)
        })
        .collect();
    specs.sort();
    assert!(
        !specs.is_empty(),
        "no example specs found in {}",
        dir.display()
    );
    specs
}

#[test]
fn generated_rust_snapshots() {
    let mut snapshots = support::Snapshots::default();
    for (name, source) in example_specs() {
        let path = format!("specs/{name}");
        let output = suricate_codegen::generate(&source, &path).unwrap_or_else(|d| panic!("{d}"));
        assert!(
            output.warnings.is_empty(),
            "{name} has warnings:\n{}",
            output.warnings
        );
        for machine in &output.machines {
            let snapshot = format!("rust_{}", machine.module);
            snapshots.check(&snapshot, || {
                insta::assert_snapshot!(snapshot.as_str(), machine.rust.as_str())
            });
        }
    }
    snapshots.finish();
}

#[test]
fn generation_is_deterministic() {
    for (name, source) in example_specs() {
        let path = format!("specs/{name}");
        let a = suricate_codegen::generate(&source, &path).expect("generates");
        let b = suricate_codegen::generate(&source, &path).expect("generates");
        for (x, y) in a.machines.iter().zip(&b.machines) {
            assert_eq!(x.rust, y.rust, "{name}: Rust output differs between runs");
            assert_eq!(
                x.markdown, y.markdown,
                "{name}: Markdown output differs between runs"
            );
        }
    }
}

#[test]
fn every_file_starts_with_the_generated_header() {
    let source = include_str!("specs/download.machine");
    let output = suricate_codegen::generate(source, "spec/download.machine").expect("generates");
    let rust = &output.machines[0].rust;
    assert_eq!(
        rust.lines().next(),
        Some("// @generated from spec/download.machine by `cargo xtask gen`; do not edit.")
    );
    let combined = output.rust_file("spec/download.machine");
    assert!(combined.starts_with("// @generated from spec/download.machine"));
    assert!(combined.contains("pub mod download {"), "{combined}");
}

#[test]
fn dispatch_is_a_match_on_input_then_phase() {
    let source = include_str!("specs/download.machine");
    let output = suricate_codegen::generate(source, "spec/download.machine").expect("generates");
    let rust = &output.machines[0].rust;
    // `retry` and `give_up` share one arm for both phases they fire from.
    assert!(rust.contains("Phase::Running | Phase::Paused =>"), "{rust}");
    assert!(rust.contains("match input {"), "{rust}");
    assert!(rust.contains("match state.phase {"), "{rust}");
}

/// The Rust of the machine `name` in `specs/edge_cases.machine`.
fn edge_case(name: &str) -> String {
    let source = include_str!("specs/edge_cases.machine");
    let output = suricate_codegen::generate(source, "specs/edge_cases.machine").expect("generates");
    output
        .machines
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no machine {name}"))
        .rust
}

#[test]
fn strings_are_ordered_against_literals_as_str() {
    // `String < &str` does not exist; `==` with a literal keeps the direct comparison.
    let rust = edge_case("Catalog");
    assert!(
        rust.contains(r#"fire_add.title.0.as_str() < "n""#),
        "{rust}"
    );
    assert!(
        rust.contains(r#""a" <= fire_add.title.0.as_str()"#),
        "{rust}"
    );
    assert!(rust.contains(r#"state.floor.as_str() <= "z""#), "{rust}");
    assert!(
        rust.contains(r#"t != """#) || rust.contains("is_empty()"),
        "{rust}"
    );
}

#[test]
fn dispatch_calls_functions_through_paths_input_fields_cannot_shadow() {
    let rust = edge_case("Catalog");
    assert!(rust.contains("self::guards_add(state, fire_add)"), "{rust}");
    assert!(
        rust.contains("self::fire_add(state, undo, effects, fire_add, guards_add)"),
        "{rust}"
    );
}

#[test]
fn unused_binders_are_bound_as_underscores() {
    let rust = edge_case("Catalog");
    assert!(rust.contains("for (_, v) in state.items.iter()"), "{rust}");
    assert!(rust.contains("for _ in fire_add.tags.iter()"), "{rust}");
}

#[test]
fn quantifier_conditions_are_bound_before_the_if() {
    let rust = edge_case("Catalog");
    assert!(rust.contains("let holds = 'all_t_0: {"), "{rust}");
    assert!(rust.contains("let holds = 'any_t_0: {"), "{rust}");
    assert!(!rust.contains("if 'a"), "{rust}");
}

#[test]
fn a_machine_that_writes_nothing_clears_its_undo_log() {
    let rust = edge_case("Beacon");
    assert!(rust.contains("steps.clear();"), "{rust}");
    assert!(!rust.contains("while let Some(step)"), "{rust}");
}

#[test]
fn undo_has_one_doc_comment() {
    let rust = edge_case("Catalog");
    assert_eq!(
        rust.matches("/// Reverts the records of `log`").count(),
        1,
        "{rust}"
    );
}

#[test]
fn std_and_serde_items_are_written_with_full_paths() {
    let rust = edge_case("Catalog");
    assert!(!rust.contains("use serde"), "{rust}");
    assert!(
        rust.contains("::serde::Serialize, ::serde::Deserialize"),
        "{rust}"
    );
    assert!(
        rust.contains("impl ::std::convert::From<String> for Title"),
        "{rust}"
    );
    assert!(rust.contains("clippy::upper_case_acronyms"), "{rust}");
}

#[test]
fn dispatch_without_transitions_marks_its_parameters_unused() {
    let source = "machine Idle { phases { P } initial P; input Go; input Stop { n: u64 } }";
    let output = suricate_codegen::generate(source, "idle.machine").expect("generates");
    let rust = &output.machines[0].rust;
    assert!(rust.contains("_state: &mut State"), "{rust}");
    assert!(rust.contains("_undo: &mut UndoLog"), "{rust}");
    assert!(rust.contains("_effects: &mut Vec<Effect>"), "{rust}");
}

#[test]
fn the_combined_file_allows_a_module_named_like_its_file() {
    let source = include_str!("specs/edge_cases.machine");
    let output = suricate_codegen::generate(source, "specs/edge_cases.machine").expect("generates");
    let combined = output.rust_file("specs/edge_cases.machine");
    assert!(
        combined.contains("#![allow(clippy::module_inception)]"),
        "{combined}"
    );
}

/// The Rust of the only machine in an inline spec.
fn only_machine(source: &str) -> String {
    let output = suricate_codegen::generate(source, "inline.machine").expect("generates");
    output
        .machines
        .into_iter()
        .next()
        .expect("one machine")
        .rust
}

/// A negative literal is parenthesised before a method call: `-5i64.checked_add(x)`
/// parses as `-(5 + x)`, so `-5 + self.x` would compute the wrong sum.
#[test]
fn a_negative_literal_is_parenthesised_before_a_method_call() {
    let rust = only_machine(
        "machine M { phases { A } initial A; state { x: i64 = 0 } input Go;
         transition go on Go from A -> same { update { self.x = -5 + self.x; } } }",
    );
    assert!(rust.contains("(-5i64).checked_add(state.x)"), "{rust}");
}

/// Negation is checked: `-x` of `i64::MIN` faults with `Overflow` instead of wrapping.
#[test]
fn negation_faults_on_overflow_instead_of_wrapping() {
    let rust = only_machine(
        "machine M { phases { A } initial A; state { x: i64 = 0 } input Go;
         transition go on Go from A -> same { update { self.x = -self.x; } } }",
    );
    assert!(
        rust.contains("state.x.checked_neg().ok_or(Fault::Overflow)?"),
        "{rust}"
    );
}

/// `Phase::INITIAL` is the phase named by `initial`, not the first phase declared.
#[test]
fn the_initial_phase_constant_is_the_declared_initial_phase() {
    let rust = only_machine("machine M { phases { A, B } initial B; }");
    assert!(
        rust.contains("pub const INITIAL: Phase = Phase::B;"),
        "{rust}"
    );
}
