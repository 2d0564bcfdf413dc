-- title: Lake Formation credential requests, attributed
-- produces: lf_calls
-- needs: events, athena_starts[-1..1], emr_sessions[-1..0]
-- One row per GetDataAccess / GetTemporaryGlue*Credentials call, with the
-- engine that asked and the Studio profile that caused it:
--   Athena: the StartQueryExecution of the query id in the audit context;
--   EMR:    the latest GetClusterSessionCredentials that handed out the
--           runtime role the call ran as (within 24 hours before it);
--   other:  the caller's own profile (sourceIdentity or role map).
-- A query's start is within a day of its credential requests (either way:
-- clocks differ across services), an EMR session at most 24 hours before:
-- the days around are read too.
WITH calls AS (
  SELECT event_id, event_time, event_name, outcome, role_arn, principal_arn, principal_id,
         studio_profile, source_identity, database_name, table_name, query_id, lf_session,
         lf_principal, lf_requester_service, lf_platform_type, lf_job_id, invoked_by, s3_bucket, s3_key,
         CASE
           WHEN lf_requester_service = 'ATHENA' OR invoked_by = 'athena.amazonaws.com' THEN 'athena'
           WHEN lf_platform_type LIKE 'EMR%' OR lf_requester_service LIKE 'EMR%' THEN 'emr'
           WHEN lf_platform_type LIKE 'GLUE%' OR lf_requester_service LIKE 'GLUE%' OR invoked_by = 'glue.amazonaws.com' THEN 'glue'
           WHEN lf_requester_service LIKE 'REDSHIFT%' OR invoked_by LIKE 'redshift%' THEN 'redshift'
           ELSE 'other'
         END AS engine
  FROM events
  WHERE event_source = 'lakeformation.amazonaws.com'
    AND event_name IN ('GetDataAccess', 'GetTemporaryGlueTableCredentials', 'GetTemporaryGluePartitionCredentials')
)
SELECT c.*,
       CASE
         WHEN c.engine = 'athena' AND s.studio_profile IS NOT NULL THEN s.studio_profile
         WHEN c.engine = 'emr' AND e.x.studio_profile IS NOT NULL AND c.event_time - e.event_time <= INTERVAL 24 HOUR THEN e.x.studio_profile
         ELSE c.studio_profile
       END AS caused_by_profile,
       CASE
         WHEN c.engine = 'athena' AND s.studio_profile IS NOT NULL THEN 'athena_query'
         WHEN c.engine = 'emr' AND e.x.studio_profile IS NOT NULL AND c.event_time - e.event_time <= INTERVAL 24 HOUR THEN 'emr_runtime_role'
         WHEN c.studio_profile IS NOT NULL THEN 'caller'
       END AS attributed_via,
       coalesce(s.event_id, CASE WHEN c.event_time - e.event_time <= INTERVAL 24 HOUR THEN e.x.event_id END) AS cause_event_id,
       coalesce(s.principal_arn, CASE WHEN c.event_time - e.event_time <= INTERVAL 24 HOUR THEN e.x.principal_arn END, c.principal_arn) AS caused_by_principal,
       coalesce(s.source_identity, CASE WHEN c.event_time - e.event_time <= INTERVAL 24 HOUR THEN e.x.source_identity END, c.source_identity) AS caused_by_source_identity
FROM calls c
-- One equality (no condition on c alone in ON): a hash join, not a nested loop.
LEFT JOIN athena_starts s ON s.query_id = CASE WHEN c.engine = 'athena' THEN c.query_id END
-- One session per runtime role and second (the smallest event id), so
-- that ties resolve the same way every build.
ASOF LEFT JOIN (SELECT runtime_role, event_time, arg_min(x, x.event_id) AS x
                FROM (SELECT runtime_role, event_time, {'event_id': event_id, 'studio_profile': studio_profile,
                             'principal_arn': principal_arn, 'source_identity': source_identity} AS x FROM emr_sessions)
                GROUP BY runtime_role, event_time) e
  ON c.role_arn = e.runtime_role AND c.event_time >= e.event_time
