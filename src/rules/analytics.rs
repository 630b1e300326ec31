//! Analytics (issue 13): what a coupon, a campaign and the whole store did,
//! folded one change at a time so that a read never scans redemptions.
//! Pure: no I/O, no clock; money in i64 minor units, rates in integers.
//!
//! What is counted (protocol.md, ANALYTICS_COUPON, says the same):
//! - a **redemption** is a use captured: REDEEM, a code of ORDER_REDEEM, or
//!   a hold confirmed; holds, refusals and REJECTED attempts are not;
//! - **revenue** is what customers paid (`final_amount`), **discount** what
//!   the coupon took off; a reversal subtracts its refund from revenue and
//!   the discount it gave back from discount (net figures), and a reversal
//!   that ends its redemption counts in `reversed` (the redemption itself
//!   stays counted: it happened);
//! - **views** are validations (VALIDATE and each code of ORDER_VALIDATE);
//! - the **timeline** (per local day in the coupon's time zone and per local
//!   hour) and the **top products** are gross: what redemptions brought when
//!   they were captured, reversals not taken off;
//! - **conversion rate** = redemptions / views in parts per million (above
//!   1,000,000 when orders are redeemed without being validated first);
//!   **average order value** = revenue / redemptions, rounded toward zero;
//!   **redemption rate** = codes redeemed / codes generated in ppm;
//!   **ROI** = (revenue - discount) / discount in basis points (none while
//!   no discount was given).

use std::collections::VecDeque;

/// Local days the timeline keeps: the newest day with a redemption and the
/// 89 before it.
pub const DAYS_KEPT: i64 = 90;
/// Local hours the timeline keeps: the newest hour and the 47 before it.
pub const HOURS_KEPT: i64 = 48;
/// Products counted per coupon. Past it, a new product takes the place of
/// the least redeemed one (space-saving: it inherits that count as its
/// `overcount`, so every reported count is an upper bound, exact while
/// `overcount` is 0).
pub const PRODUCTS_TRACKED_MAX: usize = 1_000;
/// Products a reply lists, most redeemed first.
pub const PRODUCTS_REPORTED_MAX: usize = 100;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const PARTS_PER_MILLION: u128 = 1_000_000;
const BASIS_POINTS: i128 = 10_000;

/// One change a redemption made, as the decider recorded it
/// (`Effect::Usage`): a capture (`redemptions` 1) or a reversal (0).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    pub coupon_id: u64,
    pub campaign_id: Option<u64>,
    /// The batch time of the change (unix ms).
    pub at: i64,
    /// The coupon's time zone's offset from UTC at `at`, in seconds.
    pub utc_offset_s: i32,
    /// 1 for a capture, 0 for a reversal.
    pub redemptions: u64,
    /// 1 for a reversal that ends its redemption.
    pub reversed: u64,
    /// What the customer paid (a capture) or minus the refund (a reversal).
    pub revenue: i64,
    /// What the coupon took off, or minus what a reversal gave back.
    pub discount: i64,
    /// A capture's order lines by product: (product id, unit price x
    /// quantity summed), each product once; empty for a reversal or a
    /// confirmed hold (a hold's lines are not kept).
    pub products: Vec<(String, i64)>,
}

/// The totals a coupon, a campaign or the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub views: u64,
    pub redemptions: u64,
    pub reversed: u64,
    pub revenue: i64,
    pub discount: i64,
    pub last_redemption_at: Option<i64>,
}

impl Totals {
    pub fn add(&mut self, usage: &Usage) {
        self.redemptions = self.redemptions.saturating_add(usage.redemptions);
        self.reversed = self.reversed.saturating_add(usage.reversed);
        self.revenue = self.revenue.saturating_add(usage.revenue);
        self.discount = self.discount.saturating_add(usage.discount);
        if usage.redemptions > 0 {
            self.last_redemption_at = Some(
                self.last_redemption_at
                    .map_or(usage.at, |t| t.max(usage.at)),
            );
        }
    }

    pub fn add_views(&mut self, views: u64) {
        self.views = self.views.saturating_add(views);
    }

    /// Redemptions per million views (0 without views).
    pub fn conversion_rate_ppm(&self) -> u64 {
        ratio_ppm(self.redemptions, self.views)
    }

    /// Revenue per redemption, rounded toward zero (0 without redemptions).
    pub fn average_order_value(&self) -> i64 {
        match i64::try_from(self.redemptions) {
            Ok(0) | Err(_) => 0,
            Ok(n) => self.revenue / n,
        }
    }

    /// (revenue - discount) / discount in basis points; None while no
    /// discount was given.
    pub fn roi_basis_points(&self) -> Option<i64> {
        if self.discount == 0 {
            return None;
        }
        let gain = i128::from(self.revenue) - i128::from(self.discount);
        let roi = gain * BASIS_POINTS / i128::from(self.discount);
        Some(i64::try_from(roi).unwrap_or(if roi < 0 { i64::MIN } else { i64::MAX }))
    }
}

