-- title: SageMaker job or notebook created without a VPC
-- severity: high
SELECT 'sagemaker_job_without_vpc' AS rule, 'high' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       e.resource_name AS resource, e.event_name || ' without a VPC configuration' AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.event_source = 'sagemaker.amazonaws.com' AND e.outcome = 'success' AND e.in_vpc = false
  AND (SELECT require_vpc FROM policy_settings)
