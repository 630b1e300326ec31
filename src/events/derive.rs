//! From one log record to its events, in the order of its effects. Pure: the
//! record alone decides them (`read.rs` fills in what a record does not
//! carry, such as a partial reversal's coupon).

use couponsd_client::wire::{
    event_id, DeliveryStatus, Event, EventType, Redemption, RedemptionStatus,
};

use crate::state::{Effect, LogRecord};

/// The most events one record may give: the index is the low
/// `EVENT_INDEX_BITS` of an event id. A record is at most 512 KiB and each
/// effect that gives an event takes far more than 8 bytes, so none reaches it.
const EVENTS_PER_RECORD_MAX: usize = 1 << couponsd_client::wire::EVENT_INDEX_BITS;

/// The events of `record`, ids `event_id(record.lsn, 0..)`.
pub fn events_of(record: &LogRecord) -> Vec<Event> {
    let confirmed = |id: u64| {
        record
            .effects
            .iter()
            .any(|e| matches!(e, Effect::HoldConfirmed { redemption_id } if *redemption_id == id))
    };
    // FRAUD_OUTCOME's record: the redemption it carries was labelled, not
    // used again, so it is no event.
    let labelled = record.effects.iter().any(|e| matches!(e, Effect::Model(_)));
    let mut events: Vec<Event> = Vec::new();
    for effect in &record.effects {
        let event = match effect {
            Effect::CouponPut(def) => Event {
                event_type: Some(if def.revision == 1 {
                    EventType::CouponCreated
                } else {
                    EventType::CouponUpdated
                }),
                coupon_id: def.id,
                code: def.spec.code.clone(),
                campaign_id: def.spec.campaign_id.unwrap_or(0),
                currency: def.spec.currency.clone(),
                status: def.spec.status.name().into(),
                ..Event::default()
            },
            Effect::CouponDeleted { id, .. } => Event {
                event_type: Some(EventType::CouponDeleted),
                coupon_id: *id,
                ..Event::default()
            },
            Effect::Redemption(_) if labelled => continue,
            Effect::Redemption(r) => {
                let event_type = match r.status {
                    RedemptionStatus::Pending => EventType::Reserved,
                    // Records from before the marker (tag 33): a use captured
                    // at once was created in its own batch, a hold later.
                    RedemptionStatus::Processed
                        if confirmed(r.id) || r.updated_at > r.created_at =>
                    {
                        EventType::Confirmed
                    }
                    RedemptionStatus::Processed => EventType::Redeemed,
                    RedemptionStatus::Released => EventType::Released,
                    RedemptionStatus::Expired => EventType::HoldExpired,
                    RedemptionStatus::Rejected => EventType::Rejected,
                    // The reversal that ended it is the event (`Effect::Reversal`).
                    RedemptionStatus::Reversed => continue,
                };
                redemption_event(event_type, r)
            }
            Effect::Reversal(v) => {
                // The redemption it ended, if it did, is in the same record.
                let ended = record.effects.iter().find_map(|e| match e {
                    Effect::Redemption(r) if r.id == v.redemption_id => Some(r),
                    _ => None,
                });
                let mut event = match ended {
                    Some(r) => redemption_event(EventType::Reversed, r),
                    None => Event {
                        event_type: Some(EventType::Reversed),
                        redemption_id: v.redemption_id,
                        status: RedemptionStatus::Processed.name().into(),
                        ..Event::default()
                    },
                };
                event.amount = v.refund_amount;
                event.discount_amount = v.discount_returned;
                event.count = u64::from(v.full);
                event
            }
            Effect::CampaignPut(def) => Event {
                event_type: Some(EventType::CampaignChanged),
                campaign_id: def.id,
                currency: def.spec.template.currency.clone(),
                status: def.status.name().into(),
                ..Event::default()
            },
            Effect::CodesGenerated {
                campaign_id, codes, ..
            } => Event {
                event_type: Some(EventType::CodesGenerated),
                campaign_id: *campaign_id,
                count: codes.len() as u64,
                ..Event::default()
            },
            // One event per code: each names its customer.
            Effect::CodesAssigned {
                campaign_id, codes, ..
            } => {
                for (coupon_id, code, customer_id) in codes {
                    push(
                        record,
                        &mut events,
                        Event {
                            event_type: Some(EventType::CodeAssigned),
                            coupon_id: *coupon_id,
                            code: code.clone(),
                            campaign_id: *campaign_id,
                            customer_id: customer_id.clone(),
                            ..Event::default()
                        },
                    );
                }
                continue;
            }
            // One event per entry sent, failed or bounced: each names its
            // code and customer; the status says FAILED or BOUNCED.
            Effect::Outbox {
                campaign_id,
                entries,
            } => {
                for entry in entries {
                    let event_type = match entry.status {
                        DeliveryStatus::Sent => EventType::CodeDistributed,
                        DeliveryStatus::Failed | DeliveryStatus::Bounced => {
                            EventType::DeliveryFailed
                        }
                        DeliveryStatus::Queued | DeliveryStatus::Redeemed => continue,
                    };
                    push(
                        record,
                        &mut events,
                        Event {
                            event_type: Some(event_type),
                            coupon_id: entry.coupon_id,
                            code: entry.code.clone(),
                            campaign_id: *campaign_id,
                            customer_id: entry.recipient.customer_id.clone(),
                            status: entry.status.name().into(),
                            ..Event::default()
                        },
                    );
                }
                continue;
            }
            Effect::Counters { .. }
            | Effect::CustomerUses { .. }
            | Effect::CampaignDeleted { .. }
            | Effect::CampaignCounters { .. }
            | Effect::KeySecret(_)
            | Effect::Velocity { .. }
            | Effect::Seen { .. }
            | Effect::CodeRate { .. }
            | Effect::Model(_)
            | Effect::OrderCodes { .. }
            | Effect::OrderSet { .. }
            | Effect::HoldConfirmed { .. }
            | Effect::PeriodUses { .. }
            // Analytics: what the redemption's own events already say.
            | Effect::Usage(_)
            | Effect::Views(_)
            | Effect::HoldProducts { .. }
            // Webhooks' own state: how events are delivered, not a change.
            | Effect::WebhookPut(_)
            | Effect::WebhookRemoved { .. }
            | Effect::WebhookProgress { .. } => continue,
        };
        push(record, &mut events, event);
    }
    events
}

