//! Every name the generated Rust binds (`let`, patterns, parameters) that does not come
//! from the spec must be refused as a type name: a newtype is a tuple struct, and a
//! binding of the same name would not compile. This keeps the checker's reserved names in
//! step with the generator.

use std::collections::BTreeSet;
use std::path::Path;
use suricate_codegen::Code;
use suricate_codegen::ir::{
    Binder, Expr, ExprKind, Machine, Stmt, visit_expr, visit_nested_stmts, visit_stmts,
};
use syn::visit::Visit;

/// Names bound by patterns anywhere in a file.
#[derive(Default)]
struct Bindings(BTreeSet<String>);

impl<'ast> Visit<'ast> for Bindings {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.insert(p.ident.to_string());
        syn::visit::visit_pat_ident(self, p);
    }
}

/// The names a machine's spec binds: input fields, loop and quantifier variables, lets.
fn spec_names(m: &Machine) -> BTreeSet<String> {
    fn binder(b: &Binder, out: &mut BTreeSet<String>) {
        match b {
            Binder::One(x) => {
                out.insert(x.clone());
            }
            Binder::Pair(k, v) => {
                out.insert(k.clone());
                out.insert(v.clone());
            }
        }
    }
    fn quantifier(x: &Expr, out: &mut BTreeSet<String>) {
        if let ExprKind::Quant { binder: b, .. } = &x.kind {
            binder(b, out);
        }
    }
    fn expr(e: &Expr, out: &mut BTreeSet<String>) {
        visit_expr(e, &mut |x| quantifier(x, out));
    }
    fn stmts(list: &[Stmt], out: &mut BTreeSet<String>) {
        visit_nested_stmts(list, &mut |s| match s {
            Stmt::For { binder: b, .. } => binder(b, out),
            Stmt::Let { name, .. } => {
                out.insert(name.clone());
            }
            _ => {}
        });
        visit_stmts(list, &mut |x| quantifier(x, out));
    }
    let mut out = BTreeSet::new();
    for input in &m.inputs {
        out.extend(input.fields.iter().map(|f| f.name.clone()));
    }
    for t in &m.transitions {
        t.guards.iter().for_each(|g| expr(&g.expr, &mut out));
        stmts(&t.update, &mut out);
        t.emits
            .iter()
            .for_each(|e| e.fields.iter().for_each(|(_, v)| expr(v, &mut out)));
    }
    for i in &m.invariants {
        expr(&i.expr, &mut out);
    }
    out
}

#[test]
fn every_name_the_generated_code_binds_is_refused_as_a_type_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut generated = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("tests/specs") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "machine") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("readable spec");
        let output = suricate_codegen::generate(&source, "spec.machine").expect("checks");
        let (spec, _) = suricate_codegen::check(&source, "spec.machine").expect("checks");
        for (machine, m) in output.machines.iter().zip(&spec.machines) {
            let file: syn::File = syn::parse_str(&machine.rust).expect("generated Rust parses");
            let mut bindings = Bindings::default();
            bindings.visit_file(&file);
            let own = spec_names(m);
            generated.extend(bindings.0.into_iter().filter(|n| !own.contains(n)));
        }
    }
    assert!(generated.contains("entry") && generated.contains("step"));
    let allowed: Vec<&String> = generated
        .iter()
        .filter(|name| {
            let spec = format!("machine M {{ type {name} = u64; phases {{ A }} initial A; }}");
            let codes: Vec<Code> = match suricate_codegen::check(&spec, "m.machine") {
                Ok((_, warnings)) => warnings.items.iter().map(|d| d.code).collect(),
                Err(errors) => errors.items.iter().map(|d| d.code).collect(),
            };
            // A keyword of the language (`old`) cannot name a type either.
            !codes.contains(&Code::ReservedName) && !codes.contains(&Code::Syntax)
        })
        .collect();
    assert!(
        allowed.is_empty(),
        "the generated code binds these names, but a type may take them: {allowed:?}"
    );
}
