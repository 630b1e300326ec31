//! The admin console (`--console`, on the `--http-listen` listener):
//! `/console/` serves a small single page (HTML, CSS and JavaScript
//! embedded in the binary: nothing to build, nothing fetched from
//! elsewhere), `/console/login` and `/console/logout` open and end a
//! session, and `/console/api/*` is a JSON API (`api`) for a logged-in
//! admin.
//!
//! Login takes an admin token, checked as HELLO checks one
//! (`auth::authenticate`, constant time); without tokens (protected mode)
//! a loopback client logs in with an empty token, as on the protocol port.
//! A refused login says only that it was refused, and counts against the
//! client's address in the guessing limiter (`ip` limit): past it, 429.
//! The session is an HttpOnly, SameSite=Strict cookie (plus Secure when a
//! TLS proxy in front says `X-Forwarded-Proto: https`); every write also
//! needs the session's CSRF token in `X-CSRF-Token`. Every answer forbids
//! framing and inline script (`Content-Security-Policy`).

mod api;
mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use super::Started;
use crate::server::auth::{self, Caller, Role};
use crate::server::guessing::{address_block, GuessKeys};
use crate::server::Shared;
pub use sessions::Sessions;

/// Largest request body read (a coupon's form is well under it).
pub const BODY_BYTES_MAX: usize = 64 << 10;
const COOKIE: &str = "couponsd_session";
const CSRF_HEADER: &str = "x-csrf-token";
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

type Answer = Response<Full<Bytes>>;

/// Whether a path belongs to the console.
pub fn owns(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

pub async fn answer(
    request: Request<Incoming>,
    peer: SocketAddr,
    started: &Started,
    sessions: &Sessions,
) -> Answer {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = match (&method, path.as_str()) {
        (&Method::GET | &Method::HEAD, "/console" | "/console/") => {
            asset(INDEX_HTML, "text/html; charset=utf-8")
        }
        (&Method::GET | &Method::HEAD, "/console/app.js") => {
            asset(APP_JS, "text/javascript; charset=utf-8")
        }
        (&Method::GET | &Method::HEAD, "/console/app.css") => {
            asset(APP_CSS, "text/css; charset=utf-8")
        }
        (&Method::POST, "/console/login") => match started.get().cloned() {
            Some(shared) => login(request, peer, &shared, sessions).await,
            None => starting(),
        },
        (&Method::POST, "/console/logout") => {
            if let Some(cookie) = cookie(&request) {
                sessions.end(&cookie);
            }
            let mut r = json_answer(StatusCode::OK, &json!({ "logged_out": true }));
            set_cookie(
                &mut r,
                format!("{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"),
            );
            r
        }
        (_, p) if p.starts_with("/console/api/") => match started.get().cloned() {
            Some(shared) => in_session(request, peer, &shared, sessions).await,
            None => starting(),
        },
        (_, "/console" | "/console/" | "/console/app.js" | "/console/app.css") => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "use GET",
        ),
        (_, "/console/login" | "/console/logout") => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "use POST",
        ),
        _ => error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such page"),
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

/// POST /console/login {"token": "..."}: a session for an admin token.
async fn login(
    request: Request<Incoming>,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    sessions: &Sessions,
) -> Answer {
    let secure = behind_tls(&request);
    // Counted apart from shoppers' addresses, under the same `ip` limit.
    let key = format!("console-login:{}", address_block(peer.ip()));
    let keys = GuessKeys {
        connection: "",
        ip: &key,
        device: "",
    };
    let clock_ms = shared.started.elapsed().as_millis() as u64;
    if shared.guesses.check(&keys, clock_ms).is_err() {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many refused logins from this address; try again later",
        );
    }
    let body = match read_json(request).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let token = body
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let tokens = &shared.credentials.server.load().tokens;
    let principal = auth::authenticate(tokens, token, None, peer.ip())
        .ok()
        .filter(|p| p.role == Role::Admin);
    let Some(principal) = principal else {
        shared.guesses.count_unknown(&keys, clock_ms);
        tracing::warn!(%peer, "console login refused");
        // Never why: an unknown token, another role, protected mode.
        return error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "login refused");
    };
    tracing::info!(%peer, who = principal.name, "console login");
    let (id, csrf) = sessions.create(principal, Instant::now());
    let mut r = json_answer(StatusCode::OK, &json!({ "csrf": csrf, "role": "admin" }));
    let max_age = sessions::SESSION_TTL.as_secs();
    let secure = if secure { "; Secure" } else { "" };
    set_cookie(
        &mut r,
        format!(
            "{COOKIE}={id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
        ),
    );
    r
}

/// /console/api/*: the session, the CSRF token on a write, then `api`.
async fn in_session(
    request: Request<Incoming>,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    sessions: &Sessions,
) -> Answer {
    let session = cookie(&request).and_then(|c| sessions.find(&c, Instant::now()));
    let Some(session) = session else {
        return error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "log in first");
    };
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let sent = request
            .headers()
            .get(CSRF_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !sessions::constant_time_eq(sent, session.csrf.as_bytes()) {
            return error(
                StatusCode::FORBIDDEN,
                "PERMISSION_DENIED",
                "a write needs the session's X-CSRF-Token header",
            );
        }
    }
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let body = if method == Method::GET || method == Method::HEAD {
        Value::Null
    } else {
        match read_json(request).await {
            Ok(body) => body,
            Err(refused) => return refused,
        }
    };
    let caller = Caller::new(session.principal.clone(), peer.ip());
    let route = api::Route {
        method: &method,
        path: path.trim_start_matches("/console/api/"),
        query: &query,
        body: &body,
        csrf: &session.csrf,
    };
    match api::answer(shared, &caller, route).await {
        Ok(value) => json_answer(StatusCode::OK, &value),
        Err(e) => {
            let (status, value) = api::error_json(&e);
            json_answer(status, &value)
        }
    }
}

/// The body as JSON (an empty one is `{}`), at most `BODY_BYTES_MAX`.
async fn read_json(request: Request<Incoming>) -> Result<Value, Answer> {
    let collected = Limited::new(request.into_body(), BODY_BYTES_MAX)
        .collect()
        .await;
    let bytes = match collected {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "INVALID_ARGUMENT",
                "the body is larger than 64 KiB or was cut short",
            ))
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "the body is not a JSON object",
        )),
    }
}

fn cookie<B>(request: &Request<B>) -> Option<String> {
    request
        .headers()
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// A TLS-terminating proxy in front says so; the cookie is then Secure.
fn behind_tls<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn set_cookie(response: &mut Answer, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(hyper::header::SET_COOKIE, v);
    }
}

fn asset(body: &'static str, content_type: &'static str) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    r
}

fn json_answer(status: StatusCode, value: &Value) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(value.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, name: &str, message: &str) -> Answer {
    json_answer(
        status,
        &json!({ "error": name, "code": null, "message": message }),
    )
}

fn starting() -> Answer {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "STARTING",
        "the node is loading its store",
    )
}
