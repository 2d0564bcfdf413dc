-- title: SageMaker job or notebook created without a KMS key
-- severity: medium
-- Fires once per successful SageMaker Create* API call that sets no KMS key
-- for volumes or output, when the policy requires KMS. As for
-- sagemaker_job_without_vpc, service events and omitted requests are not
-- judged.
SELECT 'sagemaker_without_kms' AS rule, 'medium' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       e.resource_name AS resource, e.event_name || ' without a KMS key for volumes or output' AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.event_source = 'sagemaker.amazonaws.com' AND e.outcome = 'success' AND e.in_vpc IS NOT NULL
  AND e.kms_key_id IS NULL AND (SELECT require_kms FROM policy_settings)
  AND coalesce(e.event_type, '') <> 'AwsServiceEvent' AND e.request_parameters IS NOT NULL
