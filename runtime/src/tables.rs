//! Tables that give back the room a drained backlog made.

/// Below this many slots a table is left as it is: shrinking it saves nothing worth a
/// reallocation.
const SMALLEST: usize = 64;

/// Gives back a table's spare room once it is mostly empty. A table grows to the largest
/// number of entries it ever held (a backlog of ten thousand queued inputs) and otherwise
/// keeps that size for good; called after each removal, this shrinks it to twice its length
/// when it falls under an eighth full, so the cost stays amortised O(1) per removal and a
/// table that holds a steady window is never resized back and forth.
///
/// An eighth, not a quarter: a table whose removals left it short of free slots doubles
/// once it is over half full, which leaves it a quarter full. Shrinking at a quarter undid
/// that growth as soon as the window dipped, and a window of 200 to 240 entries was
/// reallocated every thousand or so inserts. At an eighth, it grows back only once the
/// window has more than doubled.
pub(crate) fn shrink_when_sparse<K: std::hash::Hash + Eq, V, S: std::hash::BuildHasher>(
    table: &mut std::collections::HashMap<K, V, S>,
) {
    if table.capacity() > SMALLEST && table.len() * 8 < table.capacity() {
        table.shrink_to((table.len() * 2).max(SMALLEST));
    }
}

/// `shrink_when_sparse` for a deque, at a quarter: a deque has no tombstones, so once
/// shrunk to twice its length it must double to grow again.
pub(crate) fn shrink_deque_when_sparse<T>(deque: &mut std::collections::VecDeque<T>) {
    if deque.capacity() > SMALLEST && deque.len() * 4 < deque.capacity() {
        deque.shrink_to((deque.len() * 2).max(SMALLEST));
    }
}

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        /// Allocations made by this thread (tests run on threads of their own).
        static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    }

    /// Counts allocations per thread, so that a test can tell when a table reallocates.
    struct Counting;

    // SAFETY: defers every call to `System` unchanged and only counts them.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            // SAFETY: same contract as the caller's.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: same contract as the caller's.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    fn allocations() -> usize {
        ALLOCATIONS.with(Cell::get)
    }

    /// A table whose length stays within a steady window (a session remembering 200
    /// finished inputs with up to 40 more in flight, the waiters of a client that keeps
    /// about 220 in flight) settles at one size: it is not shrunk and grown back again and
    /// again as entries come and go.
    #[test]
    fn a_table_holding_a_steady_window_is_not_resized_back_and_forth() {
        for (low, high) in [(50, 60), (100, 120), (200, 240), (440, 460)] {
            let mut table: foldhash::HashMap<u64, u64> = Default::default();
            let (mut next, mut oldest) = (0u64, 0u64);
            while table.len() < high {
                table.insert(next, 0);
                next += 1;
            }
            let before = allocations();
            for _ in 0..20_000 {
                while table.len() < high {
                    table.insert(next, 0);
                    next += 1;
                }
                while table.len() > low {
                    table.remove(&oldest);
                    oldest += 1;
                    super::shrink_when_sparse(&mut table);
                }
            }
            // Once: the tombstones its removals leave may make it double, and then it stays.
            let resized = allocations() - before;
            assert!(
                resized <= 1,
                "a window of {low} to {high} entries reallocated the table {resized} times"
            );
        }
    }
}
