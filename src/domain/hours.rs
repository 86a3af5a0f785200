//! When the municipal intermediate server (自治体中間サーバ) answers Myna Portal requests for
//! disability data (DOMAIN.md "Myna Portal"): weekdays 08:00–21:00, Saturdays, Sundays and
//! national holidays 08:00–17:00, closed all day on the third Saturday of the month; all in
//! Asia/Tokyo. A request outside these hours waits for the next opening.
//!
//! National holidays 2016–2030 come from the Cabinet Office's list (embedded; it carries the
//! one-off moves of 2019–2021). Other years follow the Holidays Act: the fixed and "Happy
//! Monday" days, the equinoxes by the usual astronomical approximation, a substitute holiday
//! after one on a Sunday (振替休日), and a day between two holidays (国民の休日).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use crate::clock::JST;

const TABLE_YEARS: std::ops::RangeInclusive<i32> = 2016..=2030;

fn table() -> &'static BTreeSet<Date> {
    static DAYS: OnceLock<BTreeSet<Date>> = OnceLock::new();
    DAYS.get_or_init(|| {
        super::holiday_table::HOLIDAYS
            .iter()
            .filter_map(|(y, m, d, _)| Date::from_calendar_date(*y, Month::try_from(*m).ok()?, *d).ok())
            .collect()
    })
}

fn date(year: i32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, month, day).ok()
}

/// The `n`th (1-based) `weekday` of a month.
fn nth_weekday(year: i32, month: Month, weekday: Weekday, n: u8) -> Option<Date> {
    let first = date(year, month, 1)?;
    let offset = (7 + weekday.number_days_from_monday() as i16 - first.weekday().number_days_from_monday() as i16) % 7;
    first.checked_add(Duration::days(i64::from(offset) + 7 * i64::from(n - 1)))
}

/// The day of the vernal (20.8431) or autumnal (23.2488) equinox, for 1980–2099.
fn equinox(year: i32, base: f64) -> u8 {
    let y = f64::from(year - 1980);
    (base + 0.242194 * y - (y / 4.0).floor()).floor() as u8
}

/// The national holidays (国民の祝日) the Act names for `year`, before substitutes.
fn named_by_rule(year: i32) -> Vec<Date> {
    use Month::*;
    // The Emperor's Birthday: 23 December until 2018, none in 2019, 23 February since 2020.
    let birthday = match year {
        ..=2018 => date(year, December, 23),
        2019 => None,
        _ => date(year, February, 23),
    };
    let fixed = [
        (January, 1),
        (February, 11),
        (April, 29),
        (May, 3),
        (May, 4),
        (May, 5),
        (August, 11),
        (November, 3),
        (November, 23),
    ];
    let mut days: Vec<Date> = fixed.iter().filter_map(|(m, d)| date(year, *m, *d)).chain(birthday).collect();
    days.extend(
        [
            nth_weekday(year, January, Weekday::Monday, 2),
            nth_weekday(year, July, Weekday::Monday, 3),
            nth_weekday(year, September, Weekday::Monday, 3),
            nth_weekday(year, October, Weekday::Monday, 2),
            date(year, March, equinox(year, 20.8431)),
            date(year, September, equinox(year, 23.2488)),
        ]
        .into_iter()
        .flatten(),
    );
    days.sort();
    days
}

/// Every holiday of `year` by the Act's rules: the named days, a substitute after each that
/// falls on a Sunday (the next day that is not already a holiday), and a weekday between two
/// named days.
pub fn holidays_by_rule(year: i32) -> BTreeSet<Date> {
    let named: BTreeSet<Date> = named_by_rule(year).into_iter().collect();
    let mut all = named.clone();
    for day in &named {
        if day.weekday() == Weekday::Sunday {
            let mut next = day.next_day();
            while let Some(d) = next.filter(|d| all.contains(d)) {
                next = d.next_day();
            }
            if let Some(d) = next {
                all.insert(d);
            }
        }
    }
    for day in &named {
        if let Some(between) = day.checked_add(Duration::days(1))
            && !all.contains(&between)
            && between.weekday() != Weekday::Sunday
            && between.next_day().is_some_and(|after| named.contains(&after))
        {
            all.insert(between);
        }
    }
    all
}

