-- title: S3 read of a Lake Formation table location around Lake Formation
-- severity: high
SELECT 'lf_bypass_s3_read' AS rule, 'high' AS severity, r.event_time, r.studio_profile, r.attributed_principal AS principal_arn,
       's3://' || r.s3_bucket || '/' || coalesce(r.s3_key, '') AS resource,
       r.event_name || ' of ' || r.database_name || '.' || r.table_name || ' without Lake Formation credentials' ||
         CASE WHEN r.log_source = 's3_access_log' THEN ' (S3 access log)' ELSE '' END AS detail,
       [r.event_id] AS event_ids
FROM s3_reads r
WHERE r.lf_bypass AND r.outcome = 'success'
