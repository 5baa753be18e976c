//! Snapshot of the Markdown reference of every example spec in `tests/specs/`.
//!
//! Review changes with `cargo insta review`; CI never writes snapshots.

use std::fs;
use std::path::Path;

mod support;

#[test]
fn markdown_of_every_example_spec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut specs: Vec<_> = fs::read_dir(&dir)
        .expect("tests/specs exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "machine"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no example specs in {}", dir.display());
    let mut snapshots = support::Snapshots::default();
    for spec in specs {
        let name = spec
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file name");
        // Workspace-relative, as `cargo xtask gen` passes it.
        let path = format!("codegen/tests/specs/{name}");
        let source = fs::read_to_string(&spec).expect("readable spec");
        let output = suricate_codegen::generate(&source, &path)
            .unwrap_or_else(|d| panic!("{path} does not check:\n{}", d.render()));
        for machine in &output.machines {
            assert!(machine.markdown.starts_with(&format!(
                "<!-- @generated from {path} by `cargo xtask gen`; do not edit. -->\n"
            )));
            let snapshot = format!("markdown_{}", machine.module);
            snapshots.check(&snapshot, || {
                insta::assert_snapshot!(snapshot.as_str(), machine.markdown.as_str())
            });
        }
    }
    snapshots.finish();
}
