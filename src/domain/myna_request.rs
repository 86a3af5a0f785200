//! When an outbound Myna Portal request runs (DOMAIN.md "Myna Portal"). A request rides on a
//! consent the holder just gave, so it may run only while that consent holds; the municipal
//! server answers only in its hours, so a request that cannot be answered now waits for the
//! next opening instead of being retried blindly. Pure: the clock and the portal are inputs.

use time::{Date, Duration, OffsetDateTime};

use super::hours;

/// How a request asks (the portal's 時点指定 and 範囲指定).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The data as of one day (normally today).
    Point(Date),
    /// The data over a span of days, both ends included.
    Range(Date, Date),
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Point(_) => "point",
            Mode::Range(..) => "range",
        }
    }

    pub fn from_on(self) -> Date {
        match self {
            Mode::Point(day) | Mode::Range(day, _) => day,
        }
    }

    pub fn to_on(self) -> Date {
        match self {
            Mode::Point(day) | Mode::Range(_, day) => day,
        }
    }

    /// Builds a mode from its stored parts; a range must not run backwards.
    pub fn from_parts(code: &str, from: Date, to: Date) -> Option<Mode> {
        match code {
            "point" => Some(Mode::Point(from)),
            "range" if from <= to => Some(Mode::Range(from, to)),
            _ => None,
        }
    }
}

/// Where a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for its run time (`run_at`).
    Scheduled,
    /// The portal accepted it; its data comes by callback.
    Sent,
    /// The callback came.
    Delivered,
    /// Staff cancelled it.
    Cancelled,
    /// Its consent ended before the municipal server could answer.
    Lapsed,
    /// The portal refused it, or it kept failing.
    Failed,
}

impl State {
    pub const ALL: [State; 6] =
        [State::Scheduled, State::Sent, State::Delivered, State::Cancelled, State::Lapsed, State::Failed];

    pub fn code(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::Sent => "sent",
            State::Delivered => "delivered",
            State::Cancelled => "cancelled",
            State::Lapsed => "lapsed",
            State::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Scheduled => "照会待ち",
            State::Sent => "回答待ち",
            State::Delivered => "受信済み",
            State::Cancelled => "取消し",
            State::Lapsed => "同意期間切れ",
            State::Failed => "失敗",
        }
    }

    /// Staff may still reschedule or cancel it.
    pub fn is_open(self) -> bool {
        matches!(self, State::Scheduled | State::Sent)
    }
}

/// Why a request waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Outside the municipal server's hours.
    OutsideHours,
    /// The third Saturday's planned stop.
    PlannedStop,
    /// The portal answered "unavailable" inside the hours (an outage).
    Unavailable,
    /// The connection failed; tried again later.
    Transport,
    /// A member of staff chose the time.
    Rescheduled,
}

impl Wait {
    pub const ALL: [Wait; 5] =
        [Wait::OutsideHours, Wait::PlannedStop, Wait::Unavailable, Wait::Transport, Wait::Rescheduled];

    pub fn code(self) -> &'static str {
        match self {
            Wait::OutsideHours => "outside_hours",
            Wait::PlannedStop => "planned_stop",
            Wait::Unavailable => "unavailable",
            Wait::Transport => "transport",
            Wait::Rescheduled => "rescheduled",
        }
    }

    pub fn parse(code: &str) -> Option<Wait> {
        Wait::ALL.into_iter().find(|w| w.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Wait::OutsideHours => "自治体中間サーバの運用時間外（平日 8:00〜21:00、土日祝 8:00〜17:00）のため",
            Wait::PlannedStop => "自治体中間サーバの計画停止日（毎月第3土曜日）のため",
            Wait::Unavailable => "マイナポータルが「応答不可」と回答したため",
            Wait::Transport => "マイナポータルに接続できなかったため",
            Wait::Rescheduled => "職員が照会日時を指定したため",
        }
    }
}

/// What to do with a request at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Send it now.
    Now,
    /// Wait until `at`, for `why`.
    At { at: OffsetDateTime, why: Wait },
    /// Its consent ends before the municipal server can answer: it cannot run.
    Lapsed,
}

/// How long an outage inside the hours is waited out before asking again.
pub const OUTAGE_RETRY: Duration = Duration::minutes(15);
/// Connection failures are tried again after 5, 10, 20, 40 minutes...
pub const TRANSPORT_RETRY: Duration = Duration::minutes(5);
/// ...and the request fails after this many attempts.
pub const MAX_ATTEMPTS: i32 = 6;

