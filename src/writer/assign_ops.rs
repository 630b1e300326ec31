//! CAMPAIGN_ASSIGN: a PERSONALIZED, TRIGGERED or REFERRAL campaign's codes,
//! one per customer, each bound to its customer (its coupon's
//! `assigned_customer_id`; a REFERRAL code instead names its customer as its
//! referrer). Idempotent per customer: one who already has a code of the
//! campaign gets the same code back, whatever request, retry, restart or
//! leader made it, because the decider finds it through the (campaign,
//! customer) index the issued codes themselves make (`Draft::personal_code`).
//! Every new code of one request is one log record, counted like
//! CAMPAIGN_GENERATE's: the campaign's `generation_target` and
//! `coupons_generated` both rise by the codes made, so the background
//! generator has nothing more to do for them. `issue` is also how a capture
//! issues codes (`triggers`).

use couponsd_client::wire::{AssignedCode, CampaignType, Response};

use super::campaign_ops::changeable;
use super::ops::Decision;
use super::plan::Draft;
use crate::domain::campaign::CampaignDef;
use crate::error::Error;
use crate::state::Effect;

/// Assigns a code of campaign `id` to each of `customers` (validated,
/// 0..=`MAX_ASSIGN_CUSTOMERS`; empty: the campaign's audience).
pub fn assign(mut d: Draft, id: u64, customer_ids: &[String]) -> Decision {
    let current = match changeable(&d, id, 0) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if !issues_to_customers(current.spec.campaign_type) {
        return Ok(Err(Error::InvalidState(format!(
            "campaign {id} is {}: only a PERSONALIZED, TRIGGERED or REFERRAL campaign's codes \
             are issued to customers",
            current.spec.campaign_type.name()
        ))));
    }
    let customers = match customers(&current, customer_ids) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    match issue(&mut d, &current, &customers, Issue::OncePerCustomer) {
        Ok(reply) => Ok(Ok(d.into_plan(Response::AssignedCodes(reply)))),
        Err(e) => Ok(Err(e)),
    }
}

/// Whether a campaign of this type gives its codes to named customers.
pub fn issues_to_customers(campaign_type: CampaignType) -> bool {
    matches!(
        campaign_type,
        CampaignType::Personalized | CampaignType::Triggered | CampaignType::Referral
    )
}

/// Which code a customer is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issue {
    /// Their code of the campaign if they have one, else a new one.
    OncePerCustomer,
    /// A new one in any case (a reward per referred capture).
    New,
}

/// Issues a code of `campaign` to each of `customers` (distinct), as
/// `issue` says, and records the new codes with the campaign's counts;
/// refused (nothing recorded) if the new codes pass the campaign's
/// `coupon_limit` or code space.
pub(super) fn issue(
    d: &mut Draft,
    campaign: &CampaignDef,
    customers: &[String],
    issue: Issue,
) -> Result<Vec<AssignedCode>, Error> {
    let id = campaign.id;
    // Each customer's code, if they have one and keep it; the rest get new ones.
    let held: Vec<Option<u64>> = customers
        .iter()
        .map(|c| match issue {
            Issue::OncePerCustomer => d.personal_code(id, d.key(c)),
            Issue::New => None,
        })
        .collect();
    let fresh_count = held.iter().filter(|h| h.is_none()).count();
    let mut fresh = Vec::new();
    if fresh_count > 0 {
        fresh = new_codes(d, campaign, fresh_count as u64)?;
    }
    assert_eq!(
        fresh.len(),
        fresh_count,
        "one new code per customer without one"
    );
    let mut fresh = fresh.into_iter();
    let mut next_id = d.next_coupon_id();
    let mut made = Vec::with_capacity(fresh_count);
    let mut reply = Vec::with_capacity(customers.len());
    for (customer, held) in customers.iter().zip(held) {
        let entry = match held {
            Some(coupon_id) => {
                let generated = d
                    .generated_code(coupon_id)
                    .ok_or(Error::NotFound("coupon"))?;
                AssignedCode {
                    customer_id: customer.clone(),
                    code: generated.code.to_string(),
                    coupon_id,
                    created: false,
                }
            }
            None => {
                let code = fresh.next().expect("one new code per customer without one");
                made.push((next_id, code.clone(), customer.clone()));
                next_id += 1;
                AssignedCode {
                    customer_id: customer.clone(),
                    code,
                    coupon_id: next_id - 1,
                    created: true,
                }
            }
        };
        reply.push(entry);
    }
    if !made.is_empty() {
        let count = made.len() as u64;
        d.record(Effect::CodesAssigned {
            campaign_id: id,
            issued_at: d.now(),
            codes: made,
        });
        count_issued(d, campaign, count);
    }
    Ok(reply)
}

