-- title: Lake Formation permission or setting changed
-- severity: medium
-- Fires once per successful call that changes who may read what: grants
-- and revokes (on tables, columns, data cells filters, LF-Tag policies, …;
-- a batch call is one finding), data cells filter definitions, LF-Tag
-- assignments (AddLFTagsToResource, RemoveLFTagsFromResource: a tag
-- decides which tag-based grants reach a table or column), LF-Tag value
-- and key deletions (UpdateLFTag, DeleteLFTag), saved LF-Tag expressions,
-- and data lake settings. Creating an LF-Tag gives no access and does not
-- fire. High when a grant opens data to every IAM principal
-- (IAM_ALLOWED_PRINCIPALS, or '<account>:IAMPrincipals': Lake Formation
-- then lets IAM decide), when the settings allow full-table external data
-- access, or when they turn Lake Formation's SET_SOURCE_IDENTITY off. A
-- grant to an account id is a cross-account grant and says so. A batch
-- call is judged by all its entries' principals (and named by its first
-- entry's resource). A change a
-- service makes on a principal's behalf (CloudFormation) is a change all
-- the same.
WITH changes AS (
  SELECT e.*,
         json_extract_string(e.request_parameters, '$.dataLakeSettings.allowFullTableExternalDataAccess') AS full_table,
         upper(json_extract_string(e.request_parameters, '$.dataLakeSettings.parameters.SET_SOURCE_IDENTITY')) AS set_si,
         -- a batch call's principals are its entries'
         list_distinct(coalesce(json_extract_string(e.request_parameters, '$.entries[*].principal.dataLakePrincipalIdentifier'), [])
                       || coalesce([json_extract_string(e.request_parameters, '$.principal.dataLakePrincipalIdentifier')], [])) AS grantees,
         len(coalesce(json_extract(e.request_parameters, '$.entries[*]'), [])) AS entries,
         coalesce(json_extract(e.request_parameters, '$.resource'), json_extract(e.request_parameters, '$.entries[0].resource'),
                  json_extract(e.request_parameters, '$.tableData'), json_extract(e.request_parameters, '$')) AS res,
         -- CloudTrail spells LFTags and LFTagPolicy lFTag…; lfTag… and LFTag… are read too
         coalesce(json_extract(e.request_parameters, '$.lFTags[*]'), json_extract(e.request_parameters, '$.lfTags[*]'),
                  json_extract(e.request_parameters, '$.LFTags[*]')) AS lf_tags,
         coalesce(json_extract(e.request_parameters, '$.resource.lFTagPolicy'), json_extract(e.request_parameters, '$.resource.lfTagPolicy'),
                  json_extract(e.request_parameters, '$.resource.LFTagPolicy')) AS tag_policy
  FROM events e
  WHERE e.event_source = 'lakeformation.amazonaws.com' AND e.outcome = 'success'
    AND e.event_name IN ('GrantPermissions', 'RevokePermissions', 'BatchGrantPermissions', 'BatchRevokePermissions',
                         'PutDataLakeSettings', 'CreateDataCellsFilter', 'UpdateDataCellsFilter', 'DeleteDataCellsFilter',
                         'AddLFTagsToResource', 'RemoveLFTagsFromResource', 'UpdateLFTag', 'DeleteLFTag',
                         'CreateLFTagExpression', 'UpdateLFTagExpression', 'DeleteLFTagExpression')
),
described AS (
  SELECT *,
         array_to_string(list_sort(grantees), ', ') AS grantee,
         coalesce(list_bool_or(list_transform(grantees, g -> upper(g) = 'IAM_ALLOWED_PRINCIPALS' OR upper(g) LIKE '%:IAMPRINCIPALS')), false) AS to_everyone,
         coalesce(list_bool_or(list_transform(grantees, g -> regexp_full_match(g, '[0-9]{12}'))), false) AS cross_account,
         CASE
           WHEN event_name = 'PutDataLakeSettings' THEN 'data_lake_settings'
           WHEN event_name IN ('UpdateLFTag', 'DeleteLFTag') THEN 'lf_tag:' || lower(json_extract_string(request_parameters, '$.tagKey'))
           WHEN event_name LIKE '%LFTagExpression' THEN 'lf_tag_expression:' || lower(json_extract_string(request_parameters, '$.name'))
           WHEN tag_policy IS NOT NULL THEN 'lf_tag_policy:' ||
             coalesce(json_extract_string(tag_policy, '$.expressionName'),
                      array_to_string(list_transform(coalesce(json_extract(tag_policy, '$.expression[*]'), []),
                        t -> lower(json_extract_string(t, '$.tagKey')) || '=' ||
                             array_to_string(list_sort(list_transform(coalesce(json_extract_string(t, '$.tagValues[*]'), []), v -> lower(v))), ',')), ' AND '))
           ELSE coalesce(database_name || '.' || table_name,
                         lower(coalesce(json_extract_string(res, '$.table.databaseName'), json_extract_string(res, '$.tableWithColumns.databaseName'),
                                        json_extract_string(res, '$.databaseName'))) || '.' ||
                         lower(coalesce(json_extract_string(res, '$.table.name'), json_extract_string(res, '$.tableWithColumns.name'),
                                        json_extract_string(res, '$.tableName'))),
                         database_name, lower(json_extract_string(res, '$.database.name')), event_name)
         END AS resource,
         CASE WHEN event_name IN ('AddLFTagsToResource', 'RemoveLFTagsFromResource') THEN
           array_to_string(list_transform(coalesce(lf_tags, []),
             t -> lower(json_extract_string(t, '$.tagKey')) || '=' ||
                  array_to_string(list_sort(list_transform(coalesce(json_extract_string(t, '$.tagValues[*]'), []), v -> lower(v))), ',')), ', ')
         END AS tags
  FROM changes
)
SELECT 'lf_permission_change' AS rule,
       CASE WHEN full_table = 'true' OR set_si = 'FALSE' OR (to_everyone AND event_name LIKE '%Grant%') THEN 'high' ELSE 'medium' END AS severity,
       event_time, studio_profile, principal_arn, resource,
       CASE WHEN event_name = 'PutDataLakeSettings' THEN
              concat_ws(', ', 'data lake settings changed',
                        CASE WHEN full_table = 'true' THEN 'full-table external data access allowed' END,
                        CASE WHEN set_si = 'FALSE' THEN 'SET_SOURCE_IDENTITY turned off' END)
            WHEN tags IS NOT NULL THEN event_name || ' ' || tags
            WHEN json_extract(res, '$.rowFilter.filterExpression') IS NOT NULL AND json_extract(res, '$.rowFilter.allRowsWildcard') IS NULL THEN
              event_name || ' ' || json_extract_string(res, '$.name') || ' (rows: ' || json_extract_string(res, '$.rowFilter.filterExpression') || ')'
            WHEN event_name LIKE '%DataCellsFilter' THEN event_name || ' ' || coalesce(json_extract_string(res, '$.name'), '')
            ELSE event_name || coalesce(' to ' || nullif(grantee, ''), '') ||
                 CASE WHEN to_everyone THEN ' (every IAM principal)'
                      WHEN cross_account THEN ' (cross-account)' ELSE '' END ||
                 CASE WHEN entries > 1 THEN ' (' || entries || ' entries)' ELSE '' END
       END AS detail,
       [event_id] AS event_ids
FROM described
