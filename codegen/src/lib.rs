//! Suricate's spec toolchain: `.machine` source -> spanned AST (pest) -> checked, typed IR
//! -> Rust kernel module (syn/quote/prettyplease) and Markdown reference.
//!
//! The entry point for tools and `build.rs` scripts is [`generate`].

pub mod ast;
mod check;
pub mod diagnostics;
pub mod display;
pub mod interpreter;
pub mod ir;
mod markdown;
mod parse;
mod rust;

pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};

/// Everything generated from one spec file.
#[derive(Debug, Clone)]
pub struct Output {
    /// One entry per machine, in source order.
    pub machines: Vec<MachineOutput>,
    /// Warnings (never errors): the spec generated, but something deserves a look.
    pub warnings: Diagnostics,
}

/// The generated artefacts of one machine.
#[derive(Debug, Clone)]
pub struct MachineOutput {
    /// The machine's name as written (`Download`).
    pub name: String,
    /// Where that name is in the spec: line and column, from 1 (the column in characters).
    pub line: usize,
    pub column: usize,
    /// The Rust module name (`download`).
    pub module: String,
    /// The module's body: a formatted Rust file, used as `mod download;`.
    pub rust: String,
    /// The machine's Markdown reference.
    pub markdown: String,
}

impl Output {
    /// All machines in one Rust file, each as `pub mod <module> { ... }`: what
    /// `cargo xtask gen SPEC --out FILE` writes.
    pub fn rust_file(&self, spec_path: &str) -> String {
        rust::combined_file(spec_path, &self.machines)
    }
}

/// Parses and checks `source` (read from `path`, used only in messages and headers).
/// On success returns the IR and the warnings.
pub fn check(source: &str, path: &str) -> Result<(ir::Spec, Diagnostics), Diagnostics> {
    let source = without_bom(source);
    let file = parse::parse_all(source).map_err(|d| Diagnostics::new(path, source, d))?;
    let (spec, diagnostics) = check::check(&file);
    let diagnostics = Diagnostics::new(path, source, diagnostics);
    match spec {
        Some(spec) if !diagnostics.has_errors() => Ok((spec, diagnostics)),
        _ => Err(diagnostics),
    }
}

/// `source` without the byte-order mark some editors put at the start of a UTF-8 file: it
/// is no part of the spec (kept, it would be a syntax error about an invisible character).
/// Spans then count from after it, and the rendered source lines lack it, so columns on
/// the first line are the ones an editor shows.
fn without_bom(source: &str) -> &str {
    source.strip_prefix('\u{feff}').unwrap_or(source)
}

/// The line and column (from 1; the column in characters) of byte `offset` of `source`.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Generates the Rust module and Markdown reference of every machine in `source`.
///
/// `path` names the spec in diagnostics and in the generated header; pass it relative to
/// the workspace root so output does not depend on where it was generated.
pub fn generate(source: &str, path: &str) -> Result<Output, Diagnostics> {
    let source = without_bom(source);
    let (spec, warnings) = check(source, path)?;
    let machines = spec
        .machines
        .iter()
        .map(|m| {
            let (line, column) = line_col(source, m.name_span.start);
            MachineOutput {
                name: m.name.clone(),
                line,
                column,
                module: rust::module_name(&m.name),
                rust: rust::generate(m, path),
                markdown: markdown::generate(m, path),
            }
        })
        .collect();
    Ok(Output { machines, warnings })
}
