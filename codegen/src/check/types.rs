//! Type expressions -> `Ty`, and the recursive-struct check.

use super::names::BUILTIN_TYPES;
use super::{Checked, Checker, Env, Reported, TypeDecl};
use crate::ast::{self, Span};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::Ty;

impl Checker<'_> {
    /// Resolves a type as written. A reference to a newtype whose own declaration is
    /// broken fails silently (that declaration has been reported).
    pub(crate) fn resolve_ty(&mut self, t: &ast::TypeExpr) -> Checked<Ty> {
        let name = t.name.name.as_str();
        let arity = match name {
            "Option" | "Seq" | "Set" => 1,
            "Map" => 2,
            _ => 0,
        };
        if t.args.len() != arity {
            let message = match arity {
                0 => format!("`{name}` takes no type arguments"),
                1 => format!("`{name}` takes 1 type argument, {} given", t.args.len()),
                _ => format!(
                    "`{name}` takes {arity} type arguments, {} given",
                    t.args.len()
                ),
            };
            let help = match name {
                "Option" => Some("write `Option<T>`"),
                "Seq" => Some("write `Seq<T>`"),
                "Set" => Some("write `Set<T>`"),
                "Map" => Some("write `Map<K, V>`"),
                _ => None,
            };
            // Still resolve the arguments so problems inside them are reported too.
            for arg in &t.args {
                let _ = self.resolve_ty(arg);
            }
            if arity == 0 && !self.is_type_name(name) {
                return Err(self.unknown_type(&t.name));
            }
            let mut d = Diagnostic::new(Code::TypeMismatch, t.span, message)
                .label("wrong number of type arguments");
            if let Some(h) = help {
                d = d.help(h);
            }
            return Err(self.report(d));
        }
        let mut args = Vec::with_capacity(t.args.len());
        let mut failed = false;
        for arg in &t.args {
            match self.resolve_ty(arg) {
                Ok(a) => args.push(a),
                Err(_) => failed = true,
            }
        }
        if failed {
            return Err(Reported);
        }
        if name == "Option" && matches!(args.first(), Some(Ty::Option(_))) {
            // Stored state and effects are serialised, where an option inside an option has
            // no shape of its own: `some(none)` would read back as `none`.
            let d = Diagnostic::new(
                Code::TypeMismatch,
                t.span,
                "an `Option` directly inside an `Option` cannot be stored",
            )
            .label("`some(none)` and `none` would serialise alike")
            .help("say what the inner absence means with an enum, or a struct with a flag");
            return Err(self.report(d));
        }
        let mut args = args.into_iter();
        let mut next = || Box::new(args.next().unwrap_or(Ty::Bool));
        Ok(match name {
            "bool" => Ty::Bool,
            "u64" => Ty::U64,
            "i64" => Ty::I64,
            "string" => Ty::String,
            "Phase" => Ty::Phase,
            "Option" => Ty::Option(next()),
            "Seq" => Ty::Seq(next()),
            "Set" => Ty::Set(next()),
            "Map" => {
                let k = next();
                Ty::Map(k, next())
            }
            _ => match self.env.types.get(name) {
                Some(TypeDecl::Newtype(Some(_))) => Ty::Newtype(name.to_string()),
                Some(TypeDecl::Newtype(None)) => return Err(Reported),
                Some(TypeDecl::Enum(_)) => Ty::Enum(name.to_string()),
                Some(TypeDecl::Struct(_)) => Ty::Struct(name.to_string()),
                None => return Err(self.unknown_type(&t.name)),
            },
        })
    }

    fn is_type_name(&self, name: &str) -> bool {
        BUILTIN_TYPES.contains(&name) || self.env.types.contains_key(name)
    }

    fn unknown_type(&mut self, id: &ast::Ident) -> Reported {
        let label = "not a declared or built-in type";
        match foreign_type(&id.name) {
            // A type from another language: name the spec's own.
            Some(help) => self.report(unknown(id, "type", label).help(help)),
            None => self.unknown_kind_of_type(id, "type", label, |_, _| true, BUILTIN_TYPES),
        }
    }

    /// Reports `name` as no declared `what`, suggesting the closest declared type `is_kind`
    /// accepts (or one of `extra`).
    pub(crate) fn unknown_kind_of_type(
        &mut self,
        name: &ast::Ident,
        what: &str,
        label: &str,
        is_kind: impl Fn(&Env, &str) -> bool,
        extra: &[&str],
    ) -> Reported {
        let candidates: Vec<&str> = self
            .env
            .type_names
            .iter()
            .map(String::as_str)
            .filter(|n| is_kind(&self.env, n))
            .chain(extra.iter().copied())
            .collect();
        let mut d = unknown(name, what, label);
        if let Some(s) = did_you_mean(&name.name, candidates) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        self.report(d)
    }

    /// Resolves a newtype's base, which must be `bool`, `u64`, `i64` or `string`.
    pub(crate) fn resolve_newtype_base(&mut self, t: &ast::TypeExpr) -> Checked<Ty> {
        let ty = self.resolve_ty(t)?;
        match ty {
            Ty::Bool | Ty::U64 | Ty::I64 | Ty::String => Ok(ty),
            other => {
                let d = Diagnostic::new(
                    Code::TypeMismatch,
                    t.span,
                    format!(
                        "a newtype must wrap `bool`, `u64`, `i64` or `string`, not `{}`",
                        other.spec_name()
                    ),
                )
                .label("not a valid newtype base");
                Err(self.report(d))
            }
        }
    }

    /// E0209: structs that contain themselves other than through a collection.
    /// Each cycle is reported once, at its first-declared struct.
    pub(crate) fn check_recursive_structs(&mut self, structs: &[&ast::StructDef]) {
        let mut reported: Vec<String> = Vec::new();
        for s in structs {
            if reported.contains(&s.name.name) {
                continue;
            }
            let mut path: Vec<(String, Span)> = Vec::new();
            if self.finds_cycle(structs, &s.name.name, &s.name.name, &mut path, 0) {
                let chain: Vec<String> = std::iter::once(format!("`{}`", s.name.name))
                    .chain(path.iter().map(|(to, _)| format!("`{to}`")))
                    .collect();
                let mut d = Diagnostic::new(
                    Code::RecursiveType,
                    s.name.span,
                    format!("struct `{}` contains itself", s.name.name),
                )
                .label(format!("infinitely sized: {}", chain.join(" contains ")))
                .help("put the recursive part in a `Seq`, `Set` or `Map`, or remove it");
                if let Some((_, field_span)) = path.first() {
                    d = d.secondary(*field_span, "this field leads back to the struct");
                }
                self.report(d);
                reported.extend(path.into_iter().map(|(to, _)| to));
            }
        }
    }

    /// Depth-first search from `current` for a struct-to-struct path back to `target`,
    /// following fields whose type holds a struct directly or inside `Option`.
    fn finds_cycle(
        &self,
        structs: &[&ast::StructDef],
        target: &str,
        current: &str,
        path: &mut Vec<(String, Span)>,
        depth: usize,
    ) -> bool {
        if depth > structs.len() {
            return false;
        }
        let Some(def) = structs.iter().find(|d| d.name.name == current) else {
            return false;
        };
        for f in &def.fields {
            let Some(next) = direct_struct(&f.ty) else {
                continue;
            };
            if path.iter().any(|(p, _)| p == next && p != target) {
                continue;
            }
            path.push((next.to_string(), f.ty.span));
            if next == target || self.finds_cycle(structs, target, next, path, depth + 1) {
                return true;
            }
            path.pop();
        }
        false
    }
}

