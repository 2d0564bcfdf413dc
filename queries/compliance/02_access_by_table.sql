-- title: Access matrix
-- note: Successful data accesses per Studio profile and table: each query, credential request or S3 read once, however many columns it read; the columns read (* : only the table is known) and how many of them the policy calls sensitive.
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH c AS (
  SELECT c.studio_profile, c.database_name, c.table_name, c.column_name, c.engine, c.event_id,
         bool_or(s.column_name IS NOT NULL) AS sensitive
  FROM column_access c
  LEFT JOIN policy_sensitive s ON s.database_name = c.database_name
   AND s.table_name = c.table_name AND s.column_name = c.column_name
  WHERE c.outcome = 'success' AND c.event_time >= $1 AND c.event_time < $2
  GROUP BY ALL
)
SELECT coalesce(studio_profile, '(unattributed)') AS studio_profile, database_name || '.' || table_name AS "table",
       count(DISTINCT event_id) AS accesses, count(DISTINCT coalesce(column_name, '*')) AS columns,
       count(DISTINCT column_name) FILTER (WHERE sensitive) AS sensitive_columns,
       string_agg(DISTINCT engine, ', ' ORDER BY engine) AS engines
FROM c
GROUP BY ALL
ORDER BY studio_profile, "table"
