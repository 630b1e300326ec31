//! The console's JSON API (`/console/api/*`), a thin layer over the
//! protocol: each call builds the wire `Request` a CLI verb would send,
//! runs it through `server::in_process` (the role check and `dispatch`, as
//! a connection would) and shows the reply with the CLI's JSON shapes
//! (`cli::json` and the verbs' `--json`), errors by their protocol code
//! names. **No business logic here:** what a coupon may be, whether a
//! status move is allowed, every figure, is decided where the protocol
//! decides it.
//!
//! | method and path              | request                                |
//! |------------------------------|----------------------------------------|
//! | GET session                  | (the session: role, CSRF token)        |
//! | GET coupons?prefix=&after=   | COUPON_LIST pages, kept by code prefix |
//! | POST coupons                 | COUPON_CREATE (the CLI's coupon flags) |
//! | GET coupons/ID               | COUPON_GET                             |
//! | POST coupons/ID              | COUPON_GET, COUPON_UPDATE              |
//! | POST coupons/ID/status       | COUPON_GET, COUPON_UPDATE (status)     |
//! | GET coupons/ID/redemptions   | REDEMPTION_LIST                        |
//! | GET coupons/ID/analytics     | ANALYTICS_COUPON                       |
//! | GET campaigns?after=         | CAMPAIGN_LIST                          |
//! | GET campaigns/ID             | CAMPAIGN_GET                           |
//! | POST campaigns/ID/status     | CAMPAIGN_SET_STATUS                    |
//! | GET campaigns/ID/analytics   | ANALYTICS_CAMPAIGN                     |
//! | GET overview                 | ANALYTICS_OVERVIEW                     |
//! | GET fraud?days=              | FRAUD_REPORT over the last days        |
//! | GET cluster                  | CLUSTER_STATUS (this node's view)      |

use std::sync::Arc;

use couponsd_client::wire::{
    AdminStatus, CampaignStatus, Coupon, CouponRef, CouponSpec, ErrorCode, Request, Response,
};
use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cli::args::CouponFields;
use crate::cli::commands::{apply_fields, apply_text, require_discount, Failure};
use crate::cli::{analytics, campaign, cluster, fraud, json as shapes};
use crate::error::{Error, Result};
use crate::server::auth::Caller;
use crate::server::{in_process, Shared};

/// Coupons a search walks at most (COUPON_LIST pages of `PAGE`).
const SEARCH_SCAN_MAX: usize = 5_000;
/// Coupons a search returns at most.
const SEARCH_MATCHES_MAX: usize = 100;
const PAGE: u16 = 500;
/// The fraud report's longest window.
const FRAUD_DAYS_MAX: i64 = 366;

/// One API call, as the session layer hands it over.
pub struct Route<'a> {
    pub method: &'a Method,
    /// After `/console/api/`.
    pub path: &'a str,
    pub query: &'a str,
    /// A JSON object (`{}` for GET).
    pub body: &'a Value,
    pub csrf: &'a str,
}

