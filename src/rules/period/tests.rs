//! Periods across DST changes, year ends and weeks of two months (a table),
//! what holds of every period (properties), and counts against a model of
//! the active uses.

use couponsd_client::wire::{CouponSpec, PeriodLimits};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::error::Refusal;

fn ms(at: &str) -> i64 {
    at.parse::<Timestamp>()
        .expect("a test instant")
        .as_millisecond()
}

fn zone(name: &str) -> TimeZone {
    schedule::time_zone(name).expect("a test zone")
}

/// One row per case: zone, kind, the instant, and the period's UTC bounds.
#[test]
fn periods_are_local_days_iso_weeks_and_calendar_months() {
    use PeriodKind::*;
    let rows: &[(&str, PeriodKind, &str, &str, &str)] = &[
        (
            "",
            Day,
            "2026-12-06T12:00:00Z",
            "2026-12-06T00:00:00Z",
            "2026-12-07T00:00:00Z",
        ),
        // 23:58 in Paris is 22:58 UTC: the local day ends an hour before UTC's.
        (
            "Europe/Paris",
            CustomerDay,
            "2026-12-08T22:58:00Z",
            "2026-12-07T23:00:00Z",
            "2026-12-08T23:00:00Z",
        ),
        (
            "Europe/Paris",
            CustomerDay,
            "2026-12-08T23:00:00Z",
            "2026-12-08T23:00:00Z",
            "2026-12-09T23:00:00Z",
        ),
        // DST ends on 2026-10-25: a day of 25 hours; it starts on 2026-03-29: 23 hours.
        (
            "Europe/Paris",
            Day,
            "2026-10-25T12:00:00Z",
            "2026-10-24T22:00:00Z",
            "2026-10-25T23:00:00Z",
        ),
        (
            "Europe/Paris",
            Day,
            "2026-03-29T12:00:00Z",
            "2026-03-28T23:00:00Z",
            "2026-03-29T22:00:00Z",
        ),
        // Santiago skips midnight on 2026-09-06: that day starts at 01:00 (-03).
        (
            "America/Santiago",
            CustomerDay,
            "2026-09-06T12:00:00Z",
            "2026-09-06T04:00:00Z",
            "2026-09-07T03:00:00Z",
        ),
        (
            "America/Santiago",
            CustomerDay,
            "2026-09-05T12:00:00Z",
            "2026-09-05T04:00:00Z",
            "2026-09-06T04:00:00Z",
        ),
        (
            "Asia/Kolkata",
            CustomerDay,
            "2026-12-06T20:00:00Z",
            "2026-12-06T18:30:00Z",
            "2026-12-07T18:30:00Z",
        ),
        // The week of Friday 2027-01-01 runs from Monday 2026-12-28: two months, two years.
        (
            "Europe/Paris",
            CustomerWeek,
            "2027-01-01T12:00:00Z",
            "2026-12-27T23:00:00Z",
            "2027-01-03T23:00:00Z",
        ),
        (
            "",
            CustomerWeek,
            "2026-12-06T23:59:59Z",
            "2026-11-30T00:00:00Z",
            "2026-12-07T00:00:00Z",
        ),
        (
            "",
            CustomerWeek,
            "2026-12-07T00:00:00Z",
            "2026-12-07T00:00:00Z",
            "2026-12-14T00:00:00Z",
        ),
        // A week with the autumn DST change: 169 hours.
        (
            "Europe/Paris",
            CustomerWeek,
            "2026-10-21T12:00:00Z",
            "2026-10-18T22:00:00Z",
            "2026-10-25T23:00:00Z",
        ),
        // The last minute of the year in Paris, then its first.
        (
            "Europe/Paris",
            CustomerMonth,
            "2026-12-31T22:59:00Z",
            "2026-11-30T23:00:00Z",
            "2026-12-31T23:00:00Z",
        ),
        (
            "Europe/Paris",
            CustomerMonth,
            "2026-12-31T23:00:30Z",
            "2026-12-31T23:00:00Z",
            "2027-01-31T23:00:00Z",
        ),
        (
            "Europe/Paris",
            CustomerMonth,
            "2026-03-15T00:00:00Z",
            "2026-02-28T23:00:00Z",
            "2026-03-31T22:00:00Z",
        ),
        (
            "",
            CustomerMonth,
            "2028-02-29T12:00:00Z",
            "2028-02-01T00:00:00Z",
            "2028-03-01T00:00:00Z",
        ),
    ];
    for (i, &(name, kind, at, start, end)) in rows.iter().enumerate() {
        let expected = Period {
            start_ms: ms(start),
            end_ms: ms(end),
        };
        assert_eq!(period_of(kind, &zone(name), ms(at)), expected, "row {i}");
    }
}

fn spec(limits: PeriodLimits) -> CouponSpec {
    CouponSpec {
        time_zone: "Europe/Paris".into(),
        period_limits: limits,
        ..CouponSpec::default()
    }
}

