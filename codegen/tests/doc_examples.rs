//! The complete machines shown in the language reference (docs/spec-language.md) check
//! and generate, so the reference cannot drift from the language it describes. Fragments
//! (a `state` block, one transition) are left to the reader.

/// The bodies of the reference's ```` ```machine ```` blocks that are whole machines.
fn complete_machines(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match &mut block {
            None if line.trim_end() == "```machine" => block = Some((n + 1, String::new())),
            None => {}
            Some(_) if line.trim_end() == "```" => {
                let (start, body) = block.take().expect("inside a block");
                if body.lines().any(|l| l.starts_with("machine ")) && !body.contains("...") {
                    out.push((start, body));
                }
            }
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

#[test]
fn the_reference_examples_generate() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/spec-language.md");
    let markdown = std::fs::read_to_string(path).expect("the language reference");
    let machines = complete_machines(&markdown);
    assert!(!machines.is_empty(), "no complete machine found in {path}");
    for (line, source) in machines {
        let name = format!("docs/spec-language.md:{line}");
        match suricate_codegen::generate(&source, &name) {
            Ok(output) => assert!(
                output.warnings.is_empty(),
                "{name}: {}",
                output.warnings.render()
            ),
            Err(errors) => panic!("{name}: {}", errors.render()),
        }
    }
}
