-- title: Denied calls
-- note: Every logged call refused with an access-denied outcome.
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT event_time, log_source, studio_profile, principal_arn, event_source, event_name,
       coalesce('s3://' || s3_bucket || '/' || coalesce(s3_key, ''), database_name || '.' || table_name) AS resource,
       error_code, event_id
FROM events
WHERE outcome = 'denied' AND NOT network_view AND event_time >= $1 AND event_time < $2
ORDER BY ALL
