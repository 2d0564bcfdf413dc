-- title: Findings
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT event_time, rule, severity, studio_profile, principal_arn, resource, detail
FROM findings WHERE event_time >= $1 AND event_time < $2
ORDER BY event_time, rule, resource, coalesce(studio_profile, ''), coalesce(principal_arn, ''), detail,
         array_to_string(event_ids, ',')
