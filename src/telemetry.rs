//! Logging: `tracing` to stderr, as text or JSON lines, filtered by `RUST_LOG` (default `info`, refinery's chatter at `warn`).
//! Nothing logs a secret: plaintexts only exist inside redacting types.

use std::io::IsTerminal;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Install the global subscriber; a second call (tests) is a no-op.
///
/// Lines go to stderr through a buffering thread, so a request never waits for a `write()`
/// (one per request cost the RPC path a quarter of its throughput). Keep the returned guard
/// alive until the process ends: dropping it writes out what is buffered.
pub fn init(format: LogFormat) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,refinery_core=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        // The worker flushes whenever it has drained its queue: under load one write()
        // carries many lines.
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only for a person at a terminal, not in files, pipes and `docker logs`.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.ok().map(|()| guard)
}
