//! IR -> Markdown reference of one machine, checked in under `docs/machines/`.
//!
//! Output depends only on the IR and the spec path (everything in declaration order), so
//! regenerating an unchanged spec gives byte-identical text and `gen --check` stays quiet.

use crate::display;
use crate::ir::{Machine, Message, Target, Transition};
use std::fmt::Write as _;

/// The Markdown reference of `machine`, generated from the spec at `spec_path`.
pub fn generate(machine: &Machine, spec_path: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- @generated from {spec_path} by `cargo xtask gen`; do not edit. -->"
    );
    out.push('\n');
    let _ = writeln!(out, "# {}", machine.name);
    paragraph(&mut out, &machine.doc);
    phases(&mut out, machine);
    state(&mut out, machine);
    types(&mut out, machine);
    messages(&mut out, "Inputs", "input", &machine.inputs);
    messages(&mut out, "Effects", "effect", &machine.effects);
    transitions(&mut out, machine);
    invariants(&mut out, machine);
    dispatch_table(&mut out, machine);
    diagram(&mut out, machine);
    out
}

fn phases(out: &mut String, m: &Machine) {
    out.push_str("\n## Phases\n\n");
    let terminal = if m.terminal.is_empty() {
        "none".to_string()
    } else {
        list(m.terminal.iter().map(|p| code(p)))
    };
    let _ = writeln!(
        out,
        "Initial phase: {}. Terminal phases (never left): {terminal}.",
        code(&m.initial)
    );
    out.push('\n');
    table_header(out, &["Phase", "Role", "Description"]);
    for p in &m.phases {
        let mut role = Vec::new();
        if p.name == m.initial {
            role.push("initial");
        }
        if m.is_terminal(&p.name) {
            role.push("terminal");
        }
        table_row(out, &[code(&p.name), role.join(", "), inline_doc(&p.doc)]);
    }
}

fn state(out: &mut String, m: &Machine) {
    out.push_str("\n## State\n\n");
    let _ = writeln!(
        out,
        "The initial state is every field at its default, in phase {}.",
        code(&m.initial)
    );
    if m.fields.is_empty() {
        out.push_str("\nThe state has no fields besides the phase.\n");
        return;
    }
    out.push('\n');
    table_header(out, &["Field", "Type", "Default", "Description"]);
    for f in &m.fields {
        table_row(
            out,
            &[
                code(&f.name),
                code(&display::ty(&f.ty)),
                code(&display::expr(&f.default)),
                inline_doc(&f.doc),
            ],
        );
    }
}

fn types(out: &mut String, m: &Machine) {
    out.push_str("\n## Types\n");
    if m.newtypes.is_empty() && m.enums.is_empty() && m.structs.is_empty() {
        out.push_str("\nThe machine declares no types of its own.\n");
        return;
    }
    if !m.newtypes.is_empty() {
        out.push_str("\n### Newtypes\n\n");
        out.push_str(
            "Each is distinct from every other newtype, and interchangeable with its base type.\n\n",
        );
        table_header(out, &["Type", "Base", "Description"]);
        for n in &m.newtypes {
            table_row(
                out,
                &[
                    code(&n.name),
                    code(&display::ty(&n.base)),
                    inline_doc(&n.doc),
                ],
            );
        }
    }
    if !m.enums.is_empty() {
        out.push_str("\n### Enums\n");
        for e in &m.enums {
            let _ = writeln!(out, "\n#### {}", code(&e.name));
            paragraph(out, &e.doc);
            out.push('\n');
            table_header(out, &["Variant", "Description"]);
            for v in &e.variants {
                table_row(
                    out,
                    &[code(&format!("{}::{}", e.name, v.name)), inline_doc(&v.doc)],
                );
            }
        }
    }
    if !m.structs.is_empty() {
        out.push_str("\n### Structs\n");
        for s in &m.structs {
            let _ = writeln!(out, "\n#### {}", code(&s.name));
            paragraph(out, &s.doc);
            out.push('\n');
            table_header(out, &["Field", "Type", "Description"]);
            for f in &s.fields {
                table_row(
                    out,
                    &[code(&f.name), code(&display::ty(&f.ty)), inline_doc(&f.doc)],
                );
            }
        }
    }
}