/// The struct name a field type embeds by value (directly or through `Option`).
fn direct_struct(t: &ast::TypeExpr) -> Option<&str> {
    match (t.name.name.as_str(), t.args.as_slice()) {
        ("Option", [inner]) => direct_struct(inner),
        (name, []) if !BUILTIN_TYPES.contains(&name) => Some(name),
        _ => None,
    }
}

/// `name`, used as a `what`, is declared nowhere (E0101).
fn unknown(name: &ast::Ident, what: &str, label: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UndefinedName,
        name.span,
        format!("unknown {what} `{}`", name.name),
    )
    .label(label)
}

/// The spec's type for a type name from Rust or another language, as a help line.
fn foreign_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "int" | "integer" | "i8" | "i16" | "i32" | "i128" | "isize" | "uint" | "u8" | "u16"
        | "u32" | "u128" | "usize" | "nat" | "number" => "the integer types are `u64` and `i64`",
        "f32" | "f64" | "float" | "double" => {
            "there are no floating-point types: use `u64` or `i64` (e.g. in thousandths)"
        }
        "String" | "str" | "text" => "the text type is `string`",
        "boolean" | "Bool" => "the boolean type is `bool`",
        "Vec" | "List" | "Array" | "VecDeque" => "a sequence is `Seq<T>`",
        "HashMap" | "BTreeMap" | "Dict" | "Dictionary" => "a map is `Map<K, V>`",
        "HashSet" | "BTreeSet" => "a set is `Set<T>`",
        _ => return None,
    })
}