/// Whether `day` is a national holiday, substitute holiday or citizens' holiday.
pub fn is_holiday(day: Date) -> bool {
    if TABLE_YEARS.contains(&day.year()) {
        return table().contains(&day);
    }
    holidays_by_rule(day.year()).contains(&day)
}

/// The planned stop: the third Saturday of every month.
pub fn is_planned_stop(day: Date) -> bool {
    day.weekday() == Weekday::Saturday && (15..=21).contains(&day.day())
}

/// The hours the server answers on `day` (opening, closing), or `None` on the planned stop.
pub fn window(day: Date) -> Option<(Time, Time)> {
    if is_planned_stop(day) {
        return None;
    }
    let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
    let close = if weekend || is_holiday(day) { Time::from_hms(17, 0, 0) } else { Time::from_hms(21, 0, 0) };
    Some((Time::from_hms(8, 0, 0).ok()?, close.ok()?))
}

/// Whether a request made at `at` is answered at once.
pub fn is_open(at: OffsetDateTime) -> bool {
    let local = at.to_offset(JST);
    window(local.date()).is_some_and(|(open, close)| local.time() >= open && local.time() < close)
}

/// `at` itself while the server answers, else the next opening.
pub fn next_opening(at: OffsetDateTime) -> OffsetDateTime {
    if is_open(at) {
        return at;
    }
    let local = at.to_offset(JST);
    let mut day = local.date();
    // Today's opening, if it is still ahead; then the following days (a stop never lasts a
    // week, so this ends within a few days).
    if let Some((open, _)) = window(day)
        && local.time() < open
    {
        return PrimitiveDateTime::new(day, open).assume_offset(JST);
    }
    for _ in 0..14 {
        let Some(next) = day.next_day() else { break };
        day = next;
        if let Some((open, _)) = window(day) {
            return PrimitiveDateTime::new(day, open).assume_offset(JST);
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    /// Days special laws added (the accession of 2019, the Olympic years), which no general
    /// rule yields...
    const ONE_OFF: [Date; 11] = [
        date!(2019 - 04 - 30),
        date!(2019 - 05 - 01),
        date!(2019 - 05 - 02),
        date!(2019 - 10 - 22),
        date!(2020 - 07 - 23),
        date!(2020 - 07 - 24),
        date!(2020 - 08 - 10),
        date!(2021 - 07 - 22),
        date!(2021 - 07 - 23),
        date!(2021 - 08 - 08),
        date!(2021 - 08 - 09),
    ];
    /// ...and the rule's days those laws moved away.
    const DISPLACED: [Date; 6] = [
        date!(2020 - 07 - 20),
        date!(2020 - 08 - 11),
        date!(2020 - 10 - 12),
        date!(2021 - 07 - 19),
        date!(2021 - 08 - 11),
        date!(2021 - 10 - 11),
    ];

    #[test]
    fn every_date_of_the_table_is_a_holiday() {
        let days: Vec<Date> = table().iter().copied().collect();
        assert_eq!(days.len(), 273);
        for day in days {
            assert!(is_holiday(day), "{day}");
            let expected = if is_planned_stop(day) { None } else { Time::from_hms(17, 0, 0).ok() };
            assert_eq!(window(day).map(|w| w.1), expected, "{day}");
        }
    }

    #[test]
    fn the_acts_rules_give_the_table_but_for_the_special_laws() {
        for year in TABLE_YEARS {
            let by_rule = holidays_by_rule(year);
            let listed: BTreeSet<Date> = table().iter().copied().filter(|d| d.year() == year).collect();
            let only_listed: Vec<Date> = listed.difference(&by_rule).copied().collect();
            let only_by_rule: Vec<Date> = by_rule.difference(&listed).copied().collect();
            assert!(only_listed.iter().all(|d| ONE_OFF.contains(d)), "{year}: {only_listed:?}");
            assert!(only_by_rule.iter().all(|d| DISPLACED.contains(d)), "{year}: {only_by_rule:?}");
        }
    }

    #[test]
    fn substitute_and_citizens_holidays_follow_the_act() {
        // 2032: 20 September (敬老の日) and 22 September (秋分の日) make 21 September a
        // citizens' holiday.
        let y2032 = holidays_by_rule(2032);
        assert!(y2032.contains(&date!(2032 - 09 - 21)), "between 敬老の日 and 秋分の日");
        // 2034: 1 January is a Sunday, 2 January the substitute.
        assert!(holidays_by_rule(2034).contains(&date!(2034 - 01 - 02)));
        // Golden Week 2037: 3 May a Sunday; 4 and 5 May are holidays, so 6 May is the substitute.
        assert!(holidays_by_rule(2037).contains(&date!(2037 - 05 - 06)));
        assert!(is_holiday(date!(2034 - 01 - 02)));
        assert!(!is_holiday(date!(2034 - 01 - 03)));
    }

    #[test]
    fn opening_hours_at_their_boundaries() {
        let at = |t: OffsetDateTime| is_open(t);
        // A weekday (Wednesday 2026-11-25).
        assert!(!at(datetime!(2026-11-25 07:59:59 +09:00)));
        assert!(at(datetime!(2026-11-25 08:00:00 +09:00)));
        assert!(at(datetime!(2026-11-25 20:59:59 +09:00)));
        assert!(!at(datetime!(2026-11-25 21:00:00 +09:00)));
        // A holiday on a weekday (勤労感謝の日, Monday 2026-11-23) closes at 17:00.
        assert!(at(datetime!(2026-11-23 16:59:59 +09:00)));
        assert!(!at(datetime!(2026-11-23 17:00:00 +09:00)));
        // Saturday and Sunday.
        assert!(at(datetime!(2026-11-28 16:59 +09:00)) && !at(datetime!(2026-11-28 17:00 +09:00)));
        assert!(at(datetime!(2026-11-29 08:00 +09:00)) && !at(datetime!(2026-11-29 07:59 +09:00)));
        // The third Saturday (2026-11-21): closed all day.
        assert!(!at(datetime!(2026-11-21 12:00 +09:00)));
        assert!(is_planned_stop(date!(2026 - 11 - 21)) && !is_planned_stop(date!(2026 - 11 - 14)));
        // New Year's Day: holiday hours.
        assert!(at(datetime!(2027-01-01 08:00 +09:00)) && !at(datetime!(2027-01-01 17:00 +09:00)));
        // UTC instants are read in Japan.
        assert!(at(datetime!(2026-11-24 23:00 UTC)), "08:00 on the 25th in Japan");
    }

    #[test]
    fn a_request_out_of_hours_runs_at_the_next_opening() {
        // Saturday 17:30 → Sunday 08:00 (Sundays open 08:00–17:00).
        assert_eq!(next_opening(datetime!(2026-11-28 17:30 +09:00)), datetime!(2026-11-29 08:00 +09:00));
        // Friday 21:30 before a third Saturday → Sunday 08:00.
        assert_eq!(next_opening(datetime!(2026-11-20 21:30 +09:00)), datetime!(2026-11-22 08:00 +09:00));
        // Early morning: the same day's opening.
        assert_eq!(next_opening(datetime!(2026-11-25 06:00 +09:00)), datetime!(2026-11-25 08:00 +09:00));
        // Open now: now.
        assert_eq!(next_opening(datetime!(2026-11-25 12:00 +09:00)), datetime!(2026-11-25 12:00 +09:00));
        // Sunday after closing before a Monday holiday (2027-01-11, 成人の日) → Monday 08:00.
        assert_eq!(next_opening(datetime!(2027-01-10 18:00 +09:00)), datetime!(2027-01-11 08:00 +09:00));
    }
}
