-- title: An event outside the chain
-- Parameter: $1 an event id or S3 request id (a console login, a grant, …).
SELECT 'event' AS step, event_time, studio_profile, principal_arn,
       event_source || ' ' || event_name AS what, outcome || coalesce(' ' || error_code, '') AS detail, event_id
FROM events WHERE event_id = $1 OR request_id = $1 ORDER BY event_time
