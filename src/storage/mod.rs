//! Storage behind one interface. The service only talks to [`Store`]; [`sqlite::SqliteStore`]
//! is the implementation today, and a PostgreSQL one can implement the same trait.
//!
//! Contract for implementations:
//! - every lookup is scoped by all parents (instance, application, secret);
//! - multi-row changes are atomic (quota check + insert is one transaction);
//! - nothing here caches: every call reads the current rows, so changes made by another
//!   process or by hand in SQL take effect on the next request.

pub mod sqlite;

use async_trait::async_trait;

use crate::clock::Millis;
use crate::domain::Toggle;
use crate::domain::application::{Application, ApplicationFilter, ApplicationPatch};
use crate::domain::client_secret::ClientSecretRecord;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId, SecretId};
use crate::domain::instance::{Instance, InstanceFilter};
use crate::domain::paging::Page;
use crate::domain::resource_server::{Scope, ScopeFilter, ScopePatch, SigningKeyRecord};
use crate::error::Error;

pub use sqlite::SqliteStore;

/// A secret's fields a seed file controls.
#[derive(Debug, Clone)]
pub struct SecretUpdate {
    pub instance_id: InstanceId,
    pub application_id: ApplicationId,
    pub id: SecretId,
    pub status: Toggle,
    pub expires_at: Option<Millis>,
}

/// Everything one seed file writes, applied in one transaction. Existing rows keep their
/// creation time and only change (and move `updated_at`) where the seed differs.
#[derive(Debug, Clone, Default)]
pub struct SeedBatch {
    pub now: Millis,
    pub instances: Vec<Instance>,
    /// Inserted whole; for existing ids the seed-controlled fields are updated: name,
    /// description, SSO type, status, identity type, M2M client, resource server switch and
    /// identifier.
    pub applications: Vec<Application>,
    /// Inserted whole; for existing ids name and authorization type are updated.
    pub scopes: Vec<Scope>,
    /// (instance, client, resource server)
    pub server_grants: Vec<(InstanceId, ApplicationId, ApplicationId)>,
    /// (client, scope)
    pub scope_grants: Vec<(ApplicationId, ScopeId)>,
    pub new_secrets: Vec<ClientSecretRecord>,
    pub secret_updates: Vec<SecretUpdate>,
}

/// A grant as stored: the whole server (`scope` = None) or one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub client: ApplicationId,
    pub server: ApplicationId,
    pub scope: Option<ScopeId>,
}