pub async fn answer(shared: &Arc<Shared>, caller: &Caller, route: Route<'_>) -> Result<Value> {
    let segments: Vec<&str> = route.path.split('/').filter(|s| !s.is_empty()).collect();
    let read = route.method == Method::GET || route.method == Method::HEAD;
    let write = route.method == Method::POST;
    let run = |request| in_process::run(shared, caller, request);
    match segments.as_slice() {
        ["session"] if read => Ok(json!({
            "role": caller.principal.role.name(),
            "name": caller.principal.name,
            "csrf": route.csrf,
        })),
        ["coupons"] if read => search_coupons(shared, caller, route.query).await,
        ["coupons"] if write => {
            let fields = coupon_fields(route.body)?;
            require_discount(&fields).map_err(invalid)?;
            let code = text(route.body, "code")?.unwrap_or_default();
            let mut spec = apply_fields(
                CouponSpec {
                    code,
                    is_public: flag(route.body, "is_public")?.unwrap_or(false),
                    ..CouponSpec::default()
                },
                &fields,
            )
            .map_err(invalid)?;
            set_text(&mut spec, route.body)?;
            match run(Request::CreateCoupon(spec)).await? {
                Response::Coupon(c) => Ok(shapes::coupon(&c)),
                other => Err(unexpected(other)),
            }
        }
        ["coupons", id] if read => Ok(shapes::coupon(&get_coupon(shared, caller, id).await?)),
        ["coupons", id] if write => {
            let fields = coupon_fields(route.body)?;
            let current = get_coupon(shared, caller, id).await?;
            let mut spec = apply_fields(current.spec, &fields).map_err(invalid)?;
            set_text(&mut spec, route.body)?;
            if let Some(public) = flag(route.body, "is_public")? {
                spec.is_public = public;
            }
            update(shared, caller, current.id, current.revision, spec).await
        }
        ["coupons", id, "status"] if write => {
            let name = text(route.body, "status")?.unwrap_or_default();
            let status = AdminStatus::from_name(&name).ok_or_else(|| {
                Error::invalid(
                    "status",
                    format!("{name:?}: one of ACTIVE, INACTIVE, SUSPENDED"),
                )
            })?;
            let mut current = get_coupon(shared, caller, id).await?;
            current.spec.status = status;
            update(shared, caller, current.id, current.revision, current.spec).await
        }
        ["coupons", id, "redemptions"] if read => {
            let request = Request::ListRedemptions {
                coupon_id: number(id)?,
                after_id: query_number(route.query, "after")?.unwrap_or(0),
                limit: 100,
            };
            match run(request).await? {
                Response::RedemptionPage {
                    redemptions,
                    next_after,
                } => Ok(json!({
                    "redemptions": redemptions.iter().map(shapes::redemption).collect::<Vec<_>>(),
                    "next_after": cursor(next_after),
                })),
                other => Err(unexpected(other)),
            }
        }
        ["coupons", id, "analytics"] if read => {
            match run(Request::AnalyticsCoupon(CouponRef::Id(number(id)?))).await? {
                Response::CouponAnalytics(a) => Ok(analytics::coupon_output(&a).json),
                other => Err(unexpected(other)),
            }
        }
        ["campaigns"] if read => {
            let request = Request::ListCampaigns {
                after_id: query_number(route.query, "after")?.unwrap_or(0),
                limit: 100,
            };
            match run(request).await? {
                Response::CampaignPage {
                    campaigns,
                    next_after,
                } => Ok(json!({
                    "campaigns": campaigns.iter().map(campaign::campaign_json).collect::<Vec<_>>(),
                    "next_after": cursor(next_after),
                })),
                other => Err(unexpected(other)),
            }
        }
        ["campaigns", id] if read => match run(Request::GetCampaign { id: number(id)? }).await? {
            Response::Campaign(c) => Ok(campaign::campaign_json(&c)),
            other => Err(unexpected(other)),
        },
        ["campaigns", id, "status"] if write => {
            let name = text(route.body, "status")?.unwrap_or_default();
            let status = CampaignStatus::from_name(&name).ok_or_else(|| {
                Error::invalid(
                    "status",
                    format!(
                        "{name:?}: one of DRAFT, SCHEDULED, ACTIVE, PAUSED, COMPLETED, CANCELLED"
                    ),
                )
            })?;
            let request = Request::SetCampaignStatus {
                id: number(id)?,
                status,
            };
            match run(request).await? {
                Response::Campaign(c) => Ok(campaign::campaign_json(&c)),
                other => Err(unexpected(other)),
            }
        }
        ["campaigns", id, "analytics"] if read => {
            match run(Request::AnalyticsCampaign { id: number(id)? }).await? {
                Response::CampaignAnalytics(a) => Ok(analytics::campaign_output(&a).json),
                other => Err(unexpected(other)),
            }
        }
        ["overview"] if read => match run(Request::AnalyticsOverview).await? {
            Response::AnalyticsOverview(a) => Ok(analytics::overview_output(&a).json),
            other => Err(unexpected(other)),
        },
        ["fraud"] if read => {
            let days = query_number(route.query, "days")?.unwrap_or(30);
            let days = i64::try_from(days).unwrap_or(i64::MAX);
            if !(1..=FRAUD_DAYS_MAX).contains(&days) {
                return Err(Error::invalid("days", format!("1 to {FRAUD_DAYS_MAX}")));
            }
            let to = crate::domain::now_ms() + 1;
            let from = to - days * 86_400_000;
            match run(Request::FraudReport { from, to }).await? {
                Response::FraudReport(r) => Ok(fraud::report(&r).json),
                other => Err(unexpected(other)),
            }
        }
        ["cluster"] if read => match run(Request::ClusterStatus).await? {
            Response::Cluster(s) => Ok(cluster::node_status_json(&s)),
            other => Err(unexpected(other)),
        },
        _ => Err(Error::NotFound("console API call")),
    }
}

