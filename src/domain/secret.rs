//! Client secret values: generation, the mask, and the expiration rules.
//!
//! The plaintext only ever lives in a [`SecretValue`] (a `secrecy` box: zeroised on drop,
//! redacted in `Debug`), and leaves the process only in the Create and Obtain responses.

use rand::distr::Alphanumeric;
use rand::rngs::OsRng;
use rand::{Rng, TryRngCore};
use secrecy::{ExposeSecret, SecretString};

use crate::clock::Millis;
use crate::error::Error;

pub const GENERATED_PREFIX: &str = "CS";
/// Random characters after the prefix: 42 × log2(62) ≈ 250 bits.
pub const GENERATED_RANDOM_LEN: usize = 42;
pub const GENERATED_LEN: usize = GENERATED_PREFIX.len() + GENERATED_RANDOM_LEN;
/// Secrets shorter than this are masked completely.
pub const MASK_MIN_LEN: usize = 24;
pub const MAX_SECRET_LEN: usize = 1024;

/// A client secret's plaintext.
#[derive(Clone)]
pub struct SecretValue(SecretString);

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue([REDACTED])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretValueError {
    #[error("a client secret cannot be empty")]
    Empty,
    #[error("a client secret is at most {MAX_SECRET_LEN} characters")]
    TooLong,
    #[error("a client secret may only hold printable ASCII characters without spaces")]
    BadCharacter,
}

impl SecretValue {
    /// `CS` + 42 characters of `[A-Za-z0-9]` straight from the operating system's random
    /// source: nothing that needs escaping in Basic auth, URLs or shells.
    pub fn generate() -> Self {
        let mut rng = OsRng.unwrap_err();
        let mut s = String::with_capacity(GENERATED_LEN);
        s.push_str(GENERATED_PREFIX);
        s.extend((0..GENERATED_RANDOM_LEN).map(|_| char::from(rng.sample(Alphanumeric))));
        Self(SecretString::from(s))
    }

