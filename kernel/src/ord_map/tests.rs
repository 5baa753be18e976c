//! `OrdMap` answers exactly what `BTreeMap` answers, whatever the order of operations.

use super::*;
use proptest::prelude::*;
use std::collections::hash_map::DefaultHasher;

/// One operation of a sequence; a key is chosen relative to the map's current keys, so that
/// sequences hit the ascending fast paths, the front, the back and the middle.
#[derive(Debug, Clone)]
enum Op {
    /// Insert above every key (a fresh id).
    Append(u64),
    /// Insert this many fresh ids, one above the other (a burst), so that the deque gets
    /// long enough to have a middle farther than `SHIFT` from both ends.
    AppendBurst(u8),
    /// Insert at or near an existing key (`pick` indexes the current keys).
    InsertNear {
        pick: usize,
        offset: i8,
    },
    /// Insert an arbitrary key.
    Insert(u64),
    /// Remove an existing key (`pick` indexes the current keys).
    RemoveExisting(usize),
    /// Remove the smallest key (FIFO eviction).
    RemoveFirst,
    /// Remove an arbitrary key, usually absent.
    Remove(u64),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1..4u64).prop_map(Op::Append),
        1 => (1..48u8).prop_map(Op::AppendBurst),
        2 => (any::<usize>(), -2..3i8).prop_map(|(pick, offset)| Op::InsertNear { pick, offset }),
        1 => (0..400u64).prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::RemoveExisting),
        3 => Just(Op::RemoveFirst),
        1 => (0..400u64).prop_map(Op::Remove),
        1 => Just(Op::Clear),
    ]
}

/// Checks every read of `map` against `model`, for every key present and around them.
fn assert_agrees(map: &mut OrdMap<u64, u64>, model: &BTreeMap<u64, u64>) {
    assert_eq!(map.len(), model.len());
    assert_eq!(map.is_empty(), model.is_empty());
    assert!(map.iter().eq(model.iter()), "{map:?} != {model:?}");
    assert!(map.iter().rev().eq(model.iter().rev()));
    assert_eq!(map.iter().len(), model.len());
    assert_eq!(map.first_key_value(), model.first_key_value());
    assert_eq!(map.last_key_value(), model.last_key_value());
    let probes: Vec<u64> = model
        .keys()
        .flat_map(|&k| [k.saturating_sub(1), k, k.saturating_add(1)])
        .chain([0, 1_000_000, u64::MAX])
        .collect();
    for key in probes {
        assert_eq!(map.get(&key), model.get(&key), "get {key}");
        assert_eq!(map.contains_key(&key), model.contains_key(&key));
        assert_eq!(map.get_mut(&key).map(|v| *v), model.get(&key).copied());
    }
    // The tree holds only keys below the deque's.
    if let (Some((last_old, _)), Some((first_new, _))) =
        (map.older.last_key_value(), map.newest.front())
    {
        assert!(last_old < first_new, "tree and deque overlap");
    }
    assert!(
        map.newest
            .iter()
            .zip(map.newest.iter().skip(1))
            .all(|(a, b)| a.0 < b.0)
    );
}

/// Applies `op` to both maps. Its keys are small numbers; `base` shifts them up (to test
/// keys near `u64::MAX`), and keys past the top stop there.
fn apply(
    map: &mut OrdMap<u64, u64>,
    model: &mut BTreeMap<u64, u64>,
    op: &Op,
    value: u64,
    base: u64,
) {
    let keys: Vec<u64> = model.keys().copied().collect();
    let shifted = |k: u64| base + k.min(1_000);
    match *op {
        Op::Append(step) => {
            let key = keys.last().map_or(base, |k| k.saturating_add(step));
            assert_eq!(map.insert(key, value), model.insert(key, value));
        }
        Op::AppendBurst(count) => {
            let first = keys.last().map_or(base, |k| k.saturating_add(1));
            for key in (first..=u64::MAX).step_by(2).take(count.into()) {
                assert_eq!(map.insert(key, value), model.insert(key, value));
            }
        }
        Op::InsertNear { pick, offset } => {
            if let Some(&near) = keys.get(pick % keys.len().max(1)) {
                let key = near.saturating_add_signed(offset.into()).max(base);
                assert_eq!(map.insert(key, value), model.insert(key, value));
            }
        }
        Op::Insert(key) => {
            let key = shifted(key);
            assert_eq!(map.insert(key, value), model.insert(key, value));
        }
        Op::RemoveExisting(pick) => {
            if let Some(key) = keys.get(pick % keys.len().max(1)) {
                assert_eq!(map.remove(key), model.remove(key));
            }
        }
        Op::RemoveFirst => {
            if let Some(key) = keys.first() {
                assert_eq!(map.remove(key), model.remove(key));
            }
        }
        Op::Remove(key) => {
            let key = shifted(key);
            assert_eq!(map.remove(&key), model.remove(&key));
        }
        Op::Clear => {
            map.clear();
            model.clear();
        }
    }
}

