//! `apply` cost of a generated kernel, compared in the same run with
//! (a) a hand-written `match` doing the same work on the same state type, and
//! (b) staging by cloning the state before applying,
//! plus staging (apply then rollback) against clone-then-apply at a state holding
//! 10,000 map entries. Results: docs/benchmarks.md.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use suricate_tests::generated::download::{
    Authority, Bytes, Chunk, Effect, FailReason, Input, JobId, Phase, State,
};

/// A running download with `entries` recorded errors and as many seen offsets.
fn running_state(entries: u64) -> State {
    let mut state = State::initial();
    state.phase = Phase::Running;
    state.job = Some(JobId::from("job-1"));
    state.total = Bytes(u64::MAX / 2);
    state.received = Bytes(0);
    for i in 0..entries {
        state.errors.insert(i, FailReason::Network);
        state.seen.insert(u64::MAX - i);
    }
    state
}

fn chunk_input(offset: u64) -> Input {
    Input::Received {
        chunk: Chunk { offset, len: 10 },
    }
}

/// The `receive` transition written by hand: same guards, updates and effect, no undo log.
fn receive_by_hand(state: &mut State, input: Input) -> Result<Vec<Effect>, &'static str> {
    match (input, state.phase) {
        (Input::Received { chunk }, Phase::Running) => {
            if state.seen.contains(&chunk.offset) {
                return Err("fresh_offset");
            }
            let received = state.received.0.checked_add(chunk.len).ok_or("overflow")?;
            if received >= state.total.0 {
                return Err("leaves_more");
            }
            state.seen.insert(chunk.offset);
            state.chunks.push_back(chunk);
            state.received = Bytes(received);
            Ok(vec![Effect::Progress {
                received: state.received,
                total: state.total,
            }])
        }
        _ => Err("not handled"),
    }
}

fn apply_vs_hand_written(c: &mut Criterion) {
    let base = running_state(16);
    let mut group = c.benchmark_group("apply_receive");
    // A long-lived authority: one earlier apply/rollback has sized its undo buffers,
    // as in a session kernel that has been running for a while.
    let warm = || {
        let mut authority = Authority::from_state(base.clone()).expect("valid state");
        let t = authority.apply(chunk_input(7)).expect("fires");
        authority.rollback(t).expect("latest");
        authority
    };
    group.bench_function("generated_apply", |b| {
        b.iter_batched(
            warm,
            |mut authority| {
                let t = authority.apply(black_box(chunk_input(7))).expect("fires");
                black_box(t.effects.len());
                authority
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("hand_written_match", |b| {
        b.iter_batched(
            || base.clone(),
            |mut state| {
                let effects =
                    receive_by_hand(&mut state, black_box(chunk_input(7))).expect("fires");
                black_box(effects.len());
                state
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("clone_then_apply", |b| {
        b.iter_batched(
            || Authority::from_state(base.clone()).expect("valid state"),
            |authority| {
                let mut staged = authority.clone();
                let t = staged.apply(black_box(chunk_input(7))).expect("fires");
                black_box(t.effects.len());
                (authority, staged)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn staging_at_10k_entries(c: &mut Criterion) {
    let mut authority = Authority::from_state(running_state(10_000)).expect("valid state");
    let mut group = c.benchmark_group("stage_10k_map_entries");
    group.bench_function("apply_then_rollback", |b| {
        b.iter(|| {
            let t = authority.apply(black_box(chunk_input(7))).expect("fires");
            authority.rollback(t).expect("latest");
        })
    });
    group.bench_function("clone_then_apply", |b| {
        b.iter(|| {
            let mut staged = authority.clone();
            let t = staged.apply(black_box(chunk_input(7))).expect("fires");
            black_box(t.effects.len());
            staged
        })
    });
    group.finish();
}

criterion_group!(benches, apply_vs_hand_written, staging_at_10k_entries);
criterion_main!(benches);
