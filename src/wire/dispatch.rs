//! The front door: `POST /` → decode → authenticate → the action's handler.

use actix_web::web::{Data, Payload};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use super::actions::{applications, client_secrets, instances, m2m};
use super::auth::Principal;
use super::envelope::{self, RequestId};
use super::middleware::catch_panic;
use super::request::{RpcRequest, read_body};
use crate::error::Error;
use crate::state::AppState;

macro_rules! actions {
    ($($name:literal => $handler:path,)*) => {
        /// Every action this server implements.
        pub const ACTIONS: &[&str] = &[$($name),*];

        async fn call(
            s: &AppState,
            rpc: &RpcRequest<'_>,
            rid: &RequestId,
        ) -> Result<HttpResponse, Error> {
            let p = &rpc.params;
            match rpc.action.as_str() {
                $($name => Ok(envelope::success(rid, $handler(s, p).await?)),)*
                other => Err(Error::InvalidAction(other.to_owned())),
            }
        }
    };
}

actions! {
    "CreateInstance" => instances::create,
    "GetInstance" => instances::get,
    "ListInstances" => instances::list,
    "DeleteInstance" => instances::delete,
    "UpdateInstanceDescription" => instances::update_description,
    "CreateApplication" => applications::create,
    "GetApplication" => applications::get,
    "ListApplications" => applications::list,
    "DeleteApplication" => applications::delete,
    "EnableApplication" => applications::enable,
    "DisableApplication" => applications::disable,
    "UpdateApplicationInfo" => applications::update_info,
    "UpdateApplicationDescription" => applications::update_description,
    "CreateApplicationClientSecret" => client_secrets::create,
    "ListApplicationClientSecrets" => client_secrets::list,
    "ObtainApplicationClientSecret" => client_secrets::obtain,
    "EnableApplicationClientSecret" => client_secrets::enable,
    "DisableApplicationClientSecret" => client_secrets::disable,
    "DeleteApplicationClientSecret" => client_secrets::delete,
    "UpdateApplicationClientSecretExpirationTime" => client_secrets::update_expiration,
    "EnableApplicationM2MClient" => applications::enable_m2m_client,
    "DisableApplicationM2MClient" => applications::disable_m2m_client,
    "EnableApplicationResourceServer" => applications::enable_resource_server,
    "DisableApplicationResourceServer" => applications::disable_resource_server,
    "SetApplicationResourceServerIdentifier" => applications::set_resource_server_identifier,
    "CreateResourceServerScope" => m2m::create_scope,
    "GetResourceServerScope" => m2m::get_scope,
    "ListResourceServerScopes" => m2m::list_scopes,
    "UpdateResourceServerScope" => m2m::update_scope,
    "DeleteResourceServerScope" => m2m::delete_scope,
    "AuthorizeResourceServerToClient" => m2m::authorize_server,
    "RevokeResourceServerFromClient" => m2m::revoke_server,
    "AuthorizeResourceServerScopesToClient" => m2m::authorize_scopes,
    "RevokeResourceServerScopesFromClient" => m2m::revoke_scopes,
}

/// The request id the middleware assigned (or a fresh one outside it, in unit tests).
pub fn request_id(req: &HttpRequest) -> RequestId {
    req.extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_default()
}

/// Handler of `POST /`.
pub async fn rpc(req: HttpRequest, payload: Payload, state: Data<AppState>) -> HttpResponse {
    let rid = request_id(&req);
    match catch_panic(handle(&req, payload, &state, &rid)).await {
        Ok(response) => response,
        Err(e) => envelope::error(&rid, &e),
    }
}

async fn handle(
    req: &HttpRequest,
    payload: Payload,
    s: &AppState,
    rid: &RequestId,
) -> Result<HttpResponse, Error> {
    let body = read_body(req, payload, s.max_body_bytes, s.body_timeout).await?;
    let rpc = RpcRequest::parse(req, &body)?;
    tracing::Span::current().record("action", rpc.action.as_str());
    let principal = s.authenticator.authenticate(&rpc)?;
    if principal != Principal::Anonymous {
        tracing::debug!(?principal, "authenticated");
    }
    call(s, &rpc, rid).await
}

/// Every other path and method: a JSON 404, never an HTML page.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    envelope::error(&request_id(&req), &Error::InvalidRoute)
}
