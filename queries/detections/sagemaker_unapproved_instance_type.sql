-- title: SageMaker resource on an instance type the policy does not approve
-- severity: medium
SELECT 'sagemaker_unapproved_instance_type' AS rule, 'medium' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       e.resource_name AS resource, e.event_name || ' on unapproved instance type ' || e.instance_type AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.event_source = 'sagemaker.amazonaws.com' AND e.outcome = 'success' AND e.instance_type IS NOT NULL
  AND EXISTS (SELECT 1 FROM policy_instance_types)
  AND e.instance_type NOT IN (SELECT instance_type FROM policy_instance_types)
