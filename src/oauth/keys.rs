//! Per-instance token signing keys: created on first use, the private half sealed in the
//! database like a client secret, the parsed key kept in memory so signing costs one RSA (or
//! ECDSA) operation and no parsing. Keys never change once created, so every replica may cache
//! them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::json;

use crate::config::TokenAlgorithm;
use crate::crypto::Sealer;
use crate::domain::ids::InstanceId;
use crate::domain::resource_server::SigningKeyRecord;
use crate::error::Error;
use crate::storage::Store;

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

pub struct LoadedKey {
    pub kid: String,
    pub algorithm: TokenAlgorithm,
    /// base64url of the JOSE header, computed once.
    header_b64: String,
    signer: Signer,
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl LoadedKey {
    /// A compact JWS of `claims`.
    pub fn sign_jwt<T: Serialize>(&self, claims: &T) -> Result<String, Error> {
        let payload = serde_json::to_vec(claims).map_err(Error::internal)?;
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 2 + 400);
        token.push_str(&self.header_b64);
        token.push('.');
        B64URL.encode_string(&payload, &mut token);
        let signature = match &self.signer {
            Signer::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    token.as_bytes(),
                    &mut sig,
                )
                .map_err(|_| Error::internal("RSA signing failed"))?;
                sig
            }
            Signer::Ec(k) => k
                .sign(&SystemRandom::new(), token.as_bytes())
                .map_err(|_| Error::internal("ECDSA signing failed"))?
                .as_ref()
                .to_vec(),
        };
        token.push('.');
        B64URL.encode_string(&signature, &mut token);
        Ok(token)
    }
}

fn aad(kid: &str) -> Vec<u8> {
    format!("signing-key:{kid}").into_bytes()
}

fn algorithm_of(name: &str) -> Result<TokenAlgorithm, Error> {
    match name {
        "RS256" => Ok(TokenAlgorithm::Rs256),
        "ES256" => Ok(TokenAlgorithm::Es256),
        other => Err(Error::internal(format!(
            "unknown signing algorithm {other}"
        ))),
    }
}

/// The PKCS#8 DER of a stored private key, opened from its sealed column
/// (`signing_keys.private_key_sealed`) exactly as the server does before signing.
pub fn open_private_key(
    sealer: &Sealer,
    kid: &str,
    private_key_sealed: &[u8],
) -> Result<secrecy::SecretBox<[u8]>, Error> {
    sealer.open(private_key_sealed, &aad(kid))
}

fn load(sealer: &Sealer, record: &SigningKeyRecord) -> Result<LoadedKey, Error> {
    let algorithm = algorithm_of(&record.algorithm)?;
    let der = open_private_key(sealer, &record.kid, &record.private_key_sealed)?;
    let signer = match algorithm {
        TokenAlgorithm::Rs256 => Signer::Rsa(
            RsaKeyPair::from_pkcs8(der.expose_secret())
                .map_err(|e| Error::internal(format!("stored RSA key: {e}")))?,
        ),
        TokenAlgorithm::Es256 => Signer::Ec(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.expose_secret())
                .map_err(|e| Error::internal(format!("stored EC key: {e}")))?,
        ),
    };
    let header = json!({"alg": algorithm.as_str(), "kid": record.kid, "typ": "JWT"});
    Ok(LoadedKey {
        kid: record.kid.clone(),
        algorithm,
        header_b64: B64URL.encode(header.to_string()),
        signer,
    })
}

/// A new key pair, sealed, and its public JWK. CPU-heavy for RSA: run off the async workers.
fn generate(
    sealer: &Sealer,
    instance_id: &InstanceId,
    algorithm: TokenAlgorithm,
    now: i64,
) -> Result<SigningKeyRecord, Error> {
    let kid = format!(
        "{}-{}",
        algorithm.as_str().to_ascii_lowercase(),
        &crate::domain::ids::SecretId::generate().as_str()[4..]
    );
    let (pkcs8, jwk) = match algorithm {
        TokenAlgorithm::Rs256 => {
            let k = RsaKeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| Error::internal("RSA key generation failed"))?;
            let der = k
                .as_der()
                .map_err(|_| Error::internal("RSA key encoding failed"))?;
            let public = k.public_key();
            let jwk = json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                "n": B64URL.encode(public.modulus().big_endian_without_leading_zero()),
                "e": B64URL.encode(public.exponent().big_endian_without_leading_zero()),
            });
            (der.as_ref().to_vec(), jwk)
        }
        TokenAlgorithm::Es256 => {
            let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|_| Error::internal("EC key generation failed"))?;
            let der = k
                .to_pkcs8v1()
                .map_err(|_| Error::internal("EC key encoding failed"))?;
            let point = k.public_key().as_ref();
            // Uncompressed point: 0x04 || x || y.
            if point.len() != 65 {
                return Err(Error::internal("unexpected EC public key encoding"));
            }
            let jwk = json!({
                "kty": "EC", "use": "sig", "alg": "ES256", "kid": kid, "crv": "P-256",
                "x": B64URL.encode(&point[1..33]),
                "y": B64URL.encode(&point[33..65]),
            });
            (der.as_ref().to_vec(), jwk)
        }
    };
    let sealed = sealer.seal(&pkcs8, &aad(&kid))?;
    Ok(SigningKeyRecord {
        kid,
        instance_id: instance_id.clone(),
        algorithm: algorithm.as_str().to_owned(),
        private_key_sealed: sealed,
        public_jwk: jwk.to_string(),
        created_at: now,
    })
}

