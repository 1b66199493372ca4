//! Building and running the server: storage, state, routes, the last-used flusher, and the
//! clean shutdown (stop accepting, finish in-flight requests, flush, checkpoint).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::web::{self, Data};
use actix_web::{App, HttpResponse, HttpServer};
use serde_json::json;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::error::Error;
use crate::oauth;
use crate::state::AppState;
use crate::storage::SqliteStore;
use crate::wire::dispatch::{not_found, rpc};
use crate::wire::middleware::request_context;

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    flusher: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Migrate and open the database, bind the listener (port 0 picks a free port), and
    /// prepare the server without running it yet.
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, Error> {
        let listener = TcpListener::bind(&settings.listen)
            .map_err(|e| Error::internal(format!("cannot listen on {}: {e}", settings.listen)))?;
        let addr = listener.local_addr().map_err(Error::internal)?;
        let public_url = settings.public_url.clone().unwrap_or_else(|| {
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                addr.ip().to_string()
            };
            format!("http://{host}:{}", addr.port())
        });
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let store = SqliteStore::open(&settings.database, (cores * 4) as u32).await?;
        let state = AppState::new(&settings, Arc::new(store), clock, public_url)?;

        let data = Data::new(state.clone());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(from_fn(request_context))
                .configure(routes)
        })
        .listen(listener)
        .map_err(|e| Error::internal(format!("listen: {e}")))?
        .shutdown_timeout(30);
        if let Some(w) = settings.workers {
            server = server.workers(w.max(1));
        }
        let server = server.run();

        let flusher = tokio::spawn(flush_loop(
            state.clone(),
            Duration::from_millis(settings.last_used_flush_ms.max(10)),
        ));
        tracing::info!(
            listen = %addr,
            public_url = %state.public_url,
            database = %settings.database.display(),
            "eiam-local is serving"
        );
        Ok(Self {
            port: addr.port(),
            server,
            state,
            flusher,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops the server gracefully (what SIGTERM does).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serve until stopped (SIGTERM, SIGINT or [`Self::handle`]), then flush and close.
    pub async fn run_until_stopped(self) -> Result<(), Error> {
        let served = self.server.await;
        self.flusher.abort();
        let flushed = self.state.last_used.flush(self.state.store.as_ref()).await;
        self.state.store.close().await;
        tracing::info!("eiam-local stopped");
        served.map_err(|e| Error::internal(format!("server: {e}")))?;
        flushed.map(|_| ())
    }
}

async fn flush_loop(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.last_used.flush(state.store.as_ref()).await {
            tracing::warn!(error = %e, "writing last-used times failed; will retry");
        }
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    // Static paths first: RPC calls should not be tried against the OAuth paths' patterns.
    cfg.service(
        web::resource("/")
            .route(web::post().to(rpc))
            .default_service(web::to(not_found)),
    )
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .configure(oauth::routes::configure)
    .default_service(web::to(not_found));
}

/// The process is up. Also the trivial endpoint the benchmarks compare against.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers.
async fn readyz(s: Data<AppState>) -> HttpResponse {
    match s.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable"}))
        }
    }
}
