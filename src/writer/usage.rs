//! What analytics count of a redemption's change (`Effect::Usage`,
//! `rules::analytics`): recorded by the decisions that capture a use or
//! reverse one, with the batch's time and the coupon's time zone as the
//! decider sees them, so every node and every replay counts alike.

use couponsd_client::wire::{Redemption, Response, Reversal};

use super::ops::Decision;
use super::plan::Draft;
use crate::rules::analytics::Usage;
use crate::rules::schedule;
use crate::state::Effect;

/// A use captured (REDEEM, a code of ORDER_REDEEM, a hold confirmed):
/// `products` are the order's lines by product (`analytics::products_of`);
/// a confirmed hold's are those `record_hold_products` kept when it was placed.
pub fn record_capture(d: &mut Draft, redemption: &Redemption, products: Vec<(String, i64)>) {
    if !d.analytics() {
        return;
    }
    let usage = Usage {
        redemptions: 1,
        revenue: redemption.final_amount,
        discount: redemption.discount_amount,
        products,
        ..base(d, redemption.coupon_id)
    };
    d.record(Effect::Usage(usage));
}

/// A hold placed: its order's lines by product, kept until the hold is
/// captured (counted then) or released or expired (dropped).
pub fn record_hold_products(d: &mut Draft, redemption_id: u64, products: Vec<(String, i64)>) {
    if !d.analytics() || products.is_empty() {
        return;
    }
    d.record(Effect::HoldProducts {
        redemption_id,
        products,
    });
}

/// A reversal: its refund off revenue, the discount it gave back off the
/// discount, and one more `reversed` if it ended the redemption.
pub fn record_reversal(d: &mut Draft, reversal: &Reversal, coupon_id: u64, ended: bool) {
    if !d.analytics() {
        return;
    }
    let usage = Usage {
        reversed: u64::from(ended),
        revenue: -reversal.refund_amount,
        discount: -reversal.discount_returned,
        ..base(d, coupon_id)
    };
    d.record(Effect::Usage(usage));
}

fn base(d: &Draft, coupon_id: u64) -> Usage {
    let at = d.now();
    let (campaign_id, utc_offset_s) = d.def(coupon_id).map_or((None, 0), |def| {
        (
            def.spec.campaign_id,
            schedule::utc_offset_s(&def.spec.time_zone, at),
        )
    });
    Usage {
        coupon_id,
        campaign_id,
        at,
        utc_offset_s,
        ..Usage::default()
    }
}

/// Validations the nodes answered (`server::views`), recorded for the
/// coupons that still exist (one may have been deleted since, or a peer
/// may name one this node never had): views change no decision.
pub fn count_views(mut d: Draft, views: &[(u64, u64)]) -> Decision {
    let views: Vec<(u64, u64)> = views
        .iter()
        .copied()
        .filter(|&(coupon_id, _)| d.def(coupon_id).is_some())
        .collect();
    if !views.is_empty() {
        d.record(Effect::Views(views));
    }
    Ok(Ok(d.into_plan(Response::Deleted)))
}
