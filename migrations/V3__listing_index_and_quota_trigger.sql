-- ListApplications filters on (creation_type, identity_type) by default and orders by
-- creation: with those columns in one index, the TotalCount and the OFFSET walk read only the
-- index (about 7x faster at 10,000 applications; docs/benchmarks.md).
CREATE INDEX applications_listing
    ON applications (instance_id, creation_type, identity_type, created_at_ms, application_id);

-- The quota trigger counted siblings by application_id alone, which no index leads with, so
-- every secret insert scanned the whole table. Count through client_secrets_by_application.
DROP TRIGGER client_secrets_quota;
CREATE TRIGGER client_secrets_quota
BEFORE INSERT ON client_secrets
WHEN (SELECT count(*) FROM client_secrets
       WHERE instance_id = NEW.instance_id AND application_id = NEW.application_id) >= 2
BEGIN
    SELECT RAISE(ABORT, 'QuotaExceeded.ApplicationClientSecret');
END;
