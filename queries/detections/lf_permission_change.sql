-- title: Lake Formation permission or setting changed
-- severity: medium
-- Every grant, revoke and data lake settings change. High when the
-- settings allow full-table external data access or turn Lake Formation's
-- SET_SOURCE_IDENTITY off.
WITH changes AS (
  SELECT e.*,
         json_extract_string(e.request_parameters, '$.dataLakeSettings.allowFullTableExternalDataAccess') AS full_table,
         upper(json_extract_string(e.request_parameters, '$.dataLakeSettings.parameters.SET_SOURCE_IDENTITY')) AS set_si,
         json_extract_string(e.request_parameters, '$.principal.dataLakePrincipalIdentifier') AS grantee
  FROM events e
  WHERE e.event_source = 'lakeformation.amazonaws.com' AND e.outcome = 'success'
    AND e.event_name IN ('GrantPermissions', 'RevokePermissions', 'BatchGrantPermissions', 'BatchRevokePermissions',
                         'PutDataLakeSettings')
)
SELECT 'lf_permission_change' AS rule,
       CASE WHEN full_table = 'true' OR set_si = 'FALSE' THEN 'high' ELSE 'medium' END AS severity,
       event_time, studio_profile, principal_arn,
       CASE WHEN event_name = 'PutDataLakeSettings' THEN 'data_lake_settings'
            ELSE coalesce(database_name || '.' || table_name, database_name, event_name) END AS resource,
       CASE WHEN event_name = 'PutDataLakeSettings' THEN
              concat_ws(', ', 'data lake settings changed',
                        CASE WHEN full_table = 'true' THEN 'full-table external data access allowed' END,
                        CASE WHEN set_si = 'FALSE' THEN 'SET_SOURCE_IDENTITY turned off' END)
            ELSE event_name || coalesce(' to ' || grantee, '') END AS detail,
       [event_id] AS event_ids
FROM changes
