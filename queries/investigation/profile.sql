-- title: Everything a Studio profile touched
-- Parameters: $1 profile, $2 since (NULL: no bound), $3 until (NULL: no bound).
-- Its own calls (by sourceIdentity or execution role), and the Lake
-- Formation credential requests and S3 reads attributed to it through the
-- chain.
WITH touched AS (
  SELECT event_id, 'caller' AS via FROM events
  WHERE studio_profile = $1 AND ($2::TIMESTAMPTZ IS NULL OR event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR event_time < $3)
  UNION ALL
  SELECT event_id, attributed_via FROM lf_calls
  WHERE caused_by_profile = $1 AND (studio_profile IS DISTINCT FROM $1)
    AND ($2::TIMESTAMPTZ IS NULL OR event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR event_time < $3)
  UNION ALL
  SELECT event_id, attributed_via FROM s3_reads
  WHERE studio_profile = $1 AND ($2::TIMESTAMPTZ IS NULL OR event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR event_time < $3)
)
SELECT e.event_time, e.event_source, e.event_name, e.outcome,
       coalesce(e.database_name || '.' || e.table_name, e.s3_bucket || '/' || e.s3_key, e.resource_name, e.s3_bucket) AS resource,
       e.query_id, min(t.via) AS via, e.event_id
FROM touched t JOIN events e USING (event_id)
WHERE ($2::TIMESTAMPTZ IS NULL OR e.event_time >= $2) AND ($3::TIMESTAMPTZ IS NULL OR e.event_time < $3)
GROUP BY ALL
ORDER BY e.event_time, e.event_id
