//! Facts that make partial operations (`m[k]`, `o.unwrap()`) safe, and spec-syntax
//! printing of expressions for messages.

use crate::ast::{self, BinOp, UnOp};
use crate::ir::{self, ExprKind as K};

/// The top-level `&&`-conjuncts of a checked condition, normalised.
pub(crate) fn conjuncts(e: &ir::Expr) -> Vec<ir::Expr> {
    match &e.kind {
        K::Binary(BinOp::And, l, r) => {
            let mut out = conjuncts(l);
            out.extend(conjuncts(r));
            out
        }
        _ => vec![normalize(e)],
    }
}

/// What holds where the checked condition `e` is false (an `else` branch), normalised:
/// `!c` gives the conjuncts of `c`, `a || b` what `!a` and `!b` give, `o == none` that
/// `o != none`, anything else `!e`.
pub(crate) fn negation(e: &ir::Expr) -> Vec<ir::Expr> {
    match &e.kind {
        K::Not(inner) => conjuncts(inner),
        K::Binary(BinOp::Eq, a, b) if matches!(a.kind, K::None) || matches!(b.kind, K::None) => {
            vec![normalize(&ir::Expr {
                kind: K::Binary(BinOp::Ne, a.clone(), b.clone()),
                ty: ir::Ty::Bool,
            })]
        }
        K::Binary(BinOp::Or, l, r) => {
            let mut out = negation(l);
            out.extend(negation(r));
            out
        }
        _ => vec![normalize(&ir::Expr {
            kind: K::Not(Box::new(e.clone())),
            ty: ir::Ty::Bool,
        })],
    }
}

/// `e` without `Coerce` nodes and with every type erased: facts compare the shape of
/// values, not their newtype wrappers (a literal typed by its base on one side may meet
/// the same value through a newtype on the other).
pub(crate) fn normalize(e: &ir::Expr) -> ir::Expr {
    let kind = match &e.kind {
        K::Coerce(inner) => return normalize(inner),
        _ => map_children(e, &mut normalize),
    };
    ir::Expr {
        kind,
        ty: ir::Ty::Bool,
    }
}

/// Guards see the pre-state, so a guard fact about `self.f` also holds for `old(self.f)`
/// in the body: the copies of `facts` that read `self`, with `old()` reads instead.
pub(crate) fn pre_state_copies(facts: &[ir::Expr]) -> Vec<ir::Expr> {
    fn rewrite(e: &ir::Expr) -> ir::Expr {
        let kind = match &e.kind {
            K::SelfField(f) => K::Old(f.clone()),
            _ => map_children(e, &mut rewrite),
        };
        ir::Expr {
            kind,
            ty: e.ty.clone(),
        }
    }
    facts
        .iter()
        .map(rewrite)
        .filter(|copy| !facts.contains(copy))
        .collect()
}

/// `e`'s kind with `f` applied to every direct child expression.
fn map_children(e: &ir::Expr, f: &mut dyn FnMut(&ir::Expr) -> ir::Expr) -> K {
    let mut b = |x: &ir::Expr| Box::new(f(x));
    match &e.kind {
        K::Coerce(x) => K::Coerce(b(x)),
        K::Some(x) => K::Some(b(x)),
        K::StructLit { name, fields } => K::StructLit {
            name: name.clone(),
            fields: fields.iter().map(|(n, v)| (n.clone(), *b(v))).collect(),
        },
        K::Field(x, name) => K::Field(b(x), name.clone()),
        K::Not(x) => K::Not(b(x)),
        K::Neg(x) => K::Neg(b(x)),
        K::Binary(op, l, r) => K::Binary(*op, b(l), b(r)),
        K::Len(x) => K::Len(b(x)),
        K::IsEmpty(x) => K::IsEmpty(b(x)),
        K::IsSome(x) => K::IsSome(b(x)),
        K::IsNone(x) => K::IsNone(b(x)),
        K::Unwrap(x) => K::Unwrap(b(x)),
        K::UnwrapOr(x, y) => K::UnwrapOr(b(x), b(y)),
        K::Get(x, y) => K::Get(b(x), b(y)),
        K::Index(x, y) => K::Index(b(x), b(y)),
        K::Front(x) => K::Front(b(x)),
        K::Quant {
            kind,
            binder,
            collection,
            body,
        } => K::Quant {
            kind: *kind,
            binder: binder.clone(),
            collection: b(collection),
            body: b(body),
        },
        other => other.clone(),
    }
}

/// What a fact says is there: a key in a collection, or a value in an option.
#[derive(PartialEq)]
pub(crate) enum Present<'e> {
    /// `k in m`, and every way of saying `m.get(k)` holds a value.
    Key {
        coll: &'e ir::Expr,
        key: &'e ir::Expr,
    },
    /// `o != none`, `none != o`, `o.is_some()` or `!o.is_none()`, for another option `o`.
    Value(&'e ir::Expr),
}

