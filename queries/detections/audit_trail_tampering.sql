-- title: Audit trail or attribution switched off
-- severity: high
-- StopLogging, DeleteTrail, event selectors that keep no data events, and
-- a Studio domain turning executionRoleIdentityConfig (sourceIdentity) off.
SELECT 'audit_trail_tampering' AS rule, 'high' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       coalesce(json_extract_string(e.request_parameters, '$.name'),
                json_extract_string(e.request_parameters, '$.trailName'),
                json_extract_string(e.request_parameters, '$.domainId'), e.event_name) AS resource,
       CASE e.event_name
         WHEN 'StopLogging' THEN 'CloudTrail logging stopped'
         WHEN 'DeleteTrail' THEN 'trail deleted'
         WHEN 'PutEventSelectors' THEN 'event selectors no longer log data events'
         ELSE 'Studio domain set executionRoleIdentityConfig to DISABLED: sourceIdentity no longer names the profile'
       END AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.outcome = 'success' AND (
      (e.event_source = 'cloudtrail.amazonaws.com' AND e.event_name IN ('StopLogging', 'DeleteTrail'))
   OR (e.event_source = 'cloudtrail.amazonaws.com' AND e.event_name = 'PutEventSelectors'
       AND coalesce(e.request_parameters, '') NOT LIKE '%dataResources%'
       AND coalesce(e.request_parameters, '') NOT LIKE '%"Data"%')
   OR (e.event_source = 'sagemaker.amazonaws.com' AND e.event_name = 'UpdateDomain'
       AND json_extract_string(e.request_parameters, '$.domainSettingsForUpdate.executionRoleIdentityConfig') = 'DISABLED'))