/// `part` per million of `whole` (0 when `whole` is 0), saturating.
pub fn ratio_ppm(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    let ppm = u128::from(part) * PARTS_PER_MILLION / u128::from(whole);
    u64::try_from(ppm).unwrap_or(u64::MAX)
}

/// Redemptions and revenue of one day or hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bucket {
    /// Local days (or hours) since 1970-01-01 00:00 local time.
    pub slot: i64,
    pub redemptions: u64,
    pub revenue: i64,
}

/// The buckets with redemptions among the newest `kept` slots, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    pub buckets: VecDeque<Bucket>,
}

impl Timeline {
    fn add(&mut self, slot: i64, revenue: i64, kept: i64) {
        debug_assert!(kept > 0);
        let newest = self.buckets.back().map_or(slot, |b| b.slot.max(slot));
        if slot <= newest - kept {
            return; // older than what is kept (a batch time never goes back)
        }
        let at = self.buckets.partition_point(|b| b.slot < slot);
        match self.buckets.get_mut(at) {
            Some(b) if b.slot == slot => {
                b.redemptions = b.redemptions.saturating_add(1);
                b.revenue = b.revenue.saturating_add(revenue);
            }
            _ => self.buckets.insert(
                at,
                Bucket {
                    slot,
                    redemptions: 1,
                    revenue,
                },
            ),
        }
        while self
            .buckets
            .front()
            .is_some_and(|b| b.slot <= newest - kept)
        {
            self.buckets.pop_front();
        }
        debug_assert!(self.buckets.len() as i64 <= kept);
    }
}

/// One product's count; an upper bound, exact while `overcount` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductCount {
    pub product_id: String,
    pub redemptions: u64,
    pub revenue: i64,
    /// What it inherited from the product it replaced (space-saving).
    pub overcount: u64,
}

/// Redemptions and revenue by product, at most `PRODUCTS_TRACKED_MAX`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductTally {
    pub products: Vec<ProductCount>,
}

impl ProductTally {
    fn add(&mut self, product_id: &str, revenue: i64) {
        if let Some(p) = self
            .products
            .iter_mut()
            .find(|p| p.product_id == product_id)
        {
            p.redemptions = p.redemptions.saturating_add(1);
            p.revenue = p.revenue.saturating_add(revenue);
            return;
        }
        if self.products.len() < PRODUCTS_TRACKED_MAX {
            self.products.push(ProductCount {
                product_id: product_id.into(),
                redemptions: 1,
                revenue,
                overcount: 0,
            });
            return;
        }
        // Space-saving: the least redeemed (ties: the lower revenue, then
        // the greater id, so every node picks the same) makes room.
        let Some(least) = self.products.iter_mut().min_by(|a, b| {
            (a.redemptions, a.revenue)
                .cmp(&(b.redemptions, b.revenue))
                .then_with(|| b.product_id.cmp(&a.product_id))
        }) else {
            return;
        };
        *least = ProductCount {
            product_id: product_id.into(),
            redemptions: least.redemptions.saturating_add(1),
            revenue: least.revenue.saturating_add(revenue),
            overcount: least.redemptions,
        };
    }

    /// The `n` most redeemed (ties: more revenue, then product id).
    pub fn top(&self, n: usize) -> Vec<ProductCount> {
        let mut top = self.products.clone();
        top.sort_by(|a, b| {
            b.redemptions
                .cmp(&a.redemptions)
                .then(b.revenue.cmp(&a.revenue))
                .then_with(|| a.product_id.cmp(&b.product_id))
        });
        top.truncate(n);
        top
    }
}

/// Everything one coupon keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CouponAnalytics {
    pub totals: Totals,
    pub days: Timeline,
    pub hours: Timeline,
    pub products: ProductTally,
}

impl CouponAnalytics {
    pub fn add(&mut self, usage: &Usage) {
        self.totals.add(usage);
        if usage.redemptions == 0 {
            return;
        }
        let local_ms = usage
            .at
            .saturating_add(i64::from(usage.utc_offset_s) * 1_000);
        self.days
            .add(local_ms.div_euclid(DAY_MS), usage.revenue, DAYS_KEPT);
        self.hours
            .add(local_ms.div_euclid(HOUR_MS), usage.revenue, HOURS_KEPT);
        for (product_id, revenue) in &usage.products {
            self.products.add(product_id, *revenue);
        }
    }
}

/// What a campaign or the whole store keeps: totals, and how many
/// different coupons (a campaign's: codes) were redeemed at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupAnalytics {
    pub totals: Totals,
    pub coupons_redeemed: u64,
}

impl GroupAnalytics {
    /// `first_redemption`: the usage is its coupon's first redemption.
    pub fn add(&mut self, usage: &Usage, first_redemption: bool) {
        self.totals.add(usage);
        if first_redemption {
            self.coupons_redeemed = self.coupons_redeemed.saturating_add(1);
        }
    }
}