/// The presence `fact` states, in whichever of its spellings it is written.
pub(crate) fn present(fact: &ir::Expr) -> Option<Present<'_>> {
    let option = match &fact.kind {
        K::Binary(BinOp::In, key, coll) => return Some(Present::Key { coll, key }),
        K::IsSome(o) => o,
        K::Not(inner) => match &inner.kind {
            K::IsNone(o) => o,
            _ => return None,
        },
        K::Binary(BinOp::Ne, a, b) => match (&a.kind, &b.kind) {
            (_, K::None) => a,
            (K::None, _) => b,
            _ => return None,
        },
        _ => return None,
    };
    Some(match &option.kind {
        K::Get(coll, key) => Present::Key { coll, key },
        _ => Present::Value(option),
    })
}

/// Whether `needed` (`k in m` or `o != none`) follows from one of `facts` (normalised):
/// the same fact, or the same presence in another spelling (see [`present`]).
pub(crate) fn established(facts: &[ir::Expr], needed: &ir::Expr) -> bool {
    let needed = normalize(needed);
    let wanted = present(&needed);
    facts
        .iter()
        .any(|f| *f == needed || (wanted.is_some() && present(f) == wanted))
}

/// A guard name to suggest for establishing a partial operation.
pub(crate) fn guard_name_for(e: &ast::Expr) -> String {
    use ast::ExprKind as A;
    let base = match &e.kind {
        A::Call(recv, _, _) => recv,
        A::Index(map, _) => map,
        _ => return "established".to_string(),
    };
    let last = match &base.kind {
        A::SelfField(f) | A::Old(f) | A::Name(f) | A::Field(_, f) => Some(f.name.as_str()),
        _ => None,
    };
    match (&e.kind, last) {
        (A::Index(..), Some(name)) => format!("known_in_{name}"),
        (_, Some(name)) => format!("has_{name}"),
        _ => "has_value".to_string(),
    }
}

fn precedence(e: &ast::Expr) -> u8 {
    use ast::ExprKind as A;
    match &e.kind {
        A::Binary(op, ..) => match op {
            BinOp::Implies => 1,
            BinOp::Or => 2,
            BinOp::And => 3,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::In => 4,
            BinOp::Add | BinOp::Sub => 5,
        },
        A::Quant { .. } => 0,
        A::Unary(..) => 6,
        _ => 7,
    }
}

/// Prints an expression in spec syntax, with the parentheses precedence requires.
pub(crate) fn show(e: &ast::Expr) -> String {
    show_with(e, false)
}

/// Like [`show`], but `old(self.f)` printed as `self.f`: the same value as a guard sees
/// it, for suggesting a guard (where `old()` is not allowed).
pub(crate) fn show_pre_state(e: &ast::Expr) -> String {
    show_with(e, true)
}

fn show_with(e: &ast::Expr, pre_state: bool) -> String {
    let show = |e: &ast::Expr| show_with(e, pre_state);
    use ast::ExprKind as A;
    let wrap = |inner: &ast::Expr, min: u8| {
        let s = show(inner);
        if precedence(inner) < min {
            format!("({s})")
        } else {
            s
        }
    };
    let fields = |fs: &[ast::FieldInit]| {
        fs.iter()
            .map(|f| format!("{}: {}", f.name.name, show(&f.value)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &e.kind {
        A::Bool(b) => b.to_string(),
        A::Int(v) => v.to_string(),
        A::Str(s) => format!("{s:?}"),
        A::None => "none".into(),
        A::Some(x) => format!("some({})", show(x)),
        A::EmptySeq => "[]".into(),
        A::EmptyBraces => "{}".into(),
        A::Path(a, b) => format!("{}::{}", a.name, b.name),
        A::StructLit(n, fs) => format!("{} {{ {} }}", n.name, fields(fs)),
        A::SelfField(f) => format!("self.{}", f.name),
        A::Old(f) if pre_state => format!("self.{}", f.name),
        A::Old(f) => format!("old(self.{})", f.name),
        A::Name(n) => n.name.clone(),
        A::Field(x, f) => format!("{}.{}", wrap(x, 7), f.name),
        A::Call(x, m, args) => format!(
            "{}.{}({})",
            wrap(x, 7),
            m.name,
            args.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        A::Index(x, k) => format!("{}[{}]", wrap(x, 7), show(k)),
        A::Unary(op, x) => {
            let sym = if *op == UnOp::Not { "!" } else { "-" };
            format!("{sym}{}", wrap(x, 6))
        }
        A::Binary(op, l, r) => {
            let p = precedence(e);
            // Comparisons do not chain and `implies` associates to the right.
            let (lmin, rmin) = match op {
                BinOp::Implies => (p + 1, p),
                _ if p == 4 => (p + 1, p + 1),
                _ => (p, p + 1),
            };
            format!("{} {} {}", wrap(l, lmin), op.symbol(), wrap(r, rmin))
        }
        A::Quant {
            kind,
            binder,
            collection,
            body,
        } => {
            let k = if *kind == ast::Quantifier::All {
                "all"
            } else {
                "any"
            };
            let b = match binder {
                ast::Binder::One(x) => x.name.clone(),
                ast::Binder::Pair(a, b) => format!("({}, {})", a.name, b.name),
            };
            format!("{k} {b} in {}: {}", wrap(collection, 7), show(body))
        }
    }
}
