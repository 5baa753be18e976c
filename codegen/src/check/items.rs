//! Machine structure and declarations: types, phases, state, inputs, effects, invariants.

use super::expr::{InputScope, OldRule, Place, Scope};
use super::names::{BUILTIN_TYPES, Namespace};
use super::{Checked, Checker, MessageInfo, Reported, TypeDecl};
use crate::ast::{self, Ident, Item, Span};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, Ty};
use crate::rust::camel_case;
use std::collections::HashMap;

impl Checker<'_> {
    /// Checks all items of `m`; `None` if something did not resolve.
    pub(crate) fn machine_items(&mut self, m: &ast::Machine) -> Option<ir::Machine> {
        let mut type_defs = Vec::new();
        let mut enum_defs = Vec::new();
        let mut struct_defs = Vec::new();
        let mut phases = Vec::new();
        let mut initials = Vec::new();
        let mut terminals = Vec::new();
        let mut states = Vec::new();
        let mut inputs = Vec::new();
        let mut effects = Vec::new();
        let mut transitions = Vec::new();
        let mut invariants = Vec::new();
        for item in &m.items {
            match item {
                Item::Type(t) => type_defs.push(t),
                Item::Enum(e) => enum_defs.push(e),
                Item::Struct(s) => struct_defs.push(s),
                Item::Phases(p) => phases.push(p),
                Item::Initial(i) => initials.push(i),
                Item::Terminal(t, span) => terminals.push((t, *span)),
                Item::State(s, span) => states.push((s, *span)),
                Item::Input(i) => inputs.push(i),
                Item::Effect(e) => effects.push(e),
                Item::Transition(t) => transitions.push(t),
                Item::Invariant(i) => invariants.push(i),
            }
        }

        let (newtypes, enums, structs) = self.types(m, &type_defs, &enum_defs, &struct_defs);
        let phase_decls = self.phases(m, &phases);
        let initial = self.initial(m, &initials);
        let terminal = self.terminal(&terminals);
        let fields = self.state(&states);
        let inputs = self.messages(&inputs, "input");
        self.env.inputs = inputs.iter().map(|(info, _)| info.clone()).collect();
        let effects = self.messages(&effects, "effect");
        self.env.effects = effects.iter().map(|(info, _)| info.clone()).collect();

        let (transitions, summaries) = self.transitions(&transitions);
        let invariants = self.invariants(&invariants);
        self.unreachable_candidates(&summaries);
        self.warnings(&phases, initials.first().copied(), &summaries);

        Some(ir::Machine {
            name: m.name.name.clone(),
            name_span: m.name.span,
            doc: m.doc.clone(),
            newtypes,
            enums,
            structs,
            phases: phase_decls,
            initial: initial?,
            terminal,
            fields: fields?,
            inputs: inputs
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Option<Vec<_>>>()?,
            effects: effects
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Option<Vec<_>>>()?,
            transitions,
            invariants,
        })
    }

    /// Newtypes, enums and structs. Names are registered first so declarations may refer
    /// to types declared later in the machine.
    fn types(
        &mut self,
        m: &ast::Machine,
        type_defs: &[&ast::TypeDef],
        enum_defs: &[&ast::EnumDef],
        struct_defs: &[&ast::StructDef],
    ) -> (Vec<ir::Newtype>, Vec<ir::Enum>, Vec<ir::Struct>) {
        // Declaration order across the three kinds, for duplicate reporting.
        let mut names: Vec<&Ident> = Vec::new();
        for item in &m.items {
            match item {
                Item::Type(t) => names.push(&t.name),
                Item::Enum(e) => names.push(&e.name),
                Item::Struct(s) => names.push(&s.name),
                _ => {}
            }
        }
        let mut ns = Namespace::new("type");
        let mut registered: Vec<Span> = Vec::new();
        for id in names {
            if BUILTIN_TYPES.contains(&id.name.as_str()) {
                let d = Diagnostic::new(
                    Code::DuplicateName,
                    id.span,
                    format!("`{}` is a built-in type and cannot be redeclared", id.name),
                )
                .label("redeclares a built-in type")
                .help("choose another name");
                self.report(d);
                continue;
            }
            let fresh = self.declare(&mut ns, id);
            self.check_type_name(id);
            if fresh {
                registered.push(id.span);
                self.env.type_names.push(id.name.clone());
            }
        }
        let is_registered = |id: &Ident| registered.contains(&id.span);
        // Placeholders so that references resolve while bodies are checked.
        for t in type_defs.iter().filter(|t| is_registered(&t.name)) {
            self.env
                .types
                .insert(t.name.name.clone(), TypeDecl::Newtype(Some(Ty::Bool)));
        }
        for e in enum_defs.iter().filter(|e| is_registered(&e.name)) {
            let variants = e.variants.iter().map(|v| v.name.name.clone()).collect();
            self.env
                .types
                .insert(e.name.name.clone(), TypeDecl::Enum(variants));
        }
        for s in struct_defs.iter().filter(|s| is_registered(&s.name)) {
            self.env
                .types
                .insert(s.name.name.clone(), TypeDecl::Struct(Vec::new()));
        }

        // Newtype bases: resolved in a first round so a newtype's validity is known before
        // struct fields refer to it.
        let mut newtypes = Vec::new();
        for t in type_defs {
            let base = self.resolve_newtype_base(&t.ty).ok();
            if is_registered(&t.name) {
                self.env
                    .types
                    .insert(t.name.name.clone(), TypeDecl::Newtype(base.clone()));
                if let Some(base) = base {
                    newtypes.push(ir::Newtype {
                        name: t.name.name.clone(),
                        doc: t.doc.clone(),
                        base,
                    });
                }
            }
        }

        let mut enums = Vec::new();
        for e in enum_defs {
            let mut vns = Namespace::new("variant").within(format_args!("enum `{}`", e.name.name));
            for v in &e.variants {
                self.declare(&mut vns, &v.name);
                self.check_variant_name(&v.name, "variant");
            }
            if is_registered(&e.name) {
                enums.push(ir::Enum {
                    name: e.name.name.clone(),
                    doc: e.doc.clone(),
                    variants: e
                        .variants
                        .iter()
                        .map(|v| ir::Variant {
                            name: v.name.name.clone(),
                            doc: v.doc.clone(),
                        })
                        .collect(),
                });
            }
        }

        let mut structs = Vec::new();
        for s in struct_defs {
            let fields = self.field_decls(&s.fields, &format!("struct `{}`", s.name.name));
            if is_registered(&s.name) {
                self.env.types.insert(
                    s.name.name.clone(),
                    TypeDecl::Struct(
                        fields
                            .iter()
                            .map(|(n, _, t)| (n.clone(), t.clone()))
                            .collect(),
                    ),
                );
                structs.push(ir::Struct {
                    name: s.name.name.clone(),
                    doc: s.doc.clone(),
                    fields: fields
                        .into_iter()
                        .filter_map(|(name, doc, ty)| Some(ir::Field { name, doc, ty: ty? }))
                        .collect(),
                });
            }
        }
        let registered_structs: Vec<&ast::StructDef> = struct_defs
            .iter()
            .copied()
            .filter(|s| is_registered(&s.name))
            .collect();
        self.check_recursive_structs(&registered_structs);
        (newtypes, enums, structs)
    }

    /// Field declarations of a struct, input or effect: names checked, types resolved.
    /// Duplicates are dropped (reported); a field whose type fails keeps `None`.
    fn field_decls(
        &mut self,
        decls: &[ast::FieldDecl],
        owner: &str,
    ) -> Vec<(String, Vec<String>, Option<Ty>)> {
        let mut ns = Namespace::new("field").within(owner);
        let mut out = Vec::new();
        // Input fields become locals of the generated transition functions.
        let is_input = owner.starts_with("input ");
        for f in decls {
            let fresh = self.declare(&mut ns, &f.name);
            if is_input {
                self.check_local_name(&f.name, "field");
            } else {
                self.check_keyword(&f.name, "field");
            }
            let ty = self.resolve_ty(&f.ty).ok();
            if fresh {
                out.push((f.name.name.clone(), f.doc.clone(), ty));
            }
        }
        out
    }

    fn phases(&mut self, m: &ast::Machine, defs: &[&ast::PhasesDef]) -> Vec<ir::PhaseDecl> {
        let Some(first) = defs.first() else {
            let d = Diagnostic::new(
                Code::MissingOrRepeatedItem,
                m.name.span,
                format!("machine `{}` has no `phases` item", m.name.name),
            )
            .label("missing `phases { ... }`")
            .help("declare the lifecycle, e.g. `phases { Idle, Running, Done }`");
            self.report(d);
            return Vec::new();
        };
        for extra in &defs[1..] {
            self.repeated_item("phases", item_keyword(extra.span, "phases", &extra.doc), {
                item_keyword(first.span, "phases", &first.doc)
            });
        }
        let mut ns = Namespace::new("phase");
        let mut out = Vec::new();
        for p in &first.phases {
            let fresh = self.declare(&mut ns, &p.name);
            if p.name.name == "same" {
                // `-> same` means "stay where it is": such a phase could never be entered.
                self.report(
                    Diagnostic::new(
                        Code::ReservedName,
                        p.name.span,
                        "`same` cannot name a phase",
                    )
                    .label("reserved name")
                    .help(
                        "a transition's `-> same` means \"stay in the phase it fired from\", \
                         so no transition could enter a phase named `same`: choose another name",
                    ),
                );
            }
            self.check_variant_name(&p.name, "phase");
            if fresh {
                out.push(ir::PhaseDecl {
                    name: p.name.name.clone(),
                    doc: p.doc.clone(),
                });
            }
        }
        self.env.phases = Some(out.iter().map(|p| p.name.clone()).collect());
        out
    }

    /// E0104 for a second `phases`, `initial`, `terminal` or `state`.
    fn repeated_item(&mut self, keyword: &str, span: Span, first: Span) {
        let d = Diagnostic::new(
            Code::MissingOrRepeatedItem,
            span,
            format!("a machine has at most one `{keyword}` item"),
        )
        .label(format!("second `{keyword}`"))
        .secondary(first, "first given here");
        self.report(d);
    }

    fn initial(&mut self, m: &ast::Machine, defs: &[&Ident]) -> Option<String> {
        let Some(first) = defs.first() else {
            let d = Diagnostic::new(
                Code::MissingOrRepeatedItem,
                m.name.span,
                format!("machine `{}` has no `initial` phase", m.name.name),
            )
            .label("missing `initial`")
            .help("name the phase a new machine starts in, e.g. `initial Idle;`");
            self.report(d);
            return None;
        };
        for extra in &defs[1..] {
            self.repeated_item("initial", extra.span, first.span);
        }
        self.phase_ref(first).ok()?;
        Some(first.name.clone())
    }

    fn terminal(&mut self, defs: &[(&Vec<Ident>, Span)]) -> Vec<String> {
        let Some((first, first_span)) = defs.first() else {
            return Vec::new();
        };
        for (_, extra) in &defs[1..] {
            let kw = |s: Span| Span::new(s.start, s.start + "terminal".len());
            self.repeated_item("terminal", kw(*extra), kw(*first_span));
        }
        let mut ns = Namespace::new("terminal phase");
        let mut out = Vec::new();
        for p in first.iter() {
            if self.declare(&mut ns, p) && self.phase_ref(p).is_ok() {
                out.push(p.name.clone());
            }
        }
        self.env.terminal = out.clone();
        out
    }

    /// Checks that a phase name is declared (E0101 with a suggestion otherwise).
    pub(crate) fn phase_ref(&mut self, id: &Ident) -> Checked<()> {
        self.phase_ref_or(id, None)
    }

    /// Like `phase_ref`, with `fallback` as the help when no declared phase is close.
    pub(crate) fn phase_ref_or(&mut self, id: &Ident, fallback: Option<&str>) -> Checked<()> {
        if self.env.has_phase(&id.name) {
            return Ok(());
        }
        self.incomplete_phases = true;
        let phases = self.env.phases.clone().unwrap_or_default();
        let mut d = Diagnostic::new(
            Code::UndefinedName,
            id.span,
            format!("unknown phase `{}`", id.name),
        )
        .label("not declared in `phases`");
        if id.name == "same" {
            // No phase is named `same` (E0103): this is the target keyword out of place.
            d = d.help("`same` is a target only: `-> same` stays in the phase the transition fired from; as a source, name the phases (`from [A, B]`) or write `*`");
        } else if let Some(s) = did_you_mean(&id.name, phases.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if let Some(help) = fallback {
            d = d.help(help);
        }
        Err(self.report(d))
    }

    fn state(&mut self, defs: &[(&Vec<ast::StateField>, Span)]) -> Option<Vec<ir::StateField>> {
        let Some((first, first_span)) = defs.first() else {
            return Some(Vec::new());
        };
        for (_, extra) in &defs[1..] {
            let kw = |s: Span| Span::new(s.start, s.start + "state".len());
            self.repeated_item("state", kw(*extra), kw(*first_span));
        }
        let mut ns = Namespace::new("state field");
        // The generated `UndoStep` names its variants after the fields in UpperCamelCase.
        let mut camel: HashMap<String, &Ident> = HashMap::new();
        // Register every field (with its type) before checking defaults.
        let mut typed = Vec::new();
        for f in first.iter() {
            let fresh = self.declare(&mut ns, &f.name);
            let usable = if f.name.name == "phase" {
                let d = Diagnostic::new(
                    Code::ReservedName,
                    f.name.span,
                    "`phase` is built in: every machine has `self.phase`",
                )
                .label("reserved name")
                .help("choose another name");
                self.report(d);
                false
            } else {
                self.check_keyword(&f.name, "state field")
            };
            if fresh && usable && self.check_camel_name(&f.name, "state field") {
                let variant = camel_case(&f.name.name);
                if let Some(first) = camel.get(&variant) {
                    let d = Diagnostic::new(
                        Code::DuplicateName,
                        f.name.span,
                        format!(
                            "state fields `{}` and `{}` would both become `{variant}` in Rust",
                            first.name, f.name.name
                        ),
                    )
                    .label("collides in the generated undo log")
                    .secondary(first.span, "first declared here")
                    .help("rename one of them");
                    // Still registered, so its uses do not report it unknown.
                    self.report(d);
                } else {
                    camel.insert(variant, &f.name);
                }
            }
            let ty = self.resolve_ty(&f.ty).ok();
            if fresh {
                self.env.fields.push((f.name.name.clone(), ty.clone()));
                typed.push((f, ty));
            }
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (f, ty) in typed {
            let default = match ty.as_ref() {
                Some(ty) => self.default_value(&f.default, ty),
                None => Err(Reported),
            };
            match (ty, default) {
                (Some(ty), Ok(default)) => out.push(ir::StateField {
                    name: f.name.name.clone(),
                    doc: f.doc.clone(),
                    ty,
                    default,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A state default: a literal, typed against the field.
    fn default_value(&mut self, e: &ast::Expr, ty: &Ty) -> Checked<ir::Expr> {
        if let Some(offender) = non_literal_part(e) {
            let d = Diagnostic::new(
                Code::NonLiteralDefault,
                offender.span,
                "a state field's default must be a literal",
            )
            .label("not a literal")
            .help("use a constant such as `0`, `\"text\"`, `none`, `[]`, `{}` or `Enum::Variant`");
            return Err(self.report(d));
        }
        let mut scope = Scope::new(InputScope::None, OldRule::Forbidden, Place::Default);
        self.check_expr(&mut scope, e, ty)
    }

    /// Inputs or effects: names, fields and field types.
    fn messages(
        &mut self,
        defs: &[&ast::MessageDef],
        what: &str,
    ) -> Vec<(MessageInfo, Option<ir::Message>)> {
        let mut ns = Namespace::new(what);
        let mut out = Vec::new();
        for def in defs {
            let fresh = self.declare(&mut ns, &def.name);
            self.check_variant_name(&def.name, what);
            let fields = self.field_decls(&def.fields, &format!("{what} `{}`", def.name.name));
            if !fresh {
                continue;
            }
            let info = MessageInfo {
                name: def.name.name.clone(),
                span: def.name.span,
                fields: fields
                    .iter()
                    .map(|(n, _, t)| (n.clone(), t.clone()))
                    .collect(),
            };
            let message = fields
                .into_iter()
                .map(|(name, doc, ty)| Some(ir::Field { name, doc, ty: ty? }))
                .collect::<Option<Vec<_>>>()
                .map(|fields| ir::Message {
                    name: def.name.name.clone(),
                    doc: def.doc.clone(),
                    fields,
                });
            out.push((info, message));
        }
        out
    }

    fn invariants(&mut self, defs: &[&ast::InvariantDef]) -> Vec<ir::Invariant> {
        let mut ns = Namespace::new("invariant");
        let mut out = Vec::new();
        for inv in defs {
            let fresh = self.declare(&mut ns, &inv.name);
            self.check_keyword(&inv.name, "invariant");
            let mut scope = Scope::new(InputScope::None, OldRule::Forbidden, Place::Invariant);
            let expr = self.check_expr(&mut scope, &inv.expr, &Ty::Bool);
            if let (true, Ok(expr)) = (fresh, expr) {
                out.push(ir::Invariant {
                    name: inv.name.name.clone(),
                    doc: inv.doc.clone(),
                    expr,
                });
            }
        }
        out
    }
}

/// The keyword span of an item that may start with doc comments: the keyword itself
/// when there are none, else the whole item (its start is a doc comment).
fn item_keyword(span: Span, keyword: &str, doc: &[String]) -> Span {
    if doc.is_empty() {
        Span::new(span.start, span.start + keyword.len())
    } else {
        span
    }
}

/// The first part of a default that is not a literal, if any.
fn non_literal_part(e: &ast::Expr) -> Option<&ast::Expr> {
    use ast::ExprKind as K;
    match &e.kind {
        K::Bool(_) | K::Int(_) | K::Str(_) | K::None | K::EmptySeq | K::EmptyBraces => None,
        K::Path(..) => None,
        K::Unary(ast::UnOp::Neg, inner) if matches!(inner.kind, K::Int(_)) => None,
        K::Some(inner) => non_literal_part(inner),
        K::StructLit(_, fields) => fields.iter().find_map(|f| non_literal_part(&f.value)),
        _ => Some(e),
    }
}
