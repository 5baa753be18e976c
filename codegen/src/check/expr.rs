//! Expressions: bidirectional type checking (`infer` / `check_expr`) and lowering to IR.

use super::establish::{conjuncts, negation, show};
use super::{Checked, Checker, Env, Reported};
use crate::ast::{self, BinOp, Ident, Span, UnOp};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, ExprKind as K, Ty};

/// The input whose fields are visible as bare names.
#[derive(Debug, Clone)]
pub(crate) enum InputScope {
    /// No input here (invariants, defaults).
    None,
    /// The transition's input did not resolve (reported): unknown bare names are silent.
    Unknown,
    /// The input's fields; `None` types did not resolve (reported).
    Fields(Vec<(String, Option<Ty>)>),
}

/// Whether `old(self.f)` may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OldRule {
    Allowed,
    Forbidden,
}

/// Where an expression sits, for messages about partial operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Guard,
    /// `update` block or top-level emit.
    Body,
    Invariant,
    Default,
}

/// A variable in scope: its name, its type (`None` if it did not resolve) and where it
/// is bound.
pub(crate) type BoundVar = (String, Option<Ty>, Span);

/// Everything an expression can see.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub input: InputScope,
    /// Loop, quantifier and `let` variables, innermost last.
    pub vars: Vec<BoundVar>,
    /// The enclosing `for (k, v) in m` loops and `all`/`any (k, v) in m` quantifiers,
    /// innermost last: where `m[k]` is not established, `v` may be what is meant.
    pub pairs: Vec<PairBinder>,
    pub old: OldRule,
    pub place: Place,
    /// Facts known to hold here, with coercions stripped (see `establish`).
    pub facts: Vec<ir::Expr>,
    /// Some fact that may hold here failed to check: partial operations are not reported.
    pub facts_incomplete: bool,
    /// Facts already reported missing here (E0303): one guard fixes every use, so each is
    /// reported once, at its first use.
    pub reported_missing: Vec<ir::Expr>,
    /// How many `for` statements enclose this point (`break` needs one).
    pub loops: usize,
    /// Facts a write ended, with the write: a use that needed one says so.
    pub ended: Vec<(ir::Expr, Span, Ended)>,
    /// What holds after the `if` statement just checked: the facts both of its branches
    /// end with (a branch that always breaks ends with nothing to add). Left by the `if`
    /// for `after_statement`, which takes it.
    pub if_exit: Option<BlockExit>,
}

/// A key and a value bound together over a map by a `for` loop or a quantifier.
#[derive(Debug, Clone)]
pub(crate) struct PairBinder {
    /// The map, checked and normalised (see `establish::normalize`).
    pub map: ir::Expr,
    pub key: String,
    pub value: String,
    /// The binder as written, `for (k, v) in self.m` or `all (k, v) in self.m`.
    pub text: String,
    /// A `for` loop, which iterates over a snapshot of the map, not a quantifier.
    pub is_loop: bool,
}

/// The facts at the end of a block, before they are dropped with it.
#[derive(Debug, Clone)]
pub(crate) struct BlockExit {
    pub facts: Vec<ir::Expr>,
    pub incomplete: bool,
    /// Facts the block's writes ended, with the writes, in order.
    pub ended: Vec<(ir::Expr, Span, Ended)>,
    /// Control never reaches the end: the block ends in a `break`.
    pub diverges: bool,
}

/// Where the write that ended a fact runs, relative to a use that needs the fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Before,
    /// Later in a loop body: it runs before the use on the next iteration.
    LaterIteration,
}

impl Scope {
    pub fn new(input: InputScope, old: OldRule, place: Place) -> Self {
        Scope {
            input,
            vars: Vec::new(),
            pairs: Vec::new(),
            old,
            place,
            facts: Vec::new(),
            facts_incomplete: false,
            reported_missing: Vec::new(),
            loops: 0,
            ended: Vec::new(),
            if_exit: None,
        }
    }

    /// Adds the `&&`-conjuncts of a checked condition (or marks facts incomplete).
    pub fn assume(&mut self, cond: &Checked<ir::Expr>) {
        match cond {
            Ok(c) => self.facts.extend(conjuncts(c)),
            Err(_) => self.facts_incomplete = true,
        }
    }

    /// Adds what holds where a checked condition is false (an `else` branch, the right
    /// side of `||`), or marks facts incomplete.
    pub fn assume_false(&mut self, cond: &Checked<ir::Expr>) {
        match cond {
            Ok(c) => self.facts.extend(negation(c)),
            Err(_) => self.facts_incomplete = true,
        }
    }
}

fn expr(kind: K, ty: Ty) -> ir::Expr {
    ir::Expr { kind, ty }
}

fn boxed(kind: fn(Box<ir::Expr>) -> K, inner: ir::Expr, ty: Ty) -> ir::Expr {
    expr(kind(Box::new(inner)), ty)
}

/// Expressions whose type comes from context (`3`, `-3`, `none`, `[]`, `{}`,
/// `some(...)` of those, and other literals that may meet a newtype).
fn wants_context(e: &ast::Expr) -> bool {
    use ast::ExprKind as A;
    match &e.kind {
        A::Int(_) | A::None | A::EmptySeq | A::EmptyBraces | A::Str(_) | A::Bool(_) => true,
        A::Unary(UnOp::Neg, inner) => matches!(inner.kind, A::Int(_)),
        A::Some(inner) => wants_context(inner),
        _ => literal_arithmetic(e),
    }
}

/// `0 - 1`, `2 - 3 + 1`: integer literals combined only with each other by `+` and `-`.
/// Like a lone literal, they take the type the place expects.
fn literal_arithmetic(e: &ast::Expr) -> bool {
    use ast::ExprKind as A;
    match &e.kind {
        A::Int(_) => true,
        A::Unary(UnOp::Neg, inner) => matches!(inner.kind, A::Int(_)),
        A::Binary(BinOp::Add | BinOp::Sub, l, r) => literal_arithmetic(l) && literal_arithmetic(r),
        _ => false,
    }
}

/// Value methods per type, for suggestions.
fn value_methods(ty: &Ty) -> &'static [&'static str] {
    match ty {
        Ty::Seq(_) => &["len", "is_empty", "front"],
        Ty::Set(_) => &["len", "is_empty"],
        Ty::Map(..) => &["len", "is_empty", "get"],
        Ty::Option(_) => &["is_some", "is_none", "unwrap", "unwrap_or"],
        _ => &[],
    }
}

