//! Differential and property tests: the generated kernels of the example specs against
//! the reference interpreter in `suricate-codegen`, on random input sequences.
//!
//! For every sequence: outcomes (which transition fired, or why the input was rejected),
//! effects and post-states agree; a rejection leaves the state exactly as it was; an
//! accepted transition leaves every invariant holding; `rollback` of an accepted
//! transition restores the pre-state.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use suricate_codegen::interpreter::{Interpreter, Rejected};
use suricate_codegen::ir::{Machine, Ty};

/// Values drawn from small domains so that guards are hit both ways, plus extremes that
/// make checked arithmetic overflow.
fn value_strategy(m: &Machine, ty: &Ty) -> BoxedStrategy<Value> {
    match ty {
        Ty::Bool => any::<bool>().prop_map(Value::from).boxed(),
        Ty::U64 => prop_oneof![8 => 0u64..8, 1 => Just(u64::MAX), 1 => Just(u64::MAX - 1)]
            .prop_map(Value::from)
            .boxed(),
        Ty::I64 => prop_oneof![8 => -3i64..2000, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
            .prop_map(Value::from)
            .boxed(),
        Ty::String => prop_oneof![Just(""), Just("a"), Just("b"), Just("job-0")]
            .prop_map(Value::from)
            .boxed(),
        Ty::Phase => {
            let names: Vec<Value> = m
                .phases
                .iter()
                .map(|p| Value::from(p.name.clone()))
                .collect();
            proptest::sample::select(names).boxed()
        }
        Ty::Newtype(n) => {
            let base = m.newtype(n).map(|n| n.base.clone()).unwrap_or(Ty::U64);
            value_strategy(m, &base)
        }
        Ty::Enum(e) => {
            let names: Vec<Value> = m
                .enum_def(e)
                .map(|e| {
                    e.variants
                        .iter()
                        .map(|v| Value::from(v.name.clone()))
                        .collect()
                })
                .unwrap_or_default();
            proptest::sample::select(names).boxed()
        }
        Ty::Struct(s) => {
            let fields: Vec<(String, BoxedStrategy<Value>)> = m
                .struct_def(s)
                .map(|s| {
                    s.fields
                        .iter()
                        .map(|f| (f.name.clone(), value_strategy(m, &f.ty)))
                        .collect()
                })
                .unwrap_or_default();
            object_strategy(fields)
        }
        Ty::Option(inner) => prop_oneof![Just(Value::Null), value_strategy(m, inner)].boxed(),
        Ty::Seq(inner) => proptest::collection::vec(value_strategy(m, inner), 0..3)
            .prop_map(Value::from)
            .boxed(),
        Ty::Set(inner) => proptest::collection::vec(value_strategy(m, inner), 0..3)
            .prop_map(|mut v| {
                v.sort_by_key(|x| x.to_string());
                v.dedup();
                Value::from(v)
            })
            .boxed(),
        Ty::Map(_, _) => Just(json!({})).boxed(),
    }
}

fn object_strategy(fields: Vec<(String, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let (names, strategies): (Vec<String>, Vec<BoxedStrategy<Value>>) = fields.into_iter().unzip();
    strategies
        .prop_map(move |values| {
            let map = names
                .iter()
                .cloned()
                .zip(values)
                .collect::<serde_json::Map<_, _>>();
            Value::Object(map)
        })
        .boxed()
}

/// A random input of `m` in serde's externally tagged shape.
fn input_strategy(m: &Machine) -> BoxedStrategy<Value> {
    let options: Vec<BoxedStrategy<Value>> = m
        .inputs
        .iter()
        .map(|input| {
            let name = input.name.clone();
            if input.fields.is_empty() {
                Just(Value::from(name)).boxed()
            } else {
                let fields = input
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), value_strategy(m, &f.ty)))
                    .collect();
                object_strategy(fields)
                    .prop_map(move |body| json!({ name.clone(): body }))
                    .boxed()
            }
        })
        .collect();
    proptest::strategy::Union::new(options).boxed()
}

