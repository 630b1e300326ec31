//! The client verbs: build a request from flags, call the server, print the
//! answer as text or JSON.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;
use std::time::Duration;

use couponsd_client::money;
use couponsd_client::wire::{
    AdminStatus, Coupon, CouponRef, CouponSpec, CouponType, DiscountType, ErrorCode, NodeRole,
    Order, ProductCriteria, RedeemRequest, RedemptionRef, RedemptionReply, ReserveRequest,
    Validation,
};
use couponsd_client::{Client, ClientError, ClientOptions, TlsOptions};
use serde_json::Value;

use super::args::*;
use super::{events, fraud_flags, json, order_codes, order_flags, qualify, rule_flags};
use crate::domain::spec::FULL_PERCENT_BPS;

/// Why a verb failed, and so its exit code.
pub enum Failure {
    /// Bad flags or no connection: exit 2.
    Usage(String),
    /// The server answered with an error: exit 1.
    Server(ClientError),
    /// The verb stopped short (generation ended before its target): print
    /// how far it got as on success, and why it stopped; exit 1.
    Stopped(Output, String),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Server { .. } => Failure::Server(e),
            other => Failure::Usage(format!("cannot reach the server: {other}")),
        }
    }
}

impl From<money::MoneyError> for Failure {
    fn from(e: money::MoneyError) -> Self {
        Failure::Usage(e.to_string())
    }
}

/// What a verb prints: JSON for --json, text otherwise.
pub struct Output {
    pub json: Value,
    pub text: String,
}

pub async fn run(command: Command, client_args: ClientArgs) -> ExitCode {
    let as_json = client_args.json;
    let (printed, exit) = match execute(command, &client_args).await {
        Ok(out) => (print_output(&out, as_json), ExitCode::SUCCESS),
        Err(Failure::Stopped(out, why)) => {
            eprintln!("couponsd: {why}");
            (print_output(&out, as_json), ExitCode::from(1))
        }
        Err(Failure::Server(e)) => (
            print_error(as_json, json::error(e.code(), &e.to_string()), &e),
            ExitCode::from(1),
        ),
        Err(Failure::Usage(message)) => (
            print_error(as_json, json::error(None, &message), &message),
            ExitCode::from(2),
        ),
    };
    match printed {
        Ok(()) => exit,
        Err(e) => {
            eprintln!("couponsd: writing the output: {e}");
            ExitCode::from(2)
        }
    }
}

fn print_output(out: &Output, as_json: bool) -> std::io::Result<()> {
    // A verb that streamed its output itself (export) returns nothing more.
    if as_json && !out.json.is_null() {
        print_line(&out.json)
    } else if !as_json && !out.text.is_empty() {
        print_line(&out.text)
    } else {
        Ok(())
    }
}

/// An error: as JSON on stdout for --json, else as text on stderr.
fn print_error(as_json: bool, error: Value, text: &impl std::fmt::Display) -> std::io::Result<()> {
    if as_json {
        print_line(error)
    } else {
        eprintln!("couponsd: {text}");
        Ok(())
    }
}

/// Writes one line of the final answer to stdout. A reader that stopped
/// early (`| head -c 1`) is its choice, not a failure (println! would panic).
pub(super) fn print_line(line: impl std::fmt::Display) -> std::io::Result<()> {
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
}

pub async fn connect(args: &ClientArgs) -> Result<Client, ClientError> {
    connect_to(&args.addr, args).await
}

/// A connection to `addr` with the token and options of the command line.
pub async fn connect_to(addr: &str, args: &ClientArgs) -> Result<Client, ClientError> {
    Client::connect_with(addr, client_options(args)?).await
}

/// How long a command follows a cluster through a leader change.
const CLI_FAILOVER_TIMEOUT: Duration = Duration::from_secs(5);

