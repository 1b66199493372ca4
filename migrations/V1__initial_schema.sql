-- eiam-local schema, version 1.
-- Conventions: ids are the API's ids (prefix + 26 base32 characters); times are Unix epoch
-- milliseconds in *_ms columns (the views add ISO-8601 text beside them); enums are TEXT
-- with CHECK constraints so that a hand-edited row cannot hold a value the API never sends.

CREATE TABLE instances (
    instance_id   TEXT PRIMARY KEY
                  CHECK (instance_id GLOB 'idaas_*' AND length(instance_id) = 32),
    description   TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 128),
    status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('creating', 'running')),
    -- CreateInstance idempotency: a token used once always answers the same instance.
    client_token  TEXT UNIQUE CHECK (client_token IS NULL OR length(client_token) BETWEEN 1 AND 64),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX instances_by_creation ON instances (created_at_ms, instance_id);

CREATE TABLE applications (
    application_id            TEXT PRIMARY KEY
                              CHECK (application_id GLOB 'app_*' AND length(application_id) = 30),
    instance_id               TEXT NOT NULL REFERENCES instances (instance_id) ON DELETE CASCADE,
    name                      TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    description               TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 256),
    logo_url                  TEXT CHECK (logo_url IS NULL OR length(logo_url) <= 1024),
    source_type               TEXT NOT NULL CHECK (source_type IN (
                                  'urn:alibaba:idaas:app:source:standard',
                                  'urn:alibaba:idaas:app:source:template')),
    template_id               TEXT,
    sso_type                  TEXT NOT NULL
                              CHECK (sso_type IN ('oidc', 'saml2', 'oauth2/m2m', 'oidc+oauth2/m2m')),
    status                    TEXT NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    creation_type             TEXT NOT NULL DEFAULT 'user_custom',
    identity_type             TEXT NOT NULL DEFAULT 'application'
                              CHECK (identity_type IN ('application', 'agent')),
    authorization_type        TEXT NOT NULL DEFAULT 'authorize_required'
                              CHECK (authorization_type IN ('authorize_required', 'default_all')),
    m2m_client_status         TEXT NOT NULL CHECK (m2m_client_status IN ('enabled', 'disabled')),
    resource_server_status    TEXT NOT NULL DEFAULT 'disabled'
                              CHECK (resource_server_status IN ('enabled', 'disabled')),
    resource_server_identifier TEXT CHECK (resource_server_identifier IS NULL
                                           OR length(resource_server_identifier) BETWEEN 1 AND 512),
    custom_subject_status     TEXT NOT NULL DEFAULT 'disabled'
                              CHECK (custom_subject_status IN ('enabled', 'disabled')),
    api_invoke_status         TEXT NOT NULL DEFAULT 'disabled'
                              CHECK (api_invoke_status IN ('enabled', 'disabled')),
    managed_service_code      TEXT,
    service_managed           INTEGER NOT NULL DEFAULT 0 CHECK (service_managed IN (0, 1)),
    -- JSON arrays of strings, as the API sends them.
    owner_user_ids            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(owner_user_ids)),
    owner_group_ids           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(owner_group_ids)),
    visibility                TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(visibility)),
    created_at_ms             INTEGER NOT NULL,
    updated_at_ms             INTEGER NOT NULL,
    -- Lets children reference (instance_id, application_id) so scoping holds in the database too.
    UNIQUE (instance_id, application_id),
    UNIQUE (instance_id, resource_server_identifier)
) STRICT;

CREATE INDEX applications_by_instance ON applications (instance_id, created_at_ms, application_id);
CREATE INDEX applications_by_name ON applications (instance_id, name);

CREATE TABLE application_custom_fields (
    application_id TEXT NOT NULL REFERENCES applications (application_id) ON DELETE CASCADE,
    field_name     TEXT NOT NULL CHECK (length(field_name) BETWEEN 1 AND 64),
    field_value    TEXT NOT NULL CHECK (length(field_value) <= 1024),
    PRIMARY KEY (application_id, field_name)
) STRICT;

CREATE INDEX custom_fields_by_name_value ON application_custom_fields (field_name, field_value);

