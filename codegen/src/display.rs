//! Checked IR back to spec syntax, for documentation and messages.
//!
//! The output re-parses to the same tree: parentheses are inserted exactly where the
//! grammar's precedence and associativity need them, and nowhere else. Newtype coercions
//! are implicit in the language, so `Coerce` nodes print as their operand.

use crate::ir::{BinOp, Binder, Emit, Expr, ExprKind, Quantifier, Stmt, Ty};
use std::fmt::Write as _;

/// The type as written in a spec (`Map<u64, FailReason>`).
pub fn ty(t: &Ty) -> String {
    t.spec_name()
}

/// An expression as written in a spec, with minimal parentheses.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, Prec::Top);
    out
}

/// Statements as written in an `update` block, one per line, each indented by `indent`
/// levels of four spaces; every line (including the last) ends with a newline.
pub fn stmts(list: &[Stmt], indent: usize) -> String {
    let mut out = String::new();
    for s in list {
        write_stmt(&mut out, s, indent);
    }
    out
}

/// An emitted effect without the `emit` keyword: `Started { job: job }`, or `Pause` for a
/// field-less effect.
pub fn emit(e: &Emit) -> String {
    let mut out = String::new();
    write_emit(&mut out, e);
    out
}

/// Binding strength, loosest first. An operand printed at a position that needs more
/// than its own strength gets parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// Anything goes: the whole of a guard, an argument, a field value. A quantifier
    /// body extends as far right as it can, so quantifiers are only unparenthesised here.
    Top,
    Implies,
    Or,
    And,
    /// `== != < <= > >= in`; non-associative.
    Compare,
    /// `+ -`; left-associative.
    Sum,
    /// `!e`, `-e`, and negative literals.
    Prefix,
    /// Literals, names, `self.f`, calls, field access, indexing, parenthesised groups.
    Postfix,
}

fn bin_prec(op: BinOp) -> Prec {
    match op {
        BinOp::Implies => Prec::Implies,
        BinOp::Or => Prec::Or,
        BinOp::And => Prec::And,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => {
            Prec::Compare
        }
        BinOp::Add | BinOp::Sub => Prec::Sum,
    }
}

/// Minimum strengths required of the left and right operands of `op`.
fn operand_prec(op: BinOp) -> (Prec, Prec) {
    match bin_prec(op) {
        // Right-associative: `a implies b implies c` is `a implies (b implies c)`.
        Prec::Implies => (Prec::Or, Prec::Implies),
        Prec::Or => (Prec::Or, Prec::And),
        Prec::And => (Prec::And, Prec::Compare),
        // Non-associative: neither side may itself be a comparison.
        Prec::Compare => (Prec::Sum, Prec::Sum),
        _ => (Prec::Sum, Prec::Prefix),
    }
}

fn prec_of(e: &Expr) -> Prec {
    match &e.kind {
        ExprKind::Coerce(inner) => prec_of(inner),
        ExprKind::Quant { .. } => Prec::Top,
        ExprKind::Binary(op, _, _) => bin_prec(*op),
        ExprKind::Not(_) | ExprKind::Neg(_) => Prec::Prefix,
        ExprKind::I64(v) if *v < 0 => Prec::Prefix,
        _ => Prec::Postfix,
    }
}

fn write_expr(out: &mut String, e: &Expr, min: Prec) {
    if prec_of(e) < min {
        out.push('(');
        write_bare(out, e);
        out.push(')');
    } else {
        write_bare(out, e);
    }
}