/// The token and TLS of the command line.
pub fn client_options(args: &ClientArgs) -> Result<ClientOptions, ClientError> {
    let tls = match (&args.ca, args.tls) {
        (Some(ca), _) => {
            let identity = args.cert.as_deref().zip(args.key.as_deref());
            let tls = TlsOptions::from_pem_files(ca, identity)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
            Some(tls)
        }
        (None, true) => {
            return Err(ClientError::Tls(
                "--tls needs --ca: the CA certificates the server's certificate chains to".into(),
            ))
        }
        (None, false) => None,
    };
    Ok(ClientOptions {
        token: args.token.clone(),
        tls,
        client_name: concat!("couponsd-cli/", env!("CARGO_PKG_VERSION")).into(),
        // Through an election (a second or two) a command waits for the new
        // leader instead of failing on the old one; requests it cannot know
        // the outcome of are still not repeated.
        failover_timeout: CLI_FAILOVER_TIMEOUT,
        ..ClientOptions::default()
    })
}

async fn execute(command: Command, args: &ClientArgs) -> Result<Output, Failure> {
    precheck(&command)?;
    let client = connect(args).await.map_err(|e| match e {
        ClientError::Io(cause) => {
            Failure::Usage(format!("cannot reach the server at {}: {cause}", args.addr))
        }
        other => Failure::from(other),
    })?;
    match command {
        Command::Coupon(c) => coupon_command(&client, *c).await,
        Command::Validate(o) if o.code.len() > 1 => {
            order_codes::validate(&client, &o, order(&o.cart)?).await
        }
        Command::Redeem(o) if o.code.len() > 1 => {
            order_codes::redeem(&client, &o, order(&o.cart)?).await
        }
        Command::Qualify(q) => qualify::run(&client, &q, order(&q.cart)?).await,
        Command::Events(EventsCommand::Tail(a)) => events::tail(&client, &a, args.json).await,
        Command::Validate(o) => {
            let order = order(&o.cart)?;
            let v = client.validate(order_codes::single(&o)?, order).await?;
            Ok(validation_output(&v))
        }
        Command::Redeem(o) => {
            let request = RedeemRequest {
                code: order_codes::single(&o)?.into(),
                order_id: o.order.clone(),
                transaction_id: o.transaction.clone(),
                order: order(&o.cart)?,
            };
            Ok(redemption_output(&client.redeem(request).await?))
        }
        Command::Reserve(r) if r.order.code.len() > 1 => {
            order_codes::reserve(&client, &r, order(&r.order.cart)?).await
        }
        Command::Reserve(r) => {
            let request = ReserveRequest {
                code: order_codes::single(&r.order)?.into(),
                order_id: r.order.order.clone(),
                ttl_ms: r.ttl_secs.saturating_mul(1000),
                order: order(&r.order.cart)?,
            };
            Ok(redemption_output(&client.reserve(request).await?))
        }
        Command::Confirm(r) => match order_set(&r.redemption) {
            Some(order_id) => {
                let set = client.order_confirm(order_id, &r.transaction).await?;
                Ok(order_codes::set_output(&set))
            }
            None if !r.transaction.is_empty() => Err(Failure::Usage(
                "--transaction: only for an order's set (--order alone)".into(),
            )),
            None => Ok(redemption_output(
                &client.confirm(redemption_ref(&r.redemption)?).await?,
            )),
        },
        Command::Release(r) => match order_set(&r) {
            Some(order_id) => Ok(order_codes::set_output(
                &client.order_release(order_id).await?,
            )),
            None => Ok(redemption_output(
                &client.release(redemption_ref(&r)?).await?,
            )),
        },
        Command::Reverse(r) if order_set(&r.redemption).is_some() => {
            if r.refund.is_some() || !r.refund_id.is_empty() {
                return Err(Failure::Usage(
                    "--refund, --refund-id: an order's set is reversed in full; \
                     refund one redemption with --code and --order"
                        .into(),
                ));
            }
            let order_id = order_set(&r.redemption).unwrap_or_default();
            let set = client.order_reverse(order_id, &r.reason).await?;
            Ok(order_codes::set_output(&set))
        }
        Command::Reverse(r) => {
            let target = redemption_ref(&r.redemption)?;
            if r.refund.is_none() && r.refund_id.is_empty() {
                return Ok(redemption_output(&client.reverse(target, &r.reason).await?));
            }
            // The amount is in the redemption's currency, a part of what was
            // paid; without --refund, all that is left of it.
            let current = client.get_redemption(target.clone()).await?;
            let currency = current.redemption.currency.clone();
            let amount = match &r.refund {
                Some(a) => money::parse(a, &currency)?,
                None => current.redemption.final_amount - refunded(&client, &target).await?,
            };
            let reply = client
                .refund(target.clone(), amount, &r.refund_id, &r.reason)
                .await?;
            // Show what this refund gave back: its reversal record.
            let reversals = client.list_reversals(target).await?;
            let this = reversals
                .iter()
                .rev()
                .find(|x| r.refund_id.is_empty() || x.refund_id == r.refund_id);
            let mut out = redemption_output(&reply);
            if let Some(reversal) = this {
                if let Value::Object(fields) = &mut out.json {
                    fields.insert("reversal".into(), json::reversal(reversal, &currency));
                }
                out.text = format!("{}\n{}", out.text, reversal_line(reversal, &currency));
            }
            Ok(out)
        }
        Command::Redemption(RedemptionCommand::Reversals(r)) => {
            let target = redemption_ref(&r)?;
            let currency = client
                .get_redemption(target.clone())
                .await?
                .redemption
                .currency;
            let list = client.list_reversals(target).await?;
            Ok(Output {
                json: serde_json::json!({
                    "reversals": list.iter().map(|x| json::reversal(x, &currency)).collect::<Vec<_>>()
                }),
                text: with_cursor(
                    list.iter().map(|x| reversal_line(x, &currency)).collect(),
                    0,
                ),
            })
        }
        Command::Redemption(RedemptionCommand::Get(r)) => Ok(redemption_output(
            &client.get_redemption(redemption_ref(&r)?).await?,
        )),
        Command::Redemption(RedemptionCommand::List {
            coupon,
            after,
            limit,
        }) => {
            let id = resolve(&client, &coupon).await?.id;
            let (page, next) = client.list_redemptions(id, after, limit).await?;
            let text: Vec<String> = page.iter().map(redemption_line).collect();
            Ok(Output {
                json: serde_json::json!({
                    "redemptions": page.iter().map(json::redemption).collect::<Vec<_>>(),
                    "next_after": if next == 0 { Value::Null } else { next.into() },
                }),
                text: with_cursor(text, next),
            })
        }
        Command::Ping => {
            let t = client.ping().await?;
            Ok(Output {
                json: serde_json::json!({ "pong": true, "server_time": json::time(t) }),
                text: "PONG".into(),
            })
        }
        Command::Info => {
            let i = client.server_info().await?;
            let failing_since =
                (i.writes_failing_since_ms != 0).then_some(i.writes_failing_since_ms);
            let writes = match failing_since {
                Some(ms) => format!(
                    "writes FAILING since {} ({}): refused with STORAGE_UNAVAILABLE until the disk has room again",
                    json::time(ms).as_str().map_or_else(|| ms.to_string(), str::to_string),
                    i.storage_error
                ),
                None if !i.storage_error.is_empty() => {
                    format!("storage ok; degraded: {}", i.storage_error)
                }
                None => "storage ok".to_string(),
            };
            // What the role means for a write sent here: "ok" above is about
            // this node's disk, not about whether the cluster takes writes.
            let role = match i.role {
                NodeRole::Leader => "takes writes",
                NodeRole::Follower | NodeRole::Learner => {
                    "answers writes with NOT_LEADER and the leader (clients follow it)"
                }
                NodeRole::Candidate => {
                    "knows no leader: writes are refused until an election succeeds"
                }
                NodeRole::Stopped => "stopped: takes no requests",
            };
            Ok(Output {
                json: serde_json::json!({
                    "server_version": i.server_version, "role": i.role.name(), "term": i.term,
                    "lsn": i.lsn, "coupons": i.coupons, "redemptions": i.redemptions,
                    "uptime_ms": i.uptime_ms, "connections": i.connections,
                    "writes_ok": failing_since.is_none(),
                    "writes_failing_since": failing_since.map_or(Value::Null, json::time),
                    "storage_error": if i.storage_error.is_empty() { Value::Null } else { i.storage_error.clone().into() },
                }),
                text: format!(
                    "couponsd {} {} term {} lsn {}: {} coupons, {} redemptions, {} connections, up {} s\n{role}; {writes}",
                    i.server_version, i.role, i.term, i.lsn, i.coupons, i.redemptions, i.connections,
                    i.uptime_ms / 1000
                ),
            })
        }
        Command::Digest => {
            let d = client.digest().await?;
            let hex = format!("{:032x}", d.digest);
            Ok(Output {
                json: serde_json::json!({ "lsn": d.lsn, "digest": hex, "entries": d.entries }),
                text: format!("lsn {} digest {hex} ({} entries)", d.lsn, d.entries),
            })
        }
        Command::Campaign(c) => super::campaign::run(&client, c).await,
        Command::Fraud(c) => super::fraud::run(&client, c).await,
        Command::Analytics(c) => super::analytics::run(&client, c).await,
        Command::Webhook(c) => super::webhook::run(&client, c).await,
        Command::Cluster(c) => super::cluster::run(&client, args, c).await,
        Command::Serve(_)
        | Command::Bench(_)
        | Command::Verify(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Config(_) => Err(Failure::Usage("not a client verb".into())),
    }
}

async fn coupon_command(client: &Client, command: CouponCommand) -> Result<Output, Failure> {
    match command {
        CouponCommand::Create {
            code,
            campaign_id,
            text,
            fields,
        } => {
            require_discount(&fields)?;
            let mut spec = apply_fields(
                CouponSpec {
                    code,
                    campaign_id,
                    ..CouponSpec::default()
                },
                &fields,
            )?;
            apply_text(&mut spec, &text.name, &text.description);
            let coupon = client.create_coupon(spec).await?;
            warn_if_ended(&coupon.spec);
            Ok(coupon_output(&coupon))
        }
        CouponCommand::Get(selector) => Ok(coupon_output(&resolve(client, &selector).await?)),
        CouponCommand::List { after, limit } => {
            let (page, next) = client.list_coupons(after, limit).await?;
            let text: Vec<String> = page.iter().map(coupon_line).collect();
            Ok(Output {
                json: serde_json::json!({
                    "coupons": page.iter().map(json::coupon).collect::<Vec<_>>(),
                    "next_after": if next == 0 { Value::Null } else { next.into() },
                }),
                text: with_cursor(text, next),
            })
        }
        CouponCommand::Update {
            selector,
            new_code,
            text,
            fields,
        } => {
            // Read, change the given fields, write back only if nobody changed it meanwhile.
            let current = resolve(client, &selector).await?;
            let mut spec = apply_fields(current.spec.clone(), &fields)?;
            apply_text(&mut spec, &text.name, &text.description);
            if let Some(code) = new_code {
                spec.code = code;
            }
            let coupon = client
                .update_coupon(current.id, current.revision, spec)
                .await?;
            warn_if_ended(&coupon.spec);
            Ok(coupon_output(&coupon))
        }
        CouponCommand::Delete(selector) => {
            let current = resolve(client, &selector).await?;
            client.delete_coupon(current.id).await?;
            Ok(Output {
                json: serde_json::json!({ "deleted": true, "id": current.id, "code": current.spec.code }),
                text: format!("deleted coupon {} {}", current.id, current.spec.code),
            })
        }
    }
}

/// A new coupon (or campaign template) needs one of the discount flags: the
/// default discount, 0% off, is refused by the server in less helpful terms.
pub(crate) fn require_discount(f: &CouponFields) -> Result<(), Failure> {
    if f.percent.is_none()
        && f.amount.is_none()
        && !f.free_shipping
        && f.buy.is_none()
        && f.product_amount.is_none()
    {
        return Err(Failure::Usage(
            "give --percent, --amount, --free-shipping, --buy/--get or --product-amount".into(),
        ));
    }
    Ok(())
}

async fn resolve(client: &Client, selector: &CouponSelector) -> Result<Coupon, Failure> {
    let r = match (&selector.id, &selector.code) {
        (Some(id), _) => CouponRef::Id(*id),
        (None, Some(code)) => CouponRef::Code(code.clone()),
        (None, None) => return Err(Failure::Usage("give --id or --code".into())),
    };
    Ok(client.get_coupon(r).await?)
}

/// Says on stderr when a coupon just written can never be redeemed because
/// its end date is already past (the server stores it: a back-dated coupon
/// is legal, but rarely what was meant).
pub(crate) fn warn_if_ended(spec: &CouponSpec) {
    let now_ms = jiff::Timestamp::now().as_millisecond();
    if let Some(ends_at) = spec.ends_at.filter(|&end| end <= now_ms) {
        let when = jiff::Timestamp::from_millisecond(ends_at)
            .map_or_else(|_| format!("{ends_at} ms"), |t| t.to_string());
        eprintln!(
            "warning: {} ended at {when} (its --ends-at is in the past): it is EXPIRED and no order can redeem it",
            spec.code
        );
    }
}

/// A display name and description given on the command line, over `spec`'s.
pub(crate) fn apply_text(
    spec: &mut CouponSpec,
    name: &Option<String>,
    description: &Option<String>,
) {
    if let Some(n) = name {
        spec.name = n.clone();
    }
    if let Some(d) = description {
        spec.description = d.clone();
    }
}

pub(crate) fn apply_fields(mut spec: CouponSpec, f: &CouponFields) -> Result<CouponSpec, Failure> {
    if let Some(c) = &f.currency {
        spec.currency = c.trim().to_ascii_uppercase();
    }
    let need_currency = |what: &str| -> Result<String, Failure> {
        if spec.currency.is_empty() {
            Err(Failure::Usage(format!("{what} needs --currency")))
        } else {
            Ok(spec.currency.clone())
        }
    };
    // A new discount type starts from its own fields only.
    let discount = if let Some(p) = &f.percent {
        Some((DiscountType::Percentage, money::parse_decimal(p, 2)?))
    } else if let Some(a) = &f.amount {
        Some((
            DiscountType::Fixed,
            money::parse(a, &need_currency("--amount")?)?,
        ))
    } else if f.free_shipping {
        Some((DiscountType::FreeShipping, 0))
    } else if f.buy.is_some() {
        let percent = f.get_percent.as_deref().unwrap_or("100");
        Some((DiscountType::BuyXGetY, money::parse_decimal(percent, 2)?))
    } else if let Some(a) = &f.product_amount {
        let cur = need_currency("--product-amount")?;
        Some((DiscountType::Product, money::parse(a, &cur)?))
    } else {
        None
    };
    if let Some((discount_type, value)) = discount {
        spec.discount_type = discount_type;
        spec.discount_value = value;
        spec.apply_per_line = false;
        spec.buy_quantity = f.buy.unwrap_or(0);
        spec.get_quantity = f.get.unwrap_or(0);
    }
    if let Some(per_line) = f.per_line {
        spec.apply_per_line = per_line;
    }
    if let Some(m) = &f.max_discount {
        spec.max_discount_amount = Some(money::parse(m, &need_currency("--max-discount")?)?);
    }
    if let Some(m) = &f.min_order {
        spec.min_order_amount = Some(money::parse(m, &need_currency("--min-order")?)?);
    }
    if f.usage_limit.is_some() {
        spec.usage_limit = f.usage_limit;
    }
    if f.per_customer_limit.is_some() {
        spec.usage_limit_per_customer = f.per_customer_limit;
    }
    if let Some(t) = &f.starts_at {
        spec.starts_at = Some(rfc3339("--starts-at", t)?);
    }
    if let Some(t) = &f.ends_at {
        spec.ends_at = Some(rfc3339("--ends-at", t)?);
    }
    if let Some(z) = &f.time_zone {
        spec.time_zone = z.clone();
    }
    if let Some(list) = &f.applicable {
        spec.applicable_products = criteria("--applicable", list, &spec.currency)?;
    }
    if let Some(list) = &f.excluded {
        spec.excluded_products = criteria("--excluded", list, &spec.currency)?;
    }
    for (flag, list) in [
        (&f.segments, &mut spec.customer_segments),
        (&f.channels, &mut spec.channel_restrictions),
        (&f.email_domains, &mut spec.allowed_email_domains),
    ] {
        if let Some(given) = flag {
            *list = given
                .iter()
                .filter(|v| !v.trim().is_empty())
                .cloned()
                .collect();
        }
    }
    apply_security(&mut spec, f)?;
    order_flags::apply(&mut spec, f)?;
    if let Some(d) = &f.active_days {
        spec.active_days = rule_flags::days(d).map_err(|e| usage("--active-days", e))?;
    }
    if let Some(h) = &f.active_hours {
        (spec.active_start_minute, spec.active_end_minute) =
            rule_flags::hours(h).map_err(|e| usage("--active-hours", e))?;
    }
    if let Some(t) = &f.coupon_type {
        spec.coupon_type = CouponType::from_name(t).ok_or_else(|| {
            Failure::Usage(format!(
                "--type {t:?}: one of {}",
                rule_flags::names(CouponType::ALL)
            ))
        })?;
    }
    if let Some(s) = &f.status {
        spec.status = AdminStatus::from_name(s).ok_or_else(|| {
            Failure::Usage(format!(
                "--status {s:?}: one of {}",
                rule_flags::names(AdminStatus::ALL)
            ))
        })?;
    }
    Ok(spec)
}

/// The security and fraud flags: each given one replaces its setting.
fn apply_security(spec: &mut CouponSpec, f: &CouponFields) -> Result<(), Failure> {
    let security = &mut spec.security;
    if let Some(list) = &f.ip_restriction {
        security.ip_restrictions = list
            .iter()
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect();
    }
    for (given, setting) in [
        (f.device_fingerprinting, &mut security.device_fingerprinting),
        (f.velocity_checks, &mut security.velocity_checks),
        (
            f.require_email_verification,
            &mut security.require_email_verification,
        ),
        (
            f.block_suspicious_patterns,
            &mut security.block_suspicious_patterns,
        ),
    ] {
        if let Some(on) = given {
            *setting = on;
        }
    }
    if let Some(n) = f.max_per_hour {
        security.max_redemptions_per_hour = n;
    }
    if let Some(list) = &f.identifier_limit {
        spec.identifier_limits = list
            .iter()
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                fraud_flags::identifier_limit(v, &spec.currency)
                    .map_err(|e| usage("--identifier-limit", e))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(s) = &f.review_score {
        spec.review_score = fraud_flags::score(s).map_err(|e| usage("--review-score", e))?;
    }
    if let Some(s) = &f.block_score {
        spec.block_score = fraud_flags::score(s).map_err(|e| usage("--block-score", e))?;
    }
    Ok(())
}

fn usage(flag: &str, message: String) -> Failure {
    Failure::Usage(format!("{flag} {message}"))
}

/// Criteria flags; empty ones are dropped, so "" clears the list.
fn criteria(flag: &str, given: &[String], currency: &str) -> Result<Vec<ProductCriteria>, Failure> {
    given
        .iter()
        .filter(|text| !text.trim().is_empty())
        .map(|text| rule_flags::criterion(text, currency).map_err(|e| usage(flag, e)))
        .collect()
}

pub(super) fn rfc3339(flag: &str, text: &str) -> Result<i64, Failure> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|e| {
            Failure::Usage(format!(
                "{flag} {text:?}: expected RFC 3339 such as 2026-01-01T00:00:00Z ({e})"
            ))
        })
}

