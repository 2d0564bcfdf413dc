-- title: Burst of denied calls by one principal
-- severity: medium
-- At least denied_burst_count denied calls by one principal (profile, else
-- ARN) within denied_burst_window; one finding per burst, at the call that
-- reached the threshold. An S3 request logged by CloudTrail and the access
-- log counts once.
WITH denied AS (
  SELECT event_id, event_time, studio_profile, principal_arn,
         coalesce(studio_profile, principal_arn) AS who,
         event_name || coalesce(' ' || database_name || '.' || table_name, ' s3://' || s3_bucket || '/' || s3_key, '') AS what
  FROM events
  WHERE outcome = 'denied' AND NOT network_view AND coalesce(studio_profile, principal_arn) IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY coalesce(request_id, event_id), event_name
                             ORDER BY CASE log_source WHEN 'cloudtrail' THEN 0 ELSE 1 END, event_id) = 1
),
windowed AS (
  SELECT d.*,
         (SELECT list(x.event_id ORDER BY x.event_time, x.event_id) FROM denied x
          WHERE x.who = d.who AND x.event_time <= d.event_time
            AND x.event_time > d.event_time - (SELECT denied_burst_window FROM policy_settings)) AS ids,
         (SELECT list(DISTINCT x.what ORDER BY x.what) FROM denied x
          WHERE x.who = d.who AND x.event_time <= d.event_time
            AND x.event_time > d.event_time - (SELECT denied_burst_window FROM policy_settings)) AS whats
  FROM denied d
),
marked AS (
  SELECT *, len(ids) >= (SELECT denied_burst_count FROM policy_settings) AS hit,
         lag(len(ids) >= (SELECT denied_burst_count FROM policy_settings), 1, false)
           OVER (PARTITION BY who ORDER BY event_time, event_id) AS prev_hit
  FROM windowed
)
SELECT 'access_denied_burst' AS rule, 'medium' AS severity, event_time, studio_profile, principal_arn,
       who AS resource,
       len(ids) || ' denied calls within ' || (SELECT denied_burst_window FROM policy_settings) || ': ' || array_to_string(whats, ', ') AS detail,
       ids AS event_ids
FROM marked
WHERE hit AND NOT prev_hit
