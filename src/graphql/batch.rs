//! A per-request batcher for async-graphql `Loader`s: the keys that the fields of one level ask
//! for are loaded with one call of the loader.
//!
//! async-graphql's own `DataLoader` starts each batch behind a timer (`delay`, 1 ms by default).
//! Even a zero delay goes through tokio's timer wheel, which rounds every deadline up to the next
//! millisecond tick: each level of each screen waited up to 1 ms, and paid a timer registration
//! and a wake-up of the timer driver. No clock is needed: a batch is a task spawned with the
//! level's first key, which starts loading once the request has asked for the rest.
//!
//! The waiters use `futures_channel`'s oneshot, not tokio's: tokio's channels count against the
//! task's cooperative budget (128 polls), and a list of 40 houses polls more receivers than
//! that, so the later rows would yield before asking for their keys and make batches of their
//! own.
//!
//! When a batch may start: a level's keys are not always asked for in one poll. async-graphql
//! resolves each object's fields in a `FuturesUnordered`, which wakes its task after its first
//! pass over them; a list around it (above 30 items, a `FuturesUnordered` too) takes that for a
//! yield and stops after two such items, so each later poll of the request asks for two more
//! items' keys. And on a multi-threaded runtime another worker may be polling the request while
//! the batch task looks. So an HTTP request runs inside `Passes::drive`, which polls it with a
//! waker that notes being woken: a poll during which nothing woke the request leaves nothing to
//! run, so every field that could ask for a key has asked, and the batches opened before it
//! start. (A wake deferred past the poll, as tokio's `yield_now` does, looks settled; the
//! batch then starts early and the later keys make a second one: more statements, same
//! answers.) Loaders without a request to watch (the websocket's) wait until one `yield_now`
//! goes by without a new key, which is exact on one worker.
use async_graphql::dataloader::Loader;
use futures_channel::oneshot;
use futures_util::task::AtomicWaker;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// The polls of one request, which its batches watch (see the module's doc).
#[derive(Default)]
pub struct Passes {
    /// Polls of the request that ended with nothing left to run: the request's task was not
    /// woken during them, so every field that could ask for a key has asked.
    settled: AtomicU64,
    /// A poll of the request is running now.
    polling: AtomicBool,
    /// The request finished or was dropped: nothing more will be asked.
    over: AtomicBool,
    /// Batches waiting for the request to settle.
    waiting: Mutex<Vec<Waker>>,
}

/// The waker the request is polled with: notes that it was woken, then wakes its task (once
/// per poll is enough: the task is then scheduled).
#[derive(Default)]
struct Noting {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl std::task::Wake for Noting {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.task.wake();
    }
}

impl Passes {
    /// Runs `request` so that the batches of the loaders given this `Passes` start when the
    /// request has asked for every key it can: after a poll during which nothing woke it.
    pub async fn drive<F: Future>(self: Arc<Self>, request: F) -> F::Output {
        let over = Over(self.clone());
        let noting = Arc::new(Noting::default());
        let waker = Waker::from(noting.clone());
        let mut request = std::pin::pin!(request);
        let out = std::future::poll_fn(|cx| {
            noting.task.register(cx.waker());
            noting.woken.store(false, Ordering::SeqCst);
            self.polling.store(true, Ordering::SeqCst);
            let out = request.as_mut().poll(&mut Context::from_waker(&waker));
            self.polling.store(false, Ordering::SeqCst);
            if !noting.woken.load(Ordering::SeqCst) {
                self.settled.fetch_add(1, Ordering::SeqCst);
                self.wake_batches();
            }
            out
        })
        .await;
        drop(over);
        out
    }

    fn wake_batches(&self) {
        let wakers = std::mem::take(&mut *self.waiting.lock().expect("passes lock"));
        wakers.into_iter().for_each(Waker::wake);
    }

    /// For a batch whose first key came now: the settled count it waits to see pass, or None
    /// when the key did not come from a poll of the request (nothing to watch then).
    fn watch(&self) -> Option<u64> {
        self.polling
            .load(Ordering::SeqCst)
            .then(|| self.settled.load(Ordering::SeqCst))
    }

