//! Interpreter tests over hand-built IR. The Download machine is the design doc's example,
//! written out as the IR the checker is specified to produce for it, so these tests do not
//! depend on the checker; `checked_download` runs the same scenarios on the checker's own
//! output once that exists.

use serde_json::json;

use super::*;
use crate::ir::{
    Emit, Enum, Field, Guard, Invariant, Message, Newtype, PhaseDecl, StateField, Struct, Target,
    Transition, Variant,
};

// ---------------------------------------------------------------------------------------
// IR building helpers.

fn ex(kind: ExprKind, ty: Ty) -> Expr {
    Expr { kind, ty }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

fn named(n: &str) -> Ty {
    Ty::Newtype(n.into())
}

fn u(n: u64) -> Expr {
    ex(ExprKind::U64(n), Ty::U64)
}

fn i(n: i64) -> Expr {
    ex(ExprKind::I64(n), Ty::I64)
}

fn s(text: &str) -> Expr {
    ex(ExprKind::Str(text.into()), Ty::String)
}

fn own(name: &str, ty: Ty) -> Expr {
    ex(ExprKind::SelfField(name.into()), ty)
}

fn old(name: &str, ty: Ty) -> Expr {
    ex(ExprKind::Old(name.into()), ty)
}

fn arg(name: &str, ty: Ty) -> Expr {
    ex(ExprKind::InputField(name.into()), ty)
}

fn var(name: &str, ty: Ty) -> Expr {
    ex(ExprKind::Var(name.into()), ty)
}

fn dot(e: Expr, f: &str, ty: Ty) -> Expr {
    ex(ExprKind::Field(boxed(e), f.into()), ty)
}

fn coerce(e: Expr, ty: Ty) -> Expr {
    ex(ExprKind::Coerce(boxed(e)), ty)
}

fn not(e: Expr) -> Expr {
    ex(ExprKind::Not(boxed(e)), Ty::Bool)
}

fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    let ty = match op {
        BinOp::Add | BinOp::Sub => l.ty.clone(),
        _ => Ty::Bool,
    };
    ex(ExprKind::Binary(op, boxed(l), boxed(r)), ty)
}

fn phase_lit(p: &str) -> Expr {
    ex(ExprKind::Phase(p.into()), Ty::Phase)
}

fn field(name: &str, ty: Ty) -> Field {
    Field {
        name: name.into(),
        doc: vec![],
        ty,
    }
}

fn message(name: &str, fields: Vec<Field>) -> Message {
    Message {
        name: name.into(),
        doc: vec![],
        fields,
    }
}

fn state_field(name: &str, ty: Ty, default: Expr) -> StateField {
    StateField {
        name: name.into(),
        doc: vec![],
        ty,
        default,
    }
}

fn emit(effect: &str, fields: Vec<(&str, Expr)>) -> Emit {
    Emit {
        effect: effect.into(),
        fields: fields.into_iter().map(|(n, e)| (n.into(), e)).collect(),
    }
}

fn phases(names: &[&str]) -> Vec<PhaseDecl> {
    names
        .iter()
        .map(|n| PhaseDecl {
            name: (*n).into(),
            doc: vec![],
        })
        .collect()
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).into()).collect()
}

struct T {
    name: &'static str,
    input: &'static str,
    from: &'static [&'static str],
    to: Option<&'static str>,
    guards: Vec<(&'static str, Expr)>,
    update: Vec<Stmt>,
    emits: Vec<Emit>,
}

impl T {
    fn new(name: &'static str, input: &'static str, from: &'static [&'static str]) -> Self {
        T {
            name,
            input,
            from,
            to: None,
            guards: vec![],
            update: vec![],
            emits: vec![],
        }
    }

    fn to(mut self, phase: &'static str) -> Self {
        self.to = Some(phase);
        self
    }

    fn guard(mut self, name: &'static str, e: Expr) -> Self {
        self.guards.push((name, e));
        self
    }

    fn update(mut self, stmts: Vec<Stmt>) -> Self {
        self.update = stmts;
        self
    }

    fn emit(mut self, e: Emit) -> Self {
        self.emits.push(e);
        self
    }

    fn build(self) -> Transition {
        Transition {
            name: self.name.into(),
            doc: vec![],
            input: self.input.into(),
            from: strings(self.from),
            to: self.to.map_or(Target::Same, |p| Target::Phase(p.into())),
            guards: self
                .guards
                .into_iter()
                .map(|(n, expr)| Guard {
                    name: n.into(),
                    doc: vec![],
                    expr,
                })
                .collect(),
            update: self.update,
            emits: self.emits,
        }
    }
}

fn invariant(name: &str, expr: Expr) -> Invariant {
    Invariant {
        name: name.into(),
        doc: vec![],
        expr,
    }
}

// ---------------------------------------------------------------------------------------
// The Download machine of the design doc, as IR.

