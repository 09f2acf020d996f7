//! Times as the page shows them, rendered on the server in the viewer's timezone.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::users::model::TimeLabel;

/// Whether `name` is an IANA timezone name.
pub fn is_timezone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

/// Every IANA timezone name, sorted, for the form's list.
pub fn timezone_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    names.sort_unstable();
    names
}

/// `at_ms` as a relative label with its exact time in `tz` (UTC if `tz` is unknown).
pub fn label(at_ms: i64, now_ms: i64, tz: &str) -> TimeLabel {
    let zone: Tz = tz.parse().unwrap_or(Tz::UTC);
    let at: DateTime<Utc> = Utc.timestamp_millis_opt(at_ms).single().unwrap_or_default();
    let local = at.with_timezone(&zone);
    TimeLabel {
        iso: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        relative: relative(now_ms - at_ms),
        exact: format!("{} ({})", local.format("%-d %b %Y, %H:%M"), zone.name()),
    }
}

/// The first millisecond of `day` (`YYYY-MM-DD`) in `tz` (UTC if unknown) and that of the day
/// after: the day as a range of times. `None` if `day` is not a date.
pub fn day_range(day: &str, tz: &str) -> Option<(i64, i64)> {
    let zone: Tz = tz.parse().unwrap_or(Tz::UTC);
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    // Where a clock change skips midnight, the day starts at the first time that exists.
    let start = |d: chrono::NaiveDate| {
        (0..=2).find_map(|h| {
            zone.from_local_datetime(&d.and_hms_opt(h, 0, 0)?)
                .earliest()
                .map(|t| t.timestamp_millis())
        })
    };
    Some((start(date)?, start(date.succ_opt()?)?))
}

/// "just now", "5 minutes ago", "3 hours ago", "yesterday", "12 days ago", "4 months ago".
pub fn relative(ago_ms: i64) -> String {
    let s = ago_ms / 1000;
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match s {
        i64::MIN..=44 => "just now".into(),
        45..=3_599 => plural((s / 60).max(1), "minute"),
        3_600..=86_399 => plural(s / 3_600, "hour"),
        86_400..=172_799 => "yesterday".into(),
        172_800..=2_591_999 => plural(s / 86_400, "day"),
        2_592_000..=31_535_999 => plural(s / 2_592_000, "month"),
        _ => plural(s / 31_536_000, "year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_labels_read_naturally() {
        assert_eq!(relative(10_000), "just now");
        assert_eq!(relative(60_000), "1 minute ago");
        assert_eq!(relative(3 * 3_600_000), "3 hours ago");
        assert_eq!(relative(30 * 3_600_000), "yesterday");
        assert_eq!(relative(12 * 86_400_000), "12 days ago");
        assert_eq!(relative(400 * 86_400_000), "1 year ago");
    }

    #[test]
    fn exact_times_are_in_the_viewers_timezone() {
        // 2026-11-29T12:00:00Z
        let at = 1_795_953_600_000;
        let l = label(at, at + 7_200_000, "Europe/Berlin");
        assert_eq!(l.iso, "2026-11-29T13:00:00+01:00");
        assert_eq!(l.exact, "29 Nov 2026, 13:00 (Europe/Berlin)");
        assert_eq!(l.relative, "2 hours ago");
        assert_eq!(label(at, at, "Not/AZone").iso, "2026-11-29T12:00:00+00:00");
    }

    #[test]
    fn a_day_is_a_range_of_times_in_the_viewers_timezone() {
        // 2026-11-29T00:00:00+01:00 .. 2026-11-30T00:00:00+01:00
        assert_eq!(
            day_range("2026-11-29", "Europe/Berlin"),
            Some((1_795_906_800_000, 1_795_993_200_000))
        );
        // The day clocks go forward is an hour shorter.
        let (a, b) = day_range("2026-03-29", "Europe/Berlin").unwrap();
        assert_eq!(b - a, 23 * 3_600_000);
        assert_eq!(day_range("2026-02-30", "UTC"), None);
        assert_eq!(day_range("yesterday", "UTC"), None);
    }

    #[test]
    fn the_timezone_list_holds_iana_names() {
        let names = timezone_names();
        assert!(names.contains(&"Europe/Berlin") && names.contains(&"America/New_York"));
        assert!(is_timezone("Asia/Tokyo") && !is_timezone("Mars/Olympus"));
    }
}
