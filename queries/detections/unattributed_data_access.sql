-- title: Data access that no Studio profile can be attributed to
-- severity: medium
SELECT 'unattributed_data_access' AS rule, 'medium' AS severity, min(a.event_time) AS event_time,
       NULL::VARCHAR AS studio_profile, a.principal_arn,
       a.database_name || '.' || a.table_name AS resource,
       a.engine || ' access by ' || coalesce(a.principal_arn, 'an unknown principal') || ' with no Studio profile' AS detail,
       list(DISTINCT a.event_id ORDER BY a.event_id) AS event_ids
FROM column_access a
WHERE a.studio_profile IS NULL AND a.outcome = 'success' AND (SELECT require_source_identity FROM policy_settings)
GROUP BY a.event_id, a.principal_arn, a.database_name, a.table_name, a.engine
