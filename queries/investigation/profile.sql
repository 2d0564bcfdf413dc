-- title: Everything a Studio profile touched
-- Parameters: $1 profile, $2 since (NULL: no bound), $3 until (NULL: no bound).
-- Its own calls (by sourceIdentity or execution role), and the Lake
-- Formation credential requests and S3 reads attributed to it through the
-- chain. Each part reads a table sorted by profile (events, lf_calls,
-- s3_reads), so only the profile's row groups are read.
WITH touched AS (
  SELECT event_time, event_source, event_name, outcome,
         coalesce(database_name || '.' || table_name, s3_bucket || '/' || s3_key, resource_name, s3_bucket) AS resource,
         query_id, 'caller' AS via, event_id
  FROM events
  WHERE studio_profile = $1 AND ($2::TIMESTAMPTZ IS NULL OR event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR event_time < $3)
  UNION ALL
  SELECT event_time, 'lakeformation.amazonaws.com', event_name, outcome,
         coalesce(database_name || '.' || table_name, s3_bucket || '/' || s3_key, s3_bucket),
         query_id, attributed_via, event_id
  FROM lf_calls
  WHERE caused_by_profile = $1 AND (studio_profile IS DISTINCT FROM $1)
    AND ($2::TIMESTAMPTZ IS NULL OR event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR event_time < $3)
  UNION ALL
  SELECT event_time, 's3.amazonaws.com', event_name, outcome, coalesce(s3_bucket || '/' || s3_key, s3_bucket),
         NULL, attributed_via, event_id
  FROM s3_reads
  WHERE studio_profile = $1 AND ($2::TIMESTAMPTZ IS NULL OR event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR event_time < $3)
)
SELECT event_time, event_source, event_name, outcome, resource, query_id, min(via) AS via, event_id
FROM touched
GROUP BY ALL
ORDER BY event_time, event_id