proptest! {
    #[test]
    fn every_sequence_of_operations_agrees_with_btreemap(ops in prop::collection::vec(op(), 0..300)) {
        let (mut map, mut model) = (OrdMap::new(), BTreeMap::new());
        for (i, op) in ops.iter().enumerate() {
            apply(&mut map, &mut model, op, i as u64, 0);
            assert_agrees(&mut map, &model);
        }
        // Owned iteration, both ways, and the conversions.
        prop_assert!(map.clone().into_iter().eq(model.clone()));
        prop_assert!(map.clone().into_iter().rev().eq(model.clone().into_iter().rev()));
        prop_assert_eq!(BTreeMap::from(map.clone()), model.clone());
        prop_assert_eq!(OrdMap::from(model.clone()), map.clone());
    }

    /// Two maps with the same entries, split differently between tree and deque, are equal,
    /// hash alike and compare like the same `BTreeMap`s.
    #[test]
    fn comparisons_see_entries_not_layout(
        a in prop::collection::btree_map(0..50u64, 0..3u64, 0..20),
        b in prop::collection::btree_map(0..50u64, 0..3u64, 0..20),
    ) {
        let ascending = |m: &BTreeMap<u64, u64>| m.clone().into_iter().collect::<OrdMap<_, _>>();
        let (a_deque, a_tree) = (ascending(&a), OrdMap::from(a.clone()));
        prop_assert_eq!(&a_deque, &a_tree);
        prop_assert_eq!(hash(&a_deque), hash(&a_tree));
        let b_map = OrdMap::from(b.clone());
        prop_assert_eq!(a_deque == b_map, a == b);
        prop_assert_eq!(a_deque.cmp(&b_map), a.cmp(&b));
        prop_assert_eq!(a_tree.partial_cmp(&b_map), a.partial_cmp(&b));
    }
}

fn hash<V: Hash>(map: &OrdMap<u64, V>) -> u64 {
    let mut hasher = DefaultHasher::new();
    map.hash(&mut hasher);
    hasher.finish()
}

/// Ids in increasing order, the oldest removed first: every entry stays in the deque.
#[test]
fn ascending_inserts_and_oldest_first_removals_stay_in_the_deque() {
    let mut map = OrdMap::new();
    for id in 0..5_000u64 {
        assert_eq!(map.insert(id, id * 2), None);
        if id >= 1_000 {
            assert_eq!(map.remove(&(id - 1_000)), Some((id - 1_000) * 2));
        }
    }
    assert!(map.older.is_empty());
    assert_eq!(map.len(), 1_000);
    assert_eq!(map.get(&4_500), Some(&9_000));
}

/// An insert in the middle (farther than `SHIFT` from both ends) moves the entries before
/// it to the tree; later ids go to the deque again.
#[test]
fn a_key_in_the_middle_moves_the_older_entries_to_the_tree() {
    let mut map: OrdMap<u64, ()> = (0..100).map(|k| (k * 10, ())).collect();
    map.insert(355, ());
    let moved: Vec<u64> = (0..36).map(|k| k * 10).chain([355]).collect();
    assert_eq!(map.older.keys().copied().collect::<Vec<_>>(), moved);
    assert_eq!(map.newest.len(), 64);
    map.insert(1_000, ());
    assert_eq!(map.newest.back().map(|e| e.0), Some(1_000));
    let mut all: Vec<u64> = (0..101).map(|k| k * 10).chain([355]).collect();
    all.sort_unstable();
    assert!(map.keys().copied().eq(all));
}

