//! Codes a capture issues, decided in the capture's own plan (so in its log
//! record, exactly once, whatever retries, restarts or leader changes come):
//!
//! - a TRIGGERED campaign with `auto_distribute` issues one of its codes,
//!   bound to the customer, on the customer's first captured redemption
//!   while it runs (one code per customer, ever: the same index
//!   CAMPAIGN_ASSIGN keeps makes a later capture issue nothing);
//! - a REFERRAL campaign's code names its referrer: when a referred
//!   customer's order using it is captured, the referrer is issued a new code
//!   of the campaign's `reward_campaign_id`, bound to them.
//!
//! A campaign that cannot issue (it is not running, or its `coupon_limit` or
//! code space is used up) issues nothing; the capture itself stands.

use super::assign_ops::{issue, Issue};
use super::plan::Draft;
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};

/// A campaign that cannot issue is logged (it is the operator's to fix:
/// raise its `coupon_limit`, resume it), at most once per interval.
static NOT_ISSUED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);

/// Most campaigns a capture may issue codes of (TRIGGERED with
/// `auto_distribute`, not COMPLETED or CANCELLED): each capture looks at
/// every one of them.
pub const MAX_TRIGGERED_CAMPAIGNS: usize = 16;

/// What a capture (its redemption just recorded) of `customer`'s order
/// with coupon `coupon_id` issues.
pub fn on_capture(d: &mut Draft, customer: &str, coupon_id: u64) {
    if customer.is_empty() {
        return;
    }
    let now = d.now();
    for campaign in d.triggered_campaigns() {
        if !campaign.running(now) || d.personal_code(campaign.id, d.key(customer)).is_some() {
            continue;
        }
        let issued = issue(
            d,
            &campaign,
            &[customer.to_string()],
            Issue::OncePerCustomer,
        );
        if let Err(e) = issued {
            not_issued(campaign.id, &e);
        }
    }
    reward_referrer(d, coupon_id);
}

/// The reward of a referral code's referrer, if the code is one and its
/// campaign has a reward that runs.
fn reward_referrer(d: &mut Draft, coupon_id: u64) {
    let Some(def) = d.def(coupon_id) else {
        return;
    };
    let referrer = &def.spec.referrer_customer_id;
    if referrer.is_empty() {
        return;
    }
    let reward = def
        .spec
        .campaign_id
        .and_then(|id| d.campaign(id))
        .and_then(|referral| referral.spec.reward_campaign_id)
        .and_then(|id| d.campaign(id));
    let Some(reward) = reward else {
        return;
    };
    if !reward.running(d.now()) {
        not_issued(reward.id, &"the reward campaign is not running");
        return;
    }
    if let Err(e) = issue(d, &reward, std::slice::from_ref(referrer), Issue::New) {
        not_issued(reward.id, &e);
    }
}

fn not_issued(campaign_id: u64, why: &dyn std::fmt::Display) {
    if let Some(s) = NOT_ISSUED.admit() {
        tracing::warn!(campaign = campaign_id, "a capture issued no code: {why}{s}");
    }
}