/// Writes `e` without parentheses around itself (its operands get them as needed).
fn write_bare(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::U64(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::I64(v) => {
            let _ = write!(out, "{v}");
        }
        ExprKind::Str(s) => write_string(out, s),
        ExprKind::None => out.push_str("none"),
        ExprKind::Some(inner) => {
            out.push_str("some(");
            write_expr(out, inner, Prec::Top);
            out.push(')');
        }
        ExprKind::EmptySeq => out.push_str("[]"),
        ExprKind::EmptySet | ExprKind::EmptyMap => out.push_str("{}"),
        ExprKind::Variant { enum_name, variant } => {
            let _ = write!(out, "{enum_name}::{variant}");
        }
        ExprKind::Phase(p) => {
            let _ = write!(out, "Phase::{p}");
        }
        ExprKind::StructLit { name, fields } => {
            out.push_str(name);
            write_field_inits(out, fields);
        }
        ExprKind::SelfField(f) => {
            let _ = write!(out, "self.{f}");
        }
        ExprKind::Old(f) => {
            let _ = write!(out, "old(self.{f})");
        }
        ExprKind::InputField(name) | ExprKind::Var(name) => out.push_str(name),
        ExprKind::Field(base, f) => {
            write_expr(out, base, Prec::Postfix);
            out.push('.');
            out.push_str(f);
        }
        ExprKind::Coerce(inner) => write_bare(out, inner),
        ExprKind::Not(inner) => {
            out.push('!');
            write_expr(out, inner, Prec::Prefix);
        }
        ExprKind::Neg(inner) => {
            out.push('-');
            let mut operand = String::new();
            write_expr(&mut operand, inner, Prec::Prefix);
            // `--x` parses, but reads like a decrement.
            if operand.starts_with('-') {
                let _ = write!(out, "({operand})");
            } else {
                out.push_str(&operand);
            }
        }
        ExprKind::Binary(op, l, r) => {
            let (lp, rp) = operand_prec(*op);
            write_expr(out, l, lp);
            let _ = write!(out, " {} ", op.symbol());
            write_expr(out, r, rp);
        }
        ExprKind::Len(c) => method(out, c, "len", &[]),
        ExprKind::IsEmpty(c) => method(out, c, "is_empty", &[]),
        ExprKind::IsSome(c) => method(out, c, "is_some", &[]),
        ExprKind::IsNone(c) => method(out, c, "is_none", &[]),
        ExprKind::Unwrap(c) => method(out, c, "unwrap", &[]),
        ExprKind::UnwrapOr(c, d) => method(out, c, "unwrap_or", &[d]),
        ExprKind::Get(m, k) => method(out, m, "get", &[k]),
        ExprKind::Front(q) => method(out, q, "front", &[]),
        ExprKind::Index(m, k) => {
            write_expr(out, m, Prec::Postfix);
            out.push('[');
            write_expr(out, k, Prec::Top);
            out.push(']');
        }
        ExprKind::Quant {
            kind,
            binder,
            collection,
            body,
        } => {
            out.push_str(match kind {
                Quantifier::All => "all ",
                Quantifier::Any => "any ",
            });
            write_binder(out, binder);
            out.push_str(" in ");
            write_expr(out, collection, Prec::Postfix);
            out.push_str(": ");
            write_expr(out, body, Prec::Top);
        }
    }
}

fn method(out: &mut String, receiver: &Expr, name: &str, args: &[&Expr]) {
    write_expr(out, receiver, Prec::Postfix);
    out.push('.');
    out.push_str(name);
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, a, Prec::Top);
    }
    out.push(')');
}

fn write_binder(out: &mut String, b: &Binder) {
    match b {
        Binder::One(x) => out.push_str(x),
        Binder::Pair(k, v) => {
            let _ = write!(out, "({k}, {v})");
        }
    }
}

fn write_field_inits(out: &mut String, fields: &[(String, Expr)]) {
    out.push_str(" { ");
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push_str(": ");
        write_expr(out, value, Prec::Top);
    }
    out.push_str(" }");
}

/// A string literal with exactly the escapes the grammar understands.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_emit(out: &mut String, e: &Emit) {
    out.push_str(&e.effect);
    if !e.fields.is_empty() {
        write_field_inits(out, &e.fields);
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("    ");
    }
}

fn write_block(out: &mut String, body: &[Stmt], indent: usize) {
    if body.is_empty() {
        out.push_str("{}");
    } else {
        out.push_str("{\n");
        for s in body {
            write_stmt(out, s, indent + 1);
        }
        pad(out, indent);
        out.push('}');
    }
}

