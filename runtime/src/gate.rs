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
//!
//! The gate itself is a flag and a queue under a std mutex, held only for a few
//! instructions and never across an await. Taking and releasing a free gate costs one
//! uncontended lock each; tokio's `Mutex` costs several times that on release, which takes
//! its waiter list's lock whether or not anyone waits.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::sync::Notify;

#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: Mutex<State>,
    /// Notified once per release while someone waits in `lock_when_free`: one waiter
    /// wakes and tries, instead of all of them racing for the one gate.
    released: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Someone holds the gate, or it was handed to `handed_to`, which has not taken it yet.
    held: bool,
    /// Callers queued in `lock`, first come first served, with the waker of each.
    queue: VecDeque<(u64, Waker)>,
    /// The queued caller the gate was handed to on release; it takes the gate when it is
    /// polled again, or passes it on if it is dropped first.
    handed_to: Option<u64>,
    /// Numbers the queued callers.
    next_ticket: u64,
    /// How many callers wait in `lock_when_free`; releases skip the notification when
    /// none does. Counted under the same lock as `held`, so a release and a waiter that
    /// finds the gate held see each other without a fence.
    waiting: usize,
}

impl Gate {
    /// Takes the gate, queueing first come, first served behind the holder and every
    /// operation already queued.
    pub fn lock(&self) -> Lock<'_> {
        Lock {
            gate: self,
            ticket: None,
        }
    }

    /// Takes the gate if it is free and nobody is queued for it.
    pub fn try_lock(&self) -> Option<GateGuard<'_>> {
        let mut state = self.state();
        // A queue or a hand-off in progress means the gate is held.
        if state.held {
            return None;
        }
        state.held = true;
        Some(GateGuard { gate: self })
    }

    /// Takes the gate once it is free and nobody is queued for it, without joining the
    /// queue while it waits (see the module documentation).
    pub async fn lock_when_free(&self) -> GateGuard<'_> {
        if let Some(guard) = self.try_lock() {
            return guard;
        }
        let mut waiting = Waiting {
            gate: self,
            counted: false,
        };
        for _ in 0..Gate::FREE_ATTEMPTS {
            // Registered before the attempt, so a release after it is not missed; a waiter
            // that loses the race to someone else waits for the next release.
            let mut released = pin!(self.released.notified());
            released.as_mut().enable();
            {
                let mut state = self.state();
                if !state.held {
                    state.held = true;
                    return GateGuard { gate: self };
                }
                if !waiting.counted {
                    state.waiting += 1;
                    waiting.counted = true;
                }
            }
            released.await;
        }
        drop(waiting);
        self.lock().await
    }

    /// How many times `lock_when_free` is woken without getting the gate before it queues
    /// instead.
    const FREE_ATTEMPTS: usize = 3;

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it, so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets the gate go: to the head of the queue if anyone is queued (woken after the
    /// lock is released), else free. Either way a `lock_when_free` waiter is told: one
    /// that finds the gate handed on counts a failed attempt, and after a few it queues.
    /// With a `lock_when_free` waiter, one is notified (with none waiting at that instant,
    /// the notification is kept for the next one; a woken waiter whose caller gives up
    /// passes it on).
    fn release(&self) {
        let (next, tell) = {
            let mut state = self.state();
            let next = match state.queue.pop_front() {
                Some((ticket, waker)) => {
                    state.handed_to = Some(ticket);
                    Some(waker)
                }
                None => {
                    state.held = false;
                    None
                }
            };
            (next, state.waiting > 0)
        };
        if let Some(waker) = next {
            waker.wake();
        }
        if tell {
            self.released.notify_one();
        }
    }
}

/// Holds the gate; dropping it releases the gate.
pub(crate) struct GateGuard<'a> {
    gate: &'a Gate,
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        self.gate.release();
    }
}

/// `Gate::lock`'s future. Dropped while queued, it leaves the queue; dropped after the
/// gate was handed to it but before it took it, it passes the gate on.
pub(crate) struct Lock<'a> {
    gate: &'a Gate,
    /// Its place in the queue, once it queued.
    ticket: Option<u64>,
}

impl<'a> Future for Lock<'a> {
    type Output = GateGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<GateGuard<'a>> {
        let gate = self.gate;
        let mut state = gate.state();
        match self.ticket {
            None if !state.held => {
                state.held = true;
                return Poll::Ready(GateGuard { gate });
            }
            None => {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.queue.push_back((ticket, cx.waker().clone()));
                self.ticket = Some(ticket);
            }
            Some(ticket) if state.handed_to == Some(ticket) => {
                state.handed_to = None;
                self.ticket = None;
                return Poll::Ready(GateGuard { gate });
            }
            Some(ticket) => {
                // Still queued: keep the latest waker.
                if let Some((_, waker)) = state.queue.iter_mut().find(|(t, _)| *t == ticket)
                    && !waker.will_wake(cx.waker())
                {
                    *waker = cx.waker().clone();
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else {
            return;
        };
        let mut state = self.gate.state();
        if state.handed_to == Some(ticket) {
            state.handed_to = None;
            drop(state);
            self.gate.release();
        } else {
            state.queue.retain(|(t, _)| *t != ticket);
        }
    }
}

/// Counts one `lock_when_free` caller in `State::waiting`, once it has found the gate held,
/// for as long as it lives, including when the caller's future is dropped while it waits.
struct Waiting<'a> {
    gate: &'a Gate,
    counted: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.counted {
            self.gate.state().waiting -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
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
        assert_eq!(gate.state().waiting, 1);
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
        assert_eq!(gate.state().waiting, 0);
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
        assert_eq!(gate.state().waiting, 0);
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
        assert_eq!(gate.state().waiting, 0);
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

    /// Queued operations get the gate in the order they asked; one that gave up while
    /// queued is skipped, and one that gave up after the gate was handed to it passes it on
    /// to the next.
    #[tokio::test(flavor = "current_thread")]
    async fn queued_operations_go_in_order_and_leavers_are_skipped() {
        use std::future::Future;
        use std::task::Context;
        let gate = Arc::new(Gate::default());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = gate.lock().await;
        let waker = futures_util::task::noop_waker();
        let poll_once = |lock: &mut Pin<Box<Lock<'_>>>| {
            lock.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        };
        // Queued first, then given up while still queued.
        let mut left_queued = Box::pin(gate.lock());
        assert!(poll_once(&mut left_queued));
        // Queued second; the gate will be handed to it, and it gives up before taking it.
        let mut left_handed = Box::pin(gate.lock());
        assert!(poll_once(&mut left_handed));
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let (gate, order) = (gate.clone(), order.clone());
                tokio::spawn(async move {
                    let _guard = gate.lock().await;
                    order.lock().unwrap().push(name);
                    tokio::task::yield_now().await;
                })
            })
            .collect();
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        drop(left_queued);
        drop(held);
        assert!(
            gate.state().handed_to.is_some(),
            "handed to the second queued"
        );
        drop(left_handed);
        timeout(LONG, async {
            for task in tasks {
                task.await.expect("no panic");
            }
        })
        .await
        .expect("every queued operation got the gate");
        assert_eq!(*order.lock().unwrap(), ["a", "b", "c"]);
        assert!(gate.try_lock().is_some(), "free at the end");
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
