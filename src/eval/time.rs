//! Dates as seconds since the Unix epoch, in UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Parses `YYYY-MM-DD`, an RFC 3339 date-time, or `YYYY-MM-DDTHH:MM:SS` (taken as UTC).
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        return Some(date.midnight().assume_utc().unix_timestamp());
    }
    if let Ok(dt) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(dt.unix_timestamp());
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, local)
        .ok()
        .map(|dt| dt.assume_utc().unix_timestamp())
}

/// `YYYY-MM-DD` at midnight, else `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format(seconds: i64) -> String {
    let Ok(dt) = OffsetDateTime::from_unix_timestamp(seconds) else {
        return seconds.to_string();
    };
    let (y, m, d) = (dt.year(), u8::from(dt.month()), dt.day());
    if seconds.rem_euclid(86_400) == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }
}

/// Whole days from `then` to `now`, rounded down.
pub fn days_between(then: i64, now: i64) -> i64 {
    now.saturating_sub(then).div_euclid(86_400)
}

/// The current time, in seconds since the epoch.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_date_times() {
        assert_eq!(parse("1970-01-02"), Some(86_400));
        assert_eq!(parse("1970-01-02T12:00:00Z"), Some(86_400 + 43_200));
        assert_eq!(parse("1970-01-02T12:00:00+01:00"), Some(86_400 + 39_600));
        assert_eq!(parse("2026-02-30"), None);
        assert_eq!(parse("soon"), None);
    }

    #[test]
    fn days_round_down() {
        let now = parse("2026-01-31").unwrap_or(0);
        assert_eq!(
            days_between(parse("2026-01-30T12:00:00Z").unwrap_or(0), now),
            0
        );
        assert_eq!(days_between(parse("2026-01-01").unwrap_or(0), now), 30);
        assert_eq!(
            days_between(parse("2026-02-01T00:00:01Z").unwrap_or(0), now),
            -2
        );
        assert_eq!(format(86_400), "1970-01-02");
    }
}
