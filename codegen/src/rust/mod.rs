//! IR -> Rust: one self-contained module per machine, formatted with prettyplease.
//!
//! Output is a pure function of the IR and the spec path, so regenerating is
//! byte-for-byte deterministic.

mod entry;
mod expr;
mod kernel;
mod names;
mod types;

use crate::MachineOutput;
use crate::ir::{
    Expr, ExprKind, Machine, Stmt, Ty, visit_emit, visit_expr, visit_nested_stmts, visit_stmts,
};
use expr::ExprGen;
use proc_macro2::TokenStream;
use quote::quote;

pub use names::{camel_case, module_name};

/// The first line of every generated Rust file.
fn header(spec_path: &str) -> String {
    format!("// @generated from {spec_path} by `cargo xtask gen`; do not edit.\n")
}

/// The module body for `machine`, as a formatted Rust file.
pub fn generate(machine: &Machine, spec_path: &str) -> String {
    let file: syn::File = match syn::parse2(module_tokens(machine, spec_path)) {
        Ok(file) => file,
        // The tokens come from quote! over checked names, so this is a generator bug;
        // surface it where the user will compile it instead of panicking.
        Err(e) => {
            let message = format!(
                "suricate-codegen produced invalid Rust for {}: {e}",
                machine.name
            );
            return format!("{}compile_error!({message:?});\n", header(spec_path));
        }
    };
    format!(
        "{}{}",
        header(spec_path),
        space_items(&prettyplease::unparse(&file))
    )
}

/// prettyplease puts top-level items back to back; a blank line after each one that
/// ends at column 0 makes the file (and its snapshot diffs) readable.
fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let ends_item = line == "}"
            || line == ");"
            || line == "];"
            || (!line.starts_with(' ')
                && line.ends_with(';')
                && !line.starts_with("use ")
                && !line.starts_with("//"));
        let next_is_use = lines.peek().is_some_and(|n| n.starts_with("use "));
        if lines.peek().is_some_and(|n| !n.is_empty())
            && (ends_item
                || (line.starts_with("use ") && !next_is_use)
                || (line.starts_with("#![") && line.ends_with(']')))
        {
            out.push('\n');
        }
    }
    out
}

