-- title: Profile read a table it had not read within the look-back window
-- severity: low
-- Fires once per successful access (column_access event) by a Studio
-- profile to a table it did not access successfully in the
-- first_access_lookback before; only once the lake holds a full window of
-- history before the access (earlier accesses cannot be judged). An S3
-- read logged by CloudTrail and the access log is one access (both records
-- its evidence); a read an engine made for a query is the query's access.
WITH acc AS (
  SELECT event_id, min(event_time) AS event_time, studio_profile, min(principal_arn) AS principal_arn,
         database_name, table_name, min(engine) AS engine, any_value(copy_event_id) AS copy_event_id
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
       list_filter([p.event_id, p.copy_event_id], x -> x IS NOT NULL) AS event_ids
FROM prev p
WHERE (p.previous IS NULL OR p.previous < p.event_time - (SELECT first_access_lookback FROM policy_settings))
  AND p.event_time - (SELECT first_access_lookback FROM policy_settings) >= (SELECT min(event_time) FROM events)
