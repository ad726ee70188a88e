//! A circuit breaker per provider: after `threshold` consecutive failures it opens for
//! `cool_down`, during which calls fail fast (and the caller falls back), then lets one try through.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    state: Mutex<(u32, Option<Instant>)>,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, cool_down: Duration) -> CircuitBreaker {
        CircuitBreaker {
            threshold: threshold.max(1),
            cool_down,
            state: Mutex::new((0, None)),
        }
    }

    /// Whether a call may go through now.
    pub fn allows(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        match state.1 {
            Some(opened) if opened.elapsed() < self.cool_down => false,
            Some(_) => {
                // Half-open: one trial; a failure re-opens at once.
                state.1 = None;
                state.0 = self.threshold.saturating_sub(1);
                true
            }
            None => true,
        }
    }

    pub fn record_success(&self) {
        if let Ok(mut state) = self.state.lock() {
            *state = (0, None);
        }
    }

    pub fn record_failure(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.0 += 1;
            if state.0 >= self.threshold {
                state.1 = Some(Instant::now());
            }
        }
    }

    /// "open" (failing fast), "half-open" (the cool-down is over: the next call is a trial) or
    /// "closed".
    pub fn state(&self) -> &'static str {
        match self.state.lock().map(|s| s.1) {
            Ok(Some(opened)) if opened.elapsed() < self.cool_down => "open",
            Ok(Some(_)) => "half-open",
            _ => "closed",
        }
    }

    pub fn is_open(&self) -> bool {
        self.state
            .lock()
            .map(|s| s.1.is_some_and(|t| t.elapsed() < self.cool_down))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_half_opens_after_the_cool_down() {
        let breaker = CircuitBreaker::new(2, Duration::from_millis(30));
        assert!(breaker.allows());
        breaker.record_failure();
        assert!(breaker.allows());
        breaker.record_failure();
        assert!(breaker.is_open());
        assert_eq!(breaker.state(), "open");
        assert!(!breaker.allows());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allows(), "half-open after the cool-down");
        breaker.record_failure();
        assert!(!breaker.allows(), "one failure in half-open re-opens it");
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allows());
        breaker.record_success();
        breaker.record_failure();
        assert!(breaker.allows(), "success reset the count");
    }
}
