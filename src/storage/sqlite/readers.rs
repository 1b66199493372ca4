//! The read-only connections: rusqlite on the caller's thread, not sqlx.
//!
//! sqlx's SQLite driver runs every connection on a thread of its own and hands each statement
//! and each row across a channel, so a one-query request cost two or more thread wake-ups;
//! under load those context switches were most of ListApplicationClientSecrets' time (see
//! docs/benchmarks.md). An indexed read takes a few microseconds, less than the hand-off, so
//! point reads run right where they are asked for, on the HTTP worker. Reads that may scan
//! many rows (the paged, counted lists) go to the blocking pool instead, so that they never
//! hold up other requests of that worker.
//!
//! rusqlite is the crate refinery already links for migrations: the same `libsqlite3-sys`, so
//! one SQLite library in the binary.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, MMAP_BYTES};
use crate::error::Error;

/// Idle connections are kept up to this many; more are opened under a burst and then closed.
#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    keep: usize,
    closed: std::sync::atomic::AtomicBool,
    /// Reads in the blocking pool at once: without a bound, 64 concurrent ListApplications
    /// became 64 blocking threads with a connection each (160 MiB; docs/benchmarks.md).
    blocking: tokio::sync::Semaphore,
}

/// Two scanning reads per core: enough to keep the cores busy while one waits to be
/// scheduled; more only add threads and memory.
fn blocking_reads() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn open(path: &Path) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Without QPSG, SQLite re-prepares a cached statement with a `column = ?` term every time
    // it is bound again (the plan may depend on the value): two thirds of a List's time.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.pragma_update(None, "temp_store", "memory")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Readers {
    /// Opens one connection now, so that a database that cannot be read fails at start.
    pub fn open(path: &Path, keep: usize) -> Result<Self, Error> {
        let first = open(path)?;
        Ok(Self {
            path: path.to_owned(),
            idle: Mutex::new(vec![first]),
            keep: keep.max(1),
            closed: false.into(),
            blocking: tokio::sync::Semaphore::new(blocking_reads()),
        })
    }

    fn take(&self) -> Result<Connection, Error> {
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err(Error::internal("the database is closed"));
        }
        let idle = self
            .idle
            .lock()
            .map_err(|_| Error::internal("reader set poisoned"))?
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open(&self.path),
        }
    }

    fn give_back(&self, conn: Connection) {
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.keep
        {
            idle.push(conn);
        }
    }

    /// Run `f` on a read connection, on this thread. For reads that touch a handful of rows.
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        let conn = self.take()?;
        let out = f(&conn);
        // A statement left mid-way by an error is reset by rusqlite when it is dropped, so
        // the connection holds no read transaction open here.
        self.give_back(conn);
        out
    }

    /// Run `f` on a read connection in the blocking pool. For reads that may scan many rows.
    pub async fn with_blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .blocking
            .acquire()
            .await
            .map_err(|_| Error::internal("the database is closed"))?;
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || readers.with(f)).await?
    }

    /// Close the idle connections and refuse new reads.
    pub fn close(&self) {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        let conns = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        for conn in conns {
            if let Err((_, e)) = conn.close() {
                tracing::warn!(error = %e, "closing a read connection");
            }
        }
    }
}