fn download_ir() -> Machine {
    let job_id = || named("JobId");
    let bytes = || named("Bytes");
    let chunk = || Ty::Struct("Chunk".into());
    let reason = || Ty::Enum("FailReason".into());
    let opt_job = || Ty::Option(Box::new(job_id()));
    let seen_ty = || Ty::Set(Box::new(Ty::U64));
    let chunk_field = |f: &str| dot(arg("chunk", chunk()), f, Ty::U64);
    let fresh_offset = || {
        not(bin(
            BinOp::In,
            chunk_field("offset"),
            own("seen", seen_ty()),
        ))
    };
    let received_plus_len = || {
        bin(
            BinOp::Add,
            own("received", bytes()),
            coerce(chunk_field("len"), bytes()),
        )
    };

    Machine {
        name: "Download".into(),
        name_span: Default::default(),
        doc: vec![],
        newtypes: vec![
            Newtype {
                name: "JobId".into(),
                doc: vec![],
                base: Ty::String,
            },
            Newtype {
                name: "Bytes".into(),
                doc: vec![],
                base: Ty::U64,
            },
        ],
        enums: vec![Enum {
            name: "FailReason".into(),
            doc: vec![],
            variants: ["Network", "Disk", "Cancelled"]
                .iter()
                .map(|v| Variant {
                    name: (*v).into(),
                    doc: vec![],
                })
                .collect(),
        }],
        structs: vec![Struct {
            name: "Chunk".into(),
            doc: vec![],
            fields: vec![field("offset", Ty::U64), field("len", Ty::U64)],
        }],
        phases: phases(&["Idle", "Running", "Paused", "Done", "Failed"]),
        initial: "Idle".into(),
        terminal: strings(&["Done", "Failed"]),
        fields: vec![
            state_field("job", opt_job(), ex(ExprKind::None, opt_job())),
            state_field("received", bytes(), coerce(u(0), bytes())),
            state_field("total", bytes(), coerce(u(0), bytes())),
            state_field("retries", Ty::U64, u(0)),
            state_field("max_retries", Ty::U64, u(3)),
            state_field(
                "chunks",
                Ty::Seq(Box::new(chunk())),
                ex(ExprKind::EmptySeq, Ty::Seq(Box::new(chunk()))),
            ),
            state_field("seen", seen_ty(), ex(ExprKind::EmptySet, seen_ty())),
            state_field(
                "errors",
                Ty::Map(Box::new(Ty::U64), Box::new(reason())),
                ex(
                    ExprKind::EmptyMap,
                    Ty::Map(Box::new(Ty::U64), Box::new(reason())),
                ),
            ),
        ],
        inputs: vec![
            message(
                "Start",
                vec![field("job", job_id()), field("total", bytes())],
            ),
            message("Received", vec![field("chunk", chunk())]),
            message("Pause", vec![]),
            message("Resume", vec![]),
            message("Fail", vec![field("reason", reason())]),
        ],
        effects: vec![
            message("Started", vec![field("job", job_id())]),
            message(
                "Progress",
                vec![field("received", bytes()), field("total", bytes())],
            ),
            message("Finished", vec![field("job", job_id())]),
            message(
                "GaveUp",
                vec![field("reason", reason()), field("retries", Ty::U64)],
            ),
            message("Discarded", vec![field("offset", Ty::U64)]),
        ],
        transitions: vec![
            T::new("start", "Start", &["Idle"])
                .to("Running")
                .guard(
                    "positive_total",
                    bin(BinOp::Gt, arg("total", bytes()), coerce(u(0), bytes())),
                )
                .update(vec![
                    Stmt::Assign {
                        field: "job".into(),
                        value: ex(ExprKind::Some(boxed(arg("job", job_id()))), opt_job()),
                    },
                    Stmt::Assign {
                        field: "total".into(),
                        value: arg("total", bytes()),
                    },
                ])
                .emit(emit("Started", vec![("job", arg("job", job_id()))]))
                .build(),
            T::new("receive", "Received", &["Running"])
                .guard("fresh_offset", fresh_offset())
                .guard(
                    "leaves_more",
                    bin(BinOp::Lt, received_plus_len(), own("total", bytes())),
                )
                .update(vec![
                    Stmt::SetInsert {
                        field: "seen".into(),
                        value: chunk_field("offset"),
                    },
                    Stmt::PushBack {
                        field: "chunks".into(),
                        value: arg("chunk", chunk()),
                    },
                    Stmt::AddAssign {
                        field: "received".into(),
                        value: coerce(chunk_field("len"), bytes()),
                    },
                ])
                .emit(emit(
                    "Progress",
                    vec![
                        ("received", own("received", bytes())),
                        ("total", own("total", bytes())),
                    ],
                ))
                .build(),
            T::new("finish", "Received", &["Running"])
                .to("Done")
                .guard("fresh_offset", fresh_offset())
                .guard(
                    "completes",
                    bin(BinOp::Eq, received_plus_len(), own("total", bytes())),
                )
                .guard(
                    "has_job",
                    bin(
                        BinOp::Ne,
                        own("job", opt_job()),
                        ex(ExprKind::None, opt_job()),
                    ),
                )
                .update(vec![Stmt::AddAssign {
                    field: "received".into(),
                    value: coerce(chunk_field("len"), bytes()),
                }])
                .emit(emit(
                    "Finished",
                    vec![(
                        "job",
                        ex(ExprKind::Unwrap(boxed(own("job", opt_job()))), job_id()),
                    )],
                ))
                .build(),
            T::new("pause", "Pause", &["Running"]).to("Paused").build(),
            T::new("resume", "Resume", &["Paused"])
                .to("Running")
                .build(),
            T::new("retry", "Fail", &["Running", "Paused"])
                .to("Running")
                .guard(
                    "budget_left",
                    bin(
                        BinOp::Lt,
                        own("retries", Ty::U64),
                        own("max_retries", Ty::U64),
                    ),
                )
                .update(vec![
                    Stmt::AddAssign {
                        field: "retries".into(),
                        value: u(1),
                    },
                    Stmt::MapInsert {
                        field: "errors".into(),
                        key: own("retries", Ty::U64),
                        value: arg("reason", reason()),
                    },
                ])
                .build(),
            T::new("give_up", "Fail", &["Running", "Paused"])
                .to("Failed")
                .update(vec![
                    Stmt::For {
                        binder: Binder::One("c".into()),
                        collection: own("chunks", Ty::Seq(Box::new(chunk()))),
                        body: vec![Stmt::Emit(emit(
                            "Discarded",
                            vec![("offset", dot(var("c", chunk()), "offset", Ty::U64))],
                        ))],
                    },
                    Stmt::Clear {
                        field: "chunks".into(),
                    },
                ])
                .emit(emit(
                    "GaveUp",
                    vec![
                        ("reason", arg("reason", reason())),
                        ("retries", own("retries", Ty::U64)),
                    ],
                ))
                .build(),
        ],
        invariants: vec![
            invariant(
                "received_within_total",
                bin(BinOp::Le, own("received", bytes()), own("total", bytes())),
            ),
            invariant(
                "done_means_complete",
                bin(
                    BinOp::Implies,
                    bin(BinOp::Eq, own("phase", Ty::Phase), phase_lit("Done")),
                    bin(BinOp::Eq, own("received", bytes()), own("total", bytes())),
                ),
            ),
        ],
    }
}

fn chunk(offset: u64, len: u64) -> Json {
    json!({ "Received": { "chunk": { "offset": offset, "len": len } } })
}