/// The interpreter's rejection in the same shape as the generated one's.
fn interpreter_reason(r: &Rejected) -> Value {
    match r {
        Rejected::NotHandled => json!("NotHandled"),
        Rejected::GuardsFailed(failed) => json!({ "GuardsFailed": failed }),
        Rejected::Overflow { transition } => json!({ "Overflow": transition }),
        Rejected::Absent { transition } => json!({ "Absent": transition }),
        Rejected::InvariantViolated {
            transition,
            invariant,
        } => {
            json!({ "InvariantViolated": [transition, invariant] })
        }
        Rejected::BadInput(why) => panic!("the input strategy produced an invalid input: {why}"),
    }
}

/// Generates a differential test for one generated kernel module.
macro_rules! differential {
    ($test:ident, $($module:ident)::+, $spec:literal, $machine:literal) => {
        #[test]
        fn $test() {
            use $($module)::+::{Authority, Input, RejectReason};

            let source = include_str!(concat!("../../", $spec));
            let (spec, _) = suricate_codegen::check(source, $spec).expect("example spec checks");
            let machine = spec
                .machines
                .iter()
                .find(|m| m.name == $machine)
                .expect("machine in spec");

            let generated_reason = |r: &RejectReason| -> Value {
                match r {
                    RejectReason::NotHandled => json!("NotHandled"),
                    RejectReason::GuardsFailed(failed) => json!({
                        "GuardsFailed": failed
                            .iter()
                            .map(|g| (g.transition.name(), g.guard))
                            .collect::<Vec<_>>()
                    }),
                    RejectReason::Overflow { transition } => json!({ "Overflow": transition.name() }),
                    RejectReason::Absent { transition } => json!({ "Absent": transition.name() }),
                    RejectReason::InvariantViolated { transition, invariant, .. } => {
                        json!({ "InvariantViolated": [transition.name(), invariant] })
                    }
                }
            };

            let sequences = proptest::collection::vec((input_strategy(machine), any::<bool>()), 1..40);
            // 256 cases by default; `PROPTEST_CASES` for a deeper search.
            let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
            let mut runner = TestRunner::new(Config { cases, ..Config::default() });
            runner
                .run(&sequences, |steps| {
                    let mut kernel = Authority::new();
                    // The interpreter always checks invariants; so must the kernel, in
                    // release builds too.
                    kernel.set_invariant_checks(true);
                    let mut reference = Interpreter::new(machine);
                    for (json_input, roll_back) in steps {
                        let input: Input = serde_json::from_value(json_input.clone())
                            .map_err(|e| TestCaseError::fail(format!("bad input {json_input}: {e}")))?;
                        let before = kernel.state().clone();
                        let expected = reference.apply(&json_input);
                        match (kernel.apply(input), expected) {
                            (Ok(t), Ok(fired)) => {
                                prop_assert_eq!(t.id.name(), fired.transition.as_str());
                                prop_assert_eq!(t.from.name(), fired.from.as_str());
                                prop_assert_eq!(t.to.name(), fired.to.as_str());
                                prop_assert_eq!(serde_json::to_value(&t.effects).unwrap(), Value::from(fired.effects));
                                prop_assert!(kernel.check_invariants().is_ok(), "invariant broken after {}", t.id);
                                if roll_back {
                                    kernel.rollback(t).expect("latest transition rolls back");
                                    prop_assert_eq!(kernel.state(), &before);
                                    // Keep the reference in step with the rolled-back kernel.
                                    reference = Interpreter::from_state_json(
                                        machine,
                                        &serde_json::to_value(kernel.state()).unwrap(),
                                    )
                                    .map_err(TestCaseError::fail)?;
                                }
                            }
                            (Err(rejection), Err(rejected)) => {
                                prop_assert_eq!(generated_reason(&rejection.reason), interpreter_reason(&rejected));
                                prop_assert_eq!(kernel.state(), &before, "rejection changed the state");
                            }
                            (got, want) => {
                                return Err(TestCaseError::fail(format!(
                                    "kernel and interpreter disagree on {json_input}: kernel {got:?}, interpreter {want:?}"
                                )));
                            }
                        }
                        prop_assert_eq!(serde_json::to_value(kernel.state()).unwrap(), reference.state_json());
                    }
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{e}"));
        }
    };
}

differential!(
    download_matches_interpreter,
    suricate_tests::generated::download,
    "codegen/tests/specs/download.machine",
    "Download"
);
differential!(
    ledger_matches_interpreter,
    suricate_tests::generated::ledger,
    "codegen/tests/specs/ledger.machine",
    "Ledger"
);
differential!(
    traffic_light_matches_interpreter,
    suricate_tests::generated::traffic_light,
    "codegen/tests/specs/lights.machine",
    "TrafficLight"
);
differential!(
    counter_matches_interpreter,
    suricate_tests::generated::counter,
    "codegen/tests/specs/lights.machine",
    "Counter"
);
// The real session kernel: the largest spec, and the one the runtime depends on.
differential!(
    session_matches_interpreter,
    suricate_runtime::generated::session,
    "spec/session.machine",
    "Session"
);
// Generator regressions (names, string ordering, quantifiers, an empty undo log).
differential!(
    catalog_matches_interpreter,
    suricate_tests::generated::catalog,
    "codegen/tests/specs/edge_cases.machine",
    "Catalog"
);
differential!(
    beacon_matches_interpreter,
    suricate_tests::generated::beacon,
    "codegen/tests/specs/edge_cases.machine",
    "Beacon"
);
differential!(
    tally_matches_interpreter,
    suricate_tests::generated::tally,
    "codegen/tests/specs/edge_cases.machine",
    "Tally"
);
differential!(
    entry_branches_match_interpreter,
    suricate_tests::generated::entry_branches,
    "codegen/tests/specs/edge_cases.machine",
    "EntryBranches"
);
// Constructs whose generated Rust once did not compile.
differential!(
    struct_conditions_match_interpreter,
    suricate_tests::generated::struct_conditions,
    "codegen/tests/specs/generator_regressions.machine",
    "StructConditions"
);
differential!(
    always_true_comparison_matches_interpreter,
    suricate_tests::generated::always_true_comparison,
    "codegen/tests/specs/generator_regressions.machine",
    "AlwaysTrueComparison"
);
differential!(
    borrowed_operators_match_interpreter,
    suricate_tests::generated::borrowed_operators,
    "codegen/tests/specs/generator_regressions.machine",
    "BorrowedOperators"
);
differential!(
    typed_lets_match_interpreter,
    suricate_tests::generated::typed_lets,
    "codegen/tests/specs/generator_regressions.machine",
    "TypedLets"
);
differential!(
    let_only_collections_match_interpreter,
    suricate_tests::generated::let_only_collections,
    "codegen/tests/specs/generator_regressions.machine",
    "LetOnlyCollections"
);
differential!(
    move_entry_matches_interpreter,
    suricate_tests::generated::move_entry,
    "codegen/tests/specs/generator_regressions.machine",
    "MoveEntry"
);
differential!(
    quantifier_labels_match_interpreter,
    suricate_tests::generated::quantifier_labels,
    "codegen/tests/specs/generator_regressions.machine",
    "QuantifierLabels"
);
differential!(
    quantifier_in_entry_matches_interpreter,
    suricate_tests::generated::quantifier_in_entry,
    "codegen/tests/specs/generator_regressions.machine",
    "QuantifierInEntry"
);
differential!(
    obvious_comparisons_match_interpreter,
    suricate_tests::generated::obvious_comparisons,
    "codegen/tests/specs/generator_regressions.machine",
    "ObviousComparisons"
);