/// A drained backlog gives back the deque's room.
#[test]
fn a_drained_backlog_gives_its_room_back() {
    let mut map = OrdMap::new();
    for id in 0..100_000u64 {
        map.insert(id, [0u8; 32]);
    }
    for id in 0..99_990u64 {
        map.remove(&id);
    }
    assert_eq!(map.len(), 10);
    assert!(
        map.newest.capacity() <= SMALLEST,
        "{}",
        map.newest.capacity()
    );
}

/// Walks `map` and `model` together, taking an entry from the front where `fronts` says so
/// and from the back otherwise, checking each entry and the length left at every step.
fn assert_walks_agree(map: &OrdMap<u64, u64>, model: &BTreeMap<u64, u64>, fronts: &[bool]) {
    let (mut ours, mut theirs) = (map.iter(), model.iter());
    for &front in fronts.iter().cycle().take(model.len() + 2) {
        let (a, b) = if front {
            (ours.next(), theirs.next())
        } else {
            (ours.next_back(), theirs.next_back())
        };
        assert_eq!(a, b);
        assert_eq!(ours.len(), theirs.len());
        assert_eq!(ours.size_hint(), theirs.size_hint());
    }
    let (mut ours, mut theirs) = (map.clone().into_iter(), model.clone().into_iter());
    for &front in fronts.iter().cycle().take(model.len() + 2) {
        let (a, b) = if front {
            (ours.next(), theirs.next())
        } else {
            (ours.next_back(), theirs.next_back())
        };
        assert_eq!(a, b);
        assert_eq!(ours.len(), theirs.len());
    }
}

proptest! {
    /// Keys near `u64::MAX`, a finger moved by `get_mut`s of arbitrary keys between the
    /// operations, `&self` lookups after it moved, `Index`, and iteration from both ends
    /// at once, across the boundary between the tree and the deque.
    #[test]
    fn lookups_after_the_finger_moves_and_walks_from_both_ends_agree(
        high in any::<bool>(),
        steps in prop::collection::vec((op(), prop::collection::vec(any::<u16>(), 0..4)), 0..200),
        fronts in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        // The operations' keys are small; near the top of the range they are shifted.
        let base = if high { u64::MAX - 1_000 } else { 0 };
        let (mut map, mut model) = (OrdMap::new(), BTreeMap::new());
        for (i, (op, touches)) in steps.iter().enumerate() {
            apply(&mut map, &mut model, op, i as u64, base);
            // Move the finger to arbitrary entries (present or not), then read without it.
            let keys: Vec<u64> = model.keys().copied().collect();
            for &touch in touches {
                let key = match keys.get(usize::from(touch) % keys.len().max(1)) {
                    Some(&k) if touch % 3 != 0 => k,
                    _ => base.saturating_add(u64::from(touch)),
                };
                prop_assert_eq!(map.get_mut(&key).map(|v| *v), model.get(&key).copied());
                for probe in [key.saturating_sub(1), key, key.saturating_add(1), u64::MAX, base] {
                    prop_assert_eq!(map.get(&probe), model.get(&probe));
                    prop_assert_eq!(map.contains_key(&probe), model.contains_key(&probe));
                }
                if let Some(value) = model.get(&key) {
                    prop_assert_eq!(&map[&key], value);
                }
            }
            assert_agrees(&mut map, &model);
            assert_walks_agree(&map, &model, &fronts);
        }
        prop_assert_eq!(BTreeMap::from(map.clone()), model.clone());
    }

    /// Entries in any order, repeated keys included, collect and extend to the map a
    /// `BTreeMap` would hold (the last value of a repeated key wins).
    #[test]
    fn unsorted_entries_collect_and_extend_like_btreemap(
        first in prop::collection::vec((any::<u64>(), any::<u8>()), 0..100),
        then in prop::collection::vec((any::<u64>(), any::<u8>()), 0..100),
        near_top in any::<bool>(),
    ) {
        let shift = |entries: &Vec<(u64, u8)>| -> Vec<(u64, u8)> {
            entries
                .iter()
                .map(|&(k, v)| (if near_top { u64::MAX - k % 64 } else { k % 256 }, v))
                .collect()
        };
        let (first, then) = (shift(&first), shift(&then));
        let mut map: OrdMap<u64, u8> = first.iter().copied().collect();
        let mut model: BTreeMap<u64, u8> = first.iter().copied().collect();
        prop_assert!(map.iter().eq(model.iter()));
        map.extend(then.iter().copied());
        model.extend(then.iter().copied());
        prop_assert!(map.iter().eq(model.iter()));
        prop_assert!(map.iter().rev().eq(model.iter().rev()));
        prop_assert_eq!(map.len(), model.len());
        for (k, _) in first.iter().chain(&then) {
            prop_assert_eq!(map.get(k), model.get(k));
            prop_assert_eq!(&map[k], &model[k]);
        }
        let rebuilt = OrdMap::from(model.clone());
        prop_assert_eq!(&map, &rebuilt);
        prop_assert_eq!(hash(&map), hash(&rebuilt));
    }
}

