//! The distribution outbox's decisions. CAMPAIGN_DISTRIBUTE queues one
//! entry per (campaign, customer) with the customer's code, once: a
//! recipient already in the outbox gets their entry back and nothing is
//! queued or made again. A PERSONALIZED (or TRIGGERED, REFERRAL)
//! campaign's code is the customer's own (`assign_ops::issue`, as
//! CAMPAIGN_ASSIGN gives it); any other campaign's is a new code of its own
//! (`assign_ops::issue_unbound`), so no two recipients share one. The sender's outcomes (`outcomes`) only move a
//! QUEUED entry, so a recorded SENT is never changed back or sent again;
//! DISTRIBUTION_REPORT (`report`) marks a SENT one BOUNCED.

use couponsd_client::wire::{DeliveryStatus, DistributionMethod, Recipient, Response};

use super::assign_ops::{issue, issue_unbound, issues_to_customers, Issue};

use super::campaign_ops::changeable;
use super::ops::Decision;
use super::plan::Draft;
use crate::error::Error;
use crate::state::outbox::{OutboxEntry, ENTRIES_MAX};
use crate::state::Effect;

/// What the sender learned of one QUEUED entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub customer_id: String,
    /// SENT or FAILED.
    pub status: DeliveryStatus,
    pub reason: String,
}

/// Queues a code of campaign `id` for each recipient (validated, each
/// customer once, at most `MAX_DISTRIBUTE_RECIPIENTS`).
pub fn distribute(mut d: Draft, id: u64, recipients: &[Recipient]) -> Decision {
    let current = match changeable(&d, id, 0) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let held: Vec<Option<OutboxEntry>> = recipients
        .iter()
        .map(|r| d.outbox_entry(id, d.key(&r.customer_id)))
        .collect();
    let fresh: Vec<&Recipient> = recipients
        .iter()
        .zip(&held)
        .filter(|(_, h)| h.is_none())
        .map(|(r, _)| r)
        .collect();
    let held_now = d.outbox_len();
    if held_now + fresh.len() as u64 > ENTRIES_MAX {
        return Ok(Err(Error::OutboxFull {
            held: held_now,
            asked: fresh.len() as u64,
            max: ENTRIES_MAX,
        }));
    }
    // The fresh recipients' codes, in their order.
    let codes: Vec<(u64, String)> = if issues_to_customers(current.spec.campaign_type) {
        let customers: Vec<String> = fresh.iter().map(|r| r.customer_id.clone()).collect();
        match issue(&mut d, &current, &customers, Issue::OncePerCustomer) {
            Ok(assigned) => assigned
                .into_iter()
                .map(|a| (a.coupon_id, a.code))
                .collect(),
            Err(e) => return Ok(Err(e)),
        }
    } else {
        match issue_unbound(&mut d, &current, fresh.len() as u64) {
            Ok(codes) => codes,
            Err(e) => return Ok(Err(e)),
        }
    };
    assert_eq!(codes.len(), fresh.len(), "one code per fresh recipient");
    let method = current.spec.distribution.method;
    let first_seq = d.outbox_next_seq(id);
    let mut queued = Vec::with_capacity(fresh.len());
    for (seq, (recipient, (coupon_id, code))) in (first_seq..).zip(fresh.iter().zip(codes)) {
        let (status, reason) = match missing_address(method, recipient) {
            Some(reason) => (DeliveryStatus::Failed, reason),
            None => (DeliveryStatus::Queued, String::new()),
        };
        queued.push(OutboxEntry {
            seq,
            recipient: (*recipient).clone(),
            coupon_id,
            code,
            status,
            reason,
            updated_at: d.now(),
        });
    }
    let mut queued_iter = queued.iter();
    let reply = held
        .iter()
        .map(|h| match h {
            Some(entry) => entry.to_wire(redeemed(&d, entry), false),
            None => queued_iter
                .next()
                .expect("one queued entry per fresh recipient")
                .to_wire(false, true),
        })
        .collect();
    if !queued.is_empty() {
        d.record(Effect::Outbox {
            campaign_id: id,
            entries: queued,
        });
    }
    Ok(Ok(d.into_plan(Response::Distribution(reply))))
}

/// Why a recipient cannot be sent their code by `method`, if they cannot.
fn missing_address(method: DistributionMethod, recipient: &Recipient) -> Option<String> {
    match method {
        DistributionMethod::Email if recipient.email.is_empty() => {
            Some("no email address; the campaign distributes by EMAIL".into())
        }
        DistributionMethod::Sms if recipient.phone.is_empty() => {
            Some("no phone number; the campaign distributes by SMS".into())
        }
        _ => None,
    }
}

/// Whether an entry's code has been redeemed (a captured use).
fn redeemed(d: &Draft, entry: &OutboxEntry) -> bool {
    d.counters(entry.coupon_id).current_usage > 0
}

/// Records the sender's outcomes of QUEUED entries of campaign `id`. An
/// entry no longer QUEUED (recorded before, by an earlier leader's sender)
/// is left as it is.
pub fn outcomes(mut d: Draft, id: u64, outcomes: &[Outcome]) -> Decision {
    let mut changed = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        debug_assert!(matches!(
            outcome.status,
            DeliveryStatus::Sent | DeliveryStatus::Failed
        ));
        let Some(entry) = d.outbox_entry(id, d.key(&outcome.customer_id)) else {
            continue;
        };
        if entry.status != DeliveryStatus::Queued {
            continue;
        }
        changed.push(OutboxEntry {
            status: outcome.status,
            reason: outcome.reason.clone(),
            updated_at: d.now(),
            ..entry
        });
    }
    let reply = changed.iter().map(|e| e.to_wire(false, false)).collect();
    if !changed.is_empty() {
        d.record(Effect::Outbox {
            campaign_id: id,
            entries: changed,
        });
    }
    Ok(Ok(d.into_plan(Response::Distribution(reply))))
}

/// DISTRIBUTION_REPORT: a SENT entry reported BOUNCED (validated: the only
/// status a report carries). A second report of the same changes nothing.
pub fn report(mut d: Draft, id: u64, customer_id: &str, reason: &str) -> Decision {
    if d.campaign(id).is_none() {
        return Ok(Err(Error::NotFound("campaign")));
    }
    let Some(entry) = d.outbox_entry(id, d.key(customer_id)) else {
        return Ok(Err(Error::NotFound("distribution entry")));
    };
    match entry.status {
        DeliveryStatus::Bounced => {
            let reply = vec![entry.to_wire(false, false)];
            return Ok(Ok(d.into_plan(Response::Distribution(reply))));
        }
        DeliveryStatus::Sent => {}
        other => {
            return Ok(Err(Error::InvalidState(format!(
            "customer {customer_id}'s code of campaign {id} is {other}: only a SENT one can bounce"
        ))))
        }
    }
    let bounced = OutboxEntry {
        status: DeliveryStatus::Bounced,
        reason: reason.to_string(),
        updated_at: d.now(),
        ..entry
    };
    let reply = vec![bounced.to_wire(false, false)];
    d.record(Effect::Outbox {
        campaign_id: id,
        entries: vec![bounced],
    });
    Ok(Ok(d.into_plan(Response::Distribution(reply))))
}
