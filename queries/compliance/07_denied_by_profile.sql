-- title: Denied attempts per profile
-- note: Calls refused with an access-denied outcome (each request once, in whichever logs recorded it), and query columns the engine or the Lake Formation grant refused, per Studio profile (with none: the caller's ARN).
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH calls AS (
  SELECT coalesce(studio_profile, principal_arn, '(unknown)') AS who,
         count(DISTINCT occurrence(event_source, event_name, request_id, s3_bucket, event_id)) AS n
  FROM events WHERE outcome = 'denied' AND NOT network_view AND event_time >= $1 AND event_time < $2
  GROUP BY ALL
),
cols AS (
  SELECT coalesce(studio_profile, principal_arn, '(unknown)') AS who, count(*) AS n
  FROM column_access WHERE outcome = 'denied' AND event_time >= $1 AND event_time < $2
  GROUP BY ALL
)
SELECT who, coalesce(calls.n, 0) AS denied_calls, coalesce(cols.n, 0) AS denied_columns
FROM calls FULL JOIN cols USING (who)
ORDER BY denied_calls + denied_columns DESC, who
