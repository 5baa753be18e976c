//! [`OrdMap`], the map of generated state: ordered by key like `BTreeMap`, and cheap for
//! keys that mostly arrive in increasing order.
//!
//! A state's maps are mostly keyed by ids allocated in increasing order (input handles,
//! run ids): a new entry has the largest key, and the entry that goes is usually the
//! oldest. `BTreeMap` searches from the root for both; with a thousand entries an insert
//! at the end or a removal at the front costs hundreds of instructions and keeps splitting
//! and merging nodes, and a lookup of an entry a few hundred from the end scans every node
//! on its path. [`OrdMap`] keeps its newest entries in a sorted deque: inserting past the
//! last key and removing the first or last entry are O(1), and a lookup there is a binary
//! search over contiguous memory.
//!
//! Keys that arrive out of order (idempotency keys, say) land in a `BTreeMap` that holds
//! the older entries; a key between that tree and the deque (the oldest entry put back)
//! becomes the deque's first entry instead. An insert or removal a few entries from
//! either end of the deque shifts those few entries. One farther inside first moves the
//! deque's entries before that point into the tree, which keeps the rule that every key
//! of the tree is below every key of the deque: each entry moves at most once, so the
//! cost stays amortised O(log n), but that one call moves them all (O(n log n) for n
//! entries, where a `BTreeMap` would take O(log n)). Any order of operations is correct;
//! only the cost depends on it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, VecDeque, btree_map, vec_deque};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::iter::FusedIterator;

/// An ordered map: iteration is in ascending key order, and equality, ordering and hashing
/// are those of its entries in that order, as for `BTreeMap`.
#[derive(Clone)]
pub struct OrdMap<K, V> {
    /// The entries below every key of `newest`.
    older: BTreeMap<K, V>,
    /// The newest entries, in ascending key order.
    newest: VecDeque<(K, V)>,
    /// The index in `newest` of the entry a `get_mut` found last, which every lookup tries
    /// before searching: consecutive transitions name the same entry (the input of the run
    /// in flight) several times. Only a hint: the key there is checked before it is used,
    /// and it is kept pointing at the same entry when entries before it go.
    finger: usize,
}

/// Below this capacity the deque is never shrunk: a reallocation would save little.
const SMALLEST: usize = 64;

/// An insert or removal at most this many entries from either end of the deque shifts the
/// entries between it and that end, rather than moving every entry before it to the tree:
/// a key slightly out of order, or the removal of the second newest entry, then costs a
/// few moves instead of rebuilding the deque as a tree.
const SHIFT: usize = 16;

impl<K, V> OrdMap<K, V> {
    /// An empty map; allocates nothing.
    pub const fn new() -> Self {
        OrdMap {
            older: BTreeMap::new(),
            newest: VecDeque::new(),
            finger: 0,
        }
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.older.len() + self.newest.len()
    }

    /// Whether the map holds no entry.
    pub fn is_empty(&self) -> bool {
        self.older.is_empty() && self.newest.is_empty()
    }

    /// Removes every entry and frees the room they took.
    pub fn clear(&mut self) {
        self.older.clear();
        self.newest = VecDeque::new();
        self.finger = 0;
    }

    /// The entries in ascending key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            older: self.older.iter(),
            newest: self.newest.iter(),
        }
    }

    /// The keys in ascending order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.iter().map(|(k, _)| k)
    }

    /// The values in ascending key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.iter().map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.iter().next()
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.iter().next_back()
    }

    /// Gives back the deque's spare room once it is mostly empty (after a drained backlog),
    /// at a quarter full so that the cost stays amortised O(1) per removal.
    fn shrink_when_sparse(&mut self) {
        let capacity = self.newest.capacity();
        if capacity > SMALLEST && self.newest.len() * 4 < capacity {
            self.newest.shrink_to((self.newest.len() * 2).max(SMALLEST));
        }
    }
}

