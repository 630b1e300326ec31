//! Business limits per period (CouponSpec fields 40 to 43): a coupon's
//! active uses by one person per local day, ISO week (Monday 00:00 to
//! Monday 00:00) or calendar month, and by everyone per local day, all in
//! the coupon's time zone (`schedule::time_zone`; empty: UTC).
//!
//! A period is the span of UTC instants `[start_ms, end_ms)` between two
//! local midnights, so a day is 23 or 25 hours long across a DST change
//! and a day whose midnight does not exist starts at its first instant.
//!
//! The writer keeps one [`PeriodCount`] per (coupon, who, kind): the uses
//! taken in the period in progress when it last counted one. A count of a
//! period that is over reads as 0 and is replaced by the next use, so no
//! past period is ever kept beside the current one. It remembers from when
//! it counts (`from_ms`, the batch time of its first use) so that giving a
//! use back lowers it only if it holds that use: a use whose `created_at`
//! is in `[from_ms, until_ms)` was counted in it. That holds whatever the
//! coupon's time zone is by then: after a change of zone, the next use
//! starts a fresh count in the new zone's period, and a use taken before
//! the change is given back to nothing (its period's count is gone).
//!
//! Pure functions: no I/O, no clock (the caller passes the batch's time).

use couponsd_client::wire::{CouponSpec, PeriodLimits};
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ToSpan};

use super::schedule;
use crate::error::Refusal;

#[cfg(test)]
mod tests;

/// A redemption's `counted` bit: the use was counted in its coupon's period
/// counts (every kind, see [`counts_uses`]), so giving it back gives back
/// there too.
pub const PERIOD_COUNTED: u8 = 128;

/// The four limits, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    /// `customer_uses_per_day`: one person's uses per local day.
    CustomerDay,
    /// `customer_uses_per_week`: per ISO week, from Monday 00:00 local.
    CustomerWeek,
    /// `customer_uses_per_month`: per calendar month.
    CustomerMonth,
    /// `uses_per_day`: everyone's uses per local day.
    Day,
}

/// How long a period may be, for assertions: a month of 31 days and a DST
/// hour, with room for the odd historical zone change.
const PERIOD_MS_MAX: i64 = 33 * 24 * 3_600_000;

impl PeriodKind {
    /// Every kind, in the order `check` refuses.
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::CustomerDay,
        PeriodKind::CustomerWeek,
        PeriodKind::CustomerMonth,
        PeriodKind::Day,
    ];

    /// Its number in effects and checkpoints.
    pub fn code(self) -> u8 {
        match self {
            PeriodKind::CustomerDay => 1,
            PeriodKind::CustomerWeek => 2,
            PeriodKind::CustomerMonth => 3,
            PeriodKind::Day => 4,
        }
    }

    pub fn from_code(code: u8) -> Option<PeriodKind> {
        PeriodKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The CouponSpec field that limits it, as refusals name it.
    pub fn field(self) -> &'static str {
        match self {
            PeriodKind::CustomerDay => "customer_uses_per_day",
            PeriodKind::CustomerWeek => "customer_uses_per_week",
            PeriodKind::CustomerMonth => "customer_uses_per_month",
            PeriodKind::Day => "uses_per_day",
        }
    }

    pub fn limit(self, limits: &PeriodLimits) -> Option<u32> {
        match self {
            PeriodKind::CustomerDay => limits.customer_per_day,
            PeriodKind::CustomerWeek => limits.customer_per_week,
            PeriodKind::CustomerMonth => limits.customer_per_month,
            PeriodKind::Day => limits.per_day,
        }
    }

    /// Counted per person (else once for everyone).
    pub fn per_person(self) -> bool {
        self != PeriodKind::Day
    }
}

/// One period: the UTC instants `[start_ms, end_ms)` (unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Whether the coupon limits uses per period at all. Then every use is
/// counted in every kind (per person when the order names one), so that a
/// use's one `counted` bit says where to give it back, whichever limits
/// the coupon has by then.
pub fn counts_uses(spec: &CouponSpec) -> bool {
    PeriodKind::ALL
        .iter()
        .any(|k| k.limit(&spec.period_limits).is_some())
}

/// Whether it limits one person's uses per period (then an order must name
/// a person: `fraud::person::identified`).
pub fn limits_a_person(spec: &CouponSpec) -> bool {
    PeriodKind::ALL
        .iter()
        .any(|k| k.per_person() && k.limit(&spec.period_limits).is_some())
}

/// The coupon's zone. A name a later database release dropped reads as UTC
/// (as `schedule::check` does) rather than refusing forever.
pub fn zone_of(spec: &CouponSpec) -> TimeZone {
    schedule::time_zone(&spec.time_zone).unwrap_or(TimeZone::UTC)
}

