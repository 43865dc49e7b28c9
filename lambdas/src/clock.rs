//! Time for the handlers: the real clock in Lambda, a settable one in tests and the simulator,
//! and the UTC formats the flows read.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;
use time::macros::format_description;

/// Where handlers get "now" from.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A fixed time (epoch seconds) that tests and the simulator set and advance.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock::System
    }

    /// A clock fixed at `epoch_seconds`.
    pub fn fixed(epoch_seconds: i64) -> Self {
        Clock::Fixed(Arc::new(AtomicI64::new(epoch_seconds)))
    }

    /// Sets a fixed clock (no effect on the system clock).
    pub fn set(&self, epoch_seconds: i64) {
        if let Clock::Fixed(t) = self {
            t.store(epoch_seconds, Ordering::SeqCst);
        }
    }

    /// Moves a fixed clock forward by `seconds` (no effect on the system clock).
    pub fn advance(&self, seconds: i64) {
        if let Clock::Fixed(t) = self {
            t.fetch_add(seconds, Ordering::SeqCst);
        }
    }

    /// Now, in seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => OffsetDateTime::now_utc().unix_timestamp(),
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }
}

/// UTC renderings of one instant, as the flows read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// RFC 3339, second precision: `2026-11-21T00:45:00Z`.
    pub date_time: String,
    /// `2026-11-21`.
    pub date: String,
    /// `00:45:00`.
    pub time: String,
}

/// Renders `epoch_seconds` in UTC; out-of-range values clamp to the epoch.
pub fn render(epoch_seconds: i64) -> Rendered {
    let t =
        OffsetDateTime::from_unix_timestamp(epoch_seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let date = t
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default();
    let time = t
        .format(format_description!("[hour]:[minute]:[second]"))
        .unwrap_or_default();
    Rendered {
        date_time: format!("{date}T{time}Z"),
        date,
        time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_utc() {
        let r = render(1_795_222_800);
        assert_eq!(r.date_time, "2026-11-21T01:00:00Z");
        assert_eq!(r.date, "2026-11-21");
        assert_eq!(r.time, "01:00:00");
        assert_eq!(render(i64::MAX).date, "1970-01-01");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = Clock::fixed(100);
        c.advance(5);
        assert_eq!(c.now(), 105);
        c.set(7);
        assert_eq!(c.clone().now(), 7);
        assert!(Clock::system().now() > 1_700_000_000);
    }
}