    fn settled_since(&self, seen: u64) -> bool {
        self.over.load(Ordering::SeqCst) || self.settled.load(Ordering::SeqCst) > seen
    }
}

/// Marks the request over when `drive` ends or is dropped (a cancelled request), so no batch
/// waits for a poll that will never come.
struct Over(Arc<Passes>);

impl Drop for Over {
    fn drop(&mut self) {
        self.0.over.store(true, Ordering::SeqCst);
        self.0.wake_batches();
    }
}

type Loaded<V, E> = Result<Arc<HashMap<i64, V>>, E>;

/// Loads keys by `i64` in batches; each loader of a request is one of these.
pub struct Batcher<L: Loader<i64>> {
    inner: Arc<Inner<L>>,
}

struct Inner<L: Loader<i64>> {
    loader: L,
    next: Mutex<Next<L::Value, L::Error>>,
    passes: Option<Arc<Passes>>,
}

/// The batch being gathered: its keys, who waits for it, and the request's settled count when
/// its first key came (`Passes::watch`).
struct Next<V, E> {
    keys: Vec<i64>,
    waiting: Vec<oneshot::Sender<Loaded<V, E>>>,
    watch: Option<u64>,
}

impl<V, E> Next<V, E> {
    fn empty() -> Self {
        Self {
            keys: Vec::new(),
            waiting: Vec::new(),
            watch: None,
        }
    }
}

impl<L> Batcher<L>
where
    L: Loader<i64>,
{
    /// A batcher with no request to watch (see the module's doc); `watching` gives it one.
    pub fn new(loader: L) -> Self {
        Self {
            inner: Arc::new(Inner {
                loader,
                next: Mutex::new(Next::empty()),
                passes: None,
            }),
        }
    }

    /// The same batcher, its batches watching the polls of the request `passes` drives (None:
    /// no request to watch).
    pub fn watching(mut self, passes: Option<Arc<Passes>>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("a batcher not yet shared")
            .passes = passes;
        self
    }

    /// The value of one key (None when the loader found nothing for it).
    pub async fn load_one(&self, key: i64) -> Result<Option<L::Value>, L::Error> {
        let loaded = self.enqueue(std::iter::once(key)).await?;
        Ok(loaded.get(&key).cloned())
    }

    /// The values of several keys, by key (keys the loader found nothing for are absent).
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, L::Value>, L::Error> {
        let keys: Vec<i64> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let loaded = self.enqueue(keys.iter().copied()).await?;
        Ok(keys
            .into_iter()
            .filter_map(|k| loaded.get(&k).map(|v| (k, v.clone())))
            .collect())
    }

    async fn enqueue(&self, keys: impl Iterator<Item = i64>) -> Loaded<L::Value, L::Error> {
        let (tx, rx) = oneshot::channel();
        let first = {
            let mut next = self.inner.next.lock().expect("batch lock");
            next.keys.extend(keys);
            next.waiting.push(tx);
            let first = next.waiting.len() == 1;
            if first {
                next.watch = self.inner.passes.as_ref().and_then(|p| p.watch());
            }
            first
        };
        if first {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.run().await });
        }
        // The sender is only dropped unsent if the batch task panicked.
        rx.await.unwrap_or_else(|_| panic!("a batch load panicked"))
    }
}