impl Checker<'_> {
    /// Checks `e` against `expected`, inserting a newtype coercion where needed.
    ///
    /// Operator chains (`a && b && ...`, `x + 1 + ...`) recurse once per operator, so
    /// binary operators go straight to [`Self::binary`]: the large frames of the other
    /// cases stay off the stack of every level (they are kilobytes each in debug builds).
    pub(crate) fn check_expr(
        &mut self,
        sc: &mut Scope,
        e: &ast::Expr,
        expected: &Ty,
    ) -> Checked<ir::Expr> {
        match &e.kind {
            ast::ExprKind::Binary(op, l, r)
                if literal_arithmetic(e)
                    && matches!(self.env.base_of(expected), Ty::U64 | Ty::I64) =>
            {
                let l = self.check_expr(sc, l, expected);
                let r = self.check_expr(sc, r, expected);
                Ok(expr(
                    K::Binary(*op, Box::new(l?), Box::new(r?)),
                    expected.clone(),
                ))
            }
            ast::ExprKind::Binary(op, l, r) => {
                let found = self.binary(sc, e, *op, l, r)?;
                self.coerce(found, expected, e.span)
            }
            _ => self.check_other(sc, e, expected),
        }
    }

    /// [`Self::check_expr`] for everything but binary operators.
    #[inline(never)]
    fn check_other(&mut self, sc: &mut Scope, e: &ast::Expr, expected: &Ty) -> Checked<ir::Expr> {
        use ast::ExprKind as A;
        match (&e.kind, expected) {
            (A::Int(v), _) => {
                let base = self.env.base_of(expected).clone();
                match base {
                    Ty::U64 | Ty::I64 => {
                        let lit = self.int_literal(*v, false, &base, e.span)?;
                        Ok(self.wrap_coerce(lit, expected))
                    }
                    _ => {
                        let found = self.infer(sc, e)?;
                        self.coerce(found, expected, e.span)
                    }
                }
            }
            (A::Unary(UnOp::Neg, inner), _) if matches!(inner.kind, A::Int(_)) => {
                let A::Int(v) = inner.kind else {
                    return Err(Reported);
                };
                let base = self.env.base_of(expected).clone();
                match base {
                    Ty::U64 | Ty::I64 => {
                        let lit = self.int_literal(v, true, &base, e.span)?;
                        Ok(self.wrap_coerce(lit, expected))
                    }
                    _ => {
                        let found = self.infer(sc, e)?;
                        self.coerce(found, expected, e.span)
                    }
                }
            }
            (A::None, Ty::Option(_)) => Ok(expr(K::None, expected.clone())),
            (A::Some(inner), Ty::Option(t)) => {
                let inner = self.check_expr(sc, inner, t)?;
                Ok(boxed(K::Some, inner, expected.clone()))
            }
            (A::EmptySeq, Ty::Seq(_)) => Ok(expr(K::EmptySeq, expected.clone())),
            (A::EmptyBraces, Ty::Set(_)) => Ok(expr(K::EmptySet, expected.clone())),
            (A::EmptyBraces, Ty::Map(..)) => Ok(expr(K::EmptyMap, expected.clone())),
            (A::None | A::EmptySeq | A::EmptyBraces, _) => {
                let found = match &e.kind {
                    A::None => "none",
                    A::EmptySeq => "[]",
                    _ => "{}",
                };
                let d = Diagnostic::new(
                    Code::TypeMismatch,
                    e.span,
                    format!("expected `{}`, found `{found}`", expected.spec_name()),
                )
                .label(format!("expected `{}`", expected.spec_name()));
                Err(self.report(d))
            }
            _ => {
                let found = self.infer(sc, e)?;
                self.coerce(found, expected, e.span)
            }
        }
    }

    /// `Coerce` to `target` when it is a newtype (literals are typed by their base).
    fn wrap_coerce(&self, lit: ir::Expr, target: &Ty) -> ir::Expr {
        if &lit.ty == target {
            lit
        } else {
            boxed(K::Coerce, lit, target.clone())
        }
    }

    /// An integer literal of type `base` (`U64` or `I64`), range-checked.
    fn int_literal(&mut self, v: u128, negative: bool, base: &Ty, span: Span) -> Checked<ir::Expr> {
        let sign = if negative { "-" } else { "" };
        match base {
            Ty::I64 => {
                let value = if negative {
                    (v <= 1u128 << 63).then(|| (v as i128).wrapping_neg() as i64)
                } else {
                    i64::try_from(v).ok()
                };
                match value {
                    Some(n) => Ok(expr(K::I64(n), Ty::I64)),
                    None => Err(self.out_of_range(span, &format!("{sign}{v}"), "i64")),
                }
            }
            _ => {
                if negative {
                    let d = Diagnostic::new(
                        Code::IntOutOfRange,
                        span,
                        format!("`-{v}` is negative, but `u64` is unsigned"),
                    )
                    .label("negative literal for `u64`")
                    .help("use an `i64` (or a newtype over `i64`) for values below zero");
                    return Err(self.report(d));
                }
                match u64::try_from(v) {
                    Ok(n) => Ok(expr(K::U64(n), Ty::U64)),
                    Err(_) => Err(self.out_of_range(span, &v.to_string(), "u64")),
                }
            }
        }
    }

    fn out_of_range(&mut self, span: Span, text: &str, ty: &str) -> Reported {
        let (min, max) = if ty == "i64" {
            (i64::MIN.to_string(), i64::MAX.to_string())
        } else {
            ("0".to_string(), u64::MAX.to_string())
        };
        // The parser saturates literals too long for u128: do not echo a number the user
        // never wrote.
        let message = if text.trim_start_matches('-') == u128::MAX.to_string() {
            format!("integer literal does not fit in `{ty}`")
        } else {
            format!("integer literal `{text}` does not fit in `{ty}`")
        };
        let d = Diagnostic::new(Code::IntOutOfRange, span, message)
            .label(format!("outside {min}..={max}"));
        self.report(d)
    }

    /// Makes `e` (already typed) acceptable where `expected` is required.
    pub(crate) fn coerce(&mut self, e: ir::Expr, expected: &Ty, span: Span) -> Checked<ir::Expr> {
        if &e.ty == expected {
            return Ok(e);
        }
        match (&e.ty, expected) {
            (Ty::Newtype(n), base) | (base, Ty::Newtype(n))
                if self.env.newtype_base(n) == Some(base) =>
            {
                Ok(boxed(K::Coerce, e, expected.clone()))
            }
            (Ty::Newtype(a), Ty::Newtype(b)) => {
                let (a, b) = (a.clone(), b.clone());
                Err(self.newtype_mix(span, &b, &a, None))
            }
            _ => Err(self.mismatch(span, expected, &e.ty)),
        }
    }

    /// E0204: `found` where `expected` (another newtype) is needed.
    fn newtype_mix(
        &mut self,
        span: Span,
        expected: &str,
        found: &str,
        other: Option<Span>,
    ) -> Reported {
        let mut d = Diagnostic::new(
            Code::NewtypeMix,
            span,
            format!("expected `{expected}`, found `{found}`: different newtypes never mix"),
        )
        .label(format!("this is `{found}`"));
        if let Some(other) = other {
            d = d.secondary(other, format!("this is `{expected}`"));
        }
        let base_a = self.env.newtype_base(expected).cloned();
        let base_b = self.env.newtype_base(found).cloned();
        if let (Some(a), Some(b)) = (base_a, base_b)
            && a == b
        {
            d = d.help(format!(
                "`{expected}` and `{found}` are distinct types even though both wrap `{}`",
                a.spec_name()
            ));
        }
        self.report(d)
    }

    /// Infers the type of `e` with no expectation.
    pub(crate) fn infer(&mut self, sc: &mut Scope, e: &ast::Expr) -> Checked<ir::Expr> {
        // Binary operators skip the large frame of the other cases (see `check_expr`).
        match &e.kind {
            ast::ExprKind::Binary(op, l, r) => self.binary(sc, e, *op, l, r),
            _ => self.infer_other(sc, e),
        }
    }

    /// [`Self::infer`] for everything but binary operators.
    #[inline(never)]
    fn infer_other(&mut self, sc: &mut Scope, e: &ast::Expr) -> Checked<ir::Expr> {
        use ast::ExprKind as A;
        match &e.kind {
            A::Bool(b) => Ok(expr(K::Bool(*b), Ty::Bool)),
            A::Int(v) => self.int_literal(*v, false, &Ty::U64, e.span),
            A::Str(s) => Ok(expr(K::Str(s.clone()), Ty::String)),
            A::None | A::EmptySeq | A::EmptyBraces => {
                let (what, example) = match &e.kind {
                    A::None => ("none", "Option<u64>"),
                    A::EmptySeq => ("[]", "Seq<u64>"),
                    _ => ("{}", "Set<u64>"),
                };
                let d = Diagnostic::new(
                    Code::TypeMismatch,
                    e.span,
                    format!("cannot infer the type of `{what}`"),
                )
                .label("type needed here")
                .help(format!(
                    "give it a type where it is named (`let x: {example} = {what};`), or compare or combine it with a value of known type"
                ));
                Err(self.report(d))
            }
            A::Some(inner) => {
                let inner = self.infer(sc, inner)?;
                let ty = Ty::Option(Box::new(inner.ty.clone()));
                Ok(boxed(K::Some, inner, ty))
            }
            A::Path(a, b) => self.path(a, b),
            A::StructLit(name, fields) => self.struct_lit(sc, name, fields),
            A::SelfField(f) => {
                let ty = self.self_field(f)?;
                Ok(expr(K::SelfField(f.name.clone()), ty))
            }
            A::Old(f) => {
                let ty = self.self_field(f);
                if sc.old == OldRule::Forbidden {
                    let d = Diagnostic::new(
                        Code::MisplacedOld,
                        e.span,
                        "`old(...)` is only available in `update` blocks and emits",
                    )
                    .label("there is no pre-state here")
                    .help(format!(
                        "write `self.{}`: here it is the current value",
                        f.name
                    ));
                    return Err(self.report(d));
                }
                Ok(expr(K::Old(f.name.clone()), ty?))
            }
            A::Name(id) => self.name(sc, id),
            A::Field(inner, f) => {
                if let A::Name(id) = &inner.kind
                    && let Some(d) = self.variant_after_a_dot(sc, id, f)
                {
                    return Err(self.report(d));
                }
                let inner = self.infer(sc, inner)?;
                let fields = match &inner.ty {
                    Ty::Struct(s) => self.env.struct_fields(s).map(<[_]>::to_vec),
                    _ => None,
                };
                let Some(fields) = fields else {
                    let mut d = Diagnostic::new(
                        Code::BadOperation,
                        f.span,
                        format!("`{}` has no fields", inner.ty.spec_name()),
                    )
                    .label("field access on a non-struct value");
                    if value_methods(&inner.ty).contains(&f.name.as_str()) {
                        d = d.help(format!("call it as a method: `{}()`", f.name));
                    } else if matches!(&inner.ty, Ty::Option(t) if matches!(**t, Ty::Struct(_))) {
                        d = d.help(format!(
                            "it may be `none`: read a map entry as `m[k].{0}` (with `k in m` established), or unwrap it first: `.unwrap().{0}`",
                            f.name
                        ));
                    }
                    return Err(self.report(d));
                };
                let Ty::Struct(sname) = inner.ty.clone() else {
                    return Err(Reported);
                };
                match fields.iter().find(|(n, _)| n == &f.name) {
                    Some((_, Some(ty))) => {
                        Ok(expr(K::Field(Box::new(inner), f.name.clone()), ty.clone()))
                    }
                    Some((_, None)) => Err(Reported),
                    None => {
                        let mut d = Diagnostic::new(
                            Code::UnknownField,
                            f.span,
                            format!("struct `{sname}` has no field `{}`", f.name),
                        )
                        .label("unknown field");
                        if let Some(s) =
                            did_you_mean(&f.name, fields.iter().map(|(n, _)| n.as_str()))
                        {
                            d = d.help(format!("did you mean `{s}`?"));
                        }
                        Err(self.report(d))
                    }
                }
            }
            A::Call(recv, method, args) => self.call(sc, e, recv, method, args),
            A::Index(map, key) => {
                let map_ir = self.infer(sc, map);
                let map_ir = match map_ir {
                    Ok(m) => m,
                    Err(_) => {
                        let _ = self.infer_quiet(sc, key);
                        return Err(Reported);
                    }
                };
                let Ty::Map(k, v) = map_ir.ty.clone() else {
                    let d = Diagnostic::new(
                        Code::BadOperation,
                        e.span,
                        format!("cannot index into `{}`", map_ir.ty.spec_name()),
                    )
                    .label("`[...]` needs a `Map`");
                    let _ = self.infer_quiet(sc, key);
                    return Err(self.report(d));
                };
                let key_ir = self.check_expr(sc, key, &k)?;
                let fact = expr(
                    K::Binary(
                        BinOp::In,
                        Box::new(key_ir.clone()),
                        Box::new(map_ir.clone()),
                    ),
                    Ty::Bool,
                );
                // Read inside a `for` or quantifier over this very map, at its key: the value
                // is bound already.
                let bound = pair_value(sc, &map_ir, &key_ir).cloned();
                self.require_or(sc, e, &fact, bound.as_ref(), |show| {
                    format!("{} in {}", show(key), show(map))
                });
                Ok(expr(K::Index(Box::new(map_ir), Box::new(key_ir)), *v))
            }
            A::Unary(UnOp::Not, inner) => {
                let inner = self.check_expr(sc, inner, &Ty::Bool)?;
                Ok(boxed(K::Not, inner, Ty::Bool))
            }
            A::Unary(UnOp::Neg, inner) => {
                if let A::Int(v) = inner.kind {
                    return self.int_literal(v, true, &Ty::I64, e.span);
                }
                let inner = self.infer(sc, inner)?;
                if matches!(self.env.base_of(&inner.ty), Ty::I64) {
                    let ty = inner.ty.clone();
                    Ok(boxed(K::Neg, inner, ty))
                } else {
                    let d = Diagnostic::new(
                        Code::BadOperation,
                        e.span,
                        format!("cannot negate a value of type `{}`", inner.ty.spec_name()),
                    )
                    .label("`-` needs an `i64`");
                    Err(self.report(d))
                }
            }
            A::Binary(op, l, r) => self.binary(sc, e, *op, l, r),
            A::Quant {
                kind,
                binder,
                collection,
                body,
            } => {
                let keyword = match kind {
                    ast::Quantifier::All => "all",
                    ast::Quantifier::Any => "any",
                };
                let (coll, binder_ir, body) =
                    self.in_binder_scope(sc, keyword, binder, collection, |this, sc| {
                        // Facts found inside the body hold only for one element.
                        let saved = (sc.facts.len(), sc.facts_incomplete);
                        let body = this.check_expr(sc, body, &Ty::Bool);
                        sc.facts.truncate(saved.0);
                        sc.facts_incomplete = saved.1;
                        body
                    })?;
                Ok(expr(
                    K::Quant {
                        kind: *kind,
                        binder: binder_ir,
                        collection: Box::new(coll),
                        body: Box::new(body),
                    },
                    Ty::Bool,
                ))
            }
        }
    }

    /// Infers `e` only for its own diagnostics, when its type no longer matters.
    pub(crate) fn infer_quiet(&mut self, sc: &mut Scope, e: &ast::Expr) -> Checked<ir::Expr> {
        if wants_context(e) {
            return Err(Reported);
        }
        self.infer(sc, e)
    }

    /// The type of `self.f` (or `self.phase`).
    pub(crate) fn self_field(&mut self, f: &Ident) -> Checked<Ty> {
        if f.name == "phase" {
            return Ok(Ty::Phase);
        }
        match self.env.field(&f.name) {
            Some((_, Some(ty))) => Ok(ty.clone()),
            Some((_, None)) => Err(Reported),
            None => Err(self.unknown_field_of_self(f)),
        }
    }

    pub(crate) fn unknown_field_of_self(&mut self, f: &Ident) -> Reported {
        let names: Vec<String> = self
            .env
            .fields
            .iter()
            .map(|(n, _)| n.clone())
            .chain(std::iter::once("phase".to_string()))
            .collect();
        let mut d = Diagnostic::new(
            Code::UndefinedName,
            f.span,
            format!("unknown state field `{}`", f.name),
        )
        .label("not declared in `state`");
        if let Some(s) = did_you_mean(&f.name, names.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `self.{s}`?"));
        }
        self.report(d)
    }

    /// A bare name: a bound variable (innermost first) or an input field.
    fn name(&mut self, sc: &Scope, id: &Ident) -> Checked<ir::Expr> {
        if let Some((_, ty, _)) = sc.vars.iter().rev().find(|(n, _, _)| n == &id.name) {
            let ty = ty.clone().ok_or(Reported)?;
            return Ok(expr(K::Var(id.name.clone()), ty));
        }
        let inputs: &[(String, Option<Ty>)] = match &sc.input {
            InputScope::Fields(f) => f,
            InputScope::Unknown => return Err(Reported),
            InputScope::None => &[],
        };
        if let Some((_, ty)) = inputs.iter().find(|(n, _)| n == &id.name) {
            let ty = ty.clone().ok_or(Reported)?;
            return Ok(expr(K::InputField(id.name.clone()), ty));
        }
        let mut d = Diagnostic::new(
            Code::UndefinedName,
            id.span,
            format!("unknown name `{}`", id.name),
        );
        d = d.label(match (&sc.input, sc.vars.is_empty()) {
            (InputScope::None, true) => "no input fields or variables here",
            (InputScope::None, false) => "not a variable in scope",
            _ => "not an input field or variable in scope",
        });
        let is_phase = self
            .env
            .phases
            .as_ref()
            .is_some_and(|p| p.iter().any(|p| p == &id.name));
        // Enums declaring a variant of this very name, in declaration order.
        let enums: Vec<&str> = self
            .env
            .type_names
            .iter()
            .filter(|t| {
                self.env
                    .enum_variants(t)
                    .is_some_and(|v| v.contains(&id.name))
            })
            .map(String::as_str)
            .collect();
        // Inputs (other than the one in scope) declaring a field of this very name.
        let owners: Vec<String> = self
            .env
            .inputs
            .iter()
            .filter(|m| m.fields.iter().any(|(n, _)| n == &id.name))
            .map(|m| format!("`{}`", m.name))
            .collect();
        if self.env.field(&id.name).is_some() || id.name == "phase" {
            d = d.help(format!("did you mean `self.{}`?", id.name));
        } else if !owners.is_empty() {
            let inputs = if owners.len() == 1 { "input" } else { "inputs" };
            d = d.help(format!(
                "`{}` is a field of {inputs} {}: an input's fields are in scope only in a \
                 transition `on` that input (its guards, updates and emits)",
                id.name,
                owners.join(" and ")
            ));
        } else if is_phase {
            d = d.help(format!("did you mean `Phase::{}`?", id.name));
        } else if !enums.is_empty() {
            let paths: Vec<String> = enums
                .iter()
                .map(|e| format!("`{e}::{}`", id.name))
                .collect();
            d = d.help(format!(
                "a variant is written with its enum's name: {}",
                paths.join(" or ")
            ));
        } else {
            let in_scope: Vec<&str> = sc
                .vars
                .iter()
                .map(|(n, _, _)| n.as_str())
                .chain(inputs.iter().map(|(n, _)| n.as_str()))
                .collect();
            if let Some(s) = did_you_mean(&id.name, in_scope) {
                d = d.help(format!("did you mean `{s}`?"));
            } else if let Some(s) =
                did_you_mean(&id.name, self.env.fields.iter().map(|(n, _)| n.as_str()))
            {
                d = d.help(format!("did you mean `self.{s}`?"));
            }
        }
        Err(self.report(d))
    }

    /// `Verdict.Approve` or `Phase.Open`, where `Verdict` names no variable or input field
    /// in scope but an enum (or the phases): the variant written as a field of its enum.
    fn variant_after_a_dot(&self, sc: &Scope, id: &Ident, member: &Ident) -> Option<Diagnostic> {
        if sc.vars.iter().any(|(n, _, _)| n == &id.name) {
            return None;
        }
        match &sc.input {
            InputScope::Unknown => return None,
            InputScope::Fields(fields) if fields.iter().any(|(n, _)| n == &id.name) => {
                return None;
            }
            _ => {}
        }
        let (kind, what, variants) = if id.name == "Phase" {
            ("a type", "a phase", self.env.phases.clone()?)
        } else {
            let variants = self.env.enum_variants(&id.name)?.to_vec();
            ("an enum", "a variant", variants)
        };
        let variant = if variants.contains(&member.name) {
            member.name.clone()
        } else {
            did_you_mean(&member.name, variants.iter().map(String::as_str))
                .map_or_else(|| "<variant>".to_string(), String::from)
        };
        Some(
            Diagnostic::new(
                Code::UndefinedName,
                id.span,
                format!("unknown name `{}`", id.name),
            )
            .label(format!("`{}` is {kind}, not a value", id.name))
            .help(format!(
                "{what} is written with `::`: `{}::{variant}`",
                id.name
            )),
        )
    }

    /// `Enum::Variant` or `Phase::P`.
    fn path(&mut self, a: &Ident, b: &Ident) -> Checked<ir::Expr> {
        if a.name == "Phase" {
            let Some(phases) = self.env.phases.clone() else {
                return Err(Reported);
            };
            if phases.contains(&b.name) {
                return Ok(expr(K::Phase(b.name.clone()), Ty::Phase));
            }
            self.phase_ref(b)?;
            return Err(Reported);
        }
        let Some(variants) = self.env.enum_variants(&a.name).map(<[_]>::to_vec) else {
            let is_enum = |env: &Env, n: &str| env.enum_variants(n).is_some();
            return Err(self.unknown_kind_of_type(a, "enum", "not an enum", is_enum, &["Phase"]));
        };
        if variants.contains(&b.name) {
            return Ok(expr(
                K::Variant {
                    enum_name: a.name.clone(),
                    variant: b.name.clone(),
                },
                Ty::Enum(a.name.clone()),
            ));
        }
        let mut d = Diagnostic::new(
            Code::UndefinedName,
            b.span,
            format!("enum `{}` has no variant `{}`", a.name, b.name),
        )
        .label("unknown variant");
        if let Some(s) = did_you_mean(&b.name, variants.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{}::{s}`?", a.name));
        }
        Err(self.report(d))
    }

    fn struct_lit(
        &mut self,
        sc: &mut Scope,
        name: &Ident,
        inits: &[ast::FieldInit],
    ) -> Checked<ir::Expr> {
        let Some(decl) = self.env.struct_fields(&name.name).map(<[_]>::to_vec) else {
            let is_struct = |env: &Env, n: &str| env.struct_fields(n).is_some();
            return Err(self.unknown_kind_of_type(
                name,
                "struct",
                "not a declared struct",
                is_struct,
                &[],
            ));
        };
        let fields = self.field_inits(sc, "struct", name, &decl, inits)?;
        Ok(expr(
            K::StructLit {
                name: name.name.clone(),
                fields,
            },
            Ty::Struct(name.name.clone()),
        ))
    }

    /// Field initialisers of a struct literal or emit, returned in declaration order.
    pub(crate) fn field_inits(
        &mut self,
        sc: &mut Scope,
        what: &str,
        name: &Ident,
        decl: &[(String, Option<Ty>)],
        inits: &[ast::FieldInit],
    ) -> Checked<Vec<(String, ir::Expr)>> {
        let mut given: Vec<(String, Checked<ir::Expr>)> = Vec::new();
        let mut failed = false;
        let mut seen: Vec<&Ident> = Vec::new();
        for init in inits {
            if let Some(first) = seen.iter().find(|s| s.name == init.name.name) {
                let d = Diagnostic::new(
                    Code::DuplicateName,
                    init.name.span,
                    format!("field `{}` is given twice", init.name.name),
                )
                .label("given again here")
                .secondary(first.span, "first given here");
                self.report(d);
                failed = true;
                continue;
            }
            seen.push(&init.name);
            match decl.iter().find(|(n, _)| n == &init.name.name) {
                Some((_, Some(ty))) => {
                    let value = self.check_expr(sc, &init.value, ty);
                    given.push((init.name.name.clone(), value));
                }
                Some((_, None)) => failed = true,
                None => {
                    let mut d = Diagnostic::new(
                        Code::UnknownField,
                        init.name.span,
                        if decl.is_empty() {
                            format!("{what} `{}` has no fields", name.name)
                        } else {
                            format!("{what} `{}` has no field `{}`", name.name, init.name.name)
                        },
                    )
                    .label("unknown field");
                    let unused = decl
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .filter(|n| !inits.iter().any(|i| i.name.name == *n));
                    if let Some(s) = did_you_mean(&init.name.name, unused) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.report(d);
                    failed = true;
                }
            }
        }
        let missing: Vec<String> = decl
            .iter()
            .filter(|(n, _)| !inits.iter().any(|i| &i.name.name == n))
            .map(|(n, _)| format!("`{n}`"))
            .collect();
        if !missing.is_empty() {
            let list = missing.join(", ");
            let noun = if missing.len() == 1 {
                "field"
            } else {
                "fields"
            };
            let d = Diagnostic::new(
                Code::MissingField,
                name.span,
                format!("missing {noun} {list} in {what} `{}`", name.name),
            )
            .label(format!("{list} not given"));
            self.report(d);
            failed = true;
        }
        let mut out = Vec::new();
        for (n, _) in decl {
            if let Some(pos) = given.iter().position(|(g, _)| g == n) {
                let (g, value) = given.swap_remove(pos);
                match value {
                    Ok(v) => out.push((g, v)),
                    Err(_) => failed = true,
                }
            }
        }
        if failed { Err(Reported) } else { Ok(out) }
    }

    /// Method calls on values.
    fn call(
        &mut self,
        sc: &mut Scope,
        whole: &ast::Expr,
        recv: &ast::Expr,
        method: &Ident,
        args: &[ast::Expr],
    ) -> Checked<ir::Expr> {
        let recv_ir = match self.infer(sc, recv) {
            Ok(r) => r,
            Err(_) => {
                for a in args {
                    let _ = self.infer_quiet(sc, a);
                }
                return Err(Reported);
            }
        };
        let ty = recv_ir.ty.clone();
        let m = method.name.as_str();
        let arity = match (&ty, m) {
            (Ty::Seq(_) | Ty::Set(_) | Ty::Map(..), "len" | "is_empty") => 0,
            (Ty::Seq(_), "front") => 0,
            (Ty::Map(..), "get") => 1,
            (Ty::Option(_), "is_some" | "is_none" | "unwrap") => 0,
            (Ty::Option(_), "unwrap_or") => 1,
            _ => {
                let methods = value_methods(&ty);
                // A statement method (`self.s.insert(x)`) used where a value is read.
                let changes = matches!(
                    (&ty, m),
                    (Ty::Set(_), "insert" | "remove" | "clear")
                        | (Ty::Seq(_), "push_back" | "pop_front" | "clear")
                        | (Ty::Map(..), "remove" | "clear")
                );
                let message = if changes {
                    format!(
                        "`{m}` changes `{}`: it is a statement, not a value",
                        show(recv)
                    )
                } else if methods.is_empty() {
                    format!("`{}` has no methods", ty.spec_name())
                } else {
                    format!("`{}` has no method `{m}`", ty.spec_name())
                };
                let mut d =
                    Diagnostic::new(Code::BadOperation, method.span, message).label(if changes {
                        "changes the collection"
                    } else {
                        "unknown method"
                    });
                if changes {
                    d = d.help(format!(
                        "write `{}.{m}(..);` as a statement of an `update` block; guards, conditions and emits only read",
                        show(recv)
                    ));
                } else if matches!(m, "contains" | "contains_key") {
                    d = d.help(format!("write `x in {}`", show(recv)));
                } else if let Some(s) = did_you_mean(m, methods.iter().copied()) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else if !methods.is_empty() {
                    let list: Vec<String> = methods.iter().map(|m| format!("`{m}()`")).collect();
                    d = d.help(format!("available here: {}", list.join(", ")));
                }
                for a in args {
                    let _ = self.infer_quiet(sc, a);
                }
                return Err(self.report(d));
            }
        };
        if args.len() != arity {
            let d = Diagnostic::new(
                Code::BadOperation,
                method.span,
                format!(
                    "`{m}` takes {} argument{}, {} given",
                    arity,
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            )
            .label("wrong number of arguments");
            return Err(self.report(d));
        }
        let recv_box = Box::new(recv_ir);
        Ok(match (ty, m) {
            (_, "len") => expr(K::Len(recv_box), Ty::U64),
            (_, "is_empty") => expr(K::IsEmpty(recv_box), Ty::Bool),
            (_, "is_some") => expr(K::IsSome(recv_box), Ty::Bool),
            (_, "is_none") => expr(K::IsNone(recv_box), Ty::Bool),
            (Ty::Seq(t), _) => expr(K::Front(recv_box), Ty::Option(t)),
            (Ty::Map(k, v), _) => {
                let key = self.check_expr(sc, &args[0], &k)?;
                expr(K::Get(recv_box, Box::new(key)), Ty::Option(v))
            }
            (Ty::Option(t), "unwrap") => {
                let o = (*recv_box).clone();
                let fact = expr(
                    K::Binary(
                        BinOp::Ne,
                        Box::new(o.clone()),
                        Box::new(expr(K::None, o.ty.clone())),
                    ),
                    Ty::Bool,
                );
                self.require(sc, whole, &fact, |show| format!("{} != none", show(recv)));
                expr(K::Unwrap(recv_box), *t)
            }
            (Ty::Option(t), _) => {
                let default = self.check_expr(sc, &args[0], &t)?;
                expr(K::UnwrapOr(recv_box, Box::new(default)), *t)
            }
            _ => return Err(Reported),
        })
    }

    fn binary(
        &mut self,
        sc: &mut Scope,
        whole: &ast::Expr,
        op: BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
    ) -> Checked<ir::Expr> {
        let bin =
            |l: ir::Expr, r: ir::Expr, ty: Ty| expr(K::Binary(op, Box::new(l), Box::new(r)), ty);
        match op {
            BinOp::And | BinOp::Or | BinOp::Implies => {
                let l_ir = self.check_expr(sc, l, &Ty::Bool);
                let saved = (sc.facts.len(), sc.facts_incomplete);
                // The right side is evaluated only where `&&` and `implies` found the
                // left side true, and where `||` found it false.
                if op == BinOp::Or {
                    sc.assume_false(&l_ir);
                } else {
                    sc.assume(&l_ir);
                }
                let r_ir = self.check_expr(sc, r, &Ty::Bool);
                sc.facts.truncate(saved.0);
                sc.facts_incomplete = saved.1;
                Ok(bin(l_ir?, r_ir?, Ty::Bool))
            }
            BinOp::In => {
                let coll = self.infer(sc, r);
                let coll = match coll {
                    Ok(c) => c,
                    Err(_) => {
                        let _ = self.infer_quiet(sc, l);
                        return Err(Reported);
                    }
                };
                let elem = match &coll.ty {
                    Ty::Seq(t) | Ty::Set(t) | Ty::Map(t, _) => (**t).clone(),
                    other => {
                        let d = Diagnostic::new(
                            Code::BadOperation,
                            r.span,
                            format!(
                                "`in` needs a `Seq`, `Set` or `Map`, found `{}`",
                                other.spec_name()
                            ),
                        )
                        .label("not a collection");
                        let _ = self.infer_quiet(sc, l);
                        return Err(self.report(d));
                    }
                };
                let elem_ir = self.check_expr(sc, l, &elem)?;
                Ok(bin(elem_ir, coll, Ty::Bool))
            }
            // `x + 1`: the literal takes `x`'s type, so `x` must be a number first (an
            // `Option` on the left is the mistake to name, not the literal).
            BinOp::Add | BinOp::Sub if wants_context(r) && !wants_context(l) => {
                let l_ir = self.infer(sc, l)?;
                if !self.env.is_numeric(&l_ir.ty) {
                    return Err(self.not_defined(op, &l_ir.ty, whole.span));
                }
                let r_ir = self.check_expr(sc, r, &l_ir.ty)?;
                let ty = l_ir.ty.clone();
                Ok(bin(l_ir, r_ir, ty))
            }
            _ => {
                let (l_ir, r_ir) = self.unify(sc, l, r)?;
                let ty = l_ir.ty.clone();
                let ok = match op {
                    BinOp::Eq | BinOp::Ne => true,
                    BinOp::Add | BinOp::Sub => self.env.is_numeric(&ty),
                    _ => self.env.is_ordered(&ty),
                };
                if !ok {
                    return Err(self.not_defined(op, &ty, whole.span));
                }
                let result = match op {
                    BinOp::Add | BinOp::Sub => ty,
                    _ => Ty::Bool,
                };
                Ok(bin(l_ir, r_ir, result))
            }
        }
    }

    /// E0205: operator `op` on operands of type `ty`.
    fn not_defined(&mut self, op: BinOp, ty: &Ty, span: Span) -> Reported {
        let needs = match op {
            BinOp::Add | BinOp::Sub => "`u64`, `i64` or a newtype over them",
            _ => "numbers, strings or newtypes over them",
        };
        let mut d = Diagnostic::new(
            Code::BadOperation,
            span,
            format!("`{}` is not defined on `{}`", op.symbol(), ty.spec_name()),
        )
        .label(format!("`{}` needs {needs}", op.symbol()));
        if matches!(ty, Ty::Option(_)) {
            d = d.help("it may be `none`: `.unwrap()` it where a guard establishes it has a value (a map entry reads as `m[k]`, with `k in m` established)");
        } else if matches!(ty, Ty::Enum(_)) && op != BinOp::Add && op != BinOp::Sub {
            d = d.help("enum variants are compared with `==` and `!=` only");
        }
        self.report(d)
    }

    /// Types both operands of a binary operator alike; a newtype's base-typed partner is
    /// coerced to the newtype.
    fn unify(
        &mut self,
        sc: &mut Scope,
        l: &ast::Expr,
        r: &ast::Expr,
    ) -> Checked<(ir::Expr, ir::Expr)> {
        if wants_context(l) && !wants_context(r) {
            let r_ir = self.infer(sc, r)?;
            let l_ir = self.check_expr(sc, l, &r_ir.ty);
            return self.reconcile(l_ir, r_ir, l, r);
        }
        let l_ir = match self.infer(sc, l) {
            Ok(x) => x,
            Err(_) => {
                let _ = self.infer_quiet(sc, r);
                return Err(Reported);
            }
        };
        if wants_context(r) {
            let r_ir = self.check_expr(sc, r, &l_ir.ty)?;
            return Ok((l_ir, r_ir));
        }
        let r_ir = self.infer(sc, r)?;
        self.reconcile(Ok(l_ir), r_ir, l, r)
    }

    fn reconcile(
        &mut self,
        l_ir: Checked<ir::Expr>,
        r_ir: ir::Expr,
        l: &ast::Expr,
        r: &ast::Expr,
    ) -> Checked<(ir::Expr, ir::Expr)> {
        let l_ir = l_ir?;
        if l_ir.ty == r_ir.ty {
            return Ok((l_ir, r_ir));
        }
        match (&l_ir.ty, &r_ir.ty) {
            (Ty::Newtype(n), other) if self.env.newtype_base(n) == Some(other) => {
                let ty = l_ir.ty.clone();
                Ok((l_ir, boxed(K::Coerce, r_ir, ty)))
            }
            (other, Ty::Newtype(n)) if self.env.newtype_base(n) == Some(other) => {
                let ty = r_ir.ty.clone();
                Ok((boxed(K::Coerce, l_ir, ty), r_ir))
            }
            (Ty::Newtype(a), Ty::Newtype(b)) => {
                let (a, b) = (a.clone(), b.clone());
                Err(self.newtype_mix(r.span, &a, &b, Some(l.span)))
            }
            _ => {
                let d = Diagnostic::new(
                    Code::TypeMismatch,
                    r.span,
                    format!(
                        "expected `{}`, found `{}`",
                        l_ir.ty.spec_name(),
                        r_ir.ty.spec_name()
                    ),
                )
                .label(format!("this is `{}`", r_ir.ty.spec_name()))
                .secondary(l.span, format!("this is `{}`", l_ir.ty.spec_name()));
                let d = match self.option_hint(&l_ir.ty, &r_ir.ty) {
                    Some(help) => d.help(help),
                    None => d,
                };
                Err(self.report(d))
            }
        }
    }

    /// Loop or quantifier variables over a collection of type `coll` (`None`: unknown).
    /// Checks `body` with the names `binder` binds over `collection` in scope, and removes
    /// them again: what `all`/`any` and `for` share. `keyword` is the one that binds them
    /// (`for`, `all`, `any`).
    pub(crate) fn in_binder_scope<T>(
        &mut self,
        sc: &mut Scope,
        keyword: &str,
        binder: &ast::Binder,
        collection: &ast::Expr,
        body: impl FnOnce(&mut Self, &mut Scope) -> Checked<T>,
    ) -> Checked<(ir::Expr, ir::Binder, T)> {
        let coll = self.infer(sc, collection);
        let (binder_ir, vars) = self.bind(
            sc,
            binder,
            coll.as_ref().ok().map(|c| &c.ty),
            collection.span,
        );
        let depth = (sc.vars.len(), sc.pairs.len());
        sc.vars.extend(vars);
        if let (Ok(ir::Binder::Pair(key, value)), Ok(map)) = (&binder_ir, &coll) {
            sc.pairs.push(PairBinder {
                map: super::establish::normalize(map),
                key: key.clone(),
                value: value.clone(),
                text: format!("{keyword} ({key}, {value}) in {}", show(collection)),
                is_loop: keyword == "for",
            });
        }
        let body = body(self, sc);
        sc.vars.truncate(depth.0);
        sc.pairs.truncate(depth.1);
        Ok((coll?, binder_ir?, body?))
    }

    /// Reports a variable (loop, quantifier or `let`) that is reserved or shadows an input
    /// field, a variable in scope or `earlier` (the other name of a pair binder).
    pub(crate) fn check_new_variable(
        &mut self,
        sc: &Scope,
        id: &Ident,
        earlier: Option<&Ident>,
    ) -> bool {
        let mut ok = self.check_local_name(id, "variable");
        let input_field = match &sc.input {
            InputScope::Fields(f) => f.iter().any(|(n, _)| n == &id.name),
            _ => false,
        };
        let bound = sc.vars.iter().rev().find(|(n, _, _)| n == &id.name);
        if input_field || bound.is_some() || earlier.is_some() {
            let what = if input_field {
                "an input field"
            } else {
                "a variable already in scope"
            };
            let mut d = Diagnostic::new(
                Code::DuplicateName,
                id.span,
                format!("`{}` shadows {what}", id.name),
            )
            .label("choose another name");
            if let Some(first) = earlier.map(|e| e.span).or(bound.map(|(_, _, at)| *at)) {
                d = d.secondary(first, "first bound here");
            }
            self.report(d);
            ok = false;
        }
        ok
    }

    pub(crate) fn bind(
        &mut self,
        sc: &Scope,
        binder: &ast::Binder,
        coll: Option<&Ty>,
        coll_span: Span,
    ) -> (Checked<ir::Binder>, Vec<BoundVar>) {
        let names: Vec<&Ident> = match binder {
            ast::Binder::One(x) => vec![x],
            ast::Binder::Pair(k, v) => vec![k, v],
        };
        let mut ok = true;
        for (i, id) in names.iter().enumerate() {
            let earlier = names[..i].iter().find(|n| n.name == id.name).copied();
            ok &= self.check_new_variable(sc, id, earlier);
        }
        let (binder_ir, tys): (Checked<ir::Binder>, Vec<Option<Ty>>) = match (binder, coll) {
            (_, None) => (Err(Reported), vec![None; names.len()]),
            (ast::Binder::One(x), Some(Ty::Seq(t) | Ty::Set(t))) => (
                Ok(ir::Binder::One(x.name.clone())),
                vec![Some((**t).clone())],
            ),
            (ast::Binder::Pair(k, v), Some(Ty::Map(kt, vt))) => (
                Ok(ir::Binder::Pair(k.name.clone(), v.name.clone())),
                vec![Some((**kt).clone()), Some((**vt).clone())],
            ),
            (ast::Binder::One(x), Some(Ty::Map(..))) => {
                let d = Diagnostic::new(
                    Code::BadOperation,
                    x.span,
                    "iterating over a map binds a key and a value",
                )
                .label("one name for a map")
                .help(format!("write `({}, value)`", x.name));
                (Err(self.report(d)), vec![None])
            }
            (ast::Binder::Pair(k, v), Some(t @ (Ty::Seq(_) | Ty::Set(_)))) => {
                let d = Diagnostic::new(
                    Code::BadOperation,
                    k.span.to(v.span),
                    format!("a `{}` yields one value per element", t.spec_name()),
                )
                .label("two names for a sequence or set")
                .help(format!("write a single name such as `{}`", k.name));
                (Err(self.report(d)), vec![None, None])
            }
            (_, Some(t)) => {
                let d = Diagnostic::new(
                    Code::BadOperation,
                    coll_span,
                    format!("cannot iterate over `{}`", t.spec_name()),
                )
                .label("not a `Seq`, `Set` or `Map`");
                (Err(self.report(d)), vec![None; names.len()])
            }
        };
        let vars = names
            .iter()
            .zip(tys)
            .map(|(n, t)| (n.name.clone(), t, n.span))
            .collect();
        (if ok { binder_ir } else { Err(Reported) }, vars)
    }

    /// Reports E0303 unless `fact` (or an equivalent) is established in `sc`.
    /// `fact_text` prints the fact with the printer it is given.
    pub(crate) fn require(
        &mut self,
        sc: &mut Scope,
        e: &ast::Expr,
        fact: &ir::Expr,
        fact_text: impl Fn(&dyn Fn(&ast::Expr) -> String) -> String,
    ) {
        self.require_or(sc, e, fact, None, fact_text)
    }

    /// [`Self::require`] for a read `e` of a map entry whose value `bound` (see
    /// [`pair_value`]) holds already: the help names it first.
    pub(crate) fn require_or(
        &mut self,
        sc: &mut Scope,
        e: &ast::Expr,
        fact: &ir::Expr,
        bound: Option<&PairBinder>,
        fact_text: impl Fn(&dyn Fn(&ast::Expr) -> String) -> String,
    ) {
        if sc.facts_incomplete
            || super::establish::established(&sc.facts, fact)
            || sc.reported_missing.contains(fact)
        {
            return;
        }
        sc.reported_missing.push(fact.clone());
        // A guard cannot use `old()`, and needs none: it sees the pre-state.
        let guard_text = fact_text(&super::establish::show_pre_state);
        let fact_text = fact_text(&show);
        let (message, label) = match &e.kind {
            ast::ExprKind::Index(..) => (
                format!(
                    "`{}` needs `{fact_text}`, which is not established",
                    show(e)
                ),
                "the key may be absent",
            ),
            _ => (
                format!("`{}` is not established by a guard", show(e)),
                "the value may be `none`",
            ),
        };
        // A guard sees only the state and the input: it cannot name a loop variable, a
        // quantifier's or a `let`.
        let local = ir::any_expr(fact, |x| matches!(x.kind, K::Var(_)));
        let help = match sc.place {
            Place::Invariant => format!("write `{fact_text} implies ...`"),
            Place::Guard if local => format!("write `{fact_text} && ...`"),
            _ if local
                && matches!(e.kind, ast::ExprKind::Index(..))
                && show(e).starts_with("self.") =>
            {
                format!(
                    "test it with `if {fact_text} {{ .. }}`, or create the entry first: `if !({fact_text}) {{ {} = ..; }}`",
                    show(e)
                )
            }
            _ if local => format!("test it with `if {fact_text} {{ .. }}`"),
            Place::Guard => format!(
                "add a guard such as `guard {}: {guard_text};` before this one",
                super::establish::guard_name_for(e)
            ),
            // In an update or emit, a guard is one way of three; it also refuses the input
            // when the key is missing, which may not be what is meant.
            _ if matches!(e.kind, ast::ExprKind::Index(..)) && show(e).starts_with("self.") => {
                format!(
                    "add a guard such as `guard {}: {guard_text};`, test it with `if {fact_text} {{ .. }}`, or create the entry first: `if !({fact_text}) {{ {} = ..; }}`",
                    super::establish::guard_name_for(e),
                    show(e)
                )
            }
            _ => format!(
                "add a guard such as `guard {}: {guard_text};`",
                super::establish::guard_name_for(e)
            ),
        };
        // The fact held until a write ended it: say so, rather than ask for a guard that
        // may be there already.
        let ended_at = sc.ended.iter().rev().find_map(|(ended, at, how)| {
            super::establish::established(std::slice::from_ref(ended), fact).then_some((*at, *how))
        });
        // The entry's value is a loop or quantifier variable already: name it before the
        // other ways. A quantifier's is the entry's value; a loop's is the value the entry
        // had when the loop started, which the loop's own writes may have changed since.
        let binds = |b: &PairBinder| {
            let when = if b.is_loop {
                " (as of the loop's start)"
            } else {
                ""
            };
            format!(
                "use `{}`: `{}` binds it to this entry's value{when}",
                b.value, b.text
            )
        };
        let use_bound = |help: &str| match bound {
            None => help.to_string(),
            Some(b) => format!("{}; otherwise {help}", binds(b)),
        };
        let help = match bound {
            None => help,
            Some(b) if b.is_loop => format!(
                "{}; for its value after the loop's own writes, test it with `if {fact_text} {{ .. }}`",
                binds(b)
            ),
            Some(b) => binds(b),
        };
        let d = match ended_at {
            Some((at, Ended::Before)) => Diagnostic::new(
                Code::UnestablishedPartial,
                e.span,
                format!(
                    "`{}` needs `{fact_text}`, which held until a write before it",
                    show(e)
                ),
            )
            .label(label)
            .secondary(at, "this write may make it false")
            .help(use_bound("read it before the write, test it again with `if`, or read the pre-state with `old(...)`")),
            Some((at, Ended::LaterIteration)) => Diagnostic::new(
                Code::UnestablishedPartial,
                e.span,
                format!(
                    "`{}` needs `{fact_text}`, which a later statement of the loop may end before the next iteration",
                    show(e)
                ),
            )
            .label(label)
            .secondary(at, "this write may make it false on a later iteration")
            .help(use_bound("test it with `if` inside the loop, or read the pre-state with `old(...)`")),
            None => Diagnostic::new(Code::UnestablishedPartial, e.span, message)
                .label(label)
                .help(help),
        };
        if sc.place == Place::Guard {
            self.unestablished_in_guards
                .push((self.diags.len(), fact.clone()));
        }
        self.report(d);
    }
}

/// The innermost enclosing `for (k, v) in m` or `all`/`any (k, v) in m` whose map is `map`
/// and whose key variable is `key`: there, `m[k]` is the entry whose value `v` holds (for
/// a loop, as it was when the loop started).
pub(crate) fn pair_value<'s>(
    sc: &'s Scope,
    map: &ir::Expr,
    key: &ir::Expr,
) -> Option<&'s PairBinder> {
    if sc.pairs.is_empty() {
        return None;
    }
    let key = super::establish::normalize(key);
    let K::Var(name) = &key.kind else {
        return None;
    };
    let map = super::establish::normalize(map);
    // Variables never shadow one another (E0102): the name is this binder's key.
    sc.pairs
        .iter()
        .rev()
        .find(|p| &p.key == name && p.map == map)
}