/// The period of `kind` that `now_ms` falls in, in `zone`. jiff covers the
/// years -9999 to 9999; an instant it cannot place is one period with no
/// ends (nothing resets there).
pub fn period_of(kind: PeriodKind, zone: &TimeZone, now_ms: i64) -> Period {
    let whole = Period {
        start_ms: i64::MIN,
        end_ms: i64::MAX,
    };
    let Ok(now) = Timestamp::from_millisecond(now_ms) else {
        return whole;
    };
    let date = now.to_zoned(zone.clone()).date();
    let bounds = match kind {
        PeriodKind::CustomerDay | PeriodKind::Day => Some(date).zip(date.tomorrow().ok()),
        PeriodKind::CustomerWeek => {
            let monday = date
                .checked_sub(i64::from(date.weekday().to_monday_zero_offset()).days())
                .ok();
            monday.and_then(|m| Some(m).zip(m.checked_add(1.week()).ok()))
        }
        PeriodKind::CustomerMonth => {
            let first = date.first_of_month();
            Some(first).zip(first.checked_add(1.month()).ok())
        }
    };
    let Some((start, end)) = bounds else {
        return whole;
    };
    match (first_instant(start, zone), first_instant(end, zone)) {
        (Some(start_ms), Some(end_ms)) => {
            debug_assert!(start_ms <= now_ms && now_ms < end_ms);
            debug_assert!(end_ms - start_ms <= PERIOD_MS_MAX);
            Period { start_ms, end_ms }
        }
        _ => whole,
    }
}

/// The first instant of a local date: its midnight, or where the day
/// starts when a DST change skips midnight.
fn first_instant(date: Date, zone: &TimeZone) -> Option<i64> {
    let zoned = date.to_zoned(zone.clone()).ok()?.start_of_day().ok()?;
    Some(zoned.timestamp().as_millisecond())
}

/// Uses counted in one period for one (coupon, who, kind); see the module
/// documentation. `uses` is at least 1 while it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodCount {
    /// The batch time of the first use it counts.
    pub from_ms: i64,
    /// The end of its period.
    pub until_ms: i64,
    pub uses: u32,
}

impl PeriodCount {
    /// The uses it holds of `period` (0 for a count of another period).
    pub fn uses_in(self, period: Period) -> u32 {
        if self.until_ms == period.end_ms && self.from_ms >= period.start_ms {
            self.uses
        } else {
            0
        }
    }

    /// The count after one more use at `now_ms`, in `period` (the period of
    /// `now_ms`): a count of another period starts afresh.
    pub fn after_use(self, period: Period, now_ms: i64) -> PeriodCount {
        debug_assert!(period.start_ms <= now_ms && now_ms < period.end_ms);
        match self.uses_in(period) {
            0 => PeriodCount {
                from_ms: now_ms,
                until_ms: period.end_ms,
                uses: 1,
            },
            uses => PeriodCount {
                uses: uses.saturating_add(1),
                ..self
            },
        }
    }

    /// The count after giving back a use created at `created_at`, if it
    /// holds that use (None: it does not, nothing changes). A count of 0 is
    /// removed.
    pub fn after_give_back(self, created_at: i64) -> Option<PeriodCount> {
        let holds = self.uses > 0 && self.from_ms <= created_at && created_at < self.until_ms;
        holds.then(|| PeriodCount {
            uses: self.uses - 1,
            ..self
        })
    }
}

/// A period limit reached: which, its value, and when its period ends (with
/// the zone's offset then, to say so in local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    pub kind: PeriodKind,
    pub limit: u32,
    pub resets_at_ms: i64,
    pub offset_seconds: i32,
}

impl std::fmt::Display for Reached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} reached", self.kind.field(), self.limit)?;
        let offset = Offset::from_seconds(self.offset_seconds).unwrap_or(Offset::UTC);
        match Timestamp::from_millisecond(self.resets_at_ms) {
            Ok(at) if self.resets_at_ms != i64::MAX => {
                let local = at.to_zoned(TimeZone::fixed(offset));
                write!(f, "; resets {}", local.strftime("%Y-%m-%dT%H:%M:%S%:z"))
            }
            _ => Ok(()),
        }
    }
}

/// Refuses when a limit the coupon has is reached at `now_ms`: `uses_of`
/// gives the uses counted in a kind's period (for a per-person kind, the
/// most of the person's keys). Kinds are checked in `PeriodKind::ALL` order.
pub fn check(
    spec: &CouponSpec,
    now_ms: i64,
    uses_of: impl Fn(PeriodKind, Period) -> u32,
) -> Result<(), Refusal> {
    if !counts_uses(spec) {
        return Ok(());
    }
    let zone = zone_of(spec);
    for kind in PeriodKind::ALL {
        let Some(limit) = kind.limit(&spec.period_limits) else {
            continue;
        };
        let period = period_of(kind, &zone, now_ms);
        if uses_of(kind, period) >= limit {
            let offset_seconds = Timestamp::from_millisecond(period.end_ms)
                .map(|end| zone.to_offset(end).seconds())
                .unwrap_or(0);
            return Err(Refusal::PeriodLimit(Reached {
                kind,
                limit,
                resets_at_ms: period.end_ms,
                offset_seconds,
            }));
        }
    }
    Ok(())
}