/// What can be judged without the server, judged before connecting: a
/// usage error then exits 2 whether or not a server answers.
fn precheck(command: &Command) -> Result<(), Failure> {
    let needs_order = |o: &OrderArgs, verb: &str| {
        if o.order.trim().is_empty() {
            Err(Failure::Usage(format!(
                "{verb} needs --order ID: the order id is what makes a retry harmless"
            )))
        } else {
            Ok(())
        }
    };
    match command {
        Command::Validate(o) => order(&o.cart).map(drop),
        Command::Redeem(o) => needs_order(o, "redeem").and_then(|()| order(&o.cart).map(drop)),
        Command::Reserve(r) => {
            needs_order(&r.order, "reserve").and_then(|()| order(&r.order.cart).map(drop))
        }
        Command::Qualify(q) => order(&q.cart).map(drop),
        _ => Ok(()),
    }
}

fn order(o: &CartArgs) -> Result<Order, Failure> {
    let currency = o.currency.trim().to_ascii_uppercase();
    let shipping_amount = match &o.shipping {
        Some(s) => money::parse(s, &currency)?,
        None => 0,
    };
    let items = o
        .items
        .iter()
        .map(|text| rule_flags::line_item(text, &currency).map_err(|e| usage("--item", e)))
        .collect::<Result<_, _>>()?;
    Ok(Order {
        customer_id: o.customer.clone(),
        amount: money::parse(&o.amount, &currency)?,
        currency,
        channel: o.channel.clone(),
        shipping_amount,
        customer_email: o.email.clone(),
        customer_segments: o.segments.clone(),
        items,
        ip_address: o.ip.clone(),
        user_agent: o.user_agent.clone(),
        device_fingerprint: o.device.clone(),
        email_verified: o.email_verified,
        payment_fingerprint: o.payment_fingerprint.clone(),
        provider_risk_score: match &o.provider_risk_score {
            Some(s) => fraud_flags::score(s).map_err(|e| usage("--provider-risk-score", e))?,
            None => None,
        },
    })
}

