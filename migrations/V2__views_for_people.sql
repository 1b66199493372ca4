-- Views for people reading the database with sqlite3 (API.md §8): ISO-8601 UTC datetimes
-- beside the millisecond columns, parent names joined in, masked secrets, computed states.
-- No view shows a hash, a sealed value or a private key. Written for SQLite 3.37+ (the
-- Debian/Ubuntu sqlite3 shell), so they work in the shell while the server runs.

CREATE VIEW v_instances AS
SELECT
    i.instance_id,
    i.description,
    i.status,
    strftime('%Y-%m-%dT%H:%M:%fZ', i.created_at_ms / 1000.0, 'unixepoch') AS created_at,
    strftime('%Y-%m-%dT%H:%M:%fZ', i.updated_at_ms / 1000.0, 'unixepoch') AS updated_at,
    (SELECT count(*) FROM applications a WHERE a.instance_id = i.instance_id) AS applications,
    (SELECT count(*) FROM client_secrets s WHERE s.instance_id = i.instance_id) AS client_secrets,
    i.created_at_ms,
    i.updated_at_ms
FROM instances i;

CREATE VIEW v_applications AS
SELECT
    a.application_id,
    a.instance_id,
    i.description AS instance_description,
    a.name,
    a.sso_type,
    a.status,
    a.m2m_client_status,
    a.resource_server_status,
    a.resource_server_identifier,
    a.identity_type,
    a.description,
    (SELECT count(*) FROM client_secrets s WHERE s.application_id = a.application_id) AS client_secrets,
    (SELECT count(*) FROM resource_server_scopes c WHERE c.application_id = a.application_id) AS scopes,
    strftime('%Y-%m-%dT%H:%M:%fZ', a.created_at_ms / 1000.0, 'unixepoch') AS created_at,
    strftime('%Y-%m-%dT%H:%M:%fZ', a.updated_at_ms / 1000.0, 'unixepoch') AS updated_at,
    a.created_at_ms,
    a.updated_at_ms
FROM applications a
JOIN instances i ON i.instance_id = a.instance_id;

CREATE VIEW v_client_secrets AS
SELECT
    s.secret_id,
    s.instance_id,
    s.application_id,
    a.name AS application_name,
    -- The mask List shows: first 4, one '*' per hidden character, last 2; all '*' under 24.
    CASE WHEN s.mask_prefix IS NULL
         THEN replace(hex(zeroblob(s.secret_length)), '00', '*')
         ELSE s.mask_prefix || replace(hex(zeroblob(s.secret_length - 6)), '00', '*') || s.mask_suffix
    END AS masked_secret,
    s.status,
    CASE WHEN s.status = 'disabled' THEN 'disabled'
         WHEN s.expires_at_ms IS NOT NULL
              AND s.expires_at_ms <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
         THEN 'expired'
         ELSE 'active'
    END AS state,
    -- Whether a token request could use it now (the application's switches included).
    CASE WHEN s.status = 'enabled'
              AND (s.expires_at_ms IS NULL
                   OR s.expires_at_ms > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
              AND a.status = 'enabled' AND a.m2m_client_status = 'enabled'
         THEN 1 ELSE 0
    END AS usable,
    strftime('%Y-%m-%dT%H:%M:%fZ', s.expires_at_ms / 1000.0, 'unixepoch') AS expires_at,
    strftime('%Y-%m-%dT%H:%M:%fZ', s.last_used_at_ms / 1000.0, 'unixepoch') AS last_used_at,
    strftime('%Y-%m-%dT%H:%M:%fZ', s.created_at_ms / 1000.0, 'unixepoch') AS created_at,
    s.expires_at_ms,
    s.last_used_at_ms,
    s.created_at_ms,
    s.secret_sealed IS NOT NULL AS retrievable
FROM client_secrets s
JOIN applications a ON a.application_id = s.application_id;

CREATE VIEW v_resource_server_scopes AS
SELECT
    c.scope_id,
    c.instance_id,
    c.application_id,
    a.name AS application_name,
    a.resource_server_identifier,
    c.value,
    a.resource_server_identifier || '|' || c.value AS requested_as,
    c.name,
    c.authorization_type,
    strftime('%Y-%m-%dT%H:%M:%fZ', c.created_at_ms / 1000.0, 'unixepoch') AS created_at,
    c.created_at_ms
FROM resource_server_scopes c
JOIN applications a ON a.application_id = c.application_id;

-- One row per (client, scope it may request), whether granted one by one, with the whole
-- resource server, or open to every client (default_all).
CREATE VIEW v_grants AS
SELECT
    cl.instance_id,
    cl.application_id AS client_application_id,
    cl.name AS client_name,
    rs.application_id AS resource_server_application_id,
    rs.name AS resource_server_name,
    rs.resource_server_identifier,
    c.value AS scope_value,
    CASE WHEN g.scope_id IS NOT NULL THEN 'scope'
         WHEN r.client_application_id IS NOT NULL THEN 'resource_server'
         ELSE 'default_all'
    END AS granted_by
FROM resource_server_scopes c
JOIN applications rs ON rs.application_id = c.application_id
JOIN applications cl ON cl.instance_id = c.instance_id
LEFT JOIN scope_grants g
       ON g.scope_id = c.scope_id AND g.client_application_id = cl.application_id
LEFT JOIN resource_server_grants r
       ON r.resource_server_application_id = rs.application_id
      AND r.client_application_id = cl.application_id
WHERE g.scope_id IS NOT NULL
   OR r.client_application_id IS NOT NULL
   OR (c.authorization_type = 'default_all' AND cl.application_id <> rs.application_id);

CREATE VIEW v_signing_keys AS
SELECT
    k.kid,
    k.instance_id,
    k.algorithm,
    k.public_jwk,
    strftime('%Y-%m-%dT%H:%M:%fZ', k.created_at_ms / 1000.0, 'unixepoch') AS created_at,
    k.created_at_ms
FROM signing_keys k;
