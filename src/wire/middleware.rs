//! Around every request: a request id (extensions, `x-acs-request-id`, log span), one access
//! log line, and a JSON body for any error response that is not JSON yet (actix's own 404s and
//! the like). Panics are caught closer to the handlers, by [`catch_panic`].

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use futures_util::FutureExt;
use tracing::Instrument;

use super::envelope::{self, RequestId};
use crate::error::Error;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let rid = RequestId::new();
    req.extensions_mut().insert(rid.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %rid,
        method = %req.method(),
        path = %req.path(),
        action = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();

    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if res.status().as_u16() >= 400 && !is_json {
        let err = match res.status().as_u16() {
            404 | 405 => Error::InvalidRoute,
            s if s < 500 => Error::invalid("Request", format!("The request was rejected ({s}).")),
            s => Error::internal(format!("status {s} without a body")),
        };
        let (http, _) = res.into_parts();
        res = ServiceResponse::new(http, envelope::error(&rid, &err));
    }
    if let Ok(v) = HeaderValue::from_str(&rid.0) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let _g = span.enter();
    tracing::info!(
        status = res.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request done"
    );
    Ok(res)
}

/// Run a handler's future, turning a panic into an internal error (a JSON 500 for the
/// client, the panic message in the log only).
pub async fn catch_panic<T>(fut: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::internal(format!("panic: {what}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn json_of(err: &Error) -> (u16, serde_json::Value) {
        let rid = RequestId::new();
        let res = envelope::error(&rid, err);
        let status = res.status().as_u16();
        let bytes = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["RequestId"], rid.0.as_str());
        (status, body)
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_opaque_json_500() {
        let secret_detail = "db password hunter2 in /var/secret";
        let cases: Vec<(Result<(), Error>, &str)> = vec![
            (
                catch_panic(async { panic!("static str") }).await,
                "static str",
            ),
            (
                catch_panic(async move { panic!("formatted: {secret_detail}") }).await,
                "hunter2",
            ),
            (
                catch_panic(async { std::panic::panic_any(42_u32) }).await,
                "unknown panic",
            ),
            (
                catch_panic(async {
                    tokio::task::yield_now().await;
                    let v: Vec<u8> = Vec::new();
                    std::hint::black_box(v[3]);
                    Ok(())
                })
                .await,
                "index out of bounds",
            ),
        ];
        for (result, detail) in cases {
            let err = result.expect_err("a panic is an error");
            // The detail is kept for the log ...
            let Error::Internal(logged) = &err else {
                panic!("expected Error::Internal, got {err:?}");
            };
            assert!(logged.starts_with("panic: "), "{logged}");
            assert!(logged.contains(detail), "{logged}");
            // ... and never reaches the client.
            let (status, body) = json_of(&err).await;
            assert_eq!(status, 500);
            assert_eq!(body["Code"], "InternalError");
            assert_eq!(body["HostId"], crate::error::HOST_ID);
            let message = body["Message"].as_str().unwrap();
            assert!(!message.is_empty());
            assert!(!message.contains(detail), "{message}");
            assert!(!message.contains("panic"), "{message}");
            assert!(body["Recommend"].as_str().is_some());
        }
    }

    #[tokio::test]
    async fn a_handler_that_does_not_panic_is_passed_through() {
        assert_eq!(catch_panic(async { Ok::<_, Error>(7) }).await.unwrap(), 7);
        let err = catch_panic(async { Err::<(), _>(Error::MissingParameter("InstanceId".into())) })
            .await
            .unwrap_err();
        assert_eq!(err.code(), "MissingParameter.InstanceId");
        let (status, body) = json_of(&err).await;
        assert_eq!(status, 400);
        assert_eq!(body["Code"], "MissingParameter.InstanceId");
    }
}