fn fired(interp: &mut Interpreter<'_>, input: Json) -> Fired {
    match interp.apply(&input) {
        Ok(fired) => fired,
        Err(rejected) => panic!("{input} was rejected: {rejected}"),
    }
}

fn rejected(interp: &mut Interpreter<'_>, input: Json) -> Rejected {
    let before = interp.state_json();
    let rejection = match interp.apply(&input) {
        Ok(fired) => panic!("{input} fired {}", fired.transition),
        Err(rejected) => rejected,
    };
    assert_eq!(
        interp.state_json(),
        before,
        "a rejection must not change the state"
    );
    rejection
}

fn guards_failed(pairs: &[(&str, &str)]) -> Rejected {
    Rejected::GuardsFailed(
        pairs
            .iter()
            .map(|(t, g)| ((*t).to_owned(), (*g).to_owned()))
            .collect(),
    )
}

/// The happy path: start, three chunks, completion.
fn download_completes(machine: &Machine) {
    let mut d = Interpreter::new(machine);
    assert_eq!(d.phase(), "Idle");
    assert_eq!(
        d.state_json(),
        json!({
            "phase": "Idle", "job": null, "received": 0, "total": 0, "retries": 0,
            "max_retries": 3, "chunks": [], "seen": [], "errors": {}
        })
    );

    assert_eq!(
        rejected(&mut d, json!({ "Start": { "job": "j", "total": 0 } })),
        guards_failed(&[("start", "positive_total")])
    );
    assert_eq!(rejected(&mut d, chunk(0, 1)), Rejected::NotHandled);

    let f = fired(&mut d, json!({ "Start": { "job": "j", "total": 10 } }));
    assert_eq!(
        f,
        Fired {
            transition: "start".into(),
            from: "Idle".into(),
            to: "Running".into(),
            effects: vec![json!({ "Started": { "job": "j" } })],
        }
    );

    let f = fired(&mut d, chunk(8, 2));
    assert_eq!(
        (f.transition.as_str(), f.to.as_str()),
        ("receive", "Running")
    );
    assert_eq!(
        f.effects,
        vec![json!({ "Progress": { "received": 2, "total": 10 } })]
    );
    fired(&mut d, chunk(0, 4));

    // A repeated offset fails `fresh_offset` in both candidates, in candidate order.
    assert_eq!(
        rejected(&mut d, chunk(8, 1)),
        guards_failed(&[("receive", "fresh_offset"), ("finish", "fresh_offset")])
    );
    // Too long: `receive` fails `leaves_more`, `finish` fails `completes`.
    assert_eq!(
        rejected(&mut d, chunk(4, 5)),
        guards_failed(&[("receive", "leaves_more"), ("finish", "completes")])
    );

    let f = fired(&mut d, chunk(4, 4));
    assert_eq!(
        f,
        Fired {
            transition: "finish".into(),
            from: "Running".into(),
            to: "Done".into(),
            effects: vec![json!({ "Finished": { "job": "j" } })],
        }
    );
    assert_eq!(
        d.state_json(),
        json!({
            "phase": "Done", "job": "j", "received": 10, "total": 10, "retries": 0,
            "max_retries": 3,
            "chunks": [{ "offset": 8, "len": 2 }, { "offset": 0, "len": 4 }],
            "seen": [0, 8], "errors": {}
        })
    );
    assert_eq!(d.check_invariants(), Ok(()));
    assert_eq!(rejected(&mut d, json!("Pause")), Rejected::NotHandled);
}

/// Pause/resume, retries up to the budget, then giving up.
fn download_retries_then_gives_up(machine: &Machine) {
    let mut d = Interpreter::new(machine);
    fired(&mut d, json!({ "Start": { "job": "j", "total": 100 } }));
    fired(&mut d, chunk(30, 10));
    fired(&mut d, chunk(10, 5));
    fired(&mut d, chunk(20, 1));

    let f = fired(&mut d, json!("Pause"));
    assert_eq!((f.from.as_str(), f.to.as_str()), ("Running", "Paused"));
    assert!(f.effects.is_empty());
    assert_eq!(rejected(&mut d, chunk(50, 1)), Rejected::NotHandled);
    assert_eq!(rejected(&mut d, json!("Pause")), Rejected::NotHandled);
    // The unit-variant form `{"Resume": null}` is accepted, as serde accepts it.
    let f = fired(&mut d, json!({ "Resume": null }));
    assert_eq!(f.to, "Running");

    for (n, reason) in ["Network", "Disk", "Network"].iter().enumerate() {
        let f = fired(&mut d, json!({ "Fail": { "reason": reason } }));
        assert_eq!(f.transition, "retry", "failure {n}");
        assert!(f.effects.is_empty());
        if n == 1 {
            fired(&mut d, json!("Pause"));
        }
    }
    let state = d.state_json();
    assert_eq!(state["phase"], "Running");
    assert_eq!(state["retries"], 3);
    assert_eq!(
        state["errors"],
        json!({ "1": "Network", "2": "Disk", "3": "Network" })
    );

    // The budget is spent: `retry` fails `budget_left`, so `give_up` (no guards) fires.
    let f = fired(&mut d, json!({ "Fail": { "reason": "Cancelled" } }));
    assert_eq!(
        f,
        Fired {
            transition: "give_up".into(),
            from: "Running".into(),
            to: "Failed".into(),
            // Loop emits in sequence order, then the top-level emit.
            effects: vec![
                json!({ "Discarded": { "offset": 30 } }),
                json!({ "Discarded": { "offset": 10 } }),
                json!({ "Discarded": { "offset": 20 } }),
                json!({ "GaveUp": { "reason": "Cancelled", "retries": 3 } }),
            ],
        }
    );
    let state = d.state_json();
    assert_eq!(state["phase"], "Failed");
    assert_eq!(state["chunks"], json!([]));
    assert_eq!(state["seen"], json!([10, 20, 30]));
    assert_eq!(
        rejected(&mut d, json!({ "Fail": { "reason": "Disk" } })),
        Rejected::NotHandled
    );
}