impl<L: Loader<i64>> Inner<L> {
    async fn run(&self) {
        let watch = self.next.lock().expect("batch lock").watch;
        match (&self.passes, watch) {
            (Some(passes), Some(seen)) => {
                std::future::poll_fn(|cx| {
                    if passes.settled_since(seen) {
                        return Poll::Ready(());
                    }
                    passes
                        .waiting
                        .lock()
                        .expect("passes lock")
                        .push(cx.waker().clone());
                    // Looked again after registering: a poll that settled in between woke nobody.
                    if passes.settled_since(seen) {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
                .await
            }
            _ => {
                let mut seen = 0;
                loop {
                    let now = self.next.lock().expect("batch lock").keys.len();
                    if now == seen {
                        break;
                    }
                    seen = now;
                    tokio::task::yield_now().await;
                }
            }
        }
        let Next {
            mut keys, waiting, ..
        } = {
            let mut next = self.next.lock().expect("batch lock");
            std::mem::replace(&mut *next, Next::empty())
        };
        keys.sort_unstable();
        keys.dedup();
        let loaded = self.loader.load(&keys).await.map(Arc::new);
        for tx in waiting {
            // A waiter that went away (its request was cancelled) needs no answer.
            let _ = tx.send(loaded.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Every batch a loader was asked for.
    #[derive(Default)]
    struct Log {
        batches: Mutex<Vec<Vec<i64>>>,
        calls: AtomicUsize,
    }

    /// Doubles each key but 7 (which it finds nothing for); refuses a batch holding key 0.
    struct Doubler(Arc<Log>);

    impl Loader<i64> for Doubler {
        type Value = i64;
        type Error = Arc<String>;

        async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, i64>, Self::Error> {
            self.0.calls.fetch_add(1, Ordering::SeqCst);
            self.0.batches.lock().unwrap().push(keys.to_vec());
            if keys.contains(&0) {
                return Err(Arc::new("key 0".into()));
            }
            Ok(keys
                .iter()
                .filter(|k| **k != 7)
                .map(|k| (*k, k * 2))
                .collect())
        }
    }

    #[tokio::test]
    async fn keys_asked_for_in_one_poll_are_loaded_in_one_call_without_duplicates() {
        let loader = Arc::new(Log::default());
        let b = Batcher::new(Doubler(loader.clone()));
        let (one, two, again, many, missing) = tokio::join!(
            b.load_one(1),
            b.load_one(2),
            b.load_one(1),
            b.load_many([3, 2, 7]),
            b.load_one(7)
        );
        assert_eq!(
            (one.unwrap(), two.unwrap(), again.unwrap(), missing.unwrap()),
            (Some(2), Some(4), Some(2), None)
        );
        assert_eq!(many.unwrap(), HashMap::from([(3, 6), (2, 4)]));
        assert_eq!(*loader.batches.lock().unwrap(), vec![vec![1, 2, 3, 7]]);
    }

    /// Returns Pending once, having woken its task during the poll, as a `FuturesUnordered`
    /// does after its first pass.
    async fn yield_in_poll() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                return Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await
    }

    // One thread: the batch task runs between the request's polls, so without the settle check
    // it would take the first key alone.
    #[tokio::test]
    async fn a_driven_request_is_one_batch_though_it_asks_over_several_polls() {
        let loader = Arc::new(Log::default());
        let passes = Arc::new(Passes::default());
        let b = Batcher::new(Doubler(loader.clone())).watching(Some(passes.clone()));
        let later = |key: i64, polls: usize| {
            let b = &b;
            async move {
                for _ in 0..polls {
                    yield_in_poll().await;
                }
                b.load_one(key).await
            }
        };
        let request = async { tokio::join!(b.load_one(1), later(2, 1), later(3, 3)) };
        let (one, two, three) = passes.clone().drive(request).await;
        assert_eq!(
            (one.unwrap(), two.unwrap(), three.unwrap()),
            (Some(2), Some(4), Some(6))
        );
        assert_eq!(*loader.batches.lock().unwrap(), vec![vec![1, 2, 3]]);
        // The request is over: a batch opened now does not wait for it.
        assert_eq!(b.load_one(5).await.unwrap(), Some(10));
    }

    #[tokio::test]
    async fn a_later_level_is_a_second_batch_and_a_failed_batch_fails_every_waiter() {
        let loader = Arc::new(Log::default());
        let b = Batcher::new(Doubler(loader.clone()));
        assert_eq!(b.load_one(5).await.unwrap(), Some(10));
        let (bad, good_key_same_batch) = tokio::join!(b.load_one(0), b.load_one(4));
        assert_eq!(bad.unwrap_err().as_str(), "key 0");
        assert_eq!(good_key_same_batch.unwrap_err().as_str(), "key 0");
        assert!(b.load_many([]).await.unwrap().is_empty());
        assert_eq!(loader.calls.load(Ordering::SeqCst), 2);
    }
}
