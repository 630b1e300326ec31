//! The analytics the state keeps (`rules::analytics`): per coupon, per
//! campaign and for the whole store, folded from `Effect::Usage` (a capture
//! or a reversal, recorded by the decider) and `Effect::Views` (validations
//! a node answered), so a read never scans redemptions.
//!
//! These effects carry changes ("one more redemption"), not absolute values
//! as every other effect does: an analytics entry is too big to record whole
//! with each redemption (up to 1,000 products). Replay stays idempotent
//! because every entry remembers the position (LSN, index of the effect in
//! its record) of the last effect it counted and counts only later ones:
//! records are applied in log order on every node, so a record applied
//! again (replay after a checkpoint, or after a crash) changes nothing, and
//! a checkpoint carries each entry with its position.

use couponsd_client::wire::{DecodeError, Reader, Writer};

use crate::rules::analytics::{
    Bucket, CouponAnalytics, GroupAnalytics, ProductCount, ProductTally, Timeline, Totals, Usage,
};

/// Where an effect sits in the log: (LSN of its record, index in it).
pub type Position = (u64, u32);

/// An entry and the position of the last effect it counted.
pub type Counted<T> = (Position, T);

/// Counts into `entry` with `add` if `at` is later than what the entry
/// counted (None, outside a record, as tests apply effects: in any case);
/// returns whether it did.
pub fn count<T>(entry: &mut Counted<T>, at: Option<Position>, add: impl FnOnce(&mut T)) -> bool {
    if let Some(at) = at {
        if entry.0 >= at {
            return false;
        }
        entry.0 = at;
    }
    add(&mut entry.1);
    true
}

pub fn write_usage(w: &mut Writer, u: &Usage) {
    w.u64(u.coupon_id);
    w.opt_u64(u.campaign_id);
    w.i64(u.at);
    w.i32(u.utc_offset_s);
    w.u64(u.redemptions);
    w.u64(u.reversed);
    w.i64(u.revenue);
    w.i64(u.discount);
    write_products(w, &u.products);
}

/// An order's revenue by product (`analytics::products_of`).
pub fn write_products(w: &mut Writer, products: &[(String, i64)]) {
    w.u32(products.len() as u32);
    for (product_id, revenue) in products {
        w.str(product_id);
        w.i64(*revenue);
    }
}

pub fn read_products(r: &mut Reader) -> Result<Vec<(String, i64)>, DecodeError> {
    let count = r.u32("product_count")? as usize;
    // Each product is at least 12 bytes: never reserve more than the input.
    let mut products = Vec::with_capacity(count.min(r.remaining() / 12));
    for _ in 0..count {
        products.push((r.str("product_id")?, r.i64("revenue")?));
    }
    Ok(products)
}

pub fn read_usage(r: &mut Reader) -> Result<Usage, DecodeError> {
    let mut usage = Usage {
        coupon_id: r.u64("coupon_id")?,
        campaign_id: r.opt_u64("campaign_id")?,
        at: r.i64("at")?,
        utc_offset_s: r.i32("utc_offset_s")?,
        redemptions: r.u64("redemptions")?,
        reversed: r.u64("reversed")?,
        revenue: r.i64("revenue")?,
        discount: r.i64("discount")?,
        products: Vec::new(),
    };
    usage.products = read_products(r)?;
    Ok(usage)
}

pub fn write_position(w: &mut Writer, at: Position) {
    w.u64(at.0);
    w.u32(at.1);
}

pub fn read_position(r: &mut Reader) -> Result<Position, DecodeError> {
    Ok((r.u64("lsn")?, r.u32("effect_index")?))
}

fn write_totals(w: &mut Writer, t: &Totals) {
    w.u64(t.views);
    w.u64(t.redemptions);
    w.u64(t.reversed);
    w.i64(t.revenue);
    w.i64(t.discount);
    w.opt_i64(t.last_redemption_at);
}

