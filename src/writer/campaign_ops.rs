//! What each campaign mutation decides (as in `ops.rs`: read through a
//! `Draft`, answer a `Plan` or a refusal).

use couponsd_client::wire::{CampaignSpec, CampaignStatus, CampaignType, Response};

use super::ops::{check_revision, Decision};
use super::plan::Draft;
use super::triggers::MAX_TRIGGERED_CAMPAIGNS;
use crate::domain::campaign::{can_move, CampaignDef, FinalStatus};
use crate::error::{Error, Result};
use crate::state::Effect;

/// Codes one AddCodes mutation may carry: a bounded log record.
pub const MAX_CODES_PER_MUTATION: usize = 5_000;

fn campaign_reply(d: &Draft, def: &CampaignDef) -> Response {
    Response::Campaign(Box::new(def.to_wire(d.campaign_counters(def.id))))
}

/// Records a campaign's new definition; answers with it.
fn put(mut d: Draft, def: CampaignDef) -> Decision {
    if let Err(e) = issuing_links(&d, &def) {
        return Ok(Err(e));
    }
    let reply = campaign_reply(&d, &def);
    d.record(Effect::CampaignPut(Box::new(def)));
    Ok(Ok(d.into_plan(reply)))
}

/// What a campaign issues on captures, checked against the others: at most
/// `MAX_TRIGGERED_CAMPAIGNS` issue on every capture, and a referral's
/// reward is an existing campaign whose codes are bound to their customer.
fn issuing_links(d: &Draft, def: &CampaignDef) -> Result<()> {
    if def.issues_on_capture() {
        let others = d
            .triggered_campaigns()
            .iter()
            .filter(|c| c.id != def.id)
            .count();
        if others >= MAX_TRIGGERED_CAMPAIGNS {
            return Err(Error::invalid(
                "auto_distribute",
                format!(
                    "{others} TRIGGERED campaigns with auto_distribute already issue codes on \
                     captures, the most there may be; complete or cancel one first"
                ),
            ));
        }
    }
    let Some(reward_id) = def.spec.reward_campaign_id else {
        return Ok(());
    };
    let reward = d
        .campaign(reward_id)
        .filter(|r| r.id != def.id)
        .ok_or_else(|| Error::invalid("reward_campaign_id", format!("no campaign {reward_id}")))?;
    match reward.spec.campaign_type {
        CampaignType::Personalized | CampaignType::Triggered => Ok(()),
        other => Err(Error::invalid(
            "reward_campaign_id",
            format!(
                "campaign {reward_id} is {}: a reward is a PERSONALIZED or TRIGGERED campaign's \
                 code, bound to the referrer",
                other.name()
            ),
        )),
    }
}

pub fn create(d: Draft, spec: &CampaignSpec, created_by: &str) -> Decision {
    let def = CampaignDef {
        id: d.next_campaign_id(),
        revision: 1,
        spec: spec.clone(),
        status: CampaignStatus::Draft,
        generation_target: 0,
        created_at: d.now(),
        updated_at: d.now(),
        created_by: created_by.into(),
    };
    put(d, def)
}

fn existing(d: &Draft, id: u64) -> Result<CampaignDef> {
    d.campaign(id)
        .map(|c| (*c).clone())
        .ok_or(Error::NotFound("campaign"))
}

/// A campaign that may still change: it exists, is at `expected_revision`
/// (0: any) and is not COMPLETED or CANCELLED.
pub(super) fn changeable(d: &Draft, id: u64, expected_revision: u64) -> Result<CampaignDef> {
    let current = existing(d, id)?;
    check_revision("campaign", id, expected_revision, current.revision)?;
    if current.status.is_final() {
        return Err(Error::InvalidState(format!(
            "campaign {id} is {}: it can no longer change",
            current.status.name()
        )));
    }
    Ok(current)
}

pub fn update(d: Draft, id: u64, expected_revision: u64, spec: &CampaignSpec) -> Decision {
    let current = match changeable(&d, id, expected_revision) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if spec.template.currency != current.spec.template.currency {
        // Coupons that joined it are in its currency; so is its budget.
        return Ok(Err(Error::invalid(
            "currency",
            "the template's currency cannot change once the campaign exists",
        )));
    }
    if current.generation_target > 0 && spec.rules != current.spec.rules {
        return Ok(Err(Error::InvalidState(
            "the generation rules cannot change once codes were generated".into(),
        )));
    }
    let def = CampaignDef {
        revision: current.revision + 1,
        spec: spec.clone(),
        updated_at: d.now(),
        ..current
    };
    put(d, def)
}