/// Faults and invariant violations reject without changing anything.
fn download_faults(machine: &Machine) {
    let mut d = Interpreter::new(machine);
    fired(&mut d, json!({ "Start": { "job": "j", "total": 10 } }));
    fired(&mut d, chunk(0, 3));
    // `received + len` overflows in the `leaves_more` guard: rejected at once, `finish`
    // is not tried.
    assert_eq!(
        rejected(&mut d, chunk(1, u64::MAX)),
        Rejected::Overflow {
            transition: "receive".into()
        }
    );

    // `start` sets `total` below what was already received.
    let state = json!({
        "phase": "Idle", "job": null, "received": 7, "total": 9, "retries": 0,
        "max_retries": 3, "chunks": [], "seen": [], "errors": {}
    });
    let mut d = Interpreter::from_state_json(machine, &state).expect("valid state");
    assert_eq!(
        rejected(&mut d, json!({ "Start": { "job": "k", "total": 5 } })),
        Rejected::InvariantViolated {
            transition: "start".into(),
            invariant: "received_within_total".into()
        }
    );
    assert_eq!(d.state_json(), state);
    // A larger total is fine.
    fired(&mut d, json!({ "Start": { "job": "k", "total": 50 } }));

    // `finish` with no job fails `has_job`; the phase check in the second invariant
    // rejects a restored Done state that is incomplete.
    let mut running = state.clone();
    running["phase"] = json!("Running");
    let mut d = Interpreter::from_state_json(machine, &running).expect("valid state");
    assert_eq!(
        rejected(&mut d, chunk(0, 2)),
        guards_failed(&[("receive", "leaves_more"), ("finish", "has_job")])
    );
    let mut done = state;
    done["phase"] = json!("Done");
    assert_eq!(
        Interpreter::from_state_json(machine, &done).map(|_| ()),
        Err("state: invariant `done_means_complete` does not hold".into())
    );
}

/// Inputs that do not have the shape of any input are rejected as `BadInput`.
fn download_bad_inputs(machine: &Machine) {
    let mut d = Interpreter::new(machine);
    for input in [
        json!("Start"),
        json!("Nope"),
        json!(7),
        json!({}),
        json!({ "Pause": null, "Resume": null }),
        json!({ "Pause": {} }),
        json!({ "Start": { "job": "j" } }),
        json!({ "Start": { "job": 1, "total": 2 } }),
        json!({ "Start": { "job": "j", "total": -2 } }),
        json!({ "Start": { "job": "j", "total": 2.5 } }),
        json!({ "Start": ["j"] }),
        json!({ "Fail": { "reason": "network" } }),
        json!({ "Received": { "chunk": { "offset": 1 } } }),
    ] {
        match rejected(&mut d, input.clone()) {
            Rejected::BadInput(_) => {}
            other => panic!("{input}: expected BadInput, got {other:?}"),
        }
    }
    // An unknown field is refused, as by the generated types (`deny_unknown_fields`),
    // in the input and in a struct it holds.
    for input in [
        json!({ "Start": { "job": "j", "total": 4, "extra": true } }),
        json!({ "Received": { "chunk": { "offset": 0, "len": 1, "size": 1 } } }),
    ] {
        match rejected(&mut d, input.clone()) {
            Rejected::BadInput(message) => assert!(message.contains("unknown field"), "{message}"),
            other => panic!("{input}: expected BadInput, got {other:?}"),
        }
    }
    // What serde accepts: a struct may be an array.
    fired(&mut d, json!({ "Start": { "job": "j", "total": 4 } }));
    fired(&mut d, json!({ "Received": { "chunk": [0, 1] } }));
    assert_eq!(d.state_json()["chunks"], json!([{ "offset": 0, "len": 1 }]));
}

fn download_state_round_trip(machine: &Machine) {
    let state = json!({
        "phase": "Paused", "job": "j", "received": 5, "total": 9, "retries": 2,
        "max_retries": 3,
        "chunks": [{ "offset": 4, "len": 1 }, { "offset": 0, "len": 4 }],
        "seen": [4, 0], "errors": { "2": "Disk", "10": "Network" }
    });
    let d = Interpreter::from_state_json(machine, &state).expect("valid state");
    assert_eq!(d.phase(), "Paused");
    // A set's elements may come in any order; they are written in ascending order.
    let mut expected = state;
    expected["seen"] = json!([0, 4]);
    assert_eq!(d.state_json(), expected);
    let again = Interpreter::from_state_json(machine, &d.state_json()).expect("round trip");
    assert_eq!(again.state_json(), expected);

    for (field, bad) in [
        ("phase", json!("Lost")),
        ("phase", json!(1)),
        ("received", json!("5")),
        ("errors", json!({ "02": "Disk" })),
        ("errors", json!({ "x": "Disk" })),
        ("errors", json!({ "1": "Flood" })),
        ("job", json!(5)),
        ("chunks", json!({})),
        // Read back, a set holds each element once, as it was written.
        ("seen", json!([4, 0, 4])),
    ] {
        let mut state = expected.clone();
        state[field] = bad.clone();
        assert!(
            Interpreter::from_state_json(machine, &state).is_err(),
            "{field} = {bad} was accepted"
        );
    }
    let mut extra = expected.clone();
    extra["bogus"] = json!(1);
    let err = Interpreter::from_state_json(machine, &extra)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err, "state: unknown field `bogus`");
    let mut missing = expected.clone();
    missing.as_object_mut().map(|o| o.remove("total"));
    assert!(Interpreter::from_state_json(machine, &missing).is_err());
    // A missing `Option` field is `none`, as with serde.
    let mut no_job = expected;
    no_job.as_object_mut().map(|o| o.remove("job"));
    let d = Interpreter::from_state_json(machine, &no_job).expect("job defaults to none");
    assert_eq!(d.state_json()["job"], Json::Null);
    assert!(Interpreter::from_state_json(machine, &json!([])).is_err());
}

fn all_download_scenarios(machine: &Machine) {
    download_completes(machine);
    download_retries_then_gives_up(machine);
    download_faults(machine);
    download_bad_inputs(machine);
    download_state_round_trip(machine);
}

#[test]
fn hand_built_download() {
    all_download_scenarios(&download_ir());
}

// ---------------------------------------------------------------------------------------
// A second machine for what Download does not exercise: i64, negation, maps with string
// keys and pair binders, enum and struct ordering, quantifiers, `old`, `self.phase` during
// updates and emits, `unwrap_or`, absent values.