/// A page of coupons whose code starts with `prefix` (upper case, as codes
/// are kept), walking at most `SEARCH_SCAN_MAX` coupons from `after`; the
/// cursor says where to go on.
async fn search_coupons(shared: &Arc<Shared>, caller: &Caller, query: &str) -> Result<Value> {
    let prefix = query_text(query, "prefix").trim().to_ascii_uppercase();
    let mut after = query_number(query, "after")?.unwrap_or(0);
    let (mut found, mut scanned) = (Vec::new(), 0);
    loop {
        let request = Request::ListCoupons {
            after_id: after,
            limit: PAGE,
        };
        let (coupons, next_after) = match in_process::run(shared, caller, request).await? {
            Response::CouponPage {
                coupons,
                next_after,
            } => (coupons, next_after),
            other => return Err(unexpected(other)),
        };
        scanned += coupons.len();
        for c in &coupons {
            after = c.id;
            if c.spec.code.starts_with(&prefix) {
                found.push(shapes::coupon(c));
                if found.len() == SEARCH_MATCHES_MAX {
                    return Ok(json!({ "coupons": found, "next_after": after }));
                }
            }
        }
        if next_after == 0 {
            return Ok(json!({ "coupons": found, "next_after": Value::Null }));
        }
        after = next_after;
        if scanned >= SEARCH_SCAN_MAX {
            return Ok(json!({ "coupons": found, "next_after": after }));
        }
    }
}

async fn get_coupon(shared: &Arc<Shared>, caller: &Caller, id: &str) -> Result<Coupon> {
    match in_process::run(
        shared,
        caller,
        Request::GetCoupon(CouponRef::Id(number(id)?)),
    )
    .await?
    {
        Response::Coupon(c) => Ok(*c),
        other => Err(unexpected(other)),
    }
}

/// COUPON_UPDATE at the revision read: a change made meanwhile is CONFLICT.
async fn update(
    shared: &Arc<Shared>,
    caller: &Caller,
    id: u64,
    expected_revision: u64,
    spec: CouponSpec,
) -> Result<Value> {
    let request = Request::UpdateCoupon {
        id,
        expected_revision,
        spec,
    };
    match in_process::run(shared, caller, request).await? {
        Response::Coupon(c) => Ok(shapes::coupon(&c)),
        other => Err(unexpected(other)),
    }
}

