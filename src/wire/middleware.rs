//! Around every request: a request id (extensions, `x-acs-request-id`, log span), one access
//! log line, and a JSON answer for whatever escaped the handlers — an actix error or a panic.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
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
    let http = req.request().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %rid,
        method = %req.method(),
        path = %req.path(),
        action = tracing::field::Empty,
    );
    let started = Instant::now();
    let outcome = AssertUnwindSafe(next.call(req))
        .catch_unwind()
        .instrument(span.clone())
        .await;
    let mut res = match outcome {
        Ok(Ok(res)) => res.map_into_boxed_body(),
        Ok(Err(e)) => {
            // An actix error (an extractor, a route guard): keep its status, speak JSON.
            let status = e.as_response_error().status_code();
            let err = match status.as_u16() {
                404 | 405 => Error::InvalidRoute,
                s if s < 500 => Error::invalid("Request", e.to_string()),
                _ => Error::internal(e),
            };
            ServiceResponse::new(http, envelope::error(&rid, &err))
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let _g = span.enter();
            ServiceResponse::new(
                http,
                envelope::error(&rid, &Error::internal(format!("panic: {what}"))),
            )
        }
    };
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
