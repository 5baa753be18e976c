//! Unit tests for the trickier checker rules.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ExprKind as K, Ty};

fn run(src: &str) -> (Option<ir::Spec>, Vec<Diagnostic>) {
    let file = crate::parse::parse(src).unwrap_or_else(|d| panic!("syntax error: {d:?}"));
    super::check(&file)
}

/// Checks `src`, which must be free of errors; returns the only machine.
fn ok(src: &str) -> ir::Machine {
    let (spec, diags) = run(src);
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.severity() == crate::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    spec.expect("IR for an error-free spec").machines.remove(0)
}

/// The codes reported for `src`, in report order.
fn codes(src: &str) -> Vec<Code> {
    run(src).1.iter().map(|d| d.code).collect()
}

fn diags_with(src: &str, code: Code) -> Vec<Diagnostic> {
    run(src).1.into_iter().filter(|d| d.code == code).collect()
}

/// The one diagnostic in `ds`; fails, showing them all, if there is not exactly one.
fn only(ds: Vec<Diagnostic>) -> Diagnostic {
    assert_eq!(ds.len(), 1, "{ds:#?}");
    ds.into_iter().next().expect("one diagnostic")
}

/// A machine with one input `Go { n: u64, b: Bytes }` and the given extra items.
fn machine(items: &str) -> String {
    format!(
        "machine M {{
    type Bytes = u64;
    type Other = u64;
    phases {{ A, B }}
    initial A;
    input Go {{ n: u64, b: Bytes }}
    {items}
}}"
    )
}

#[test]
fn download_example_checks_without_diagnostics() {
    let src = include_str!("../../tests/specs/download.machine");
    let (spec, diags) = run(src);
    assert!(diags.is_empty(), "{diags:#?}");
    let m = &spec.unwrap().machines[0];
    assert_eq!(m.transitions.len(), 7);
    assert_eq!(m.transitions[5].from, vec!["Running", "Paused"]);
}

#[test]
fn base_typed_operand_is_coerced_to_the_newtype() {
    let m = ok(&machine(
        "state { total: Bytes = 0 }
         transition go on Go from A -> B { guard g: self.total < n + self.total; }",
    ));
    let g = &m.transitions[0].guards[0].expr;
    let K::Binary(ir::BinOp::Lt, l, r) = &g.kind else {
        panic!("{g:?}")
    };
    assert_eq!(l.ty, Ty::Newtype("Bytes".into()));
    // `n + self.total`: the `u64` side is coerced, the sum is `Bytes`.
    assert_eq!(r.ty, Ty::Newtype("Bytes".into()));
    let K::Binary(ir::BinOp::Add, n, total) = &r.kind else {
        panic!("{r:?}")
    };
    assert_eq!(n.ty, Ty::Newtype("Bytes".into()));
    assert!(matches!(&n.kind, K::Coerce(inner) if inner.kind == K::InputField("n".into())));
    assert_eq!(total.kind, K::SelfField("total".into()));
}

#[test]
fn literal_defaults_take_the_field_type() {
    let m = ok(&machine(
        "state { b: Bytes = 7, i: i64 = -3, o: Option<Bytes> = some(1) }
         transition go on Go from A -> B {}",
    ));
    let b = &m.fields[0].default;
    assert_eq!(b.ty, Ty::Newtype("Bytes".into()));
    assert!(matches!(&b.kind, K::Coerce(inner) if inner.kind == K::U64(7)));
    assert_eq!(m.fields[1].default.kind, K::I64(-3));
    let K::Some(inner) = &m.fields[2].default.kind else {
        panic!()
    };
    assert!(matches!(&inner.kind, K::Coerce(x) if x.kind == K::U64(1)));
}

#[test]
fn assigning_a_newtype_to_its_base_coerces_to_the_base() {
    let m = ok(&machine(
        "state { plain: u64 = 0 }
         transition go on Go from A -> B { update { self.plain = b; } }",
    ));
    let ir::Stmt::Assign { value, .. } = &m.transitions[0].update[0] else {
        panic!()
    };
    assert_eq!(value.ty, Ty::U64);
    assert!(matches!(&value.kind, K::Coerce(x) if x.ty == Ty::Newtype("Bytes".into())));
}

#[test]
fn different_newtypes_never_mix() {
    let src = machine(
        "state { x: Other = 0 }
         transition go on Go from A -> B { guard g: self.x == b; }",
    );
    assert_eq!(codes(&src), vec![Code::NewtypeMix]);
}

#[test]
fn star_expands_to_non_terminal_phases_in_declaration_order() {
    let m = ok("machine M {
        phases { A, B, C, D }
        initial A;
        terminal [B];
        input Go;
        transition t on Go from * -> same { guard g: true; }
        transition u on Go from [D, B, A, D] -> same {}
    }");
    assert_eq!(m.transitions[0].from, vec!["A", "C", "D"]);
    assert_eq!(m.transitions[1].from, vec!["A", "B", "D"]);
}

#[test]
fn guardless_candidate_shadows_later_ones_per_phase() {
    let src = "machine M {
        phases { A, B, C }
        initial A;
        input Go;
        transition first on Go from [A, B] -> C {}
        transition second on Go from [B, C] -> A { guard g: true; }
        transition third on Go from C -> A {}
    }";
    let d = only(diags_with(src, Code::UnreachableCandidate));
    assert!(d.message.contains("`second`") && d.message.contains("`B`"));
    assert!(!d.message.contains("`C`"));
    assert_eq!(d.secondary.len(), 1);
}

#[test]
fn guards_establish_partial_operations_in_order() {
    let base = "machine M {
        phases { A }
        initial A;
        state { o: Option<u64> = none, m: Map<u64, u64> = {} }
        input Go { k: u64 }
        effect E { v: u64 }
        transition t on Go from A -> same {
            GUARDS
            update { self.o = some(self.m[k]); }
            emit E { v: self.o.unwrap() };
        }
    }";
    let with = |g: &str| base.replace("GUARDS", g);
    // Missing fact: `self.m[k]` is reported; the emit's `self.o.unwrap()` is not, since
    // the update just wrote `some(..)` into `self.o`.
    assert_eq!(codes(&with("")), vec![Code::UnestablishedPartial]);
    // Guard facts flow into updates and emits (any accepted form).
    assert!(codes(&with("guard a: k in self.m && self.o.is_some();")).is_empty());
    assert!(
        codes(&with(
            "guard a: self.m.get(k) != none; guard b: none != self.o;"
        ))
        .is_empty()
    );
    // A use inside a guard needs an earlier guard or an earlier conjunct.
    assert!(
        codes(&with(
            "guard a: k in self.m && self.m[k] > 0; guard b: self.o != none;"
        ))
        .is_empty()
    );
    assert_eq!(
        codes(&with(
            "guard a: self.m[k] > 0 && k in self.m; guard b: self.o != none;"
        )),
        vec![Code::UnestablishedPartial]
    );
}

#[test]
fn types_and_phases_from_habit_get_the_spec_spelling() {
    let src = |ty: &str, to: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A; state {{ n: {ty} }}
             input Go; transition go on Go from A -> {to} {{ }} }}"
        )
    };
    for (ty, help) in [
        ("int = 0", "`u64` and `i64`"),
        ("f64 = 0", "no floating-point"),
        ("Vec<u64> = []", "`Seq<T>`"),
        ("HashMap<u64, u64> = {}", "`Map<K, V>`"),
        ("Strng = \"\"", "did you mean `string`?"),
    ] {
        let ds = diags_with(&src(ty, "same"), Code::UndefinedName);
        assert!(ds[0].help[0].contains(help), "{ty}: {:?}", ds[0].help);
    }
    let ds = diags_with(&src("u64 = 0", "Same"), Code::UndefinedName);
    assert!(ds[0].help[0].contains("write `same`"), "{:?}", ds[0].help);
}

#[test]
fn a_statement_method_read_as_a_value_says_so() {
    let src = |expr: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A;
             state {{ s: Set<u64> = {{}}, q: Seq<u64> = [], m: Map<u64, u64> = {{}} }}
             input Go; transition go on Go from A -> same {{ guard g: {expr}; }} }}"
        )
    };
    for (expr, method) in [
        ("self.s.insert(1)", "insert"),
        ("self.q.pop_front() == 1", "pop_front"),
        ("self.m.remove(1) == 2", "remove"),
    ] {
        let ds = diags_with(&src(expr), Code::BadOperation);
        assert_eq!(ds.len(), 1, "{expr}");
        assert!(
            ds[0].message.contains(&format!("`{method}` changes"))
                && ds[0].help[0].contains("statement of an `update` block"),
            "{expr}: {:?}",
            ds[0]
        );
    }
    // Other unknown methods keep their suggestions.
    let ds = diags_with(&src("self.s.lenn() == 0"), Code::BadOperation);
    assert!(
        ds[0].help[0].contains("did you mean `len`"),
        "{:?}",
        ds[0].help
    );
}

#[test]
fn any_spelling_of_a_presence_establishes_every_other() {
    let src = |guard: &str, update: &str| {
        format!(
            "machine M {{
                phases {{ A }}
                initial A;
                state {{ o: Option<u64> = none, m: Map<u64, u64> = {{}}, t: u64 = 0 }}
                input Go {{ k: u64 }}
                transition t on Go from A -> same {{
                    guard g: {guard};
                    update {{ {update} }}
                }}
            }}"
        )
    };
    let by_get = "self.t = self.m.get(k).unwrap();";
    let by_index = "self.t = self.m[k];";
    for guard in [
        "k in self.m",
        "self.m.get(k) != none",
        "none != self.m.get(k)",
        "self.m.get(k).is_some()",
        "!self.m.get(k).is_none()",
    ] {
        for update in [by_get, by_index] {
            assert!(codes(&src(guard, update)).is_empty(), "{guard} / {update}");
        }
    }
    // A presence of another key, or of the option, is not that one.
    assert_eq!(
        codes(&src("self.t in self.m", by_get)),
        vec![Code::UnestablishedPartial]
    );
    assert_eq!(
        codes(&src("self.o.is_some()", by_get)),
        vec![Code::UnestablishedPartial]
    );
    assert!(codes(&src("!self.o.is_none()", "self.t = self.o.unwrap();")).is_empty());
}

