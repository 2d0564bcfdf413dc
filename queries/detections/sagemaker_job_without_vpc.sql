-- title: SageMaker job or notebook created without a VPC
-- severity: high
-- Fires once per successful SageMaker Create* API call whose request sets
-- no VPC (no vpcConfig / networkConfig.vpcConfig subnets; a notebook
-- instance without a subnet or with direct internet access; a domain not
-- VpcOnly), when the policy requires a VPC. Only calls whose request was
-- logged are judged: a service event (eventType AwsServiceEvent, such as
-- the training jobs a tuning job starts on the caller's behalf: the tuning
-- job's own call is the occurrence) or a request CloudTrail omitted as too
-- large says nothing about the VPC.
SELECT 'sagemaker_job_without_vpc' AS rule, 'high' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       e.resource_name AS resource, e.event_name || ' without a VPC configuration' AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.event_source = 'sagemaker.amazonaws.com' AND e.outcome = 'success' AND e.in_vpc = false
  AND (SELECT require_vpc FROM policy_settings)
  AND coalesce(e.event_type, '') <> 'AwsServiceEvent' AND e.request_parameters IS NOT NULL
