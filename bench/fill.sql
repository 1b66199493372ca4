-- Bulk fill for bench/run: {apps} applications in instance {instance}, each with
-- {secrets_per_app} client secret(s), all in one transaction, without Argon2: every secret
-- row carries the same precomputed Argon2id PHC string ({hash_note}).
--
-- Ids are deterministic so the wrk scripts can name any row (bench/lua/common.lua): the
-- 26-character body is the kind letter ('{kind}' here, 's' for secrets), 19 'z' and the row
-- number in 6 base-32 digits; the digits are the id alphabet in ASCII order ('234567a…z'),
-- so ids grow with the row number and every index is filled in order (several times faster
-- than random ids at a million rows).
--
-- The quota trigger counts a new secret's siblings with `WHERE application_id = ?`, which no
-- index serves (client_secrets_by_application leads with instance_id), so it scans the whole
-- table on every insert: a million rows would take hours. The fill drops the trigger and
-- puts back the exact statement it read from sqlite_master (bench/run passes it in); the
-- data never breaks the quota (at most 2 per application).
--
-- Placeholders in braces are filled in by bench/run.

PRAGMA journal_mode = DELETE;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

DROP TRIGGER IF EXISTS client_secrets_quota;

WITH RECURSIVE seq(n) AS (
    SELECT 0
    UNION ALL
    SELECT n + 1 FROM seq WHERE n + 1 < {apps}
),
ids(n, body) AS (
    SELECT n,
        substr('234567abcdefghijklmnopqrstuvwxyz', ((n >> 25) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', ((n >> 20) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', ((n >> 15) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', ((n >> 10) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', ((n >> 5) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (n & 31) + 1, 1)
    FROM seq
)
INSERT INTO applications (application_id, instance_id, name, description, source_type,
                          sso_type, m2m_client_status, created_at_ms, updated_at_ms)
SELECT 'app_{kind}zzzzzzzzzzzzzzzzzzz' || body, '{instance}', 'bench app ' || printf('%07d', n),
       'filled by bench/run', 'urn:alibaba:idaas:app:source:standard', 'oauth2/m2m',
       'enabled', {created_ms} + n, {created_ms} + n
FROM ids;

WITH RECURSIVE seq(n) AS (
    SELECT 0
    UNION ALL
    SELECT n + 1 FROM seq WHERE n + 1 < {apps} * {secrets_per_app}
),
nums(n, a) AS (SELECT n, n / {secrets_per_app} FROM seq WHERE {secrets_per_app} > 0)
INSERT INTO client_secrets (secret_id, instance_id, application_id, status, secret_hash,
                            secret_sealed, mask_prefix, mask_suffix, secret_length,
                            created_at_ms, updated_at_ms)
SELECT 'sci_szzzzzzzzzzzzzzzzzzz' ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((n) >> 25) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((n) >> 20) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((n) >> 15) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((n) >> 10) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((n) >> 5) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((n) >> 0) & 31) + 1, 1),
       '{instance}',
       'app_{kind}zzzzzzzzzzzzzzzzzzz' ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((a) >> 25) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((a) >> 20) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((a) >> 15) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((a) >> 10) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((a) >> 5) & 31) + 1, 1) ||
        substr('234567abcdefghijklmnopqrstuvwxyz', (((a) >> 0) & 31) + 1, 1),
       'enabled', '{hash}', NULL, 'CSbn', 'ch', 44, {created_ms} + n, {created_ms} + n
FROM nums;

{trigger_sql};

COMMIT;

PRAGMA journal_mode = WAL;
