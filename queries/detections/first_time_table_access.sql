-- title: Profile read a table it had not read within the look-back window
-- severity: low
-- A successful access by a Studio profile to a table it did not access in
-- the first_access_lookback before. Only once the lake holds a full window
-- of history before the access (earlier accesses cannot be judged).
WITH acc AS (
  SELECT event_id, min(event_time) AS event_time, studio_profile, min(principal_arn) AS principal_arn,
         database_name, table_name, min(engine) AS engine
  FROM column_access
  WHERE outcome = 'success' AND studio_profile IS NOT NULL AND table_name IS NOT NULL
  GROUP BY event_id, studio_profile, database_name, table_name
),
prev AS (
  SELECT a.*, lag(a.event_time) OVER (PARTITION BY a.studio_profile, a.database_name, a.table_name
                                      ORDER BY a.event_time, a.event_id) AS previous
  FROM acc a
)
SELECT 'first_time_table_access' AS rule, 'low' AS severity, p.event_time, p.studio_profile, p.principal_arn,
       p.database_name || '.' || p.table_name AS resource,
       'first ' || p.engine || ' access to the table within ' || (SELECT first_access_lookback FROM policy_settings) ||
         coalesce(' (previous: ' || strftime(p.previous, '%Y-%m-%dT%H:%M:%SZ') || ')', '') AS detail,
       [p.event_id] AS event_ids
FROM prev p
WHERE (p.previous IS NULL OR p.previous < p.event_time - (SELECT first_access_lookback FROM policy_settings))
  AND p.event_time - (SELECT first_access_lookback FROM policy_settings) >= (SELECT min(event_time) FROM events)