/// Several generated modules in one file, each as `pub mod <module> { ... }`.
pub fn combined_file(spec_path: &str, machines: &[MachineOutput]) -> String {
    let mut items = Vec::new();
    for m in machines {
        let module = names::ident(&m.module);
        // Each body is our own prettyplease output; re-parse it to nest it.
        match syn::parse_file(&m.rust) {
            Ok(file) => {
                let attrs = &file.attrs;
                let body = &file.items;
                items.push(quote!(pub mod #module { #(#attrs)* #(#body)* }));
            }
            Err(e) => {
                let message = format!("suricate-codegen produced invalid Rust for {}: {e}", m.name);
                items.push(quote!(compile_error!(#message);));
            }
        }
    }
    // The natural `mod foo;` for `--out src/foo.rs` holding machine `Foo` nests `foo::foo`.
    let file = quote! {
        #![allow(clippy::module_inception)]
        #(#items)*
    };
    match syn::parse2::<syn::File>(file) {
        Ok(file) => format!(
            "{}{}",
            header(spec_path),
            space_items(&prettyplease::unparse(&file))
        ),
        Err(e) => format!(
            "{}compile_error!({:?});\n",
            header(spec_path),
            e.to_string()
        ),
    }
}

fn module_tokens(m: &Machine, spec_path: &str) -> TokenStream {
    let gen_ = ExprGen::new(m);
    let mut doc = names::doc_lines(&m.doc);
    if !doc.is_empty() {
        doc.push(String::new());
    }
    doc.push(format!(
        " Kernel of machine `{}`, generated from `{spec_path}` by `cargo xtask gen`.",
        m.name
    ));
    let collections = collection_imports(m);
    let newtypes = types::newtypes(m, &gen_);
    let enums = types::enums(m);
    let structs = types::structs(m);
    let phase = types::phase(m);
    let state = types::state(m, &gen_);
    let inputs = types::messages("Input", " A typed trigger of the machine.", &m.inputs);
    let effects = types::messages(
        "Effect",
        " A typed output, returned as data, never executed by the kernel.",
        &m.effects,
    );
    let kernel = kernel::KernelGen::new(m).generate();
    quote! {
        #(#![doc = #doc])*
        // Names come from the spec as written; the spec, not Rust style, decides them.
        // Comparisons are the spec's too, even one that always holds (`n >= 0` on a u64).
        #![allow(non_camel_case_types, non_snake_case, unused_parens, unused_comparisons)]
        // A binary crate need not use every generated item (`Phase::ALL`, `Input::kind`).
        #![allow(dead_code)]
        // Generated code mirrors the spec's expressions and branches as written; a field
        // named like the local holding `old(self.f)` is written `old_f: old_f`.
        #![allow(clippy::nonminimal_bool, clippy::bool_comparison, clippy::collapsible_if, clippy::collapsible_else_if, clippy::if_same_then_else, clippy::double_parens, clippy::ptr_arg, clippy::absurd_extreme_comparisons, clippy::redundant_field_names)]
        // A spec may compare what always or never holds (`x > 5 && x < 3`, `n == n`) or
        // unwrap what it just wrapped; the spec, not clippy, decides.
        #![allow(clippy::eq_op, clippy::overly_complex_bool_expr, clippy::impossible_comparisons, clippy::redundant_comparisons, clippy::double_comparisons, clippy::unnecessary_literal_unwrap)]
        // All-caps names (`GET`, `HTTP`) and shared suffixes (`StartRequested`,
        // `StopRequested`; undo records of assigned fields all end in `Replaced`) come
        // from the spec; guard and firing functions take one parameter per input field
        // they read.
        #![allow(clippy::upper_case_acronyms, clippy::enum_variant_names, clippy::too_many_arguments)]
        // Doc comments are the spec's prose, written for the Markdown pages as much as for
        // rustdoc: `[n]` or `<T>` in them is text, not a link or a tag.
        #![allow(rustdoc::broken_intra_doc_links, rustdoc::private_intra_doc_links, rustdoc::bare_urls, rustdoc::invalid_html_tags)]
        // The same prose may continue a list item or a quote on an unindented line, indent
        // a nested item as it likes, hold a tab or a `[^1]`, or be an empty `///`.
        #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::tabs_in_doc_comments, clippy::doc_suspicious_footnotes, clippy::doc_nested_refdefs, clippy::empty_docs)]

        #collections

        #newtypes
        #enums
        #structs
        #phase
        #state
        #inputs
        #effects
        #kernel
    }
}

fn collection_imports(m: &Machine) -> TokenStream {
    let mut seq = false;
    let mut set = false;
    let mut map = false;
    let mut walk = |t: &Ty| {
        fn visit(t: &Ty, f: &mut dyn FnMut(&Ty)) {
            f(t);
            match t {
                Ty::Option(i) | Ty::Seq(i) | Ty::Set(i) => visit(i, f),
                Ty::Map(k, v) => {
                    visit(k, f);
                    visit(v, f);
                }
                _ => {}
            }
        }
        visit(t, &mut |t| match t {
            Ty::Seq(_) => seq = true,
            Ty::Set(_) => set = true,
            Ty::Map(..) => map = true,
            _ => {}
        });
    };
    for f in &m.fields {
        walk(&f.ty);
    }
    for s in &m.structs {
        for f in &s.fields {
            walk(&f.ty);
        }
    }
    for msg in m.inputs.iter().chain(&m.effects) {
        for f in &msg.fields {
            walk(&f.ty);
        }
    }
    for t in &used_collections(m) {
        walk(t);
    }
    // A `Map` is the kernel crate's `OrdMap`, the others are the standard library's.
    let ord_map = if map {
        quote!(
            use ::suricate_kernel::OrdMap;
        )
    } else {
        quote!()
    };
    let mut names = Vec::new();
    if set {
        names.push(quote!(BTreeSet));
    }
    if seq {
        names.push(quote!(VecDeque));
    }
    let std_names = match names.len() {
        0 => quote!(),
        1 => quote!(use std::collections::#(#names)*;),
        _ => quote!(use std::collections::{#(#names),*};),
    };
    quote!(#ord_map #std_names)
}

/// Collections no declared type mentions: the type of a `let` (written on it), and an
/// empty literal (`{}` is `BTreeSet::new()`, which names only the collection, so its
/// element type does not matter here) in a guard, an update, an emit or an invariant.
fn used_collections(m: &Machine) -> Vec<Ty> {
    let any = || Box::new(Ty::Bool);
    let mut types = Vec::new();
    let mut literals = |e: &Expr| match e.kind {
        ExprKind::EmptySeq => types.push(Ty::Seq(any())),
        ExprKind::EmptySet => types.push(Ty::Set(any())),
        ExprKind::EmptyMap => types.push(Ty::Map(any(), any())),
        _ => {}
    };
    for t in &m.transitions {
        for g in &t.guards {
            visit_expr(&g.expr, &mut literals);
        }
        visit_stmts(&t.update, &mut literals);
        for e in &t.emits {
            visit_emit(e, &mut literals);
        }
    }
    for i in &m.invariants {
        visit_expr(&i.expr, &mut literals);
    }
    for t in &m.transitions {
        visit_nested_stmts(&t.update, &mut |s| {
            if let Stmt::Let { value, .. } = s {
                types.push(value.ty.clone());
            }
        });
    }
    types
}