/// The `Inputs` or `Effects` section.
fn messages(out: &mut String, title: &str, what: &str, list: &[Message]) {
    let _ = writeln!(out, "\n## {title}");
    if list.is_empty() {
        let _ = writeln!(out, "\nThe machine declares no {what}s.");
        return;
    }
    for msg in list {
        let _ = writeln!(out, "\n### {}", code(&msg.name));
        paragraph(out, &msg.doc);
        out.push('\n');
        if msg.fields.is_empty() {
            let _ = writeln!(out, "A signal: this {what} has no fields.");
            continue;
        }
        table_header(out, &["Field", "Type", "Description"]);
        for f in &msg.fields {
            table_row(
                out,
                &[code(&f.name), code(&display::ty(&f.ty)), inline_doc(&f.doc)],
            );
        }
    }
}

fn transitions(out: &mut String, m: &Machine) {
    out.push_str("\n## Transitions\n");
    if m.transitions.is_empty() {
        out.push_str("\nThe machine declares no transitions.\n");
        return;
    }
    out.push_str(
        "\nCandidates for an input are tried in this order; the first whose guards all hold \
         fires. Guards see the state before the transition, emits the state after it.\n",
    );
    for t in &m.transitions {
        transition(out, t);
    }
}

fn transition(out: &mut String, t: &Transition) {
    let _ = writeln!(out, "\n### {}", code(&t.name));
    out.push('\n');
    let to = match &t.to {
        Target::Same => ", staying in the phase it fired from".to_string(),
        Target::Phase(p) => format!(" to {}", code(p)),
    };
    let _ = writeln!(
        out,
        "On {} from {}{to}.",
        code(&t.input),
        list(t.from.iter().map(|p| code(p)))
    );
    paragraph(out, &t.doc);
    out.push('\n');
    if t.guards.is_empty() {
        out.push_str("Guards: none.\n");
    } else {
        out.push_str("Guards, in order:\n\n");
        for g in &t.guards {
            let _ = write!(
                out,
                "- {}: {}",
                code(&g.name),
                code(&display::expr(&g.expr))
            );
            let doc = inline_doc(&g.doc);
            if !doc.is_empty() {
                let _ = write!(out, " — {doc}");
            }
            out.push('\n');
        }
    }
    if !t.update.is_empty() {
        out.push_str("\nUpdate:\n\n");
        fenced(out, "machine", &display::stmts(&t.update, 0));
    }
    if !t.emits.is_empty() {
        out.push_str("\nEmits, in order:\n\n");
        for e in &t.emits {
            let _ = writeln!(out, "- {}", code(&display::emit(e)));
        }
    }
}

fn invariants(out: &mut String, m: &Machine) {
    out.push_str("\n## Invariants\n\n");
    if m.invariants.is_empty() {
        out.push_str("The machine declares no invariants.\n");
        return;
    }
    out.push_str(
        "Checked in this order after every transition when invariant checking is on; \
         a violation rejects the input and restores the previous state.\n\n",
    );
    for i in &m.invariants {
        let _ = write!(
            out,
            "- {}: {}",
            code(&i.name),
            code(&display::expr(&i.expr))
        );
        let doc = inline_doc(&i.doc);
        if !doc.is_empty() {
            let _ = write!(out, " — {doc}");
        }
        out.push('\n');
    }
}

fn dispatch_table(out: &mut String, m: &Machine) {
    out.push_str("\n## Dispatch\n\n");
    if m.inputs.is_empty() {
        out.push_str("The machine declares no inputs.\n");
        return;
    }
    out.push_str(
        "Candidate transitions for each input in each phase, in the order they are tried. \
         `—`: the input is rejected as not handled in that phase.\n\n",
    );
    let mut header = vec!["Phase".to_string()];
    header.extend(m.inputs.iter().map(|i| code(&i.name)));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table_header(out, &header);
    for p in &m.phases {
        let mut row = vec![code(&p.name)];
        for input in &m.inputs {
            let names: Vec<String> = m
                .candidates(&input.name, &p.name)
                .map(|t| code(&t.name))
                .collect();
            row.push(if names.is_empty() {
                "—".to_string()
            } else {
                names.join(", ")
            });
        }
        table_row(out, &row);
    }
}

