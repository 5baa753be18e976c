//! One map lookup where the spec names the same entry several times.
//!
//! A `Map` is an ordered map (`suricate_kernel::OrdMap`), and a lookup that misses its
//! shortcuts is a search of a thousand entries; specs name one entry many times in a row
//! (`c in self.m && self.m[c].f == x`, or `self.m[c].a = ..; self.m[c].b = ..;`). The
//! generator binds such an entry once, to the local `entry`, and reads and writes it
//! through that:
//!
//! - `k in self.m && e` becomes `match state.m.get(k) { Some(entry) => e, None => false }`;
//! - `if k in self.m { .. }` becomes `if let Some(entry) = state.m.get(k) { .. }` when the
//!   branch only reads that entry, and `.. get_mut(k) ..` when it also writes fields of it
//!   or starts with a run that writes it; `if k in self.m && e { .. }` uses the same
//!   lookup with `e` as a match guard;
//! - a run of statements that starts by writing `self.m[k]` looks the entry up once.
//!
//! Only where it cannot change behaviour: the key is *stable* (see [`stable`]: no
//! statement can change its value), every access to the map inside is to that key, nothing
//! rebinds a name the key reads, and nothing reads a spec name `entry` (which the local
//! would shadow). A run is a sequence of straight-line statements, so an entry that was
//! there at its start is there throughout, and faults are raised in the same order as
//! without it.

use crate::ir::{BinOp, Binder, Emit, Expr, ExprKind, Stmt, Ty};
use crate::ir::{any_expr, visit_expr};

/// The local an entry is bound to.
pub const LOCAL: &str = "entry";

/// `k in self.m` on a map with a stable key: the map's field and the key.
pub fn membership(e: &Expr) -> Option<(&str, &Expr)> {
    let ExprKind::Binary(BinOp::In, key, coll) = &e.kind else {
        return None;
    };
    match (&coll.kind, &coll.ty) {
        (ExprKind::SelfField(m), Ty::Map(..)) if stable(key) && !reads_local(key) => Some((m, key)),
        _ => None,
    }
}

/// `k in self.m && e1 && e2 ..` as the membership test's map and key and the other
/// conjuncts, in order (`&&` groups to the left, so the test is the leftmost conjunct);
/// a bare `k in self.m` has none.
pub fn guarded_membership(e: &Expr) -> Option<(&str, &Expr, Vec<&Expr>)> {
    let mut rest = Vec::new();
    let mut first = e;
    while let ExprKind::Binary(BinOp::And, left, right) = &first.kind {
        rest.push(&**right);
        first = left;
    }
    rest.reverse();
    let (map, key) = membership(first)?;
    Some((map, key, rest))
}

/// Whether `e`'s value cannot change while a transition runs: a variable, an input field,
/// an `old()` value or a literal, or a field, conversion or `some(..)` of one.
pub fn stable(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::InputField(_) | ExprKind::Old(_) => true,
        ExprKind::Bool(_)
        | ExprKind::U64(_)
        | ExprKind::I64(_)
        | ExprKind::Str(_)
        | ExprKind::Variant { .. } => true,
        ExprKind::Field(inner, _) | ExprKind::Coerce(inner) | ExprKind::Some(inner) => {
            stable(inner)
        }
        _ => false,
    }
}

/// Whether `e` may read `self.<map>[key]` through the bound entry: it touches the map only
/// at that key, rebinds no name the key reads, and does not read a spec name `entry`.
pub fn through_entry(e: &Expr, map: &str, key: &Expr) -> bool {
    let names = names_read(key);
    let (mut maps, mut entries, mut ok) = (0, 0, !reads_local(e));
    visit_expr(e, &mut |x| match &x.kind {
        ExprKind::SelfField(f) if f == map => maps += 1,
        ExprKind::Index(m, k) if is_field(m, map) && **k == *key => entries += 1,
        // The checker forbids shadowing today; this keeps the rewrite right regardless.
        ExprKind::Quant { binder, .. } => ok &= !binds_any(binder, &names),
        _ => {}
    });
    // Each entry access holds exactly one mention of the map (the key mentions none).
    ok && maps == entries
}

/// Whether `e` reads `self.<map>[key]`.
pub fn reads_entry(e: &Expr, map: &str, key: &Expr) -> bool {
    any_expr(
        e,
        |x| matches!(&x.kind, ExprKind::Index(m, k) if is_field(m, map) && **k == *key),
    )
}

