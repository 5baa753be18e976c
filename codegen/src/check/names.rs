//! Namespaces, duplicate detection and names the generated Rust cannot use.

use super::Checker;
use crate::ast::{self, Ident, Span};
use crate::diagnostics::{Code, Diagnostic};
use crate::rust::camel_case;
use std::collections::HashMap;

/// Rust's strict and reserved keywords (2024 edition), plus `_`.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "_",
];

/// Names the generated module defines or uses unqualified; a user type may not shadow them.
/// (Traits and items of `std` and `serde` that are not listed here are written with full
/// paths in the generated code.)
const GENERATED_NAMES: &[&str] = &[
    "State",
    "Phase",
    "Input",
    "InputKind",
    "Effect",
    "EffectKind",
    "Transition",
    "TransitionId",
    "Rejection",
    "RejectReason",
    "FailedGuard",
    "Fault",
    "InvariantViolation",
    "RollbackError",
    "Authority",
    "Machine",
    "Undo",
    "UndoStep",
    "UndoLog",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "VecDeque",
    "BTreeMap",
    "OrdMap",
    "BTreeSet",
    "Box",
    "Default",
    "Preview",
    "TransitionInfo",
    "TRANSITIONS",
    "Serialize",
    "Deserialize",
    "From",
];

/// Rust's primitive types (`bool`, `u64` and `i64` are built-in spec types). The
/// generated code and serde's derives name them unqualified (`usize`, `&str`, `&[u8]`),
/// so a spec type may not shadow them.
const RUST_PRIMITIVES: &[&str] = &[
    "u8", "u16", "u32", "u128", "usize", "i8", "i16", "i32", "i128", "isize", "f32", "f64", "char",
    "str",
];

/// The standard library's crates, which the generated code names in paths (`std::...`).
const STD_CRATES: &[&str] = &["std", "core", "alloc"];

/// Variant names of the generated fieldless enums (phases, the spec's enums, inputs and
/// effects) that would collide with their generated constants `ALL` and `Phase::INITIAL`.
const GENERATED_CONSTS: &[&str] = &["ALL", "INITIAL"];

/// Parameters and locals of generated transition functions, and the prelude's variants;
/// input fields and loop variables are bound next to them by name.
const GENERATED_LOCALS: &[&str] = &[
    "state",
    "undo",
    "effects",
    "input",
    "guard",
    "holds",
    "Some",
    "None",
    "Ok",
    "Err",
    // What a transition function calls a parameter it does not use: an input field of
    // that name would be a second parameter of the same name.
    "_state",
    "_undo",
    "_effects",
    // Value-level items of the generated module: a binding of that name would be read as
    // a pattern matching them.
    "Machine",
    "UndoLog",
    "TRANSITIONS",
];

/// Prefixes of generated locals: `old_f` holds the pre-state of `self.f` for `old(..)`, and
/// dispatch keeps each candidate's failing guard in `failed_0`, `failed_1`, ...
const GENERATED_LOCAL_PREFIXES: &[&str] = &["old_", "failed_"];

/// Locals of the generated code that spec variables may share a name with: they are
/// bound after the spec expressions that could read such a variable are evaluated (`entry`
/// is bound around them, and the generator binds it only where none reads a name `entry`).
/// A type may not take these names, because a newtype is a tuple struct, which no Rust
/// binding may shadow.
const GENERATED_HELPER_LOCALS: &[&str] = &[
    "entry", "k", "value", "old", "new", "x", "f", "log", "step", "steps", "phase",
];

/// Functions of the generated module. A newtype is a tuple struct, whose constructor
/// shares the value namespace with them, so no type may take these names.
const GENERATED_FUNCTIONS: &[&str] = &["dispatch", "check_invariants", "undo"];

/// Prefixes of generated functions: `fire_<transition>`, `guards_<transition>` and
/// `invariant_<invariant>`.
const GENERATED_FUNCTION_PREFIXES: &[&str] = &["fire_", "guards_", "invariant_"];

/// Type names the language provides.
pub(crate) const BUILTIN_TYPES: &[&str] = &[
    "bool", "u64", "i64", "string", "Phase", "Option", "Seq", "Set", "Map",
];

pub(crate) fn is_rust_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