fn diagram(out: &mut String, m: &Machine) {
    out.push_str("\n## State diagram\n\n");
    let ids = MermaidIds::new(m);
    let mut text = String::from("stateDiagram-v2\n");
    for (name, id) in &ids.aliased {
        let _ = writeln!(text, "    state \"{name}\" as {id}");
    }
    let _ = writeln!(text, "    [*] --> {}", ids.id(&m.initial));
    // One edge per (from, to) pair, in order of first appearance, labelled with every
    // transition that takes it.
    let mut edges: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for t in &m.transitions {
        for from in &t.from {
            let to = t.target(from);
            let label = format!("{} / {}", t.input, t.name);
            match edges.iter_mut().find(|(f, d, _)| *f == from && *d == to) {
                Some((_, _, labels)) => labels.push(label),
                None => edges.push((from, to, vec![label])),
            }
        }
    }
    for (from, to, labels) in &edges {
        let _ = writeln!(
            text,
            "    {} --> {} : {}",
            ids.id(from),
            ids.id(to),
            labels.join("<br/>")
        );
    }
    for p in &m.phases {
        if m.is_terminal(&p.name) {
            let _ = writeln!(text, "    {} --> [*]", ids.id(&p.name));
        }
    }
    fenced(out, "mermaid", &text);
}

/// Mermaid state ids: the phase name itself unless Mermaid reads it as a keyword, in
/// which case a fresh id is declared with the name as its label.
struct MermaidIds {
    aliased: Vec<(String, String)>,
}

impl MermaidIds {
    const KEYWORDS: [&'static str; 14] = [
        "state",
        "note",
        "end",
        "as",
        "direction",
        "class",
        "classdef",
        "style",
        "click",
        "hide",
        "scale",
        "acctitle",
        "accdescr",
        "default",
    ];

    fn new(m: &Machine) -> Self {
        let mut aliased = Vec::new();
        for p in &m.phases {
            if Self::KEYWORDS.contains(&p.name.to_ascii_lowercase().as_str()) {
                let mut id = format!("phase_{}", p.name);
                while m.phases.iter().any(|q| q.name == id) || aliased.iter().any(|(_, a)| *a == id)
                {
                    id.push('_');
                }
                aliased.push((p.name.clone(), id));
            }
        }
        MermaidIds { aliased }
    }

    fn id<'a>(&'a self, phase: &'a str) -> &'a str {
        self.aliased
            .iter()
            .find(|(name, _)| name == phase)
            .map_or(phase, |(_, id)| id.as_str())
    }
}

/// Doc lines as a Markdown paragraph (blank doc lines separate paragraphs), preceded by
/// a blank line; nothing for an empty doc.
fn paragraph(out: &mut String, doc: &[String]) {
    let text = doc.join("\n");
    let text = text.trim();
    if !text.is_empty() {
        let _ = writeln!(out, "\n{text}");
    }
}