/// An order's lines by product: (product id, unit price x quantity summed),
/// in order of first appearance; lines without a product id are left out.
pub fn products_of(lines: &[couponsd_client::wire::LineItem]) -> Vec<(String, i64)> {
    let mut products: Vec<(String, i64)> = Vec::new();
    for line in lines.iter().filter(|l| !l.product_id.is_empty()) {
        let amount = line.unit_price.saturating_mul(i64::from(line.quantity));
        match products.iter_mut().find(|(id, _)| *id == line.product_id) {
            Some((_, sum)) => *sum = sum.saturating_add(amount),
            None => products.push((line.product_id.clone(), amount)),
        }
    }
    products
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(at: i64, paid: i64, discount: i64, products: &[(&str, i64)]) -> Usage {
        Usage {
            coupon_id: 1,
            at,
            redemptions: 1,
            revenue: paid,
            discount,
            products: products.iter().map(|(p, r)| (p.to_string(), *r)).collect(),
            ..Usage::default()
        }
    }

    #[test]
    fn totals_and_rates_follow_the_documented_formulas() {
        let mut a = CouponAnalytics::default();
        a.totals.add_views(8);
        a.add(&capture(1_000, 9_000, 1_000, &[]));
        a.add(&capture(2_000, 4_500, 500, &[]));
        a.add(&Usage {
            coupon_id: 1,
            at: 3_000,
            reversed: 1,
            revenue: -4_500,
            discount: -500,
            ..Usage::default()
        });
        let t = a.totals;
        assert_eq!(
            (t.redemptions, t.reversed, t.revenue, t.discount),
            (2, 1, 9_000, 1_000)
        );
        assert_eq!(t.last_redemption_at, Some(2_000));
        assert_eq!(t.conversion_rate_ppm(), 250_000);
        assert_eq!(t.average_order_value(), 4_500);
        // (9,000 - 1,000) / 1,000 = 8 = 80,000 basis points.
        assert_eq!(t.roi_basis_points(), Some(80_000));
        assert_eq!(Totals::default().roi_basis_points(), None);
        assert_eq!(Totals::default().conversion_rate_ppm(), 0);
        assert_eq!(ratio_ppm(3, 7), 428_571);
    }

    #[test]
    fn days_and_hours_are_local_and_bounded() {
        let mut a = CouponAnalytics::default();
        // 23:30 UTC on day 10 is 01:30 on day 11 at UTC+2.
        let at = 10 * DAY_MS + 23 * HOUR_MS + 30 * 60_000;
        a.add(&Usage {
            utc_offset_s: 7_200,
            ..capture(at, 100, 0, &[])
        });
        assert_eq!(a.days.buckets[0].slot, 11);
        assert_eq!(a.hours.buckets[0].slot, 11 * 24 + 1);
        for day in 0..200 {
            a.add(&capture(day * DAY_MS, 1, 0, &[]));
        }
        assert_eq!(a.days.buckets.len() as i64, DAYS_KEPT);
        assert_eq!(a.days.buckets[0].slot, 199 - DAYS_KEPT + 1);
        assert!(a.hours.buckets.len() as i64 <= HOURS_KEPT);
        // An older slot than what is kept is left out of the timeline only.
        a.add(&capture(DAY_MS, 5, 0, &[]));
        assert_eq!(a.days.buckets[0].slot, 199 - DAYS_KEPT + 1);
        assert_eq!(a.totals.redemptions, 202);
    }

    #[test]
    fn products_are_exact_up_to_the_bound_then_upper_bounds() {
        let mut a = CouponAnalytics::default();
        a.add(&capture(0, 100, 0, &[("shoe", 80), ("sock", 20)]));
        a.add(&capture(0, 100, 0, &[("shoe", 100)]));
        let top = a.products.top(1);
        assert_eq!(top[0].product_id, "shoe");
        assert_eq!(
            (top[0].redemptions, top[0].revenue, top[0].overcount),
            (2, 180, 0)
        );
        for i in 0..PRODUCTS_TRACKED_MAX {
            a.add(&capture(0, 1, 0, &[(&format!("p{i}"), 1)]));
        }
        assert_eq!(a.products.products.len(), PRODUCTS_TRACKED_MAX);
        let newest = a.products.products.iter().find(|p| p.product_id == "p999");
        assert_eq!(newest.map(|p| (p.redemptions, p.overcount)), Some((2, 1)));
        assert_eq!(
            a.products.top(PRODUCTS_REPORTED_MAX).len(),
            PRODUCTS_REPORTED_MAX
        );
    }

    #[test]
    fn an_order_s_lines_are_summed_per_product() {
        use couponsd_client::wire::LineItem;
        let line = |p: &str, price, quantity| LineItem {
            product_id: p.into(),
            unit_price: price,
            quantity,
            ..LineItem::default()
        };
        let lines = [
            line("a", 500, 2),
            line("", 900, 1),
            line("b", 100, 1),
            line("a", 50, 1),
        ];
        assert_eq!(
            products_of(&lines),
            vec![("a".to_string(), 1_050), ("b".to_string(), 100)]
        );
    }

    #[test]
    fn groups_count_each_coupon_once() {
        let mut g = GroupAnalytics::default();
        g.add(&capture(0, 10, 1, &[]), true);
        g.add(&capture(0, 10, 1, &[]), false);
        assert_eq!((g.coupons_redeemed, g.totals.redemptions), (1, 2));
    }
}
