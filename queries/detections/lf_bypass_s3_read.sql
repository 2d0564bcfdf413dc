-- title: S3 read of a Lake Formation table location around Lake Formation
-- severity: high
-- Fires once per successful S3 read request (s3_reads: a request logged by
-- CloudTrail and the access log is one row, both records its evidence) of
-- an object under the location of a catalog table in force at the time,
-- made by the principal itself without Lake Formation credentials (no
-- AWSLF-… session, no Lake Formation "V2.…" sourceIdentity). Not a bypass:
-- a read an AWS service made on the caller's behalf (invokedBy, a service
-- name as source IP: an engine reads with the caller's own credentials
-- only where Lake Formation lets IAM decide), or by a service acting as
-- itself (s3_reads.via_service), nor a read of a table Lake Formation left
-- to IAM at the time (a read grant to IAM_ALLOWED_PRINCIPALS or to the
-- reader account's IAMPrincipals). Denied reads are not reads. A read only
-- the access log has is judged on it alone (the access log does not say
-- whether a service made the request).
SELECT 'lf_bypass_s3_read' AS rule, 'high' AS severity, r.event_time, r.studio_profile, r.attributed_principal AS principal_arn,
       's3://' || r.s3_bucket || '/' || coalesce(r.s3_key, '') AS resource,
       r.event_name || ' of ' || r.database_name || '.' || r.table_name || ' without Lake Formation credentials' ||
         CASE WHEN r.log_source = 's3_access_log' THEN ' (S3 access log)' ELSE '' END AS detail,
       list_filter([r.event_id, r.copy_event_id], x -> x IS NOT NULL) AS event_ids
FROM s3_reads r
WHERE r.lf_bypass AND r.outcome = 'success'
