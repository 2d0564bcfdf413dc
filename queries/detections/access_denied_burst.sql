-- title: Burst of denied calls by one principal
-- severity: medium
-- Fires once per burst: at least denied_burst_count denied calls by one
-- principal (its Studio profile, else its ARN) within denied_burst_window,
-- at the call that reached the threshold; the next burst of the same
-- principal starts after a call whose window held fewer. A call is one
-- request: an S3 request logged by CloudTrail and the access log (the same
-- request id and bucket), or a call delivered twice (the same request id),
-- counts once, with every record of it as evidence (occurrence(), the
-- request key LoadPolicy defines). A service acting as itself (identity
-- type AWSService: S3 lifecycle, log delivery) probes nothing and is not
-- counted; calls a service made on a principal's behalf (invokedBy) are the
-- principal's. The calls in each call's window are counted by rank: an
-- ASOF join finds the last call at or before the window's start, so the
-- cost grows with the number of denied calls, not with their square.
WITH calls AS ( -- one row per call: the CloudTrail record's fields, every record's id
  SELECT arg_min({'event_id': event_id, 'event_time': event_time, 'studio_profile': studio_profile,
                  'principal_arn': principal_arn, 'what': event_name || coalesce(' ' || database_name || '.' || table_name,
                  ' s3://' || s3_bucket || '/' || s3_key, '')},
                 CASE log_source WHEN 'cloudtrail' THEN '0' ELSE '1' END || event_id) AS c,
         list(event_id ORDER BY event_id) AS ids
  FROM events
  WHERE outcome = 'denied' AND NOT network_view AND coalesce(studio_profile, principal_arn) IS NOT NULL
    AND coalesce(principal_type, '') <> 'AWSService'
  GROUP BY occurrence(event_source, event_name, request_id, s3_bucket, event_id)
),
denied AS (
  SELECT c.event_id, c.event_time, c.studio_profile, c.principal_arn, coalesce(c.studio_profile, c.principal_arn) AS who,
         c.what, ids
  FROM calls
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY who ORDER BY event_time, event_id) AS rn
  FROM denied
),
upto AS ( -- per principal and time: the rank of the last call at that time
  SELECT who, event_time, max(rn) AS last_rn FROM ranked GROUP BY who, event_time
),
counted AS ( -- the window of a call holds the calls ranked (first_rn, last_rn]
  SELECT d.*, coalesce(u.last_rn, 0) AS first_rn, t.last_rn
  FROM (SELECT *, event_time - (SELECT denied_burst_window FROM policy_settings) AS cutoff FROM ranked) d
  JOIN upto t ON t.who = d.who AND t.event_time = d.event_time
  ASOF LEFT JOIN upto u ON u.who = d.who AND d.cutoff >= u.event_time
),
marked AS (
  SELECT *, last_rn - first_rn >= (SELECT denied_burst_count FROM policy_settings) AS hit,
         lag(last_rn - first_rn >= (SELECT denied_burst_count FROM policy_settings), 1, false)
           OVER (PARTITION BY who ORDER BY rn) AS prev_hit
  FROM counted
)
SELECT 'access_denied_burst' AS rule, 'medium' AS severity, h.event_time, h.studio_profile, h.principal_arn,
       h.who AS resource,
       (h.last_rn - h.first_rn) || ' denied calls within ' || (SELECT denied_burst_window FROM policy_settings) || ': ' ||
         array_to_string(list(DISTINCT x.what ORDER BY x.what), ', ') AS detail,
       flatten(list(x.ids ORDER BY x.event_time, x.event_id)) AS event_ids
FROM marked h JOIN ranked x ON x.who = h.who AND x.rn > h.first_rn AND x.rn <= h.last_rn
WHERE h.hit AND NOT h.prev_hit
GROUP BY h.event_id, h.event_time, h.studio_profile, h.principal_arn, h.who, h.first_rn, h.last_rn
