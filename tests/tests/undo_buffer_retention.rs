//! A transition that writes many undo records (a stop that abandons a long queue, a reset
//! that forgets a long `finished` sequence record by record) does not leave its undo buffer
//! pinned for the authority's lifetime: the next transitions hand it back
//! (`MAX_KEPT_UNDO_BYTES`), as they do a large effect buffer. A transition that removed a
//! large state (a destroy) leaves none of it in its undo records once it is reclaimed.
//!
//! Measured with a counting allocator (per thread, so tests running at once do not disturb
//! each other): the heap of an authority is compared with that of its clone, which has the
//! same state and empty undo buffers.

use suricate_kernel::{MAX_KEPT_EFFECT_BYTES, MAX_KEPT_UNDO_BYTES};
use suricate_runtime::generated::session::{
    Authority, Durability, IdemKey, Input, InputId, Kind, Lane, Phase,
};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::live;

/// Heap held by `authority` beyond what a clone of it (same state, no undo or effect
/// buffers) holds.
fn held_beyond_its_state(authority: Authority) -> isize {
    let before = live();
    let fresh = authority.clone();
    let with_both = live();
    drop(authority);
    let after = live();
    drop(fresh);
    // `with_both - before` is the clone; `with_both - after` is the original.
    (with_both - after) - (with_both - before)
}

/// Applies `input` and hands the transition's effect buffer back.
fn apply(authority: &mut Authority, input: Input) {
    let t = authority.apply(input).expect("fires");
    authority.reclaim(t);
}

fn accept(id: u64, kind: Kind) -> Input {
    Input::Accept {
        id: InputId(id),
        named: true,
        kind,
        lane: Lane::Queue,
        durability: Durability::Durable,
        key: None,
        has_request: false,
        wake: false,
    }
}

/// Two more transitions, so that both of the authority's undo buffers have been emptied
/// since the last one, then the heap the authority holds beyond its state.
fn held_after_two_more_transitions(mut authority: Authority) -> isize {
    for _ in 0..2 {
        apply(&mut authority, Input::WakeLoop);
    }
    held_beyond_its_state(authority)
}

/// What may stay beyond the state: each undo buffer and the spare effect buffer up to their
/// limits, and `extra`. The large transition's own undo records (one or more per input it
/// touched) would exceed that.
fn assert_held_at_most(held: isize, extra: usize) {
    let limit = extra + 2 * MAX_KEPT_UNDO_BYTES + MAX_KEPT_EFFECT_BYTES;
    assert!(
        held <= limit as isize,
        "the authority holds {held} bytes beyond its state (at most {limit} expected)"
    );
}

const INPUTS: u64 = 1500;

#[test]
fn a_stop_that_abandons_a_long_queue_leaves_no_large_undo_buffer() {
    // A stop abandons every queued input: several undo records each.
    let mut authority = Authority::new();
    apply(
        &mut authority,
        Input::Register {
            remember: 2 * INPUTS,
        },
    );
    for id in 1..=INPUTS {
        apply(&mut authority, accept(id, Kind::Prompt));
    }
    apply(&mut authority, Input::Stop { run: None });
    assert_eq!(authority.state().phase, Phase::Stopped);
    assert_eq!(authority.state().finished.len() as u64, INPUTS);
    // The emptied queue keeps its buffer and `finished` may have spare capacity (a clone's
    // have neither): up to twice the inputs each.
    let spare = 4 * INPUTS as usize * std::mem::size_of::<InputId>();
    assert_held_at_most(held_after_two_more_transitions(authority), spare);
}

/// A rolled-back transition (its store write failed) gives its undo buffer back at once,
/// as a reclaimed one does: the runtime may fire no next transition for a long time.
#[test]
fn a_rolled_back_stop_of_a_long_queue_leaves_no_large_undo_buffer() {
    let mut authority = Authority::new();
    apply(
        &mut authority,
        Input::Register {
            remember: 2 * INPUTS,
        },
    );
    for id in 1..=INPUTS {
        apply(&mut authority, accept(id, Kind::Prompt));
    }
    let stop = authority.apply(Input::Stop { run: None }).expect("fires");
    authority.rollback(stop).expect("the latest transition");
    assert_eq!(authority.state().queue.len() as u64, INPUTS);
    // The queue, refilled at its front, and `finished` may keep spare capacity (a clone's
    // have none): up to twice the inputs each.
    let spare = 4 * INPUTS as usize * std::mem::size_of::<InputId>();
    assert_held_at_most(held_beyond_its_state(authority), spare);
}

#[test]
fn a_reset_that_forgets_many_finished_inputs_leaves_no_large_undo_buffer() {
    // Operations are consumed on accept: each is a finished input the session remembers.
    let mut authority = Authority::new();
    apply(
        &mut authority,
        Input::Register {
            remember: 2 * INPUTS,
        },
    );
    for id in 1..=INPUTS {
        apply(&mut authority, accept(id, Kind::Operation));
    }
    assert_eq!(authority.state().finished.len() as u64, INPUTS);
    // Empties `finished` one element (and one undo record) at a time.
    apply(&mut authority, Input::Reset);
    assert!(authority.state().finished.is_empty());
    // The emptied `finished` keeps its buffer (a clone's has none): up to twice its length.
    let spare = 2 * INPUTS as usize * std::mem::size_of::<InputId>();
    assert_held_at_most(held_after_two_more_transitions(authority), spare);
}

/// A transition that removed a large state (a destroy forgets every remembered input and
/// key) leaves none of it behind in its undo records once it is reclaimed, without waiting
/// for a next transition: a destroyed session fires none, and one reset and then left idle
/// may fire none for a long time. Before, a destroyed session's kernel held its whole
/// former state for good (350 KB at 1,024 remembered inputs with keys, 5.6 MB at 16,384).
#[test]
fn a_destroy_leaves_nothing_of_the_forgotten_state_behind() {
    let mut authority = Authority::new();
    apply(&mut authority, Input::Register { remember: INPUTS });
    for id in 1..=INPUTS {
        let mut input = accept(id, Kind::Operation);
        if let Input::Accept { key, .. } = &mut input {
            *key = Some(IdemKey::from(format!("key-{id}")));
        }
        apply(&mut authority, input);
    }
    assert_eq!(authority.state().keys.len() as u64, INPUTS);
    apply(&mut authority, Input::Destroy);
    assert_eq!(authority.state().phase, Phase::Destroyed);
    assert!(authority.state().inputs.is_empty() && authority.state().keys.is_empty());
    assert!(
        authority.apply(Input::WakeLoop).is_err(),
        "nothing fires in a terminal phase"
    );
    // The emptied `finished` keeps its buffer (a clone's has none): up to twice its length.
    let spare = 2 * INPUTS as usize * std::mem::size_of::<InputId>();
    assert_held_at_most(held_beyond_its_state(authority), spare);
}
