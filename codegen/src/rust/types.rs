//! Declarations of the spec's own types and of `Phase`, `State`, `Input`, `Effect`.

use super::expr::ExprGen;
use super::names::{code, docs_or, ident, ty};
use crate::ir::{Machine, Message, Ty};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn newtypes(m: &Machine, gen_: &ExprGen) -> TokenStream {
    let items = m.newtypes.iter().map(|n| {
        let doc = docs_or(&n.doc, || {
            let decl = format!("type {} = {};", n.name, n.base.spec_name());
            format!(" The spec's {}.", code(&decl))
        });
        let name = ident(&n.name);
        let base = ty(&n.base);
        let copy = gen_.is_copy(&n.base).then(|| quote!(Copy,));
        let from_str = (n.base == Ty::String).then(|| {
            quote! {
                impl ::std::convert::From<&str> for #name {
                    fn from(value: &str) -> Self {
                        #name(value.to_string())
                    }
                }
            }
        });
        quote! {
            #doc
            #[derive(Debug, Clone, #copy PartialEq, Eq, PartialOrd, Ord, Hash, Default, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(transparent)]
            pub struct #name(pub #base);

            impl ::std::convert::From<#base> for #name {
                fn from(value: #base) -> Self {
                    #name(value)
                }
            }

            #from_str

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    ::std::fmt::Display::fmt(&self.0, f)
                }
            }
        }
    });
    quote!(#(#items)*)
}

