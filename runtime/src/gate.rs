//! A session's mutation gate: an async mutex that serialises every multi-step operation on
//! the session, first come, first served, plus one way in that does not queue.
//!
//! `lock` queues: when the holder releases the gate it is handed straight to the operation
//! at the head of the queue, even before that operation's task runs again. That keeps
//! queued operations in the order they were called. The price is a convoy when two parties
//! keep wanting the gate back at once (the runtime loop with an executor that returns
//! immediately, and a caller accepting input after input): each hand-off waits for a task
//! switch, and every accept finds the gate handed to someone else.
//!
//! `lock_when_free` is that way out, for accepts: it waits, holding no place in the queue,
//! until the gate is free with nobody queued for it, and only then takes it. It never
//! overtakes a queued operation, and while it waits it holds nothing, so a caller that
//! stops polling it cannot stall the session. Operations that keep queueing could keep it
//! out for ever, so once it has been woken three times without getting the gate (each
//! release wakes one waiter), it queues like everyone else.

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering, fence};
use tokio::sync::{Mutex, MutexGuard, Notify};

#[derive(Debug, Default)]
pub(crate) struct Gate {
    mutex: Mutex<()>,
    /// Notified once per release while someone waits in `lock_when_free`: one waiter
    /// wakes and tries, instead of all of them racing for the one gate.
    released: Notify,
    /// How many callers wait in `lock_when_free`; releases skip the notification when
    /// none does.
    waiting: AtomicUsize,
}

/// Holds the gate; dropping it releases the gate.
pub(crate) struct GateGuard<'a> {
    /// `None` only inside `drop`, which releases it before telling the waiters.
    guard: Option<MutexGuard<'a, ()>>,
    gate: &'a Gate,
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        // Released before the waiters are told, so that a woken waiter can find it free.
        self.guard.take();
        self.gate.tell_a_waiter();
    }
}

impl Gate {
    /// Takes the gate, queueing first come, first served behind the holder and every
    /// operation already queued.
    pub async fn lock(&self) -> GateGuard<'_> {
        // A queued caller that gives up after the gate was handed to it returns the gate
        // without a `GateGuard` ever being dropped; this tells a waiter instead. Declared
        // before `acquire`, so it is dropped after it, once the gate is back.
        let mut abandoned = Abandoned(Some(self));
        let acquire = pin!(self.mutex.lock());
        let guard = acquire.await;
        abandoned.0 = None;
        self.guarded(guard)
    }

    /// Takes the gate if it is free and nobody is queued for it.
    pub fn try_lock(&self) -> Option<GateGuard<'_>> {
        self.mutex.try_lock().ok().map(|guard| self.guarded(guard))
    }

    /// Takes the gate once it is free and nobody is queued for it, without joining the
    /// queue while it waits (see the module documentation).
    pub async fn lock_when_free(&self) -> GateGuard<'_> {
        if let Some(guard) = self.try_lock() {
            return guard;
        }
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let waiting = WaitingCount(&self.waiting);
        for _ in 0..Gate::FREE_ATTEMPTS {
            // Registered before the attempt, so a release between the two is not missed; a
            // waiter that loses the race to someone else waits for the next release.
            let mut released = pin!(self.released.notified());
            released.as_mut().enable();
            fence(Ordering::SeqCst);
            if let Some(guard) = self.try_lock() {
                return guard;
            }
            released.await;
        }
        drop(waiting);
        self.lock().await
    }

    /// How many times `lock_when_free` is woken without getting the gate before it queues
    /// instead.
    const FREE_ATTEMPTS: usize = 3;

    /// Wakes one `lock_when_free` waiter, if any, after the gate was let go. The fence pairs
    /// with the one in `lock_when_free`: either this sees the waiter's count, or the
    /// waiter's `try_lock` sees the gate free. With no waiter registered at this instant,
    /// the notification is kept for the next one; a woken waiter whose caller gives up
    /// passes it on.
    fn tell_a_waiter(&self) {
        fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::Relaxed) > 0 {
            self.released.notify_one();
        }
    }

    fn guarded<'a>(&'a self, guard: MutexGuard<'a, ()>) -> GateGuard<'a> {
        GateGuard {
            guard: Some(guard),
            gate: self,
        }
    }
}

/// Armed while `Gate::lock` waits; if the wait is abandoned, tells a waiter.
struct Abandoned<'a>(Option<&'a Gate>);

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        if let Some(gate) = self.0 {
            gate.tell_a_waiter();
        }
    }
}

/// Counts one caller in `Gate::waiting` for as long as it lives, including when the
/// caller's future is dropped while it waits.
struct WaitingCount<'a>(&'a AtomicUsize);

