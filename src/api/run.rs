//! Per-check controls: a deadline and cancellation from another thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::error::{Error, ErrorKind};

/// A cancellation token: clone it into another thread and call [`Cancel::cancel`]; a check
/// running with it ([`RunOptions::cancel`]) stops soon after with [`ErrorKind::Cancelled`] and
/// no report (a partial report could pass on evidence it never saw).
///
/// ```
/// let token = annexa::Cancel::new();
/// let remote = token.clone();
/// std::thread::spawn(move || remote.cancel()).join().unwrap();
/// assert!(token.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token not yet cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels every check running with this token (or a clone of it).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Options of one check: how long it may take, and a token that stops it.
///
/// ```
/// use std::time::Duration;
/// let run = annexa::RunOptions::new().timeout(Duration::from_secs(5));
/// assert!(run.deadline().is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    deadline: Option<Instant>,
    cancel: Option<Cancel>,
}

impl RunOptions {
    /// No deadline, no token.
    pub fn new() -> RunOptions {
        RunOptions::default()
    }

    /// The check fails with [`ErrorKind::Deadline`] once `deadline` has passed.
    pub fn deadline_at(mut self, deadline: Instant) -> RunOptions {
        self.deadline = Some(deadline);
        self
    }

    /// The check fails with [`ErrorKind::Deadline`] after `timeout` from now.
    pub fn timeout(self, timeout: Duration) -> RunOptions {
        match Instant::now().checked_add(timeout) {
            Some(at) => self.deadline_at(at),
            None => self,
        }
    }

    /// The check stops with [`ErrorKind::Cancelled`] when `token` is cancelled.
    pub fn cancel(mut self, token: &Cancel) -> RunOptions {
        self.cancel = Some(token.clone());
        self
    }

    /// The deadline, if one is set.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// An error if the run must stop now.
    pub(crate) fn checkpoint(&self) -> Result<(), Error> {
        if self.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
            return Err(cancelled());
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(deadline());
        }
        Ok(())
    }

    /// Hands the deadline and the token to the evaluator.
    pub(crate) fn apply(&self, options: &mut crate::eval::EvalOptions) {
        options.deadline = self.deadline;
        options.cancel = self.cancel.as_ref().map(|c| Arc::clone(&c.0));
    }

    /// The error an evaluation ended with.
    pub(crate) fn error_of(&self, e: crate::eval::EvalError) -> Error {
        match e {
            crate::eval::EvalError::Deadline => deadline(),
            crate::eval::EvalError::Cancelled => cancelled(),
            crate::eval::EvalError::Param(p) => Error::plain(ErrorKind::Usage, p.message, p.help),
        }
    }
}

fn cancelled() -> Error {
    Error::plain(
        ErrorKind::Cancelled,
        "the check was cancelled; nothing was judged",
        "",
    )
}

fn deadline() -> Error {
    Error::plain(
        ErrorKind::Deadline,
        "the check ran past its deadline; nothing was judged",
        "give it more time, or check fewer documents at once",
    )
}
