//! The session kernel checks its invariants after every transition in debug builds, the
//! runtime's included, where consumers run their tests. An invariant that ranges over a
//! collection costs a pass over it on every step, so none may range over one that grows
//! with the session's history or backlog: the inputs it remembers (`inputs`, `finished`,
//! `keys`: up to `remember` of them, 1,024 by default and up to 65,536) or its lanes
//! (`queue`, `steer`: as long as callers make them). A pass over the keys made every step
//! of a session whose inputs carry idempotency keys cost a pass over the window (a run
//! cycle of a debug build: 14 us without keys, 1.4 ms with them at 1,024 remembered inputs,
//! 36 ms at 16,384); a pass over the lanes made filling a queue quadratic (an accept: 0.2
//! ms with about 500 queued, 4.7 ms with 10,000). Whole-state properties are checked after
//! every step by tests/tests/session_kernel_walk.rs instead.

use suricate_codegen::ir::{self, Expr, ExprKind};

/// Fields the invariants may not range over.
const GROWING: [&str; 5] = ["inputs", "finished", "keys", "queue", "steer"];

/// The fields the quantifiers in `e` range over.
fn ranged_over(e: &Expr, out: &mut Vec<String>) {
    if let ExprKind::Quant { collection, .. } = &e.kind
        && let ExprKind::SelfField(field) = &collection.kind
    {
        out.push(field.clone());
    }
    for child in ir::children(e) {
        ranged_over(child, out);
    }
}

#[test]
fn no_session_invariant_ranges_over_what_grows_with_the_session() {
    let source = include_str!("../../spec/session.machine");
    let (spec, _) = suricate_codegen::check(source, "session.machine").expect("spec checks");
    let machine = &spec.machines[0];
    assert!(!machine.invariants.is_empty());
    let mut offending = Vec::new();
    for invariant in &machine.invariants {
        let mut fields = Vec::new();
        ranged_over(&invariant.expr, &mut fields);
        for field in fields {
            if GROWING.contains(&field.as_str()) {
                offending.push(format!("{} ranges over {field}", invariant.name));
            }
        }
    }
    assert!(offending.is_empty(), "{offending:?}");
}
