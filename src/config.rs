//! Run-time settings of the server, filled by the CLI (flags and `EIAM_*` variables) or by tests.

use std::path::PathBuf;

use secrecy::SecretString;

use crate::crypto::Argon2Settings;

/// Algorithm of the access tokens the token endpoint signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum TokenAlgorithm {
    #[default]
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
}

impl TokenAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenAlgorithm::Rs256 => "RS256",
            TokenAlgorithm::Es256 => "ES256",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port`; port 0 picks a free one (tests).
    pub listen: String,
    pub database: PathBuf,
    /// Base URL that clients reach this server at; default `http://<listen address>`.
    pub public_url: Option<String>,
    pub argon2: Argon2Settings,
    /// Keep a sealed copy of each secret so ObtainApplicationClientSecret works.
    pub seal_secrets: bool,
    /// Master key text (hex or base64 of 32 bytes); else the key file is used.
    pub master_key: Option<SecretString>,
    /// Default: the database path with `.key` appended.
    pub master_key_file: Option<PathBuf>,
    pub token_algorithm: TokenAlgorithm,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// How long a client may take to send its request body once the headers are in.
    pub body_timeout_ms: u64,
    /// Actix worker threads; default: one per core.
    pub workers: Option<usize>,
    /// How often buffered last-used times are written.
    pub last_used_flush_ms: u64,
}

impl Settings {
    pub fn new(database: impl Into<PathBuf>) -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database: database.into(),
            public_url: None,
            argon2: Argon2Settings::default(),
            seal_secrets: true,
            master_key: None,
            master_key_file: None,
            token_algorithm: TokenAlgorithm::default(),
            max_body_bytes: 1024 * 1024,
            body_timeout_ms: 30_000,
            workers: None,
            last_used_flush_ms: 250,
        }
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file.clone().unwrap_or_else(|| {
            let mut p = self.database.clone().into_os_string();
            p.push(".key");
            PathBuf::from(p)
        })
    }
}
