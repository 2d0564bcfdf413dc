-- title: EMR runtime-role sessions
-- produces: emr_sessions
-- needs: events
-- A Studio user picks an EMR runtime role per connection
-- (GetClusterSessionCredentials with executionRoleArn): profile → runtime role.
SELECT event_id, event_time, studio_profile, source_identity, principal_arn,
       target_role_arn AS runtime_role, resource_name AS cluster_id
FROM events
WHERE event_source = 'elasticmapreduce.amazonaws.com' AND event_name = 'GetClusterSessionCredentials'
  AND outcome = 'success' AND target_role_arn IS NOT NULL
