//! Rust identifiers and types for IR names.

use crate::ir::Ty;
use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// An identifier as written in the spec (the checker rejects Rust keywords).
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `give_up` -> `GiveUp`, for transition ids.
pub fn camel(name: &str) -> Ident {
    Ident::new(&name.to_upper_camel_case(), Span::call_site())
}

pub fn module_name(machine: &str) -> String {
    machine.to_snake_case()
}

/// Local holding the pre-state value of `old(self.f)`.
pub fn old_local(field: &str) -> Ident {
    format_ident!("old_{}", field)
}

/// The Rust type of an IR type.
pub fn ty(t: &Ty) -> TokenStream {
    match t {
        Ty::Bool => quote!(bool),
        Ty::U64 => quote!(u64),
        Ty::I64 => quote!(i64),
        Ty::String => quote!(String),
        Ty::Phase => quote!(Phase),
        Ty::Newtype(n) | Ty::Enum(n) | Ty::Struct(n) => {
            let n = ident(n);
            quote!(#n)
        }
        Ty::Option(inner) => {
            let inner = ty(inner);
            quote!(Option<#inner>)
        }
        Ty::Seq(inner) => {
            let inner = ty(inner);
            quote!(VecDeque<#inner>)
        }
        Ty::Set(inner) => {
            let inner = ty(inner);
            quote!(BTreeSet<#inner>)
        }
        Ty::Map(k, v) => {
            let (k, v) = (ty(k), ty(v));
            quote!(BTreeMap<#k, #v>)
        }
    }
}

/// Doc attributes for doc-comment lines.
pub fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#[doc = #lines])*)
}
