-- title: Data bucket accessed outside its approved VPC endpoints
-- severity: high
-- CloudTrail S3 data events (access-log lines carry no endpoint) that
-- succeeded on a policy data bucket through no approved VPC endpoint.
SELECT 's3_outside_vpc_endpoint' AS rule, 'high' AS severity, e.event_time, e.studio_profile, e.principal_arn,
       's3://' || e.s3_bucket || '/' || coalesce(e.s3_key, '') AS resource,
       e.event_name || ' ' || CASE WHEN e.vpc_endpoint_id IS NULL THEN 'not through a VPC endpoint'
                                   ELSE 'through unapproved endpoint ' || e.vpc_endpoint_id END ||
         coalesce(' from ' || e.source_ip, '') AS detail,
       [e.event_id] AS event_ids
FROM events e
WHERE e.log_source = 'cloudtrail' AND NOT e.network_view AND e.event_source = 's3.amazonaws.com'
  AND e.outcome = 'success'
  AND e.s3_bucket IN (SELECT bucket FROM policy_buckets)
  AND NOT EXISTS (SELECT 1 FROM policy_buckets b WHERE b.bucket = e.s3_bucket AND b.vpc_endpoint_id = e.vpc_endpoint_id)
