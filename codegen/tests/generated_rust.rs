//! Snapshots of the Rust generated for every example spec, so any change to the
//! generator shows up as a reviewable diff; plus determinism and header checks.

use std::fs;
use std::path::Path;

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
    for (name, source) in example_specs() {
        let path = format!("specs/{name}");
        let output = suricate_codegen::generate(&source, &path).unwrap_or_else(|d| panic!("{d}"));
        assert!(
            output.warnings.is_empty(),
            "{name} has warnings:\n{}",
            output.warnings
        );
        for machine in &output.machines {
            insta::assert_snapshot!(format!("rust_{}", machine.module), machine.rust);
        }
    }
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
