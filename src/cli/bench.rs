//! `couponsd bench`: a load generator in the manner of redis-benchmark. Opens
//! `--connections` connections, keeps `--pipeline` requests in flight on each,
//! runs for `--duration` seconds, and reports throughput and latency.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use couponsd_client::wire::{
    CouponSpec, CriteriaOperator, CriteriaType, ErrorCode, Identifier, IdentifierLimit, LineItem,
    Order, OrderMode, OrderRedeemRequest, OrderValidateRequest, ProductCriteria, QualifyRequest,
    RedeemRequest, SecuritySettings,
};
use couponsd_client::{Client, ClientError};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use rand::Rng;

use super::args::{BenchArgs, ClientArgs};
use super::commands::{connect, print_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Redeem,
    Validate,
    /// Nine validates to one redeem, like a checkout page.
    Mixed,
    /// QUALIFY of a cart of three lines, over coupons made for it
    /// (`qualify_coupon`).
    Qualify,
}

#[derive(Default)]
struct Counters {
    ok: AtomicU64,
    rejected: AtomicU64,
    errors: AtomicU64,
}

pub async fn run(args: BenchArgs, client_args: ClientArgs) -> ExitCode {
    match bench(args, &client_args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("couponsd bench: {message}");
            ExitCode::from(2)
        }
    }
}

