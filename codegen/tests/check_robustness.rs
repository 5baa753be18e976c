//! The checker must never panic, and must never fail without saying why: mutated specs
//! either check (no errors) or produce at least one error diagnostic.

use suricate_codegen::Severity;

fn assert_sound(source: &str, what: &str) {
    match suricate_codegen::check(source, "mutated.machine") {
        Ok((_, warnings)) => assert!(
            warnings
                .items
                .iter()
                .all(|d| d.severity() == Severity::Warning),
            "{what}: accepted with errors"
        ),
        Err(d) => assert!(
            d.has_errors(),
            "{what}: rejected without an error:\n{}\n--- source ---\n{source}",
            d.render()
        ),
    }
}

/// Byte ranges of identifier-like words in `source`.
fn words(source: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in source
        .char_indices()
        .chain(std::iter::once((source.len(), ' ')))
    {
        let word = c.is_ascii_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn sources() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = vec![(
        "specs/download.machine".to_string(),
        std::fs::read_to_string(root.join("specs/download.machine")).expect("download spec"),
    )];
    let mut bad: Vec<_> = std::fs::read_dir(root.join("bad"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    bad.sort();
    for path in bad {
        let text = std::fs::read_to_string(&path).expect("corpus file");
        out.push((path.display().to_string(), text));
    }
    out
}

#[test]
fn replacing_any_word_never_panics_or_fails_silently() {
    const REPLACEMENTS: &[&str] = &["x", "phase", "Phase", "Option", "none", "7"];
    // The richest sources only: every word of every corpus file would take too long.
    let rich = sources()
        .into_iter()
        .filter(|(name, _)| name.contains("download") || name.contains("multiple"));
    for (name, source) in rich {
        for (start, end) in words(&source) {
            for r in REPLACEMENTS {
                let mutated = format!("{}{}{}", &source[..start], r, &source[end..]);
                assert_sound(&mutated, &format!("{name}: {start}..{end} -> {r}"));
            }
        }
    }
}

#[test]
fn deleting_any_line_never_panics_or_fails_silently() {
    for (name, source) in sources() {
        let lines: Vec<&str> = source.lines().collect();
        for skip in 0..lines.len() {
            let mutated: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            assert_sound(
                &mutated.join("\n"),
                &format!("{name}: without line {}", skip + 1),
            );
        }
    }
}
