//! The generated Download kernel (the design doc's example) used from Rust the way a
//! library consumer would: apply, rejections, atomicity, rollback, preview, restore,
//! serde and the introspection tables.

use suricate_tests::generated::download::*;

fn start(total: u64) -> Input {
    Input::Start {
        job: JobId::from("job-1"),
        total: Bytes(total),
    }
}

fn chunk(offset: u64, len: u64) -> Input {
    Input::Received {
        chunk: Chunk { offset, len },
    }
}

fn running(total: u64) -> Authority {
    let mut a = Authority::new();
    a.apply(start(total)).expect("start fires");
    a
}

#[test]
fn a_download_runs_to_done() {
    let mut a = Authority::new();
    assert_eq!(a.phase(), Phase::Idle);

    let t = a.apply(start(30)).expect("start fires");
    assert_eq!(
        (t.id, t.from, t.to),
        (TransitionId::Start, Phase::Idle, Phase::Running)
    );
    assert_eq!(
        t.effects,
        vec![Effect::Started {
            job: JobId::from("job-1")
        }]
    );

    let t = a.apply(chunk(0, 10)).expect("receive fires");
    assert_eq!(t.id, TransitionId::Receive);
    assert_eq!(
        t.effects,
        vec![Effect::Progress {
            received: Bytes(10),
            total: Bytes(30)
        }]
    );

    a.apply(chunk(10, 10)).expect("receive fires");
    // The last chunk is rejected by `receive` (leaves_more) and taken by `finish`.
    let t = a.apply(chunk(20, 10)).expect("finish fires");
    assert_eq!((t.id, t.to), (TransitionId::Finish, Phase::Done));
    assert_eq!(
        t.effects,
        vec![Effect::Finished {
            job: JobId::from("job-1")
        }]
    );
    assert_eq!(a.state().received, Bytes(30));
    assert!(a.phase().is_terminal());
}

#[test]
fn rejection_names_every_candidates_first_failing_guard() {
    let mut a = running(30);
    a.apply(chunk(0, 10)).expect("receive fires");
    let before = a.state().clone();
    let r = a.apply(chunk(0, 5)).expect_err("offset 0 was seen");
    assert_eq!(r.phase, Phase::Running);
    assert_eq!(r.input, InputKind::Received);
    assert_eq!(
        r.reason,
        RejectReason::GuardsFailed(vec![
            FailedGuard {
                transition: TransitionId::Receive,
                guard: "fresh_offset"
            },
            FailedGuard {
                transition: TransitionId::Finish,
                guard: "fresh_offset"
            },
        ])
    );
    assert_eq!(a.state(), &before);
    assert!(r.to_string().contains("receive: fresh_offset"), "{r}");
}

#[test]
fn an_input_without_candidates_is_not_handled() {
    let mut a = Authority::new();
    let r = a.apply(Input::Pause).expect_err("idle cannot pause");
    assert_eq!(r.reason, RejectReason::NotHandled);
    assert_eq!((r.phase, r.input), (Phase::Idle, InputKind::Pause));
}

#[test]
fn overflow_rejects_atomically() {
    let mut a = running(30);
    a.apply(chunk(0, 10)).expect("receive fires");
    let before = a.state().clone();
    let r = a
        .apply(chunk(5, u64::MAX))
        .expect_err("received + len overflows");
    assert_eq!(
        r.reason,
        RejectReason::Overflow {
            transition: TransitionId::Receive
        }
    );
    assert_eq!(a.state(), &before);
}

#[test]
fn guard_failure_falls_through_to_the_next_candidate() {
    let mut a = running(30);
    a.apply(Input::Fail {
        reason: FailReason::Network,
    })
    .expect("retry fires");
    assert_eq!(a.state().retries, 1);
    assert_eq!(a.state().errors.get(&1), Some(&FailReason::Network));
    for _ in 0..2 {
        let t = a
            .apply(Input::Fail {
                reason: FailReason::Disk,
            })
            .expect("retry fires");
        assert_eq!(t.id, TransitionId::Retry);
    }
    a.apply(chunk(0, 5)).expect("receive fires");
    a.apply(chunk(5, 5)).expect("receive fires");
    // Budget exhausted: `retry` fails `budget_left`, `give_up` (no guards) fires.
    let t = a
        .apply(Input::Fail {
            reason: FailReason::Disk,
        })
        .expect("give_up fires");
    assert_eq!((t.id, t.to), (TransitionId::GiveUp, Phase::Failed));
    assert_eq!(
        t.effects,
        vec![
            Effect::Discarded { offset: 0 },
            Effect::Discarded { offset: 5 },
            Effect::GaveUp {
                reason: FailReason::Disk,
                retries: 3
            },
        ]
    );
    assert!(a.state().chunks.is_empty());
}

