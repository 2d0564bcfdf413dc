-- title: Data access that no Studio profile can be attributed to
-- severity: medium
-- Fires once per successful access (column_access event: an Athena query,
-- a credential request, an S3 read request) to a table with no Studio
-- profile behind it, when the policy requires attribution; one finding per
-- table and engine of that access. An S3 read logged by CloudTrail and the
-- access log is one access, both records its evidence. Reads an engine made
-- on a caller's behalf are that engine's access (column_access keeps one
-- row for it), not a second one.
SELECT 'unattributed_data_access' AS rule, 'medium' AS severity, min(a.event_time) AS event_time,
       NULL::VARCHAR AS studio_profile, a.principal_arn,
       a.database_name || '.' || a.table_name AS resource,
       a.engine || ' access by ' || coalesce(a.principal_arn, 'an unknown principal') || ' with no Studio profile' AS detail,
       list_filter([a.event_id, any_value(a.copy_event_id)], x -> x IS NOT NULL) AS event_ids
FROM column_access a
WHERE a.studio_profile IS NULL AND a.outcome = 'success' AND (SELECT require_source_identity FROM policy_settings)
GROUP BY a.event_id, a.principal_arn, a.database_name, a.table_name, a.engine
