-- title: S3 object reads, attributed to the person behind them
-- produces: s3_reads
-- needs: events, lf_calls[-1..1], catalog_tables
-- One row per S3 read request (CloudTrail data events and server access
-- logs; a request both logged, by request id and bucket, is one row,
-- CloudTrail's, whose copy_event_id is the access-log line). Reads made
-- with Lake Formation-vended credentials (an AWSLF-… session, or Lake
-- Formation's "V2.<account>.<role id>" sourceIdentity) are attributed
-- through the latest credential request that vended them (ASOF joins: at
-- most 5 minutes after the read, as clocks differ; vended credentials last
-- at most 12 hours, so the day before and after are read); other reads to
-- their caller. A read an AWS service made on the caller's behalf
-- (via_service(): invokedBy, a service name as source IP or VPC endpoint:
-- Athena, EMR, Glue or Redshift with the caller's own credentials) is that
-- engine's read. A read of a
-- location registered to a catalog table bypassed Lake Formation when it
-- used no Lake Formation credentials and was made by the principal itself,
-- not by an AWS service (an engine reads with the caller's credentials only
-- where Lake Formation lets IAM decide) nor by a service acting as itself,
-- and the table was not left to IAM at the time: no read grant on it (or
-- its database's tables) to IAM_ALLOWED_PRINCIPALS or to the reader
-- account's IAMPrincipals (lf_grants, the replay step's grants in force).
WITH reads AS ( -- only the columns used: events rows are wide (raw, request_parameters)
  SELECT event_id, event_time, log_source, event_name, outcome, s3_bucket, s3_key, bytes, principal_arn, role_arn,
         session_name, lf_session, source_identity, source_ip, vpc_endpoint_id, request_id, s3_host_id, studio_profile,
         principal_account_id,
         event_time + INTERVAL 5 MINUTE AS match_time,
         CASE WHEN source_identity LIKE 'V2.%' AND split_part(source_identity, '.', 2) = account_id
              THEN split_part(source_identity, '.', 3) END AS v2_role_id,
         via_service(principal_type, invoked_by, source_ip, vpc_endpoint_id) AS via_service, -- lakedb.Macros
         row_number() OVER (PARTITION BY coalesce(request_id, event_id), s3_bucket
                            ORDER BY CASE log_source WHEN 'cloudtrail' THEN 0 ELSE 1 END, event_id) AS copy,
         min(event_id) FILTER (WHERE log_source = 's3_access_log')
           OVER (PARTITION BY coalesce(request_id, event_id), s3_bucket) AS log_event_id
  FROM events
  WHERE event_source = 's3.amazonaws.com' AND NOT network_view
    AND event_name IN ('GetObject', 'SelectObjectContent', 'HeadObject')
),
calls AS ( -- one call per session (or role) and second, the smallest event id: ties resolve the same way every build
  SELECT lf_session, NULL AS role_id, event_time, arg_min(c, c.event_id) AS c
  FROM (SELECT lf_session, event_time, {'event_id': event_id, 'caused_by_profile': caused_by_profile,
               'caused_by_principal': caused_by_principal, 'engine': engine, 'query_id': query_id} AS c
        FROM lf_calls WHERE lf_session IS NOT NULL)
  GROUP BY lf_session, event_time
),
role_calls AS (
  SELECT role_id, event_time, arg_min(c, c.event_id) AS c
  FROM (SELECT split_part(principal_id, ':', 1) AS role_id, event_time, {'event_id': event_id, 'caused_by_profile': caused_by_profile,
               'caused_by_principal': caused_by_principal, 'engine': engine, 'query_id': query_id} AS c
        FROM lf_calls WHERE principal_id LIKE 'AROA%')
  GROUP BY role_id, event_time
),
prefixes AS ( -- every folder of the object's URL, for reads of a bucket some table lives in
  SELECT event_id, event_time,
         unnest(list_transform(range(1, len(parts)), i -> array_to_string(parts[1:i], '/') || '/')) AS prefix
  FROM (SELECT event_id, event_time, string_split('s3://' || s3_bucket || '/' || coalesce(s3_key, ''), '/') AS parts
        FROM reads
        WHERE copy = 1 AND s3_bucket IN (SELECT split_part(location_folder, '/', 3) FROM catalog_tables))
),
by_session AS ( -- narrow ASOF joins (the sort carries three columns, not the read's twenty)
  SELECT r.event_id, s.c
  FROM (SELECT event_id, lf_session, match_time FROM reads WHERE copy = 1 AND lf_session IS NOT NULL) r
  ASOF JOIN calls s ON s.lf_session = r.lf_session AND r.match_time >= s.event_time
),
by_role AS (
  SELECT r.event_id, v.c
  FROM (SELECT event_id, v2_role_id, match_time FROM reads WHERE copy = 1 AND v2_role_id IS NOT NULL) r
  ASOF JOIN role_calls v ON v.role_id = r.v2_role_id AND r.match_time >= v.event_time
),
located AS ( -- the catalog table whose location is the longest folder of the object
  SELECT event_id, best.database_name, best.table_name
  FROM (SELECT p.event_id, arg_max({'database_name': t.database_name, 'table_name': t.table_name}, length(t.location_folder)) AS best
  FROM prefixes p JOIN catalog_tables t
    ON t.location_folder = p.prefix
   AND p.event_time >= t.valid_from AND (t.valid_to IS NULL OR p.event_time < t.valid_to)
  GROUP BY p.event_id)
)
SELECT r.event_id, r.event_time, r.log_source, r.event_name, r.outcome, r.s3_bucket, r.s3_key, r.bytes,
       r.principal_arn, r.role_arn, r.session_name, r.lf_session, r.source_identity, r.source_ip,
       r.vpc_endpoint_id, r.request_id, r.s3_host_id,
       loc.database_name, loc.table_name,
       (r.lf_session IS NOT NULL OR coalesce(r.source_identity, '') LIKE 'V2.%') AS via_lake_formation,
       (loc.table_name IS NOT NULL AND r.lf_session IS NULL AND coalesce(r.source_identity, '') NOT LIKE 'V2.%'
        AND r.via_service IS NULL
        AND NOT EXISTS (SELECT 1 FROM lf_grants g
                        WHERE g.can_read AND g.database_name = loc.database_name AND g.table_name IN (loc.table_name, '*')
                          AND (upper(g.principal) = 'IAM_ALLOWED_PRINCIPALS'
                               OR lower(g.principal) = lower(r.principal_account_id) || ':iamprincipals')
                          AND g.valid_from <= r.event_time AND (g.valid_to IS NULL OR r.event_time < g.valid_to))) AS lf_bypass,
       coalesce(s.c.engine, v.c.engine,
                CASE WHEN r.via_service IS NULL THEN 's3'
                     WHEN r.via_service = 'athena.amazonaws.com' THEN 'athena'
                     WHEN r.via_service LIKE '%elasticmapreduce%' OR r.via_service LIKE '%emr-serverless%' THEN 'emr'
                     WHEN r.via_service = 'glue.amazonaws.com' THEN 'glue'
                     WHEN r.via_service LIKE 'redshift%' THEN 'redshift'
                     ELSE 'other' END) AS engine,
       coalesce(s.c.event_id, v.c.event_id) AS lf_event_id,
       coalesce(s.c.query_id, v.c.query_id) AS query_id,
       coalesce(s.c.caused_by_profile, v.c.caused_by_profile, r.studio_profile) AS studio_profile,
       coalesce(s.c.caused_by_principal, v.c.caused_by_principal, r.principal_arn) AS attributed_principal,
       CASE WHEN s.c.event_id IS NOT NULL THEN 'lf_session' WHEN v.c.event_id IS NOT NULL THEN 'lf_source_identity'
            WHEN r.studio_profile IS NOT NULL THEN 'caller' END AS attributed_via,
       CASE WHEN r.log_event_id <> r.event_id THEN r.log_event_id END AS copy_event_id,
       r.via_service
FROM reads r
LEFT JOIN located loc ON loc.event_id = r.event_id
LEFT JOIN by_session s ON s.event_id = r.event_id
LEFT JOIN by_role v ON v.event_id = r.event_id
WHERE r.copy = 1
