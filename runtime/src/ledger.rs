//! The shell's side of the inputs a session remembers.
//!
//! The kernel names inputs by `u64` handles, so its maps compare integers instead of
//! strings. The ledger assigns them: one handle per caller id the kernel remembers, so an id
//! the kernel still knows gets its old handle back (and the kernel can refuse it as a
//! duplicate). It also keeps what only the shell needs per input: the id itself, whether
//! it has store rows, the body the executor is handed, the last executor error and the
//! completion waiters.
//!
//! It mirrors the kernel's `inputs` map and decides nothing: an entry is added when an
//! accept reserves a handle (and released if the kernel does not admit it), dropped when
//! the kernel evicts the input, and cleared when the kernel forgets every input.

use crate::completion::{CompletionHandle, CompletionOutcome, Waiters};
use crate::input::RuntimeInput;
use crate::types::{Durability, InputId};
use foldhash::HashMap;
use std::collections::hash_map;
use std::sync::Arc;

/// What the shell keeps about one remembered input.
#[derive(Debug)]
struct Entry {
    id: InputId,
    /// Durable inputs have store rows.
    durable: bool,
    /// The body the executor is handed; `None` once the input is terminal.
    payload: Option<Arc<RuntimeInput>>,
    /// The error of the input's last failed run: for its waiters if it gives up, and kept
    /// after it ends unless it was consumed, for `input_state`. A `Box<str>`, like the
    /// boxed joins of `Waiters`, keeps the entry of every remembered input small.
    error: Option<Box<str>>,
    /// Kept here rather than in a table of their own: an accept and an input's end each
    /// look the entry up anyway.
    waiters: Waiters,
}

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    handles: HashMap<InputId, u64>,
    entries: HashMap<u64, Entry>,
    /// The next fresh handle; handles are never reused within a session.
    next: u64,
    /// Waiters whose entry went (`forget_all`, or a bug in the shell), by handle, until
    /// `resolve_all_waiters` tells them.
    orphans: Vec<(u64, Waiters)>,
}

impl Ledger {
    /// The handle of `input`'s id: the one it has while the kernel remembers it, otherwise a
    /// fresh one, reserved until the caller `forget`s it (the kernel did not admit the
    /// input) or the kernel forgets it. Returns whether the handle is fresh.
    pub fn reserve(&mut self, input: &RuntimeInput) -> (u64, bool) {
        // One lookup of the id (a string hash) whether or not it is known.
        let slot = match self.handles.entry(input.id().clone()) {
            hash_map::Entry::Occupied(known) => return (*known.get(), false),
            hash_map::Entry::Vacant(slot) => slot,
        };
        self.next += 1;
        let handle = self.next;
        slot.insert(handle);
        self.entries.insert(
            handle,
            Entry {
                id: input.id().clone(),
                durable: input.header.durability == Durability::Durable,
                payload: None,
                error: None,
                waiters: Waiters::None,
            },
        );
        (handle, true)
    }

    /// The handle of a remembered id.
    pub fn handle(&self, id: &InputId) -> Option<u64> {
        self.handles.get(id).copied()
    }

    /// The caller's id behind `handle`. Every handle the kernel names is in the ledger; a
    /// missing one is a shell bug, reported and shown as `#handle` rather than a panic.
    pub fn id(&self, handle: u64) -> InputId {
        match self.entries.get(&handle) {
            Some(entry) => entry.id.clone(),
            None => {
                tracing::error!(handle, "the kernel named an input the ledger does not know");
                InputId::from(format!("#{handle}"))
            }
        }
    }

    /// Whether the input has store rows.
    pub fn is_durable(&self, handle: u64) -> bool {
        self.entries.get(&handle).is_some_and(|e| e.durable)
    }

    /// The caller's id behind `handle` (see `id`) and whether the input has store rows,
    /// with one lookup.
    pub fn id_and_durability(&self, handle: u64) -> (InputId, bool) {
        match self.entries.get(&handle) {
            Some(entry) => (entry.id.clone(), entry.durable),
            None => (self.id(handle), false),
        }
    }

    /// The caller's id behind `handle` if the input has store rows, with one lookup.
    pub fn durable_id(&self, handle: u64) -> Option<InputId> {
        self.entries
            .get(&handle)
            .filter(|e| e.durable)
            .map(|e| e.id.clone())
    }

    /// Keeps the body of an admitted input for the executor, and registers its first
    /// waiter: one lookup for both.
    pub fn admit(&mut self, handle: u64, input: Arc<RuntimeInput>) -> CompletionHandle {
        self.add_waiter(handle, Some(input))
    }

