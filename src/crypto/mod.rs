//! Cryptography, all of it from well-kept crates: Argon2id for secret hashes, XChaCha20-Poly1305
//! for the sealed copies, HMAC-SHA256 for the in-memory verification memo.

pub mod hasher;
pub mod sealer;
pub mod verified;

pub use hasher::{Argon2Settings, SecretHasher};
pub use sealer::{MasterKey, Sealer};
pub use verified::VerifiedSecrets;
