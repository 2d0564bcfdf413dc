-- title: Access matrix
-- note: Successful reads per Studio profile, table and column (column * : only the table is known), with the row filter of the Lake Formation data cells filters that limited a column.
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT coalesce(studio_profile, '(unattributed)') AS studio_profile,
       database_name || '.' || table_name AS "table", coalesce(column_name, '*') AS "column",
       string_agg(DISTINCT row_filter, '; ' ORDER BY row_filter) AS row_filter,
       string_agg(DISTINCT engine, ', ' ORDER BY engine) AS engines, count(*) AS accesses,
       min(event_time) AS first_access, max(event_time) AS last_access
FROM column_access
WHERE outcome = 'success' AND event_time >= $1 AND event_time < $2
GROUP BY ALL
ORDER BY studio_profile, "table", "column"