pub type DynStore = std::sync::Arc<dyn Store>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Does the database answer? (`/readyz`)
    async fn ping(&self) -> Result<(), Error>;

    /// Flush what is buffered and leave the files tidy (WAL checkpoint) before exit.
    async fn close(&self);

    // ---- instances ----

    /// Insert, or with a `client_token` already used, return that instance's id unchanged.
    async fn create_instance(
        &self,
        instance: &Instance,
        client_token: Option<&str>,
    ) -> Result<InstanceId, Error>;
    async fn get_instance(&self, id: &InstanceId) -> Result<Option<Instance>, Error>;
    async fn list_instances(
        &self,
        filter: &InstanceFilter,
        page: Page,
    ) -> Result<(Vec<Instance>, i64), Error>;
    /// Deletes everything under the instance. `false` if it did not exist.
    async fn delete_instance(&self, id: &InstanceId) -> Result<bool, Error>;
    async fn update_instance_description(
        &self,
        id: &InstanceId,
        description: &str,
        now: Millis,
    ) -> Result<bool, Error>;

    // ---- applications ----

    /// Fails with `ResourceNotFound.Instance` if the instance is gone, and with
    /// `EntityAlreadyExists.ResourceServerIdentifier` on a duplicate identifier.
    async fn insert_application(&self, app: &Application) -> Result<(), Error>;
    async fn get_application(
        &self,
        instance_id: &InstanceId,
        id: &ApplicationId,
    ) -> Result<Option<Application>, Error>;
    async fn list_applications(
        &self,
        instance_id: &InstanceId,
        filter: &ApplicationFilter,
        page: Page,
    ) -> Result<(Vec<Application>, i64), Error>;
    async fn delete_application(
        &self,
        instance_id: &InstanceId,
        id: &ApplicationId,
    ) -> Result<bool, Error>;
    /// Applies the whole patch or nothing; moves `updated_at`. `false` if not found.
    async fn update_application(
        &self,
        instance_id: &InstanceId,
        id: &ApplicationId,
        patch: &ApplicationPatch,
        now: Millis,
    ) -> Result<bool, Error>;

    // ---- client secrets ----

    async fn count_client_secrets(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
    ) -> Result<i64, Error>;
    /// Count and insert in one transaction: `QuotaExceeded` when `quota` secrets exist,
    /// `ResourceNotFound.Application` when the application is gone.
    async fn insert_client_secret(
        &self,
        secret: &ClientSecretRecord,
        quota: i64,
    ) -> Result<(), Error>;
    async fn list_client_secrets(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
    ) -> Result<Vec<ClientSecretRecord>, Error>;
    async fn get_client_secret(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
    ) -> Result<Option<ClientSecretRecord>, Error>;
    async fn set_client_secret_status(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
        status: Toggle,
        now: Millis,
    ) -> Result<bool, Error>;
    async fn set_client_secret_expiration(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
        expires_at: Millis,
        now: Millis,
    ) -> Result<bool, Error>;
    async fn delete_client_secret(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
    ) -> Result<bool, Error>;
    /// One transaction for a batch of last-used times; a stored time never moves backwards.
    async fn record_last_used(&self, batch: &[(SecretId, Millis)]) -> Result<(), Error>;

    // ---- resource servers, scopes and grants ----

    /// `EntityAlreadyExists.ResourceServerScope` on a duplicate value within the server.
    async fn insert_scope(&self, scope: &Scope) -> Result<(), Error>;
    async fn get_scope(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &ScopeId,
    ) -> Result<Option<Scope>, Error>;
    /// Ordered by creation then id; `after` is the last (created_at, id) of the previous page.
    async fn list_scopes(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        filter: &ScopeFilter,
        after: Option<(Millis, ScopeId)>,
        limit: i64,
    ) -> Result<(Vec<Scope>, i64), Error>;
    async fn update_scope(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &ScopeId,
        patch: &ScopePatch,
        now: Millis,
    ) -> Result<bool, Error>;
    async fn delete_scope(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &ScopeId,
    ) -> Result<bool, Error>;
    async fn grant_resource_server(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
        now: Millis,
    ) -> Result<(), Error>;
    async fn revoke_resource_server(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
    ) -> Result<(), Error>;
    /// All scopes must belong to `server`; otherwise nothing is granted.
    async fn grant_scopes(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
        scopes: &[ScopeId],
        now: Millis,
    ) -> Result<(), Error>;
    async fn revoke_scopes(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
        scopes: &[ScopeId],
    ) -> Result<(), Error>;
    /// The application whose resource-server identifier this is, in this instance.
    async fn find_resource_server(
        &self,
        instance_id: &InstanceId,
        identifier: &str,
    ) -> Result<Option<Application>, Error>;
    /// Scope values of `server` available to `client`: granted one by one, granted with the
    /// whole server, or open to every client (`default_all`).
    async fn granted_scope_values(
        &self,
        client: &ApplicationId,
        server: &ApplicationId,
    ) -> Result<Vec<String>, Error>;
    async fn scope_values(&self, server: &ApplicationId) -> Result<Vec<String>, Error>;

    /// Every grant of an instance, whole-server ones first, in creation order.
    async fn list_grants(&self, instance_id: &InstanceId) -> Result<Vec<GrantRecord>, Error>;

    // ---- seeding ----

    /// Apply a seed batch atomically; returns the number of rows inserted or changed.
    async fn apply_seed(&self, batch: &SeedBatch) -> Result<u64, Error>;

    // ---- token endpoint support ----

    async fn signing_key(
        &self,
        instance_id: &InstanceId,
        algorithm: &str,
    ) -> Result<Option<SigningKeyRecord>, Error>;
    /// Insert unless the instance already has a key for the algorithm; returns the one kept.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<SigningKeyRecord, Error>;
    async fn signing_keys(&self, instance_id: &InstanceId) -> Result<Vec<SigningKeyRecord>, Error>;
    /// Record a `client_secret_jwt` assertion id; `false` if it was already used.
    async fn use_client_assertion(
        &self,
        client_id: &ApplicationId,
        jti: &str,
        expires_at: Millis,
        now: Millis,
    ) -> Result<bool, Error>;
}