pub fn set_status(d: Draft, id: u64, status: CampaignStatus) -> Decision {
    let current = match existing(&d, id) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if current.status == status {
        let reply = campaign_reply(&d, &current);
        return Ok(Ok(d.into_plan(reply)));
    }
    if !can_move(current.status, status) {
        return Ok(Err(Error::InvalidState(format!(
            "campaign {id} cannot go from {} to {}",
            current.status.name(),
            status.name()
        ))));
    }
    let def = CampaignDef {
        revision: current.revision + 1,
        status,
        updated_at: d.now(),
        ..current
    };
    put(d, def)
}

/// Deletes a campaign that never got codes or coupons: a DRAFT with a
/// generation target of 0. Any other is cancelled instead, which keeps its
/// codes and their redemptions.
pub fn delete(mut d: Draft, id: u64) -> Decision {
    let current = match existing(&d, id) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if current.status != CampaignStatus::Draft || current.generation_target > 0 {
        let instead = if current.status.is_final() {
            "it stays, with its codes and their redemptions"
        } else {
            "cancel it instead"
        };
        return Ok(Err(Error::InvalidState(format!(
            "campaign {id} is {} with {} codes asked for: {instead}",
            current.status.name(),
            current.generation_target
        ))));
    }
    d.record(Effect::CampaignDeleted { id });
    Ok(Ok(d.into_plan(Response::Deleted)))
}

/// Asks for `count` more codes: raises the generation target, which the
/// generator then works towards (across restarts).
pub fn generate(d: Draft, id: u64, count: u64, expected_revision: u64) -> Decision {
    let current = match changeable(&d, id, expected_revision) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let target = current.generation_target.saturating_add(count);
    if let Some(limit) = current.spec.coupon_limit {
        if target > limit {
            return Ok(Err(Error::invalid(
                "count",
                format!(
                    "the campaign may have {limit} codes; {} are asked for already",
                    current.generation_target
                ),
            )));
        }
    }
    // Codes asked for by every campaign whose codes look like this one's.
    let existing = d
        .campaigns()
        .iter()
        .filter(|c| crate::codegen::shares_space(&c.spec.rules, &current.spec.rules))
        .map(|c| c.generation_target)
        .sum();
    if let Err(e) = crate::codegen::check_capacity(&current.spec.rules, existing, count) {
        return Ok(Err(e));
    }
    let def = CampaignDef {
        revision: current.revision + 1,
        generation_target: target,
        updated_at: d.now(),
        ..current
    };
    put(d, def)
}

/// Stores freshly generated codes, skipping any that exist by now (the
/// generator checked against the committed state; this batch may know more)
/// and any beyond the target. Replies with the campaign.
pub fn add_codes(mut d: Draft, id: u64, codes: &[String]) -> Decision {
    let current = match existing(&d, id) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut counters = d.campaign_counters(id);
    // Fresh codes take coupon ids in order from the next free one.
    let first_id = d.next_coupon_id();
    let wanted = current
        .generation_target
        .saturating_sub(counters.coupons_generated) as usize;
    let mut fresh = Vec::with_capacity(codes.len().min(wanted));
    let mut seen = std::collections::HashSet::with_capacity(codes.len());
    for code in codes {
        if fresh.len() >= wanted.min(MAX_CODES_PER_MUTATION) {
            break;
        }
        if d.coupon_id(code).is_none() && seen.insert(code.as_str()) {
            fresh.push((first_id + fresh.len() as u64, code.clone()));
        }
    }
    if !fresh.is_empty() {
        counters.coupons_generated += fresh.len() as u64;
        d.record(Effect::CodesGenerated {
            campaign_id: id,
            issued_at: d.now(),
            codes: fresh,
        });
        d.record(Effect::CampaignCounters {
            campaign_id: id,
            counters,
        });
    }
    let reply = campaign_reply(&d, &current);
    Ok(Ok(d.into_plan(reply)))
}
