-- title: Denied column access
-- note: Query columns the engine or the Lake Formation grant refused.
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT event_time, studio_profile, principal_arn, engine,
       database_name || '.' || table_name AS "table", coalesce(column_name, '*') AS "column", query_id
FROM column_access
WHERE outcome = 'denied' AND event_time >= $1 AND event_time < $2
ORDER BY ALL
