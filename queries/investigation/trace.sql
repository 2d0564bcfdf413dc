-- title: One access followed through the chain
-- Parameters: $1 the Athena query id behind the id (NULL: none), $2 the id
-- asked about. Steps in order: the query's start, the credentials Lake
-- Formation vended for it, the S3 reads made with them, the columns read.
-- Each lookup compares one column with a parameter (UNION, not OR), so
-- that the Parquet scans skip what cannot match.
SELECT * FROM (
  SELECT 'start' AS step, s.event_time, s.studio_profile, s.principal_arn, 'athena StartQueryExecution' AS what,
         coalesce(a.state || ': ', '') || coalesce(a.query_text, s.query_text, '(SQL not logged)') AS detail, s.event_id
  FROM athena_starts s LEFT JOIN (SELECT * FROM athena_queries WHERE query_id = $1) a ON a.query_id = s.query_id
  WHERE s.query_id = $1
  UNION
  SELECT 'credentials', l.event_time, l.caused_by_profile, l.principal_arn, 'lakeformation ' || l.event_name,
         l.outcome || ' ' || coalesce(l.database_name || '.' || l.table_name, '') || coalesce(' session ' || l.lf_session, ''), l.event_id
  FROM (SELECT * FROM lf_calls WHERE query_id = $1 UNION ALL SELECT * FROM lf_calls WHERE event_id = $2) l
  UNION
  SELECT 'read', s.event_time, s.studio_profile, s.principal_arn, s.log_source || ' ' || s.event_name,
         s.outcome || ' s3://' || s.s3_bucket || '/' || coalesce(s.s3_key, '') || coalesce(' (' || s.attributed_via || ')', ''), s.event_id
  FROM (SELECT * FROM s3_reads WHERE query_id = $1 UNION ALL SELECT * FROM s3_reads WHERE event_id = $2
        UNION ALL SELECT * FROM s3_reads WHERE copy_event_id = $2 UNION ALL SELECT * FROM s3_reads WHERE lf_event_id = $2) s
  UNION
  SELECT 'column', c.event_time, c.studio_profile, c.principal_arn, c.engine || ' ' || c.certainty,
         c.outcome || ' ' || c.database_name || '.' || c.table_name || coalesce('.' || c.column_name, ''), c.event_id
  FROM column_access c WHERE c.query_id = $1
)
ORDER BY CASE step WHEN 'start' THEN 0 WHEN 'credentials' THEN 1 WHEN 'read' THEN 2 ELSE 3 END, event_time, detail, event_id
