//! Which answer a request gets: GET (or HEAD) of `/healthz`, `/readyz` or
//! `/metrics`; any other path is 404, any other method 405.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use super::{metrics_page, readiness, Started};
use crate::metrics::text;

pub async fn answer<B>(
    request: &Request<B>,
    started: &Started,
    lag_max: u64,
) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: use GET\n".into(),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match request.uri().path() {
        "/healthz" => plain(StatusCode::OK, "ok\n".into()),
        "/readyz" => {
            let shared = started.get().cloned();
            // The node's status takes a few locks: off the runtime's workers.
            let verdict = tokio::task::spawn_blocking(move || match shared {
                Some(shared) => readiness::check(&shared, lag_max),
                None => Err("starting: the store is being loaded".into()),
            })
            .await
            .unwrap_or_else(|_| Err("the readiness check failed".into()));
            match verdict {
                Ok(()) => plain(StatusCode::OK, "ready\n".into()),
                Err(why) => plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("not ready: {why}\n"),
                ),
            }
        }
        "/metrics" => {
            let shared = started.get().cloned();
            // Reads the data directory and /proc: a blocking thread.
            let page = tokio::task::spawn_blocking(move || {
                metrics_page::render(shared.as_deref(), lag_max)
            })
            .await;
            match page {
                Ok(page) => {
                    let mut response = plain(StatusCode::OK, page);
                    response
                        .headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static(text::CONTENT_TYPE));
                    response
                }
                Err(_) => plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the metrics page failed\n".into(),
                ),
            }
        }
        _ => plain(StatusCode::NOT_FOUND, "not found\n".into()),
    }
}

fn plain(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