type CacheKey = (InstanceId, TokenAlgorithm);

pub struct SigningKeys {
    sealer: Arc<Sealer>,
    cache: RwLock<HashMap<CacheKey, Arc<LoadedKey>>>,
    /// One key generation at a time per process; the database settles races between replicas.
    generating: tokio::sync::Mutex<()>,
}

impl SigningKeys {
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self {
            sealer,
            cache: RwLock::new(HashMap::new()),
            generating: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self, key: &CacheKey) -> Option<Arc<LoadedKey>> {
        self.cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// The instance's key for `algorithm`, created if it has none yet.
    pub async fn active(
        &self,
        store: &dyn Store,
        instance_id: &InstanceId,
        algorithm: TokenAlgorithm,
        now: i64,
    ) -> Result<Arc<LoadedKey>, Error> {
        let cache_key = (instance_id.clone(), algorithm);
        if let Some(k) = self.cached(&cache_key) {
            return Ok(k);
        }
        let record = match store.signing_key(instance_id, algorithm.as_str()).await? {
            Some(r) => r,
            None => {
                let _one = self.generating.lock().await;
                match store.signing_key(instance_id, algorithm.as_str()).await? {
                    Some(r) => r,
                    None => {
                        let sealer = self.sealer.clone();
                        let id = instance_id.clone();
                        let fresh = tokio::task::spawn_blocking(move || {
                            generate(&sealer, &id, algorithm, now)
                        })
                        .await??;
                        store.insert_signing_key(&fresh).await?
                    }
                }
            }
        };
        let loaded = Arc::new(load(&self.sealer, &record)?);
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(cache_key, loaded.clone());
        Ok(loaded)
    }

    /// The JWK Set of the instance (creating the active key first, so it is never empty).
    pub async fn jwks(
        &self,
        store: &dyn Store,
        instance_id: &InstanceId,
        algorithm: TokenAlgorithm,
        now: i64,
    ) -> Result<serde_json::Value, Error> {
        self.active(store, instance_id, algorithm, now).await?;
        let keys = store
            .signing_keys(instance_id)
            .await?
            .iter()
            .map(|k| serde_json::from_str::<serde_json::Value>(&k.public_jwk))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Error::internal)?;
        Ok(json!({ "keys": keys }))
    }

    pub fn forget_instance(&self, instance_id: &InstanceId) {
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _), _| id != instance_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, jwk::Jwk};

    fn round_trip(alg: TokenAlgorithm) {
        let sealer = Sealer::new(&MasterKey::generate().unwrap());
        let record = generate(&sealer, &InstanceId::generate(), alg, 1).unwrap();
        let key = load(&sealer, &record).unwrap();
        let token = key
            .sign_jwt(&json!({"sub": "app_x", "aud": "https://rs", "exp": 4_000_000_000u64}))
            .unwrap();
        let jwk: Jwk = serde_json::from_str(&record.public_jwk).unwrap();
        let mut v = Validation::new(match alg {
            TokenAlgorithm::Rs256 => Algorithm::RS256,
            TokenAlgorithm::Es256 => Algorithm::ES256,
        });
        v.set_audience(&["https://rs"]);
        let data =
            decode::<serde_json::Value>(&token, &DecodingKey::from_jwk(&jwk).unwrap(), &v).unwrap();
        assert_eq!(data.claims["sub"], "app_x");
        assert_eq!(data.header.kid.as_deref(), Some(record.kid.as_str()));
        assert!(
            !record.public_jwk.contains("\"d\""),
            "no private part in the JWK"
        );
    }

    #[test]
    fn rs256_tokens_verify_against_the_jwk() {
        round_trip(TokenAlgorithm::Rs256);
    }

    #[test]
    fn es256_tokens_verify_against_the_jwk() {
        round_trip(TokenAlgorithm::Es256);
    }
}
