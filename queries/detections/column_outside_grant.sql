-- title: Column read outside the profile's policy allow-list
-- severity: high
-- Fires once per (access time, Studio profile, principal, table or column,
-- engine) of successful column_access rows whose table, or column, the
-- policy does not allow the profile (a profile the policy does not list may
-- read nothing), when the policy lists profiles at all. Table-level rows
-- are checked by table. The columns an Athena query read are those the
-- Lake Formation grant in force let it read (SELECT * expands to the
-- columns of the grants, LF-Tag and data cells filter grants included);
-- a read an engine made for a query is the query's access, not a second
-- one; an S3 read logged by CloudTrail and the access log is one access
-- with both records as evidence.
SELECT 'column_outside_grant' AS rule, 'high' AS severity, a.event_time, a.studio_profile, a.principal_arn,
       a.database_name || '.' || a.table_name || coalesce('.' || a.column_name, '') AS resource,
       a.engine || ' read ' || coalesce('column ' || a.column_name, 'the table') || ' outside the policy allow-list' AS detail,
       list_sort(list_distinct(list_filter(list(a.event_id) || list(a.copy_event_id), x -> x IS NOT NULL))) AS event_ids
FROM column_access a
WHERE a.outcome = 'success' AND a.studio_profile IS NOT NULL AND a.table_name IS NOT NULL
  AND EXISTS (SELECT 1 FROM policy_profile_tables)
  AND NOT EXISTS (SELECT 1 FROM policy_profile_tables p
                  WHERE p.profile = a.studio_profile AND p.database_name = a.database_name AND p.table_name = a.table_name
                    AND (p.column_name IS NULL OR a.column_name IS NULL OR p.column_name = a.column_name))
GROUP BY ALL