fn write_stmt(out: &mut String, s: &Stmt, indent: usize) {
    pad(out, indent);
    write_stmt_body(out, s, indent);
    out.push('\n');
}

/// One statement after its indentation, without the final newline.
fn write_stmt_body(out: &mut String, s: &Stmt, indent: usize) {
    let call = |out: &mut String, field: &str, name: &str, arg: Option<&Expr>| {
        let _ = write!(out, "self.{field}.{name}(");
        if let Some(a) = arg {
            write_expr(out, a, Prec::Top);
        }
        out.push_str(");");
    };
    match s {
        Stmt::Assign { field, value } => assign(out, field, "=", value),
        Stmt::AddAssign { field, value } => assign(out, field, "+=", value),
        Stmt::SubAssign { field, value } => assign(out, field, "-=", value),
        Stmt::SetInsert { field, value } => call(out, field, "insert", Some(value)),
        Stmt::SetRemove { field, value } => call(out, field, "remove", Some(value)),
        Stmt::MapRemove { field, key } => call(out, field, "remove", Some(key)),
        Stmt::PushBack { field, value } => call(out, field, "push_back", Some(value)),
        Stmt::PopFront { field } => call(out, field, "pop_front", None),
        Stmt::Clear { field } => call(out, field, "clear", None),
        Stmt::Break => out.push_str("break;"),
        Stmt::Let { name, value } => {
            let _ = write!(out, "let {name}: {} = ", value.ty.spec_name());
            write_expr(out, value, Prec::Top);
            out.push(';');
        }
        Stmt::MapInsert { field, key, value } => {
            let _ = write!(out, "self.{field}[");
            write_expr(out, key, Prec::Top);
            out.push_str("] = ");
            write_expr(out, value, Prec::Top);
            out.push(';');
        }
        Stmt::MapFieldSet {
            field,
            key,
            path,
            value,
        } => {
            let _ = write!(out, "self.{field}[");
            write_expr(out, key, Prec::Top);
            out.push(']');
            for p in path {
                let _ = write!(out, ".{p}");
            }
            out.push_str(" = ");
            write_expr(out, value, Prec::Top);
            out.push(';');
        }
        Stmt::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str("if ");
            write_expr(out, cond, Prec::Top);
            out.push(' ');
            write_block(out, then, indent);
            match otherwise.as_slice() {
                [] => {}
                // `else if` is how a nested `if` in an `else` is written.
                [nested @ Stmt::If { .. }] => {
                    out.push_str(" else ");
                    write_stmt_body(out, nested, indent);
                }
                _ => {
                    out.push_str(" else ");
                    write_block(out, otherwise, indent);
                }
            }
        }
        Stmt::For {
            binder,
            collection,
            body,
        } => {
            out.push_str("for ");
            write_binder(out, binder);
            out.push_str(" in ");
            write_expr(out, collection, Prec::Postfix);
            out.push(' ');
            write_block(out, body, indent);
        }
        Stmt::Emit(e) => {
            out.push_str("emit ");
            write_emit(out, e);
            out.push(';');
        }
    }
}

