//! Name resolution and type checking: spanned AST -> typed IR plus diagnostics.
//!
//! Every problem is reported in one run. A sub-check that has already reported its
//! problem returns `Err(Reported)`, and callers propagate that silently, so one mistake
//! yields one diagnostic instead of a cascade.

mod establish;
mod expr;
mod items;
mod names;
mod stmt;
mod transitions;
mod types;
mod warnings;

#[cfg(test)]
mod tests;

use crate::ast::{self, Span};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::ir::{self, Ty};
use std::collections::{HashMap, HashSet};

/// Marker: the problem has already been reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;

pub(crate) type Checked<T> = Result<T, Reported>;

/// Checks every machine of `file`. The IR is returned only when no error was found.
pub fn check(file: &ast::File) -> (Option<ir::Spec>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if file.machines.is_empty() {
        // Generating it removes whatever it generated before: worth a word.
        diags.push(
            Diagnostic::new(
                Code::NoMachine,
                Span::new(0, 0),
                "this file declares no machine",
            )
            .label("nothing is generated from it")
            .help("declare one with `machine Name { .. }`, or delete the file"),
        );
    }
    names::check_machine_names(file, &mut diags);
    let machines: Vec<Option<ir::Machine>> = file
        .machines
        .iter()
        .map(|m| Checker::new(&mut diags).machine(m))
        .collect();
    if !diags.iter().any(|d| d.severity() == Severity::Error) {
        for (m, checked) in file.machines.iter().zip(&machines) {
            if let Some(checked) = checked {
                initial_invariants(m, checked, &mut diags);
            }
        }
    }
    let has_errors = diags.iter().any(|d| d.severity() == Severity::Error);
    let spec = if has_errors {
        None
    } else {
        machines
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .map(|machines| ir::Spec { machines })
    };
    (spec, diags)
}

/// Reports each invariant that does not hold in the initial state (`E0306`): no
/// transition has run, so the kernel would start out inconsistent. Evaluated by the
/// reference interpreter on a machine that checked without errors.
fn initial_invariants(m: &ast::Machine, checked: &ir::Machine, diags: &mut Vec<Diagnostic>) {
    let start = crate::interpreter::Interpreter::new(checked);
    for broken in start.broken_invariants() {
        let Some(def) = m.items.iter().find_map(|item| match item {
            ast::Item::Invariant(def) if def.name.name == broken.name => Some(def),
            _ => None,
        }) else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                Code::InitialInvariant,
                def.name.span,
                format!(
                    "invariant `{}` does not hold in the initial state",
                    broken.name
                ),
            )
            .label(match start.invariant_fault(broken) {
                Some(fault) => format!(
                    "faults ({fault}) with every field at its default and the phase `{}`",
                    checked.initial
                ),
                None => format!(
                    "not true with every field at its default and the phase `{}`",
                    checked.initial
                ),
            })
            .help("change the defaults in `state { .. }` or `initial`, or the invariant"),
        );
    }
}

/// A message type (input or effect) as far as it resolved.
#[derive(Debug, Clone)]
pub(crate) struct MessageInfo {
    pub name: String,
    pub span: Span,
    /// Field name and type; `None` when the type did not resolve (already reported).
    pub fields: Vec<(String, Option<Ty>)>,
}

/// What a declared type name stands for.
#[derive(Debug, Clone)]
pub(crate) enum TypeDecl {
    /// A newtype; `None` when its base is invalid (already reported).
    Newtype(Option<Ty>),
    Enum(Vec<String>),
    Struct(Vec<(String, Option<Ty>)>),
}

/// The declarations of one machine, as far as they resolved.
#[derive(Debug, Default)]
pub(crate) struct Env {
    /// Declared types by name (first declaration wins).
    pub types: HashMap<String, TypeDecl>,
    /// Declared type names in declaration order (for suggestions).
    pub type_names: Vec<String>,
    /// Phases in declaration order; `None` when the machine has no `phases` item, in which
    /// case phase names are not checked (the missing item is reported once).
    pub phases: Option<Vec<String>>,
    pub terminal: Vec<String>,
    pub fields: Vec<(String, Option<Ty>)>,
    pub inputs: Vec<MessageInfo>,
    pub effects: Vec<MessageInfo>,
}

impl Env {
    pub fn newtype_base(&self, name: &str) -> Option<&Ty> {
        match self.types.get(name) {
            Some(TypeDecl::Newtype(Some(base))) => Some(base),
            _ => None,
        }
    }

    pub fn struct_fields(&self, name: &str) -> Option<&[(String, Option<Ty>)]> {
        match self.types.get(name) {
            Some(TypeDecl::Struct(fields)) => Some(fields),
            _ => None,
        }
    }

    pub fn enum_variants(&self, name: &str) -> Option<&[String]> {
        match self.types.get(name) {
            Some(TypeDecl::Enum(variants)) => Some(variants),
            _ => None,
        }
    }

