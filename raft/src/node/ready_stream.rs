//! The stream of `Ready` values a `Node` hands out.

use super::run::Request;
use crate::raw_node::Ready;
use futures::channel::{mpsc, oneshot};
use futures::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `Ready` values from a `Node`, as etcd's `Node.Ready()` channel. Each poll that
/// finds no Ready waiting asks the node's task for the next one, so a Ready is taken
/// from raft only when a stream is there to receive it (etcd's channel is unbuffered
/// for the same reason). Ends when the node stops.
#[derive(Debug)]
pub struct ReadyStream {
    requests: mpsc::UnboundedSender<Request>,
    waiting: Option<oneshot::Receiver<Ready>>,
}

impl ReadyStream {
    pub(super) fn new(requests: mpsc::UnboundedSender<Request>) -> ReadyStream {
        ReadyStream {
            requests,
            waiting: None,
        }
    }
}

impl Drop for ReadyStream {
    /// A Ready already sent to this stream but never taken goes back to the node's
    /// task, which hands it to the next stream: raft counts it as handed out, so
    /// losing it would lose its writes and messages (and, synchronously, stall the node
    /// waiting for its `advance`).
    fn drop(&mut self) {
        if let Some(mut rx) = self.waiting.take() {
            if let Ok(Some(rd)) = rx.try_recv() {
                let _ = self.requests.unbounded_send(Request::ReturnReady(rd));
            }
        }
    }
}

impl Stream for ReadyStream {
    type Item = Ready;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Ready>> {
        let this = &mut *self;
        if this.waiting.is_none() {
            let (tx, rx) = oneshot::channel();
            if this.requests.unbounded_send(Request::Ready(tx)).is_err() {
                return Poll::Ready(None);
            }
            this.waiting = Some(rx);
        }
        let rx = this.waiting.as_mut().expect("set above");
        match Pin::new(rx).poll(cx) {
            Poll::Ready(Ok(rd)) => {
                this.waiting = None;
                Poll::Ready(Some(rd))
            }
            // The node's task dropped the request: it stopped.
            Poll::Ready(Err(oneshot::Canceled)) => {
                this.waiting = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