fn ledger_ir() -> Machine {
    let level = || Ty::Enum("Level".into());
    let entry = || Ty::Struct("Entry".into());
    let accounts_ty = || Ty::Map(Box::new(Ty::String), Box::new(Ty::I64));
    let levels_ty = || Ty::Set(Box::new(level()));
    let entries_ty = || Ty::Set(Box::new(entry()));
    let best_ty = || Ty::Option(Box::new(Ty::I64));
    let by_level_ty = || Ty::Map(Box::new(level()), Box::new(Ty::U64));
    let account = || arg("account", Ty::String);
    let balance_of = |key: Expr| {
        ex(
            ExprKind::Index(boxed(own("accounts", accounts_ty())), boxed(key)),
            Ty::I64,
        )
    };

    Machine {
        name: "Ledger".into(),
        name_span: Default::default(),
        doc: vec![],
        newtypes: vec![],
        enums: vec![Enum {
            name: "Level".into(),
            doc: vec![],
            // Declared out of alphabetical order: ordering must follow declaration.
            variants: ["High", "Low"]
                .iter()
                .map(|v| Variant {
                    name: (*v).into(),
                    doc: vec![],
                })
                .collect(),
        }],
        structs: vec![Struct {
            name: "Entry".into(),
            doc: vec![],
            fields: vec![field("level", level()), field("name", Ty::String)],
        }],
        phases: phases(&["Open", "Closed"]),
        initial: "Open".into(),
        terminal: strings(&["Closed"]),
        fields: vec![
            state_field("balance", Ty::I64, i(0)),
            state_field(
                "accounts",
                accounts_ty(),
                ex(ExprKind::EmptyMap, accounts_ty()),
            ),
            state_field("levels", levels_ty(), ex(ExprKind::EmptySet, levels_ty())),
            state_field(
                "entries",
                entries_ty(),
                ex(ExprKind::EmptySet, entries_ty()),
            ),
            state_field("best", best_ty(), ex(ExprKind::None, best_ty())),
            state_field(
                "by_level",
                by_level_ty(),
                ex(ExprKind::EmptyMap, by_level_ty()),
            ),
        ],
        inputs: vec![
            message(
                "Credit",
                vec![field("account", Ty::String), field("amount", Ty::I64)],
            ),
            message("Negate", vec![]),
            message(
                "Tag",
                vec![field("level", level()), field("name", Ty::String)],
            ),
            message("Audit", vec![]),
            message("Close", vec![field("account", Ty::String)]),
        ],
        effects: vec![
            message(
                "Balance",
                vec![field("account", Ty::String), field("amount", Ty::I64)],
            ),
            message(
                "Moved",
                vec![
                    field("from", Ty::Phase),
                    field("now", Ty::Phase),
                    field("before", Ty::I64),
                ],
            ),
            message("Audited", vec![]),
        ],
        transitions: vec![
            // accounts[account] = accounts.get(account).unwrap_or(0) + amount;
            // balance += amount; best = some(balance)
            T::new("credit", "Credit", &["Open"])
                .update(vec![
                    Stmt::MapInsert {
                        field: "accounts".into(),
                        key: account(),
                        value: bin(
                            BinOp::Add,
                            ex(
                                ExprKind::UnwrapOr(
                                    boxed(ex(
                                        ExprKind::Get(
                                            boxed(own("accounts", accounts_ty())),
                                            boxed(account()),
                                        ),
                                        best_ty(),
                                    )),
                                    boxed(i(0)),
                                ),
                                Ty::I64,
                            ),
                            arg("amount", Ty::I64),
                        ),
                    },
                    Stmt::AddAssign {
                        field: "balance".into(),
                        value: arg("amount", Ty::I64),
                    },
                    Stmt::Assign {
                        field: "best".into(),
                        value: ex(ExprKind::Some(boxed(own("balance", Ty::I64))), best_ty()),
                    },
                ])
                .emit(emit(
                    "Balance",
                    vec![("account", account()), ("amount", balance_of(account()))],
                ))
                .build(),
            // balance = -balance
            T::new("negate", "Negate", &["Open"])
                .update(vec![Stmt::Assign {
                    field: "balance".into(),
                    value: ex(ExprKind::Neg(boxed(own("balance", Ty::I64))), Ty::I64),
                }])
                .build(),
            // levels.insert(level); entries.insert(Entry { level, name });
            // by_level[level] = by_level.get(level).unwrap_or(0) + 1
            T::new("tag", "Tag", &["Open"])
                .update(vec![
                    Stmt::SetInsert {
                        field: "levels".into(),
                        value: arg("level", level()),
                    },
                    Stmt::SetInsert {
                        field: "entries".into(),
                        value: ex(
                            ExprKind::StructLit {
                                name: "Entry".into(),
                                fields: vec![
                                    ("level".into(), arg("level", level())),
                                    ("name".into(), arg("name", Ty::String)),
                                ],
                            },
                            entry(),
                        ),
                    },
                    Stmt::MapInsert {
                        field: "by_level".into(),
                        key: arg("level", level()),
                        value: bin(
                            BinOp::Add,
                            ex(
                                ExprKind::UnwrapOr(
                                    boxed(ex(
                                        ExprKind::Get(
                                            boxed(own("by_level", by_level_ty())),
                                            boxed(arg("level", level())),
                                        ),
                                        Ty::Option(Box::new(Ty::U64)),
                                    )),
                                    boxed(u(0)),
                                ),
                                Ty::U64,
                            ),
                            u(1),
                        ),
                    },
                ])
                .build(),
            // guard no_empty_account: any (k, v) in accounts: v == 0 || v + MAX > 0 — false
            // when every account is non-empty and small, overflows on a positive one
            // visited before any empty one.
            T::new("audit_strict", "Audit", &["Open"])
                .guard(
                    "has_empty_account",
                    ex(
                        ExprKind::Quant {
                            kind: Quantifier::Any,
                            binder: Binder::Pair("k".into(), "v".into()),
                            collection: boxed(own("accounts", accounts_ty())),
                            body: boxed(bin(
                                BinOp::Or,
                                bin(BinOp::Eq, var("v", Ty::I64), i(0)),
                                bin(
                                    BinOp::Lt,
                                    bin(BinOp::Add, var("v", Ty::I64), i(i64::MAX)),
                                    i(0),
                                ),
                            )),
                        },
                        Ty::Bool,
                    ),
                )
                .emit(emit("Audited", vec![]))
                .build(),
            // A second candidate: fires only when every tagged level is High.
            T::new("audit_levels", "Audit", &["Open"])
                .guard(
                    "all_high",
                    ex(
                        ExprKind::Quant {
                            kind: Quantifier::All,
                            binder: Binder::One("l".into()),
                            collection: boxed(own("levels", levels_ty())),
                            body: boxed(bin(
                                BinOp::Eq,
                                var("l", level()),
                                ex(
                                    ExprKind::Variant {
                                        enum_name: "Level".into(),
                                        variant: "High".into(),
                                    },
                                    level(),
                                ),
                            )),
                        },
                        Ty::Bool,
                    ),
                )
                .build(),
            // Emits in the update block see the phase fired from; the top-level one the
            // target. The last statement reads an account it has just removed.
            T::new("close", "Close", &["Open"])
                .to("Closed")
                .guard(
                    "known",
                    bin(BinOp::In, account(), own("accounts", accounts_ty())),
                )
                .update(vec![
                    Stmt::For {
                        binder: Binder::Pair("k".into(), "v".into()),
                        collection: own("accounts", accounts_ty()),
                        body: vec![
                            Stmt::Emit(emit(
                                "Balance",
                                vec![
                                    ("account", var("k", Ty::String)),
                                    ("amount", var("v", Ty::I64)),
                                ],
                            )),
                            // Mutating the looped-over field does not affect the loop.
                            Stmt::MapRemove {
                                field: "accounts".into(),
                                key: var("k", Ty::String),
                            },
                        ],
                    },
                    Stmt::Emit(emit(
                        "Moved",
                        vec![
                            ("from", own("phase", Ty::Phase)),
                            ("now", own("phase", Ty::Phase)),
                            ("before", old("balance", Ty::I64)),
                        ],
                    )),
                    Stmt::Assign {
                        field: "balance".into(),
                        value: i(0),
                    },
                    Stmt::If {
                        cond: bin(BinOp::Eq, account(), s("absent")),
                        then: vec![Stmt::Assign {
                            field: "balance".into(),
                            value: balance_of(account()),
                        }],
                        otherwise: vec![],
                    },
                ])
                .emit(emit(
                    "Moved",
                    vec![
                        ("from", old("phase", Ty::Phase)),
                        ("now", own("phase", Ty::Phase)),
                        ("before", old("balance", Ty::I64)),
                    ],
                ))
                .build(),
        ],
        invariants: vec![],
    }
}

