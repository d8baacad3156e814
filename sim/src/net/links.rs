//! One sender task per server link (from, to): a queue of encoded messages ordered by
//! delivery time, drained by a task of the sending node at each message's time.
//!
//! It replaces a task (and a timer) per message and keeps what those gave: delivery
//! at the exact instant drawn for each copy (madsim's `sleep` waits at least 1 ms, so
//! the task arms its timer with `Sleep::reset`, which has no such minimum), messages
//! lost with their sender (the task is the sender node's: a crash kills it, a pause
//! holds it), and the cut, receiver-down and snapshot-report handling at delivery
//! (`Net::deliver_queued`), and the random order of messages due at the same
//! step (`pick_due`), one per turn of the scheduler.

use super::Net;
use madsim::time::{sleep, Duration};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// A message waiting on a link.
#[derive(Debug)]
pub struct Queued {
    /// The encoded message.
    pub bytes: Vec<u8>,
    /// Whether its delivery (or not) is reported back to the sender (the first copy
    /// of a message sent with `report`).
    pub report: bool,
}

/// The messages in flight on one link, and how to wake its task.
#[derive(Debug, Default)]
pub struct LinkQueue {
    /// By (delivery time in virtual ns, send order).
    pending: BTreeMap<(u64, u64), Queued>,
    sent: u64,
    /// The delivery time the task's timer is set for, if any.
    armed: Option<u64>,
    waker: Option<Waker>,
    /// The task is gone (its node was killed): a new one must carry the link.
    closed: bool,
}

/// A link's queue, shared by its senders and its task.
pub type SharedQueue = Arc<Mutex<LinkQueue>>;

impl LinkQueue {
    /// Whether the queue's task is gone (its node was killed): the next message on the
    /// link needs a new queue and task.
    pub fn is_closed(queue: &SharedQueue) -> bool {
        lock(queue).closed
    }
}

fn lock(q: &Mutex<LinkQueue>) -> MutexGuard<'_, LinkQueue> {
    q.lock()
        .expect("the simulation is single-threaded; no lock is poisoned")
}

/// Queues `msg` on link (`from`, `to`) for delivery at `due` (virtual ns), starting
/// the link's task on the current (sending) node if it has none.
pub fn enqueue(net: &Arc<Net>, from: u64, to: u64, due: u64, msg: Queued) {
    let queue = net.link_queue(from, to);
    let mut q = lock(&queue);
    let fresh = q.sent == 0;
    q.sent += 1;
    let seq = q.sent;
    q.pending.insert((due, seq), msg);
    // The task sleeps until its armed time: wake it only for an earlier message (the
    // network fault's extra latency can reorder) or when it has nothing armed.
    if q.armed.is_none_or(|armed| due < armed) {
        if let Some(w) = q.waker.take() {
            w.wake();
        }
    }
    drop(q);
    if fresh {
        let net = net.clone();
        madsim::task::spawn(async move {
            LinkTask {
                net,
                from,
                to,
                queue,
                timer: Box::pin(sleep(Duration::ZERO)),
            }
            .await
        });
    }
}

/// Which of the messages due now goes out first. Usually the only one; when several
/// are due at once, one at random, drawn from madsim's RNG, as a task per message
/// gave: madsim advances time to the next timer plus 50 ns and runs every task woken
/// then in random order, and the in-order rule (`Net::schedule`) often puts a
/// message 1 ns after the one before it on its link, so the two were due together
/// and went out in either order. The bug zoo's read bugs depend on that reordering
/// (strict order made them several times rarer), so it is kept as it was.
fn pick_due(pending: &BTreeMap<(u64, u64), Queued>, due: u64, seq: u64, net: &Net) -> (u64, u64) {
    let mut keys = pending.keys();
    keys.next();
    let Some(&(second, _)) = keys.next() else {
        return (due, seq);
    };
    let now = net.clock().now_ns();
    if second > now {
        return (due, seq);
    }
    let n = pending.keys().take_while(|&&(d, _)| d <= now).count();
    let i = (madsim::rand::random::<u64>() % n as u64) as usize;
    *pending.keys().nth(i).expect("i < n")
}

/// The task draining one link's queue.
struct LinkTask {
    net: Arc<Net>,
    from: u64,
    to: u64,
    queue: SharedQueue,
    timer: Pin<Box<madsim::time::Sleep>>,
}

impl Future for LinkTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut delivered = false;
        loop {
            let mut q = lock(&this.queue);
            let Some((&(due, seq), _)) = q.pending.first_key_value() else {
                q.armed = None;
                q.waker = Some(cx.waker().clone());
                return Poll::Pending;
            };
            if q.armed != Some(due) {
                q.armed = Some(due);
                // Reset, not a new sleep: no 1 ms minimum, the exact instant drawn.
                this.timer.as_mut().reset(this.net.clock().instant_at(due));
            }
            // The timer tells whether `due` has come without reading the clock
            // (which madsim intercepts, at a cost).
            if this.timer.is_elapsed() {
                if delivered {
                    // One message a turn: the next one due goes out after the
                    // scheduler's next pick, so other tasks (the receiver) may run in
                    // between, as they could with a task per message.
                    q.waker = Some(cx.waker().clone());
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                let key = pick_due(&q.pending, due, seq, &this.net);
                let msg = q.pending.remove(&key).expect("picked from the queue");
                drop(q);
                this.net.deliver_queued(this.from, this.to, msg);
                delivered = true;
                continue;
            }
            q.waker = Some(cx.waker().clone());
            drop(q);
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for LinkTask {
    fn drop(&mut self) {
        // Killed with its node: what it held is lost, as in a crash; the next message
        // on the link (from the restarted node) starts a new task and queue.
        let mut q = lock(&self.queue);
        q.closed = true;
        q.waker = None;
    }
}