/// The order id when --order is given alone: the order's whole set of codes.
fn order_set(r: &RedemptionArgs) -> Option<&str> {
    match (&r.id, &r.code, &r.order) {
        (None, None, Some(order_id)) => Some(order_id),
        _ => None,
    }
}

fn redemption_ref(r: &RedemptionArgs) -> Result<RedemptionRef, Failure> {
    match (&r.id, &r.code, &r.order) {
        (Some(id), _, _) => Ok(RedemptionRef::Id(*id)),
        (None, Some(code), Some(order_id)) => Ok(RedemptionRef::Order {
            code: code.clone(),
            order_id: order_id.clone(),
        }),
        _ => Err(Failure::Usage("give --id, or --code and --order".into())),
    }
}

/// How much of a redemption's order its reversals refunded so far.
async fn refunded(client: &Client, r: &RedemptionRef) -> Result<i64, Failure> {
    let list = client.list_reversals(r.clone()).await?;
    Ok(list.iter().map(|x| x.refund_amount).sum())
}

fn reversal_line(r: &couponsd_client::wire::Reversal, currency: &str) -> String {
    format!(
        "{} redemption {}: refund {} {currency} gave back {} of the discount{}{}",
        r.id,
        r.redemption_id,
        money::format(r.refund_amount, currency),
        money::format(r.discount_returned, currency),
        if r.full {
            " (full: use given back)"
        } else {
            ""
        },
        if r.refund_id.is_empty() {
            String::new()
        } else {
            format!(", refund id {}", r.refund_id)
        }
    )
}

