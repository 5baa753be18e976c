//! The bad-spec corpus: every file in `tests/bad/` is rendered exactly as a user would
//! see it and compared with its snapshot; the file's own code must be among the results.

use std::path::Path;
use suricate_codegen::{Code, Severity};

mod support;

/// Corpus files, sorted by name.
fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/bad exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "machine"))
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name")
                .to_string();
            let source = std::fs::read_to_string(&path).expect("readable spec");
            (name, source)
        })
        .collect();
    files.sort();
    files
}

/// The code a corpus file is named after (`E0204_newtype_mix.machine` -> `E0204`).
fn expected_code(file: &str) -> Option<Code> {
    let prefix = file.split('_').next()?;
    Code::ALL.into_iter().find(|c| c.as_str() == prefix)
}

#[test]
fn bad_specs_render_their_diagnostics() {
    let mut snapshots = support::Snapshots::default();
    for (file, source) in corpus() {
        let path = format!("bad/{file}");
        let (rendered, codes, severities) = match suricate_codegen::check(&source, &path) {
            Err(d) => (
                d.render(),
                d.items.iter().map(|i| i.code).collect::<Vec<_>>(),
                d.items.iter().map(|i| i.severity()).collect::<Vec<_>>(),
            ),
            Ok((_, w)) => (
                w.render(),
                w.items.iter().map(|i| i.code).collect(),
                w.items.iter().map(|i| i.severity()).collect(),
            ),
        };
        let name = file.trim_end_matches(".machine");
        snapshots.check(name, || insta::assert_snapshot!(name, rendered.as_str()));
        match expected_code(&file) {
            Some(code) => {
                assert!(
                    codes.contains(&code),
                    "{file}: expected {code:?}, got {codes:?}"
                );
                // Each single-problem file shows exactly that problem.
                assert!(
                    codes.iter().all(|c| *c == code),
                    "{file}: expected only {code:?}, got {codes:?}"
                );
                if code.severity() == Severity::Warning {
                    assert!(severities.iter().all(|s| *s == Severity::Warning));
                }
            }
            None => {
                let mut distinct = codes.clone();
                distinct.sort_by_key(|c| c.as_str());
                distinct.dedup();
                assert!(
                    distinct.len() >= 3,
                    "{file}: expected several different problems, got {codes:?}"
                );
            }
        }
        assert!(
            rendered.contains(&format!("{path}:")),
            "{file}: no file:line:col"
        );
        assert!(rendered.contains('^'), "{file}: no underline");
    }
    snapshots.finish();
}

#[test]
fn every_code_has_a_corpus_file() {
    let files = corpus();
    for code in Code::ALL {
        assert!(
            files
                .iter()
                .any(|(name, _)| expected_code(name) == Some(code)),
            "no tests/bad/{}_*.machine for {code:?}",
            code.as_str()
        );
    }
}

#[test]
fn download_example_checks_cleanly() {
    let source = include_str!("specs/download.machine");
    let (spec, warnings) = suricate_codegen::check(source, "specs/download.machine")
        .unwrap_or_else(|d| panic!("{}", d.render()));
    assert!(warnings.is_empty(), "{}", warnings.render());
    assert_eq!(spec.machines.len(), 1);
    assert_eq!(spec.machines[0].name, "Download");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_spec() {
    let plain = include_str!("specs/download.machine");
    let marked = format!("\u{feff}{plain}");
    let generate = |source: &str| {
        suricate_codegen::generate(source, "specs/download.machine")
            .unwrap_or_else(|d| panic!("{}", d.render()))
    };
    let (with, without) = (generate(&marked), generate(plain));
    assert_eq!(with.machines.len(), without.machines.len());
    for (a, b) in with.machines.iter().zip(&without.machines) {
        assert_eq!((a.line, a.column), (b.line, b.column));
        assert_eq!(a.rust, b.rust);
        assert_eq!(a.markdown, b.markdown);
    }

    // Errors, one of them on the first line, render as for the file without the mark:
    // same columns, same underlines, no invisible character shown.
    let broken = "machine 1Broken {\n    phases { A }\n    initial B;\n    state {}\n}\n";
    let render = |source: &str| match suricate_codegen::check(source, "bom.machine") {
        Err(d) => d.render(),
        Ok(_) => panic!("accepted: {source}"),
    };
    let rendered = render(&format!("\u{feff}{broken}"));
    assert_eq!(rendered, render(broken));
    assert!(rendered.contains("bom.machine:1:9"), "{rendered}");
    assert!(!rendered.contains('\u{feff}'), "{rendered}");
}

/// Lines ended by a lone carriage return are refused with one error that says so, at the
/// first of them, rendered on its own line; a lone CR inside an otherwise LF file too.
#[test]
fn a_lone_carriage_return_is_refused_once() {
    let render = |source: &str| match suricate_codegen::check(source, "cr.machine") {
        Err(d) => (d.items.len(), d.render()),
        Ok(_) => panic!("accepted: {source:?}"),
    };
    // Classic Mac OS line ends; the `//` comment would otherwise hide the rest.
    let (count, rendered) = render(
        "// A lamp.\rmachine Lamp {\r    phases { Off }\r    initial Off;\r    state {}\r}\r",
    );
    assert_eq!(count, 1, "{rendered}");
    assert!(rendered.contains("lone carriage return"), "{rendered}");
    assert!(rendered.contains("cr.machine:1:11"), "{rendered}");
    assert!(rendered.contains("1 │ // A lamp.\n"), "{rendered}");
    assert!(!rendered.contains('\r'), "{rendered:?}");
    // One pasted into a file with LF line ends.
    let (count, rendered) =
        render("machine Lamp {\n    phases { Off }\n    initial Off; // x\r    state {}\n}\n");
    assert_eq!(count, 1, "{rendered}");
    assert!(rendered.contains("cr.machine:3:22"), "{rendered}");
    assert!(rendered.contains("without a line feed"), "{rendered}");
    // CRLF line ends are fine.
    let crlf = include_str!("specs/download.machine").replace('\n', "\r\n");
    suricate_codegen::check(&crlf, "crlf.machine").unwrap_or_else(|d| panic!("{}", d.render()));
}