fn assign(out: &mut String, field: &str, op: &str, value: &Expr) {
    let _ = write!(out, "self.{field} {op} ");
    write_expr(out, value, Prec::Top);
    out.push(';');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast;

    fn e(kind: ExprKind, ty: Ty) -> Expr {
        Expr { kind, ty }
    }
    fn flag(name: &str) -> Expr {
        e(ExprKind::SelfField(name.into()), Ty::Bool)
    }
    fn num(name: &str) -> Expr {
        e(ExprKind::SelfField(name.into()), Ty::U64)
    }
    fn lit(v: u64) -> Expr {
        e(ExprKind::U64(v), Ty::U64)
    }
    fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
        let ty = match op {
            BinOp::Add | BinOp::Sub => l.ty.clone(),
            _ => Ty::Bool,
        };
        e(ExprKind::Binary(op, Box::new(l), Box::new(r)), ty)
    }
    fn not(x: Expr) -> Expr {
        e(ExprKind::Not(Box::new(x)), Ty::Bool)
    }
    fn coerce(x: Expr, ty: Ty) -> Expr {
        e(ExprKind::Coerce(Box::new(x)), ty)
    }
    fn set(name: &str) -> Expr {
        e(ExprKind::SelfField(name.into()), Ty::Set(Box::new(Ty::U64)))
    }
    fn quant(kind: Quantifier, var: &str, coll: Expr, body: Expr) -> Expr {
        e(
            ExprKind::Quant {
                kind,
                binder: Binder::One(var.into()),
                collection: Box::new(coll),
                body: Box::new(body),
            },
            Ty::Bool,
        )
    }

    #[test]
    fn literals() {
        assert_eq!(expr(&lit(42)), "42");
        assert_eq!(expr(&e(ExprKind::I64(-3), Ty::I64)), "-3");
        assert_eq!(expr(&e(ExprKind::Bool(false), Ty::Bool)), "false");
        assert_eq!(
            expr(&e(ExprKind::Str("a\"b\\c\nd\te".into()), Ty::String)),
            r#""a\"b\\c\nd\te""#
        );
        assert_eq!(
            expr(&e(ExprKind::None, Ty::Option(Box::new(Ty::U64)))),
            "none"
        );
        assert_eq!(
            expr(&e(
                ExprKind::EmptyMap,
                Ty::Map(Box::new(Ty::U64), Box::new(Ty::U64))
            )),
            "{}"
        );
        assert_eq!(
            expr(&e(ExprKind::EmptySeq, Ty::Seq(Box::new(Ty::U64)))),
            "[]"
        );
        assert_eq!(
            expr(&e(
                ExprKind::Variant {
                    enum_name: "FailReason".into(),
                    variant: "Disk".into()
                },
                Ty::Enum("FailReason".into())
            )),
            "FailReason::Disk"
        );
        assert_eq!(
            expr(&e(ExprKind::Phase("Done".into()), Ty::Phase)),
            "Phase::Done"
        );
    }

    #[test]
    fn coerce_is_invisible() {
        let jobs = Ty::Newtype("Bytes".into());
        let x = bin(
            BinOp::Add,
            coerce(lit(1), jobs.clone()),
            coerce(num("total"), jobs),
        );
        assert_eq!(expr(&x), "1 + self.total");
        // Precedence looks through the coercion too.
        let y = bin(
            BinOp::Sub,
            num("a"),
            coerce(bin(BinOp::Add, num("b"), num("c")), Ty::U64),
        );
        assert_eq!(expr(&y), "self.a - (self.b + self.c)");
    }

    #[test]
    fn minimal_parentheses() {
        let (a, b_, c) = (flag("a"), flag("b"), flag("c"));
        assert_eq!(
            expr(&bin(
                BinOp::Or,
                a.clone(),
                bin(BinOp::And, b_.clone(), c.clone())
            )),
            "self.a || self.b && self.c"
        );
        assert_eq!(
            expr(&bin(
                BinOp::And,
                bin(BinOp::Or, a.clone(), b_.clone()),
                c.clone()
            )),
            "(self.a || self.b) && self.c"
        );
        // Left-associative: only a right-nested group needs parentheses.
        assert_eq!(
            expr(&bin(
                BinOp::Or,
                bin(BinOp::Or, a.clone(), b_.clone()),
                c.clone()
            )),
            "self.a || self.b || self.c"
        );
        assert_eq!(
            expr(&bin(
                BinOp::Or,
                a.clone(),
                bin(BinOp::Or, b_.clone(), c.clone())
            )),
            "self.a || (self.b || self.c)"
        );
        // Right-associative implies.
        assert_eq!(
            expr(&bin(
                BinOp::Implies,
                a.clone(),
                bin(BinOp::Implies, b_.clone(), c.clone())
            )),
            "self.a implies self.b implies self.c"
        );
        assert_eq!(
            expr(&bin(
                BinOp::Implies,
                bin(BinOp::Implies, a.clone(), b_.clone()),
                c.clone()
            )),
            "(self.a implies self.b) implies self.c"
        );
        // Subtraction is not associative.
        let (x, y, z) = (num("x"), num("y"), num("z"));
        assert_eq!(
            expr(&bin(
                BinOp::Sub,
                bin(BinOp::Sub, x.clone(), y.clone()),
                z.clone()
            )),
            "self.x - self.y - self.z"
        );
        assert_eq!(
            expr(&bin(
                BinOp::Sub,
                x.clone(),
                bin(BinOp::Sub, y.clone(), z.clone())
            )),
            "self.x - (self.y - self.z)"
        );
        // Comparisons are non-associative.
        assert_eq!(
            expr(&bin(
                BinOp::Eq,
                bin(BinOp::Lt, x.clone(), y.clone()),
                a.clone()
            )),
            "(self.x < self.y) == self.a"
        );
        assert_eq!(
            expr(&bin(
                BinOp::Le,
                bin(BinOp::Add, x.clone(), y.clone()),
                z.clone()
            )),
            "self.x + self.y <= self.z"
        );
        assert_eq!(
            expr(&not(bin(BinOp::In, x.clone(), set("seen")))),
            "!(self.x in self.seen)"
        );
        assert_eq!(expr(&not(not(a.clone()))), "!!self.a");
    }

    #[test]
    fn negation() {
        let i = |v| e(ExprKind::I64(v), Ty::I64);
        let neg = |x: Expr| e(ExprKind::Neg(Box::new(x)), Ty::I64);
        assert_eq!(expr(&neg(e(ExprKind::Var("d".into()), Ty::I64))), "-d");
        assert_eq!(expr(&neg(i(-3))), "-(-3)");
        assert_eq!(expr(&bin(BinOp::Sub, i(1), i(-3))), "1 - -3");
        let sum = bin(BinOp::Add, i(1), i(2));
        assert_eq!(expr(&neg(sum)), "-(1 + 2)");
    }

    #[test]
    fn postfix_and_calls() {
        let opt = e(
            ExprKind::SelfField("job".into()),
            Ty::Option(Box::new(Ty::String)),
        );
        assert_eq!(
            expr(&e(ExprKind::Unwrap(Box::new(opt.clone())), Ty::String)),
            "self.job.unwrap()"
        );
        assert_eq!(
            expr(&e(
                ExprKind::UnwrapOr(
                    Box::new(opt),
                    Box::new(e(ExprKind::Str("none".into()), Ty::String))
                ),
                Ty::String
            )),
            r#"self.job.unwrap_or("none")"#
        );
        let map = e(
            ExprKind::SelfField("errors".into()),
            Ty::Map(Box::new(Ty::U64), Box::new(Ty::U64)),
        );
        let key = bin(BinOp::Add, num("retries"), lit(1));
        assert_eq!(
            expr(&e(
                ExprKind::Index(Box::new(map.clone()), Box::new(key.clone())),
                Ty::U64
            )),
            "self.errors[self.retries + 1]"
        );
        assert_eq!(
            expr(&e(
                ExprKind::Get(Box::new(map.clone()), Box::new(key)),
                Ty::Option(Box::new(Ty::U64))
            )),
            "self.errors.get(self.retries + 1)"
        );
        assert_eq!(
            expr(&e(ExprKind::Len(Box::new(map)), Ty::U64)),
            "self.errors.len()"
        );
        let chunk = e(
            ExprKind::InputField("chunk".into()),
            Ty::Struct("Chunk".into()),
        );
        assert_eq!(
            expr(&e(ExprKind::Field(Box::new(chunk), "len".into()), Ty::U64)),
            "chunk.len"
        );
        assert_eq!(
            expr(&e(ExprKind::Old("received".into()), Ty::U64)),
            "old(self.received)"
        );
        let lit_struct = e(
            ExprKind::StructLit {
                name: "Chunk".into(),
                fields: vec![("offset".into(), lit(0)), ("len".into(), num("n"))],
            },
            Ty::Struct("Chunk".into()),
        );
        assert_eq!(expr(&lit_struct), "Chunk { offset: 0, len: self.n }");
        assert_eq!(
            expr(&e(
                ExprKind::Field(Box::new(lit_struct), "len".into()),
                Ty::U64
            )),
            "Chunk { offset: 0, len: self.n }.len"
        );
        // A receiver that is not postfix-strong gets parentheses.
        let seq = Ty::Seq(Box::new(Ty::U64));
        let front = e(
            ExprKind::Front(Box::new(e(ExprKind::SelfField("q".into()), seq))),
            Ty::Option(Box::new(Ty::U64)),
        );
        assert_eq!(
            expr(&e(ExprKind::IsSome(Box::new(front)), Ty::Bool)),
            "self.q.front().is_some()"
        );
    }

    #[test]
    fn quantifiers() {
        let x = e(ExprKind::Var("x".into()), Ty::U64);
        let q = quant(
            Quantifier::All,
            "x",
            set("seen"),
            bin(BinOp::Lt, x.clone(), num("total")),
        );
        assert_eq!(expr(&q), "all x in self.seen: x < self.total");
        // As an operand, a quantifier is parenthesised so its body ends where it should.
        assert_eq!(
            expr(&bin(BinOp::And, q.clone(), flag("a"))),
            "(all x in self.seen: x < self.total) && self.a"
        );
        assert_eq!(
            expr(&bin(BinOp::And, flag("a"), q.clone())),
            "self.a && (all x in self.seen: x < self.total)"
        );
        assert_eq!(
            expr(&not(q.clone())),
            "!(all x in self.seen: x < self.total)"
        );
        let pair = e(
            ExprKind::Quant {
                kind: Quantifier::Any,
                binder: Binder::Pair("k".into(), "v".into()),
                collection: Box::new(num("m")),
                body: Box::new(q),
            },
            Ty::Bool,
        );
        assert_eq!(
            expr(&pair),
            "any (k, v) in self.m: all x in self.seen: x < self.total"
        );
    }

    #[test]
    fn statements() {
        let body = vec![
            Stmt::SetInsert {
                field: "seen".into(),
                value: lit(1),
            },
            Stmt::If {
                cond: flag("a"),
                then: vec![Stmt::AddAssign {
                    field: "n".into(),
                    value: lit(1),
                }],
                otherwise: vec![Stmt::If {
                    cond: flag("b"),
                    then: vec![],
                    otherwise: vec![Stmt::Clear { field: "q".into() }],
                }],
            },
            Stmt::For {
                binder: Binder::Pair("k".into(), "v".into()),
                collection: num("m"),
                body: vec![
                    Stmt::MapRemove {
                        field: "m".into(),
                        key: e(ExprKind::Var("k".into()), Ty::U64),
                    },
                    Stmt::Emit(Emit {
                        effect: "Dropped".into(),
                        fields: vec![("key".into(), e(ExprKind::Var("k".into()), Ty::U64))],
                    }),
                ],
            },
            Stmt::MapInsert {
                field: "m".into(),
                key: lit(2),
                value: lit(3),
            },
            Stmt::MapFieldSet {
                field: "m".into(),
                key: lit(2),
                path: vec!["hold".into(), "amount".into()],
                value: bin(BinOp::Add, lit(3), lit(4)),
            },
            Stmt::PopFront { field: "q".into() },
            Stmt::Emit(Emit {
                effect: "Tick".into(),
                fields: vec![],
            }),
        ];
        let expected = r#"
    self.seen.insert(1);
    if self.a {
        self.n += 1;
    } else if self.b {} else {
        self.q.clear();
    }
    for (k, v) in self.m {
        self.m.remove(k);
        emit Dropped { key: k };
    }
    self.m[2] = 3;
    self.m[2].hold.amount = 3 + 4;
    self.q.pop_front();
    emit Tick;
"#;
        assert_eq!(stmts(&body, 1), &expected[1..]);
        assert_eq!(stmts(&[], 0), "");
    }

    #[test]
    fn types() {
        let t = Ty::Map(
            Box::new(Ty::Newtype("JobId".into())),
            Box::new(Ty::Option(Box::new(Ty::Seq(Box::new(Ty::I64))))),
        );
        assert_eq!(ty(&t), "Map<JobId, Option<Seq<i64>>>");
    }

    /// A shape-only rendering of a parsed expression, to compare with the IR's.
    fn ast_shape(x: &ast::Expr) -> String {
        use ast::ExprKind as K;
        match &x.kind {
            K::Binary(op, l, r) => format!("({} {} {})", op.symbol(), ast_shape(l), ast_shape(r)),
            K::Unary(ast::UnOp::Not, i) => format!("(! {})", ast_shape(i)),
            K::Unary(ast::UnOp::Neg, i) => format!("(neg {})", ast_shape(i)),
            K::SelfField(f) => format!("self.{}", f.name),
            K::Int(v) => v.to_string(),
            K::Name(n) => n.name.clone(),
            K::Quant {
                collection, body, ..
            } => format!("(quant {} {})", ast_shape(collection), ast_shape(body)),
            other => format!("{other:?}"),
        }
    }

    fn ir_shape(x: &Expr) -> String {
        match &x.kind {
            ExprKind::Binary(op, l, r) => {
                format!("({} {} {})", op.symbol(), ir_shape(l), ir_shape(r))
            }
            ExprKind::Not(i) => format!("(! {})", ir_shape(i)),
            ExprKind::Neg(i) => format!("(neg {})", ir_shape(i)),
            ExprKind::Coerce(i) => ir_shape(i),
            ExprKind::SelfField(f) => format!("self.{f}"),
            ExprKind::U64(v) => v.to_string(),
            ExprKind::I64(v) => v.to_string(),
            ExprKind::Var(n) => n.clone(),
            ExprKind::Quant {
                collection, body, ..
            } => format!("(quant {} {})", ir_shape(collection), ir_shape(body)),
            other => format!("{other:?}"),
        }
    }

    /// Every tree of depth two over all binary operators, prefix operators and a
    /// quantifier, printed and parsed back, has the same shape: the parentheses are
    /// exactly enough.
    #[test]
    fn printed_expressions_parse_back_to_the_same_tree() {
        const OPS: [BinOp; 12] = [
            BinOp::Implies,
            BinOp::Or,
            BinOp::And,
            BinOp::Eq,
            BinOp::Ne,
            BinOp::Lt,
            BinOp::Le,
            BinOp::Gt,
            BinOp::Ge,
            BinOp::In,
            BinOp::Add,
            BinOp::Sub,
        ];
        let leaves = vec![
            num("a"),
            lit(7),
            not(flag("f")),
            quant(Quantifier::Any, "x", set("s"), flag("g")),
        ];
        let mut level1 = leaves.clone();
        for op in OPS {
            level1.push(bin(op, num("a"), num("b")));
        }
        let mut trees = Vec::new();
        for op in OPS {
            for l in &level1 {
                for r in &level1 {
                    trees.push(bin(op, l.clone(), r.clone()));
                }
            }
        }
        for l in &level1 {
            trees.push(not(l.clone()));
            trees.push(e(ExprKind::Neg(Box::new(l.clone())), Ty::I64));
        }
        for t in &trees {
            let text = expr(t);
            let source = format!("machine M {{ invariant i: {text}; }}");
            let file = crate::parse::parse(&source)
                .unwrap_or_else(|d| panic!("`{text}` does not parse: {}", d.message));
            let ast::Item::Invariant(inv) = &file.machines[0].items[0] else {
                panic!("expected an invariant");
            };
            assert_eq!(ast_shape(&inv.expr), ir_shape(t), "printed as `{text}`");
        }
    }
}
