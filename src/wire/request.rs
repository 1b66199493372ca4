//! From an HTTP request to an [`RpcRequest`]: body limit, parameter decoding, action, version.

use actix_web::HttpRequest;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{Bytes, BytesMut, Payload};
use futures_util::StreamExt;

use super::API_VERSION;
use super::params::{Params, Source};
use crate::error::Error;

/// One RPC call, decoded. Keeps the raw parts that signature checking will need.
#[derive(Debug)]
pub struct RpcRequest<'a> {
    pub http: &'a HttpRequest,
    pub body: &'a [u8],
    pub action: String,
    pub params: Params,
}

/// Read the body, refusing more than `limit` bytes (early, when Content-Length says so) and a
/// body still incomplete after `timeout` (a stalled client would hold its connection and
/// buffer forever; the HTTP layer only times out the headers).
pub async fn read_body(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, Error> {
    tokio::time::timeout(timeout, read_body_unbounded(req, payload, limit))
        .await
        .map_err(|_| Error::RequestTimeout(timeout.as_millis()))?
}

async fn read_body_unbounded(
    req: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<Bytes, Error> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Error::TooLarge(limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            Error::invalid("Body", format!("The request body could not be read: {e}."))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(Error::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Result<Option<&'r str>, Error> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| Error::invalid(name, format!("The {name} header is not ASCII text."))),
    }
}

impl<'a> RpcRequest<'a> {
    pub fn parse(http: &'a HttpRequest, body: &'a [u8]) -> Result<Self, Error> {
        let mut params = Params::default();
        params.add_encoded(http.query_string().as_bytes(), Source::Query)?;
        let is_form = http
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if is_form {
            params.add_encoded(body, Source::Form)?;
        }

        // V3 names the action only in headers; V1 only in the query.
        let action = match header(http, "x-acs-action")? {
            Some(a) if !a.is_empty() => a.to_owned(),
            _ => params.required::<String>("Action")?,
        };
        let version = match header(http, "x-acs-version")? {
            Some(v) if !v.is_empty() => v.to_owned(),
            _ => params.required::<String>("Version")?,
        };
        if version != API_VERSION {
            return Err(Error::InvalidVersion(version));
        }
        Ok(Self {
            http,
            body,
            action,
            params,
        })
    }
}
