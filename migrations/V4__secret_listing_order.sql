-- ListApplicationClientSecrets orders by (created_at_ms, secret_id); with secret_id in the
-- index the rows come out in that order and SQLite builds no temporary B-tree to sort them.
-- The quota trigger's count uses the same index (its first two columns).
DROP INDEX client_secrets_by_application;
CREATE INDEX client_secrets_by_application
    ON client_secrets (instance_id, application_id, created_at_ms, secret_id);
