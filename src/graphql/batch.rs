//! A per-request batcher for async-graphql `Loader`s: the keys that the fields of one level ask
//! for are loaded with one call of the loader.
//!
//! async-graphql's own `DataLoader` starts each batch behind a timer (`delay`, 1 ms by default).
//! Even a zero delay goes through tokio's timer wheel, which rounds every deadline up to the next
//! millisecond tick: each level of each screen waited up to 1 ms, and paid a timer registration
//! and a wake-up of the timer driver. No wait is needed: the resolvers of one level all run in
//! one poll of the request's task, so every key of the level is registered before a task spawned
//! during that poll gets to run. The batch is that spawned task.
//!
//! The waiters use `futures_channel`'s oneshot, not tokio's: tokio's channels count against the
//! task's cooperative budget (128 polls), and a list of 40 houses polls more receivers than
//! that, so the later rows would yield before asking for their keys and make batches of their
//! own.
use async_graphql::dataloader::Loader;
use std::collections::HashMap;
use futures_channel::oneshot;
use std::sync::{Arc, Mutex};

type Loaded<V, E> = Result<Arc<HashMap<i64, V>>, E>;

/// Loads keys by `i64` in batches; each loader of a request is one of these.
pub struct Batcher<L: Loader<i64>> {
    inner: Arc<Inner<L>>,
}

struct Inner<L: Loader<i64>> {
    loader: L,
    next: Mutex<Next<L::Value, L::Error>>,
}

/// The batch being gathered: its keys and who waits for it.
struct Next<V, E> {
    keys: Vec<i64>,
    waiting: Vec<oneshot::Sender<Loaded<V, E>>>,
}

impl<L> Batcher<L>
where
    L: Loader<i64>,
{
    pub fn new(loader: L) -> Self {
        Self {
            inner: Arc::new(Inner {
                loader,
                next: Mutex::new(Next { keys: Vec::new(), waiting: Vec::new() }),
            }),
        }
    }

    /// The value of one key (None when the loader found nothing for it).
    pub async fn load_one(&self, key: i64) -> Result<Option<L::Value>, L::Error> {
        let loaded = self.enqueue(std::iter::once(key)).await?;
        Ok(loaded.get(&key).cloned())
    }

    /// The values of several keys, by key (keys the loader found nothing for are absent).
    pub async fn load_many(&self, keys: impl IntoIterator<Item = i64>) -> Result<HashMap<i64, L::Value>, L::Error> {
        let keys: Vec<i64> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let loaded = self.enqueue(keys.iter().copied()).await?;
        Ok(keys.into_iter().filter_map(|k| loaded.get(&k).map(|v| (k, v.clone()))).collect())
    }

    async fn enqueue(&self, keys: impl Iterator<Item = i64>) -> Loaded<L::Value, L::Error> {
        let (tx, rx) = oneshot::channel();
        let first = {
            let mut next = self.inner.next.lock().expect("batch lock");
            next.keys.extend(keys);
            next.waiting.push(tx);
            next.waiting.len() == 1
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
        // Wait until a pass of the request adds no key. A long list is not asked for in one
        // poll: async-graphql resolves each object's fields in a `FuturesUnordered`, which wakes
        // its task after its first pass over them, and the list around it (above 30 items, a
        // `FuturesUnordered` too) takes that for a yield and stops after two such items. Each
        // later poll of the request asks for two more items' keys. `yield_now` lets the request's
        // task run before this one looks again.
        let mut seen = 0;
        loop {
            let now = self.next.lock().expect("batch lock").keys.len();
            if now == seen {
                break;
            }
            seen = now;
            tokio::task::yield_now().await;
        }
        let Next { mut keys, waiting } = {
            let mut next = self.next.lock().expect("batch lock");
            std::mem::replace(&mut *next, Next { keys: Vec::new(), waiting: Vec::new() })
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
            Ok(keys.iter().filter(|k| **k != 7).map(|k| (*k, k * 2)).collect())
        }
    }

    #[tokio::test]
    async fn keys_asked_for_in_one_poll_are_loaded_in_one_call_without_duplicates() {
        let loader = Arc::new(Log::default());
        let b = Batcher::new(Doubler(loader.clone()));
        let (one, two, again, many, missing) =
            tokio::join!(b.load_one(1), b.load_one(2), b.load_one(1), b.load_many([3, 2, 7]), b.load_one(7));
        assert_eq!((one.unwrap(), two.unwrap(), again.unwrap(), missing.unwrap()), (Some(2), Some(4), Some(2), None));
        assert_eq!(many.unwrap(), HashMap::from([(3, 6), (2, 4)]));
        assert_eq!(*loader.batches.lock().unwrap(), vec![vec![1, 2, 3, 7]]);
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