#[test]
fn ledger_arithmetic_on_i64() {
    let machine = ledger_ir();
    let mut l = Interpreter::new(&machine);
    let f = fired(
        &mut l,
        json!({ "Credit": { "account": "b", "amount": -5 } }),
    );
    assert_eq!(
        f.effects,
        vec![json!({ "Balance": { "account": "b", "amount": -5 } })]
    );
    fired(&mut l, json!({ "Credit": { "account": "b", "amount": 2 } }));
    assert_eq!(l.state_json()["accounts"], json!({ "b": -3 }));
    assert_eq!(l.state_json()["best"], json!(-3));
    fired(&mut l, json!("Negate"));
    assert_eq!(l.state_json()["balance"], json!(3));

    // Overflow in an update rejects and leaves the pre-state.
    assert_eq!(
        rejected(
            &mut l,
            json!({ "Credit": { "account": "c", "amount": i64::MAX } })
        ),
        Rejected::Overflow {
            transition: "credit".into()
        }
    );
    assert_eq!(l.state_json()["balance"], json!(3));
    assert_eq!(l.state_json()["accounts"], json!({ "b": -3 }));

    // -i64::MIN overflows.
    fired(
        &mut l,
        json!({ "Credit": { "account": "a", "amount": -3 } }),
    );
    fired(
        &mut l,
        json!({ "Credit": { "account": "m", "amount": i64::MIN } }),
    );
    assert_eq!(l.state_json()["balance"], json!(i64::MIN));
    assert_eq!(
        rejected(&mut l, json!("Negate")),
        Rejected::Overflow {
            transition: "negate".into()
        }
    );
}

#[test]
fn ledger_orders_by_declaration_and_bytes() {
    let machine = ledger_ir();
    let mut l = Interpreter::new(&machine);
    for (level, name) in [("Low", "a"), ("High", "z"), ("High", "b"), ("Low", "a")] {
        fired(&mut l, json!({ "Tag": { "level": level, "name": name } }));
    }
    let state = l.state_json();
    assert_eq!(state["levels"], json!(["High", "Low"]));
    assert_eq!(
        state["entries"],
        json!([
            { "level": "High", "name": "b" },
            { "level": "High", "name": "z" },
            { "level": "Low", "name": "a" }
        ])
    );
    // Enum keys are variant names.
    assert_eq!(state["by_level"], json!({ "High": 2, "Low": 2 }));
    let back = Interpreter::from_state_json(&machine, &state).expect("round trip");
    assert_eq!(back.state_json(), state);

    // Map iteration is ascending bytewise: "B" < "a" < "b".
    for account in ["b", "a", "B"] {
        fired(
            &mut l,
            json!({ "Credit": { "account": account, "amount": 1 } }),
        );
    }
    let f = fired(&mut l, json!({ "Close": { "account": "a" } }));
    assert_eq!(
        f.effects,
        vec![
            json!({ "Balance": { "account": "B", "amount": 1 } }),
            json!({ "Balance": { "account": "a", "amount": 1 } }),
            json!({ "Balance": { "account": "b", "amount": 1 } }),
            json!({ "Moved": { "from": "Open", "now": "Open", "before": 3 } }),
            json!({ "Moved": { "from": "Open", "now": "Closed", "before": 3 } }),
        ]
    );
    assert_eq!(l.phase(), "Closed");
    assert_eq!(l.state_json()["accounts"], json!({}));
    assert_eq!(l.state_json()["balance"], json!(0));
}

