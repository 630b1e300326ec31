//! Bulk code generation, on the leader: works each campaign's generation
//! target down a chunk at a time. A chunk is generated off the async threads
//! (a cryptographic RNG; codes that exist are skipped) and stored by one
//! AddCodes mutation, durably, which checks uniqueness again. Progress is the
//! campaign's `coupons_generated`; the target is stored with the campaign, so
//! after a restart (or a failover) the new leader carries on.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Shared;
use crate::domain::campaign::FinalStatus;
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::writer::{Mutation, MAX_CODES_PER_MUTATION};

/// How often the generator looks for campaigns with codes still to make.
const POLL: Duration = Duration::from_millis(100);

pub async fn run(shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if !shared.node.is_leader() {
            continue;
        }
        let core = shared.node.cell.load();
        for campaign in core.state.all_campaigns() {
            if let Err(e) = work_down(&shared, campaign.id, &shutdown).await {
                static PAUSED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
                if let Some(s) = PAUSED.admit() {
                    tracing::warn!(campaign = campaign.id, error = %e, "code generation paused; retrying{s}");
                }
            }
        }
    }
}

/// Generates codes for one campaign until its target is reached.
async fn work_down(
    shared: &Shared,
    campaign_id: u64,
    shutdown: &CancellationToken,
) -> Result<(), crate::error::Error> {
    loop {
        if shutdown.is_cancelled() {
            return Ok(());
        }
        if !shared.node.is_leader() {
            return Ok(());
        }
        let state = shared.node.cell.load().state.clone();
        let Some(def) = state.campaign(campaign_id) else {
            return Ok(());
        };
        let generated = state.campaign_counters(campaign_id).coupons_generated;
        let left = def.generation_target.saturating_sub(generated);
        if left == 0 || def.status.is_final() {
            return Ok(());
        }
        let count = left.min(MAX_CODES_PER_MUTATION as u64) as usize;
        let rules = def.spec.rules.clone();
        let key = state.campaign_mac_key(campaign_id);
        let codes = tokio::task::spawn_blocking(move || {
            crate::codegen::generate(&rules, count as u64, &mut rand::rng(), &key, |code| {
                state.coupon_id(code).is_some()
            })
        })
        .await
        .map_err(|_| crate::error::Error::Panicked)??;
        shared
            .node
            .submit(Mutation::AddCodes { campaign_id, codes })
            .await?;
        if generated + count as u64 >= def.generation_target {
            tracing::info!(
                campaign = campaign_id,
                codes = def.generation_target,
                "code generation done"
            );
        }
    }
}