#[test]
fn rollback_restores_the_pre_state_once() {
    let mut a = running(100);
    a.apply(chunk(0, 10)).expect("receive fires");
    let before = a.state().clone();
    let t = a.apply(chunk(10, 10)).expect("receive fires");
    let again = t.clone();
    a.rollback(t).expect("latest transition rolls back");
    assert_eq!(a.state(), &before);
    assert_eq!(
        a.rollback(again),
        Err(RollbackError::NotLatest {
            transition: TransitionId::Receive
        })
    );
}

#[test]
fn only_the_latest_transition_rolls_back() {
    let mut a = running(100);
    let first = a.apply(chunk(0, 10)).expect("receive fires");
    a.apply(chunk(10, 10)).expect("receive fires");
    assert!(a.rollback(first).is_err());
    assert_eq!(a.state().received, Bytes(20));
}

#[test]
fn rollback_reverts_phase_and_collection_writes() {
    let mut a = running(100);
    a.apply(chunk(0, 10)).expect("receive fires");
    a.apply(Input::Fail {
        reason: FailReason::Disk,
    })
    .expect("retry fires");
    let mut exhausted = a.clone();
    for _ in 0..2 {
        exhausted
            .apply(Input::Fail {
                reason: FailReason::Network,
            })
            .expect("retry fires");
    }
    let before = exhausted.state().clone();
    let t = exhausted
        .apply(Input::Fail {
            reason: FailReason::Disk,
        })
        .expect("give_up fires");
    assert_eq!(exhausted.phase(), Phase::Failed);
    assert!(exhausted.state().chunks.is_empty());
    exhausted.rollback(t).expect("latest");
    assert_eq!(exhausted.state(), &before);
}

#[test]
fn preview_does_not_change_anything() {
    let a = running(30);
    let before = a.state().clone();
    let p = a.preview(&chunk(0, 30)).expect("finish would fire");
    assert_eq!((p.id, p.to), (TransitionId::Finish, Phase::Done));
    assert_eq!(a.state(), &before);
    assert_eq!(
        a.preview(&Input::Resume).expect_err("not paused").reason,
        RejectReason::NotHandled
    );
}

#[test]
fn from_state_checks_invariants() {
    let mut state = State::initial();
    state.received = Bytes(5);
    let err = Authority::from_state(state.clone()).expect_err("received > total");
    assert_eq!(err.invariant, "received_within_total");
    state.total = Bytes(5);
    state.phase = Phase::Done;
    let a = Authority::from_state(state).expect("consistent");
    assert_eq!(a.phase(), Phase::Done);
}

#[test]
fn terminal_phase_is_never_left() {
    let mut a = running(10);
    a.apply(chunk(0, 10)).expect("finish fires");
    for input in [start(5), Input::Pause, Input::Resume, chunk(1, 1)] {
        let r = a.apply(input).expect_err("done handles nothing");
        assert_eq!(r.reason, RejectReason::NotHandled);
        assert_eq!(a.phase(), Phase::Done);
    }
}