#[test]
fn ledger_absent_value_rejects_the_transition() {
    let machine = ledger_ir();
    let mut l = Interpreter::new(&machine);
    fired(
        &mut l,
        json!({ "Credit": { "account": "absent", "amount": 4 } }),
    );
    // The guard holds, the loop removes the account, and then `accounts["absent"]` is read.
    assert_eq!(
        rejected(&mut l, json!({ "Close": { "account": "absent" } })),
        Rejected::Absent {
            transition: "close".into()
        }
    );
    assert_eq!(l.phase(), "Open");
    assert_eq!(
        rejected(&mut l, json!({ "Close": { "account": "other" } })),
        guards_failed(&[("close", "known")])
    );
}

#[test]
fn ledger_quantifiers_short_circuit_in_ascending_order() {
    let machine = ledger_ir();
    // No accounts: `any` is false; no levels: `all` is true.
    let mut l = Interpreter::new(&machine);
    let f = fired(&mut l, json!("Audit"));
    assert_eq!(f.transition, "audit_levels");

    // "a" (empty) is visited before "b" (positive, would overflow): `any` stops at "a".
    let state = json!({
        "phase": "Open", "balance": 5, "accounts": { "b": 5, "a": 0 },
        "levels": [], "entries": [], "best": null, "by_level": {}
    });
    let mut l = Interpreter::from_state_json(&machine, &state).expect("valid state");
    let f = fired(&mut l, json!("Audit"));
    assert_eq!(
        (f.transition.as_str(), f.effects),
        ("audit_strict", vec![json!("Audited")])
    );

    // "a" is positive and visited first: the guard overflows and the input is rejected
    // at once; `audit_levels` is not tried.
    let state = json!({
        "phase": "Open", "balance": 5, "accounts": { "a": 1, "b": 0 },
        "levels": ["High"], "entries": [], "best": null, "by_level": {}
    });
    let mut l = Interpreter::from_state_json(&machine, &state).expect("valid state");
    assert_eq!(
        rejected(&mut l, json!("Audit")),
        Rejected::Overflow {
            transition: "audit_strict".into()
        }
    );

    // Only negative accounts: `any` is false without overflow; a Low level fails `all`.
    let state = json!({
        "phase": "Open", "balance": -2, "accounts": { "a": -1, "b": -1 },
        "levels": ["Low", "High"], "entries": [], "best": null, "by_level": {}
    });
    let mut l = Interpreter::from_state_json(&machine, &state).expect("valid state");
    assert_eq!(
        rejected(&mut l, json!("Audit")),
        guards_failed(&[
            ("audit_strict", "has_empty_account"),
            ("audit_levels", "all_high")
        ])
    );
}

#[test]
fn value_order_matches_rust() {
    let none = Value::Option(None);
    let some = |v| Value::Option(Some(Box::new(v)));
    assert!(none < some(Value::I64(i64::MIN)));
    assert!(some(Value::I64(-1)) < some(Value::I64(0)));
    assert!(Value::Str("Z".into()) < Value::Str("a".into()));
    assert!(Value::Str("é".into()) > Value::Str("z".into()));
    assert!(Value::Tag(0, "Zed".into()) < Value::Tag(1, "Alpha".into()));
    assert!(
        Value::Struct(vec![Value::U64(1), Value::U64(0)])
            < Value::Struct(vec![Value::U64(1), Value::U64(2)])
    );
}

/// A machine with no state, for the JSON form of values of its types: a newtype `Flag`
/// over `bool` and a struct `P { x: i64 }`.
fn keys_machine() -> Machine {
    Machine {
        name: "Keys".into(),
        name_span: Default::default(),
        doc: vec![],
        newtypes: vec![Newtype {
            name: "Flag".into(),
            doc: vec![],
            base: Ty::Bool,
        }],
        enums: vec![],
        structs: vec![Struct {
            name: "P".into(),
            doc: vec![],
            fields: vec![field("x", Ty::I64)],
        }],
        phases: phases(&["Only"]),
        initial: "Only".into(),
        terminal: vec![],
        fields: vec![],
        inputs: vec![],
        effects: vec![],
        transitions: vec![],
        invariants: vec![],
    }
}

#[test]
fn map_keys_use_their_string_form() {
    let machine = keys_machine();
    let cases = [
        (named("Flag"), Value::Bool(true), "true"),
        (Ty::I64, Value::I64(-12), "-12"),
        (Ty::U64, Value::U64(u64::MAX), "18446744073709551615"),
        (Ty::Phase, Value::Tag(0, "Only".into()), "Only"),
    ];
    for (ty, value, text) in cases {
        assert_eq!(key_string(&machine, &value, &ty), text);
        assert_eq!(key_from_string(&machine, text, &ty, "k"), Ok(value));
    }
    for (ty, text) in [
        (Ty::I64, "+1"),
        (Ty::I64, "-0"),
        (Ty::U64, "-1"),
        (Ty::U64, " 1"),
        (named("Flag"), "True"),
    ] {
        assert!(key_from_string(&machine, text, &ty, "k").is_err(), "{text}");
    }
}

