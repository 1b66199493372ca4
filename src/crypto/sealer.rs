//! Sealed copies of client secrets (for ObtainApplicationClientSecret and `client_secret_jwt`)
//! and of token signing keys: XChaCha20-Poly1305 under a 256-bit master key, with the owning
//! object's id as associated data so a sealed value cannot be moved to another row.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::TryRngCore;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::domain::ids::SecretId;
use crate::domain::secret::SecretValue;
use crate::error::Error;

const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// The server master key. Never logged, zeroised on drop.
pub struct MasterKey(SecretBox<[u8; KEY_LEN]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error(
        "the master key must be 32 bytes, written as 64 hex digits or as base64 (got {0} bytes)"
    )]
    WrongLength(usize),
    #[error("the master key is neither hex nor base64")]
    Encoding,
    #[error("master key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl MasterKey {
    pub fn generate() -> Result<Self, MasterKeyError> {
        let mut key = [0u8; KEY_LEN];
        OsRng
            .try_fill_bytes(&mut key)
            .map_err(|e| MasterKeyError::Io {
                path: PathBuf::from("<OS random source>"),
                source: std::io::Error::other(e.to_string()),
            })?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// 64 hex digits or standard base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, MasterKeyError> {
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| MasterKeyError::Encoding)?
        } else {
            B64.decode(text).map_err(|_| MasterKeyError::Encoding)?
        };
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| MasterKeyError::WrongLength(bytes.len()))?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// Read the key file, or create it (mode 0600, never overwriting) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let key = Self::generate()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                let text = SecretString::from(B64.encode(key.0.expose_secret()));
                file.write_all(text.expose_secret().as_bytes())
                    .and_then(|_| file.write_all(b"\n"))
                    .and_then(|_| file.sync_all())
                    .map_err(io)?;
                tracing::info!(path = %path.display(), "created a new master key file");
                Ok(key)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::parse(&std::fs::read_to_string(path).map_err(io)?)
            }
            Err(e) => Err(io(e)),
        }
    }
}

pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([REDACTED])")
    }
}

impl Sealer {
    pub fn new(key: &MasterKey) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.0.expose_secret().into()),
        }
    }

    /// `nonce || ciphertext+tag`, with a fresh random 192-bit nonce.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| Error::internal(format!("OS random source: {e}")))?;
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| Error::internal("sealing failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Fails (as an internal error, logged) on a wrong master key or a tampered row.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<SecretBox<[u8]>, Error> {
        if sealed.len() < NONCE_LEN {
            return Err(Error::internal("sealed value is truncated"));
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map(|pt| SecretBox::new(pt.into_boxed_slice()))
            .map_err(|_| {
                Error::internal(
                    "cannot open a sealed value: wrong master key, or the row was altered",
                )
            })
    }

    pub fn open_secret(&self, sealed: &[u8], id: &SecretId) -> Result<SecretValue, Error> {
        let plain = self.open(sealed, id.as_str().as_bytes())?;
        let text = std::str::from_utf8(plain.expose_secret())
            .map_err(|_| Error::internal("sealed secret is not UTF-8"))?;
        SecretValue::parse(text).map_err(|e| Error::internal(format!("sealed secret: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let sealer = Sealer::new(&MasterKey::generate().unwrap());
        let sealed = sealer.seal(b"CSsecret", b"sci_a").unwrap();
        assert!(!sealed.windows(8).any(|w| w == b"CSsecret"));
        assert_eq!(
            sealer.open(&sealed, b"sci_a").unwrap().expose_secret(),
            b"CSsecret"
        );
        assert!(sealer.open(&sealed, b"sci_b").is_err(), "aad binds the row");
        let other = Sealer::new(&MasterKey::generate().unwrap());
        assert!(other.open(&sealed, b"sci_a").is_err());
        assert!(sealer.open(&sealed[..10], b"sci_a").is_err());
    }

    #[test]
    fn master_key_formats() {
        assert!(MasterKey::parse(&"ab".repeat(32)).is_ok());
        assert!(MasterKey::parse(&B64.encode([7u8; 32])).is_ok());
        assert!(matches!(
            MasterKey::parse(&B64.encode([7u8; 16])),
            Err(MasterKeyError::WrongLength(16))
        ));
        assert!(MasterKey::parse("***").is_err());
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eiam.db.key");
        let k1 = MasterKey::load_or_create(&path).unwrap();
        let k2 = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(k1.0.expose_secret(), k2.0.expose_secret());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
