//! Rules that need local time: the days of the week and the time of day a
//! coupon applies, in its IANA time zone (empty: UTC). Instants stay UTC unix
//! milliseconds everywhere else; only these two checks convert.

use couponsd_client::wire::CouponSpec;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::Timestamp;

use crate::error::Refusal;

/// Minutes in a day: the largest `active_end_minute`.
pub const MINUTES_PER_DAY: u16 = 24 * 60;
/// Every day of the week, Monday (bit 0) to Sunday (bit 6).
pub const ALL_DAYS: u8 = 0x7f;

/// The zone named `name` (empty: UTC), from the IANA database built into the
/// binary: looking it up reads no file, and every node and every run finds
/// the same zones. Create and update validate names with this same function.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() {
        return Some(TimeZone::UTC);
    }
    TimeZoneDatabase::bundled().get(name).ok()
}

/// The offset from UTC, in seconds, of the zone named `zone` at `at` (unix
/// ms): what turns an instant into the coupon's local day (analytics).
pub fn utc_offset_s(zone: &str, at: i64) -> i32 {
    let zone = time_zone(zone).unwrap_or(TimeZone::UTC);
    let instant = Timestamp::from_millisecond(at).unwrap_or(if at < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    zone.to_offset(instant).seconds()
}

/// Refuses outside the coupon's active days and hours.
pub fn check(spec: &CouponSpec, now: i64) -> Result<(), Refusal> {
    let all_day = spec.active_start_minute == 0 && spec.active_end_minute == 0;
    if spec.active_days == 0 && all_day {
        return Ok(());
    }
    // The name was validated at create or update; a zone that a later
    // database release dropped reads as UTC rather than refusing forever.
    let zone = time_zone(&spec.time_zone).unwrap_or(TimeZone::UTC);
    // jiff covers the years -9999 to 9999; a clock outside them is clamped.
    let instant = Timestamp::from_millisecond(now).unwrap_or(if now < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    let local = instant.to_zoned(zone);
    let day_bit = 1u8 << local.weekday().to_monday_zero_offset();
    if spec.active_days != 0 && spec.active_days & day_bit == 0 {
        return Err(Refusal::DayNotAllowed);
    }
    let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
    let (start, end) = (
        i32::from(spec.active_start_minute),
        i32::from(spec.active_end_minute),
    );
    let within = if start < end {
        (start..end).contains(&minute)
    } else {
        // A period past midnight, such as 22:00 to 02:00.
        minute >= start || minute < end
    };
    if !all_day && !within {
        return Err(Refusal::OutsideActiveHours);
    }
    Ok(())
}