#[test]
fn invariants_must_hold_in_the_initial_state() {
    let src = |defaults: &str, invs: &str| {
        format!(
            "machine M {{ phases {{ A, B }} initial A; state {{ {defaults} }}
             input Go; transition go on Go from A -> B {{ }}
             {invs} }}"
        )
    };
    let invs =
        "invariant small: self.n < 3; invariant set: self.o.is_some() && self.o.unwrap() > self.n;";
    assert!(codes(&src("n: u64 = 2, o: Option<u64> = some(5)", invs)).is_empty());
    let ds = diags_with(
        &src("n: u64 = 3, o: Option<u64> = none", invs),
        Code::InitialInvariant,
    );
    let names: Vec<&str> = ds.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "invariant `small` does not hold in the initial state",
            "invariant `set` does not hold in the initial state",
        ]
    );
    // The phase counts too; an invariant that faults (overflow) does not hold either.
    let phase = "invariant not_b: self.phase != Phase::A;";
    assert_eq!(
        codes(&src("n: u64 = 0", phase)),
        vec![Code::InitialInvariant]
    );
    let overflow = "invariant big: self.n + 1 > 0;";
    assert_eq!(
        codes(&src("n: u64 = 18446744073709551615", overflow)),
        vec![Code::InitialInvariant]
    );
    // The label says which: false, or a fault.
    let labels = |defaults: &str, inv: &str| -> Vec<String> {
        diags_with(&src(defaults, inv), Code::InitialInvariant)
            .into_iter()
            .map(|d| d.label)
            .collect()
    };
    assert_eq!(
        labels("n: u64 = 18446744073709551615", overflow),
        ["faults (an arithmetic overflow) with every field at its default and the phase `A`"]
    );
    assert_eq!(
        labels("n: u64 = 3", "invariant small: self.n < 3;"),
        ["not true with every field at its default and the phase `A`"]
    );
    assert!(codes(&src("n: u64 = 7", overflow)).is_empty());
}

#[test]
fn invariants_establish_only_through_implies_and_conjunctions() {
    let src = |inv: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A; state {{ o: Option<u64> = some(1) }}
             invariant i: {inv}; }}"
        )
    };
    assert!(codes(&src("self.o != none implies self.o.unwrap() > 0")).is_empty());
    assert!(codes(&src("self.o.is_some() && self.o.unwrap() > 0")).is_empty());
    let ds = diags_with(&src("self.o.unwrap() > 0"), Code::UnestablishedPartial);
    assert_eq!(ds.len(), 1);
    assert!(ds[0].help[0].contains("implies"), "{:?}", ds[0].help);
}

#[test]
fn if_condition_establishes_facts_in_the_then_branch_only() {
    let src = |body: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A; state {{ m: Map<u64, u64> = {{}}, x: u64 = 0 }}
             input Go {{ k: u64 }}
             transition t on Go from A -> same {{ update {{ {body} }} }} }}"
        )
    };
    assert!(codes(&src("if k in self.m { self.x = self.m[k]; }")).is_empty());
    assert_eq!(
        codes(&src("if k in self.m { } else { self.x = self.m[k]; }")),
        vec![Code::UnestablishedPartial]
    );
}

#[test]
fn recursive_structs_are_reported_once_per_cycle() {
    let src = "machine M {
        struct A { b: B }
        struct B { a: Option<A> }
        struct C { cs: Seq<C> }
        struct D { d: Option<Option<D>> }
        phases { P } initial P;
    }";
    let ds = diags_with(src, Code::RecursiveType);
    let names: Vec<&str> = ds
        .iter()
        .map(|d| d.message.split('`').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["A", "D"]);
}

#[test]
fn one_mistake_is_reported_once() {
    // The unknown field type does not cascade into errors at every use.
    let src = "machine M {
        phases { A } initial A;
        state { x: Bites = 0 }
        input Go;
        transition t on Go from A -> same {
            guard g: self.x + 1 > 2;
            update { self.x += 1; }
        }
    }";
    let d = only(run(src).1);
    assert_eq!(d.code, Code::UndefinedName);
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let src = "machine M {
        phases { A, B } initial A;
        state { x: u64 = 0 }
        input Go { n: u64 }
        transition t on Go from A -> Bee {
            guard g: self.y > 0;
            update { self.phase = Phase::B; self.x = \"s\"; }
        }
        invariant i: old(self.x) == 0;
    }";
    let mut found = codes(src);
    found.sort_by_key(|c| c.as_str());
    assert_eq!(
        found,
        vec![
            Code::UndefinedName,
            Code::UndefinedName,
            Code::TypeMismatch,
            Code::ReadOnly,
            Code::MisplacedOld,
        ]
    );
}

#[test]
fn a_bare_variant_name_is_shown_with_its_enum() {
    let src = "machine M {
        enum Metric { Rejected, Allowed }
        enum Verdict { Rejected, Passed }
        phases { Idle } initial Idle;
        state { rejected: u64 = 0, last: Metric = Metric::Allowed }
        input Go { n: u64 }
        transition t on Go from Idle -> same { update { self.last = Rejected; } }
    }";
    let helps: Vec<String> = run(src).1.into_iter().flat_map(|d| d.help).collect();
    assert_eq!(
        helps,
        ["a variant is written with its enum's name: `Metric::Rejected` or `Verdict::Rejected`"]
    );
}

#[test]
fn reading_the_entry_a_map_binder_is_at_names_its_value() {
    let helps = |guard: &str, update: &str| -> Vec<String> {
        let src = format!(
            "machine M {{
        phases {{ A }} initial A;
        state {{ m: Map<u64, u64> = {{}}, other: Map<u64, u64> = {{}}, n: u64 = 0 }}
        input Go {{ j: u64 }}
        transition t on Go from A -> same {{ {guard} update {{ {update} }} }}
    }}"
        );
        let ds = run(&src).1;
        assert!(
            ds.iter().all(|d| d.code == Code::UnestablishedPartial),
            "{ds:#?}"
        );
        ds.into_iter().flat_map(|d| d.help).collect()
    };
    let in_loop =
        "use `v`: `for (k, v) in self.m` binds it to this entry's value (as of the loop's start)";
    assert_eq!(
        helps("", "for (k, v) in self.m { self.n += self.m[k]; }"),
        [format!(
            "{in_loop}; for its value after the loop's own writes, test it with `if k in self.m {{ .. }}`"
        )]
    );
    // The innermost binder at that key, whichever map the inner loops go over.
    let nested = helps(
        "",
        "for (k, v) in self.m { for (i, w) in self.other { for (x, y) in self.m { self.n += self.m[k]; } } }",
    );
    assert!(nested[0].starts_with(in_loop), "{nested:?}");
    // A write that ended the fact: `v` first, then the usual ways.
    let ended = helps(
        "",
        "for (k, v) in self.m { if k in self.m { self.m.remove(j); self.n += self.m[k]; } }",
    );
    assert_eq!(
        ended,
        [format!(
            "{in_loop}; otherwise read it before the write, test it again with `if`, or read the pre-state with `old(...)`"
        )]
    );
    assert_eq!(
        helps("guard g: all (k, v) in self.m: self.m[k] > 0;", ""),
        ["use `v`: `all (k, v) in self.m` binds it to this entry's value"]
    );
    let old_map = helps(
        "",
        "for (a, b) in old(self.m) { self.n += old(self.m)[a]; }",
    );
    assert!(
        old_map[0].starts_with("use `b`: `for (a, b) in old(self.m)` binds it"),
        "{old_map:?}"
    );
    // Another map, another key, or the map now rather than the one looped over: no value
    // is bound for that entry.
    for update in [
        "for (k, v) in self.m { self.n += self.other[k]; }",
        "for (k, v) in self.m { self.n += self.m[v]; }",
        "for (k, v) in self.m { self.n += self.m[j]; }",
        "for (k, v) in old(self.m) { self.n += self.m[k]; }",
    ] {
        let found = helps("", update);
        assert_eq!(found.len(), 1, "{update}: {found:?}");
        assert!(!found[0].contains("binds it"), "{update}: {found:?}");
    }
}

#[test]
fn option_mistakes_get_hints() {
    let helps = |update: &str| -> Vec<String> {
        let src = format!(
            "machine M {{
        struct Rec {{ a: u64 }}
        phases {{ A }} initial A;
        state {{ o: Option<u64> = none, m: Map<u64, Rec> = {{}}, n: u64 = 0 }}
        input Go {{ k: u64 }}
        transition t on Go from A -> same {{ update {{ {update} }} }}
    }}"
        );
        run(&src).1.into_iter().flat_map(|d| d.help).collect()
    };
    assert_eq!(
        helps("self.o = k;"),
        ["an `Option` holds a value as `some(..)`: write `some(...)` around it"]
    );
    let may_be_none = "it may be `none`: `.unwrap()` it where a guard establishes it has a value";
    assert!(helps("self.n = self.o + 1;")[0].starts_with(may_be_none));
    assert!(helps("self.n = self.o;")[0].starts_with(may_be_none));
    assert_eq!(
        helps("self.n = self.m.get(k).a;"),
        [
            "it may be `none`: read a map entry as `m[k].a` (with `k in m` established), or unwrap it first: `.unwrap().a`"
        ]
    );
}

#[test]
fn misspelt_names_get_suggestions() {
    let src = "machine M {
        phases { Idle, Running } initial Idle;
        state { count: u64 = 0 }
        input Go { amount: u64 }
        transition t on Go from Idel -> Running {
            guard g: amout > 0 && count > 0;
        }
    }";
    let helps: Vec<String> = run(src).1.into_iter().flat_map(|d| d.help).collect();
    assert!(
        helps.contains(&"did you mean `Idle`?".to_string()),
        "{helps:?}"
    );
    assert!(
        helps.contains(&"did you mean `amount`?".to_string()),
        "{helps:?}"
    );
    assert!(
        helps.contains(&"did you mean `self.count`?".to_string()),
        "{helps:?}"
    );
}

