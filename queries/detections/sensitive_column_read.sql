-- title: Successful read of a policy-sensitive column
-- severity: medium
-- Fires once per (access time, Studio profile, principal, column, engine,
-- query) of successful column-level column_access rows naming a column the
-- policy lists as sensitive. Only column-level rows (an Athena query whose
-- SQL is known) name columns: table-level reads (EMR, S3) cannot say
-- which columns they read and do not fire. Denied attempts are not reads.
SELECT 'sensitive_column_read' AS rule, 'medium' AS severity, a.event_time, a.studio_profile, a.principal_arn,
       a.database_name || '.' || a.table_name || '.' || a.column_name AS resource,
       a.engine || ' read sensitive column ' || a.column_name || coalesce(' in query ' || a.query_id, '') AS detail,
       list(DISTINCT a.event_id ORDER BY a.event_id) AS event_ids
FROM column_access a
JOIN policy_sensitive s ON s.database_name = a.database_name AND s.table_name = a.table_name AND s.column_name = a.column_name
WHERE a.outcome = 'success'
GROUP BY ALL