    pub fn field(&self, name: &str) -> Option<&(String, Option<Ty>)> {
        self.fields.iter().find(|(n, _)| n == name)
    }

    pub fn input(&self, name: &str) -> Option<&MessageInfo> {
        self.inputs.iter().find(|m| m.name == name)
    }

    pub fn effect(&self, name: &str) -> Option<&MessageInfo> {
        self.effects.iter().find(|m| m.name == name)
    }

    pub fn has_phase(&self, name: &str) -> bool {
        self.phases
            .as_ref()
            .is_none_or(|phases| phases.iter().any(|p| p == name))
    }

    /// `base` itself for non-newtypes; the base type for a newtype.
    pub fn base_of<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        match ty {
            Ty::Newtype(n) => self.newtype_base(n).unwrap_or(ty),
            _ => ty,
        }
    }

    /// `u64`, `i64` or a newtype over one of them.
    pub fn is_numeric(&self, ty: &Ty) -> bool {
        matches!(self.base_of(ty), Ty::U64 | Ty::I64)
    }

    /// Types with `<`: numbers, strings and newtypes over them.
    pub fn is_ordered(&self, ty: &Ty) -> bool {
        matches!(self.base_of(ty), Ty::U64 | Ty::I64 | Ty::String)
    }
}

/// Facts recorded while checking transitions, for the machine-wide checks that follow.
#[derive(Debug)]
pub(crate) struct TransitionSummary {
    pub name: ast::Ident,
    /// `None` when the input did not resolve (the phases still count for reachability).
    pub input: Option<String>,
    pub from: Vec<String>,
    pub target: ir::Target,
    pub guardless: bool,
}

/// Checks one machine at a time, collecting diagnostics into a shared list.
pub(crate) struct Checker<'d> {
    diags: &'d mut Vec<Diagnostic>,
    env: Env,
    /// Effects emitted anywhere (for W0403).
    emitted: HashSet<String>,
    /// Inputs some transition is declared on (for W0402).
    handled: HashSet<String>,
    /// Set when some reference could not be resolved; machine-wide warnings that depend
    /// on complete information are then skipped instead of guessing.
    incomplete_inputs: bool,
    incomplete_phases: bool,
    incomplete_effects: bool,
    /// E0303s reported in guards, by diagnostic index, with the fact each one lacks: a
    /// later guard of the same transition may establish it (then the help says to move it).
    unestablished_in_guards: Vec<(usize, ir::Expr)>,
}

impl<'d> Checker<'d> {
    fn new(diags: &'d mut Vec<Diagnostic>) -> Self {
        Checker {
            diags,
            env: Env::default(),
            emitted: HashSet::new(),
            handled: HashSet::new(),
            unestablished_in_guards: Vec::new(),
            incomplete_inputs: false,
            incomplete_phases: false,
            incomplete_effects: false,
        }
    }

    /// Records a diagnostic and returns the marker that stops further reports about it.
    fn report(&mut self, d: Diagnostic) -> Reported {
        self.diags.push(d);
        Reported
    }

    fn error_count(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    /// E0201 "expected `T`, found `U`".
    fn mismatch(&mut self, span: Span, expected: &Ty, found: &Ty) -> Reported {
        let d = Diagnostic::new(
            Code::TypeMismatch,
            span,
            format!(
                "expected `{}`, found `{}`",
                expected.spec_name(),
                found.spec_name()
            ),
        )
        .label(format!("this is `{}`", found.spec_name()));
        let d = match self.option_hint(expected, found) {
            Some(help) => d.help(help),
            None => d,
        };
        self.report(d)
    }

    /// For an `Option` where its element is expected, or the other way round (the element
    /// as written, or a newtype for its base or its base for the newtype): what to write.
    fn option_hint(&self, expected: &Ty, found: &Ty) -> Option<&'static str> {
        let fits = |a: &Ty, b: &Ty| {
            a == b
                || matches!(a, Ty::Newtype(n) if self.env.newtype_base(n) == Some(b))
                || matches!(b, Ty::Newtype(n) if self.env.newtype_base(n) == Some(a))
        };
        match (expected, found) {
            (Ty::Option(inner), _) if fits(inner, found) => {
                Some("an `Option` holds a value as `some(..)`: write `some(...)` around it")
            }
            (_, Ty::Option(inner)) if fits(inner, expected) => Some(
                "it may be `none`: `.unwrap()` it where a guard establishes it has a value (a map entry reads as `m[k]`, with `k in m` established)",
            ),
            _ => None,
        }
    }

    /// Checks one machine; returns its IR when the machine itself is free of errors.
    fn machine(mut self, m: &ast::Machine) -> Option<ir::Machine> {
        let errors_before = self.error_count();
        let machine = self.machine_items(m);
        (self.error_count() == errors_before)
            .then_some(machine)
            .flatten()
    }
}