#[test]
fn integer_literals_follow_the_expected_type() {
    let src = |items: &str| format!("machine M {{ phases {{ A }} initial A; {items} }}");
    assert!(codes(&src("state { x: i64 = -9223372036854775808 }")).is_empty());
    assert_eq!(
        codes(&src("state { x: u64 = -1 }")),
        vec![Code::IntOutOfRange]
    );
    assert_eq!(
        codes(&src("state { x: u64 = 18446744073709551616 }")),
        vec![Code::IntOutOfRange]
    );
    assert_eq!(
        codes(&src("state { x: i64 = 9223372036854775808 }")),
        vec![Code::IntOutOfRange]
    );
}

#[test]
fn empty_literals_need_an_expected_type() {
    let src = "machine M { phases { A } initial A; invariant i: none == none; }";
    let ds = run(src).1;
    assert_eq!(ds.len(), 1);
    assert!(ds[0].message.contains("cannot infer"), "{}", ds[0].message);
    let m = ok("machine M { phases { A } initial A;
        state { s: Set<u64> = {}, m: Map<u64, bool> = {} } }");
    assert_eq!(m.fields[0].default.kind, K::EmptySet);
    assert_eq!(m.fields[1].default.kind, K::EmptyMap);
}

#[test]
fn transition_names_colliding_in_camel_case_are_duplicates() {
    let src = "machine M { phases { A } initial A; input Go;
        transition give_up on Go from A -> same { guard g: true; }
        transition GiveUp on Go from A -> same {} }";
    assert_eq!(codes(src), vec![Code::DuplicateName]);
}

/// A machine whose map `jobs` holds structs, with `update { BODY }` on input `Go`.
fn entry_machine(guards: &str, body: &str) -> String {
    format!(
        "machine M {{
            type Tries = u64;
            enum Stage {{ Queued, Staged }}
            struct Limit {{ max: Tries, hard: bool }}
            struct Job {{ stage: Stage, attempts: Tries, limit: Limit }}
            phases {{ A }}
            initial A;
            state {{ jobs: Map<u64, Job> = {{}}, counts: Map<u64, u64> = {{}}, n: u64 = 0 }}
            input Go {{ k: u64, t: Tries }}
            transition t on Go from A -> same {{ {guards} update {{ {body} }} }}
        }}"
    )
}

#[test]
fn entry_field_assignment_lowers_to_map_field_set() {
    let m = ok(&entry_machine(
        "guard known: k in self.jobs;",
        "self.jobs[k].limit.max = self.jobs[k].attempts + 1;",
    ));
    let ir::Stmt::MapFieldSet {
        field,
        key,
        path,
        value,
    } = &m.transitions[0].update[0]
    else {
        panic!("{:?}", m.transitions[0].update[0])
    };
    assert_eq!(field, "jobs");
    assert_eq!(key.kind, K::InputField("k".into()));
    assert_eq!(path, &["limit".to_string(), "max".to_string()]);
    // Typed against the leaf field: `Tries + 1` stays `Tries`.
    assert_eq!(value.ty, Ty::Newtype("Tries".into()));
}

#[test]
fn entry_field_assignment_coerces_the_value_to_the_leaf_type() {
    let m = ok(&entry_machine(
        "guard known: k in self.jobs;",
        "self.jobs[k].attempts = self.n;",
    ));
    let ir::Stmt::MapFieldSet { value, .. } = &m.transitions[0].update[0] else {
        panic!()
    };
    assert_eq!(value.ty, Ty::Newtype("Tries".into()));
    assert!(matches!(&value.kind, K::Coerce(inner) if inner.kind == K::SelfField("n".into())));
}

#[test]
fn entry_field_assignment_needs_the_entry_established() {
    let body = "self.jobs[k].stage = Stage::Staged;";
    assert_eq!(
        codes(&entry_machine("", body)),
        vec![Code::UnestablishedPartial]
    );
    assert!(codes(&entry_machine("guard g: self.jobs.get(k).is_some();", body)).is_empty());
    assert!(
        codes(&entry_machine(
            "",
            &format!("if k in self.jobs {{ {body} }}")
        ))
        .is_empty()
    );
    assert_eq!(
        codes(&entry_machine(
            "",
            &format!("if k in self.jobs {{ }} else {{ {body} }}")
        )),
        vec![Code::UnestablishedPartial]
    );
    let ds = diags_with(&entry_machine("", body), Code::UnestablishedPartial);
    assert_eq!(
        ds[0].message,
        "`self.jobs[k]` needs `k in self.jobs`, which is not established"
    );
    assert_eq!(
        ds[0].help,
        vec![
            "add a guard such as `guard known_in_jobs: k in self.jobs;`, test it with `if k in self.jobs { .. }`, or create the entry first: `if !(k in self.jobs) { self.jobs[k] = ..; }`"
                .to_string()
        ]
    );
}

#[test]
fn a_missing_fact_is_reported_once_per_transition() {
    let ds = diags_with(
        &entry_machine(
            "",
            "self.counts[k] = self.counts[k] + 1; self.n = self.counts[k]; if self.n > 1 { self.n = self.counts[k]; }",
        ),
        Code::UnestablishedPartial,
    );
    assert_eq!(ds.len(), 1, "{ds:?}");
    // Lacking in a guard and again in the body: still once.
    let ds = diags_with(
        &entry_machine(
            "guard small: self.counts[k] < 10;",
            "self.n = self.counts[k];",
        ),
        Code::UnestablishedPartial,
    );
    assert_eq!(ds.len(), 1, "{ds:?}");
    // A different missing fact is still reported.
    let ds = diags_with(
        &entry_machine(
            "",
            "self.n = self.counts[k]; self.n = self.jobs[k].attempts;",
        ),
        Code::UnestablishedPartial,
    );
    assert_eq!(ds.len(), 2, "{ds:?}");
}

#[test]
fn a_guard_that_needs_a_later_one_is_told_to_move_it() {
    let ds = diags_with(
        &entry_machine(
            "guard small: self.counts[k] < 10; guard other: self.n == 0; guard known: k in self.counts;",
            "",
        ),
        Code::UnestablishedPartial,
    );
    assert_eq!(ds.len(), 1);
    assert_eq!(
        ds[0].help,
        vec!["move guard `known` before `small`: it establishes this".to_string()]
    );
    // With no guard that establishes it, the help still proposes one.
    let ds = diags_with(
        &entry_machine(
            "guard small: self.counts[k] < 10; guard known: k in self.jobs;",
            "",
        ),
        Code::UnestablishedPartial,
    );
    assert_eq!(
        ds[0].help,
        vec![
            "add a guard such as `guard known_in_counts: k in self.counts;` before this one"
                .to_string()
        ]
    );
}

#[test]
fn entry_field_assignment_paths_name_struct_fields() {
    let guard = "guard known: k in self.jobs;";
    let ds = diags_with(
        &entry_machine(guard, "self.jobs[k].atempts = 1;"),
        Code::UnknownField,
    );
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].message, "struct `Job` has no field `atempts`");
    assert_eq!(ds[0].help, vec!["did you mean `attempts`?".to_string()]);
    assert_eq!(
        codes(&entry_machine(guard, "self.jobs[k].limit.maxx = 1;")),
        vec![Code::UnknownField]
    );
    // Through a non-struct field, into a map of non-structs, or on a non-map.
    assert_eq!(
        codes(&entry_machine(guard, "self.jobs[k].attempts.x = 1;")),
        vec![Code::BadOperation]
    );
    assert_eq!(
        codes(&entry_machine(
            "guard known: k in self.counts;",
            "self.counts[k].x = 1;"
        )),
        vec![Code::BadOperation]
    );
    assert_eq!(
        codes(&entry_machine("", "self.n[k].x = 1;")),
        vec![Code::BadOperation]
    );
    assert_eq!(
        codes(&entry_machine("", "self.phase[k].x = 1;")),
        vec![Code::ReadOnly]
    );
    // The value is checked against the leaf field; the key against the map's key type.
    assert_eq!(
        codes(&entry_machine(guard, "self.jobs[k].limit.hard = 1;")),
        vec![Code::TypeMismatch]
    );
    assert_eq!(
        codes(&entry_machine("", "self.jobs[true].stage = Stage::Staged;")),
        vec![Code::TypeMismatch]
    );
    // A bad path still reports problems in the value.
    assert_eq!(
        codes(&entry_machine(guard, "self.jobs[k].nope = self.missing;")),
        vec![Code::UnknownField, Code::UndefinedName]
    );
}

#[test]
fn guard_facts_hold_for_old_reads_too() {
    // Guards see the pre-state, which is what `old()` reads.
    let src = "machine M {
        phases { P }
        initial P;
        state { x: Option<u64> = none, m: Map<u64, u64> = {} }
        input Go { k: u64 }
        effect E { n: u64 }
        transition a on Go from P -> same {
            guard has_x: self.x != none;
            guard known: k in self.m;
            update { self.x = none; self.m.remove(k); }
            emit E { n: old(self.x).unwrap() };
            emit E { n: old(self.m)[k] };
        }
    }";
    ok(src);
}

#[test]
fn the_help_for_an_old_read_suggests_a_guard_without_old() {
    let src = "machine M {
        phases { P }
        initial P;
        state { m: Map<u64, u64> = {} }
        input Go { k: u64 }
        effect E { n: u64 }
        transition a on Go from P -> same { emit E { n: old(self.m)[k] }; }
    }";
    let d = diags_with(src, Code::UnestablishedPartial);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(
        d[0].help,
        vec!["add a guard such as `guard known_in_m: k in self.m;`".to_string()]
    );
}

#[test]
fn a_flat_chain_of_one_operator_is_not_nesting() {
    let and = format!("self.b{}", " && self.b".repeat(100));
    let sum = format!("self.n{} > 0", " + 1".repeat(100));
    let src = format!(
        "machine M {{ phases {{ P }} initial P; state {{ b: bool = true, n: u64 = 0 }} input Go;
         transition go on Go from P -> same {{ guard g: {and}; guard h: {sum}; }} }}"
    );
    ok(&src);
    // Real nesting is still limited.
    let deep = format!("{}true{}", "!(".repeat(70), ")".repeat(70));
    let src = format!("machine M {{ phases {{ P }} initial P; invariant i: {deep}; }}");
    let err = crate::parse::parse(&src).expect_err("too deep");
    assert_eq!(err.message, "syntax error: nested too deeply");
}