/// One namespace: remembers where each name was first declared.
pub(crate) struct Namespace {
    /// What the names are, for messages ("phase", "field").
    what: String,
    /// Where the namespace lives, for messages (" in struct `Chunk`"), or empty.
    owner: String,
    seen: HashMap<String, Span>,
}

impl Namespace {
    pub fn new(what: impl Into<String>) -> Self {
        Namespace {
            what: what.into(),
            owner: String::new(),
            seen: HashMap::new(),
        }
    }

    /// A namespace inside a declaration, e.g. the fields of `struct Chunk`.
    pub fn within(mut self, owner: impl std::fmt::Display) -> Self {
        self.owner = format!(" in {owner}");
        self
    }
}

impl Checker<'_> {
    /// Declares `id` in `ns`; reports E0102 and returns `false` if it is already there.
    pub(crate) fn declare(&mut self, ns: &mut Namespace, id: &Ident) -> bool {
        if let Some(first) = ns.seen.get(&id.name) {
            let d = Diagnostic::new(
                Code::DuplicateName,
                id.span,
                format!(
                    "the {} `{}` is declared twice{}",
                    ns.what, id.name, ns.owner
                ),
            )
            .label("declared again here")
            .secondary(*first, "first declared here");
            self.report(d);
            false
        } else {
            ns.seen.insert(id.name.clone(), id.span);
            true
        }
    }

    /// Reports E0103 if `id` is a Rust keyword or starts with `__` (see
    /// [`reserved_prefix_diagnostic`]); `what` names the kind of declaration.
    pub(crate) fn check_keyword(&mut self, id: &Ident, what: &str) -> bool {
        if let Some(d) = reserved_prefix_diagnostic(id, what) {
            self.report(d);
            false
        } else if is_rust_keyword(&id.name) {
            let d = Diagnostic::new(
                Code::ReservedName,
                id.span,
                format!(
                    "`{}` is a Rust keyword and cannot name {}",
                    id.name,
                    a_or_an(what)
                ),
            )
            .label("reserved name")
            .help("choose another name");
            self.report(d);
            false
        } else {
            true
        }
    }

    /// Reports E0103 for an input field or loop variable that would clash with a local of
    /// the generated transition functions (they are bound by name there).
    pub(crate) fn check_local_name(&mut self, id: &Ident, what: &str) -> bool {
        if !self.check_keyword(id, what) {
            return false;
        }
        // A newtype is a tuple struct, a name in the same namespace as locals; the other
        // declared types are refused too, so a name never means both a type and a value.
        if self.env.type_names.contains(&id.name) {
            let d = Diagnostic::new(
                Code::ReservedName,
                id.span,
                format!(
                    "`{}` is the name of a declared type and cannot name {}",
                    id.name,
                    a_or_an(what)
                ),
            )
            .label("reserved name")
            .help(format!("choose another name for this {what}"));
            self.report(d);
            return false;
        }
        self.check_not_generated_local(id, what, &[])
    }

    /// Reports E0103 for a name that is a local of the generated code: one of
    /// `GENERATED_LOCALS` or `extra`, or a name with a reserved prefix.
    fn check_not_generated_local(&mut self, id: &Ident, what: &str, extra: &[&str]) -> bool {
        let name = id.name.as_str();
        let reserved = GENERATED_LOCALS.contains(&name)
            || extra.contains(&name)
            || GENERATED_LOCAL_PREFIXES.iter().any(|p| name.starts_with(p));
        if !reserved {
            return true;
        }
        let listed: Vec<&str> = GENERATED_LOCALS.iter().chain(extra).copied().collect();
        let d = Diagnostic::new(
            Code::ReservedName,
            id.span,
            format!("`{name}` clashes with a local of the generated Rust code"),
        )
        .label("reserved name")
        .help(format!(
            "choose another name for this {what}; reserved: {} and names starting with `old_` or `failed_`",
            listed.join(", ")
        ));
        self.report(d);
        false
    }

    /// Reports E0103 for a phase, enum variant, input or effect named like a constant
    /// of the generated enum it becomes a variant of (`ALL`, `INITIAL`).
    pub(crate) fn check_variant_name(&mut self, id: &Ident, what: &str) -> bool {
        if !self.check_keyword(id, what) {
            return false;
        }
        if GENERATED_CONSTS.contains(&id.name.as_str()) {
            let d = Diagnostic::new(
                Code::ReservedName,
                id.span,
                format!(
                    "`{}` clashes with a constant of the generated Rust enum",
                    id.name
                ),
            )
            .label("reserved name")
            .help(format!(
                "choose another name for this {what}; reserved: {}",
                GENERATED_CONSTS.join(", ")
            ));
            self.report(d);
            return false;
        }
        true
    }

    /// Reports E0103 for a transition or state field whose UpperCamelCase form (see
    /// [`camel_case`]) cannot be a Rust identifier.
    pub(crate) fn check_camel_name(&mut self, id: &Ident, what: &str) -> bool {
        let becomes = match what {
            "transition" => {
                "a transition becomes a variant of the generated `TransitionId` enum, \
                             named in UpperCamelCase"
            }
            _ => {
                "a state field names the variants of the generated `UndoStep` enum in \
                  UpperCamelCase (`{Field}Replaced`, ...)"
            }
        };
        match unusable_conversion_diagnostic(id, what, becomes) {
            Some(d) => {
                self.report(d);
                false
            }
            None => true,
        }
    }

    /// Reports E0103 for a transition whose `TransitionId` variant (its UpperCamelCase
    /// form) cannot be an identifier, is a keyword (`self_` -> `Self`) or is a constant of
    /// the generated enum (`a_l_l` -> `ALL`).
    pub(crate) fn check_transition_variant(&mut self, id: &Ident) -> bool {
        if !self.check_camel_name(id, "transition") {
            return false;
        }
        let variant = camel_case(&id.name);
        let why = if is_rust_keyword(&variant) {
            "a Rust keyword".to_string()
        } else if GENERATED_CONSTS.contains(&variant.as_str()) {
            format!(
                "the name of a constant of the generated enum (reserved: {})",
                GENERATED_CONSTS.join(", ")
            )
        } else {
            return true;
        };
        let d = Diagnostic::new(
            Code::ReservedName,
            id.span,
            format!(
                "transition `{}` would become `TransitionId::{variant}` in Rust",
                id.name
            ),
        )
        .label("reserved name once converted")
        .help(format!(
            "a transition becomes a variant of the generated `TransitionId` enum, named in \
             UpperCamelCase, and `{variant}` is {why}: choose another name for this transition"
        ));
        self.report(d);
        false
    }

    /// Reports E0103 for a type name that is a keyword or a name the generated code uses.
    pub(crate) fn check_type_name(&mut self, id: &Ident) -> bool {
        if !self.check_keyword(id, "type") {
            return false;
        }
        let name = id.name.as_str();
        let choose = "choose another name for this type";
        // What the name clashes with in the generated code, and why.
        let clash = if RUST_PRIMITIVES.contains(&name) {
            Some((
                "a name used by",
                format!(
                    "`{name}` is a Rust primitive type, which the generated code and serde's \
                     derives name unqualified (as in `&[u8]`, `&str`, `usize`); a type of that \
                     name would shadow it: {choose}"
                ),
            ))
        } else if STD_CRATES.contains(&name) {
            Some((
                "a name used by",
                format!(
                    "the generated code names the standard library's crates in paths such as \
                     `{name}::...`, which a type of that name would shadow: {choose}"
                ),
            ))
        } else if name == "_serde" {
            Some((
                "a name used by",
                format!(
                    "serde's derives refer to the serde crate as `_serde` in the code they \
                     generate, which a type of that name would shadow: {choose}"
                ),
            ))
        } else if GENERATED_NAMES.contains(&name) {
            Some(("a name used by", choose.to_string()))
        } else if GENERATED_FUNCTIONS.contains(&name)
            || GENERATED_FUNCTION_PREFIXES
                .iter()
                .any(|p| name.starts_with(p))
        {
            let prefixes: Vec<String> = GENERATED_FUNCTION_PREFIXES
                .iter()
                .map(|p| format!("`{p}`"))
                .collect();
            Some((
                "a function of",
                format!(
                    "a newtype becomes a tuple struct, whose constructor shares the value \
                     namespace with the generated functions ({} and names starting with {}): \
                     {choose}",
                    GENERATED_FUNCTIONS.join(", "),
                    prefixes.join(", ")
                ),
            ))
        } else {
            None
        };
        if let Some((what, help)) = clash {
            let d = Diagnostic::new(
                Code::ReservedName,
                id.span,
                format!("`{name}` clashes with {what} the generated Rust code"),
            )
            .label("reserved name")
            .help(help);
            self.report(d);
            return false;
        }
        self.check_not_generated_local(id, "type", GENERATED_HELPER_LOCALS)
    }
}