async fn bench(args: BenchArgs, client_args: &ClientArgs) -> Result<(), String> {
    let security = match args.security.as_str() {
        "off" => false,
        "on" => true,
        other => return Err(format!("--security {other:?}: off or on")),
    };
    let op = match args.op.as_str() {
        "redeem" => Op::Redeem,
        "validate" => Op::Validate,
        "mixed" => Op::Mixed,
        "qualify" => Op::Qualify,
        other => {
            return Err(format!(
                "--op {other:?}: redeem, validate, mixed or qualify"
            ))
        }
    };
    if args.connections == 0 || args.pipeline == 0 || args.coupons == 0 || args.customers == 0 {
        return Err(
            "--connections, --pipeline, --coupons and --customers must be at least 1".into(),
        );
    }
    let mut clients = Vec::with_capacity(args.connections as usize);
    for _ in 0..args.connections {
        clients.push(
            connect(client_args)
                .await
                .map_err(|e| format!("connecting to {}: {e}", client_args.addr))?,
        );
    }
    let coupon_count = if args.code.is_some() { 1 } else { args.coupons };
    if args.codes_per_order == 0 || args.codes_per_order > coupon_count {
        return Err(format!(
            "--codes-per-order must be between 1 and the number of coupons ({coupon_count})"
        ));
    }
    let run_id: u32 = rand::rng().random();
    let prefix = args
        .coupon_prefix
        .clone()
        .unwrap_or_else(|| format!("BENCH{run_id:08X}"));
    let (codes, created_ids) = match &args.code {
        Some(code) => (vec![code.clone()], Vec::new()),
        None => create_coupons(&clients, &prefix, args.coupons, security, op).await?,
    };
    // Coupons under a random prefix can never be reused: they go when the
    // run ends, unless asked to stay. Named ones are kept for the next run.
    let delete_after = !args.keep_coupons && args.coupon_prefix.is_none();
    let codes = Arc::new(codes);
    let counters = Arc::new(Counters::default());
    // With --requests, the count decides when to stop (the duration is a safety net).
    let run_for = match args.requests {
        Some(_) => Duration::from_secs(24 * 3600),
        None => Duration::from_secs(args.duration.max(1)),
    };
    let deadline = Instant::now() + run_for;
    let budget = Arc::new(AtomicU64::new(args.requests.unwrap_or(u64::MAX)));
    let started = Instant::now();

    let mut latency =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())?;
    let progress = tokio::spawn(report_progress(counters.clone(), started, client_args.json));
    let mut workers = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        for p in 0..args.pipeline {
            let worker = Worker {
                client: client.clone(),
                codes: codes.clone(),
                counters: counters.clone(),
                budget: budget.clone(),
                op,
                customers: args.customers,
                amount: args.amount,
                order_prefix: format!("bench-{run_id:08x}-{c}-{p}-"),
                codes_per_order: args.codes_per_order as usize,
            };
            workers.push(tokio::spawn(worker.run(deadline, latency.clone())));
        }
    }
    for w in workers {
        if let Ok(h) = w.await {
            latency.add(h).map_err(|e| e.to_string())?;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    progress.abort();
    print_summary(&args, client_args, &counters, &latency, elapsed)
        .map_err(|e| format!("writing the report: {e}"))?;
    if delete_after && !created_ids.is_empty() {
        delete_coupons(&clients, created_ids).await?;
    }
    Ok(())
}

/// Deletes the coupons this run created (their redemptions stay), over every
/// connection at once.
async fn delete_coupons(clients: &[Client], ids: Vec<u64>) -> Result<(), String> {
    let count = ids.len();
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let mine: Vec<u64> = ids.iter().copied().skip(c).step_by(clients.len()).collect();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut pending = futures_util::stream::iter(mine.into_iter().map(|id| {
                let client = client.clone();
                async move {
                    match client.delete_coupon(id).await {
                        Ok(()) => Ok(()),
                        Err(e) if e.code() == Some(ErrorCode::NotFound) => Ok(()),
                        Err(e) => Err(format!("deleting bench coupon {id}: {e}")),
                    }
                }
            }))
            .buffer_unordered(8);
            while let Some(result) = pending.next().await {
                result?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    eprintln!("deleted the {count} bench coupons this run created (--keep-coupons keeps them)");
    Ok(())
}

/// Creates PREFIX-0 .. PREFIX-(count-1), reusing any that exist, over every
/// connection at once: the codes, and the ids of those it created.
async fn create_coupons(
    clients: &[Client],
    prefix: &str,
    count: u32,
    security: bool,
    op: Op,
) -> Result<(Vec<String>, Vec<u64>), String> {
    let codes: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let mine: Vec<(usize, String)> = codes
            .iter()
            .cloned()
            .enumerate()
            .skip(c)
            .step_by(clients.len())
            .collect();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            // Eight in flight per connection keeps the writer's batches full.
            let mut pending = futures_util::stream::iter(mine.into_iter().map(|(i, code)| {
                let spec = match op {
                    Op::Qualify => qualify_coupon(&code, i, security),
                    _ => bench_coupon(&code, security),
                };
                create_one(&client, spec)
            }))
            .buffer_unordered(8);
            let mut created = Vec::new();
            while let Some(result) = pending.next().await {
                created.extend(result?);
            }
            Ok::<Vec<u64>, String>(created)
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        created.extend(t.await.map_err(|e| e.to_string())??);
    }
    if count > 1000 {
        eprintln!(
            "created or found {count} bench coupons in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok((codes, created))
}

/// Creates one bench coupon: its id, or None when it existed already.
async fn create_one(client: &Client, spec: CouponSpec) -> Result<Option<u64>, String> {
    let code = spec.code.clone();
    match client.create_coupon(spec).await {
        Ok(coupon) => Ok(Some(coupon.id)),
        Err(e) if e.code() == Some(ErrorCode::AlreadyExists) => Ok(None),
        Err(e) => Err(format!("creating bench coupon {code}: {e}")),
    }
}

/// The products of `--op qualify`: bench coupon `i` targets product
/// `p-(i / 2)`, so two coupons each; one coupon in a hundred targets
/// nothing (1 % to 30 % off), so a cart meets about a thousand candidates
/// at 100,000 coupons, the server's bound.
fn qualify_coupon(code: &str, i: usize, security: bool) -> CouponSpec {
    let base = CouponSpec {
        is_public: true,
        discount_value: 100 + (i as i64 % 30) * 100,
        ..bench_coupon(code, security)
    };
    if i % 100 == 0 {
        return base;
    }
    CouponSpec {
        applicable_products: vec![ProductCriteria {
            criteria_type: Some(CriteriaType::ProductId),
            operator: Some(CriteriaOperator::In),
            values: vec![format!("p-{}", i / 2)],
        }],
        ..base
    }
}

/// `security`: every check on, with limits a bench run never reaches (so
/// every request pays for the checks and none is refused); else none.
fn bench_coupon(code: &str, security: bool) -> CouponSpec {
    let base = bench_coupon_unchecked(code);
    if !security {
        return base;
    }
    CouponSpec {
        security: SecuritySettings {
            ip_restrictions: vec!["allow:0.0.0.0/0".into(), "allow:::/0".into()],
            device_fingerprinting: true,
            velocity_checks: true,
            max_redemptions_per_hour: 1_000,
            require_email_verification: true,
            block_suspicious_patterns: true,
        },
        identifier_limits: vec![IdentifierLimit {
            identifier: Identifier::Payment,
            max_uses: Some(1_000_000_000),
            max_discount_amount: None,
        }],
        review_score: Some(600_000),
        block_score: Some(850_000),
        ..base
    }
}

fn bench_coupon_unchecked(code: &str) -> CouponSpec {
    CouponSpec {
        code: code.into(),
        name: "couponsd bench".into(),
        discount_value: 1000,
        currency: "USD".into(),
        max_discount_amount: Some(5_000),
        // Large limits, so every redeem still runs the full check-and-decrement.
        usage_limit: Some(1_000_000_000_000),
        usage_limit_per_customer: Some(1_000_000_000),
        // A load generator is not a fraud case: a few customers redeem each
        // coupon far more than any per-hour limit would allow.
        security: SecuritySettings {
            velocity_checks: false,
            block_suspicious_patterns: false,
            ..SecuritySettings::default()
        },
        review_score: None,
        block_score: None,
        ..CouponSpec::default()
    }
}

struct Worker {
    client: Client,
    codes: Arc<Vec<String>>,
    counters: Arc<Counters>,
    /// Requests left to send in total.
    budget: Arc<AtomicU64>,
    op: Op,
    customers: u32,
    amount: i64,
    order_prefix: String,
    codes_per_order: usize,
}

impl Worker {
    async fn run(self, deadline: Instant, mut latency: Histogram<u64>) -> Histogram<u64> {
        let mut seq: u64 = 0;
        while Instant::now() < deadline && self.take_one() {
            seq += 1;
            let (codes, n, redeem) = {
                let mut rng = rand::rng();
                // Distinct codes: consecutive ones from a random start.
                let first = rng.random_range(0..self.codes.len());
                let codes: Vec<String> = (0..self.codes_per_order)
                    .map(|i| self.codes[(first + i) % self.codes.len()].clone())
                    .collect();
                let n = rng.random_range(0..self.customers);
                let redeem = match self.op {
                    Op::Redeem => true,
                    Op::Validate | Op::Qualify => false,
                    Op::Mixed => seq % 10 == 0,
                };
                (codes, n, redeem)
            };
            // Each customer with an email, a device, an address and a card
            // of their own, as a checkout sends them.
            let order = Order {
                customer_id: format!("customer-{n}"),
                amount: self.amount,
                currency: "USD".into(),
                customer_email: format!("customer-{n}@example.com"),
                email_verified: true,
                device_fingerprint: format!("device-{n}"),
                ip_address: format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255),
                payment_fingerprint: format!("card-{n}"),
                ..Order::default()
            };
            let start = Instant::now();
            let order_id = format!("{}{seq}", self.order_prefix);
            let outcome = match self.op {
                Op::Qualify => self.qualify(order).await,
                _ => self.send(codes, order_id, order, redeem).await,
            };
            let _ = latency.record(start.elapsed().as_micros().max(1) as u64);
            let counter = match outcome {
                Ok(true) => &self.counters.ok,
                Ok(false) => &self.counters.rejected,
                Err(e) if is_refusal(&e) => &self.counters.rejected,
                Err(_) => &self.counters.errors,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        latency
    }
}

impl Worker {
    /// One request: a single code's REDEEM or VALIDATE, or an order of
    /// several codes (all or nothing); Ok(true) when it applied.
    async fn send(
        &self,
        mut codes: Vec<String>,
        order_id: String,
        order: Order,
        redeem: bool,
    ) -> Result<bool, ClientError> {
        let mode = OrderMode::AllOrNothing;
        match (codes.len(), redeem) {
            (1, true) => {
                let request = RedeemRequest {
                    code: codes.remove(0),
                    order_id,
                    transaction_id: String::new(),
                    order,
                };
                self.client.redeem(request).await.map(|_| true)
            }
            (1, false) => self
                .client
                .validate(&codes[0], order)
                .await
                .map(|v| v.valid),
            (_, true) => {
                let request = OrderRedeemRequest {
                    codes,
                    mode,
                    order_id,
                    transaction_id: String::new(),
                    order,
                };
                self.client.order_redeem(request).await.map(|_| true)
            }
            (_, false) => {
                let request = OrderValidateRequest { codes, mode, order };
                let v = self.client.order_validate(request).await?;
                Ok(v.codes.iter().all(|c| c.applied))
            }
        }
    }

    /// QUALIFY of `order` with three lines of random bench products;
    /// Ok(true) when some coupon applies.
    async fn qualify(&self, order: Order) -> Result<bool, ClientError> {
        let products = (self.codes.len() / 2).max(1);
        let items = {
            let mut rng = rand::rng();
            (0..3)
                .map(|_| LineItem {
                    product_id: format!("p-{}", rng.random_range(0..products)),
                    unit_price: self.amount / 3,
                    quantity: 1,
                    ..LineItem::default()
                })
                .collect()
        };
        let request = QualifyRequest {
            limit: 10,
            order: Order { items, ..order },
        };
        let q = self.client.qualify(request).await?;
        Ok(!q.coupons.is_empty())
    }

    fn take_one(&self) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

/// A typed "the coupon does not apply" answer, as opposed to a failure.
fn is_refusal(e: &ClientError) -> bool {
    e.code()
        .is_some_and(|c| c.as_u16() >= ErrorCode::NotStarted.as_u16())
}

async fn report_progress(counters: Arc<Counters>, started: Instant, quiet: bool) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut last = 0;
    loop {
        tick.tick().await;
        let done = counters.ok.load(Ordering::Relaxed)
            + counters.rejected.load(Ordering::Relaxed)
            + counters.errors.load(Ordering::Relaxed);
        if !quiet {
            eprintln!(
                "[{:>3.0}s] {:>9} ops/s, {} done",
                started.elapsed().as_secs_f64(),
                done - last,
                done
            );
        }
        last = done;
    }
}

fn print_summary(
    args: &BenchArgs,
    client_args: &ClientArgs,
    counters: &Counters,
    latency: &Histogram<u64>,
    elapsed: f64,
) -> std::io::Result<()> {
    let ok = counters.ok.load(Ordering::Relaxed);
    let rejected = counters.rejected.load(Ordering::Relaxed);
    let errors = counters.errors.load(Ordering::Relaxed);
    let total = ok + rejected + errors;
    let ops_per_sec = if elapsed > 0.0 {
        (total as f64 / elapsed).round() as u64
    } else {
        0
    };
    let q = |p: f64| {
        if latency.is_empty() {
            0
        } else {
            latency.value_at_quantile(p)
        }
    };
    if client_args.json {
        let out = serde_json::json!({
            "op": args.op, "connections": args.connections, "pipeline": args.pipeline,
            "coupons": if args.code.is_some() { 1 } else { args.coupons }, "customers": args.customers, "security": args.security, "codes_per_order": args.codes_per_order,
            "duration_s": (elapsed * 1000.0).round() / 1000.0,
            "requests": total, "ok": ok, "rejected": rejected, "errors": errors,
            "ops_per_sec": ops_per_sec,
            "p50_us": q(0.50), "p90_us": q(0.90), "p99_us": q(0.99), "p999_us": q(0.999),
            "max_us": latency.max(),
        });
        print_line(out)
    } else {
        print_line(format_args!(
            "{} x {} connections x {} pipeline over {} coupon(s), {:.1} s\n\
             requests {total}: ok {ok}, rejected {rejected}, errors {errors}\n\
             throughput {ops_per_sec} ops/s\n\
             latency us: p50 {} p90 {} p99 {} p99.9 {} max {}",
            args.op,
            args.connections,
            args.pipeline,
            if args.code.is_some() { 1 } else { args.coupons },
            elapsed,
            q(0.50),
            q(0.90),
            q(0.99),
            q(0.999),
            latency.max()
        ))
    }
}
