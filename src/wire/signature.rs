//! Request signatures of the official SDKs (WIRE.md §6–7): V3 `ACS3-HMAC-SHA256` and V1
//! `HMAC-SHA1`. Pure functions over the raw request parts, checked against the captured
//! vectors; an access-key [`super::auth::Authenticator`] will be built on them.

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::params::decode_component;

/// RFC 3986 unreserved characters stay literal; everything else is `%XX`.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

fn pct(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Decoded (name, value) pairs of an urlencoded string; `None` if it does not decode.
fn decode_pairs(encoded: &str) -> Option<Vec<(String, String)>> {
    encoded
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                decode_component(n.as_bytes()).ok()?,
                decode_component(v.as_bytes()).ok()?,
            ))
        })
        .collect()
}

/// Sorted by name (byte order), both sides RFC 3986 encoded, joined with `&`.
fn canonical_pairs(mut pairs: Vec<(String, String)>) -> String {
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", pct(n), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The parsed `Authorization` header of a V3 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Authorization {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_v3_authorization(value: &str) -> Option<V3Authorization> {
    let rest = value.strip_prefix(V3_ALGORITHM)?.trim_start();
    let (mut ak, mut headers, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => ak = Some(v.to_owned()),
            "SignedHeaders" => {
                headers = Some(v.split(';').map(|h| h.to_ascii_lowercase()).collect())
            }
            "Signature" => sig = Some(v.to_owned()),
            _ => {}
        }
    }
    Some(V3Authorization {
        access_key_id: ak?,
        signed_headers: headers?,
        signature: sig?,
    })
}

/// The V3 string to sign. `headers` are the request's (name, value) pairs in any case;
/// `hashed_payload` the `x-acs-content-sha256` value.
pub fn v3_string_to_sign(
    method: &str,
    path: &str,
    raw_query: &str,
    headers: &[(String, String)],
    signed_headers: &[String],
    hashed_payload: &str,
) -> Option<String> {
    let query = canonical_pairs(decode_pairs(raw_query)?);
    let mut canonical_headers = String::new();
    let mut names: Vec<&String> = signed_headers.iter().collect();
    names.sort();
    for name in &names {
        let mut values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let signed = names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request =
        format!("{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{hashed_payload}");
    Some(format!(
        "{V3_ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    ))
}

pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The V1 string to sign: every query and form parameter except `Signature`.
pub fn v1_string_to_sign(method: &str, raw_query: &str, form_body: Option<&str>) -> Option<String> {
    let mut pairs = decode_pairs(raw_query)?;
    if let Some(body) = form_body {
        pairs.extend(decode_pairs(body)?);
    }
    pairs.retain(|(n, _)| n != "Signature");
    Some(format!(
        "{method}&{}&{}",
        pct("/"),
        pct(&canonical_pairs(pairs))
    ))
}

pub fn v1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Vector {
        seq: u32,
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body_b64: String,
        signature_kind: String,
        signature: String,
        access_key_secret: String,
    }

    fn vectors() -> Vec<Vector> {
        include_str!("../../tests/vectors/sdk-signed-requests.jsonl")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn compute(v: &Vector, secret: &str) -> String {
        let (path, query) = v.target.split_once('?').unwrap_or((&v.target, ""));
        let body = base64::engine::general_purpose::STANDARD
            .decode(&v.body_b64)
            .unwrap();
        let header = |name: &str| {
            v.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        match v.signature_kind.as_str() {
            "V3" => {
                let auth = parse_v3_authorization(&header("authorization").unwrap()).unwrap();
                let payload = header("x-acs-content-sha256").unwrap();
                assert_eq!(payload, hex::encode(Sha256::digest(&body)), "#{}", v.seq);
                let sts = v3_string_to_sign(
                    &v.method,
                    path,
                    query,
                    &v.headers,
                    &auth.signed_headers,
                    &payload,
                )
                .unwrap();
                v3_signature(secret, &sts)
            }
            "V1" => {
                let form = header("content-type")
                    .filter(|ct| ct.starts_with("application/x-www-form-urlencoded"))
                    .map(|_| String::from_utf8(body.clone()).unwrap());
                let sts = v1_string_to_sign(&v.method, query, form.as_deref()).unwrap();
                v1_signature(secret, &sts)
            }
            other => panic!("unknown kind {other}"),
        }
    }

    #[test]
    fn every_captured_request_verifies_and_none_with_another_secret() {
        let all = vectors();
        assert_eq!(all.len(), 46);
        for v in &all {
            assert_eq!(
                compute(v, &v.access_key_secret),
                v.signature,
                "vector #{}",
                v.seq
            );
            assert_ne!(compute(v, "wrongsecret"), v.signature, "vector #{}", v.seq);
        }
    }

    #[test]
    fn worked_example_v1() {
        let sts = v1_string_to_sign("POST", "AccessKeyId=testid&Action=ListApplicationClientSecrets&ApplicationId=app_mkv7rgt4d7i4u7zqtzev2mxxxx&Format=JSON&InstanceId=idaas_ue2jvisn35ea5lmthk267xxxxx&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=d5db8b322e7c00b0e3e4e7b6569906e8&SignatureType=&SignatureVersion=1.0&Timestamp=2026-12-03T18%3A34%3A08Z&Version=2021-12-01", None).unwrap();
        assert_eq!(
            v1_signature("testsecret", &sts),
            "wgtB7DHtSD6xj/5R9E8wfaK9mO0="
        );
    }
}