#[test]
fn check_names_the_first_limit_reached_and_when_it_resets() {
    let limits = PeriodLimits {
        customer_per_day: Some(3),
        customer_per_week: Some(2),
        customer_per_month: None,
        per_day: Some(100),
    };
    let now = ms("2026-12-12T11:00:00Z");
    let uses =
        |counts: [u32; 4]| move |kind: PeriodKind, _: Period| counts[usize::from(kind.code() - 1)];
    assert_eq!(check(&spec(limits), now, uses([1, 1, 9, 99])), Ok(()));
    let refused = check(&spec(limits), now, uses([2, 2, 0, 100])).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "customer_uses_per_week 2 reached; resets 2026-12-14T00:00:00+01:00"
    );
    let refused = check(&spec(limits), now, uses([0, 0, 0, 100])).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "uses_per_day 100 reached; resets 2026-12-13T00:00:00+01:00"
    );
    let Refusal::PeriodLimit(reached) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(reached.resets_at_ms, ms("2026-12-12T23:00:00Z"));
    // In summer the offset is +02:00.
    let summer = check(
        &spec(limits),
        ms("2026-07-01T10:00:00Z"),
        uses([3, 0, 0, 0]),
    );
    assert_eq!(
        summer.unwrap_err().to_string(),
        "customer_uses_per_day 3 reached; resets 2026-07-02T00:00:00+02:00"
    );
    assert_eq!(check(&CouponSpec::default(), now, uses([9; 4])), Ok(()));
    assert!(counts_uses(&spec(limits)) && limits_a_person(&spec(limits)));
    let global_only = spec(PeriodLimits {
        per_day: Some(1),
        ..PeriodLimits::default()
    });
    assert!(counts_uses(&global_only) && !limits_a_person(&global_only));
}

#[test]
fn a_count_holds_only_the_uses_of_its_period() {
    let paris = zone("Europe/Paris");
    let day = |at| period_of(PeriodKind::CustomerDay, &paris, ms(at));
    let first =
        PeriodCount::default().after_use(day("2026-12-08T10:00:00Z"), ms("2026-12-08T10:00:00Z"));
    let two = first.after_use(day("2026-12-08T22:59:00Z"), ms("2026-12-08T22:59:00Z"));
    assert_eq!(two.uses_in(day("2026-12-08T22:59:30Z")), 2);
    // Past local midnight (still the same UTC day) it counts nothing...
    assert_eq!(two.uses_in(day("2026-12-08T23:00:00Z")), 0);
    // ...and the next use starts afresh.
    let next = two.after_use(day("2026-12-08T23:00:00Z"), ms("2026-12-08T23:00:00Z"));
    assert_eq!((next.uses, next.from_ms), (1, ms("2026-12-08T23:00:00Z")));
    // A use of the day before is not given back to it.
    assert_eq!(next.after_give_back(ms("2026-12-08T10:00:00Z")), None);
    assert_eq!(
        two.after_give_back(ms("2026-12-08T10:00:00Z"))
            .map(|c| c.uses),
        Some(1)
    );
}

const ZONES: &[&str] = &[
    "",
    "Europe/Paris",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
];

fn any_kind() -> impl Strategy<Value = PeriodKind> {
    (0usize..4).prop_map(|i| PeriodKind::ALL[i])
}

/// 1990 to 2100.
fn any_instant() -> impl Strategy<Value = i64> {
    631_152_000_000i64..4_102_444_800_000
}

proptest! {
    /// A period holds its instant, is the same from any of its instants,
    /// is followed by the next with no gap, starts at a local midnight of
    /// the right weekday or day of the month, and is as long as its kind.
    #[test]
    fn periods_tile_time(zone_index in 0..ZONES.len(), kind in any_kind(), now in any_instant()) {
        let zone = zone(ZONES[zone_index]);
        let p = period_of(kind, &zone, now);
        prop_assert!(p.start_ms <= now && now < p.end_ms);
        prop_assert_eq!(period_of(kind, &zone, p.start_ms), p);
        prop_assert_eq!(period_of(kind, &zone, p.end_ms - 1), p);
        prop_assert_eq!(period_of(kind, &zone, p.end_ms).start_ms, p.end_ms);
        let start = Timestamp::from_millisecond(p.start_ms).unwrap().to_zoned(zone.clone());
        prop_assert!(start.hour() <= 1, "{start}");
        let hours = (p.end_ms - p.start_ms) / 3_600_000;
        match kind {
            PeriodKind::CustomerDay | PeriodKind::Day => prop_assert!((23..=25).contains(&hours)),
            PeriodKind::CustomerWeek => {
                prop_assert_eq!(start.weekday(), jiff::civil::Weekday::Monday);
                prop_assert!((167..=169).contains(&hours));
            }
            PeriodKind::CustomerMonth => {
                prop_assert_eq!(start.day(), 1);
                prop_assert!((28 * 24 - 1..=31 * 24 + 1).contains(&hours));
            }
        }
    }

    /// Uses taken and given back in any order, at increasing times: the
    /// count of the period in progress is always the active uses created in
    /// it.
    #[test]
    fn a_count_equals_the_active_uses_of_its_period(
        kind in any_kind(),
        start in any_instant(),
        steps in prop::collection::vec((0i64..36 * 3_600_000, any::<bool>(), any::<prop::sample::Index>()), 1..60),
    ) {
        let zone = zone("Europe/Paris");
        let mut now = start;
        let mut count: Option<PeriodCount> = None;
        let mut active: Vec<i64> = Vec::new();
        for (delta_ms, take, pick) in steps {
            now += delta_ms;
            let period = period_of(kind, &zone, now);
            if take || active.is_empty() {
                count = Some(count.unwrap_or_default().after_use(period, now));
                active.push(now);
            } else {
                let created_at = active.swap_remove(pick.index(active.len()));
                if let Some(after) = count.and_then(|c| c.after_give_back(created_at)) {
                    count = (after.uses > 0).then_some(after);
                }
            }
            let in_period = active
                .iter()
                .filter(|&&t| period.start_ms <= t && t < period.end_ms)
                .count();
            let counted = count.map_or(0, |c| c.uses_in(period));
            prop_assert_eq!(counted as usize, in_period);
        }
    }
}