/// `what` with its indefinite article: "an input", "a phase".
fn a_or_an(what: &str) -> String {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

/// E0103 for a name starting with `__`: such names are left to generated code. serde's
/// derives bind `__Visitor`, `__Field`, `__D`, `__value`, `__serializer`, `__self_0`, ...
/// next to the spec's types and fields.
fn reserved_prefix_diagnostic(id: &Ident, what: &str) -> Option<Diagnostic> {
    if !id.name.starts_with("__") {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::ReservedName,
            id.span,
            format!(
                "`{}` starts with `__` and cannot name {}",
                id.name,
                a_or_an(what)
            ),
        )
        .label("reserved name")
        .help(
            "names starting with `__` are reserved for generated code: the Rust that serde's \
             derives generate binds names such as `__Visitor`, `__Field`, `__D`, `__value` \
             and `__serializer` next to the spec's types and fields; choose another name",
        ),
    )
}

/// Machines become Rust modules: duplicate names (or names whose module names collide)
/// and keyword names are errors.
pub(crate) fn check_machine_names(file: &ast::File, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for m in &file.machines {
        let module = crate::rust::module_name(&m.name.name);
        if is_rust_keyword(&m.name.name) || is_rust_keyword(&module) {
            diags.push(
                Diagnostic::new(
                    Code::ReservedName,
                    m.name.span,
                    format!(
                        "machine `{}` would become the Rust module `{module}`, a keyword",
                        m.name.name
                    ),
                )
                .label("reserved name")
                .help("choose another name"),
            );
        }
        if let Some(d) = reserved_prefix_diagnostic(&m.name, "machine") {
            diags.push(d);
        } else if let Some(d) = unusable_conversion_diagnostic(
            &m.name,
            "machine",
            "a machine becomes a Rust module named in snake_case",
        ) {
            diags.push(d);
        }
        match seen.get(&module) {
            Some(first) => {
                let message = if first.name == m.name.name {
                    format!("the machine `{}` is declared twice", m.name.name)
                } else {
                    format!(
                        "machines `{}` and `{}` would both become the Rust module `{module}`",
                        first.name, m.name.name
                    )
                };
                diags.push(
                    Diagnostic::new(Code::DuplicateName, m.name.span, message)
                        .label("declared again here")
                        .secondary(first.span, "first declared here"),
                );
            }
            None => {
                seen.insert(module, &m.name);
            }
        }
    }
}

/// Why a case-converted name cannot be a Rust identifier, if it cannot: conversion drops
/// underscores, so `__` becomes empty and `_1a` becomes `1a`.
fn unusable_conversion(converted: &str) -> Option<String> {
    if converted.is_empty() {
        Some("an empty name in Rust".to_string())
    } else if converted.starts_with(|c: char| c.is_ascii_digit()) {
        Some(format!("`{converted}` in Rust, which starts with a digit"))
    } else {
        None
    }
}

/// E0103 for a spec name whose case-converted Rust form cannot be an identifier; `what`
/// names the declaration, `becomes` says what the generator makes of it.
fn unusable_conversion_diagnostic(id: &Ident, what: &str, becomes: &str) -> Option<Diagnostic> {
    let converted = match what {
        "machine" => crate::rust::module_name(&id.name),
        _ => camel_case(&id.name),
    };
    let shown = unusable_conversion(&converted)?;
    Some(
        Diagnostic::new(
            Code::ReservedName,
            id.span,
            format!("{what} `{}` would become {shown}", id.name),
        )
        .label("not a Rust identifier once converted")
        .help(format!(
            "{becomes}; case conversion drops underscores, and a Rust identifier cannot be \
             empty or start with a digit: start the name with a letter"
        )),
    )
}
