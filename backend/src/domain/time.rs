//! Times are stored in UTC and shown in Vietnam's time zone. Calendar rules (a certificate is
//! valid until its expiry date) use the date in Vietnam.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Ho_Chi_Minh;

/// The calendar date in Vietnam at `instant`.
pub fn vietnam_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Ho_Chi_Minh).date_naive()
}

/// The instant a day begins in Vietnam.
pub fn vietnam_midnight(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&local)
        .single()
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

/// `22/11/2026 19:05`, Vietnamese style, in Vietnam's time zone.
pub fn format_vietnam(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&Ho_Chi_Minh)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// A `datetime-local` form value (`2026-11-22T19:30`), read as Vietnam's time.
pub fn parse_vietnam_local(raw: &str) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Ho_Chi_Minh
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The `datetime-local` form value of `instant` in Vietnam's time.
pub fn vietnam_local_value(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&Ho_Chi_Minh)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_vietnam() {
        let instant = Utc
            .with_ymd_and_hms(2026, 11, 22, 18, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(
            vietnam_date(instant),
            NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
        );
        assert_eq!(format_vietnam(instant), "23/11/2026 01:30");
    }

    #[test]
    fn form_times_are_read_in_vietnam() {
        let at = parse_vietnam_local("2026-11-23T01:30").expect("a time");
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 11, 22, 18, 30, 0)
                .single()
                .expect("valid")
        );
        assert_eq!(vietnam_local_value(at), "2026-11-23T01:30");
        assert_eq!(parse_vietnam_local("tomorrow"), None);
    }
}
