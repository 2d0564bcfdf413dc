-- title: SageMaker resource on an instance type the policy does not approve
-- severity: medium
-- Fires once per successful SageMaker call that names an instance type the
-- policy's approved list (when it has one) leaves out. Service events (a
-- tuning job's training jobs, started by SageMaker on the caller's behalf)
-- repeat their parent's type and are not judged again.
SELECT 'sagemaker_unapproved_instance_type' AS rule, 'medium' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       e.resource_name AS resource, e.event_name || ' on unapproved instance type ' || e.instance_type AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.event_source = 'sagemaker.amazonaws.com' AND e.outcome = 'success' AND e.instance_type IS NOT NULL
  AND EXISTS (SELECT 1 FROM policy_instance_types)
  AND e.instance_type NOT IN (SELECT instance_type FROM policy_instance_types)
  AND coalesce(e.event_type, '') <> 'AwsServiceEvent'