/// Appends `event` as the record's next, with its id and time.
fn push(record: &LogRecord, events: &mut Vec<Event>, event: Event) {
    assert!(
        events.len() < EVENTS_PER_RECORD_MAX,
        "record {} has too many events",
        record.lsn
    );
    events.push(Event {
        id: event_id(record.lsn, events.len() as u16),
        time: record.timestamp,
        ..event
    });
}

fn redemption_event(event_type: EventType, r: &Redemption) -> Event {
    Event {
        event_type: Some(event_type),
        coupon_id: r.coupon_id,
        code: r.code.clone(),
        redemption_id: r.id,
        order_id: r.order_id.clone(),
        customer_id: r.customer_id.clone(),
        amount: r.original_amount,
        discount_amount: r.discount_amount,
        currency: r.currency.clone(),
        status: r.status.name().into(),
        ..Event::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coupon::CouponDef;
    use couponsd_client::wire::{CouponSpec, Reversal};

    fn record(lsn: u64, effects: Vec<Effect>) -> LogRecord {
        LogRecord {
            term: 1,
            lsn,
            timestamp: 1_700_000_000_000,
            effects,
        }
    }

    fn redemption(id: u64, status: RedemptionStatus) -> Redemption {
        Redemption {
            id,
            coupon_id: 3,
            code: "TENOFF".into(),
            customer_id: "alice".into(),
            order_id: "o-1".into(),
            transaction_id: String::new(),
            status,
            original_amount: 10_000,
            discount_amount: 1_000,
            final_amount: 9_000,
            currency: "EUR".into(),
            channel: String::new(),
            created_at: 1,
            updated_at: 1,
            hold_expires_at: None,
            reverse_reason: String::new(),
            security: Default::default(),
            fraud_outcome: None,
            identifiers: Default::default(),
            counted: 0,
        }
    }

    fn types(record: &LogRecord) -> Vec<(u64, EventType)> {
        events_of(record)
            .iter()
            .map(|e| (e.id, e.event_type.expect("typed")))
            .collect()
    }

    fn def(revision: u64) -> CouponDef {
        CouponDef {
            id: 3,
            revision,
            spec: CouponSpec {
                code: "TENOFF".into(),
                ..CouponSpec::default()
            },
            created_at: 1,
            updated_at: 1,
            created_by: "admin".into(),
        }
    }

    /// One line per case: the record's effects and the events they give.
    #[test]
    fn each_change_is_its_event() {
        use EventType::*;
        let cases: Vec<(Vec<Effect>, Vec<EventType>)> = vec![
            (vec![Effect::CouponPut(def(1))], vec![CouponCreated]),
            (vec![Effect::CouponPut(def(2))], vec![CouponUpdated]),
            (
                vec![Effect::CouponDeleted {
                    id: 3,
                    drops_redemption_list: true,
                }],
                vec![CouponDeleted],
            ),
            (
                vec![Effect::Redemption(redemption(
                    9,
                    RedemptionStatus::Processed,
                ))],
                vec![Redeemed],
            ),
            (
                vec![Effect::Redemption(redemption(9, RedemptionStatus::Pending))],
                vec![Reserved],
            ),
            (
                vec![
                    Effect::Redemption(redemption(9, RedemptionStatus::Processed)),
                    Effect::HoldConfirmed { redemption_id: 9 },
                ],
                vec![Confirmed],
            ),
            // A hold confirmed before the marker existed: later than made.
            (
                vec![Effect::Redemption(Redemption {
                    updated_at: 2,
                    ..redemption(9, RedemptionStatus::Processed)
                })],
                vec![Confirmed],
            ),
            // FRAUD_OUTCOME labels a redemption: not a new use.
            (
                vec![
                    Effect::Redemption(redemption(9, RedemptionStatus::Processed)),
                    Effect::Model(crate::rules::fraud::score::Model::default()),
                ],
                vec![],
            ),
            (
                vec![Effect::Redemption(redemption(
                    9,
                    RedemptionStatus::Released,
                ))],
                vec![Released],
            ),
            (
                vec![Effect::Redemption(redemption(9, RedemptionStatus::Expired))],
                vec![HoldExpired],
            ),
            (
                vec![Effect::Redemption(redemption(
                    9,
                    RedemptionStatus::Rejected,
                ))],
                vec![Rejected],
            ),
            (
                vec![
                    Effect::KeySecret([0; 16]),
                    Effect::CampaignDeleted { id: 4 },
                ],
                vec![],
            ),
            (
                vec![Effect::CodesAssigned {
                    campaign_id: 4,
                    issued_at: 1,
                    codes: vec![
                        (10, "A".into(), "ann".into()),
                        (11, "B".into(), "bob".into()),
                    ],
                }],
                vec![CodeAssigned, CodeAssigned],
            ),
            (
                vec![Effect::CodesGenerated {
                    campaign_id: 4,
                    issued_at: 1,
                    codes: vec![(10, "A".into()), (11, "B".into())],
                }],
                vec![CodesGenerated],
            ),
            // Queued entries are no event; sent, failed and bounced ones are.
            (
                vec![Effect::Outbox {
                    campaign_id: 4,
                    entries: [
                        DeliveryStatus::Queued,
                        DeliveryStatus::Sent,
                        DeliveryStatus::Failed,
                        DeliveryStatus::Bounced,
                    ]
                    .into_iter()
                    .enumerate()
                    .map(|(i, status)| crate::state::outbox::OutboxEntry {
                        seq: i as u64 + 1,
                        recipient: couponsd_client::wire::Recipient {
                            customer_id: format!("c{i}"),
                            ..Default::default()
                        },
                        coupon_id: 10 + i as u64,
                        code: format!("C{i}"),
                        status,
                        reason: String::new(),
                        updated_at: 1,
                    })
                    .collect(),
                }],
                vec![CodeDistributed, DeliveryFailed, DeliveryFailed],
            ),
            // An order of two codes: one record, two events.
            (
                vec![
                    Effect::Redemption(redemption(9, RedemptionStatus::Processed)),
                    Effect::Redemption(redemption(10, RedemptionStatus::Processed)),
                ],
                vec![Redeemed, Redeemed],
            ),
        ];
        for (effects, expected) in cases {
            let r = record(7, effects.clone());
            let got = types(&r);
            let want: Vec<(u64, EventType)> = expected
                .iter()
                .enumerate()
                .map(|(i, t)| (event_id(7, i as u16), *t))
                .collect();
            assert_eq!(got, want, "{effects:?}");
        }
    }

    #[test]
    fn reversals_say_how_much_and_whether_in_full() {
        let reversal = |full| Reversal {
            id: 1,
            redemption_id: 9,
            refund_amount: 2_500,
            discount_returned: 250,
            full,
            ..Reversal::default()
        };
        // Partial: the reversal alone; the coupon is filled in by the reader.
        let partial = events_of(&record(5, vec![Effect::Reversal(reversal(false))]));
        assert_eq!(partial.len(), 1);
        assert_eq!(partial[0].event_type, Some(EventType::Reversed));
        assert_eq!((partial[0].redemption_id, partial[0].coupon_id), (9, 0));
        assert_eq!(
            (partial[0].amount, partial[0].discount_amount),
            (2_500, 250)
        );
        assert_eq!(partial[0].count, 0);
        // Full: one event, from the reversal, with the redemption's coupon.
        let full = events_of(&record(
            5,
            vec![
                Effect::Reversal(reversal(true)),
                Effect::Redemption(redemption(9, RedemptionStatus::Reversed)),
            ],
        ));
        assert_eq!(full.len(), 1);
        assert_eq!((full[0].coupon_id, full[0].count), (3, 1));
        assert_eq!(full[0].order_id, "o-1");
        assert_eq!(full[0].time, 1_700_000_000_000);
    }

    #[test]
    fn ids_increase_across_records_and_within_one() {
        let a = events_of(&record(
            1,
            vec![
                Effect::Redemption(redemption(1, RedemptionStatus::Processed)),
                Effect::Redemption(redemption(2, RedemptionStatus::Processed)),
            ],
        ));
        let b = events_of(&record(
            2,
            vec![Effect::Redemption(redemption(3, RedemptionStatus::Pending))],
        ));
        let ids: Vec<u64> = a.iter().chain(&b).map(|e| e.id).collect();
        assert_eq!(ids, vec![65_536, 65_537, 131_072]);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
