//! The one client-authentication extractor of the token endpoint: `client_secret_basic`,
//! `client_secret_post` or `client_secret_jwt`, exactly one of them per request.

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::CLIENT_ASSERTION_TYPE;
use super::error::OAuthError;
use crate::domain::secret::SecretValue;
use crate::wire::params::{Params, decode_component};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Basic,
    Post,
    Jwt,
}

#[derive(Debug)]
pub enum ClientCredentials {
    /// Basic or post: a client id and the secret values to try, in order.
    Secret {
        client_id: String,
        candidates: Vec<SecretValue>,
        method: Method,
    },
    /// An HS256 assertion signed with one of the client's secrets.
    Jwt {
        client_id: Option<String>,
        assertion: String,
    },
}

impl ClientCredentials {
    pub fn method(&self) -> Method {
        match self {
            ClientCredentials::Secret { method, .. } => *method,
            ClientCredentials::Jwt { .. } => Method::Jwt,
        }
    }
}

/// RFC 6749 §2.3.1: the Basic user and password are form-urlencoded before Base64. Alibaba's
/// own client does not encode, so the value as sent is the second candidate (API.md §7).
fn basic(value: &str) -> Result<(String, Vec<SecretValue>), OAuthError> {
    let encoded = value.trim();
    let decoded = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| OAuthError::invalid_request("The Basic credentials are not valid Base64."))?;
    let text = String::from_utf8(decoded)
        .map_err(|_| OAuthError::invalid_request("The Basic credentials are not UTF-8 text."))?;
    let (raw_id, raw_secret) = text.split_once(':').ok_or_else(|| {
        OAuthError::invalid_request(
            "The Basic credentials have no ':' between client id and secret.",
        )
    })?;
    let client_id = decode_component(raw_id.as_bytes()).unwrap_or_else(|_| raw_id.to_owned());
    let mut candidates = Vec::with_capacity(2);
    if let Ok(form_decoded) = decode_component(raw_secret.as_bytes())
        && let Ok(v) = SecretValue::parse(&form_decoded)
    {
        candidates.push(v);
    }
    if candidates.first().is_none_or(|c| c.expose() != raw_secret)
        && let Ok(v) = SecretValue::parse(raw_secret)
    {
        candidates.push(v);
    }
    Ok((client_id, candidates))
}

pub fn extract(headers: &HeaderMap, form: &Params) -> Result<ClientCredentials, OAuthError> {
    let basic_header = match headers.get(AUTHORIZATION) {
        None => None,
        Some(v) => {
            let v = v.to_str().map_err(|_| {
                OAuthError::invalid_request("The Authorization header is not ASCII text.")
            })?;
            match v.split_once(' ') {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => Some(rest),
                _ => {
                    return Err(OAuthError::invalid_request(
                        "The Authorization header must use the Basic scheme.",
                    ));
                }
            }
        }
    };
    let form_id = form.non_empty("client_id");
    let form_secret = form.raw("client_secret");
    let assertion = form.raw("client_assertion");
    let assertion_type = form.raw("client_assertion_type");

    let methods = [
        basic_header.is_some(),
        form_secret.is_some(),
        assertion.is_some() || assertion_type.is_some(),
    ];
    if methods.iter().filter(|m| **m).count() > 1 {
        return Err(OAuthError::invalid_request(
            "More than one client authentication method in one request.",
        ));
    }

    if let Some(value) = basic_header {
        let (client_id, candidates) = basic(value)?;
        if form_id.as_deref().is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_request(
                "client_id in the form differs from the Basic credentials.",
            ));
        }
        return Ok(ClientCredentials::Secret {
            client_id,
            candidates,
            method: Method::Basic,
        });
    }
    if let Some(secret) = form_secret {
        let client_id = form_id.ok_or_else(|| {
            OAuthError::invalid_request("client_secret is given without client_id.")
        })?;
        return Ok(ClientCredentials::Secret {
            client_id,
            candidates: SecretValue::parse(secret).into_iter().collect(),
            method: Method::Post,
        });
    }
    if assertion.is_some() || assertion_type.is_some() {
        if assertion_type != Some(CLIENT_ASSERTION_TYPE) {
            return Err(OAuthError::invalid_request(format!(
                "client_assertion_type must be {CLIENT_ASSERTION_TYPE}."
            )));
        }
        let assertion = assertion
            .filter(|a| !a.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("client_assertion is missing."))?;
        return Ok(ClientCredentials::Jwt {
            client_id: form_id,
            assertion: assertion.to_owned(),
        });
    }
    Err(OAuthError::invalid_client())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    fn basic_header(user: &str, pass: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")))
    }

    fn candidates(c: ClientCredentials) -> Vec<String> {
        match c {
            ClientCredentials::Secret { candidates, .. } => {
                candidates.iter().map(|c| c.expose().to_owned()).collect()
            }
            _ => panic!("not a secret"),
        }
    }

    #[test]
    fn basic_decodes_form_encoding_and_keeps_the_raw_value() {
        let secret = "a+b/c=d&e:f%g";
        let encoded = "a%2Bb%2Fc%3Dd%26e%3Af%25g";
        let c = extract(
            &headers(Some(&basic_header("app_x", encoded))),
            &Params::default(),
        )
        .unwrap();
        assert_eq!(
            candidates(c),
            vec![secret, encoded],
            "decoded first, then as sent"
        );
        // Sent raw: "%g" does not decode, so the raw value is the one candidate.
        let c = extract(
            &headers(Some(&basic_header("app_x", secret))),
            &Params::default(),
        )
        .unwrap();
        assert_eq!(candidates(c), vec![secret]);
        // Sent raw, decoding to something no secret can be (a space): only the raw reading.
        let c = extract(
            &headers(Some(&basic_header("app_x", "a+b"))),
            &Params::default(),
        )
        .unwrap();
        assert_eq!(candidates(c), vec!["a+b"]);
    }

    #[test]
    fn splits_at_the_first_colon() {
        let c = extract(
            &headers(Some(&basic_header("app_x", "p:q"))),
            &Params::default(),
        )
        .unwrap();
        match c {
            ClientCredentials::Secret { client_id, .. } => assert_eq!(client_id, "app_x"),
            _ => panic!(),
        }
    }

    #[test]
    fn malformed_basic_is_invalid_request() {
        for bad in [
            "Basic !!!notbase64",
            &format!("Basic {}", STANDARD.encode("nocolon")),
        ] {
            let e = extract(&headers(Some(bad)), &Params::default()).unwrap_err();
            assert_eq!(
                e.code,
                super::super::error::OAuthCode::InvalidRequest,
                "{bad}"
            );
        }
        let e = extract(&headers(Some("Bearer x")), &Params::default()).unwrap_err();
        assert_eq!(e.code, super::super::error::OAuthCode::InvalidRequest);
    }

    #[test]
    fn two_methods_is_invalid_request() {
        let form = Params::from_pairs([("client_id", "app_x"), ("client_secret", "s")]);
        let e = extract(&headers(Some(&basic_header("app_x", "s"))), &form).unwrap_err();
        assert_eq!(e.code, super::super::error::OAuthCode::InvalidRequest);
    }

    #[test]
    fn nothing_is_invalid_client() {
        let e = extract(&headers(None), &Params::default()).unwrap_err();
        assert_eq!(e.code, super::super::error::OAuthCode::InvalidClient);
    }
}