    /// The body (shared, not copied), for the executor.
    pub fn payload(&self, handle: u64) -> Option<Arc<RuntimeInput>> {
        self.entries.get(&handle).and_then(|e| e.payload.clone())
    }

    /// Keeps `error` for a live input's waiters; an input that already ended (a control
    /// operation finished it while its run failed) keeps the error it ended with.
    pub fn remember_error(&mut self, handle: u64, error: &str) {
        if let Some(entry) = self.entries.get_mut(&handle)
            && entry.payload.is_some()
        {
            entry.error = Some(error.into());
        }
    }

    pub fn last_error(&self, handle: u64) -> Option<String> {
        self.entries
            .get(&handle)
            .and_then(|e| e.error.as_deref().map(str::to_string))
    }

    /// A waiter for the input behind `handle` (a join on it).
    pub fn register_waiter(&mut self, handle: u64) -> CompletionHandle {
        self.add_waiter(handle, None)
    }

    /// A waiter for the input behind `handle`, keeping `body` for the executor if given.
    fn add_waiter(&mut self, handle: u64, body: Option<Arc<RuntimeInput>>) -> CompletionHandle {
        match self.entries.get_mut(&handle) {
            Some(entry) => {
                if body.is_some() {
                    entry.payload = body;
                }
                entry.waiters.add(entry.id.clone())
            }
            None => self.orphan_waiter(handle),
        }
    }

    /// A waiter for a handle the ledger does not know, a shell bug (see `id`): kept with the
    /// orphans, so that `resolve_all_waiters` still tells it.
    fn orphan_waiter(&mut self, handle: u64) -> CompletionHandle {
        let mut waiters = Waiters::None;
        let waiter = waiters.add(self.id(handle));
        self.orphans.push((handle, waiters));
        waiter
    }

    /// The input is terminal: its waiters learn `outcome`, its body goes and `error` (its
    /// last run error; `None` for a consumed input) stays. The entry stays while the kernel
    /// remembers the input.
    pub fn finish(&mut self, handle: u64, outcome: CompletionOutcome, error: Option<String>) {
        if let Some(entry) = self.entries.get_mut(&handle) {
            entry.waiters.resolve(outcome);
            entry.payload = None;
            entry.error = error.map(String::into_boxed_str);
        }
    }

    /// Drops a handle: the kernel evicted its input, or did not admit a reserved one.
    pub fn forget(&mut self, handle: u64) {
        if let Some(entry) = self.entries.remove(&handle) {
            self.handles.remove(&entry.id);
            // A terminal input's waiters were told already; only a shell bug leaves some.
            if !entry.waiters.is_empty() {
                self.orphans.push((handle, entry.waiters));
            }
            crate::tables::shrink_when_sparse(&mut self.entries);
            crate::tables::shrink_when_sparse(&mut self.handles);
        }
    }

    /// The kernel forgot every input (reset, destroy, unregister). Waiters still pending are
    /// kept: the caller resolves them. The tables are freed, not just emptied: sized for
    /// the whole remembered-input window (and the longest backlog the session ever had),
    /// they would stay that size for good in a destroyed session, which the runtime keeps.
    pub fn forget_all(&mut self) {
        let entries = std::mem::take(&mut self.entries);
        self.orphans.extend(
            entries
                .into_iter()
                .filter(|(_, entry)| !entry.waiters.is_empty())
                .map(|(handle, entry)| (handle, entry.waiters)),
        );
        self.handles = HashMap::default();
    }