    /// A fixed value (seed files, test helpers): printable ASCII, no whitespace.
    pub fn parse(s: &str) -> Result<Self, SecretValueError> {
        if s.is_empty() {
            return Err(SecretValueError::Empty);
        }
        if s.len() > MAX_SECRET_LEN {
            return Err(SecretValueError::TooLong);
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SecretValueError::BadCharacter);
        }
        Ok(Self(SecretString::from(s.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn mask_material(&self) -> MaskMaterial {
        MaskMaterial::of(self.expose())
    }
}

/// What is kept of a secret so that List can show its mask without the plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskMaterial {
    pub length: usize,
    /// First 4 and last 2 characters; `None` for secrets shorter than [`MASK_MIN_LEN`].
    pub ends: Option<(String, String)>,
}

impl MaskMaterial {
    pub fn of(secret: &str) -> Self {
        let length = secret.chars().count();
        let ends = (length >= MASK_MIN_LEN).then(|| {
            let prefix: String = secret.chars().take(4).collect();
            let suffix: String = secret.chars().skip(length - 2).collect();
            (prefix, suffix)
        });
        Self { length, ends }
    }

    /// Could `value` be the secret this material was taken from? A cheap test that spares
    /// Argon2 for values of the wrong length or ends; it only uses what the mask shows.
    pub fn could_be(&self, value: &str) -> bool {
        if value.chars().count() != self.length {
            return false;
        }
        match &self.ends {
            Some((prefix, suffix)) => {
                value.starts_with(prefix.as_str()) && value.ends_with(suffix.as_str())
            }
            None => true,
        }
    }

    /// First 4 characters, one `*` per hidden character, last 2 characters; the length is
    /// preserved. Shorter than 24 characters: all `*`.
    pub fn mask(&self) -> String {
        match &self.ends {
            Some((prefix, suffix)) if self.length >= MASK_MIN_LEN => {
                let mut s = String::with_capacity(self.length);
                s.push_str(prefix);
                s.extend(std::iter::repeat_n('*', self.length - 6));
                s.push_str(suffix);
                s
            }
            _ => "*".repeat(self.length),
        }
    }
}

/// Mask a plaintext directly (used by tests and the seed exporter's masked mode).
pub fn mask(secret: &str) -> String {
    MaskMaterial::of(secret).mask()
}

pub const DAY_MS: Millis = 24 * 60 * 60 * 1000;
/// Below this, an epoch time is almost certainly in seconds (10^12 ms is September 2001).
const SECONDS_LOOKING: Millis = 1_000_000_000_000;

/// The latest allowed expiration: three calendar years from now.
pub fn max_expiration(now: Millis) -> Millis {
    chrono::DateTime::from_timestamp_millis(now)
        .and_then(|t| t.checked_add_months(chrono::Months::new(36)))
        .map(|t| t.timestamp_millis())
        .unwrap_or(now + 3 * 366 * DAY_MS)
}

/// ExpirationTime: milliseconds, at least one day and at most three years from now.
pub fn check_expiration(ms: Millis, now: Millis) -> Result<Millis, Error> {
    let field = "ExpirationTime";
    if ms <= 0 {
        return Err(Error::invalid(
            field,
            format!("ExpirationTime must be a positive Unix time in milliseconds; got {ms}."),
        ));
    }
    if ms < SECONDS_LOOKING {
        return Err(Error::invalid(
            field,
            format!(
                "ExpirationTime must be in milliseconds since the Unix epoch; {ms} looks like seconds (try {}).",
                ms.saturating_mul(1000)
            ),
        ));
    }
    let earliest = now + DAY_MS;
    if ms < earliest {
        return Err(Error::invalid(
            field,
            format!(
                "ExpirationTime must be at least one day in the future (not before {earliest} ms, {}).",
                crate::clock::to_rfc3339(earliest)
            ),
        ));
    }
    let latest = max_expiration(now);
    if ms > latest {
        return Err(Error::invalid(
            field,
            format!(
                "ExpirationTime must be at most three years in the future (not after {latest} ms, {}).",
                crate::clock::to_rfc3339(latest)
            ),
        ));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn mask_for_lengths_1_to_60() {
        let source: String = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
        for len in 1..=60 {
            let s: String = source.chars().cycle().take(len).collect();
            let m = mask(&s);
            assert_eq!(m.chars().count(), len, "length preserved for {len}");
            if len < 24 {
                assert!(m.chars().all(|c| c == '*'), "all stars under 24: {m}");
            } else {
                assert_eq!(&m[..4], &s[..4]);
                assert_eq!(&m[len - 2..], &s[len - 2..]);
                assert!(m[4..len - 2].chars().all(|c| c == '*'));
            }
        }
    }

    #[test]
    fn mask_of_a_generated_secret() {
        let v = SecretValue::generate();
        let m = v.mask_material().mask();
        let s = v.expose();
        assert_eq!(m, format!("{}{}{}", &s[..4], "*".repeat(38), &s[42..]));
        assert!(m.starts_with("CS"));
    }

    #[test]
    fn generated_secrets_have_length_alphabet_and_are_distinct() {
        let mut seen = HashSet::with_capacity(100_000);
        for _ in 0..100_000 {
            let v = SecretValue::generate();
            let s = v.expose();
            assert_eq!(s.len(), GENERATED_LEN);
            assert!(s.starts_with("CS"));
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(s.to_owned()));
        }
    }

    #[test]
    fn prefilter_matches_only_what_the_mask_allows() {
        let v = SecretValue::generate();
        let m = v.mask_material();
        assert!(m.could_be(v.expose()));
        assert!(!m.could_be(&v.expose()[1..]));
        let mut other = v.expose().to_owned();
        other.replace_range(0..1, "X");
        assert!(!m.could_be(&other));
        assert!(MaskMaterial::of("short").could_be("other"));
    }

    #[test]
    fn secret_debug_is_redacted() {
        let v = SecretValue::parse("CSabcdefghijklmnopqrstuvwxyz").unwrap();
        assert!(!format!("{v:?}").contains("abcdef"));
    }

    #[test]
    fn fixed_values_are_checked() {
        assert_eq!(SecretValue::parse("").unwrap_err(), SecretValueError::Empty);
        assert_eq!(
            SecretValue::parse("a b").unwrap_err(),
            SecretValueError::BadCharacter
        );
        assert!(SecretValue::parse("a+b/c=d&e:f%g").is_ok());
    }

    #[test]
    fn expiration_rules() {
        let now = 1_780_000_000_000;
        assert!(check_expiration(now + DAY_MS, now).is_ok());
        assert!(check_expiration(now + DAY_MS - 1, now).is_err());
        assert!(check_expiration(max_expiration(now), now).is_ok());
        assert!(check_expiration(max_expiration(now) + 1, now).is_err());
        let secs = check_expiration(1_780_000_000, now).unwrap_err();
        assert!(secs.to_string().contains("milliseconds"), "{secs}");
        assert!(check_expiration(-5, now).is_err());
        assert!(check_expiration(0, now).is_err());
    }
}