impl<K: Ord, V> OrdMap<K, V> {
    /// Where `key` is in the deque: `None` if the deque is empty or `key` is below its first
    /// key (in the tree, if anywhere), else the result of a binary search. A key above the
    /// last one (a fresh id, tested before it is inserted) is known absent without one. The
    /// other shortcuts are `near`'s, which the callers have tried.
    fn find_newest(&self, key: &K) -> Option<Result<usize, usize>> {
        let ((first, _), (last, _)) = (self.newest.front()?, self.newest.back()?);
        if key < first {
            return None;
        }
        if key > last {
            return Some(Err(self.newest.len()));
        }
        Some(self.newest.binary_search_by(|(k, _)| k.cmp(key)))
    }

    /// The deque index of `key` when it is one of the entries lookups meet most: the
    /// first (the oldest, the next to go), the finger's, or the last (the newest id).
    /// Inlined at every lookup; everything else is out of line (`*_far`), which keeps the
    /// code of a generated transition, with its many lookups, small.
    #[inline]
    fn near(&self, key: &K) -> Option<usize> {
        let (first, _) = self.newest.front()?;
        if key == first {
            return Some(0);
        }
        if let Some((at_finger, _)) = self.newest.get(self.finger)
            && at_finger == key
        {
            return Some(self.finger);
        }
        let last = self.newest.len() - 1;
        (self.newest[last].0 == *key).then_some(last)
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &K) -> Option<&V> {
        match self.near(key) {
            Some(i) => Some(&self.newest[i].1),
            None => self.get_far(key),
        }
    }

    #[inline(never)]
    fn get_far(&self, key: &K) -> Option<&V> {
        match self.find_newest(key) {
            Some(Ok(i)) => Some(&self.newest[i].1),
            Some(Err(_)) => None,
            None => self.older.get(key),
        }
    }

    /// The value of `key`, to change it in place.
    #[inline]
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        match self.near(key) {
            Some(i) => {
                self.finger = i;
                Some(&mut self.newest[i].1)
            }
            None => self.get_mut_far(key),
        }
    }

    #[inline(never)]
    fn get_mut_far(&mut self, key: &K) -> Option<&mut V> {
        match self.find_newest(key) {
            Some(Ok(i)) => {
                self.finger = i;
                Some(&mut self.newest[i].1)
            }
            Some(Err(_)) => None,
            None => self.older.get_mut(key),
        }
    }

    /// Whether the map holds `key`.
    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    #[inline]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some((last, _)) = self.newest.back()
            && key > *last
        {
            self.newest.push_back((key, value));
            return None;
        }
        self.insert_far(key, value)
    }

    #[inline(never)]
    fn insert_far(&mut self, key: K, value: V) -> Option<V> {
        match self.find_newest(&key) {
            Some(Ok(i)) => Some(std::mem::replace(&mut self.newest[i].1, value)),
            Some(Err(i)) if i.min(self.newest.len() - i) <= SHIFT => {
                if self.finger >= i {
                    self.finger += 1;
                }
                self.newest.insert(i, (key, value));
                None
            }
            Some(Err(i)) => {
                // Everything the deque keeps before `key` moves to the tree, so the key
                // can go there too.
                self.spill(i);
                self.older.insert(key, value)
            }
            // Above every key of the tree and below the deque (a rolled-back removal of the
            // oldest entry puts it back there), or the deque is empty: the deque's new
            // first entry.
            None if self
                .older
                .last_key_value()
                .is_none_or(|(last, _)| key > *last) =>
            {
                if !self.newest.is_empty() {
                    self.finger += 1;
                }
                self.newest.push_front((key, value));
                None
            }
            None => self.older.insert(key, value),
        }
    }

    /// Removes `key`; returns its value.
    #[inline]
    pub fn remove(&mut self, key: &K) -> Option<V> {
        if let Some((first, _)) = self.newest.front()
            && key == first
        {
            self.finger = self.finger.saturating_sub(1);
            let removed = self.newest.pop_front();
            self.shrink_when_sparse();
            return removed.map(|(_, value)| value);
        }
        self.remove_far(key)
    }

    #[inline(never)]
    fn remove_far(&mut self, key: &K) -> Option<V> {
        let at = match self.find_newest(key) {
            None => return self.older.remove(key),
            Some(Err(_)) => return None,
            Some(Ok(at)) => at,
        };
        let removed = if at + 1 == self.newest.len() {
            self.newest.pop_back()
        } else if at.min(self.newest.len() - 1 - at) <= SHIFT {
            if self.finger > at {
                self.finger -= 1;
            }
            self.newest.remove(at)
        } else {
            // What is before it goes to the tree, so that it is first.
            self.spill(at);
            self.finger = self.finger.saturating_sub(1);
            self.newest.pop_front()
        };
        self.shrink_when_sparse();
        removed.map(|(_, value)| value)
    }

    /// Moves the deque's first `count` entries to the tree. They are above every key of
    /// the tree and ascending, so each is inserted at its end.
    fn spill(&mut self, count: usize) {
        if count > 0 {
            self.older.extend(self.newest.drain(..count));
            self.finger = self.finger.saturating_sub(count);
            self.shrink_when_sparse();
        }
    }
}

