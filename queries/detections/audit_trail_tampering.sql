-- title: Audit trail or attribution switched off
-- severity: high
-- Fires once per successful call that switches the audit trail or the
-- attribution off: CloudTrail StopLogging or DeleteTrail; PutEventSelectors
-- whose request keeps no data events (no selector with a data resource,
-- an empty dataResources list included, and no advanced selector whose
-- eventCategory equals Data); SageMaker UpdateDomain setting
-- executionRoleIdentityConfig to DISABLED (sourceIdentity no longer names
-- the profile). A call a service makes on a principal's behalf (CloudFormation
-- deleting a stack's trail) is the principal's change and fires too: the
-- trail is off either way. Failed and denied calls change nothing.
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
       AND coalesce(len(json_extract(e.request_parameters, '$.eventSelectors[*].dataResources[*]')), 0) = 0
       AND NOT coalesce(list_bool_or(list_transform(json_extract(e.request_parameters, '$.advancedEventSelectors[*].fieldSelectors[*]'),
             f -> json_extract_string(f, '$.field') = 'eventCategory' AND list_contains(json_extract_string(f, '$.equals[*]'), 'Data'))), false))
   OR (e.event_source = 'sagemaker.amazonaws.com' AND e.event_name = 'UpdateDomain'
       AND json_extract_string(e.request_parameters, '$.domainSettingsForUpdate.executionRoleIdentityConfig') = 'DISABLED'))
