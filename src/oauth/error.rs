//! RFC 6749 §5.2 error responses of the token endpoint.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use serde::Serialize;

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    ServerError,
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthCode,
    pub description: String,
    /// The client used `client_secret_basic`: a 401 then carries `WWW-Authenticate: Basic`.
    pub basic: bool,
}

impl OAuthError {
    pub fn new(code: OAuthCode, description: impl Into<String>) -> Self {
        Self {
            code,
            // Descriptions may quote what the client sent (a scope, a grant type).
            description: crate::error::tidy(&description.into()),
            basic: false,
        }
    }

    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(OAuthCode::InvalidRequest, d)
    }

    /// The one answer for an unknown client and a wrong secret alike.
    pub fn invalid_client() -> Self {
        Self::new(
            OAuthCode::InvalidClient,
            "Client authentication failed: unknown client, or no usable secret matches.",
        )
    }

    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new(OAuthCode::InvalidScope, d)
    }

    pub fn status(&self) -> StatusCode {
        match self.code {
            OAuthCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            OAuthCode::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn response(&self) -> HttpResponse {
        #[derive(Serialize)]
        struct Body<'a> {
            error: OAuthCode,
            error_description: &'a str,
        }
        let mut r = HttpResponse::build(self.status());
        r.insert_header((CONTENT_TYPE, "application/json;charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"));
        if self.code == OAuthCode::InvalidClient && self.basic {
            r.insert_header((WWW_AUTHENTICATE, "Basic realm=\"eiam-local\""));
        }
        r.body(
            serde_json::to_vec(&Body {
                error: self.code,
                error_description: &self.description,
            })
            .unwrap_or_default(),
        )
    }
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        match e {
            Error::Internal(detail) => {
                tracing::error!(%detail, "token endpoint failed");
                Self::new(OAuthCode::ServerError, "The server failed; see its log.")
            }
            Error::NotFound { .. } => Self::new(OAuthCode::NotFound, e.to_string()),
            other => Self::invalid_request(other.to_string()),
        }
    }
}