/// A key a little out of order, or the removal of an entry a few from either end, shifts
/// those few entries: the rest of the deque stays where it is, instead of every entry
/// before that point moving to the tree (a removal of the second newest of a million
/// entries would rebuild them all as a tree).
#[test]
fn a_change_near_either_end_of_the_deque_leaves_the_rest_in_it() {
    let mut map: OrdMap<u64, u64> = (0..1_000).map(|k| (k * 2, k)).collect();
    let mut model: BTreeMap<u64, u64> = map.iter().map(|(k, v)| (*k, *v)).collect();
    for (key, insert) in [
        (1_996, false), // the second newest goes
        (1_997, true),  // a key just below the newest comes
        (1_991, true),
        (1_990, false),
        (2, false), // the second oldest goes
        (3, true),  // a key just above the oldest comes
        (5, true),
        (8, false),
    ] {
        if insert {
            assert_eq!(map.insert(key, 7), model.insert(key, 7), "insert {key}");
        } else {
            assert_eq!(map.remove(&key), model.remove(&key), "remove {key}");
        }
        assert!(
            map.older.is_empty(),
            "{key}: {} entries moved",
            map.older.len()
        );
    }
    assert!(map.iter().eq(model.iter()));
    // Farther from both ends, the entries before the key do move to the tree.
    assert_eq!(map.remove(&1_000), model.remove(&1_000));
    assert_eq!(map.older.len(), 500);
    assert!(map.iter().eq(model.iter()));
}

/// The oldest entry removed and put back (a rolled-back eviction) is the deque's first
/// entry again, on the O(1) paths, rather than a tree of one.
#[test]
fn the_oldest_entry_put_back_is_first_in_the_deque_again() {
    let mut map: OrdMap<u64, u64> = (10..20).map(|k| (k, k)).collect();
    assert_eq!(map.get_mut(&15).copied(), Some(15));
    assert_eq!(map.remove(&10), Some(10));
    assert_eq!(map.insert(10, 100), None);
    assert!(map.older.is_empty());
    assert_eq!(map.newest.front(), Some(&(10, 100)));
    // The finger still names the entry it named.
    assert_eq!(map.newest[map.finger].0, 15);
    // Between the tree and the deque it is the deque's first too; below the tree's last
    // key it goes to the tree.
    let mut split = OrdMap::from(BTreeMap::from([(1u64, 1u64), (4, 4)]));
    split.insert(9, 9);
    split.insert(6, 6);
    split.insert(3, 3);
    assert_eq!(split.older.keys().copied().collect::<Vec<_>>(), [1, 3, 4]);
    assert_eq!(split.newest, [(6, 6), (9, 9)]);
    assert!(split.keys().copied().eq([1, 3, 4, 6, 9]));
}