/// A map keyed by a type with no string form (a struct, a collection, an option) is an
/// array of `[key, value]` pairs in ascending key order, as the generated types write it.
#[test]
fn other_maps_are_pairs() {
    let machine = keys_machine();
    let p = |x: i64| Value::Struct(vec![Value::I64(x)]);
    let by_struct = Ty::Map(Box::new(Ty::Struct("P".into())), Box::new(Ty::U64));
    let map = Value::Map(BTreeMap::from([
        (p(3), Value::U64(1)),
        (p(-1), Value::U64(2)),
    ]));
    let json = json!([[{ "x": -1 }, 2], [{ "x": 3 }, 1]]);
    assert_eq!(to_json(&machine, &map, &by_struct), json);
    assert_eq!(from_json(&machine, &json, &by_struct, "m"), Ok(map));
    // Any order reads; a struct key may be an array of its fields, as with serde.
    let reordered = json!([[[3], 1], [{ "x": -1 }, 2]]);
    assert_eq!(
        from_json(&machine, &reordered, &by_struct, "m").map(|m| to_json(&machine, &m, &by_struct)),
        Ok(json)
    );

    let by_option = Ty::Map(
        Box::new(Ty::Option(Box::new(Ty::String))),
        Box::new(Ty::Bool),
    );
    let map = Value::Map(BTreeMap::from([
        (
            Value::Option(Some(Box::new(Value::Str("a".into())))),
            Value::Bool(true),
        ),
        (Value::Option(None), Value::Bool(false)),
    ]));
    let json = json!([[null, false], ["a", true]]);
    assert_eq!(to_json(&machine, &map, &by_option), json);
    assert_eq!(from_json(&machine, &json, &by_option, "m"), Ok(map));

    let by_set = Ty::Map(Box::new(Ty::Set(Box::new(Ty::U64))), Box::new(Ty::U64));
    for (bad, message) in [
        (
            json!({ "[1]": 1 }),
            "m: expected an array of [key, value] pairs, found an object",
        ),
        (
            json!([[[1], 1, 2]]),
            "m[0]: expected a [key, value] pair, found an array of 3",
        ),
        (
            json!([5]),
            "m[0]: expected a [key, value] pair, found a number",
        ),
        (
            json!([[[1, 2], 1], [[2, 1], 2]]),
            "m[1]: duplicate map key [2,1]",
        ),
        (json!([[[1, 1], 1]]), "m[0][0][1]: duplicate set element 1"),
    ] {
        assert_eq!(
            from_json(&machine, &bad, &by_set, "m"),
            Err(message.to_owned()),
            "{bad}"
        );
    }
}

/// The same scenarios on the checker's IR of the spec file itself.
#[test]
fn checked_download() {
    let (spec, _) = crate::check(
        include_str!("../../tests/specs/download.machine"),
        "tests/specs/download.machine",
    )
    .unwrap_or_else(|d| panic!("{}", d.render()));
    let machine = &spec.machines[0];
    all_download_scenarios(machine);
    // Independent checks that the hand-built IR is what the checker produces, up to
    // coercions and docs: same dispatch structure.
    let hand = download_ir();
    let shape = |m: &Machine| {
        m.transitions
            .iter()
            .map(|t| {
                let guards: Vec<&str> = t.guards.iter().map(|g| g.name.as_str()).collect();
                (
                    t.name.clone(),
                    t.input.clone(),
                    t.from.clone(),
                    t.to.clone(),
                    guards.join(","),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(machine), shape(&hand));
}

/// `self.m[k].a.b = v;` writes one field of an existing entry; an absent entry and a
/// faulting value both reject with the state untouched.
#[test]
fn entry_field_assignment() {
    let (spec, _) = crate::check(
        "machine Jobs {
            type Tries = u64;
            enum Stage { Queued, Staged }
            struct Limit { max: Tries, hard: bool }
            struct Job { stage: Stage, attempts: Tries, limit: Limit }
            phases { Active }
            initial Active;
            state { jobs: Map<u64, Job> = {} }
            input Add { id: u64 }
            input Retry { id: u64 }
            input Cap { id: u64, max: u64 }
            transition add on Add from Active -> same {
                update {
                    self.jobs[id] = Job {
                        stage: Stage::Queued,
                        attempts: 0,
                        limit: Limit { max: 3, hard: false },
                    };
                }
            }
            transition retry on Retry from Active -> same {
                guard known: id in self.jobs;
                update {
                    self.jobs[id].stage = Stage::Staged;
                    self.jobs[id].attempts = self.jobs[id].attempts + 1;
                }
            }
            transition cap on Cap from Active -> same {
                update {
                    if id in self.jobs {
                        self.jobs[id].limit.max = max;
                        self.jobs[id].limit.hard = true;
                    }
                }
            }
        }",
        "jobs.machine",
    )
    .unwrap_or_else(|d| panic!("{}", d.render()));
    let machine = &spec.machines[0];
    let mut j = Interpreter::new(machine);
    fired(&mut j, json!({ "Add": { "id": 1 } }));
    fired(&mut j, json!({ "Add": { "id": 2 } }));
    fired(&mut j, json!({ "Retry": { "id": 1 } }));
    fired(&mut j, json!({ "Retry": { "id": 1 } }));
    fired(&mut j, json!({ "Cap": { "id": 2, "max": 9 } }));
    // An absent entry under `if k in m` is simply skipped.
    fired(&mut j, json!({ "Cap": { "id": 7, "max": 9 } }));
    assert_eq!(
        j.state_json()["jobs"],
        json!({
            "1": { "stage": "Staged", "attempts": 2, "limit": { "max": 3, "hard": false } },
            "2": { "stage": "Queued", "attempts": 0, "limit": { "max": 9, "hard": true } },
        })
    );
    assert_eq!(
        rejected(&mut j, json!({ "Retry": { "id": 5 } })),
        guards_failed(&[("retry", "known")])
    );
    // A write after a removal of the entry is refused by the checker (E0303); the
    // interpreter's `Absent` fault is tested on hand-built IR (`ledger_absent_value_...`).
    // Overflow in the value rejects before anything is written.
    let mut state = j.state_json();
    state["jobs"]["1"]["attempts"] = json!(u64::MAX);
    let mut j = Interpreter::from_state_json(machine, &state).expect("valid state");
    assert_eq!(
        rejected(&mut j, json!({ "Retry": { "id": 1 } })),
        Rejected::Overflow {
            transition: "retry".into()
        }
    );
}

/// `unwrap_or`'s default is evaluated even when the option holds a value, as in the
/// generated code: a default that faults rejects the input.
#[test]
fn unwrap_or_evaluates_its_default_even_when_the_option_holds_a_value() {
    let (spec, _) = crate::check(
        "machine Pick { phases { A } initial A;
        state { o: Option<u64> = some(1), n: u64 = 0, x: u64 = 0 } input Go;
        transition go on Go from A -> same { update { self.x = self.o.unwrap_or(self.n - 1); } } }",
        "pick.machine",
    )
    .unwrap_or_else(|d| panic!("{}", d.render()));
    let mut j = Interpreter::new(&spec.machines[0]);
    assert_eq!(
        rejected(&mut j, json!("Go")),
        Rejected::Overflow {
            transition: "go".into()
        }
    );
}