#[test]
fn state_fields_colliding_in_camel_case_are_reported_once() {
    let src = "machine M { phases { P } initial P; state { a_b: u64 = 0, aB: u64 = 0 }
        input Go; transition go on Go from P -> same { update { self.aB = 1; } } }";
    // `aB` stays declared: its use is not reported unknown.
    assert_eq!(codes(src), vec![Code::DuplicateName]);
}

#[test]
fn did_you_mean_accepts_one_edit_in_names_of_three_or_more() {
    use crate::diagnostics::did_you_mean;
    assert_eq!(
        did_you_mean("jbo", ["count", "job", "m"]).as_deref(),
        Some("job")
    );
    assert_eq!(
        did_you_mean("cuont", ["count", "job"]).as_deref(),
        Some("count")
    );
    // One edit in a one-letter name says nothing.
    assert_eq!(did_you_mean("x", ["y"]), None);
    assert_eq!(did_you_mean("jbo", ["total"]), None);
}

#[test]
fn types_cannot_take_the_names_of_generated_locals() {
    // A newtype is a tuple struct: a `let entry`, `Some(entry)` or parameter of that name
    // in the generated code would not compile.
    for name in ["entry", "k", "step", "state", "failed_x", "old_thing"] {
        let src = format!(
            "machine M {{
                type {name} = u64;
                phases {{ A }}
                initial A;
            }}"
        );
        assert_eq!(codes(&src), vec![Code::ReservedName], "{name}");
    }
}

#[test]
fn input_fields_cannot_take_the_names_of_generated_locals() {
    // `_state`, `_undo` and `_effects` name the parameters a transition function does not
    // use: a field of that name would be a second parameter of the same name.
    for name in [
        "state",
        "failed_0",
        "failed_guard",
        "old_count",
        "UndoLog",
        "_state",
        "_undo",
        "_effects",
    ] {
        let src = format!(
            "machine M {{
                phases {{ A }}
                initial A;
                state {{ count: u64 = 0 }}
                input Go {{ {name}: u64 }}
                transition go on Go from A -> same {{ update {{ self.count = {name}; }} }}
            }}"
        );
        assert_eq!(codes(&src), vec![Code::ReservedName], "{name}");
    }
    // `failed` alone is free again: dispatch no longer has a local of that name.
    let src = "machine M {
        phases { A }
        initial A;
        state { count: u64 = 0 }
        input Go { failed: u64 }
        transition go on Go from A -> same { update { self.count = failed; } }
    }";
    assert!(codes(src).is_empty(), "{:?}", codes(src));
}

/// A machine with a sequence to loop over, a map, an input `Go { n: u64 }` and the given
/// `update` block.
fn looping(update: &str) -> String {
    format!(
        "machine M {{
    phases {{ A }}
    initial A;
    state {{ xs: Seq<u64> = [], m: Map<u64, u64> = {{}}, total: u64 = 0 }}
    input Go {{ n: u64 }}
    transition go on Go from A -> same {{ update {{ {update} }} }}
}}"
    )
}

#[test]
fn break_ends_the_innermost_loop_and_only_under_a_condition() {
    let m = ok(&looping(
        "for x in self.xs { if x > 3 { break; } self.total += x; }",
    ));
    let ir::Stmt::For { body, .. } = &m.transitions[0].update[0] else {
        panic!("a for loop");
    };
    assert!(matches!(&body[0], ir::Stmt::If { then, .. } if then == &vec![ir::Stmt::Break]));
    // In nested loops, each ending its own.
    ok(&looping(
        "for x in self.xs { for y in self.xs { if x == y { self.total += 1; break; } } if x > 5 { break; } }",
    ));
}

#[test]
fn misplaced_breaks_are_refused() {
    let cases = [
        // Outside any loop.
        "self.total = 1; break;",
        // A statement after it would never run (also after an `if` whose branches both end).
        "for x in self.xs { if x > 1 { break; self.total = x; } }",
        "for x in self.xs { if x > 1 { if x > 2 { break; } else { break; } self.total = x; } }",
        // The loop never gets to its second element.
        "for x in self.xs { self.total = x; break; }",
        "for x in self.xs { if x > 1 { break; } else { break; } }",
    ];
    for update in cases {
        let found = diags_with(&looping(update), Code::MisplacedBreak);
        assert_eq!(found.len(), 1, "{update}: {:?}", codes(&looping(update)));
    }
    let d = &diags_with(&looping(cases[1]), Code::MisplacedBreak)[0];
    assert_eq!(
        d.message,
        "this statement never runs: the loop has already ended"
    );
}

#[test]
fn a_guard_clause_that_breaks_establishes_its_negation_for_the_rest_of_the_body() {
    ok(&looping(
        "for x in self.xs { if !(x in self.m) { break; } self.total += self.m[x]; }",
    ));
    // Only for the rest of that block: not after the loop, and not without the `break`.
    let after_loop = looping(
        "for x in self.xs { if !(x in self.m) { break; } } for y in self.xs { self.total += self.m[y]; }",
    );
    assert_eq!(codes(&after_loop), vec![Code::UnestablishedPartial]);
    let no_break = looping(
        "for x in self.xs { if !(x in self.m) { self.total = 0; } self.total += self.m[x]; }",
    );
    assert_eq!(codes(&no_break), vec![Code::UnestablishedPartial]);
}

#[test]
fn after_an_if_what_both_branches_end_with_holds() {
    // Create the entry where it is missing, then use it.
    ok(&looping(
        "if !(n in self.m) { self.m[n] = 0; } self.total = self.m[n];",
    ));
    ok(&looping(
        "if self.total > 3 { self.m[n] = 1; } else { self.m[n] = 2; } self.total = self.m[n];",
    ));
    // The else branch runs where the condition is false.
    ok(&looping(
        "if !(n in self.m) { self.total = 0; } else { self.total = self.m[n]; }",
    ));
    ok(&looping(
        "if self.total > 3 || !(n in self.m) { self.total = 0; } else { self.total = self.m[n]; }",
    ));
    // Only one branch creates it, or the other removes it: not established.
    for update in [
        "if self.total > 3 { self.m[n] = 1; } self.total = self.m[n];",
        "if self.total > 3 { self.m[n] = 1; } else { self.total = 0; } self.total = self.m[n];",
        "if !(n in self.m) { self.m[n] = 0; } else { self.m.remove(n); } self.total = self.m[n];",
        "if n in self.m { self.total = 0; } else { self.total = self.m[n]; }",
    ] {
        assert_eq!(
            codes(&looping(update)),
            vec![Code::UnestablishedPartial],
            "{update}"
        );
    }
    // A fact about a branch's own `let` name ends with the branch: the name may be bound
    // again afterwards, to another value.
    assert_eq!(
        codes(&looping(
            "if self.total > 3 { let j = 5; self.m[j] = 1; } else { let j = 5; self.m[j] = 2; } let j = n; self.total = self.m[j];"
        )),
        vec![Code::UnestablishedPartial]
    );
    // Spelled differently by the two branches, or by an `== none` test.
    let optional = |update: &str| {
        format!(
            "machine M {{
    phases {{ A }}
    initial A;
    state {{ o: Option<u64> = none, total: u64 = 0 }}
    input Go {{ n: u64 }}
    transition go on Go from A -> same {{ update {{ {update} }} }}
}}"
        )
    };
    ok(&optional(
        "if self.o.is_none() { self.o = some(n); } self.total = self.o.unwrap();",
    ));
    ok(&optional(
        "if self.o == none { self.total = 0; } else { self.total = self.o.unwrap(); }",
    ));
    // The emits after the update see it too.
    let emitting = |update: &str| {
        format!(
            "machine M {{
    phases {{ A }}
    initial A;
    state {{ m: Map<u64, u64> = {{}} }}
    input Go {{ n: u64 }}
    effect Seen {{ v: u64 }}
    transition go on Go from A -> same {{ update {{ {update} }} emit Seen {{ v: self.m[n] }}; }}
}}"
        )
    };
    ok(&emitting(
        "if n in self.m { self.m[n] = self.m[n] + 1; } else { self.m[n] = 1; }",
    ));
    // But not a fact about `self.phase`, which moves to the target before the emits.
    let phased = |target: &str| {
        format!(
            "machine M {{
    phases {{ A, B }}
    initial A;
    state {{ pm: Map<Phase, u64> = {{}} }}
    input Go {{ n: u64 }}
    effect Seen {{ v: u64 }}
    transition go on Go from A -> {target} {{ update {{ self.pm[self.phase] = n; }} emit Seen {{ v: self.pm[self.phase] }}; }}
    transition back on Go from B -> A {{}}
}}"
        )
    };
    ok(&phased("same"));
    assert_eq!(codes(&phased("B")), vec![Code::UnestablishedPartial]);
    assert_eq!(
        codes(&emitting(
            "if n in self.m { self.m.remove(n); } else { self.m[n] = 1; }"
        )),
        vec![Code::UnestablishedPartial]
    );
}

#[test]
fn let_names_a_value_for_the_rest_of_its_block() {
    let m = ok(&looping(
        "let first = self.xs.front(); if first.is_some() { let x = first.unwrap(); if x in self.m { self.total = self.m[x]; } }",
    ));
    let ir::Stmt::Let { name, value } = &m.transitions[0].update[0] else {
        panic!("a let");
    };
    assert_eq!(name, "first");
    assert_eq!(value.ty, Ty::Option(Box::new(Ty::U64)));
    // Out of scope after its block.
    assert_eq!(
        codes(&looping("if self.total > 0 { let x = 1; } self.total = x;")),
        vec![Code::UndefinedName]
    );
    // No shadowing of variables or input fields; reserved names stay reserved.
    for update in [
        "for x in self.xs { let x = 2; }",
        "let n = 1;",
        "let y = 1; let y = 2;",
    ] {
        assert_eq!(
            codes(&looping(update)),
            vec![Code::DuplicateName],
            "{update}"
        );
    }
    // A shadowing name points at the variable it shadows.
    let d = &diags_with(&looping("let y = 1; let y = 2;"), Code::DuplicateName)[0];
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(d.secondary[0].1, "first bound here");
    // Reserved names, including the generated module's value-level items (a binding of
    // that name would be read as a pattern).
    for name in ["state", "Machine", "TRANSITIONS"] {
        let update = format!("let {name} = 1;");
        assert_eq!(codes(&looping(&update)), vec![Code::ReservedName], "{name}");
    }
}

