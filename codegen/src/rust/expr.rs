//! IR expressions -> Rust expressions.
//!
//! Generated expressions live in functions returning `Result<_, Fault>`: partial
//! operations and checked arithmetic exit with `?`, so generated code never panics.
//! A *place* is an lvalue of the expression's type (`state.f`, `(*x)`, `p.f`), used to
//! compare or call methods without cloning; a *value* is an owned result.

use super::names::{ident, old_local};
use crate::ir::{BinOp, Binder, Expr, ExprKind, Machine, Quantifier, Ty};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

pub struct ExprGen<'m> {
    pub machine: &'m Machine,
}

impl<'m> ExprGen<'m> {
    pub fn new(machine: &'m Machine) -> Self {
        ExprGen { machine }
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

    /// An lvalue for `e`, if it denotes stored data rather than a computed value.
    pub fn place(&self, e: &Expr) -> Option<TokenStream> {
        Some(match &e.kind {
            ExprKind::SelfField(f) => {
                let f = ident(f);
                quote!(state.#f)
            }
            ExprKind::Old(f) => {
                let local = old_local(f);
                quote!(#local)
            }
            ExprKind::InputField(x) | ExprKind::Var(x) => {
                let x = ident(x);
                quote!((*#x))
            }
            ExprKind::Field(inner, f) => {
                let inner = self.place(inner)?;
                let f = ident(f);
                quote!(#inner.#f)
            }
            ExprKind::Coerce(inner) if self.is_newtype(&inner.ty) && !self.is_newtype(&e.ty) => {
                let inner = self.place(inner)?;
                quote!(#inner.0)
            }
            ExprKind::Unwrap(inner) => {
                let inner = self.place(inner)?;
                quote!((*#inner.as_ref().ok_or(Fault::Absent)?))
            }
            ExprKind::Index(map, key) => {
                let map = self.place(map)?;
                let key = self.borrowed(key);
                quote!((*#map.get(#key).ok_or(Fault::Absent)?))
            }
            _ => return None,
        })
    }

    /// An expression usable where `&T`-taking methods or comparison operators need it:
    /// the place when there is one, else the value.
    pub fn operand(&self, e: &Expr) -> TokenStream {
        self.place(e).unwrap_or_else(|| self.value(e))
    }

    /// `&e`, without cloning a place.
    pub fn borrowed(&self, e: &Expr) -> TokenStream {
        match self.place(e) {
            Some(p) => quote!(&#p),
            None => {
                let v = self.value(e);
                quote!(&#v)
            }
        }
    }

    /// An owned value of `e`.
    pub fn value(&self, e: &Expr) -> TokenStream {
        if let Some(p) = self.place(e) {
            return if self.is_copy(&e.ty) {
                p
            } else {
                quote!(#p.clone())
            };
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
                let inner = self.value(inner);
                quote!(Some(#inner))
            }
            ExprKind::EmptySeq => quote!(VecDeque::new()),
            ExprKind::EmptySet => quote!(BTreeSet::new()),
            ExprKind::EmptyMap => quote!(BTreeMap::new()),
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
                    let v = self.value(v);
                    quote!(#f: #v)
                });
                quote!(#name { #(#fields),* })
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
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, &e.ty),
            ExprKind::Len(c) => {
                let c = self.operand(c);
                quote!((#c.len() as u64))
            }
            ExprKind::IsEmpty(c) => {
                let c = self.operand(c);
                quote!(#c.is_empty())
            }
            ExprKind::IsSome(o) => {
                let o = self.operand(o);
                quote!(#o.is_some())
            }
            ExprKind::IsNone(o) => {
                let o = self.operand(o);
                quote!(#o.is_none())
            }
            ExprKind::Unwrap(o) => {
                let v = self.value(o);
                quote!(#v.ok_or(Fault::Absent)?)
            }
            ExprKind::UnwrapOr(o, d) => {
                let d = self.value(d);
                match self.place(o) {
                    Some(p) if self.is_copy(&o.ty) => quote!(#p.unwrap_or(#d)),
                    Some(p) => quote!(#p.as_ref().cloned().unwrap_or(#d)),
                    None => {
                        let v = self.value(o);
                        quote!(#v.unwrap_or(#d))
                    }
                }
            }
            ExprKind::Get(m, k) => {
                let m = self.operand(m);
                let k = self.borrowed(k);
                quote!(#m.get(#k).cloned())
            }
            ExprKind::Index(m, k) => {
                let m = self.value(m);
                let k = self.borrowed(k);
                quote!(#m.get(#k).cloned().ok_or(Fault::Absent)?)
            }
            ExprKind::Front(q) => {
                let q = self.operand(q);
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

    /// The value of a `u64`/`i64` or newtype-over-integer expression as its base integer.
    fn base_value(&self, e: &Expr) -> TokenStream {
        let v = self.value(e);
        if self.is_newtype(&e.ty) {
            quote!(#v.0)
        } else {
            v
        }
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr, ty: &Ty) -> TokenStream {
        match op {
            BinOp::And => {
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
                let other = self.operand(other);
                if op == BinOp::Eq {
                    quote!(#other.is_none())
                } else {
                    quote!(#other.is_some())
                }
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (a, b) = (self.operand(a), self.operand(b));
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
                wrap_newtype(ty, quote!(#a.#method(#b).ok_or(Fault::Overflow)?))
            }
            BinOp::In => {
                let elem = self.borrowed(a);
                let coll = self.operand(b);
                match &b.ty {
                    Ty::Map(..) => quote!(#coll.contains_key(#elem)),
                    _ => quote!(#coll.contains(#elem)),
                }
            }
        }
    }

    fn quantifier(
        &self,
        kind: Quantifier,
        binder: &Binder,
        collection: &Expr,
        body: &Expr,
    ) -> TokenStream {
        let coll = self.operand(collection);
        let pattern = binder_pattern(binder);
        let body = self.value(body);
        // Short-circuits in iteration order, like the spec's semantics; `?` inside the
        // body still propagates faults, which closures would not allow.
        match kind {
            Quantifier::All => quote!({
                let mut holds = true;
                for #pattern in #coll.iter() {
                    if !#body {
                        holds = false;
                        break;
                    }
                }
                holds
            }),
            Quantifier::Any => quote!({
                let mut found = false;
                for #pattern in #coll.iter() {
                    if #body {
                        found = true;
                        break;
                    }
                }
                found
            }),
        }
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

/// `x` or `(k, v)`; variables are bound by reference.
pub fn binder_pattern(binder: &Binder) -> TokenStream {
    match binder {
        Binder::One(x) => {
            let x = ident(x);
            quote!(#x)
        }
        Binder::Pair(k, v) => {
            let (k, v) = (ident(k), ident(v));
            quote!((#k, #v))
        }
    }
}
