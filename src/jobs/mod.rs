//! The background workers' one loop ([`every`], [`every_async`]), and the notice worker's
//! pass and transports. Which work each worker does is wired in `startup`.
//!
//! A worker runs a pass, sleeps its period (or goes again at once when the pass says there may
//! be more), and ends when the server's stop flag is set. A failed pass is logged here, with
//! the worker's name, and the worker carries on.

pub mod notify;
pub mod transport;

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tracing::Instrument;

/// What a pass tells the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// The pass did work and more may be waiting: go again at once.
    Again,
    /// Nothing (more) to do: sleep the period.
    Wait,
}

/// A worker's name (in its span and its error lines), its period and the stop flag it obeys.
#[derive(Clone, Debug)]
pub struct Worker {
    name: &'static str,
    period: Duration,
    stop: Arc<AtomicBool>,
    wait_first: bool,
    once: bool,
}

impl Worker {
    pub fn new(name: &'static str, period: Duration, stop: &Arc<AtomicBool>) -> Self {
        Self { name, period, stop: stop.clone(), wait_first: false, once: false }
    }

    /// Sleeps a period before the first pass (work that was just done, or is costly at start).
    pub fn first_after_a_period(self) -> Self {
        Self { wait_first: true, ..self }
    }

    /// One pass and no more (unless the stop flag is already set: then none).
    pub fn once(name: &'static str, stop: &Arc<AtomicBool>) -> Self {
        Self { once: true, ..Self::new(name, Duration::ZERO, stop) }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// Why a blocking pass failed: the work's own error, or its task (a panic).
#[derive(Debug, thiserror::Error)]
pub enum PassError<E> {
    #[error(transparent)]
    Work(E),
    #[error("the worker's task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Runs the blocking `work` on the blocking pool (inside the worker's span) until the stop
/// flag is set.
pub async fn every<F, E>(worker: Worker, work: F)
where
    F: Fn() -> Result<Next, E> + Send + Sync + 'static,
    E: Display + Send + 'static,
{
    let work = Arc::new(work);
    every_async(worker, move || {
        let (work, span) = (work.clone(), tracing::Span::current());
        async move {
            tokio::task::spawn_blocking(move || span.in_scope(|| work()))
                .await
                .map_err(PassError::Task)?
                .map_err(PassError::Work)
        }
    })
    .await
}

/// [`every`] for work that is async itself (it must not block the runtime's threads).
pub async fn every_async<F, Fut, E>(worker: Worker, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Next, E>>,
    E: Display,
{
    let span = tracing::info_span!("worker", worker = worker.name);
    async move {
        if worker.wait_first {
            tokio::time::sleep(worker.period).await;
        }
        while !worker.stopping() {
            let next = match pass().await {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(worker = worker.name, error = %e, "background worker failed");
                    Next::Wait
                }
            };
            if worker.once {
                break;
            }
            if next == Next::Wait {
                tokio::time::sleep(worker.period).await;
            }
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    const LONG: Duration = Duration::from_secs(3600);

    /// Runs `worker` with `work`, failing the test if it has not ended within five seconds.
    async fn ends<F, E>(worker: Worker, work: F)
    where
        F: Fn() -> Result<Next, E> + Send + Sync + 'static,
        E: Display + Send + 'static,
    {
        let ended = tokio::time::timeout(Duration::from_secs(5), every(worker, work)).await;
        assert!(ended.is_ok(), "the worker did not end");
    }

    #[tokio::test]
    async fn a_worker_that_did_work_goes_again_at_once_until_stopped() {
        let stop = Arc::new(AtomicBool::new(false));
        let passes = Arc::new(AtomicUsize::new(0));
        let (s, p) = (stop.clone(), passes.clone());
        ends(Worker::new("test", LONG, &stop), move || -> Result<Next, String> {
            if p.fetch_add(1, Ordering::SeqCst) == 4 {
                s.store(true, Ordering::Release);
            }
            Ok(Next::Again)
        })
        .await;
        assert_eq!(passes.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn a_failed_pass_is_logged_and_the_worker_carries_on() {
        let stop = Arc::new(AtomicBool::new(false));
        let passes = Arc::new(AtomicUsize::new(0));
        let (s, p) = (stop.clone(), passes.clone());
        ends(Worker::new("test", Duration::from_millis(1), &stop), move || {
            if p.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err("broken");
            }
            s.store(true, Ordering::Release);
            Ok(Next::Wait)
        })
        .await;
        assert_eq!(passes.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_panicking_pass_does_not_end_the_worker() {
        let stop = Arc::new(AtomicBool::new(false));
        let passes = Arc::new(AtomicUsize::new(0));
        let (s, p) = (stop.clone(), passes.clone());
        ends(Worker::new("test", Duration::from_millis(1), &stop), move || -> Result<Next, String> {
            if p.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a pass panicked");
            }
            s.store(true, Ordering::Release);
            Ok(Next::Wait)
        })
        .await;
        assert_eq!(passes.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_stopped_worker_runs_no_pass_and_a_one_shot_runs_one() {
        let passes = Arc::new(AtomicUsize::new(0));
        let count = |p: Arc<AtomicUsize>| {
            move || -> Result<Next, String> {
                p.fetch_add(1, Ordering::SeqCst);
                Ok(Next::Again)
            }
        };
        let stopped = Arc::new(AtomicBool::new(true));
        ends(Worker::new("test", LONG, &stopped), count(passes.clone())).await;
        assert_eq!(passes.load(Ordering::SeqCst), 0);
        let running = Arc::new(AtomicBool::new(false));
        ends(Worker::once("test", &running), count(passes.clone())).await;
        assert_eq!(passes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_first_pass_can_wait_a_period() {
        let stop = Arc::new(AtomicBool::new(false));
        let passes = Arc::new(AtomicUsize::new(0));
        let p = passes.clone();
        let worker = Worker::new("test", LONG, &stop).first_after_a_period();
        let work = move || -> Result<Next, String> {
            p.fetch_add(1, Ordering::SeqCst);
            Ok(Next::Wait)
        };
        let waited = tokio::time::timeout(Duration::from_millis(50), every(worker, work)).await;
        assert!(waited.is_err(), "still sleeping");
        assert_eq!(passes.load(Ordering::SeqCst), 0, "no pass before the first period");
    }
}