pub(super) fn with_cursor(mut lines: Vec<String>, next: u64) -> String {
    if next != 0 {
        lines.push(format!("(more: --after {next})"));
    }
    if lines.is_empty() {
        "(none)".into()
    } else {
        lines.join("\n")
    }
}

pub(super) fn discount_text(spec: &CouponSpec) -> String {
    let (value, currency) = (spec.discount_value, spec.currency.as_str());
    match spec.discount_type {
        DiscountType::Percentage => format!("{}% off", json::percent(value)),
        DiscountType::Fixed if spec.apply_per_line => {
            format!(
                "{} {currency} off each line",
                money::format(value, currency)
            )
        }
        DiscountType::Fixed => format!("{} {currency} off", money::format(value, currency)),
        DiscountType::FreeShipping => "free shipping".into(),
        DiscountType::BuyXGetY if value == FULL_PERCENT_BPS => {
            format!("buy {} get {} free", spec.buy_quantity, spec.get_quantity)
        }
        DiscountType::BuyXGetY => format!(
            "buy {} get {} at {}% off",
            spec.buy_quantity,
            spec.get_quantity,
            json::percent(value)
        ),
        DiscountType::Product => format!(
            "{} {currency} off each eligible unit",
            money::format(value, currency)
        ),
    }
}