fn within(at: OffsetDateTime, why: Wait, valid_until: OffsetDateTime) -> Plan {
    if at >= valid_until { Plan::Lapsed } else { Plan::At { at, why } }
}

/// Why the server is closed at `at` (the planned stop, or simply outside the hours).
fn closed_reason(at: OffsetDateTime) -> Wait {
    let day = at.to_offset(crate::clock::JST).date();
    if hours::is_planned_stop(day) { Wait::PlannedStop } else { Wait::OutsideHours }
}

/// A request about to be sent at `now`: now if the server answers, else at its next opening,
/// as long as the consent still holds then.
pub fn plan(now: OffsetDateTime, valid_until: OffsetDateTime) -> Plan {
    if now >= valid_until {
        return Plan::Lapsed;
    }
    if hours::is_open(now) {
        return Plan::Now;
    }
    within(hours::next_opening(now), closed_reason(now), valid_until)
}

/// The portal answered "unavailable" at `now`: inside the hours an outage is waited out for a
/// quarter of an hour, outside them the request waits for the opening.
pub fn after_unavailable(now: OffsetDateTime, valid_until: OffsetDateTime) -> Plan {
    if !hours::is_open(now) {
        return match plan(now, valid_until) {
            Plan::Now => within(now + OUTAGE_RETRY, Wait::Unavailable, valid_until),
            other => other,
        };
    }
    let retry = now + OUTAGE_RETRY;
    let at = hours::next_opening(retry);
    within(at, Wait::Unavailable, valid_until)
}

/// The connection failed on attempt `attempts` (1 for the first): back off, within the hours;
/// `None` once the attempts are spent.
pub fn after_transport(now: OffsetDateTime, attempts: i32, valid_until: OffsetDateTime) -> Option<Plan> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let factor = 1i32 << (attempts.clamp(1, 10) - 1);
    let at = hours::next_opening(now + TRANSPORT_RETRY * factor);
    Some(within(at, Wait::Transport, valid_until))
}

