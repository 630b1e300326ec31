//! A Jepsen-style record of a redeem load: every request is recorded as
//! invoked, then ok (with its redemption id), failed (definitely not applied)
//! or unknown (the client cannot tell: a timeout, a dropped connection, a
//! write proposed but not confirmed). At the end the history is checked
//! against the cluster's state: every ok redemption is there, nothing that
//! failed is, and no coupon has more redemptions than its limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use couponsd_client::wire::{CouponRef, ErrorCode, RedemptionRef, RedemptionStatus};
use couponsd_client::{Client, ClientError, ClientOptions};

use super::redeem_request;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(u64),
    Failed(ErrorCode),
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct Op {
    pub code: String,
    pub order: String,
    pub outcome: Outcome,
}

#[derive(Default)]
pub struct History {
    ops: Mutex<Vec<Op>>,
}

/// Codes that say the request was not applied.
fn not_applied(code: ErrorCode) -> bool {
    !matches!(
        code,
        ErrorCode::NotCommitted | ErrorCode::Internal | ErrorCode::ShuttingDown
    )
}

impl History {
    pub fn record(&self, code: &str, order: &str, result: Result<u64, ClientError>) {
        let outcome = match result {
            Ok(id) => Outcome::Ok(id),
            Err(e) => match e.code() {
                Some(c) if not_applied(c) => Outcome::Failed(c),
                _ => Outcome::Unknown(e.to_string()),
            },
        };
        self.ops.lock().unwrap().push(Op {
            code: code.to_string(),
            order: order.to_string(),
            outcome,
        });
    }

    pub fn ops(&self) -> Vec<Op> {
        self.ops.lock().unwrap().clone()
    }

    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.ops
            .lock()
            .unwrap()
            .iter()
            .filter(|o| f(&o.outcome))
            .count()
    }

    /// Checks the history against what `client` (connected to the leader,
    /// after every node converged) reads: every ok redemption is there with
    /// its id, nothing that failed is, and each coupon's usage equals its
    /// processed redemptions, within `limits` (code -> limit).
    pub async fn check(&self, client: &Client, limits: &HashMap<String, u64>) {
        let ops = self.ops();
        for op in &ops {
            let found = client
                .get_redemption(RedemptionRef::Order {
                    code: op.code.clone(),
                    order_id: op.order.clone(),
                })
                .await;
            match (&op.outcome, found) {
                (Outcome::Ok(id), Ok(r)) => {
                    assert_eq!(r.redemption.id, *id, "order {} changed id", op.order);
                    assert_eq!(r.redemption.status, RedemptionStatus::Processed);
                }
                (Outcome::Ok(_), Err(e)) if e.code() == Some(ErrorCode::NotFound) => {
                    panic!("acknowledged order {} is lost: {e}", op.order)
                }
                (Outcome::Ok(_), Err(e)) => {
                    panic!("acknowledged order {} could not be read: {e}", op.order)
                }
                (Outcome::Failed(code), Ok(_)) => {
                    panic!("order {} was refused ({code}) but applied", op.order)
                }
                (Outcome::Failed(_), Err(e)) => {
                    assert_eq!(e.code(), Some(ErrorCode::NotFound), "{e}")
                }
                (Outcome::Unknown(_), _) => {}
            }
        }
        for (code, limit) in limits {
            let coupon = client
                .get_coupon(CouponRef::Code(code.clone()))
                .await
                .expect("the coupon");
            let ok = ops
                .iter()
                .filter(|o| &o.code == code && matches!(o.outcome, Outcome::Ok(_)))
                .count() as u64;
            assert!(
                ok <= *limit,
                "{code}: {ok} acknowledged of a limit of {limit}"
            );
            assert!(
                coupon.current_usage <= *limit,
                "{code}: used {} of a limit of {limit}",
                coupon.current_usage
            );
            let processed = super::all_redemptions(client, coupon.id)
                .await
                .into_iter()
                .filter(|r| r.status == RedemptionStatus::Processed)
                .count() as u64;
            assert_eq!(
                coupon.current_usage, processed,
                "{code}: counters and records"
            );
            assert!(
                ok <= processed,
                "{code}: {ok} acknowledged, {processed} stored"
            );
        }
    }
}

/// Redeems unique orders of `codes` from `connections` clients of the
/// cluster at `addrs` until `stop`, recording each outcome in `history`.
/// Each client follows the leader and fails over (retrying only what is
/// safe to repeat) within `failover`; `base` gives the rest of its options
/// (a token, say).
pub fn start_load(
    addrs: Vec<String>,
    codes: Vec<String>,
    connections: usize,
    failover: Duration,
    base: ClientOptions,
    history: Arc<History>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tasks = Vec::new();
        for c in 0..connections {
            let (addrs, codes, stop, history, base) = (
                addrs.clone(),
                codes.clone(),
                stop.clone(),
                history.clone(),
                base.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let options = ClientOptions {
                    request_timeout: Duration::from_secs(5),
                    connect_timeout: Duration::from_millis(500),
                    failover_timeout: failover,
                    ..base
                };
                // Start on different nodes: some clients sit on followers.
                let mut order: Vec<&str> = addrs.iter().map(String::as_str).collect();
                order.rotate_left(c % addrs.len());
                let client = loop {
                    match Client::connect_cluster(&order, options.clone()).await {
                        Ok(client) => break client,
                        Err(_) if !stop.load(Ordering::Relaxed) => {
                            tokio::time::sleep(Duration::from_millis(100)).await
                        }
                        Err(_) => return,
                    }
                };
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let code = &codes[(c + i as usize) % codes.len()];
                    let order = format!("load-{c}-{i}");
                    let customer = format!("cust-{c}-{i}");
                    i += 1;
                    let result = client
                        .redeem(redeem_request(code, &order, &customer, 10_000))
                        .await
                        .map(|r| r.redemption.id);
                    let pause = result.is_err();
                    history.record(code, &order, result);
                    if pause {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    })
}
