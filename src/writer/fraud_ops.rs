//! What FRAUD_OUTCOME decides: a redemption's label, and the model after
//! learning from it. The model is replicated state (`Effect::Model`, whole),
//! so every node scores with the same weights after the same outcomes.

use couponsd_client::wire::{FraudLabel, Response};

use super::ops::Decision;
use super::plan::Draft;
use crate::error::Error;
use crate::rules::fraud::assess;
use crate::state::Effect;

/// Labels a redemption (once) and takes one learning step on the signals
/// its record kept. The same label again is a replay: answered with the
/// model as it is, nothing recorded; another label is CONFLICT.
pub fn outcome(mut d: Draft, redemption_id: u64, label: FraudLabel) -> Decision {
    let Some(mut redemption) = d.redemption(redemption_id)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match redemption.fraud_outcome {
        Some(given) if given == label => {
            let reply = Response::FraudModel(d.model().to_wire());
            return Ok(Ok(d.into_plan(reply)));
        }
        Some(given) => {
            return Ok(Err(Error::Conflict(format!(
                "redemption {redemption_id} is already labelled {}",
                given.name()
            ))))
        }
        None => {}
    }
    let mut model = (*d.model()).clone();
    let signals = assess::signals_of(&redemption.security.checks);
    model.learn(&signals, label == FraudLabel::Fraud);
    redemption.fraud_outcome = Some(label);
    redemption.updated_at = d.now();
    let reply = Response::FraudModel(model.to_wire());
    d.record(Effect::Redemption(redemption));
    d.record(Effect::Model(model));
    Ok(Ok(d.into_plan(reply)))
}
