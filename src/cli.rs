//! The command line: `serve`, `migrate`, `seed apply|export`, `healthcheck`.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::clock::SystemClock;
use crate::config::{Settings, TokenAlgorithm};
use crate::crypto::Argon2Settings;
use crate::startup::Application;
use crate::storage::sqlite;
use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "eiam-local",
    version,
    about = "A self-hosted stand-in for Alibaba Cloud IDaaS EIAM (API 2021-12-01): instances, \
             applications, client secrets and the M2M token endpoint, on one SQLite file.",
    long_about = None
)]
pub struct Cli {
    /// Log format on stderr (the level comes from RUST_LOG, default info).
    #[arg(long, env = "EIAM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API and token endpoints.
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(DatabaseArgs),
    /// Apply or export a declarative seed file.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Exit 0 if a server answers on its /healthz (for container health checks).
    Healthcheck {
        /// The address the server listens on (as given to `serve`); the health URL is
        /// http://<listen>/healthz, with an unspecified address (0.0.0.0, [::]) replaced by
        /// loopback.
        #[arg(long, env = "EIAM_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// URL of the health endpoint (overrides --listen).
        #[arg(long, env = "EIAM_HEALTHCHECK_URL")]
        url: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// SQLite database file; its folder and the file are created if missing.
    #[arg(long, env = "EIAM_DATABASE", default_value = "./data/eiam.db")]
    pub database: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Apply a seed file (idempotent: applying twice changes nothing).
    Apply {
        /// The TOML seed file.
        file: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        crypto: CryptoArgs,
    },
    /// Write the database's current state as a seed file.
    Export {
        /// Include secret values (opened from their sealed copies).
        #[arg(long)]
        with_secrets: bool,
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        crypto: CryptoArgs,
    },
}

#[derive(Debug, Args, Clone)]
pub struct CryptoArgs {
    /// Master key file (created with mode 0600 on first start). Default: <database>.key.
    /// The key itself may instead be given as EIAM_MASTER_KEY (64 hex digits or base64).
    #[arg(long, env = "EIAM_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,

    /// Keep a sealed copy of each new client secret so ObtainApplicationClientSecret and
    /// client_secret_jwt work; false stores only the Argon2id hash.
    #[arg(long, env = "EIAM_SEAL_SECRETS", default_value_t = true, action = clap::ArgAction::Set)]
    pub seal_secrets: bool,

    /// Argon2id memory cost in KiB (default: the argon2 crate's 19 MiB).
    #[arg(long, env = "EIAM_ARGON2_MEMORY_KIB", default_value_t = Argon2Settings::default().memory_kib)]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations.
    #[arg(long, env = "EIAM_ARGON2_ITERATIONS", default_value_t = Argon2Settings::default().iterations)]
    pub argon2_iterations: u32,

    /// Argon2id lanes.
    #[arg(long, env = "EIAM_ARGON2_PARALLELISM", default_value_t = Argon2Settings::default().parallelism)]
    pub argon2_parallelism: u32,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (host:port).
    #[arg(long, env = "EIAM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    #[command(flatten)]
    pub db: DatabaseArgs,

    /// Base URL clients use to reach this server; token issuers and instance endpoints are
    /// built from it. Default: http://<listen address>.
    #[arg(long, env = "EIAM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Apply this seed file before serving.
    #[arg(long, env = "EIAM_SEED")]
    pub seed: Option<PathBuf>,

    /// Signing algorithm of access tokens.
    #[arg(long, env = "EIAM_TOKEN_ALGORITHM", value_enum, default_value_t = TokenAlgorithm::Rs256)]
    pub token_algorithm: TokenAlgorithm,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "EIAM_WORKERS")]
    pub workers: Option<usize>,

    #[command(flatten)]
    pub crypto: CryptoArgs,
}

impl CryptoArgs {
    pub fn apply(&self, settings: &mut Settings) {
        settings.master_key_file = self.master_key_file.clone();
        settings.master_key = std::env::var("EIAM_MASTER_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(SecretString::from);
        settings.seal_secrets = self.seal_secrets;
        settings.argon2 = Argon2Settings {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        };
    }
}

impl ServeArgs {
    pub fn settings(&self) -> Settings {
        let mut s = Settings::new(&self.db.database);
        s.listen = self.listen.clone();
        s.public_url = self.public_url.clone();
        s.token_algorithm = self.token_algorithm;
        s.workers = self.workers;
        self.crypto.apply(&mut s);
        s
    }
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let log_guard = telemetry::init(cli.log_format);
    let result = execute(cli.command).await;
    drop(log_guard);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("eiam-local: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> Result<(), String> {
    match command {
        Command::Serve(args) => {
            let settings = args.settings();
            if let Some(file) = &args.seed {
                let report = crate::seed::apply_file(&settings, file, Arc::new(SystemClock))
                    .await
                    .map_err(|e| e.to_string())?;
                print!("{report}");
            }
            let app = Application::build(settings, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate(db) => {
            let applied = sqlite::migrate(&db.database).map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!("{}: up to date", db.database.display());
            } else {
                for m in applied {
                    println!("applied {m}");
                }
            }
            Ok(())
        }
        Command::Seed(SeedCommand::Apply { file, db, crypto }) => {
            let mut settings = Settings::new(&db.database);
            crypto.apply(&mut settings);
            let report = crate::seed::apply_file(&settings, &file, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            print!("{report}");
            Ok(())
        }
        Command::Seed(SeedCommand::Export {
            with_secrets,
            output,
            db,
            crypto,
        }) => {
            let mut settings = Settings::new(&db.database);
            crypto.apply(&mut settings);
            let text = crate::seed::export(&settings, with_secrets, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| format!("writing {}: {e}", path.display())),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
        Command::Healthcheck { listen, url } => {
            healthcheck(&url.unwrap_or_else(|| healthcheck_url(&listen)))
        }
    }
}

/// The health URL of a server listening on `listen`. A server bound to an unspecified
/// address (`0.0.0.0`, `[::]`) is reached on the loopback address of the same family.
pub fn healthcheck_url(listen: &str) -> String {
    let authority = match listen.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => {
            let loopback: IpAddr = match addr.ip() {
                IpAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                IpAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            };
            SocketAddr::new(loopback, addr.port()).to_string()
        }
        Ok(addr) => addr.to_string(),
        // A host name (localhost:8080): used as given.
        Err(_) => listen.to_owned(),
    };
    format!("http://{authority}/healthz")
}

/// A plain HTTP/1.1 GET, so the container image needs no curl.
fn healthcheck(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let timeout = Duration::from_secs(3);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{url}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).ok();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("{url}: {e}"))?;
    let mut response = String::new();
    stream
        .take(64 * 1024)
        .read_to_string(&mut response)
        .map_err(|e| format!("{url}: {e}"))?;
    let status = response.split_whitespace().nth(1).unwrap_or("");
    if status == "200" {
        Ok(())
    } else {
        Err(format!("{url}: status {status:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::healthcheck_url;

    #[test]
    fn the_health_url_follows_the_listen_address() {
        for (listen, url) in [
            ("127.0.0.1:8080", "http://127.0.0.1:8080/healthz"),
            ("0.0.0.0:9000", "http://127.0.0.1:9000/healthz"),
            ("[::]:9001", "http://[::1]:9001/healthz"),
            ("[::1]:9002", "http://[::1]:9002/healthz"),
            ("10.1.2.3:80", "http://10.1.2.3:80/healthz"),
            ("localhost:8081", "http://localhost:8081/healthz"),
        ] {
            assert_eq!(healthcheck_url(listen), url, "{listen}");
        }
    }
}