#[test]
fn a_write_that_can_falsify_a_fact_ends_it() {
    let src = |guard: &str, update: &str| {
        format!(
            "machine M {{
    struct Item {{ qty: u64 }}
    phases {{ A }}
    initial A;
    state {{ q: Seq<u64> = [], m: Map<u64, Item> = {{}}, o: Option<u64> = none, total: u64 = 0 }}
    input Go {{ n: u64, j: u64 }}
    transition go on Go from A -> same {{ {guard} update {{ {update} }} }}
}}"
        )
    };
    let known = "guard known: n in self.m;";
    // Removing any key, clearing or replacing the map: the entry may be gone.
    for update in [
        "self.m.remove(n); self.total = self.m[n].qty;",
        "self.m.remove(j); self.total = self.m[n].qty;",
        "self.m.clear(); self.total = self.m[n].qty;",
        "self.m = {}; self.total = self.m[n].qty;",
        // Also when the write is inside an `if` or a loop before the read.
        "if j > 3 { self.m.remove(j); } self.total = self.m[n].qty;",
        "for x in self.q { self.m.remove(x); } self.total = self.m[n].qty;",
        // A later iteration runs after an earlier one removed, also conditionally or
        // with the read in a nested loop.
        "for x in self.q { self.total = self.m[n].qty; self.m.remove(x); }",
        "for x in self.q { self.total = self.m[n].qty; if x > 5 { self.m.remove(x); } }",
        "for x in self.q { for y in self.q { self.total = self.m[n].qty; } self.m.remove(x); }",
    ] {
        assert_eq!(
            codes(&src(known, update)),
            vec![Code::UnestablishedPartial],
            "{update}"
        );
    }
    // Popping or replacing what a fact is about.
    assert_eq!(
        codes(&src(
            "",
            "if self.q.front().is_some() { self.q.pop_front(); self.total = self.q.front().unwrap(); }",
        )),
        vec![Code::UnestablishedPartial]
    );
    assert_eq!(
        codes(&src(
            "guard set: self.o.is_some();",
            "self.o = none; self.total = self.o.unwrap();"
        )),
        vec![Code::UnestablishedPartial]
    );
    // Writes that keep the entry: a field of it, an insert, reads before the removal.
    ok(&src(
        known,
        "self.m[n].qty = 1; self.m[j] = Item { qty: 2 }; self.total = self.m[n].qty; self.m.remove(n);",
    ));
}

#[test]
fn facts_about_an_entry_survive_writes_that_keep_it_and_end_for_emits_after_a_removal() {
    let src = |update: &str, emit: &str| {
        format!(
            "machine M {{
    struct Item {{ qty: u64, note: Option<u64> }}
    phases {{ A }}
    initial A;
    state {{ m: Map<u64, Item> = {{}}, total: u64 = 0 }}
    input Go {{ n: u64 }}
    effect Seen {{ qty: u64 }}
    transition go on Go from A -> same {{
        guard known: n in self.m;
        guard noted: self.m[n].note.is_some();
        update {{ {update} }}
        {emit}
    }}
}}"
        )
    };
    let emit = "emit Seen { qty: self.m[n].qty };";
    ok(&src("self.m[n].qty = 2;", emit));
    assert_eq!(
        codes(&src("self.m.remove(n);", emit)),
        vec![Code::UnestablishedPartial]
    );
    // Writing a field of the entry keeps `n in self.m` and what was known about its other
    // fields, but not about the field written.
    ok(&src("self.total = self.m[n].note.unwrap();", emit));
    ok(&src(
        "self.m[n].qty = 2; self.total = self.m[n].note.unwrap();",
        emit,
    ));
    assert_eq!(
        codes(&src(
            "self.m[n].note = none; self.total = self.m[n].note.unwrap();",
            emit
        )),
        vec![Code::UnestablishedPartial]
    );
}

#[test]
fn a_fact_about_an_update_let_does_not_reach_an_emit_quantifier_of_the_same_name() {
    let src = "machine M {
        phases { A }
        initial A;
        state { s: Seq<u64> = [], m: Map<u64, u64> = {} }
        input Go { k: u64 }
        effect B { b: bool }
        transition t on Go from A -> same {
            update { let z = k; self.m[z] = 1; }
            emit B { b: all z in self.s: self.m[z] > 0 };
        }
    }";
    assert_eq!(codes(src), vec![Code::UnestablishedPartial]);
}

#[test]
fn e0303_says_which_write_ended_a_fact_only_when_it_held() {
    let message = |update: &str| {
        let found = diags_with(&looping(update), Code::UnestablishedPartial);
        assert_eq!(found.len(), 1, "{update}");
        found[0].message.clone()
    };
    assert!(
        message("if n in self.m { self.m.remove(n); } self.total = self.m[n];")
            .ends_with("which is not established"),
        "the fact held only inside the `if`: no write to blame"
    );
    // With a guard, the fact held; a write later in the loop body ends it for the next
    // iteration, and the message says so.
    let guarded = looping("for x in self.xs { self.total = self.m[n]; self.m.remove(x); }")
        .replace(
            "transition go on Go from A -> same {",
            "transition go on Go from A -> same { guard known: n in self.m;",
        );
    let found = diags_with(&guarded, Code::UnestablishedPartial);
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .ends_with("which a later statement of the loop may end before the next iteration"),
        "{}",
        found[0].message
    );
    assert_eq!(
        found[0].secondary[0].1,
        "this write may make it false on a later iteration"
    );
    // After the loop, the loop's write is simply a write before the use.
    let after = looping("for x in self.xs { self.m.remove(x); } self.total = self.m[n];").replace(
        "transition go on Go from A -> same {",
        "transition go on Go from A -> same { guard known: n in self.m;",
    );
    let found = diags_with(&after, Code::UnestablishedPartial);
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .ends_with("which held until a write before it"),
        "{}",
        found[0].message
    );
}

#[test]
fn a_let_may_name_its_type() {
    let m = ok(&looping(
        "let d: i64 = -3; let e: Option<u64> = none; let s: Seq<u64> = []; if e.is_none() { self.total = 1; }",
    ));
    let ir::Stmt::Let { value, .. } = &m.transitions[0].update[0] else {
        panic!("a let");
    };
    assert_eq!(value.ty, Ty::I64);
    assert_eq!(
        codes(&looping("let z: string = 1;")),
        vec![Code::TypeMismatch]
    );
    assert_eq!(
        codes(&looping("let u: u64 = -1;")),
        vec![Code::IntOutOfRange]
    );
}

/// A terminal phase listed twice in `from` is still one mistake: E0301 once.
#[test]
fn leaving_a_terminal_phase_listed_twice_is_reported_once() {
    let src = "machine Job {
    phases { Running, Done }
    initial Running;
    terminal Done;
    input Finish;
    input Restart;
    transition finish on Finish from Running -> Done {}
    transition restart on Restart from [Running, Done, Done] -> Running {}
}";
    assert_eq!(codes(src), vec![Code::LeavesTerminal]);
}

/// A phase declared twice is one unreachable phase: W0401 once, after the E0205.
#[test]
fn a_phase_declared_twice_is_reported_unreachable_once() {
    assert_eq!(
        codes("machine M { phases { A, B, B } initial A; }"),
        vec![Code::DuplicateName, Code::UnreachablePhase]
    );
}

/// Two transitions on an unknown input are two typos, not a shadowed candidate (E0302).
#[test]
fn an_unknown_input_reported_twice_does_not_make_a_shadowed_candidate() {
    let src = "machine M { phases { A } initial A; input Go;
        transition a on Nope from A -> same {}
        transition b on Nope from A -> same {} }";
    assert_eq!(codes(src), vec![Code::UndefinedName, Code::UndefinedName]);
}

/// A transition declared twice is reported as a duplicate name and takes no part in the
/// candidate analysis (no E0302 on top).
#[test]
fn a_duplicate_transition_takes_no_part_in_candidate_analysis() {
    let src = "machine M { phases { A } initial A; input Go;
        transition a on Go from A -> same {}
        transition a on Go from A -> same {} }";
    assert_eq!(codes(src), vec![Code::DuplicateName]);
}

/// A terminal phase may name itself as the target: it stays where it is (spec-language.md,
/// Phases).
#[test]
fn a_terminal_phase_may_lead_to_itself_by_name() {
    let src = "machine Job { phases { Running, Done } initial Running; terminal Done;
        input Finish; transition finish on Finish from [Running, Done] -> Done {} }";
    assert_eq!(codes(src), vec![]);
}

/// `a || b` checks `b` where `a` is false: what `!a` establishes holds there, what `a`
/// establishes does not (a partial operation relying on it would fault at run time).
#[test]
fn an_or_establishes_the_negation_of_its_left_side_for_its_right() {
    let src = |g: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A;
        state {{ o: Option<u64> = none, m: Map<u64, u64> = {{}} }} input Go {{ k: u64 }}
        transition t on Go from A -> same {{ guard g: {g}; }} }}"
        )
    };
    for g in [
        "self.o != none || self.o.unwrap() > 0",
        "k in self.m || self.m[k] > 0",
    ] {
        assert_eq!(codes(&src(g)), vec![Code::UnestablishedPartial], "{g}");
    }
    for g in [
        "self.o == none || self.o.unwrap() > 0",
        "!(k in self.m) || self.m[k] > 0",
        "self.o != none && self.o.unwrap() > 0",
        "k in self.m implies self.m[k] > 0",
    ] {
        assert!(codes(&src(g)).is_empty(), "{g}");
    }
}

