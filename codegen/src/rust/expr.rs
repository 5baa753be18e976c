//! IR expressions -> Rust expressions.
//!
//! Generated expressions live in functions returning `Result<_, Fault>`: partial
//! operations and checked arithmetic exit with `?`, so generated code never panics.
//! A *place* is an lvalue of the expression's type (`state.f`, `(*x)`, `p.f`), used to
//! compare or call methods without cloning; a *value* is an owned result.

use super::entry;
use super::names::{ident, old_local};
use crate::ir::{BinOp, Binder, Expr, ExprKind, Machine, Quantifier, Ty};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

pub struct ExprGen<'m> {
    pub machine: &'m Machine,
    /// A map entry bound to the local `entry` (see `entry.rs`): the map's field and the
    /// key. `self.m[k]` at that map and key renders as the local instead of a lookup.
    entry: Option<(String, Expr)>,
}

impl<'m> ExprGen<'m> {
    pub fn new(machine: &'m Machine) -> Self {
        ExprGen {
            machine,
            entry: None,
        }
    }

    /// The same generator, reading `self.<map>[key]` through the local `entry`.
    pub fn with_entry(&self, map: &str, key: &Expr) -> ExprGen<'m> {
        ExprGen {
            machine: self.machine,
            entry: Some((map.to_string(), key.clone())),
        }
    }

    /// Whether an entry is bound.
    pub fn has_entry(&self) -> bool {
        self.entry.is_some()
    }

    /// Whether `self.<map>[key]` is the bound entry.
    pub fn binds_entry(&self, map: &str, key: &Expr) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|(m, k)| m == map && key == k)
    }

    /// Whether `map[key]` is the bound entry.
    fn is_entry(&self, map: &Expr, key: &Expr) -> bool {
        matches!(&map.kind, ExprKind::SelfField(f) if self.binds_entry(f, key))
    }

    /// A string-typed operand seen through its newtype, for comparing with a literal.
    fn newtype_inner(&self, e: &Expr) -> TokenStream {
        let r = self.receiver(e);
        if self.is_newtype(&e.ty) {
            quote!(#r.0)
        } else {
            self.operand(e)
        }
    }

    /// Whether values of `ty` are `Copy` in the generated code.
    pub fn is_copy(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Bool | Ty::U64 | Ty::I64 | Ty::Phase | Ty::Enum(_) => true,
            Ty::Newtype(n) => self
                .machine
                .newtype(n)
                .is_some_and(|n| self.is_copy(&n.base)),
            Ty::Option(inner) => self.is_copy(inner),
            Ty::String | Ty::Struct(_) | Ty::Seq(_) | Ty::Set(_) | Ty::Map(..) => false,
        }
    }

    fn is_newtype(&self, ty: &Ty) -> bool {
        matches!(ty, Ty::Newtype(_))
    }

    /// Where `e`'s data lives, if it denotes stored data rather than a computed value.
    pub fn place(&self, e: &Expr) -> Option<Place> {
        Some(match &e.kind {
            ExprKind::SelfField(f) => {
                let f = ident(f);
                Place::Lvalue(quote!(state.#f))
            }
            ExprKind::Old(f) => {
                let local = old_local(f);
                Place::Lvalue(quote!(#local))
            }
            // Input fields and loop variables are bound by reference.
            ExprKind::InputField(x) | ExprKind::Var(x) => {
                let x = ident(x);
                Place::Ref(quote!(#x))
            }
            ExprKind::Field(inner, f) => {
                let inner = self.place(inner)?.receiver();
                let f = ident(f);
                Place::Lvalue(quote!(#inner.#f))
            }
            ExprKind::Coerce(inner) if self.is_newtype(&inner.ty) && !self.is_newtype(&e.ty) => {
                let inner = self.place(inner)?.receiver();
                Place::Lvalue(quote!(#inner.0))
            }
            ExprKind::Unwrap(inner) => {
                let inner = self.place(inner)?.receiver();
                Place::Ref(quote!(#inner.as_ref().ok_or(Fault::Absent)?))
            }
            ExprKind::Index(map, key) if self.is_entry(map, key) => {
                let local = ident(entry::LOCAL);
                Place::Ref(quote!(#local))
            }
            ExprKind::Index(map, key) => {
                let map = self.place(map)?.receiver();
                let key = self.borrowed(key);
                let get = map_lookup(MapLookup::Get, map, key);
                Place::Ref(quote!(#get.ok_or(Fault::Absent)?))
            }
            _ => return None,
        })
    }

    /// A receiver for methods taking `&self` (auto-ref applies): the place, or the value.
    pub fn receiver(&self, e: &Expr) -> TokenStream {
        match self.place(e) {
            Some(p) => p.receiver(),
            None => self.value(e),
        }
    }

    /// An operand of `==`, `<`, ...: an expression of type `T` that is not moved.
    pub fn operand(&self, e: &Expr) -> TokenStream {
        match (&e.kind, self.place(e)) {
            // Compare against the literal itself rather than an allocated `String`.
            (ExprKind::Str(s), _) => quote!(#s),
            (_, Some(Place::Ref(r))) => quote!((*#r)),
            (_, Some(Place::Lvalue(p))) => p,
            (_, None) => self.value(e),
        }
    }

    /// `&e`, without cloning a place.
    pub fn borrowed(&self, e: &Expr) -> TokenStream {
        match self.place(e) {
            Some(Place::Ref(r)) => r,
            Some(Place::Lvalue(p)) => quote!(&#p),
            // `value`, not `value_top`: `&` binds tighter than `as`, `==` and the other
            // operators, so the parentheses around them must stay (`&(x.len() as u64)`).
            None => {
                let v = self.value(e);
                quote!(&#v)
            }
        }
    }

    /// An owned value of `e` without redundant outer parentheses, for positions that
    /// delimit it anyway (arguments, initialisers, conditions).
    pub fn value_top(&self, e: &Expr) -> TokenStream {
        unparen(self.value(e))
    }

    /// An owned value of `e`.
    pub fn value(&self, e: &Expr) -> TokenStream {
        match self.place(e) {
            Some(Place::Ref(r)) if self.is_copy(&e.ty) => return quote!((*#r)),
            Some(Place::Lvalue(p)) if self.is_copy(&e.ty) => return p,
            Some(p) => {
                let p = p.receiver();
                return quote!(#p.clone());
            }
            None => {}
        }
        match &e.kind {
            ExprKind::Bool(b) => quote!(#b),
            ExprKind::U64(n) => {
                let lit = Literal::u64_suffixed(*n);
                quote!(#lit)
            }
            ExprKind::I64(n) => {
                if *n == i64::MIN {
                    quote!(i64::MIN)
                } else if *n < 0 {
                    let lit = Literal::i64_suffixed(n.unsigned_abs() as i64);
                    quote!((-#lit))
                } else {
                    let lit = Literal::i64_suffixed(*n);
                    quote!(#lit)
                }
            }
            ExprKind::Str(s) => quote!(String::from(#s)),
            ExprKind::None => quote!(None),
            ExprKind::Some(inner) => {
                let inner = self.value_top(inner);
                quote!(Some(#inner))
            }
            ExprKind::EmptySeq => quote!(VecDeque::new()),
            ExprKind::EmptySet => quote!(BTreeSet::new()),
            ExprKind::EmptyMap => quote!(OrdMap::new()),
            ExprKind::Variant { enum_name, variant } => {
                let (e, v) = (ident(enum_name), ident(variant));
                quote!(#e::#v)
            }
            ExprKind::Phase(p) => {
                let p = ident(p);
                quote!(Phase::#p)
            }
            ExprKind::StructLit { name, fields } => {
                let name = ident(name);
                let fields = fields.iter().map(|(f, v)| {
                    let f = ident(f);
                    let v = self.value_top(v);
                    quote!(#f: #v)
                });
                // Parenthesised: a bare struct literal is not an expression where Rust
                // expects a block next (`if`/`match` conditions, `for` heads), and callers
                // that only need it delimited strip the parentheses (`value_top`).
                quote!((#name { #(#fields),* }))
            }
            ExprKind::Field(inner, f) => {
                let inner = self.value(inner);
                let f = ident(f);
                quote!(#inner.#f)
            }
            ExprKind::Coerce(inner) => {
                let v = self.value(inner);
                match &e.ty {
                    Ty::Newtype(n) if !self.is_newtype(&inner.ty) => {
                        let n = ident(n);
                        quote!(#n(#v))
                    }
                    _ => quote!(#v.0),
                }
            }
            ExprKind::Not(inner) => {
                let v = self.value(inner);
                quote!((!#v))
            }
            ExprKind::Neg(inner) => {
                let v = self.base_value(inner);
                wrap_newtype(&e.ty, quote!(#v.checked_neg().ok_or(Fault::Overflow)?))
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, a, b),
            ExprKind::Len(c) => {
                let c = self.receiver(c);
                quote!((#c.len() as u64))
            }
            ExprKind::IsEmpty(c) => {
                let c = self.receiver(c);
                quote!(#c.is_empty())
            }
            // `m.get(k).is_some()` is a membership test: written `contains_key`, which is
            // what clippy asks for (`unnecessary_get_then_check`).
            ExprKind::IsSome(o) => match &o.kind {
                ExprKind::Get(m, k) => self.contains_key(m, k),
                _ => {
                    let o = self.option_probe(o);
                    quote!(#o.is_some())
                }
            },
            ExprKind::IsNone(o) => match &o.kind {
                ExprKind::Get(m, k) => {
                    let test = self.contains_key(m, k);
                    quote!((!#test))
                }
                _ => {
                    let o = self.option_probe(o);
                    quote!(#o.is_none())
                }
            },
            ExprKind::Unwrap(o) => {
                let v = self.value(o);
                quote!(#v.ok_or(Fault::Absent)?)
            }
            // An empty collection is the default of its type: `unwrap_or(VecDeque::new())`
            // is what clippy refuses (`unwrap_or_default`).
            ExprKind::UnwrapOr(o, d)
                if matches!(
                    d.kind,
                    ExprKind::EmptySeq | ExprKind::EmptySet | ExprKind::EmptyMap
                ) =>
            {
                match self.place(o) {
                    Some(p) if !self.is_copy(&o.ty) => {
                        let p = p.receiver();
                        quote!(#p.clone().unwrap_or_default())
                    }
                    _ => {
                        let v = self.value(o);
                        quote!(#v.unwrap_or_default())
                    }
                }
            }
            ExprKind::UnwrapOr(o, d) => {
                let d = self.value_top(d);
                match self.place(o) {
                    Some(p) if !self.is_copy(&o.ty) => {
                        let p = p.receiver();
                        quote!(#p.clone().unwrap_or(#d))
                    }
                    _ => {
                        let v = self.value(o);
                        quote!(#v.unwrap_or(#d))
                    }
                }
            }
            ExprKind::Get(m, k) => {
                let get = map_lookup(MapLookup::Get, self.receiver(m), self.borrowed(k));
                quote!(#get.cloned())
            }
            ExprKind::Index(m, k) => {
                let get = map_lookup(MapLookup::Get, self.value(m), self.borrowed(k));
                quote!(#get.cloned().ok_or(Fault::Absent)?)
            }
            ExprKind::Front(q) => {
                let q = self.receiver(q);
                quote!(#q.front().cloned())
            }
            ExprKind::Quant {
                kind,
                binder,
                collection,
                body,
            } => self.quantifier(*kind, binder, collection, body),
            ExprKind::SelfField(_)
            | ExprKind::Old(_)
            | ExprKind::InputField(_)
            | ExprKind::Var(_) => {
                unreachable!("places are handled above")
            }
        }
    }

    /// An option to test with `is_some()` / `is_none()`: `front()` is tested on the
    /// borrowed element, not on a clone of it (`get()` is tested with [`Self::contains_key`]).
    fn option_probe(&self, o: &Expr) -> TokenStream {
        match &o.kind {
            ExprKind::Front(q) => {
                let q = self.receiver(q);
                quote!(#q.front())
            }
            _ => self.receiver(o),
        }
    }

    /// Whether map `m` holds key `k`.
    fn contains_key(&self, m: &Expr, k: &Expr) -> TokenStream {
        map_lookup(MapLookup::ContainsKey, self.receiver(m), self.borrowed(k))
    }

    /// `e` as an `if` condition, plus a statement to run before the `if`. A quantifier is
    /// a labelled block, which clippy rejects as a condition (`blocks_in_conditions`), so
    /// it is bound to the reserved local `holds` first.
    pub fn condition(&self, e: &Expr) -> (TokenStream, TokenStream) {
        if matches!(e.kind, ExprKind::Quant { .. }) {
            let value = self.value_top(e);
            (quote!(let holds = #value;), quote!(holds))
        } else {
            (quote!(), self.value(e))
        }
    }

    /// The value of a `u64`/`i64` or newtype-over-integer expression as its base integer.
    pub fn base_value(&self, e: &Expr) -> TokenStream {
        // A base value coerced to a newtype only to be unwrapped again: use it as is.
        if let ExprKind::Coerce(inner) = &e.kind
            && !self.is_newtype(&inner.ty)
        {
            return self.value(inner);
        }
        if !self.is_newtype(&e.ty) {
            return self.value(e);
        }
        let r = self.receiver(e);
        quote!(#r.0)
    }

    /// `e`, which is `a op b`.
    fn binary(&self, e: &Expr, op: BinOp, a: &Expr, b: &Expr) -> TokenStream {
        let ty = &e.ty;
        match op {
            BinOp::And => {
                if let Some(lookup) = self.entry_and(e) {
                    return lookup;
                }
                let (a, b) = (self.value(a), self.value(b));
                quote!((#a && #b))
            }
            BinOp::Or => {
                let (a, b) = (self.value(a), self.value(b));
                quote!((#a || #b))
            }
            BinOp::Implies => {
                let (a, b) = (self.value(a), self.value(b));
                quote!((!#a || #b))
            }
            // `x == none` reads better (and passes clippy) as `x.is_none()`.
            BinOp::Eq | BinOp::Ne
                if matches!(a.kind, ExprKind::None) || matches!(b.kind, ExprKind::None) =>
            {
                let other = if matches!(a.kind, ExprKind::None) {
                    b
                } else {
                    a
                };
                let other = self.receiver(other);
                if op == BinOp::Eq {
                    quote!(#other.is_none())
                } else {
                    quote!(#other.is_some())
                }
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let empty = |other: &Expr| {
                    let inner = self.newtype_inner(other);
                    match op {
                        BinOp::Eq => Some(quote!(#inner.is_empty())),
                        BinOp::Ne => Some(quote!((!#inner.is_empty()))),
                        _ => None,
                    }
                };
                let emptiness = match (string_literal(a), string_literal(b)) {
                    (Some(""), None) => empty(b),
                    (None, Some("")) => empty(a),
                    _ => None,
                };
                if let Some(test) = emptiness {
                    return test;
                }
                // `String` and `&str` compare with `==`/`!=` only; for `<` and friends
                // the string side is borrowed as `&str` too.
                let as_str = |e: &Expr| {
                    let inner = self.newtype_inner(e);
                    if matches!(op, BinOp::Eq | BinOp::Ne) {
                        inner
                    } else {
                        quote!(#inner.as_str())
                    }
                };
                let (a, b) = match (string_literal(a), string_literal(b)) {
                    // `name != ""` on a newtype: compare the inner string with the literal.
                    (Some(lit), None) => (quote!(#lit), as_str(b)),
                    (None, Some(lit)) => (as_str(a), quote!(#lit)),
                    _ => (self.operand(a), self.operand(b)),
                };
                let op = match op {
                    BinOp::Eq => quote!(==),
                    BinOp::Ne => quote!(!=),
                    BinOp::Lt => quote!(<),
                    BinOp::Le => quote!(<=),
                    BinOp::Gt => quote!(>),
                    _ => quote!(>=),
                };
                quote!((#a #op #b))
            }
            BinOp::Add | BinOp::Sub => {
                let (a, b) = (self.base_value(a), self.base_value(b));
                let method = if op == BinOp::Add {
                    quote!(checked_add)
                } else {
                    quote!(checked_sub)
                };
                let b = unparen(b);
                wrap_newtype(ty, quote!(#a.#method(#b).ok_or(Fault::Overflow)?))
            }
            BinOp::In => {
                let elem = self.borrowed(a);
                let coll = self.receiver(b);
                match &b.ty {
                    Ty::Map(..) => map_lookup(MapLookup::ContainsKey, coll, elem),
                    _ => quote!(#coll.contains(#elem)),
                }
            }
        }
    }

    /// `k in self.m && e1 && e2 ..`, where the `e`s read `self.m[k]`, as one lookup (see
    /// `entry.rs`). Not inside another bound entry: its local would be shadowed, and in an
    /// update the map could be borrowed mutably.
    fn entry_and(&self, and: &Expr) -> Option<TokenStream> {
        if self.entry.is_some() {
            return None;
        }
        let (map, key, conjuncts) = entry::guarded_membership(and)?;
        let usable = conjuncts.iter().all(|c| entry::through_entry(c, map, key));
        if !usable || !conjuncts.iter().any(|c| entry::reads_entry(c, map, key)) {
            return None;
        }
        let field = ident(map);
        let key_ref = self.borrowed(key);
        let local = ident(entry::LOCAL);
        let g = self.with_entry(map, key);
        let body = conjunction(conjuncts.iter().map(|c| g.value(c)).collect());
        let get = map_lookup(MapLookup::Get, quote!(state.#field), key_ref);
        Some(quote!(match #get {
            // In parentheses: a block-like operand (a quantifier's labelled block) would
            // otherwise end the arm before the `&&` after it.
            Some(#local) => (#body),
            None => false,
        }))
    }

    fn quantifier(
        &self,
        kind: Quantifier,
        binder: &Binder,
        collection: &Expr,
        body: &Expr,
    ) -> TokenStream {
        let coll = self.receiver(collection);
        let pattern = binder_pattern(binder, |x| reads_var(body, x));
        let (test, body) = self.condition(body);
        // A labelled block short-circuits in iteration order, like the spec's semantics;
        // `?` inside the body still propagates faults, which closures would not allow.
        let label = syn::Lifetime::new(
            &format!("'{}_{}", quant_name(kind), binder_name(binder)),
            proc_macro2::Span::call_site(),
        );
        match kind {
            Quantifier::All => quote!(#label: {
                for #pattern in #coll.iter() {
                    #test
                    if !#body {
                        break #label false;
                    }
                }
                true
            }),
            Quantifier::Any => quote!(#label: {
                for #pattern in #coll.iter() {
                    #test
                    if #body {
                        break #label true;
                    }
                }
                false
            }),
        }
    }
}

/// A lookup in a map.
#[derive(Clone, Copy)]
pub enum MapLookup {
    Get,
    GetMut,
    ContainsKey,
}

/// The lookup of key `key` (a reference) in map `map` (a receiver: a place, or a value).
/// `OrdMap`'s lookups try its first entry, the entry a `get_mut` found last and its
/// newest entry before they search: a transition's input is usually one of them.
pub fn map_lookup(lookup: MapLookup, map: TokenStream, key: TokenStream) -> TokenStream {
    let name = match lookup {
        MapLookup::Get => quote!(get),
        MapLookup::GetMut => quote!(get_mut),
        MapLookup::ContainsKey => quote!(contains_key),
    };
    quote!(#map.#name(#key))
}

fn quant_name(kind: Quantifier) -> &'static str {
    match kind {
        Quantifier::All => "all",
        Quantifier::Any => "any",
    }
}

/// Binder names are unique in scope (the checker forbids shadowing); the label's last
/// part keeps them apart once joined: `0` for one name, the key's length for a pair (it
/// tells where the key ends). So `x`, `(a_b, c)`, `(a, b_c)` and `a_b_1` get `x_0`,
/// `a_b_c_3`, `a_b_c_1` and `a_b_1_0`, and nested quantifiers never share a label.
fn binder_name(binder: &Binder) -> String {
    match binder {
        Binder::One(x) => format!("{x}_0"),
        Binder::Pair(k, v) => format!("{k}_{v}_{}", k.len()),
    }
}

/// The text of a string literal, possibly coerced to a newtype.
fn string_literal(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Str(s) => Some(s),
        ExprKind::Coerce(inner) => match &inner.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Where an expression's data lives.
pub enum Place {
    /// An expression of type `&T` (a by-reference binding, a map lookup).
    Ref(TokenStream),
    /// An lvalue of type `T` (`state.f`, `x.f`).
    Lvalue(TokenStream),
}

impl Place {
    /// The place as a method receiver or field-access base; auto-deref handles both.
    pub fn receiver(self) -> TokenStream {
        match self {
            Place::Ref(t) | Place::Lvalue(t) => t,
        }
    }
}

/// `a && b && ..` from rendered conjuncts; a single one without its outer parentheses.
pub fn conjunction(parts: Vec<TokenStream>) -> TokenStream {
    match parts.as_slice() {
        [one] => unparen(one.clone()),
        _ => quote!(#(#parts)&&*),
    }
}

/// Strips one pair of parentheses enclosing the whole expression.
pub fn unparen(ts: TokenStream) -> TokenStream {
    let mut iter = ts.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(proc_macro2::TokenTree::Group(g)), None)
            if g.delimiter() == proc_macro2::Delimiter::Parenthesis =>
        {
            g.stream()
        }
        _ => ts,
    }
}

/// Wraps an integer computation into `ty` when that is a newtype.
fn wrap_newtype(ty: &Ty, body: TokenStream) -> TokenStream {
    match ty {
        Ty::Newtype(n) => {
            let n = ident(n);
            quote!(#n(#body))
        }
        _ => body,
    }
}

/// `x` or `(k, v)`; variables are bound by reference. A variable `used` says the body
/// never reads becomes `_` (the language has no `_`, and unused bindings warn in Rust).
pub fn binder_pattern(binder: &Binder, used: impl Fn(&str) -> bool) -> TokenStream {
    let name = |x: &str| {
        if used(x) {
            let x = ident(x);
            quote!(#x)
        } else {
            quote!(_)
        }
    };
    match binder {
        Binder::One(x) => name(x),
        Binder::Pair(k, v) => {
            let (k, v) = (name(k), name(v));
            quote!((#k, #v))
        }
    }
}

/// Whether `e` reads the loop or quantifier variable `name`.
pub fn reads_var(e: &Expr, name: &str) -> bool {
    crate::ir::any_expr(e, |e| matches!(&e.kind, ExprKind::Var(x) if x == name))
}