    /// How many inputs the ledger remembers (the kernel's `inputs` has as many).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Resolves every remaining waiter with `outcome`; returns how many there were.
    pub fn resolve_all_waiters(
        &mut self,
        mut outcome: impl FnMut(&u64) -> CompletionOutcome,
    ) -> usize {
        let mut resolved = 0;
        for (handle, entry) in &mut self.entries {
            if !entry.waiters.is_empty() {
                resolved += entry.waiters.resolve(outcome(handle));
            }
        }
        for (handle, mut waiters) in std::mem::take(&mut self.orphans) {
            resolved += waiters.resolve(outcome(&handle));
        }
        resolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::completion::TerminationReason;

    #[test]
    fn a_remembered_id_keeps_its_handle_and_a_forgotten_one_gets_a_new_one() {
        let mut ledger = Ledger::default();
        let a = RuntimeInput::prompt("a", "x");
        let (h, fresh) = ledger.reserve(&a);
        assert!(fresh);
        assert_eq!(ledger.reserve(&a), (h, false));
        assert_eq!(ledger.id(h), InputId::from("a"));
        assert_eq!(ledger.id_and_durability(h), (InputId::from("a"), true));
        assert_eq!(ledger.durable_id(h), Some(InputId::from("a")));
        assert_eq!(ledger.handle(&InputId::from("a")), Some(h));
        ledger.forget(h);
        assert_eq!(ledger.handle(&InputId::from("a")), None);
        let (again, fresh) = ledger.reserve(&a);
        assert!(fresh);
        assert_ne!(again, h, "handles are never reused");
        assert_eq!(ledger.len(), 1);
    }

    #[test]
    fn an_ephemeral_input_has_an_id_but_no_durable_id() {
        let mut ledger = Ledger::default();
        let input = RuntimeInput::prompt("e", "x").durability(Durability::Ephemeral);
        let (h, _) = ledger.reserve(&input);
        assert!(!ledger.is_durable(h));
        assert_eq!(ledger.id_and_durability(h), (InputId::from("e"), false));
        assert_eq!(ledger.durable_id(h), None);
    }

    /// The tables give back the room a backlog made them grow to once its inputs are
    /// forgotten: they do not stay sized for the largest backlog for good.
    #[test]
    fn forgetting_a_drained_backlog_gives_its_room_back() {
        let mut ledger = Ledger::default();
        let handles: Vec<u64> = (0..10_000)
            .map(|i| {
                ledger
                    .reserve(&RuntimeInput::prompt(format!("i{i}"), "x"))
                    .0
            })
            .collect();
        let waiters: Vec<_> = handles.iter().map(|&h| ledger.register_waiter(h)).collect();
        assert!(ledger.entries.capacity() >= 10_000 && ledger.handles.capacity() >= 10_000);
        for &h in &handles[10..] {
            ledger.finish(h, CompletionOutcome::Cancelled, None);
            ledger.forget(h);
        }
        assert_eq!(ledger.len(), 10);
        let kept = [ledger.entries.capacity(), ledger.handles.capacity()];
        assert!(
            kept.iter().all(|&c| c <= 128),
            "{kept:?} slots kept for 10 inputs"
        );
        drop(waiters);
    }

    #[test]
    fn a_released_reservation_leaves_nothing() {
        let mut ledger = Ledger::default();
        let (h, _) = ledger.reserve(&RuntimeInput::prompt("a", "x"));
        ledger.forget(h);
        assert_eq!(ledger.len(), 0);
        assert_eq!(ledger.handle(&InputId::from("a")), None);
    }

    #[tokio::test]
    async fn finishing_resolves_waiters_and_drops_the_body() {
        let mut ledger = Ledger::default();
        let input = Arc::new(RuntimeInput::prompt("a", "x"));
        let (h, _) = ledger.reserve(&input);
        let waiter = ledger.admit(h, input.clone());
        ledger.remember_error(h, "boom");
        assert_eq!(waiter.input(), &InputId::from("a"));
        assert_eq!(ledger.payload(h), Some(input));
        assert_eq!(ledger.last_error(h).as_deref(), Some("boom"));
        ledger.finish(h, CompletionOutcome::Cancelled, Some("boom".into()));
        assert_eq!(waiter.await, CompletionOutcome::Cancelled);
        assert_eq!(ledger.payload(h), None);
        assert_eq!(ledger.last_error(h).as_deref(), Some("boom"));
        ledger.remember_error(h, "late");
        assert_eq!(
            ledger.last_error(h).as_deref(),
            Some("boom"),
            "a finished input's error no longer changes"
        );
        assert_eq!(ledger.len(), 1, "the kernel still remembers it");
    }

    #[tokio::test]
    async fn forgetting_everything_keeps_pending_waiters_for_the_caller() {
        let mut ledger = Ledger::default();
        let (h, _) = ledger.reserve(&RuntimeInput::prompt("a", "x"));
        let waiter = ledger.register_waiter(h);
        ledger.forget_all();
        assert_eq!(ledger.len(), 0);
        let reason = TerminationReason::Unregistered;
        let outcome = CompletionOutcome::RuntimeTerminated { reason };
        assert_eq!(ledger.resolve_all_waiters(|_| outcome.clone()), 1);
        assert_eq!(waiter.await, outcome);
    }

    fn done(text: &str) -> CompletionOutcome {
        CompletionOutcome::Completed(crate::executor::RunOutput::text(text))
    }

    fn reserved(ledger: &mut Ledger, id: &str) -> u64 {
        ledger.reserve(&RuntimeInput::prompt(id, "x")).0
    }

    #[tokio::test]
    async fn finishing_one_input_leaves_the_others_waiting_and_joins_share_its_outcome() {
        let mut ledger = Ledger::default();
        let (a, b) = (reserved(&mut ledger, "a"), reserved(&mut ledger, "b"));
        let first = ledger.register_waiter(a);
        let joined = ledger.register_waiter(a);
        let mut other = ledger.register_waiter(b);
        assert_eq!(joined.input(), &InputId::from("a"));
        ledger.finish(a, done("a"), None);
        assert_eq!(first.await, done("a"));
        assert_eq!(joined.await, done("a"));
        assert_eq!(
            futures_util::FutureExt::now_or_never(&mut other),
            None,
            "b must still be waiting"
        );
        // Only b's waiter is left to resolve.
        assert_eq!(
            ledger.resolve_all_waiters(|_| CompletionOutcome::Cancelled),
            1
        );
        assert_eq!(other.await, CompletionOutcome::Cancelled);
        assert_eq!(
            ledger.resolve_all_waiters(|_| CompletionOutcome::Cancelled),
            0
        );
    }

    /// Every pending waiter, in an entry or left over from `forget_all`, gets the outcome
    /// chosen for its input's handle, once.
    #[tokio::test]
    async fn resolve_all_picks_each_inputs_outcome() {
        let mut ledger = Ledger::default();
        let a = reserved(&mut ledger, "a");
        let wa = ledger.register_waiter(a);
        ledger.forget_all();
        let b = reserved(&mut ledger, "b");
        let (wb1, wb2) = (ledger.register_waiter(b), ledger.register_waiter(b));
        drop(ledger.register_waiter(b));
        let reset = CompletionOutcome::RuntimeTerminated {
            reason: TerminationReason::Reset,
        };
        let n = ledger.resolve_all_waiters(|&h| {
            if h == a {
                CompletionOutcome::Cancelled
            } else {
                reset.clone()
            }
        });
        assert_eq!(n, 4, "dropped handles are counted too");
        assert_eq!(wa.await, CompletionOutcome::Cancelled);
        assert_eq!(wb1.await, reset);
        assert_eq!(wb2.await, reset);
        assert_eq!(
            ledger.resolve_all_waiters(|_| CompletionOutcome::Cancelled),
            0
        );
    }

    #[tokio::test]
    async fn a_dropped_ledger_terminates_its_waiters() {
        let mut ledger = Ledger::default();
        let a = reserved(&mut ledger, "a");
        let waiter = ledger.register_waiter(a);
        drop(ledger);
        assert_eq!(
            waiter.await,
            CompletionOutcome::RuntimeTerminated {
                reason: TerminationReason::Dropped
            }
        );
    }

    /// A waiter on a handle the ledger does not know (a shell bug) is not lost: it is
    /// named `#handle` and told by `resolve_all_waiters`.
    #[tokio::test]
    async fn a_waiter_on_an_unknown_handle_is_still_told() {
        let mut ledger = Ledger::default();
        let waiter = ledger.register_waiter(9);
        assert_eq!(waiter.input(), &InputId::from("#9"));
        assert_eq!(
            ledger.resolve_all_waiters(|_| CompletionOutcome::Cancelled),
            1
        );
        assert_eq!(waiter.await, CompletionOutcome::Cancelled);
    }

    #[tokio::test]
    async fn every_waiter_resolves_exactly_once_across_tasks() {
        use std::sync::Mutex;
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let handles: Vec<u64> = (0..50)
            .map(|i| reserved(&mut ledger.lock().unwrap(), &format!("i{i}")))
            .collect();
        let waiters: Vec<_> = (0..200)
            .map(|i| ledger.lock().unwrap().register_waiter(handles[i % 50]))
            .collect();
        let mut resolvers = Vec::new();
        for t in 0..4 {
            let (ledger, handles) = (ledger.clone(), handles.clone());
            resolvers.push(tokio::spawn(async move {
                for &h in &handles {
                    ledger
                        .lock()
                        .unwrap()
                        .finish(h, done(&format!("t{t}")), None);
                    tokio::task::yield_now().await;
                }
            }));
        }
        for r in resolvers {
            r.await.unwrap();
        }
        let left = ledger
            .lock()
            .unwrap()
            .resolve_all_waiters(|_| CompletionOutcome::Cancelled);
        assert_eq!(left, 0, "every waiter was told");
        for w in waiters {
            let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), w.wait())
                .await
                .expect("every waiter resolves");
            assert!(matches!(outcome, CompletionOutcome::Completed(_)));
        }
    }

    #[test]
    fn an_unknown_handle_is_named_not_a_panic() {
        let ledger = Ledger::default();
        assert_eq!(ledger.id(7), InputId::from("#7"));
        assert!(!ledger.is_durable(7));
        assert_eq!(ledger.id_and_durability(7), (InputId::from("#7"), false));
        assert_eq!(ledger.durable_id(7), None);
        assert_eq!(ledger.payload(7), None);
    }
}
