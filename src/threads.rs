//! Work spread over scoped threads, for the stages that have independent pieces: policy files
//! to parse, runs of fact documents, the rules of one document.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `worker` on `jobs` scoped threads (at least one) and gives what each returned, in
/// spawn order. Every call of a worker's `next` hands out the next of the indexes `0..count`
/// (`None` once all are out), so a thread that finishes early takes more. A worker's panic is
/// raised again here, as `std::thread::scope` would.
///
/// ```
/// let per_thread = annexa::unstable::threads::on_threads(2, 5, |next| {
///     let mut mine = Vec::new();
///     while let Some(i) = next() {
///         mine.push(i * 10);
///     }
///     mine
/// });
/// let mut all: Vec<usize> = per_thread.into_iter().flatten().collect();
/// all.sort();
/// assert_eq!(all, [0, 10, 20, 30, 40]);
/// ```
pub fn on_threads<R: Send>(
    jobs: usize,
    count: usize,
    worker: impl Fn(&dyn Fn() -> Option<usize>) -> R + Sync,
) -> Vec<R> {
    let counter = AtomicUsize::new(0);
    let next = || {
        let i = counter.fetch_add(1, Ordering::Relaxed);
        (i < count).then_some(i)
    };
    if jobs <= 1 {
        return vec![worker(&next)];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(|| worker(&next))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// `f` of every item, in order, computed on up to `jobs` threads.
///
/// ```
/// let squares = annexa::unstable::threads::map_ordered(2, &[1, 2, 3], |x| x * x);
/// assert_eq!(squares, [1, 4, 9]);
/// ```
pub fn map_ordered<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let per_thread = on_threads(jobs.min(items.len()), items.len(), |next| {
        let mut mine = Vec::new();
        while let Some(i) = next() {
            if let Some(item) = items.get(i) {
                mine.push((i, f(item)));
            }
        }
        mine
    });
    let mut all: Vec<(usize, R)> = per_thread.into_iter().flatten().collect();
    all.sort_unstable_by_key(|&(i, _)| i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_is_handed_out_once() {
        for jobs in 0..4 {
            let per_thread = on_threads(jobs, 100, |next| {
                let mut mine = Vec::new();
                while let Some(i) = next() {
                    mine.push(i);
                }
                mine
            });
            let mut all: Vec<usize> = per_thread.into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..100).collect::<Vec<_>>(), "{jobs} threads");
        }
    }

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..50).collect();
        for jobs in [1, 2, 7] {
            assert_eq!(
                map_ordered(jobs, &items, |x| x + 1),
                (1..51).collect::<Vec<_>>()
            );
        }
        assert!(map_ordered(3, &[] as &[u8], |x| *x).is_empty());
    }
}
