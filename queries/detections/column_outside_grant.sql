-- title: Column read outside the profile's policy allow-list
-- severity: high
-- A successful column_access row of a Studio profile whose table, or
-- column, the policy does not allow the profile (a profile the policy does
-- not list may read nothing), when the policy lists profiles at all.
-- Table-level rows are checked by table.
SELECT 'column_outside_grant' AS rule, 'high' AS severity, a.event_time, a.studio_profile, a.principal_arn,
       a.database_name || '.' || a.table_name || coalesce('.' || a.column_name, '') AS resource,
       a.engine || ' read ' || coalesce('column ' || a.column_name, 'the table') || ' outside the policy allow-list' AS detail,
       list(DISTINCT a.event_id ORDER BY a.event_id) AS event_ids
FROM column_access a
WHERE a.outcome = 'success' AND a.studio_profile IS NOT NULL AND a.table_name IS NOT NULL
  AND EXISTS (SELECT 1 FROM policy_profile_tables)
  AND NOT EXISTS (SELECT 1 FROM policy_profile_tables p
                  WHERE p.profile = a.studio_profile AND p.database_name = a.database_name AND p.table_name = a.table_name
                    AND (p.column_name IS NULL OR a.column_name IS NULL OR p.column_name = a.column_name))
GROUP BY ALL
