//! Enumeration-safe answers: a code that is not `is_public` and cannot be
//! used because of its own state (not started, expired, exhausted,
//! inactive, its campaign not running or out of budget:
//! `rules::campaign::check_own_state`, which runs first for such a code),
//! or because it belongs to another customer (`rules::assignment`, the
//! first check after those), is answered exactly as a code that does not
//! exist, so guessing cannot tell the two apart and harvest codes that
//! exist, and a personal code that leaks tells no one but its owner that it
//! exists. Refusals about the order (its amount, its channel, the
//! customer's uses) stay as they are: the code is usable by this customer,
//! and a guesser who finds a usable code has found it either way.

use couponsd_client::wire::CouponSpec;

use crate::error::Refusal;

/// Whether a refusal is about the coupon's own state.
pub fn about_the_coupon(refusal: Refusal) -> bool {
    matches!(
        refusal,
        Refusal::NotStarted
            | Refusal::Expired
            | Refusal::Exhausted
            | Refusal::Inactive
            | Refusal::CampaignInactive
            | Refusal::BudgetExhausted
    )
}

/// Whether this refusal of this coupon is answered as an unknown code.
pub fn hidden(spec: &CouponSpec, refusal: Refusal) -> bool {
    !spec.is_public && (about_the_coupon(refusal) || refusal == Refusal::NotAssigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_private_coupons_refused_for_their_own_state_are_hidden() {
        let private = CouponSpec::default();
        assert!(!private.is_public);
        let public = CouponSpec {
            is_public: true,
            ..CouponSpec::default()
        };
        for refusal in [
            Refusal::Expired,
            Refusal::Exhausted,
            Refusal::CampaignInactive,
            Refusal::NotAssigned,
        ] {
            assert!(hidden(&private, refusal), "{refusal:?}");
            assert!(!hidden(&public, refusal), "{refusal:?}");
        }
        for refusal in [
            Refusal::MinOrderNotMet,
            Refusal::CustomerLimit,
            Refusal::CurrencyMismatch,
        ] {
            assert!(!hidden(&private, refusal), "{refusal:?}");
        }
    }
}
