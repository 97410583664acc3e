//! Calendar dates as written in policies (`@2026-01-31`), waivers files (`expires:`) and on the
//! command line (`--now`): one parser, in the first layer, so none of those stages has to import
//! another to read a date.

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is a real calendar date.
///
/// ```
/// assert_eq!(annexa::unstable::date::parse_iso_date("1970-01-02"), Some(1));
/// assert_eq!(annexa::unstable::date::parse_iso_date("2026-02-30"), None);
/// ```
pub fn parse_iso_date(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).ok()?;
    Some(
        i64::from(date.to_julian_day())
            - i64::from(time::Date::from_ordinal_date(1970, 1).ok()?.to_julian_day()),
    )
}

/// The `YYYY-MM-DD` of a day counted from 1970-01-01, the inverse of [`parse_iso_date`].
///
/// ```
/// assert_eq!(annexa::unstable::date::format_iso_date(1).as_deref(), Some("1970-01-02"));
/// ```
pub fn format_iso_date(days: i64) -> Option<String> {
    let epoch = time::Date::from_ordinal_date(1970, 1).ok()?;
    let day = epoch.checked_add(time::Duration::days(days))?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    ))
}

/// Today (UTC), in days since 1970-01-01.
pub fn today() -> i64 {
    time::OffsetDateTime::now_utc()
        .unix_timestamp()
        .div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::{format_iso_date, parse_iso_date};

    #[test]
    fn formats_what_it_parses() {
        for text in ["1969-12-31", "2000-02-29", "2026-12-01"] {
            let days = parse_iso_date(text);
            assert_eq!(days.and_then(format_iso_date).as_deref(), Some(text));
        }
    }

    #[test]
    fn counts_days_from_the_epoch_and_refuses_impossible_days() {
        assert_eq!(parse_iso_date("1970-01-01"), Some(0));
        assert_eq!(parse_iso_date("1969-12-31"), Some(-1));
        assert_eq!(parse_iso_date("2000-03-01"), Some(11_017));
        assert!(parse_iso_date("2024-02-29").is_some());
        assert_eq!(parse_iso_date("2026-02-29"), None);
        assert_eq!(parse_iso_date("2026-1-5"), None);
    }
}