/// Staff asked for `wanted`: it must be ahead of `now`; if the server is closed then, the
/// request runs at the opening after it. Consent bounds it like any other run.
pub fn reschedule(now: OffsetDateTime, wanted: OffsetDateTime, valid_until: OffsetDateTime) -> Result<Plan, Refusal> {
    if wanted < now {
        return Err(Refusal::InThePast);
    }
    let at = hours::next_opening(wanted);
    match within(at, Wait::Rescheduled, valid_until) {
        Plan::Lapsed => Err(Refusal::AfterConsent),
        plan => Ok(plan),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("過去の日時は指定できません。")]
    InThePast,
    #[error("同意の有効期限より後には照会できません。")]
    AfterConsent,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn far() -> OffsetDateTime {
        datetime!(2030-01-01 00:00 +09:00)
    }

    #[test]
    fn saturday_evening_runs_on_monday_morning() {
        // 2026-11-28 is a Saturday (the fourth: no planned stop); Sunday is open 08–17 and is
        // the next opening, as DOMAIN.md gives Sundays hours. The "Monday" holds when
        // the Sunday is closed to requests, which the hours say it is not.
        let plan = plan(datetime!(2026-11-28 17:30 +09:00), far());
        assert_eq!(plan, Plan::At { at: datetime!(2026-11-29 08:00 +09:00), why: Wait::OutsideHours });
        // Sunday after closing → Monday 08:00.
        let plan2 = super::plan(datetime!(2026-11-29 17:30 +09:00), far());
        assert_eq!(plan2, Plan::At { at: datetime!(2026-11-30 08:00 +09:00), why: Wait::OutsideHours });
    }

    #[test]
    fn a_holiday_monday_opens_at_its_holiday_hours() {
        // 2027-01-11 is Coming-of-Age Day (a Monday): the request after Sunday's close runs at
        // 08:00 that holiday, and one after the holiday's 17:00 close runs Tuesday.
        let sunday = datetime!(2027-01-10 18:00 +09:00);
        assert_eq!(plan(sunday, far()), Plan::At { at: datetime!(2027-01-11 08:00 +09:00), why: Wait::OutsideHours });
        let holiday = datetime!(2027-01-11 17:00 +09:00);
        assert_eq!(plan(holiday, far()), Plan::At { at: datetime!(2027-01-12 08:00 +09:00), why: Wait::OutsideHours });
    }

    #[test]
    fn the_third_saturday_is_named_as_the_planned_stop() {
        let stop = datetime!(2026-11-21 10:00 +09:00);
        assert_eq!(plan(stop, far()), Plan::At { at: datetime!(2026-11-22 08:00 +09:00), why: Wait::PlannedStop });
    }

    #[test]
    fn inside_the_hours_it_runs_now() {
        assert_eq!(plan(datetime!(2026-11-25 08:00 +09:00), far()), Plan::Now);
        assert_eq!(plan(datetime!(2026-11-25 20:59 +09:00), far()), Plan::Now);
        assert_ne!(plan(datetime!(2026-11-25 21:00 +09:00), far()), Plan::Now);
    }

    #[test]
    fn a_consent_that_ends_before_the_opening_lapses() {
        let night = datetime!(2026-11-25 22:00 +09:00);
        assert_eq!(plan(night, datetime!(2026-11-26 07:59 +09:00)), Plan::Lapsed);
        assert_eq!(plan(night, datetime!(2026-11-26 08:00 +09:00)), Plan::Lapsed);
        assert!(matches!(plan(night, datetime!(2026-11-26 08:01 +09:00)), Plan::At { .. }));
        assert_eq!(plan(night, night), Plan::Lapsed);
    }

    #[test]
    fn an_outage_is_waited_out_inside_the_hours_and_until_the_opening_outside() {
        let noon = datetime!(2026-11-25 12:00 +09:00);
        assert_eq!(
            after_unavailable(noon, far()),
            Plan::At { at: datetime!(2026-11-25 12:15 +09:00), why: Wait::Unavailable }
        );
        // Close to closing time the quarter hour falls outside: next morning.
        let late = datetime!(2026-11-25 20:50 +09:00);
        assert_eq!(
            after_unavailable(late, far()),
            Plan::At { at: datetime!(2026-11-26 08:00 +09:00), why: Wait::Unavailable }
        );
        let night = datetime!(2026-11-25 23:00 +09:00);
        assert_eq!(
            after_unavailable(night, far()),
            Plan::At { at: datetime!(2026-11-26 08:00 +09:00), why: Wait::OutsideHours }
        );
    }

    #[test]
    fn connection_failures_back_off_and_give_up() {
        let noon = datetime!(2026-11-25 12:00 +09:00);
        assert_eq!(
            after_transport(noon, 1, far()),
            Some(Plan::At { at: datetime!(2026-11-25 12:05 +09:00), why: Wait::Transport })
        );
        assert_eq!(
            after_transport(noon, 3, far()),
            Some(Plan::At { at: datetime!(2026-11-25 12:20 +09:00), why: Wait::Transport })
        );
        assert_eq!(after_transport(noon, MAX_ATTEMPTS, far()), None);
    }

    #[test]
    fn staff_may_not_reschedule_into_the_past_or_past_the_consent() {
        let now = datetime!(2026-11-25 12:00 +09:00);
        assert_eq!(reschedule(now, now - Duration::minutes(1), far()), Err(Refusal::InThePast));
        assert_eq!(
            reschedule(now, datetime!(2026-11-26 09:00 +09:00), datetime!(2026-11-26 08:30 +09:00)),
            Err(Refusal::AfterConsent)
        );
        // A time at night is moved to the opening after it.
        assert_eq!(
            reschedule(now, datetime!(2026-11-25 23:00 +09:00), far()),
            Ok(Plan::At { at: datetime!(2026-11-26 08:00 +09:00), why: Wait::Rescheduled })
        );
    }

    #[test]
    fn modes_keep_their_days() {
        let day = date!(2026 - 11 - 25);
        assert_eq!(Mode::from_parts("point", day, day), Some(Mode::Point(day)));
        assert_eq!(
            Mode::from_parts("range", day, day + Duration::days(3)),
            Some(Mode::Range(day, day + Duration::days(3)))
        );
        assert_eq!(Mode::from_parts("range", day, day - Duration::days(1)), None);
        assert_eq!(Mode::from_parts("all", day, day), None);
        for state in State::ALL {
            assert_eq!(State::parse(state.code()), Some(state));
        }
        for wait in Wait::ALL {
            assert_eq!(Wait::parse(wait.code()), Some(wait));
        }
    }
}