fn coupon_line(c: &Coupon) -> String {
    let s = &c.spec;
    let limit = s
        .usage_limit
        .map_or("unlimited".to_string(), |l| l.to_string());
    format!(
        "{} {} {}: {}, used {} (+{} held) of {}",
        c.id,
        s.code,
        c.status,
        discount_text(s),
        c.current_usage,
        c.reserved_uses,
        limit
    )
}

fn coupon_output(c: &Coupon) -> Output {
    Output {
        json: json::coupon(c),
        text: format!("coupon {}", coupon_line(c)),
    }
}

fn redemption_line(r: &couponsd_client::wire::Redemption) -> String {
    format!(
        "{} {} {} order {} customer {:?}: discount {} final {} {}",
        r.id,
        r.status,
        r.code,
        r.order_id,
        r.customer_id,
        money::format(r.discount_amount, &r.currency),
        money::format(r.final_amount, &r.currency),
        r.currency
    )
}

fn redemption_output(reply: &RedemptionReply) -> Output {
    let mut text = format!("redemption {}", redemption_line(&reply.redemption));
    if let Some(left) = reply.remaining_uses {
        text.push_str(&format!(" ({left} uses left)"));
    }
    if reply.replayed {
        text.push_str(" [replayed: this order had already done this]");
    }
    if let Some(risk) = risk_text(&reply.redemption.security) {
        text.push_str(&format!(" [{risk}]"));
    }
    Output {
        json: json::redemption_reply(reply),
        text,
    }
}