// `older` then `newest` is the whole map in order, whichever entries each part holds, so
// every comparison goes through `iter` rather than the two parts.

impl<K: PartialEq, V: PartialEq> PartialEq for OrdMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<K: Eq, V: Eq> Eq for OrdMap<K, V> {}

impl<K: PartialOrd, V: PartialOrd> PartialOrd for OrdMap<K, V> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.iter().partial_cmp(other.iter())
    }
}

impl<K: Ord, V: Ord> Ord for OrdMap<K, V> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl<K: Hash, V: Hash> Hash for OrdMap<K, V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.len().hash(state);
        for entry in self {
            entry.hash(state);
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for OrdMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// `map[&key]`, as for `BTreeMap`: for tests and callers that know the key is there.
/// Generated code never indexes; it looks entries up with `get`.
///
/// # Panics
///
/// If the map does not hold `key`.
impl<K: Ord, V> std::ops::Index<&K> for OrdMap<K, V> {
    type Output = V;

    fn index(&self, key: &K) -> &V {
        self.get(key).expect("no entry for the key in the OrdMap")
    }
}

impl<K, V> Default for OrdMap<K, V> {
    fn default() -> Self {
        OrdMap::new()
    }
}

impl<K: Ord, V> Extend<(K, V)> for OrdMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (key, value) in entries {
            self.insert(key, value);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for OrdMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = OrdMap::new();
        map.extend(entries);
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for OrdMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K: Ord, V> From<BTreeMap<K, V>> for OrdMap<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        OrdMap {
            older: map,
            newest: VecDeque::new(),
            finger: 0,
        }
    }
}

impl<K, V> From<OrdMap<K, V>> for BTreeMap<K, V>
where
    K: Ord,
{
    fn from(map: OrdMap<K, V>) -> Self {
        let mut tree = map.older;
        tree.extend(map.newest);
        tree
    }
}

/// The entries of an [`OrdMap`] in ascending key order, by reference.
#[derive(Clone)]
pub struct Iter<'a, K, V> {
    older: btree_map::Iter<'a, K, V>,
    newest: vec_deque::Iter<'a, (K, V)>,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.older
            .next()
            .or_else(|| self.newest.next().map(|(k, v)| (k, v)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.len();
        (len, Some(len))
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self.newest.next_back() {
            Some((k, v)) => Some((k, v)),
            None => self.older.next_back(),
        }
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {
    fn len(&self) -> usize {
        self.older.len() + self.newest.len()
    }
}

impl<K, V> FusedIterator for Iter<'_, K, V> {}

impl<'a, K, V> IntoIterator for &'a OrdMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

/// The entries of an [`OrdMap`] in ascending key order, by value.
pub struct IntoIter<K, V> {
    older: btree_map::IntoIter<K, V>,
    newest: vec_deque::IntoIter<(K, V)>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.older.next().or_else(|| self.newest.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.len();
        (len, Some(len))
    }
}

impl<K, V> DoubleEndedIterator for IntoIter<K, V> {
    fn next_back(&mut self) -> Option<(K, V)> {
        self.newest.next_back().or_else(|| self.older.next_back())
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {
    fn len(&self) -> usize {
        self.older.len() + self.newest.len()
    }
}

impl<K, V> FusedIterator for IntoIter<K, V> {}

impl<K, V> IntoIterator for OrdMap<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter {
            older: self.older.into_iter(),
            newest: self.newest.into_iter(),
        }
    }
}

#[cfg(test)]
mod tests;
