-- title: Columns read
-- note: Successful reads per Studio profile, table and column (column * : only the table is known); sensitive: the policy calls the column sensitive. row_filter: the row filter of the Lake Formation data cells filters that limited the column's reads.
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT coalesce(c.studio_profile, '(unattributed)') AS studio_profile,
       c.database_name || '.' || c.table_name AS "table", coalesce(c.column_name, '*') AS "column",
       bool_or(s.column_name IS NOT NULL) AS sensitive,
       string_agg(DISTINCT c.row_filter, ' | ' ORDER BY c.row_filter) AS row_filter,
       string_agg(DISTINCT c.engine, ', ' ORDER BY c.engine) AS engines, count(DISTINCT c.event_id) AS accesses,
       min(c.event_time) AS first_access, max(c.event_time) AS last_access
FROM column_access c
LEFT JOIN policy_sensitive s ON s.database_name = c.database_name
 AND s.table_name = c.table_name AND s.column_name = c.column_name
WHERE c.outcome = 'success' AND c.event_time >= $1 AND c.event_time < $2
GROUP BY ALL
ORDER BY studio_profile, "table", "column"