fn read_totals(r: &mut Reader) -> Result<Totals, DecodeError> {
    Ok(Totals {
        views: r.u64("views")?,
        redemptions: r.u64("redemptions")?,
        reversed: r.u64("reversed")?,
        revenue: r.i64("revenue")?,
        discount: r.i64("discount")?,
        last_redemption_at: r.opt_i64("last_redemption_at")?,
    })
}

fn write_timeline(w: &mut Writer, t: &Timeline) {
    w.u32(t.buckets.len() as u32);
    for b in &t.buckets {
        w.i64(b.slot);
        w.u64(b.redemptions);
        w.i64(b.revenue);
    }
}

fn read_timeline(r: &mut Reader) -> Result<Timeline, DecodeError> {
    let count = r.u32("bucket_count")? as usize;
    let mut t = Timeline::default();
    t.buckets.reserve(count.min(r.remaining() / 24));
    for _ in 0..count {
        t.buckets.push_back(Bucket {
            slot: r.i64("slot")?,
            redemptions: r.u64("redemptions")?,
            revenue: r.i64("revenue")?,
        });
    }
    Ok(t)
}

pub fn write_coupon(w: &mut Writer, a: &CouponAnalytics) {
    write_totals(w, &a.totals);
    write_timeline(w, &a.days);
    write_timeline(w, &a.hours);
    w.u32(a.products.products.len() as u32);
    for p in &a.products.products {
        w.str(&p.product_id);
        w.u64(p.redemptions);
        w.i64(p.revenue);
        w.u64(p.overcount);
    }
}

pub fn read_coupon(r: &mut Reader) -> Result<CouponAnalytics, DecodeError> {
    let totals = read_totals(r)?;
    let days = read_timeline(r)?;
    let hours = read_timeline(r)?;
    let count = r.u32("product_count")? as usize;
    let mut products = ProductTally::default();
    products.products.reserve(count.min(r.remaining() / 28));
    for _ in 0..count {
        products.products.push(ProductCount {
            product_id: r.str("product_id")?,
            redemptions: r.u64("redemptions")?,
            revenue: r.i64("revenue")?,
            overcount: r.u64("overcount")?,
        });
    }
    Ok(CouponAnalytics {
        totals,
        days,
        hours,
        products,
    })
}

pub fn write_group(w: &mut Writer, g: &GroupAnalytics) {
    write_totals(w, &g.totals);
    w.u64(g.coupons_redeemed);
}

pub fn read_group(r: &mut Reader) -> Result<GroupAnalytics, DecodeError> {
    Ok(GroupAnalytics {
        totals: read_totals(r)?,
        coupons_redeemed: r.u64("coupons_redeemed")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    #[test]
    fn an_entry_counts_each_position_once() {
        let mut entry: Counted<u64> = ((0, 0), 0);
        assert!(count(&mut entry, Some((5, 0)), |n| *n += 1));
        assert!(count(&mut entry, Some((5, 1)), |n| *n += 1));
        assert!(!count(&mut entry, Some((5, 1)), |n| *n += 1));
        assert!(!count(&mut entry, Some((4, 9)), |n| *n += 1));
        assert_eq!(entry, ((5, 1), 2));
    }

    #[test]
    fn a_coupon_s_analytics_round_trip() {
        let mut a = CouponAnalytics::default();
        a.totals.add_views(3);
        a.add(&Usage {
            coupon_id: 1,
            at: 86_400_000,
            redemptions: 1,
            revenue: 900,
            discount: 100,
            products: vec![("shoe".into(), 1_000)],
            ..Usage::default()
        });
        let mut buf = BytesMut::new();
        write_coupon(&mut Writer::new(&mut buf), &a);
        let mut r = Reader::new(&buf);
        assert_eq!(read_coupon(&mut r).ok(), Some(a));
        assert_eq!(r.remaining(), 0);
    }
}
