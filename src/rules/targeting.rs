//! Who and where a coupon is for: channels, customer segments, email domains.
//! An empty list in the coupon means no restriction. Names compare ignoring
//! ASCII case.

use couponsd_client::wire::{CouponSpec, Order};

use crate::error::Refusal;

/// The order's channel is one of the coupon's channel restrictions.
pub fn channel(spec: &CouponSpec, order: &Order) -> Result<(), Refusal> {
    if spec.channel_restrictions.is_empty() || listed(&spec.channel_restrictions, &order.channel) {
        Ok(())
    } else {
        Err(Refusal::ChannelNotAllowed)
    }
}

/// The customer is in at least one of the coupon's segments.
pub fn segments(spec: &CouponSpec, order: &Order) -> Result<(), Refusal> {
    if spec.customer_segments.is_empty()
        || order
            .customer_segments
            .iter()
            .any(|segment| listed(&spec.customer_segments, segment))
    {
        Ok(())
    } else {
        Err(Refusal::SegmentNotEligible)
    }
}

/// The customer's email is at one of the allowed domains. The domain must be
/// exactly one of them: `mail.example.com` is not `example.com`.
pub fn email_domain(spec: &CouponSpec, order: &Order) -> Result<(), Refusal> {
    if spec.allowed_email_domains.is_empty()
        || domain_of(&order.customer_email)
            .is_some_and(|domain| listed(&spec.allowed_email_domains, domain))
    {
        Ok(())
    } else {
        Err(Refusal::EmailDomainNotAllowed)
    }
}

/// What follows the last `@`, if anything does.
fn domain_of(email: &str) -> Option<&str> {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .filter(|domain| !domain.is_empty())
}

fn listed(list: &[String], value: &str) -> bool {
    list.iter().any(|entry| entry.eq_ignore_ascii_case(value))
}