CREATE TABLE client_secrets (
    secret_id       TEXT PRIMARY KEY CHECK (secret_id GLOB 'sci_*' AND length(secret_id) = 30),
    instance_id     TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    -- Argon2id PHC string; the only thing verification needs.
    secret_hash     TEXT NOT NULL CHECK (secret_hash GLOB '$argon2id$*'),
    -- AEAD ciphertext (nonce || ciphertext+tag) under the server master key, SecretId as
    -- associated data. NULL when the server runs with sealing turned off.
    secret_sealed   BLOB,
    -- Mask material: the mask shows the first 4 and last 2 characters of secrets of 24
    -- characters or more; shorter ones are masked completely, so nothing is kept for them.
    mask_prefix     TEXT CHECK (mask_prefix IS NULL OR length(mask_prefix) = 4),
    mask_suffix     TEXT CHECK (mask_suffix IS NULL OR length(mask_suffix) = 2),
    secret_length   INTEGER NOT NULL CHECK (secret_length BETWEEN 1 AND 1024),
    expires_at_ms   INTEGER,
    last_used_at_ms INTEGER,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    CHECK ((secret_length >= 24) = (mask_prefix IS NOT NULL AND mask_suffix IS NOT NULL)),
    FOREIGN KEY (instance_id, application_id)
        REFERENCES applications (instance_id, application_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX client_secrets_by_application ON client_secrets (instance_id, application_id, created_at_ms);

-- The quota of two secrets per application, held by the database as well as by the service.
CREATE TRIGGER client_secrets_quota
BEFORE INSERT ON client_secrets
WHEN (SELECT count(*) FROM client_secrets WHERE application_id = NEW.application_id) >= 2
BEGIN
    SELECT RAISE(ABORT, 'QuotaExceeded.ApplicationClientSecret');
END;

CREATE TABLE resource_server_scopes (
    scope_id           TEXT PRIMARY KEY CHECK (scope_id GLOB 'ress_*' AND length(scope_id) = 31),
    instance_id        TEXT NOT NULL,
    application_id     TEXT NOT NULL,
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    value              TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 128),
    scope_type         TEXT NOT NULL,
    authorization_type TEXT NOT NULL CHECK (authorization_type IN ('authorize_required', 'default_all')),
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL,
    UNIQUE (application_id, value),
    FOREIGN KEY (instance_id, application_id)
        REFERENCES applications (instance_id, application_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX scopes_by_application ON resource_server_scopes (instance_id, application_id, created_at_ms, scope_id);

-- AuthorizeResourceServerToClient: every scope of the resource server, present and future.
CREATE TABLE resource_server_grants (
    instance_id                    TEXT NOT NULL,
    client_application_id          TEXT NOT NULL,
    resource_server_application_id TEXT NOT NULL,
    created_at_ms                  INTEGER NOT NULL,
    PRIMARY KEY (client_application_id, resource_server_application_id),
    FOREIGN KEY (instance_id, client_application_id)
        REFERENCES applications (instance_id, application_id) ON DELETE CASCADE,
    FOREIGN KEY (instance_id, resource_server_application_id)
        REFERENCES applications (instance_id, application_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX resource_server_grants_by_server ON resource_server_grants (resource_server_application_id);

-- AuthorizeResourceServerScopesToClient: single scopes.
CREATE TABLE scope_grants (
    client_application_id TEXT NOT NULL REFERENCES applications (application_id) ON DELETE CASCADE,
    scope_id              TEXT NOT NULL REFERENCES resource_server_scopes (scope_id) ON DELETE CASCADE,
    created_at_ms         INTEGER NOT NULL,
    PRIMARY KEY (client_application_id, scope_id)
) STRICT;

CREATE INDEX scope_grants_by_scope ON scope_grants (scope_id);

-- Token signing keys, one active per instance; the private key is sealed like a secret.
CREATE TABLE signing_keys (
    kid                TEXT PRIMARY KEY,
    instance_id        TEXT NOT NULL REFERENCES instances (instance_id) ON DELETE CASCADE,
    algorithm          TEXT NOT NULL CHECK (algorithm IN ('RS256', 'ES256')),
    private_key_sealed BLOB NOT NULL,
    public_jwk         TEXT NOT NULL CHECK (json_valid(public_jwk)),
    created_at_ms      INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX signing_keys_one_per_algorithm ON signing_keys (instance_id, algorithm);

-- client_secret_jwt assertions already used, kept until they expire.
CREATE TABLE used_client_assertions (
    client_id     TEXT NOT NULL,
    jti           TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
) STRICT, WITHOUT ROWID;

CREATE INDEX used_client_assertions_by_expiry ON used_client_assertions (expires_at_ms);