/// Writing `self.m[key]` where the key reads `self.m` itself establishes nothing: the write
/// changes the key's value (here the map's length).
#[test]
fn writing_a_map_at_a_key_that_reads_the_map_establishes_nothing() {
    let src = |u: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A;
        state {{ m: Map<u64, u64> = {{}}, x: u64 = 0 }} input Go {{ k: u64 }}
        transition t on Go from A -> same {{ update {{ {u} }} }} }}"
        )
    };
    assert_eq!(
        codes(&src(
            "self.m[self.m.len()] = 1; self.x = self.m[self.m.len()];"
        )),
        vec![Code::UnestablishedPartial]
    );
    assert!(codes(&src("self.m[k] = 1; self.x = self.m[k];")).is_empty());
}

/// An `if` whose condition does not check is one error: its `else` branch is not checked
/// as if the condition were known false.
#[test]
fn a_broken_if_condition_does_not_cascade_into_its_else_branch() {
    let src = "machine M { phases { A } initial A;
        state { o: Option<u64> = none, x: u64 = 0 } input Go;
        transition t on Go from A -> same {
            update { if self.nope == 1 { } else { self.x = self.o.unwrap(); } } } }";
    assert_eq!(codes(src), vec![Code::UndefinedName]);
}

/// A state field named like a Rust keyword would make the generated `State` fail to
/// compile; the checker refuses it.
#[test]
fn a_state_field_named_like_a_rust_keyword_is_refused() {
    let d = only(diags_with(
        "machine M { phases { A } initial A; state { match: u64 = 0 } }",
        Code::ReservedName,
    ));
    assert!(d.message.contains("`match` is a Rust keyword"));
}

/// A repeated `terminal` item is underlined at its keyword, exactly.
#[test]
fn a_second_terminal_item_is_pointed_at_by_its_keyword() {
    let src = "machine M { phases { A, B } initial A; terminal B; terminal B; }";
    let ds = diags_with(src, Code::MissingOrRepeatedItem);
    let at = src.rfind("terminal").unwrap();
    assert_eq!(
        (ds[0].span.start, ds[0].span.end),
        (at, at + "terminal".len())
    );
}

/// An input field may not take the name of a declared type: a newtype is a tuple struct,
/// which no Rust local may shadow.
#[test]
fn an_input_field_named_like_a_declared_type_is_refused() {
    let src = "machine M {
        type Size = u64;
        phases { A } initial A;
        state { n: u64 = 0 }
        input Go { Size: u64 }
        transition go on Go from A -> same { update { self.n = Size; } }
    }";
    let d = only(diags_with(src, Code::ReservedName));
    assert!(
        d.message.contains("name of a declared type"),
        "{}",
        d.message
    );
    assert_eq!(codes(src), vec![Code::ReservedName]);
}

/// `ALL` and `INITIAL` name constants of every generated enum: no phase, variant, input
/// or effect may take either.
#[test]
fn generated_enum_constants_cannot_name_phases_variants_inputs_or_effects() {
    for (items, what) in [
        ("phases { A, ALL } initial A;", "phase"),
        ("phases { A } initial A; enum E { ALL, B }", "variant"),
        ("phases { A } initial A; input ALL;", "input"),
        ("phases { A } initial A; effect ALL;", "effect"),
        ("phases { A, INITIAL } initial A;", "phase"),
    ] {
        let src = format!("machine M {{ {items} }}");
        let ds = diags_with(&src, Code::ReservedName);
        assert_eq!(ds.len(), 1, "{what}: {ds:#?}");
        assert!(
            ds[0].help[0].contains(&format!("for this {what}")),
            "{ds:#?}"
        );
    }
}

/// A machine becomes a Rust module named in snake_case: `Mod` would be `mod`, a keyword.
#[test]
fn a_machine_whose_module_name_is_a_keyword_is_refused() {
    let src = "machine Mod { phases { A } initial A; }";
    let d = only(diags_with(src, Code::ReservedName));
    assert!(d.message.contains("module `mod`"), "{}", d.message);
    assert!(codes("machine Modal { phases { A } initial A; }").is_empty());
}

/// Two machines of one name are "declared twice"; two names with one snake_case module
/// are told apart by a message naming both.
#[test]
fn machines_colliding_as_modules_are_named_in_the_message() {
    let twice = "machine Job { phases { A } initial A; } machine Job { phases { A } initial A; }";
    let d = only(diags_with(twice, Code::DuplicateName));
    assert_eq!(d.message, "the machine `Job` is declared twice");
    let camel = "machine JobQueue { phases { A } initial A; }
        machine Job_Queue { phases { A } initial A; }";
    let d = only(diags_with(camel, Code::DuplicateName));
    assert_eq!(
        d.message,
        "machines `JobQueue` and `Job_Queue` would both become the Rust module `job_queue`"
    );
}

/// A newtype wraps `bool`, `u64`, `i64` or `string` only, not a collection or `Option`.
#[test]
fn a_newtype_over_anything_but_a_scalar_is_refused() {
    for base in [
        "Option<u64>",
        "Seq<u64>",
        "Set<u64>",
        "Map<u64, u64>",
        "Phase",
    ] {
        let src = format!("machine M {{ type T = {base}; phases {{ A }} initial A; }}");
        let ds = run(&src).1;
        assert_eq!(ds.len(), 1, "{base}: {ds:#?}");
        assert_eq!(ds[0].code, Code::TypeMismatch, "{base}");
        assert!(
            ds[0].message.starts_with("a newtype must wrap"),
            "{base}: {}",
            ds[0].message
        );
    }
    for base in ["bool", "u64", "i64", "string"] {
        let src = format!("machine M {{ type T = {base}; phases {{ A }} initial A; }}");
        assert!(codes(&src).is_empty(), "{base}");
    }
}

/// An unknown enum in `E::V` is matched against enums (and `Phase`) only, and an unknown
/// struct literal against structs only: a suggestion of another kind of type would be
/// wrong again.
#[test]
fn a_suggestion_for_an_unknown_enum_or_struct_names_one_of_that_kind() {
    let src = |expr: &str| {
        format!(
            "machine M {{
                struct Point {{ x: u64 }}
                enum Colour {{ Red }}
                phases {{ A }} initial A;
                invariant i: {expr};
            }}"
        )
    };
    let helps = |expr: &str| -> Vec<String> {
        diags_with(&src(expr), Code::UndefinedName)
            .into_iter()
            .flat_map(|d| d.help)
            .collect()
    };
    assert_eq!(helps("Pont::X == Pont::X"), Vec::<String>::new());
    assert_eq!(
        helps("Point { x: 1 } == Colur { x: 1 }"),
        Vec::<String>::new()
    );
    assert_eq!(
        helps("Colur::Red == Colour::Red"),
        ["did you mean `Colour`?"]
    );
}

/// Rust's `String` is answered with the spec's spelling of the text type.
#[test]
fn a_rust_string_type_is_told_the_text_type() {
    let src = "machine M { phases { A } initial A; state { s: String = \"\" } }";
    let d = only(diags_with(src, Code::UndefinedName));
    assert_eq!(d.help, ["the text type is `string`"]);
}

/// An emit of an unknown effect (a typo, reported) keeps W0403 quiet: the typo may have
/// meant any declared effect.
#[test]
fn an_emit_of_an_unknown_effect_does_not_make_effects_unused() {
    let src = "machine M {
        phases { A } initial A;
        input Go;
        effect Started;
        transition go on Go from A -> same { emit Startd; }
    }";
    assert_eq!(codes(src), vec![Code::UndefinedName]);
}

/// A transition to an unknown phase (reported) keeps W0401 quiet: the typo may have
/// meant the phase that now looks unreachable.
#[test]
fn a_transition_to_an_unknown_phase_does_not_make_phases_unreachable() {
    let src = "machine M {
        phases { A, B } initial A;
        input Go;
        transition go on Go from A -> Bee {}
    }";
    assert_eq!(codes(src), vec![Code::UndefinedName]);
}

/// Reachability follows every phase a transition leaves from, not only the first.
#[test]
fn every_source_phase_of_a_transition_leads_to_its_target() {
    let src = "machine M {
        phases { A, B, C } initial B;
        input Go;
        transition go on Go from [A, B] -> C {}
    }";
    let d = only(diags_with(src, Code::UnreachablePhase));
    assert!(d.message.starts_with("phase `A`"), "{}", d.message);
}

/// Invariants share one namespace, and variants one per enum.
#[test]
fn duplicate_invariants_and_variants_are_reported() {
    let src = "machine M { phases { A } initial A;
        invariant i: true; invariant i: true; }";
    assert_eq!(codes(src), vec![Code::DuplicateName]);
    let src = "machine M { enum E { X, Y, X } phases { A } initial A; }";
    let d = only(diags_with(src, Code::DuplicateName));
    assert_eq!(d.message, "the variant `X` is declared twice in enum `E`");
}

/// `<` and friends order numbers and strings; booleans have no order.
#[test]
fn booleans_are_not_ordered() {
    let src = "machine M { phases { A } initial A; invariant i: true < false; }";
    assert_eq!(codes(src), vec![Code::BadOperation]);
    let src = "machine M { phases { A } initial A; invariant i: \"a\" < \"b\"; }";
    assert!(codes(src).is_empty());
}

/// A struct literal must give every field, even when only one is missing.
#[test]
fn a_struct_literal_missing_one_field_is_refused() {
    let src = "machine M { struct P { x: u64, y: u64 } phases { A } initial A;
        invariant i: P { x: 1 } == P { x: 1, y: 2 }; }";
    let d = only(run(src).1);
    assert_eq!(d.code, Code::MissingField);
    assert_eq!(d.message, "missing field `y` in struct `P`");
}

/// A `let` may not shadow an input field: both are locals of the generated function.
#[test]
fn a_let_shadowing_an_input_field_is_refused() {
    let d = only(diags_with(
        &looping("let n = 1; self.total = n;"),
        Code::DuplicateName,
    ));
    assert_eq!(d.message, "`n` shadows an input field");
}

/// `+=` and `-=` need a number: `-=` on a string is refused like `+=`.
#[test]
fn compound_assignments_need_a_numeric_field() {
    let src = |stmt: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A; state {{ s: string = \"\" }}
             input Go; transition go on Go from A -> same {{ update {{ {stmt} }} }} }}"
        )
    };
    assert_eq!(codes(&src("self.s += \"a\";")), vec![Code::BadOperation]);
    assert_eq!(codes(&src("self.s -= \"a\";")), vec![Code::BadOperation]);
}

