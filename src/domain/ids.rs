//! Identifiers: a prefix and 26 lower-case base32 characters (RFC 4648 alphabet `a-z2-7`),
//! 128 random bits. A value of one of these types has the right shape by construction.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

/// Number of characters after the prefix.
pub const ID_BODY_LEN: usize = 26;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be {prefix} followed by 26 characters from a-z and 2-7")]
pub struct IdShapeError {
    pub prefix: &'static str,
}

fn encode_body(bytes: &[u8; 16]) -> String {
    BASE32_NOPAD.encode(bytes).to_ascii_lowercase()
}

fn random_body() -> String {
    let mut bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    encode_body(&bytes)
}

/// Derived ids (seed files) come from a hash of their parent and name, so the same file gives
/// the same ids on every machine.
fn derived_body(kind: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"eiam-local/id/v1\0");
    h.update(kind.as_bytes());
    for p in parts {
        h.update([0u8]);
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    encode_body(&bytes)
}

fn has_shape(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|body| {
        body.len() == ID_BODY_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_body()))
            }

            pub fn derive(parts: &[&str]) -> Self {
                Self(format!("{}{}", $prefix, derived_body($prefix, parts)))
            }

            pub fn parse(s: &str) -> Result<Self, IdShapeError> {
                if has_shape(s, $prefix) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(IdShapeError { prefix: $prefix })
                }
            }

            /// For values read back from our own storage, which only ever holds parsed ids
            /// (the tables' CHECK constraints hold the prefix and length).
            pub fn from_trusted(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// `idaas_…`
    InstanceId,
    "idaas_"
);
id_type!(
    /// `app_…`; also the application's OAuth client id.
    ApplicationId,
    "app_"
);
id_type!(
    /// `sci_…`
    SecretId,
    "sci_"
);
id_type!(
    /// `ress_…`
    ScopeId,
    "ress_"
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_ids_have_the_documented_shape() {
        for _ in 0..1000 {
            let id = InstanceId::generate();
            let body = id.as_str().strip_prefix("idaas_").unwrap();
            assert_eq!(body.len(), 26);
            assert!(
                body.bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
            );
            assert_eq!(InstanceId::parse(id.as_str()).unwrap(), id);
        }
        assert_eq!(ApplicationId::generate().as_str().len(), 30);
        assert_eq!(SecretId::generate().as_str().len(), 30);
        assert_eq!(ScopeId::generate().as_str().len(), 31);
    }

    #[test]
    fn generated_ids_are_distinct() {
        let ids: HashSet<_> = (0..100_000).map(|_| SecretId::generate()).collect();
        assert_eq!(ids.len(), 100_000);
    }

    #[test]
    fn parse_rejects_wrong_shapes() {
        for bad in [
            "",
            "app_",
            "app_missing",
            "idaas_ue2jvisn35ea5lmthk267xxxxx",
            "app_MKV7RGT4D7I4U7ZQTZEV2MXXXX",
            "app_mkv7rgt4d7i4u7zqtzev2mxxx1",
            "app_mkv7rgt4d7i4u7zqtzev2mxxxxx",
            "sci_mkv7rgt4d7i4u7zqtzev2mxxxx",
        ] {
            assert!(ApplicationId::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ApplicationId::parse("app_mkv7rgt4d7i4u7zqtzev2mxxxx").is_ok());
        assert!(InstanceId::parse("idaas_ue2jvisn35ea5lmthk267xxxxx").is_ok());
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let a = ApplicationId::derive(&["idaas_x", "orders"]);
        assert_eq!(a, ApplicationId::derive(&["idaas_x", "orders"]));
        assert_ne!(a, ApplicationId::derive(&["idaas_x", "order"]));
        assert_ne!(
            ApplicationId::derive(&["ab", "c"]),
            ApplicationId::derive(&["a", "bc"])
        );
        assert!(ApplicationId::parse(a.as_str()).is_ok());
    }
}
