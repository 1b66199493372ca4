//! The read-only connections, handed out without sqlx's pool.
//!
//! sqlx's pool pings a connection when it is given back (to flush an abandoned transaction's
//! rollback). With SQLite every call to a connection is a round trip to that connection's
//! worker thread, so the ping doubled the thread hand-offs of a one-query request: a quarter of
//! ListApplicationClientSecrets' throughput (docs/benchmarks.md). Here a connection goes back
//! to the idle stack as it is; a rollback that a dropped transaction queued is still run by the
//! worker before the next statement, in order.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::Error;

#[derive(Debug)]
pub struct Readers {
    idle: Mutex<Vec<SqliteConnection>>,
    size: usize,
    /// One permit per connection on the idle stack: whoever holds one finds a connection.
    permits: Semaphore,
}

impl Readers {
    pub async fn open(options: &SqliteConnectOptions, count: usize) -> Result<Self, Error> {
        let mut idle = Vec::with_capacity(count);
        for _ in 0..count.max(1) {
            let mut conn = options.connect().await?;
            super::stable_query_plans(&mut conn).await?;
            idle.push(conn);
        }
        Ok(Self {
            permits: Semaphore::new(idle.len()),
            size: idle.len(),
            idle: Mutex::new(idle),
        })
    }

    pub async fn acquire(&self) -> Result<Reader<'_>, Error> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::internal("the database is closed"))?;
        let conn = self
            .idle
            .lock()
            .map_err(|_| Error::internal("reader set poisoned"))?
            .pop()
            .ok_or_else(|| Error::internal("a reader permit without a reader"))?;
        Ok(Reader {
            conn: Some(conn),
            readers: self,
            _permit: permit,
        })
    }

    /// Close every connection (waiting for those in use) and refuse new acquires.
    pub async fn close(&self) {
        let Ok(all) = self.permits.acquire_many(self.size as u32).await else {
            return;
        };
        all.forget();
        self.permits.close();
        let conns = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        for conn in conns {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "closing a read connection");
            }
        }
    }
}

/// A read connection, back on the idle stack when dropped.
pub struct Reader<'a> {
    conn: Option<SqliteConnection>,
    readers: &'a Readers,
    // Released after `conn` is back (fields drop in order, `Drop::drop` first).
    _permit: SemaphorePermit<'a>,
}

impl Deref for Reader<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("present until drop")
    }
}

impl DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("present until drop")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.readers.idle.lock()) {
            idle.push(conn);
        }
    }
}
