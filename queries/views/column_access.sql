-- title: Who accessed which table and column, through which engine
-- produces: column_access
-- needs: query_columns[-1..1], athena_starts, athena_queries[-1..1], lf_calls[-1..1], s3_reads
-- One row per (access, table, column). certainty says how the column is
-- known: 'exact' (the query bound against the catalog), 'parsed' (from the
-- query's syntax tree), 'table' (only the table is known: column_name is
-- NULL), 'no_column' (the query scanned the table but read none of its
-- columns, e.g. count(*), or none its grant allowed: column_name is NULL;
-- every table a query scans has at least one row). Athena columns are the
-- query's columns intersected with the Lake Formation grant in force
-- (SELECT * silently drops excluded columns), with the row filter of the
-- data cells filters that limited them (row_filter);
-- failed queries keep the columns they attempted, with their outcome.
-- Engines that log no SQL (EMR, Glue, Redshift) and direct S3 reads of
-- catalog locations give table-level rows (an S3 read logged by CloudTrail
-- and the access log is one row: copy_event_id is the access-log line; a
-- read an engine made on the caller's behalf is that engine's access, known
-- from its own rows). Names are lower case, as Glue keeps them, so that a
-- lookup by name reads only its row groups. A query's credential requests
-- may fall on the day after it started, its submission on the day before.
WITH athena AS (
  SELECT c.query_id, c.database_name, c.table_name, c.column_name, c.certainty, c.allowed, c.event_time, c.row_filter,
         s.studio_profile, s.source_identity, s.principal_arn, s.event_id, s.outcome AS start_outcome,
         q.state, q.error_message,
         d.query_id IS NOT NULL AS lf_denied
  FROM query_columns c
  LEFT JOIN athena_starts s ON s.query_id = c.query_id
  LEFT JOIN athena_queries q ON q.query_id = c.query_id
  LEFT JOIN (SELECT DISTINCT query_id FROM lf_calls WHERE outcome = 'denied' AND query_id IS NOT NULL) d ON d.query_id = c.query_id
)
SELECT event_time, studio_profile, source_identity, principal_arn, 'athena' AS engine,
       lower(database_name) AS database_name, lower(table_name) AS table_name, lower(column_name) AS column_name, certainty,
       CASE
         WHEN state = 'SUCCEEDED' THEN 'success'
         WHEN state = 'FAILED' AND (error_message ILIKE '%not authorized%' OR error_message ILIKE '%access denied%'
                                    OR error_message ILIKE '%insufficient%permission%') THEN 'denied'
         WHEN state IN ('FAILED', 'CANCELLED') THEN 'error'
         WHEN start_outcome IS NOT NULL AND start_outcome <> 'success' THEN start_outcome
         WHEN lf_denied OR NOT allowed THEN 'denied'
         ELSE 'success'
       END AS outcome,
       query_id, event_id, NULL AS copy_event_id, row_filter
FROM athena
UNION ALL
-- Athena queries whose SQL is unknown: the tables Lake Formation vended.
SELECT l.event_time, l.caused_by_profile, l.caused_by_source_identity, l.caused_by_principal, 'athena',
       lower(l.database_name), lower(l.table_name), NULL, 'table', l.outcome, l.query_id, coalesce(l.cause_event_id, l.event_id), NULL, NULL
FROM lf_calls l
WHERE l.engine = 'athena' AND l.table_name IS NOT NULL
  AND (l.query_id IS NULL OR NOT EXISTS (SELECT 1 FROM query_columns c WHERE c.query_id = l.query_id))
UNION ALL
-- EMR, Glue, Redshift and direct credential requests: table level.
SELECT l.event_time, l.caused_by_profile, l.caused_by_source_identity, l.caused_by_principal, l.engine,
       lower(l.database_name), lower(l.table_name), NULL, 'table', l.outcome, l.query_id, l.event_id, NULL, NULL
FROM lf_calls l
WHERE l.engine <> 'athena' AND l.table_name IS NOT NULL
UNION ALL
-- S3 reads of catalog locations outside an engine: with vended credentials,
-- or around Lake Formation entirely (lf_bypass in s3_reads).
SELECT r.event_time, r.studio_profile, r.source_identity, r.attributed_principal, 's3',
       lower(r.database_name), lower(r.table_name), NULL, 'table', r.outcome, r.query_id, r.event_id, r.copy_event_id, NULL
FROM s3_reads r
WHERE r.table_name IS NOT NULL AND r.engine NOT IN ('athena', 'emr', 'glue', 'redshift')