#[test]
fn state_and_messages_round_trip_through_serde() {
    let mut a = running(30);
    a.apply(chunk(0, 10)).expect("receive fires");
    let json = serde_json::to_value(a.state()).expect("serialises");
    assert_eq!(json["phase"], "Running");
    assert_eq!(json["job"], "job-1");
    assert_eq!(json["chunks"][0]["len"], 10);
    let back: State = serde_json::from_value(json).expect("deserialises");
    assert_eq!(&back, a.state());
    let input: Input = serde_json::from_str(r#"{"Start":{"job":"j","total":3}}"#).expect("input");
    assert_eq!(
        input,
        Input::Start {
            job: JobId::from("j"),
            total: Bytes(3)
        }
    );
    assert_eq!(
        serde_json::to_value(Input::Pause).expect("serialises"),
        "Pause"
    );
}

/// docs/spec-language.md, Serialized form: a map is a JSON object only while its keys are
/// integers, bools, strings, enum variants or newtypes of them; any other key type fails
/// to serialize to JSON (an `Option` one through `to_string` only when it is `none`). A
/// generated `Map` field (an `OrdMap`) is written by `serde_form::Map` as serde writes a
/// `BTreeMap` of the same entries, so a `BTreeMap` keyed by the download kernel's own types
/// stands in for every kind of key a spec may declare.
#[test]
fn only_scalar_map_keys_serialize_to_json() {
    use std::collections::{BTreeMap, BTreeSet, VecDeque};
    fn text<K: serde::Serialize + Ord>(key: K) -> Result<String, serde_json::Error> {
        serde_json::to_string(&BTreeMap::from([(key, 1u64)]))
    }
    fn value<K: serde::Serialize + Ord>(key: K) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(BTreeMap::from([(key, 1u64)]))
    }
    assert_eq!(text(Bytes(3)).unwrap(), r#"{"3":1}"#);
    assert_eq!(text(-3i64).unwrap(), r#"{"-3":1}"#);
    assert_eq!(text(true).unwrap(), r#"{"true":1}"#);
    assert_eq!(text(JobId::from("j")).unwrap(), r#"{"j":1}"#);
    assert_eq!(text(FailReason::Disk).unwrap(), r#"{"Disk":1}"#);
    assert_eq!(value(Bytes(3)).unwrap(), serde_json::json!({ "3": 1 }));
    assert_eq!(text(Some(Bytes(3))).unwrap(), r#"{"3":1}"#);
    assert!(value(Some(Bytes(3))).is_err(), "some, as a value");
    assert!(text(None::<Bytes>).is_err(), "none");
    assert!(text(Chunk { offset: 0, len: 1 }).is_err(), "a struct");
    assert!(text(VecDeque::from([Bytes(1)])).is_err(), "a Seq");
    assert!(text(BTreeSet::from([Bytes(1)])).is_err(), "a Set");
    assert!(
        text(BTreeMap::from([(Bytes(1), Bytes(2))])).is_err(),
        "a Map"
    );
}

#[test]
fn introspection_tables_describe_the_spec() {
    assert_eq!(TRANSITIONS.len(), TransitionId::ALL.len());
    for (i, id) in TransitionId::ALL.iter().enumerate() {
        assert_eq!(TRANSITIONS[i].id, *id);
        assert_eq!(id.info().name, id.name());
    }
    let receive = TransitionId::Receive.info();
    assert_eq!(receive.input, InputKind::Received);
    assert_eq!(receive.from, &[Phase::Running]);
    assert_eq!(receive.to, None);
    assert_eq!(receive.guards, &["fresh_offset", "leaves_more"]);
    assert_eq!(receive.effects, &[EffectKind::Progress]);
    let give_up = TransitionId::GiveUp.info();
    assert_eq!(give_up.from, &[Phase::Running, Phase::Paused]);
    assert_eq!(give_up.to, Some(Phase::Failed));
    assert_eq!(
        give_up.effects,
        &[EffectKind::Discarded, EffectKind::GaveUp]
    );
    assert_eq!(Phase::INITIAL, Phase::Idle);
    assert_eq!(Phase::ALL.iter().filter(|p| p.is_terminal()).count(), 2);
}

#[test]
fn a_rejected_apply_keeps_the_latest_transition_rollbackable() {
    let mut a = running(100);
    let before = a.state().clone();
    let t = a.apply(chunk(0, 10)).expect("receive fires");
    a.apply(chunk(0, 10)).expect_err("offset seen");
    a.rollback(t).expect("still the latest accepted transition");
    assert_eq!(a.state(), &before);
}

/// docs/spec-language.md, Serialized form: a field the type does not declare is an error,
/// in the state, in a struct, and in an input's or effect's fields. A stored state with
/// a field the spec no longer has (or a misspelt one, next to an `Option` field that then
/// reads as `none`) must not restore as if the field were not there.
#[test]
fn json_with_an_undeclared_field_is_refused() {
    fn refused<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: serde_json::Value) {
        let err = serde_json::from_value::<T>(json.clone()).expect_err(&json.to_string());
        assert!(err.to_string().contains("unknown field"), "{json}: {err}");
    }
    let state = serde_json::to_value(running(30).state()).expect("serialises");
    let mut extra = state.clone();
    extra["bogus"] = 1.into();
    refused::<State>(extra);
    // `job` misspelt: without the check, `job` was missing and read as `none`.
    let mut misspelt = state.clone();
    let job = misspelt.as_object_mut().unwrap().remove("job").unwrap();
    misspelt["jbo"] = job;
    refused::<State>(misspelt);
    let mut in_struct = state;
    in_struct["chunks"] = serde_json::json!([{ "offset": 0, "len": 1, "size": 1 }]);
    refused::<State>(in_struct);
    refused::<Input>(serde_json::json!({ "Start": { "job": "j", "total": 3, "tota": 4 } }));
    refused::<Input>(
        serde_json::json!({ "Received": { "chunk": { "offset": 0, "len": 1, "x": 0 } } }),
    );
    refused::<Effect>(serde_json::json!({ "Started": { "job": "j", "extra": true } }));
    // Still accepted: the declared fields, in any order.
    let input: Input =
        serde_json::from_value(serde_json::json!({ "Start": { "total": 3, "job": "j" } }))
            .expect("declared fields");
    assert_eq!(
        input,
        Input::Start {
            job: JobId::from("j"),
            total: Bytes(3)
        }
    );
}
