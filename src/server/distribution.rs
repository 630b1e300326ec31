//! DISTRIBUTION_STATUS: a campaign's outbox counts and a page of its
//! entries. The stored statuses are counted as entries change
//! (`state::outbox::CampaignOutbox`); REDEEMED is read from each sent
//! code's uses, so a reply looks at every entry of the campaign (bounded by
//! `state::outbox::ENTRIES_MAX`).

use couponsd_client::wire::{DeliveryStatus, DistributionStatus, Response, MAX_DISTRIBUTION_PAGE};

use crate::error::{Error, Result};
use crate::writer::Core;

pub fn status(core: &Core, campaign_id: u64, after_seq: u64, limit: u16) -> Result<Response> {
    let state = &core.state;
    if state.campaign(campaign_id).is_none() {
        return Err(Error::NotFound("campaign"));
    }
    let limit = if limit == 0 {
        MAX_DISTRIBUTION_PAGE
    } else {
        limit.min(MAX_DISTRIBUTION_PAGE)
    };
    let redeemed = |coupon_id: u64| state.counters(coupon_id).current_usage > 0;
    let [queued, sent, failed, bounced] = state.outbox_counts(campaign_id);
    let mut status = DistributionStatus {
        campaign_id,
        total: queued + sent + failed + bounced,
        queued,
        sent,
        failed,
        bounced,
        ..DistributionStatus::default()
    };
    // Entries whose code was redeemed count as REDEEMED, not as what is stored.
    for entry in state.outbox_page(campaign_id, 0, None) {
        if !redeemed(entry.coupon_id) {
            continue;
        }
        match entry.status {
            DeliveryStatus::Sent => status.sent -= 1,
            DeliveryStatus::Queued => status.queued -= 1,
            _ => continue,
        }
        status.redeemed += 1;
    }
    let page = state.outbox_page(campaign_id, after_seq, Some(usize::from(limit)));
    status.next_after = if page.len() == usize::from(limit) {
        page.last().map_or(0, |e| e.seq)
    } else {
        0
    };
    status.entries = page
        .iter()
        .map(|e| e.to_wire(redeemed(e.coupon_id), false))
        .collect();
    Ok(Response::DistributionStatus(Box::new(status)))
}
