//! The one error type of the RPC API, and its mapping to the JSON error body of API.md §6.
//!
//! Every failure of an action ends up here; [`Error::status`], [`Error::code`] and
//! [`Error::public_message`] are the only places that decide what a client sees.

use actix_web::http::StatusCode;
use serde::Serialize;

/// The kinds of objects a lookup can miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Instance,
    Application,
    ApplicationClientSecret,
    ResourceServerScope,
}

impl Resource {
    pub fn code_suffix(self) -> &'static str {
        match self {
            Resource::Instance => "Instance",
            Resource::Application => "Application",
            Resource::ApplicationClientSecret => "ApplicationClientSecret",
            Resource::ResourceServerScope => "ResourceServerScope",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Resource::Instance => "instance",
            Resource::Application => "application",
            Resource::ApplicationClientSecret => "client secret",
            Resource::ResourceServerScope => "resource server scope",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The required parameter {0} is missing or empty.")]
    MissingParameter(String),

    #[error("{message}")]
    InvalidParameter { name: String, message: String },

    #[error(
        "The specified action {0:?} is not found: eiam-local implements EIAM 2021-12-01 instances, applications, client secrets and M2M operations."
    )]
    InvalidAction(String),

    #[error(
        "The specified path or method is not an API: RPC calls are POST / with the action in the x-acs-action header or the Action parameter."
    )]
    InvalidRoute,

    #[error(
        "The specified version {0:?} is not supported; eiam-local serves EIAM API version 2021-12-01."
    )]
    InvalidVersion(String),

    #[error("The specified {} {id} does not exist{}.", .resource.noun(), .scope)]
    NotFound {
        resource: Resource,
        id: String,
        /// " in instance X" and the like, so that a scoped miss is explained.
        scope: String,
    },

    #[error(
        "Application {0} already has the maximum of 2 client secrets; delete one before creating another."
    )]
    QuotaExceeded(String),

    #[error(
        "Client secrets cannot be retrieved: this server stores no sealed copies (sealing is turned off, or the secret was created while it was)."
    )]
    SecretRetrievalDisabled,

    #[error("{message}")]
    AlreadyExists {
        object: &'static str,
        message: String,
    },

    #[error("The request body is larger than the limit of {0} bytes.")]
    TooLarge(usize),

    #[error("The request body did not arrive within {0} ms.")]
    RequestTimeout(u128),

    /// Anything unexpected. The detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            message: message.into(),
        }
    }

    pub fn not_found(resource: Resource, id: impl Into<String>) -> Self {
        Error::NotFound {
            resource,
            id: id.into(),
            scope: String::new(),
        }
    }

    pub fn not_found_in(resource: Resource, id: impl Into<String>, scope: impl AsRef<str>) -> Self {
        Error::NotFound {
            resource,
            id: id.into(),
            scope: format!(" in {}", scope.as_ref()),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::MissingParameter(_)
            | Error::InvalidParameter { .. }
            | Error::InvalidVersion(_)
            | Error::QuotaExceeded(_)
            | Error::SecretRetrievalDisabled => StatusCode::BAD_REQUEST,
            Error::InvalidAction(_) | Error::InvalidRoute | Error::NotFound { .. } => {
                StatusCode::NOT_FOUND
            }
            Error::AlreadyExists { .. } => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> String {
        match self {
            Error::MissingParameter(name) => format!("MissingParameter.{}", code_name(name)),
            Error::InvalidParameter { name, .. } => {
                format!("InvalidParameter.{}", code_name(name))
            }
            Error::InvalidAction(_) | Error::InvalidRoute => "InvalidAction.NotFound".into(),
            Error::InvalidVersion(_) => "InvalidVersion".into(),
            Error::NotFound { resource, .. } => {
                format!("ResourceNotFound.{}", resource.code_suffix())
            }
            Error::QuotaExceeded(_) => "QuotaExceeded.ApplicationClientSecret".into(),
            Error::SecretRetrievalDisabled => "OperationNotSupported.SecretRetrieval".into(),
            Error::AlreadyExists { object, .. } => format!("EntityAlreadyExists.{object}"),
            Error::TooLarge(_) => "RequestEntityTooLarge".into(),
            Error::RequestTimeout(_) => "RequestTimeout".into(),
            Error::Internal(_) => "InternalError".into(),
        }
    }

    /// What the client reads. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Error::Internal(_) => {
                "The request processing has failed due to some unknown error; the server log has the details under this RequestId.".into()
            }
            other => tidy(&other.to_string()),
        }
    }

    pub fn body(&self, request_id: &str) -> ErrorBody {
        let code = self.code();
        ErrorBody {
            recommend: format!(
                "https://api.aliyun.com/troubleshoot?q={code}&product=Eiam&requestId={request_id}"
            ),
            request_id: request_id.to_owned(),
            host_id: HOST_ID,
            message: self.public_message(),
            code,
        }
    }
}

pub const HOST_ID: &str = "eiam-local";

/// Longest parameter name an error code carries.
const MAX_CODE_NAME: usize = 64;
/// Longest message a client (or a log line) gets; messages quote what was sent.
const MAX_MESSAGE: usize = 512;

/// A parameter name as it may appear in an error code: the characters of the API's names
/// only, so that a client's odd name can neither break the code nor forge anything.
fn code_name(name: &str) -> String {
    name.chars()
        .take(MAX_CODE_NAME)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A message fit for a response body and one log line: control characters escaped, and cut
/// short when it quotes a long value back.
pub fn tidy(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE + 16));
    for (n, c) in message.chars().enumerate() {
        if n == MAX_MESSAGE {
            out.push_str("… (truncated)");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    pub request_id: String,
    pub host_id: &'static str,
    pub code: String,
    pub message: String,
    pub recommend: String,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(format!("database: {e}"))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(format!("database: {e}"))
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("background task: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_details() {
        let e = Error::internal("disk /secret/path exploded");
        let body = e.body("RID");
        assert_eq!(body.code, "InternalError");
        assert!(!body.message.contains("/secret/path"));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn codes_and_messages_cannot_be_forged_or_flooded() {
        let e = Error::invalid("Dup\n2026 ERROR FORGED", "bad\nline \u{1b}[31m");
        assert_eq!(e.code(), "InvalidParameter.Dup_2026_ERROR_FORGED");
        assert_eq!(e.public_message(), "bad\\nline \\u{1b}[31m");
        let long = Error::invalid("X", format!("got {:?}", "x".repeat(10_000)));
        assert!(long.public_message().chars().count() < MAX_MESSAGE + 20);
        assert!(long.public_message().ends_with("(truncated)"));
        assert_eq!(code_name(&"N".repeat(1000)).len(), MAX_CODE_NAME);
    }

    #[test]
    fn codes_follow_the_table() {
        assert_eq!(
            Error::MissingParameter("InstanceId".into()).code(),
            "MissingParameter.InstanceId"
        );
        assert_eq!(
            Error::not_found(Resource::ApplicationClientSecret, "sci_x").code(),
            "ResourceNotFound.ApplicationClientSecret"
        );
        assert_eq!(Error::TooLarge(1).status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            Error::AlreadyExists {
                object: "ResourceServerIdentifier",
                message: String::new()
            }
            .status(),
            StatusCode::CONFLICT
        );
    }
}