/// The form's fields as the CLI's coupon flags (and `is_public`, which
/// the CLI leaves false): the same names (`percent`,
/// `amount` as decimal strings, `usage_limit`, `per_customer_limit`,
/// `starts_at`, ...), converted by the same `apply_fields`.
fn coupon_fields(body: &Value) -> Result<CouponFields> {
    Ok(CouponFields {
        percent: text(body, "percent")?,
        amount: text(body, "amount")?,
        currency: text(body, "currency")?,
        max_discount: text(body, "max_discount")?,
        min_order: text(body, "min_order")?,
        starts_at: text(body, "starts_at")?,
        ends_at: text(body, "ends_at")?,
        time_zone: text(body, "time_zone")?,
        status: text(body, "status")?,
        usage_limit: count(body, "usage_limit")?,
        per_customer_limit: count(body, "per_customer_limit")?
            .map(|n| {
                u32::try_from(n).map_err(|_| Error::invalid("per_customer_limit", "too large"))
            })
            .transpose()?,
        ..CouponFields::default()
    })
}

/// The form's `name` and `description`, as the CLI's `--name` and `--description`.
fn set_text(spec: &mut CouponSpec, body: &Value) -> Result<()> {
    apply_text(spec, &text(body, "name")?, &text(body, "description")?);
    Ok(())
}

/// A string field; absent, null or blank is None.
fn text(body: &Value, field: &'static str) -> Result<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(Error::invalid(field, "must be a string")),
    }
}

/// A true or false field; absent or null is None.
fn flag(body: &Value, field: &'static str) -> Result<Option<bool>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::invalid(field, "must be true or false")),
    }
}

/// A whole number given as a JSON number or as digits; blank is None.
fn count(body: &Value, field: &'static str) -> Result<Option<u64>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| Error::invalid(field, "must be a whole number")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid(field, "must be a whole number")),
        Some(_) => Err(Error::invalid(field, "must be a whole number")),
    }
}

fn number(segment: &str) -> Result<u64> {
    segment
        .parse()
        .map_err(|_| Error::invalid("id", format!("{segment:?} is not an id")))
}

fn cursor(next_after: u64) -> Value {
    if next_after == 0 {
        Value::Null
    } else {
        next_after.into()
    }
}

/// A query parameter, percent-decoded ('+' is a space); empty when absent.
fn query_text(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
        .unwrap_or_default()
}

fn query_number(query: &str, name: &'static str) -> Result<Option<u64>> {
    let value = query_text(query, name);
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| Error::invalid(name, format!("{value:?} is not a whole number")))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|h| bytes[i] == b'%' && h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn invalid(failure: Failure) -> Error {
    match failure {
        Failure::Usage(why) => Error::invalid("coupon", why),
        Failure::Server(e) => Error::invalid("coupon", e.to_string()),
        Failure::Stopped(_, why) => Error::invalid("coupon", why),
    }
}

/// A reply of another kind than its request's: a bug, answered INTERNAL.
fn unexpected(_response: Response) -> Error {
    tracing::error!("console: a request got a reply of another kind");
    Error::Panicked
}

/// An error as JSON (`cli::json::error`: its code's name, number and
/// message) and the HTTP status its code stands for.
pub fn error_json(e: &Error) -> (StatusCode, Value) {
    let code = e.code();
    let status = match code {
        ErrorCode::InvalidArgument | ErrorCode::MalformedFrame => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::AlreadyExists | ErrorCode::Conflict | ErrorCode::InvalidState => {
            StatusCode::CONFLICT
        }
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::PermissionDenied => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Busy
        | ErrorCode::ShuttingDown
        | ErrorCode::NotLeader
        | ErrorCode::NoQuorum
        | ErrorCode::NotCommitted
        | ErrorCode::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal | ErrorCode::CorruptData => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, shapes::error(Some(code), &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded() {
        assert_eq!(
            query_text("prefix=SUMMER%2D1&after=3", "prefix"),
            "SUMMER-1"
        );
        assert_eq!(query_text("a=1+2", "a"), "1 2");
        assert_eq!(query_text("a=%zz%4", "a"), "%zz%4");
        assert_eq!(query_text("a", "b"), "");
        assert_eq!(query_number("after=12", "after").ok(), Some(Some(12)));
        assert!(query_number("after=x", "after").is_err());
    }
}
