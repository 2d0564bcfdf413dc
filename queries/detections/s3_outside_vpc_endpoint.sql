-- title: Data bucket accessed outside its approved VPC endpoints
-- severity: high
-- Fires once per S3 request (a CloudTrail data event: access-log lines
-- carry no endpoint, so a request only the access log has is not judged)
-- that
--   * succeeded (a denied request is the bucket policy working), on a bucket
--     the policy lists under data_buckets;
--   * did not come through one of that bucket's approved VPC endpoints
--     (vpcEndpointId absent, or another vpce-…);
--   * was made by the principal itself, not by an AWS service on its
--     behalf (via_service()). A service made it when userIdentity.invokedBy is set, the
--     identity is the service's own (AWSService), sourceIPAddress is a
--     service name ('athena.amazonaws.com') or 'AWS Internal', or
--     vpcEndpointId is a service name rather than a vpce- id. These are
--     the requests IAM's aws:ViaAWSService / aws:CalledVia exempt from
--     aws:SourceVpce conditions: Athena, EMR Serverless or Glue reading
--     with Lake Formation-vended credentials, a service using the caller's
--     forward-access session. The caller's own call to that service is
--     judged where it is logged, not here.
-- Network-activity records (the endpoint owner's view of the same call)
-- are not requests of their own. Evidence: the data event, then the
-- access-log lines of the same request (request id and bucket): one line
-- per object for a multi-object delete, whose data event names no key.
WITH hits AS (
  SELECT e.event_id, e.event_time, e.studio_profile, e.principal_arn, e.event_name, e.s3_bucket, e.s3_key,
         e.vpc_endpoint_id, e.source_ip, e.request_id
  FROM events e
  WHERE e.log_source = 'cloudtrail' AND NOT e.network_view AND e.event_source = 's3.amazonaws.com'
    AND e.outcome = 'success'
    AND e.s3_bucket IN (SELECT bucket FROM policy_buckets)
    AND NOT EXISTS (SELECT 1 FROM policy_buckets b WHERE b.bucket = e.s3_bucket AND b.vpc_endpoint_id = e.vpc_endpoint_id)
    AND via_service(e.principal_type, e.invoked_by, e.source_ip, e.vpc_endpoint_id) IS NULL -- lakedb.Macros
)
SELECT 's3_outside_vpc_endpoint' AS rule, 'high' AS severity, h.event_time, h.studio_profile, h.principal_arn,
       's3://' || h.s3_bucket || '/' || coalesce(h.s3_key, '') AS resource,
       h.event_name || ' ' || CASE WHEN h.vpc_endpoint_id IS NULL THEN 'not through a VPC endpoint'
                                   ELSE 'through unapproved endpoint ' || h.vpc_endpoint_id END ||
         coalesce(' from ' || h.source_ip, '') ||
         CASE WHEN count(DISTINCT l.s3_key) > 1 THEN ' (' || count(DISTINCT l.s3_key) || ' objects)' ELSE '' END AS detail,
       [h.event_id] || coalesce(list(l.event_id ORDER BY l.event_id) FILTER (WHERE l.event_id IS NOT NULL), []) AS event_ids
FROM hits h
LEFT JOIN events l ON l.request_id = h.request_id AND l.s3_bucket = h.s3_bucket
                  AND l.log_source = 's3_access_log' AND l.event_source = 's3.amazonaws.com'
GROUP BY h.event_id, h.event_time, h.studio_profile, h.principal_arn, h.event_name, h.s3_bucket, h.s3_key,
         h.vpc_endpoint_id, h.source_ip