/// `count` new codes of `campaign`, bound to no one, recorded in `d` as the
/// generator's are (CAMPAIGN_DISTRIBUTE of a campaign that does not issue
/// codes to customers): (coupon id, code), in coupon id order.
pub(super) fn issue_unbound(
    d: &mut Draft,
    campaign: &CampaignDef,
    count: u64,
) -> Result<Vec<(u64, String)>, Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let first_id = d.next_coupon_id();
    let codes: Vec<(u64, String)> = new_codes(d, campaign, count)?
        .into_iter()
        .enumerate()
        .map(|(i, code)| (first_id + i as u64, code))
        .collect();
    d.record(Effect::CodesGenerated {
        campaign_id: campaign.id,
        issued_at: d.now(),
        codes: codes.clone(),
    });
    count_issued(d, campaign, count);
    Ok(codes)
}

/// Counts `count` codes just made for `campaign` like generated ones: its
/// `generation_target` and `coupons_generated` both rise, so the background
/// generator has nothing more to do for them.
fn count_issued(d: &mut Draft, campaign: &CampaignDef, count: u64) {
    let mut counters = d.campaign_counters(campaign.id);
    counters.coupons_generated += count;
    let def = CampaignDef {
        revision: campaign.revision + 1,
        generation_target: campaign.generation_target + count,
        updated_at: d.now(),
        ..campaign.clone()
    };
    d.record(Effect::CampaignPut(Box::new(def)));
    d.record(Effect::CampaignCounters {
        campaign_id: campaign.id,
        counters,
    });
}

/// The customers asked for, each once, in the order first given; an empty
/// list asks for the campaign's audience.
fn customers(campaign: &CampaignDef, given: &[String]) -> Result<Vec<String>, Error> {
    let asked = if given.is_empty() {
        let audience = &campaign.spec.audience.customer_ids;
        if audience.is_empty() {
            return Err(Error::invalid(
                "customer_ids",
                format!(
                    "empty, and campaign {} has no audience customer_ids to use instead",
                    campaign.id
                ),
            ));
        }
        for customer in audience {
            crate::domain::campaign::customer_id("audience.customer_ids", customer)?;
        }
        audience
    } else {
        given
    };
    let mut seen = std::collections::HashSet::with_capacity(asked.len());
    Ok(asked
        .iter()
        .filter(|c| seen.insert(c.as_str()))
        .cloned()
        .collect())
}

/// `count` codes no coupon has, within the campaign's `coupon_limit` and
/// its code space (as CAMPAIGN_GENERATE checks them).
fn new_codes(d: &Draft, campaign: &CampaignDef, count: u64) -> Result<Vec<String>, Error> {
    let target = campaign.generation_target.saturating_add(count);
    if let Some(limit) = campaign.spec.coupon_limit {
        if target > limit {
            return Err(Error::invalid(
                "customer_ids",
                format!(
                    "{count} customers have no code yet; the campaign may have {limit} codes \
                     and {} are asked for already",
                    campaign.generation_target
                ),
            ));
        }
    }
    let rules = &campaign.spec.rules;
    let existing = d
        .campaigns()
        .iter()
        .filter(|c| crate::codegen::shares_space(&c.spec.rules, rules))
        .map(|c| c.generation_target)
        .sum();
    crate::codegen::check_capacity(rules, existing, count).map_err(|e| match e {
        Error::InvalidArgument { reason, .. } => Error::invalid("customer_ids", reason),
        other => other,
    })?;
    // Drawn here, by the leader's decider (as the key secret is): the codes
    // are then in the record, so every node stores the same ones.
    let mac_key = d.campaign_mac_key(campaign.id);
    crate::codegen::generate(rules, count, &mut rand::rng(), &mac_key, |code| {
        d.coupon_id(code).is_some()
    })
}
