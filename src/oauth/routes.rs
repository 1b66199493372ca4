//! HTTP handlers of the OAuth endpoints.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use actix_web::web::{self, Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::error::{OAuthCode, OAuthError};
use super::{OAUTH_PATH, authenticate, client_auth, issuer, token, token_endpoint};
use crate::domain::ids::InstanceId;
use crate::state::AppState;
use crate::wire::middleware::catch_panic;
use crate::wire::params::{Params, Source};
use crate::wire::request::read_body;

/// Token requests are small; anything bigger is not one.
const MAX_TOKEN_BODY: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let base = format!("/{{instance_id}}{OAUTH_PATH}");
    cfg.service(
        web::resource(format!("{base}/token"))
            .route(web::post().to(token_handler))
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource(format!("{base}/jwks"))
            .route(web::get().to(jwks))
            .default_service(web::to(wrong_method)),
    )
    .service(
        web::resource([
            format!("{base}/.well-known/openid-configuration"),
            format!("{base}/.well-known/oauth-authorization-server"),
        ])
        .route(web::get().to(discovery))
        .default_service(web::to(wrong_method)),
    );
}

async fn wrong_method(req: HttpRequest) -> HttpResponse {
    let mut r = OAuthError::invalid_request(format!(
        "{} is not allowed here: the token endpoint takes POST, JWKS and discovery take GET.",
        req.method()
    ))
    .response();
    *r.status_mut() = actix_web::http::StatusCode::METHOD_NOT_ALLOWED;
    r
}

async fn instance(s: &AppState, raw: &str) -> Result<InstanceId, OAuthError> {
    let unknown = || {
        OAuthError::new(
            OAuthCode::NotFound,
            format!("No instance {raw:?} on this server."),
        )
    };
    let id = InstanceId::parse(raw).map_err(|_| unknown())?;
    match s.store.get_instance(&id).await? {
        Some(_) => Ok(id),
        None => Err(unknown()),
    }
}

async fn token_handler(
    req: HttpRequest,
    path: Path<String>,
    payload: Payload,
    s: Data<AppState>,
) -> HttpResponse {
    match catch_panic(async { Ok(grant(&req, &path, payload, &s).await) })
        .await
        .unwrap_or_else(|e| Err(e.into()))
    {
        Ok(body) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "application/json;charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"))
            .json(body),
        Err(e) => e.response(),
    }
}

async fn grant(
    req: &HttpRequest,
    raw_instance: &str,
    payload: Payload,
    s: &AppState,
) -> Result<token::TokenResponse, OAuthError> {
    let instance_id = instance(s, raw_instance).await?;
    let body = read_body(req, payload, MAX_TOKEN_BODY, s.body_timeout)
        .await
        .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::invalid_request(
            "The token request must be application/x-www-form-urlencoded.",
        ));
    }
    let mut form = Params::default();
    form.add_encoded(&body, Source::Form)
        .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let creds = client_auth::extract(req.headers(), &form)?;
    match form.raw("grant_type") {
        None | Some("") => return Err(OAuthError::invalid_request("grant_type is missing.")),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::new(
                OAuthCode::UnsupportedGrantType,
                format!("grant_type {other:?} is not supported; use client_credentials."),
            ));
        }
    }
    let ok = authenticate::authenticate(s, &instance_id, creds).await?;
    token::issue(s, &instance_id, &ok.app, form.raw("scope")).await
}

async fn jwks(path: Path<String>, s: Data<AppState>) -> HttpResponse {
    let result = async {
        let id = instance(&s, &path).await?;
        Ok::<_, OAuthError>(
            s.signing_keys
                .jwks(s.store.as_ref(), &id, s.token_algorithm, s.clock.now_ms())
                .await?,
        )
    }
    .await;
    match result {
        Ok(keys) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "public, max-age=300"))
            .json(keys),
        Err(e) => e.response(),
    }
}

async fn discovery(path: Path<String>, s: Data<AppState>) -> HttpResponse {
    let id = match instance(&s, &path).await {
        Ok(id) => id,
        Err(e) => return e.response(),
    };
    let iss = issuer(&s.public_url, &id);
    HttpResponse::Ok().json(json!({
        "issuer": iss,
        "token_endpoint": token_endpoint(&s.public_url, &id),
        "jwks_uri": format!("{iss}/jwks"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "client_secret_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [s.token_algorithm.as_str()],
    }))
}
