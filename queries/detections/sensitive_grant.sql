-- title: Lake Formation grant that gives a sensitive column
-- severity: high
-- A successful GrantPermissions (or BatchGrantPermissions entry) with
-- SELECT or ALL on a table whose policy-sensitive columns it names, or on
-- the whole table (table resource, or a column wildcard that does not
-- exclude them). One finding per grant entry.
WITH entries AS (
  SELECT event_id, event_time, studio_profile, principal_arn, request_parameters AS entry
  FROM events
  WHERE event_source = 'lakeformation.amazonaws.com' AND event_name = 'GrantPermissions' AND outcome = 'success'
  UNION ALL
  SELECT event_id, event_time, studio_profile, principal_arn, unnest(json_extract(request_parameters, '$.entries[*]'))::VARCHAR
  FROM events
  WHERE event_source = 'lakeformation.amazonaws.com' AND event_name = 'BatchGrantPermissions' AND outcome = 'success'
),
parsed AS (
  SELECT *,
         lower(coalesce(json_extract_string(entry, '$.resource.tableWithColumns.databaseName'),
                        json_extract_string(entry, '$.resource.table.databaseName'))) AS db,
         lower(coalesce(json_extract_string(entry, '$.resource.tableWithColumns.name'),
                        json_extract_string(entry, '$.resource.table.name'))) AS tbl,
         list_transform(coalesce(json_extract_string(entry, '$.resource.tableWithColumns.columnNames[*]'), []), c -> lower(c)) AS cols,
         list_transform(coalesce(json_extract_string(entry, '$.resource.tableWithColumns.columnWildcard.excludedColumnNames[*]'), []), c -> lower(c)) AS excluded,
         (json_extract(entry, '$.resource.tableWithColumns.columnWildcard') IS NOT NULL
          OR json_extract(entry, '$.resource.table.name') IS NOT NULL) AS all_columns,
         json_extract_string(entry, '$.principal.dataLakePrincipalIdentifier') AS grantee,
         coalesce(json_extract_string(entry, '$.permissions[*]'), []) AS perms
  FROM entries
)
SELECT 'sensitive_grant' AS rule, 'high' AS severity, p.event_time, p.studio_profile, p.principal_arn,
       p.db || '.' || p.tbl AS resource,
       'granted ' || array_to_string(list(DISTINCT s.column_name ORDER BY s.column_name), ', ') ||
         coalesce(' to ' || p.grantee, '') AS detail,
       [p.event_id] AS event_ids
FROM parsed p
JOIN policy_sensitive s ON s.database_name = p.db AND s.table_name = p.tbl
WHERE list_has_any(p.perms, ['SELECT', 'ALL'])
  AND ((p.all_columns AND NOT list_contains(p.excluded, s.column_name)) OR list_contains(p.cols, s.column_name))
GROUP BY p.event_id, p.event_time, p.studio_profile, p.principal_arn, p.db, p.tbl, p.grantee, p.entry