/// A fieldless enum with `ALL` and `name()`: used for the spec's enums, `Phase`,
/// `InputKind`, `EffectKind` and `TransitionId`.
pub fn unit_enum(
    name: &syn::Ident,
    doc: TokenStream,
    variants: &[(syn::Ident, String, TokenStream)],
) -> TokenStream {
    let count = variants.len();
    let decls = variants.iter().map(|(v, _, d)| quote!(#d #v));
    let all = variants.iter().map(|(v, _, _)| quote!(#name::#v));
    let names = variants.iter().map(|(v, s, _)| quote!(#name::#v => #s));
    let name_fn = if variants.is_empty() {
        quote!(match self {})
    } else {
        quote!(match self { #(#names),* })
    };
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum #name { #(#decls),* }

        impl #name {
            /// Every variant, in declaration order.
            pub const ALL: [#name; #count] = [#(#all),*];

            /// The name as written in the spec.
            pub fn name(self) -> &'static str {
                #name_fn
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }
    }
}

pub fn enums(m: &Machine) -> TokenStream {
    let items = m.enums.iter().map(|e| {
        let variants: Vec<_> = e
            .variants
            .iter()
            .map(|v| {
                let doc = docs_or(&v.doc, || {
                    format!(
                        " {}, a variant of the spec's enum.",
                        code(&format!("{}::{}", e.name, v.name))
                    )
                });
                (ident(&v.name), v.name.clone(), doc)
            })
            .collect();
        let doc = docs_or(&e.doc, || {
            format!(" The spec's {}.", code(&format!("enum {}", e.name)))
        });
        unit_enum(&ident(&e.name), doc, &variants)
    });
    quote!(#(#items)*)
}

pub fn structs(m: &Machine) -> TokenStream {
    let items = m.structs.iter().map(|s| {
        let doc = docs_or(&s.doc, || format!(" The spec's {}.", code(&format!("struct {}", s.name))));
        let name = ident(&s.name);
        let fields = s.fields.iter().map(|f| {
            let doc = docs_or(&f.doc, || {
                let decl = format!("{}: {}", f.name, f.ty.spec_name());
                format!(" Field {} of {}.", code(&decl), code(&s.name))
            });
            let (name, t) = (ident(&f.name), ty(&f.ty));
            let with = serde_with(&f.ty);
            quote!(#doc #with pub #name: #t)
        });
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            pub struct #name { #(#fields),* }
        }
    });
    quote!(#(#items)*)
}

pub fn phase(m: &Machine) -> TokenStream {
    let variants: Vec<_> = m
        .phases
        .iter()
        .map(|p| {
            let doc = docs_or(&p.doc, || {
                let initial = p.name == m.initial;
                let terminal = m.terminal.contains(&p.name);
                let role = match (initial, terminal) {
                    (true, true) => ", initial and terminal",
                    (true, false) => ", the initial one",
                    (false, true) => ", terminal: never left",
                    (false, false) => "",
                };
                format!(" Phase {}{role}.", code(&p.name))
            });
            (ident(&p.name), p.name.clone(), doc)
        })
        .collect();
    let decl = unit_enum(
        &format_ident!("Phase"),
        quote!(#[doc = " Coarse lifecycle phase of the machine."]),
        &variants,
    );
    let terminal = m.terminal.iter().map(|p| ident(p));
    let initial = ident(&m.initial);
    let is_terminal = if m.terminal.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(Phase::#terminal)|*))
    };
    quote! {
        #decl

        impl Phase {
            /// The phase a new machine starts in.
            pub const INITIAL: Phase = Phase::#initial;

            /// Terminal phases are never left.
            pub fn is_terminal(self) -> bool {
                #is_terminal
            }
        }
    }
}

pub fn state(m: &Machine, gen_: &ExprGen) -> TokenStream {
    let fields = m.fields.iter().map(|f| {
        let doc = docs_or(&f.doc, || {
            let decl = format!("{}: {}", f.name, f.ty.spec_name());
            let default = crate::display::expr(&f.default);
            format!(
                " State field {}, initially {}.",
                code(&decl),
                code(&default)
            )
        });
        let (name, t) = (ident(&f.name), ty(&f.ty));
        let with = serde_with(&f.ty);
        quote!(#doc #with pub #name: #t)
    });
    let defaults = m.fields.iter().map(|f| {
        let name = ident(&f.name);
        let value = gen_.value_top(&f.default);
        quote!(#name: #value)
    });
    let initial = ident(&m.initial);
    quote! {
        /// The machine's whole state: the phase plus every declared field.
        #[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct State {
            /// Written only by transitions.
            pub phase: Phase,
            #(#fields),*
        }

        impl State {
            /// The declared defaults, in the initial phase.
            pub fn initial() -> State {
                State { phase: Phase::#initial, #(#defaults),* }
            }
        }

        impl Default for State {
            fn default() -> Self {
                State::initial()
            }
        }
    }
}

/// `Input`/`Effect` enums plus their `*Kind` enums.
pub fn messages(enum_name: &str, doc: &str, messages: &[Message]) -> TokenStream {
    let name = ident(enum_name);
    let kind = format_ident!("{}Kind", enum_name);
    // "input" or "effect", in generated docs.
    let what = enum_name.to_lowercase();
    let variants = messages.iter().map(|msg| {
        let doc = docs_or(&msg.doc, || {
            format!(" The spec's {what} {}.", code(&msg.name))
        });
        let v = ident(&msg.name);
        if msg.fields.is_empty() {
            quote!(#doc #v)
        } else {
            let fields = msg.fields.iter().map(|f| {
                let doc = docs_or(&f.doc, || {
                    let decl = format!("{}: {}", f.name, f.ty.spec_name());
                    format!(" Field {} of {what} {}.", code(&decl), code(&msg.name))
                });
                let (name, t) = (ident(&f.name), ty(&f.ty));
                let with = serde_with(&f.ty);
                quote!(#doc #with #name: #t)
            });
            quote!(#doc #v { #(#fields),* })
        }
    });
    let kind_arms = messages.iter().map(|msg| {
        let v = ident(&msg.name);
        if msg.fields.is_empty() {
            quote!(#name::#v => #kind::#v)
        } else {
            quote!(#name::#v { .. } => #kind::#v)
        }
    });
    let kind_fn = if messages.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#kind_arms),* })
    };
    let kinds: Vec<_> = messages
        .iter()
        .map(|msg| {
            let doc = docs_or(&msg.doc, || {
                format!(
                    " The kind of {}.",
                    code(&format!("{enum_name}::{}", msg.name))
                )
            });
            (ident(&msg.name), msg.name.clone(), doc)
        })
        .collect();
    let kind_doc = format!(" The kind of an [`{enum_name}`], without its data.");
    let kind_decl = unit_enum(&kind, quote!(#[doc = #kind_doc]), &kinds);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub enum #name { #(#variants),* }

        impl #name {
            /// Which kind this is, without its data.
            pub fn kind(&self) -> #kind {
                #kind_fn
            }
        }

        #kind_decl
    }
}

/// The `#[serde(with = ..)]` attribute of a field of type `t` that holds a set or a map
/// (`suricate_kernel::serde_form`): such a field refuses duplicate elements and keys, and
/// writes a map keyed by a type with no string form as `[key, value]` pairs. Nothing for
/// any other field. An `Option` field also gets `default`, which serde's own `Option`
/// handling gives a field without `with`: missing, it reads as `None`.
fn serde_with(t: &Ty) -> TokenStream {
    let Some((form, params)) = form(t) else {
        return quote!();
    };
    let path = format!("{FORMS}{form}::<{}>", params.join(", "));
    if matches!(t, Ty::Option(_)) {
        quote!(#[serde(default, with = #path)])
    } else {
        quote!(#[serde(with = #path)])
    }
}

/// Path of `suricate_kernel::serde_form`, as written in the attributes.
const FORMS: &str = "::suricate_kernel::serde_form::";

/// The form of `t` as a name in [`FORMS`] and its parameters, or `None` where the type's
/// own serde implementation does (no set or map inside, or a struct, whose fields carry
/// their own attributes).
fn form(t: &Ty) -> Option<(&'static str, Vec<String>)> {
    let nested = |t: &Ty| match form(t) {
        Some((form, params)) => format!("{FORMS}{form}<{}>", params.join(", ")),
        None => format!("{FORMS}Plain"),
    };
    match t {
        Ty::Set(inner) => Some(("Set", vec![nested(inner)])),
        Ty::Map(key, value) if key.is_string_key() => Some(("Map", vec![nested(value)])),
        Ty::Map(key, value) => Some(("Pairs", vec![nested(key), nested(value)])),
        Ty::Option(inner) => form(inner).map(|_| ("Opt", vec![nested(inner)])),
        Ty::Seq(inner) => form(inner).map(|_| ("Seq", vec![nested(inner)])),
        Ty::Bool | Ty::U64 | Ty::I64 | Ty::String | Ty::Phase => None,
        Ty::Newtype(_) | Ty::Enum(_) | Ty::Struct(_) => None,
    }
}
