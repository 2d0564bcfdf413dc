-- title: One access followed through the chain
-- Parameters: $1 the Athena query id behind the id (NULL: none), $2 the id
-- asked about. Steps in order: the query's start, the credentials Lake
-- Formation vended for it, the S3 reads made with them, the columns read.
WITH q AS (SELECT $1::VARCHAR AS qid, $2::VARCHAR AS eid)
SELECT * FROM (
  SELECT 'start' AS step, s.event_time, s.studio_profile, s.principal_arn, 'athena StartQueryExecution' AS what,
         coalesce(a.state || ': ', '') || coalesce(a.query_text, s.query_text, '(SQL not logged)') AS detail, s.event_id
  FROM athena_starts s, q LEFT JOIN athena_queries a ON a.query_id = q.qid WHERE s.query_id = q.qid
  UNION ALL
  SELECT 'credentials', l.event_time, l.caused_by_profile, l.principal_arn, 'lakeformation ' || l.event_name,
         l.outcome || ' ' || coalesce(l.database_name || '.' || l.table_name, '') || coalesce(' session ' || l.lf_session, ''), l.event_id
  FROM lf_calls l, q WHERE (q.qid IS NOT NULL AND l.query_id = q.qid) OR l.event_id = q.eid
  UNION ALL
  SELECT 'read', s.event_time, s.studio_profile, s.principal_arn, s.log_source || ' ' || s.event_name,
         s.outcome || ' s3://' || s.s3_bucket || '/' || coalesce(s.s3_key, '') || coalesce(' (' || s.attributed_via || ')', ''), s.event_id
  FROM s3_reads s, q WHERE (q.qid IS NOT NULL AND s.query_id = q.qid) OR s.event_id = q.eid
     OR s.lf_event_id = q.eid
  UNION ALL
  SELECT 'column', c.event_time, c.studio_profile, c.principal_arn, c.engine || ' ' || c.certainty,
         c.outcome || ' ' || c.database_name || '.' || c.table_name || coalesce('.' || c.column_name, ''), c.event_id
  FROM column_access c, q WHERE q.qid IS NOT NULL AND c.query_id = q.qid
)
ORDER BY CASE step WHEN 'start' THEN 0 WHEN 'credentials' THEN 1 WHEN 'read' THEN 2 ELSE 3 END, event_time, detail