/// A `break` after a loop has ended is outside any loop.
#[test]
fn a_break_after_a_loop_is_outside_it() {
    let d = only(diags_with(
        &looping("for x in self.xs { if x > 1 { break; } } if self.total > 0 { break; }"),
        Code::MisplacedBreak,
    ));
    assert_eq!(d.message, "`break` outside a `for` loop");
}

/// At one place, errors come before warnings, whatever order they were found in.
#[test]
fn errors_precede_warnings_at_the_same_place() {
    use crate::ast::Span;
    let at = Span::new(0, 1);
    let ds = crate::Diagnostics::new(
        "x.machine",
        "m",
        vec![
            Diagnostic::new(Code::UnreachablePhase, at, "w"),
            Diagnostic::new(Code::UndefinedName, at, "e"),
        ],
    );
    let order: Vec<Code> = ds.items.iter().map(|d| d.code).collect();
    assert_eq!(order, [Code::UndefinedName, Code::UnreachablePhase]);
}

/// Among equally close candidates the alphabetically first is suggested, whatever the
/// order they are declared in: the output is stable.
#[test]
fn did_you_mean_breaks_ties_alphabetically() {
    use crate::diagnostics::did_you_mean;
    assert_eq!(
        did_you_mean("abcx", ["abcz", "abcy"]).as_deref(),
        Some("abcy")
    );
    assert_eq!(
        did_you_mean("abcx", ["abcy", "abcz"]).as_deref(),
        Some("abcy")
    );
}

/// Rust keywords are reserved everywhere, invariant names included (E0103).
#[test]
fn an_invariant_named_like_a_rust_keyword_is_refused() {
    let d = only(diags_with(
        "machine M { phases { A } initial A; invariant fn: true; }",
        Code::ReservedName,
    ));
    assert!(d.message.contains("`fn` is a Rust keyword"), "{d:#?}");
}

/// A machine has at most one `initial` item; a second one is reported, not ignored.
#[test]
fn a_second_initial_item_is_reported() {
    let d = only(diags_with(
        "machine M { phases { A, B } initial A; initial B; }",
        Code::MissingOrRepeatedItem,
    ));
    assert_eq!(d.message, "a machine has at most one `initial` item");
}

/// A built-in type name such as `Seq` cannot be redeclared by a `type` item.
#[test]
fn a_builtin_type_name_cannot_be_redeclared() {
    let d = only(diags_with(
        "machine M { type Seq = u64; phases { A } initial A; }",
        Code::DuplicateName,
    ));
    assert_eq!(
        d.message,
        "`Seq` is a built-in type and cannot be redeclared"
    );
}

/// A default must be a literal all the way down: `some(..)` of an arithmetic
/// expression is refused, not evaluated.
#[test]
fn a_default_under_some_must_be_a_literal_too() {
    only(diags_with(
        "machine M { phases { A } initial A; state { o: Option<u64> = some(1 + 2) } }",
        Code::NonLiteralDefault,
    ));
}

/// `-` negates `i64` values only; negating a `u64` field is E0205.
#[test]
fn negating_a_u64_is_refused() {
    let d = only(diags_with(
        "machine M { phases { A } initial A; state { n: u64 = 0, m: i64 = 0 }
         invariant neg: -self.n == 0; }",
        Code::BadOperation,
    ));
    assert!(
        d.message.contains("cannot negate a value of type `u64`"),
        "{d:#?}"
    );
}

/// An unknown field's did-you-mean never suggests a field the literal already gives.
#[test]
fn an_unknown_field_is_not_matched_to_a_field_already_given() {
    let d = only(diags_with(
        "machine M { phases { A } initial A; effect E { left: u64, right: u64 } input Go;
         transition t on Go from A -> same { update { emit E { left: 1, lef: 2 }; } } }",
        Code::UnknownField,
    ));
    assert!(!format!("{d:?}").contains("did you mean `left`"), "{d:#?}");
}

/// A bare `phase` in an expression is pointed at `self.phase`.
#[test]
fn a_bare_phase_suggests_self_phase() {
    let d = only(diags_with(
        "machine M { phases { A } initial A; invariant i: phase == Phase::A; }",
        Code::UndefinedName,
    ));
    assert!(
        format!("{:?}", d).contains("did you mean `self.phase`?"),
        "{d:#?}"
    );
}

/// `+` and `-` are defined on numbers only; adding two strings is E0205.
#[test]
fn adding_strings_is_refused() {
    let d = only(diags_with(
        "machine M { phases { A } initial A; state { s: string = \"\" }
         invariant i: self.s + self.s == \"ab\"; }",
        Code::BadOperation,
    ));
    assert!(d.message.contains("`+` is not defined"), "{d:#?}");
}

/// An emit that gives no fields to an effect that has some is told so, once.
#[test]
fn an_emit_without_the_fields_of_its_effect_is_refused_once() {
    let src = "machine M { phases { A } initial A; input Go;
        effect Started { n: u64, m: u64 }
        transition go on Go from A -> same { emit Started; } }";
    let d = only(run(src).1);
    assert_eq!(d.code, Code::MissingField);
    assert_eq!(d.message, "effect `Started` has fields, but none are given");
}

/// `unwrap_or`'s default is checked against the option's element type, and a literal
/// default takes that type.
#[test]
fn an_unwrap_or_default_has_the_options_element_type() {
    let src = |default: &str| {
        format!(
            "machine M {{ phases {{ A }} initial A;
            state {{ o: Option<i64> = none, x: i64 = 0 }} input Go;
            transition go on Go from A -> same {{ update {{ self.x = self.o.unwrap_or({default}); }} }} }}"
        )
    };
    assert_eq!(codes(&src("\"none\"")), vec![Code::TypeMismatch]);
    assert_eq!(codes(&src("true")), vec![Code::TypeMismatch]);
    assert!(codes(&src("-1")).is_empty());
    assert!(codes(&src("self.x")).is_empty());
}

/// A file without a machine is a warning (W0404), not an error: generation goes on and
/// produces nothing for it.
#[test]
fn a_file_without_a_machine_is_only_warned_about() {
    let (spec, ds) = run("// nothing here yet\n");
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        (ds[0].code, ds[0].severity()),
        (Code::NoMachine, crate::Severity::Warning)
    );
    assert_eq!(spec.expect("a spec, with no machines").machines.len(), 0);
}

/// A statement method on a scalar field (a string too) is answered with an assignment.
#[test]
fn a_statement_method_on_a_string_field_suggests_assigning_it() {
    let src = "machine M { phases { A } initial A; state { s: string = \"\" } input Go;
        transition go on Go from A -> same { update { self.s.zap(); } } }";
    let d = only(run(src).1);
    assert_eq!(d.help, ["assign it instead: `self.s = ...;`"]);
}

/// Machines, transitions and state fields are case-converted for Rust (module, then
/// `TransitionId` and `UndoStep` variants); conversion drops underscores, so a name made
/// of underscores and digits could become empty or start with a digit, which no Rust
/// identifier may. Each is refused before the generator is reached.
#[test]
fn names_whose_converted_rust_form_is_not_an_identifier_are_refused() {
    let transition = |name: &str| {
        format!(
            "machine M {{
                phases {{ A }} initial A;
                state {{ n: u64 = 0 }}
                input Go;
                transition {name} on Go from A -> same {{ update {{ self.n = 1; }} }}
            }}"
        )
    };
    let machine = |name: &str| format!("machine {name} {{ phases {{ A }} initial A; }}");
    let field = |name: &str| {
        format!(
            "machine M {{
                phases {{ A }} initial A;
                state {{ {name}: u64 = 0 }}
                input Go;
                transition go on Go from A -> same {{ update {{ self.{name} = 1; }} }}
            }}"
        )
    };
    for (src, shown) in [
        (transition("_1"), "`1` in Rust, which starts with a digit"),
        (transition("_1a"), "`1a` in Rust, which starts with a digit"),
        (machine("_1"), "`1` in Rust, which starts with a digit"),
        (field("_1"), "`1` in Rust, which starts with a digit"),
        (field("_1a"), "`1a` in Rust, which starts with a digit"),
    ] {
        let d = only(diags_with(&src, Code::ReservedName));
        assert!(d.message.contains(shown), "{src}: {}", d.message);
        assert!(d.help[0].contains("start the name with a letter"), "{d:#?}");
        assert!(crate::generate(&src, "m.machine").is_err(), "{src}");
    }
    // Names of underscores alone would become empty; they start with `__`, which is
    // refused first (and only once).
    for src in [
        transition("__"),
        transition("___"),
        machine("__"),
        field("__"),
    ] {
        let d = only(diags_with(&src, Code::ReservedName));
        assert!(
            d.message.contains("starts with `__`"),
            "{src}: {}",
            d.message
        );
        assert!(crate::generate(&src, "m.machine").is_err(), "{src}");
    }
    // A digit after a letter is fine.
    assert!(codes(&transition("go_1")).is_empty());
    assert!(codes(&field("n_1")).is_empty());
    assert!(codes(&machine("M_1")).is_empty());
}

/// Keywords and the generated enums' constants are refused on the Rust form of a
/// transition name, not only on the name as written: `self_` would become
/// `TransitionId::Self` and `a_l_l` would shadow `TransitionId::ALL`.
#[test]
fn transitions_whose_rust_variant_is_a_keyword_or_a_generated_constant_are_refused() {
    for (name, variant, why) in [
        ("self_", "Self", "a Rust keyword"),
        ("Self_", "Self", "a Rust keyword"),
        ("_self", "Self", "a Rust keyword"),
        ("a_l_l", "ALL", "constant of the generated enum"),
        ("i_n_i_t_i_a_l", "INITIAL", "constant of the generated enum"),
    ] {
        let src = format!(
            "machine M {{
                phases {{ A }} initial A;
                state {{ n: u64 = 0 }}
                input Go;
                transition {name} on Go from A -> same {{ update {{ self.n = 1; }} }}
            }}"
        );
        let d = only(diags_with(&src, Code::ReservedName));
        assert!(
            d.message.contains(&format!("`TransitionId::{variant}`")),
            "{name}: {}",
            d.message
        );
        assert!(d.help[0].contains(why), "{name}: {d:#?}");
        assert!(crate::generate(&src, "m.machine").is_err(), "{name}");
    }
    // `ALL` as written becomes `All`, which is free.
    let src = "machine M {
        phases { A } initial A;
        state { n: u64 = 0 }
        input Go;
        transition ALL on Go from A -> same { update { self.n = 1; } }
    }";
    assert!(codes(src).is_empty());
}

