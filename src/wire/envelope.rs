//! Response bodies: `{"RequestId": …, <fields>}` on success, the error body of API.md §6
//! otherwise. Both are JSON with the request id also in `x-acs-request-id` (set by the
//! middleware).

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;

use crate::error::{Error, tidy};

pub const JSON: &str = "application/json;charset=utf-8";

/// The id of one request, upper-case UUID as the real service writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn new() -> Self {
        let mut buf = uuid::Uuid::encode_buffer();
        Self(random_uuid().hyphenated().encode_upper(&mut buf).to_owned())
    }
}

/// A v4 UUID from the thread's CSPRNG (seeded from the OS): `Uuid::new_v4` asks the OS for
/// every one, a system call per request.
pub fn random_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A body with nothing but the request id.
#[derive(Debug, Serialize)]
pub struct Empty {}

#[derive(Serialize)]
struct Envelope<'a, T> {
    #[serde(rename = "RequestId")]
    request_id: &'a str,
    #[serde(flatten)]
    body: T,
}

pub fn success<T: Serialize>(rid: &RequestId, body: T) -> HttpResponse {
    match serde_json::to_vec(&Envelope {
        request_id: &rid.0,
        body,
    }) {
        Ok(bytes) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, HeaderValue::from_static(JSON)))
            .body(bytes),
        Err(e) => error(
            rid,
            &Error::internal(format!("serialising a response: {e}")),
        ),
    }
}

pub fn error(rid: &RequestId, err: &Error) -> HttpResponse {
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(code = %err.code(), detail = %tidy(&err.to_string()), "request failed");
    } else {
        tracing::info!(code = %err.code(), message = %tidy(&err.to_string()), "request rejected");
    }
    let body = serde_json::to_vec(&err.body(&rid.0)).unwrap_or_else(|_| b"{}".to_vec());
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, HeaderValue::from_static(JSON)))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_upper_case_uuids() {
        let r = RequestId::new();
        assert_eq!(r.0.len(), 36);
        assert_eq!(r.0, r.0.to_uppercase());
        assert_ne!(r, RequestId::new());
    }
}