/// How many of `stmts`, from the first, can use an entry of `self.<map>` bound at `key`:
/// writes of that entry's fields, and writes of other fields, pushes and emits that read
/// the map only through the entry.
pub fn run_len(stmts: &[Stmt], map: &str, key: &Expr) -> usize {
    stmts.iter().take_while(|s| member(s, map, key)).count()
}

/// The statements a run can hold: writes of the entry's fields, writes of other fields,
/// pushes and emits, each touching the map only through the entry.
fn member(s: &Stmt, map: &str, key: &Expr) -> bool {
    let kind = match s {
        Stmt::MapFieldSet { field, .. } => field == map,
        Stmt::Assign { .. }
        | Stmt::AddAssign { .. }
        | Stmt::SubAssign { .. }
        | Stmt::PushBack { .. }
        | Stmt::Emit(_) => true,
        _ => false,
    };
    kind && touches_only_entry(std::slice::from_ref(s), map, key)
}

/// Whether `s` writes a field of `self.<map>[key]`.
pub fn writes_entry(s: &Stmt, map: &str, key: &Expr) -> bool {
    matches!(s, Stmt::MapFieldSet { field, key: k, .. } if field == map && k == key)
}

/// Whether `e` reads a variable or input field named like the local, which would shadow it.
pub fn reads_local(e: &Expr) -> bool {
    any_expr(
        e,
        |x| matches!(&x.kind, ExprKind::Var(n) | ExprKind::InputField(n) if n == LOCAL),
    )
}

fn is_field(e: &Expr, map: &str) -> bool {
    matches!(&e.kind, ExprKind::SelfField(f) if f == map)
}

/// The variable and input-field names `e` reads.
fn names_read(e: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    visit_expr(e, &mut |x| {
        if let ExprKind::Var(n) | ExprKind::InputField(n) = &x.kind {
            names.push(n.clone());
        }
    });
    names
}

fn binds_any(binder: &Binder, names: &[String]) -> bool {
    match binder {
        Binder::One(x) => names.contains(x),
        Binder::Pair(k, v) => names.contains(k) || names.contains(v),
    }
}

/// Whether `stmts`, nested ones included, leave `self.<map>` unwritten, read it only at
/// `key` through the entry, and rebind no name the key reads: an `if k in self.m` branch
/// of such statements can share one immutably borrowed entry.
pub fn reads_only_entry(stmts: &[Stmt], map: &str, key: &Expr) -> bool {
    only_entry(stmts, map, key, false)
}

/// Like [`reads_only_entry`], but the statements may also write fields of that entry
/// (`self.m[k].f = v;`), so they can share one mutably borrowed entry.
pub fn touches_only_entry(stmts: &[Stmt], map: &str, key: &Expr) -> bool {
    only_entry(stmts, map, key, true)
}

fn only_entry(stmts: &[Stmt], map: &str, key: &Expr, writes: bool) -> bool {
    let names = names_read(key);
    let nested = |stmts: &[Stmt]| only_entry(stmts, map, key, writes);
    stmts.iter().all(|s| match s {
        Stmt::If {
            cond,
            then,
            otherwise,
        } => through_entry(cond, map, key) && nested(then) && nested(otherwise),
        Stmt::For {
            binder,
            collection,
            body,
        } => !binds_any(binder, &names) && through_entry(collection, map, key) && nested(body),
        Stmt::Break => true,
        // A `let` of that name would shadow the bound entry (or, like a loop variable,
        // the key's names; the checker forbids that today).
        Stmt::Let { name, value } => {
            name != LOCAL && !names.contains(name) && through_entry(value, map, key)
        }
        Stmt::Emit(Emit { fields, .. }) => fields.iter().all(|(_, v)| through_entry(v, map, key)),
        Stmt::Assign { field, value }
        | Stmt::AddAssign { field, value }
        | Stmt::SubAssign { field, value }
        | Stmt::SetInsert { field, value }
        | Stmt::SetRemove { field, value }
        | Stmt::PushBack { field, value } => field != map && through_entry(value, map, key),
        Stmt::MapInsert {
            field,
            key: k,
            value,
        } => field != map && through_entry(k, map, key) && through_entry(value, map, key),
        Stmt::MapFieldSet {
            field,
            key: k,
            value,
            ..
        } if field == map => writes && k == key && through_entry(value, map, key),
        Stmt::MapFieldSet { key: k, value, .. } => {
            through_entry(k, map, key) && through_entry(value, map, key)
        }
        Stmt::MapRemove { field, key: k } => field != map && through_entry(k, map, key),
        Stmt::PopFront { field } | Stmt::Clear { field } => field != map,
    })
}
