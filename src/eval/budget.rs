//! The limits of one evaluation: steps and bytes per rule on one document (the rule ends in
//! error), and a deadline and a cancellation flag for the whole call (the call ends in error).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Steps between two looks at the clock and the cancellation flag: reading the clock costs
/// about as much as a few dozen steps, so this keeps the cost under 0.1 % while a cancelled
/// evaluation still stops within well under a millisecond of work.
const POLL_EVERY: u64 = 4_096;

/// Why an evaluation stopped before it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// [`super::EvalOptions::deadline`] passed.
    Deadline,
    /// [`super::EvalOptions::cancel`] was set.
    Cancelled,
}

impl Stop {
    /// The sentence a rule error carries while the stop unwinds the evaluation.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Stop::Deadline => "the evaluation deadline passed",
            Stop::Cancelled => "the evaluation was cancelled",
        }
    }
}

/// The counters of the evaluation under way.
pub(crate) struct Budget {
    steps: u64,
    step_limit: u64,
    /// The step limit of the rule under way: `step_limit`, or less for a share of a rule
    /// whose other shares used some of it (see [`Budget::cap_rule_steps`]).
    rule_step_limit: u64,
    memory: u64,
    memory_limit: u64,
    deadline: Option<Instant>,
    cancel: Option<Arc<AtomicBool>>,
    /// The value of `steps` at which the clock and the flag are read next.
    poll_at: u64,
    /// The value of `steps` from which a charge takes the slow path: the next poll, one past
    /// the limit, or 0 after a stop. One comparison on every charge.
    check_at: u64,
    /// Set once, never cleared: every charge after a stop fails at once, so the rule under
    /// way unwinds without doing more work.
    stopped: Option<Stop>,
}

impl Budget {
    pub(crate) fn new(options: &super::EvalOptions) -> Budget {
        Budget {
            steps: 0,
            step_limit: options.step_limit,
            rule_step_limit: options.step_limit,
            memory: 0,
            memory_limit: options.memory_limit,
            deadline: options.deadline,
            cancel: options.cancel.clone(),
            poll_at: POLL_EVERY,
            check_at: POLL_EVERY.min(options.step_limit.saturating_add(1)),
            stopped: None,
        }
    }

    /// A new rule starts with its own step and memory budgets; the steps since the last poll
    /// carry over, so many small rules still poll.
    pub(crate) fn start_rule(&mut self) {
        let unpolled = POLL_EVERY.saturating_sub(self.poll_at.saturating_sub(self.steps));
        self.steps = 0;
        self.memory = 0;
        self.rule_step_limit = self.step_limit;
        self.poll_at = POLL_EVERY.saturating_sub(unpolled);
        self.set_check_at();
    }

    /// Lowers the step limit of the rule under way to `steps` (never raises it), until the
    /// next rule starts: a share of a rule's loop whose other shares already used part of
    /// the rule's steps stops where the shares together would break the limit, instead of
    /// running on to a result that cannot stand (the rule then runs again whole).
    pub(crate) fn cap_rule_steps(&mut self, steps: u64) {
        self.rule_step_limit = self.step_limit.min(steps);
        self.set_check_at();
    }

    fn set_check_at(&mut self) {
        self.check_at = match self.stopped {
            Some(_) => 0,
            None => self.poll_at.min(self.rule_step_limit.saturating_add(1)),
        };
    }