/// A newtype is a tuple struct: its constructor would clash with the generated module's
/// functions, `dispatch`, `check_invariants`, `undo`, `fire_<t>`, `guards_<t>` and
/// `invariant_<i>`.
#[test]
fn types_cannot_take_the_names_of_generated_functions() {
    for name in [
        "dispatch",
        "check_invariants",
        "undo",
        "fire_go",
        "guards_go",
        "invariant_ok",
    ] {
        let src = format!(
            "machine M {{
                type {name} = u64;
                phases {{ A }} initial A;
                state {{ n: {name} = 0 }}
                input Go;
                transition go on Go from A -> same {{ update {{ self.n = 1; }} }}
                invariant ok: self.n < 10;
            }}"
        );
        let d = only(diags_with(&src, Code::ReservedName));
        assert!(
            d.message.contains("function of the generated Rust code"),
            "{name}: {}",
            d.message
        );
        assert!(d.help[0].contains("tuple struct"), "{name}: {d:#?}");
    }
    // Only the prefixes are reserved, not the words.
    for name in ["fire", "guards", "invariant", "fired", "dispatcher"] {
        let src = format!(
            "machine M {{
                type {name} = u64;
                phases {{ A }} initial A;
                state {{ n: {name} = 0 }}
            }}"
        );
        assert!(codes(&src).is_empty(), "{name}");
    }
}

/// Names starting with `__` are left to generated code: serde's derives bind `__Visitor`,
/// `__Field`, `__D`, `__value`, `__serializer`, ... next to the spec's names. `_serde`,
/// their name for the serde crate, cannot name a type.
#[test]
fn double_underscore_names_and_serde_alias_are_refused() {
    for items in [
        "struct __Visitor { a: u64 }",
        "struct __D { a: u64 }",
        "type __value = u64;",
        "type __self_0 = u64;",
        "enum E { __A, B }",
        "struct S { __field: u64 }",
        "input Go2 { __serializer: u64 }",
        "effect __Done;",
        "input __Go;",
        "state { __n: u64 = 0 }",
        "transition __go on Go from A -> same {}",
        "transition go2 on Go from A -> same { guard __ok: n > 0; }",
        "invariant __ok: true;",
        "transition go3 on Go from A -> same { update { let __x = n; } }",
    ] {
        let src = machine(items);
        let d = only(diags_with(&src, Code::ReservedName));
        assert!(
            d.message.contains("starts with `__`"),
            "{items}: {}",
            d.message
        );
        assert!(d.help[0].contains("reserved for generated code"), "{d:#?}");
    }
    let d = only(diags_with(
        &machine("enum _serde { A, B }"),
        Code::ReservedName,
    ));
    assert!(d.help[0].contains("`_serde`"), "{d:#?}");
    // One underscore is fine.
    let src = machine("type _value = u64; enum E { _A, B }");
    assert!(diags_with(&src, Code::ReservedName).is_empty());
}

/// Rust's primitive types and the standard library's crates are named unqualified by the
/// generated code and serde's derives (`&[u8]`, `usize`, `std::...`): no type may shadow
/// them.
#[test]
fn primitive_and_std_crate_names_cannot_name_types() {
    for name in [
        "u8", "u16", "u32", "u128", "usize", "i8", "i16", "i32", "i128", "isize", "f32", "f64",
        "char", "str", "std", "core", "alloc",
    ] {
        for decl in [
            format!("enum {name} {{ X, Y }}"),
            format!("type {name} = u64;"),
            format!("struct {name} {{ a: u64 }}"),
        ] {
            let d = only(diags_with(&machine(&decl), Code::ReservedName));
            assert!(
                d.message.contains(&format!("`{name}`")),
                "{decl}: {}",
                d.message
            );
            assert!(d.help[0].contains("would shadow"), "{decl}: {d:#?}");
        }
    }
}

#[test]
fn a_phase_cannot_be_named_same() {
    // `-> same` means "stay": a phase of that name could never be entered.
    let src = "machine M {
        phases { A, same }
        initial A;
        input Go;
        transition go on Go from A -> same {}
    }";
    let d = only(diags_with(src, Code::ReservedName));
    assert_eq!(d.message, "`same` cannot name a phase");
    assert_eq!(codes(src), vec![Code::ReservedName], "{:#?}", run(src).1);
}

#[test]
fn a_reserved_name_message_takes_the_right_article() {
    let src = "machine M {
        phases { A }
        initial A;
        input fn;
        transition go on fn from A -> same {}
        invariant async: true;
    }";
    let messages: Vec<String> = diags_with(src, Code::ReservedName)
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert!(
        messages.contains(&"`fn` is a Rust keyword and cannot name an input".to_string()),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"`async` is a Rust keyword and cannot name an invariant".to_string()),
        "{messages:?}"
    );
}

#[test]
fn a_fact_about_a_loop_variable_is_not_asked_of_a_guard() {
    // A guard cannot name a loop or quantifier variable: the help tests it where it is.
    let src = "machine M {
        phases { A }
        initial A;
        state { c: Map<u64, u64> = {}, n: u64 = 0 }
        input Go;
        transition go on Go from A -> same {
            guard all_small: all (k, v) in self.c: self.c[k + 1] < 10;
            update { for (k, v) in self.c { self.n = self.c[k + 2]; } }
        }
    }";
    let helps: Vec<Vec<String>> = diags_with(src, Code::UnestablishedPartial)
        .into_iter()
        .map(|d| d.help)
        .collect();
    assert_eq!(
        helps,
        vec![
            vec!["write `k + 1 in self.c && ...`".to_string()],
            vec![
                "test it with `if k + 2 in self.c { .. }`, or create the entry first: `if !(k + 2 in self.c) { self.c[k + 2] = ..; }`"
                    .to_string()
            ],
        ]
    );
}

#[test]
fn an_untyped_empty_value_is_told_how_to_give_it_a_type() {
    let src = "machine M {
        phases { A }
        initial A;
        input Go;
        transition go on Go from A -> same { update { let b = none; } }
    }";
    let d = only(diags_with(src, Code::TypeMismatch));
    assert_eq!(
        d.help,
        vec![
            "give it a type where it is named (`let x: Option<u64> = none;`), or compare or combine it with a value of known type"
                .to_string()
        ]
    );
}

#[test]
fn an_option_directly_inside_an_option_is_refused() {
    // Serialised state could not tell `some(none)` from `none`.
    for ty in ["Option<Option<u64>>", "Set<Option<Option<string>>>"] {
        let src = format!(
            "machine M {{ phases {{ A }} initial A; state {{ o: {ty} = {default} }} }}",
            default = if ty.starts_with("Set") { "{}" } else { "none" }
        );
        let d = only(run(&src).1);
        assert_eq!(
            d.message, "an `Option` directly inside an `Option` cannot be stored",
            "{ty}"
        );
    }
    // An option inside a struct inside an option has a shape of its own.
    let src = "machine M { struct S { o: Option<u64> } phases { A } initial A;
        state { o: Option<S> = none } }";
    assert!(codes(src).is_empty(), "{:?}", codes(src));
}

/// Integer literals combined only with each other take the type the place expects, as a
/// lone literal does: `0 - 1` is an `i64` where an `i64` goes, not a `u64` refused there.
#[test]
fn literal_arithmetic_takes_the_type_the_place_expects() {
    let m = ok("machine M {
        type Delta = i64;
        phases { A } initial A;
        state { i: i64 = 0, d: Delta = 0, o: Option<i64> = none }
        input Go;
        transition t on Go from A -> same {
            guard above: self.i > 0 - 1;
            update {
                self.i = 0 - 1;
                self.i = self.i + (1 - 2);
                self.d = 2 - 3 + 1;
                self.o = some(1 - 2);
                let x: i64 = 1 - 2;
                self.i = (0 - 1) + x;
            }
        }
    }");
    let t = &m.transitions[0];
    let K::Binary(_, _, above) = &t.guards[0].expr.kind else {
        panic!("{:?}", t.guards[0].expr)
    };
    assert_eq!(above.ty, Ty::I64);
    let types: Vec<Ty> = t
        .update
        .iter()
        .map(|s| match s {
            ir::Stmt::Assign { value, .. } | ir::Stmt::Let { value, .. } => value.ty.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let option = Ty::Option(Box::new(Ty::I64));
    assert_eq!(
        types,
        [
            Ty::I64,
            Ty::I64,
            Ty::Newtype("Delta".into()),
            option,
            Ty::I64,
            Ty::I64
        ]
    );
    // Without a place that expects a type, literals stay `u64`, as `let x = 1;` does.
    let src = "machine M { phases { A } initial A; state { i: i64 = 0 } input Go;
        transition t on Go from A -> same { update { let x = 1 - 2; self.i = x; } } }";
    assert_eq!(codes(src), vec![Code::TypeMismatch]);
}

/// A refused `let` (one that shadows an input field, or takes a reserved name) reports
/// that, and nothing else: its uses after it read neither the input field nor the value's
/// type, which would report every use whose type differs as a mismatch of its own.
#[test]
fn a_refused_let_reports_only_itself() {
    let src = "machine M { type Id = u64; type Millis = u64; phases { A } initial A;
        state { m: Map<Id, Millis> = {}, q: Seq<Id> = [] }
        input Go { id: Id, wait: Millis }
        transition go on Go from A -> same { update {
            let id = wait + 1;
            self.m[id] = wait;
            self.q.push_back(id);
        } } }";
    assert_eq!(codes(src), vec![Code::DuplicateName]);
    let src = "machine M { phases { A } initial A; state { s: string = \"\" }
        input Go { n: u64 }
        transition go on Go from A -> same { update { let undo = n; self.s = undo; } } }";
    assert_eq!(codes(src), vec![Code::ReservedName]);
}