/// Doc lines on one line, for a table cell or a list item.
fn inline_doc(doc: &[String]) -> String {
    doc.iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An inline code span that survives backticks in its content.
fn code(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`') + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// A fenced code block that survives backtick runs in its content.
fn fenced(out: &mut String, lang: &str, body: &str) {
    let fence = "`".repeat((longest_run(body, '`') + 1).max(3));
    let _ = writeln!(out, "{fence}{lang}");
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "{fence}");
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn table_header(out: &mut String, titles: &[&str]) {
    let cells: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    table_row(out, &cells);
    out.push('|');
    for _ in titles {
        out.push_str("---|");
    }
    out.push('\n');
}

fn table_row(out: &mut String, cells: &[String]) {
    out.push('|');
    for c in cells {
        let c = cell(c);
        if c.is_empty() {
            out.push_str(" |");
        } else {
            let _ = write!(out, " {c} |");
        }
    }
    out.push('\n');
}

/// A table cell: one line, `|` escaped (also inside code spans, as GFM requires).
fn cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::*;

    fn e(kind: ExprKind, ty: Ty) -> Expr {
        Expr { kind, ty }
    }

    fn field(name: &str, ty: Ty) -> Field {
        Field {
            name: name.into(),
            doc: vec![],
            ty,
        }
    }

    fn phase(name: &str, doc: &[&str]) -> PhaseDecl {
        PhaseDecl {
            name: name.into(),
            doc: doc.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A small machine exercising every section.
    fn sample() -> Machine {
        let count = e(ExprKind::SelfField("count".into()), Ty::U64);
        let flag = e(ExprKind::SelfField("open".into()), Ty::Bool);
        Machine {
            name: "Door".into(),
            name_span: Default::default(),
            doc: vec!["A door.".into(), "".into(), "With a | pipe.".into()],
            newtypes: vec![Newtype {
                name: "Label".into(),
                doc: vec!["Shown | somewhere.".into()],
                base: Ty::String,
            }],
            enums: vec![Enum {
                name: "Side".into(),
                doc: vec![],
                variants: vec![
                    Variant {
                        name: "In".into(),
                        doc: vec!["Inside.".into()],
                    },
                    Variant {
                        name: "Out".into(),
                        doc: vec![],
                    },
                ],
            }],
            structs: vec![],
            phases: vec![
                phase("Closed", &["Shut."]),
                phase("Open", &[]),
                phase("note", &[]),
                phase("Gone", &[]),
            ],
            initial: "Closed".into(),
            terminal: vec!["Gone".into()],
            fields: vec![
                StateField {
                    name: "count".into(),
                    doc: vec!["Times opened.".into()],
                    ty: Ty::U64,
                    default: e(ExprKind::U64(0), Ty::U64),
                },
                StateField {
                    name: "label".into(),
                    doc: vec![],
                    ty: Ty::Newtype("Label".into()),
                    default: e(
                        ExprKind::Coerce(Box::new(e(ExprKind::Str("a|`b".into()), Ty::String))),
                        Ty::Newtype("Label".into()),
                    ),
                },
            ],
            inputs: vec![
                Message {
                    name: "Push".into(),
                    doc: vec!["Someone pushes.".into()],
                    fields: vec![field("side", Ty::Enum("Side".into()))],
                },
                Message {
                    name: "Burn".into(),
                    doc: vec![],
                    fields: vec![],
                },
            ],
            effects: vec![Message {
                name: "Opened".into(),
                doc: vec![],
                fields: vec![field("count", Ty::U64)],
            }],
            transitions: vec![
                Transition {
                    name: "open".into(),
                    doc: vec!["Opens it.".into()],
                    input: "Push".into(),
                    from: vec!["Closed".into()],
                    to: Target::Phase("Open".into()),
                    guards: vec![Guard {
                        name: "not_open".into(),
                        doc: vec!["Only once.".into()],
                        expr: e(
                            ExprKind::Binary(
                                BinOp::Or,
                                Box::new(e(ExprKind::Not(Box::new(flag.clone())), Ty::Bool)),
                                Box::new(flag),
                            ),
                            Ty::Bool,
                        ),
                    }],
                    update: vec![Stmt::AddAssign {
                        field: "count".into(),
                        value: e(ExprKind::U64(1), Ty::U64),
                    }],
                    emits: vec![Emit {
                        effect: "Opened".into(),
                        fields: vec![("count".into(), count.clone())],
                    }],
                },
                Transition {
                    name: "close".into(),
                    doc: vec![],
                    input: "Push".into(),
                    from: vec!["Open".into(), "note".into()],
                    to: Target::Phase("Closed".into()),
                    guards: vec![],
                    update: vec![],
                    emits: vec![],
                },
                Transition {
                    name: "wiggle".into(),
                    doc: vec![],
                    input: "Push".into(),
                    from: vec!["Open".into()],
                    to: Target::Same,
                    guards: vec![],
                    update: vec![],
                    emits: vec![],
                },
                Transition {
                    name: "burn".into(),
                    doc: vec![],
                    input: "Burn".into(),
                    from: vec!["Closed".into(), "Open".into()],
                    to: Target::Phase("Gone".into()),
                    guards: vec![],
                    update: vec![],
                    emits: vec![],
                },
                Transition {
                    name: "ash".into(),
                    doc: vec![],
                    input: "Burn".into(),
                    from: vec!["Gone".into()],
                    to: Target::Same,
                    guards: vec![],
                    update: vec![],
                    emits: vec![],
                },
            ],
            invariants: vec![Invariant {
                name: "counted".into(),
                doc: vec![],
                expr: e(
                    ExprKind::Binary(
                        BinOp::Implies,
                        Box::new(e(
                            ExprKind::Binary(
                                BinOp::Eq,
                                Box::new(e(ExprKind::SelfField("phase".into()), Ty::Phase)),
                                Box::new(e(ExprKind::Phase("Open".into()), Ty::Phase)),
                            ),
                            Ty::Bool,
                        )),
                        Box::new(e(
                            ExprKind::Binary(
                                BinOp::Gt,
                                Box::new(count),
                                Box::new(e(ExprKind::U64(0), Ty::U64)),
                            ),
                            Ty::Bool,
                        )),
                    ),
                    Ty::Bool,
                ),
            }],
        }
    }

    #[test]
    fn header_and_title() {
        let md = generate(&sample(), "spec/door.machine");
        assert!(md.starts_with(
            "<!-- @generated from spec/door.machine by `cargo xtask gen`; do not edit. -->\n\n# Door\n\nA door.\n\nWith a | pipe.\n"
        ));
        assert!(md.ends_with("```\n") && !md.ends_with("\n\n"));
    }

    #[test]
    fn deterministic() {
        let m = sample();
        assert_eq!(generate(&m, "a"), generate(&m, "a"));
    }

    #[test]
    fn tables_escape_pipes_and_mark_roles() {
        let md = generate(&sample(), "spec/door.machine");
        assert!(md.contains("| `Closed` | initial | Shut. |\n"));
        assert!(md.contains("| `Gone` | terminal | |\n"));
        assert!(md.contains("| `Label` | `string` | Shown \\| somewhere. |\n"));
        // The default is written as in the spec (coercion invisible), with the pipe
        // escaped and a longer fence around the backtick.
        assert!(md.contains("| `label` | `Label` | ``\"a\\|`b\"`` | |\n"));
        assert!(md.contains("| `Side::In` | Inside. |\n"));
        assert!(md.contains("A signal: this input has no fields.\n"));
    }

    #[test]
    fn transitions_written_out() {
        let md = generate(&sample(), "spec/door.machine");
        assert!(md.contains("### `open`\n\nOn `Push` from `Closed` to `Open`.\n\nOpens it.\n"));
        assert!(md.contains("- `not_open`: `!self.open || self.open` — Only once.\n"));
        assert!(md.contains("Update:\n\n```machine\nself.count += 1;\n```\n"));
        assert!(md.contains("Emits, in order:\n\n- `Opened { count: self.count }`\n"));
        assert!(md.contains(
            "On `Push` from `Open`, staying in the phase it fired from.\n\nGuards: none.\n"
        ));
        assert!(md.contains("- `counted`: `self.phase == Phase::Open implies self.count > 0`\n"));
    }

    #[test]
    fn dispatch_table_lists_candidates_in_order() {
        let md = generate(&sample(), "spec/door.machine");
        assert!(md.contains("| Phase | `Push` | `Burn` |\n|---|---|---|\n"));
        assert!(md.contains("| `Closed` | `open` | `burn` |\n"));
        assert!(md.contains("| `Open` | `close`, `wiggle` | `burn` |\n"));
        assert!(md.contains("| `note` | `close` | — |\n"));
        assert!(md.contains("| `Gone` | — | `ash` |\n"));
    }

    #[test]
    fn mermaid_diagram() {
        let md = generate(&sample(), "spec/door.machine");
        let start = md.find("```mermaid\n").expect("a mermaid block");
        let diagram = &md[start..];
        let expected = "```mermaid
stateDiagram-v2
    state \"note\" as phase_note
    [*] --> Closed
    Closed --> Open : Push / open
    Open --> Closed : Push / close
    phase_note --> Closed : Push / close
    Open --> Open : Push / wiggle
    Closed --> Gone : Burn / burn
    Open --> Gone : Burn / burn
    Gone --> Gone : Burn / ash
    Gone --> [*]
```
";
        assert_eq!(diagram, expected);
    }

    #[test]
    fn edges_with_several_transitions_share_one_line() {
        let mut m = sample();
        m.transitions[2].to = Target::Phase("Closed".into());
        let md = generate(&m, "x");
        assert!(md.contains("    Open --> Closed : Push / close<br/>Push / wiggle\n"));
    }

    #[test]
    fn code_spans_and_fences() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        let mut out = String::new();
        fenced(&mut out, "machine", "x = \"```\";\n");
        assert_eq!(out, "````machine\nx = \"```\";\n````\n");
    }

    #[test]
    fn empty_sections_say_so() {
        let mut m = sample();
        m.newtypes.clear();
        m.enums.clear();
        m.fields.clear();
        m.effects.clear();
        m.invariants.clear();
        let md = generate(&m, "x");
        assert!(md.contains("The machine declares no types of its own."));
        assert!(md.contains("The state has no fields besides the phase."));
        assert!(md.contains("The machine declares no effects."));
        assert!(md.contains("The machine declares no invariants."));
    }

    /// A phase that is both initial and terminal is listed with both roles.
    #[test]
    fn an_initial_phase_that_is_terminal_has_both_roles() {
        let mut m = sample();
        m.terminal.push(m.initial.clone());
        let md = generate(&m, "spec/door.machine");
        assert!(
            md.contains("| `Closed` | initial, terminal | Shut. |\n"),
            "{md}"
        );
    }
}
