//! Lookups in a state's maps, as the generated guards, updates and invariants write them.
//!
//! They answer exactly what `BTreeMap::get`, `get_mut` and `contains_key` answer, but look
//! at the map's last entry first. A state's maps are mostly keyed by ids allocated in
//! increasing order (input handles, run ids), and the entry a transition works on is
//! usually the newest: `BTreeMap` searches each node from its first key, so finding the
//! largest key scans every node on the path from the root, while reaching the last entry
//! only follows each node's last edge. A key above the last one (a fresh id, tested
//! before it is inserted) is known absent the same way. Any other key costs that short
//! walk plus the usual search.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Where `key` is relative to the last key of `map`; `None` for an empty map.
#[inline]
fn against_last<K: Ord, V>(map: &BTreeMap<K, V>, key: &K) -> Option<Ordering> {
    map.last_key_value().map(|(last, _)| key.cmp(last))
}

/// `map.get(key)`.
#[inline]
pub fn get<'a, K: Ord, V>(map: &'a BTreeMap<K, V>, key: &K) -> Option<&'a V> {
    match map.last_key_value() {
        Some((last, value)) => match key.cmp(last) {
            Ordering::Equal => Some(value),
            Ordering::Greater => None,
            Ordering::Less => map.get(key),
        },
        None => None,
    }
}

/// `map.get_mut(key)`.
#[inline]
pub fn get_mut<'a, K: Ord, V>(map: &'a mut BTreeMap<K, V>, key: &K) -> Option<&'a mut V> {
    match against_last(map, key)? {
        Ordering::Equal => map.last_entry().map(|entry| entry.into_mut()),
        Ordering::Greater => None,
        Ordering::Less => map.get_mut(key),
    }
}

/// `map.contains_key(key)`.
#[inline]
pub fn contains_key<K: Ord, V>(map: &BTreeMap<K, V>, key: &K) -> bool {
    get(map, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key below, at, between and above those of maps of every size up to a few
    /// node splits gets the answers of `BTreeMap`'s own lookups.
    #[test]
    fn lookups_agree_with_btreemap() {
        for len in 0..60u64 {
            let mut map: BTreeMap<u64, u64> = (0..len).map(|k| (2 * k + 1, 10 * k)).collect();
            for key in 0..(2 * len + 3) {
                assert_eq!(get(&map, &key), map.get(&key), "get {key} of {len}");
                assert_eq!(contains_key(&map, &key), map.contains_key(&key));
                let expected = map.get(&key).copied();
                let found = get_mut(&mut map, &key).map(|v| {
                    *v += 1;
                    *v - 1
                });
                assert_eq!(found, expected, "get_mut {key} of {len}");
                if let Some(v) = found {
                    assert_eq!(map.get(&key), Some(&(v + 1)), "get_mut wrote {key}");
                }
            }
        }
    }
}