fn validation_output(v: &Validation) -> Output {
    let text = if v.valid {
        // The reply names the type and value, not the whole coupon.
        let offer = match v.discount_type {
            Some(DiscountType::Percentage) => format!("{}% off", json::percent(v.discount_value)),
            Some(t) => t.to_string(),
            None => String::new(),
        };
        format!(
            "valid: {} {offer} -> discount {} of {} applicable, final {} {}",
            v.code,
            money::format(v.discount_amount, &v.currency),
            money::format(v.applicable_amount, &v.currency),
            money::format(v.final_amount, &v.currency),
            v.currency
        )
    } else {
        let reason = ErrorCode::from_u16(v.reason).map_or("UNKNOWN", |c| c.name());
        format!("invalid: {reason} ({})", v.message)
    };
    let text = match risk_text(&v.security_assessment) {
        Some(risk) => format!("{text}\n{risk}"),
        None => text,
    };
    Output {
        json: json::validation(v),
        text,
    }
}

/// "fraud score 0.047426 LOW (no_device_fingerprint)": the score, the
/// level, flagged or not, and the checks that found something.
fn risk_text(a: &couponsd_client::wire::SecurityAssessment) -> Option<String> {
    let level = a.risk_level?;
    let score = json::score(a.fraud_score_ppm);
    let score = score.as_str().unwrap_or_default();
    let fired: Vec<&str> = a
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.as_str())
        .collect();
    let flagged = if a.flagged {
        ", flagged for review"
    } else {
        ""
    };
    Some(format!(
        "fraud score {score} {level}{flagged} ({})",
        if fired.is_empty() {
            "no warnings".to_string()
        } else {
            fired.join(", ")
        }
    ))
}
