//! The runtime loop's wake-up signal. Wakes coalesce: one given while another is pending
//! adds nothing. Each side learns when the other is gone: the loop stops waiting once its
//! attachment is dropped (detached), and the attachment sees a loop whose task was dropped
//! (`is_closed`), so the session knows it has no live loop.
//!
//! Flags and one waker slot rather than a one-slot channel (whose receive gives its slot
//! back through a semaphore that takes a lock on every wake-up) or a `Notify` (which takes
//! its waiter list's lock when the loop waits): there is one waiter, so nothing needs a
//! list.

use futures_util::task::AtomicWaker;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

#[derive(Debug, Default)]
struct Signal {
    /// The loop's waker, while it waits.
    waker: AtomicWaker,
    /// A wake is pending.
    woken: AtomicBool,
    /// The sending side (the attachment) was dropped.
    detached: AtomicBool,
    /// The receiving side (the loop) was dropped.
    loop_gone: AtomicBool,
}

/// A new signal: the attachment's side and the loop's.
pub(crate) fn signal() -> (WakeSender, WakeReceiver) {
    let signal = Arc::new(Signal::default());
    (WakeSender(signal.clone()), WakeReceiver(signal))
}

/// Held by the attachment; dropping it tells the loop it is detached.
#[derive(Debug)]
pub(crate) struct WakeSender(Arc<Signal>);

impl WakeSender {
    /// Wakes the loop, or leaves one wake pending for when it next waits.
    pub fn wake(&self) {
        self.0.woken.store(true, Ordering::Release);
        self.0.waker.wake();
    }

    /// Whether the loop's side was dropped (its task is gone).
    pub fn is_closed(&self) -> bool {
        self.0.loop_gone.load(Ordering::Acquire)
    }
}

impl Drop for WakeSender {
    fn drop(&mut self) {
        self.0.detached.store(true, Ordering::Release);
        self.0.waker.wake();
    }
}

/// Held by the loop.
#[derive(Debug)]
pub(crate) struct WakeReceiver(Arc<Signal>);

impl WakeReceiver {
    /// Waits for a wake (one already pending returns at once); `None` once the attachment
    /// is gone.
    pub async fn recv(&mut self) -> Option<()> {
        let signal = &self.0;
        let ready = || {
            if signal.detached.load(Ordering::Acquire) {
                Poll::Ready(None)
            } else if signal.woken.swap(false, Ordering::AcqRel) {
                Poll::Ready(Some(()))
            } else {
                Poll::Pending
            }
        };
        std::future::poll_fn(|cx| {
            if let Poll::Ready(answer) = ready() {
                return Poll::Ready(answer);
            }
            signal.waker.register(cx.waker());
            // Again after registering: a wake given in between found no waker to wake.
            ready()
        })
        .await
    }
}

impl Drop for WakeReceiver {
    fn drop(&mut self) {
        self.0.loop_gone.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::timeout;

    const SHORT: Duration = Duration::from_millis(20);

    /// Wakes given while nobody waits coalesce into one.
    #[tokio::test]
    async fn wakes_coalesce() {
        let (sender, mut receiver) = signal();
        sender.wake();
        sender.wake();
        assert_eq!(timeout(SHORT, receiver.recv()).await, Ok(Some(())));
        assert!(
            timeout(SHORT, receiver.recv()).await.is_err(),
            "the second wake was folded into the first"
        );
    }

    /// A waiting loop is woken, and told when its attachment goes, also while it waits.
    #[tokio::test]
    async fn a_waiting_loop_is_woken_and_told_it_is_detached() {
        let (sender, mut receiver) = signal();
        let waiting = tokio::spawn(async move {
            let first = receiver.recv().await;
            let second = receiver.recv().await;
            (first, second, receiver)
        });
        tokio::task::yield_now().await;
        sender.wake();
        tokio::task::yield_now().await;
        drop(sender);
        let (first, second, mut receiver) = timeout(Duration::from_secs(5), waiting)
            .await
            .expect("not stuck")
            .expect("no panic");
        assert_eq!((first, second), (Some(()), None));
        assert_eq!(receiver.recv().await, None, "and from then on");
    }

    /// The attachment sees that its loop is gone.
    #[test]
    fn the_sender_sees_the_loop_go() {
        let (sender, receiver) = signal();
        assert!(!sender.is_closed());
        drop(receiver);
        assert!(sender.is_closed());
    }
}