    /// Counts `steps` of work; the error is the sentence for the rule error.
    ///
    /// Called for every expression evaluated: the common case (under the limit, no poll due,
    /// no stop) is one addition and one test, inlined; the rest is [`Budget::steps_checked`].
    #[inline]
    pub(crate) fn steps(&mut self, steps: u64) -> Result<(), String> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps >= self.check_at {
            return self.steps_checked();
        }
        Ok(())
    }

    #[cold]
    fn steps_checked(&mut self) -> Result<(), String> {
        if self.steps > self.rule_step_limit {
            return Err(format!(
                "evaluation exceeded {} steps",
                self.rule_step_limit
            ));
        }
        if self.steps >= self.poll_at {
            self.poll_at = self.steps.saturating_add(POLL_EVERY);
            self.poll();
        }
        self.set_check_at();
        match self.stopped {
            Some(stop) => Err(stop.message().to_string()),
            None => Ok(()),
        }
    }

    /// The steps and bytes charged to the rule under way so far.
    pub(crate) fn used(&self) -> (u64, u64) {
        (self.steps, self.memory)
    }

    /// Whether charging `steps` and `bytes` more stays within both limits.
    pub(crate) fn affords(&self, steps: u64, bytes: u64) -> bool {
        self.steps.saturating_add(steps) <= self.rule_step_limit
            && self.memory.saturating_add(bytes) <= self.memory_limit
    }

    /// Counts `bytes` of computed values.
    pub(crate) fn bytes(&mut self, bytes: u64) -> Result<(), String> {
        self.memory = self.memory.saturating_add(bytes);
        if self.memory > self.memory_limit {
            return Err(format!(
                "evaluation exceeded the memory budget of {} bytes (`rule-memory` under `[limits]` in annexa.toml)",
                self.memory_limit
            ));
        }
        Ok(())
    }

    /// Reads the flag and the clock now; the stop, if any.
    pub(crate) fn poll(&mut self) -> Option<Stop> {
        if self.stopped.is_none() {
            if self
                .cancel
                .as_ref()
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                self.stopped = Some(Stop::Cancelled);
            } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
                self.stopped = Some(Stop::Deadline);
            }
        }
        self.set_check_at();
        self.stopped
    }

    /// The stop, if one was seen (without looking again).
    pub(crate) fn stopped(&self) -> Option<Stop> {
        self.stopped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> super::super::EvalOptions {
        super::super::EvalOptions {
            step_limit: 10_000,
            memory_limit: 100,
            ..Default::default()
        }
    }

    #[test]
    fn steps_and_bytes_are_per_rule() {
        let mut b = Budget::new(&options());
        assert!(b.steps(10_000).is_ok());
        assert!(b.steps(1).is_err_and(|m| m.contains("10000 steps")));
        assert!(b.bytes(100).is_ok());
        assert!(b.bytes(1).is_err_and(|m| m.contains("100 bytes")));
        b.start_rule();
        assert!(b.steps(10_000).is_ok());
        assert!(b.bytes(100).is_ok());
    }

    #[test]
    fn a_capped_rule_stops_at_its_cap_and_the_next_rule_has_the_whole_limit() {
        let mut b = Budget::new(&options());
        b.start_rule();
        b.cap_rule_steps(300);
        assert!(b.steps(300).is_ok());
        assert!(b.affords(0, 0) && !b.affords(1, 0));
        assert!(b.steps(1).is_err());
        // a cap never raises the limit
        b.start_rule();
        b.cap_rule_steps(u64::MAX);
        assert!(b.steps(10_000).is_ok());
        assert!(b.steps(1).is_err());
        b.start_rule();
        assert!(b.steps(10_000).is_ok());
    }

    #[test]
    fn a_cancel_is_seen_within_one_poll_interval_and_sticks() {
        let flag = Arc::new(AtomicBool::new(false));
        let mut b = Budget::new(&super::super::EvalOptions {
            cancel: Some(flag.clone()),
            step_limit: u64::MAX,
            ..Default::default()
        });
        assert!(b.steps(POLL_EVERY).is_ok());
        flag.store(true, Ordering::Relaxed);
        let mut seen = None;
        for i in 0..POLL_EVERY {
            if let Err(m) = b.steps(1) {
                seen = Some((i, m));
                break;
            }
        }
        let (at, message) = seen.unwrap_or_default();
        assert!(at < POLL_EVERY, "seen after {at} steps");
        assert_eq!(message, "the evaluation was cancelled");
        b.start_rule();
        assert!(b.steps(1).is_err(), "a stop outlives the rule");
        assert_eq!(b.stopped(), Some(Stop::Cancelled));
    }

    #[test]
    fn steps_since_the_last_poll_carry_over_to_the_next_rule() {
        let flag = Arc::new(AtomicBool::new(true));
        let mut b = Budget::new(&super::super::EvalOptions {
            cancel: Some(flag),
            step_limit: u64::MAX,
            ..Default::default()
        });
        // rules of a tenth of the interval each: the cancel is seen in the eleventh
        let mut rules = 0;
        let stopped = loop {
            rules += 1;
            b.start_rule();
            if b.steps(POLL_EVERY / 10).is_err() {
                break true;
            }
            if rules > 20 {
                break false;
            }
        };
        assert!(stopped, "never polled across {rules} rules");
        assert_eq!(rules, 11);
    }

    #[test]
    fn a_past_deadline_stops_at_the_first_poll() {
        let mut b = Budget::new(&super::super::EvalOptions {
            deadline: Some(Instant::now()),
            ..Default::default()
        });
        assert_eq!(b.poll(), Some(Stop::Deadline));
        assert_eq!(
            b.steps(1).err().as_deref(),
            Some("the evaluation deadline passed")
        );
    }

    #[test]
    fn without_a_deadline_or_flag_nothing_stops() {
        let mut b = Budget::new(&options());
        assert_eq!(b.poll(), None);
        assert!(b.steps(POLL_EVERY).is_ok());
    }
}