impl Drop for WaitingCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::time::timeout;

    const LONG: Duration = Duration::from_secs(5);

    /// Takes the gate, then starts a task waiting in `lock_when_free` (which takes the gate
    /// and lets it go again at once) and lets it start waiting.
    async fn held_with_a_waiter(gate: &Arc<Gate>) -> (GateGuard<'_>, tokio::task::JoinHandle<()>) {
        let held = gate.lock().await;
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move {
                let _guard = gate.lock_when_free().await;
            })
        };
        tokio::task::yield_now().await;
        assert_eq!(gate.waiting.load(Ordering::Relaxed), 1);
        (held, waiter)
    }

    #[tokio::test]
    async fn a_free_gate_is_taken_at_once_either_way() {
        let gate = Gate::default();
        let held = gate.lock_when_free().await;
        assert!(gate.try_lock().is_none());
        drop(held);
        let held = gate.lock().await;
        drop(held);
        assert!(gate.try_lock().is_some());
    }

    /// A caller waiting for a free gate takes it when the holder lets go.
    #[tokio::test]
    async fn a_waiter_takes_the_gate_when_it_is_released() {
        let gate = Arc::new(Gate::default());
        let (held, waiter) = held_with_a_waiter(&gate).await;
        drop(held);
        timeout(LONG, waiter)
            .await
            .expect("woken")
            .expect("no panic");
        assert_eq!(gate.waiting.load(Ordering::Relaxed), 0);
        assert!(gate.try_lock().is_some(), "the waiter let go too");
    }

    /// An operation queued with `lock` goes before a caller waiting for a free gate, even
    /// one that started waiting first.
    #[tokio::test(flavor = "current_thread")]
    async fn a_queued_operation_goes_first() {
        let gate = Arc::new(Gate::default());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = gate.lock().await;
        let spawn = |name: &'static str, queue: bool| {
            let (gate, order) = (gate.clone(), order.clone());
            tokio::spawn(async move {
                let _guard = if queue {
                    gate.lock().await
                } else {
                    gate.lock_when_free().await
                };
                order.lock().unwrap().push(name);
                tokio::task::yield_now().await;
            })
        };
        let free = spawn("free", false);
        tokio::task::yield_now().await;
        let queued = spawn("queued", true);
        tokio::task::yield_now().await;
        drop(held);
        timeout(LONG, async {
            queued.await.unwrap();
            free.await.unwrap();
        })
        .await
        .expect("both finish");
        assert_eq!(*order.lock().unwrap(), ["queued", "free"]);
    }

    /// A waiter whose caller stops polling holds nothing: the gate stays usable, and the
    /// count of waiters goes back down.
    #[tokio::test]
    async fn a_dropped_waiter_leaves_nothing_behind() {
        let gate = Gate::default();
        let held = gate.lock().await;
        assert!(
            timeout(Duration::from_millis(10), gate.lock_when_free())
                .await
                .is_err()
        );
        assert_eq!(gate.waiting.load(Ordering::Relaxed), 0);
        drop(held);
        assert!(gate.try_lock().is_some());
    }

    /// Many callers waiting for a free gate at once, on several threads: each gets it,
    /// every time, with no wake-up lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_waiters_all_get_through() {
        let gate = Arc::new(Gate::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let (gate, inside) = (gate.clone(), inside.clone());
                tokio::spawn(async move {
                    for _ in 0..50 {
                        let _guard = if i % 4 == 0 {
                            gate.lock().await
                        } else {
                            gate.lock_when_free().await
                        };
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "one holder");
                        tokio::task::yield_now().await;
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        timeout(LONG, async {
            for task in tasks {
                task.await.expect("no panic");
            }
        })
        .await
        .expect("every waiter got through");
        assert_eq!(gate.waiting.load(Ordering::Relaxed), 0);
    }

    /// A queued caller that gives up after the gate was handed to it returns the gate
    /// without a guard being dropped; a caller waiting for a free gate still hears of it.
    #[tokio::test(flavor = "current_thread")]
    async fn an_abandoned_queued_lock_still_wakes_a_waiter() {
        use std::future::Future;
        use std::task::{Context, Poll};
        let gate = Arc::new(Gate::default());
        let (held, waiter) = held_with_a_waiter(&gate).await;
        // Queued, polled once, then abandoned after the gate was handed to it.
        let mut queued = Box::pin(gate.lock());
        let waker = futures_util::task::noop_waker();
        assert!(matches!(
            queued.as_mut().poll(&mut Context::from_waker(&waker)),
            Poll::Pending
        ));
        drop(held);
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        drop(queued);
        timeout(LONG, waiter)
            .await
            .expect("the waiter was told")
            .expect("no panic");
    }

    /// Two operations that always queue while the other holds the gate never leave it
    /// free; a caller waiting for a free gate gets in by queueing after a few wake-ups.
    #[tokio::test(flavor = "current_thread")]
    async fn a_waiter_is_not_kept_out_by_a_queue_that_never_empties() {
        let gate = Arc::new(Gate::default());
        let busy: Vec<_> = (0..2)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    loop {
                        let _guard = gate.lock().await;
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        tokio::task::yield_now().await;
        let waited = timeout(LONG, gate.lock_when_free()).await;
        for task in busy {
            task.abort();
        }
        assert!(waited.is_ok(), "the waiter got the gate");
    }
}
