-- title: S3 object reads, attributed to the person behind them
-- One row per S3 read (CloudTrail data events and server access logs; the
-- same request logged by both is one row, CloudTrail's). Reads made with
-- Lake Formation-vended credentials (an AWSLF-… session, or Lake
-- Formation's "V2.<account>.<role id>" sourceIdentity) are attributed
-- through the credential request that vended them; other reads to their
-- caller. A read of a location registered to a catalog table by a principal
-- that is not a Lake Formation session bypassed Lake Formation.
CREATE OR REPLACE TABLE s3_reads AS
WITH reads AS (
  SELECT *, row_number() OVER (PARTITION BY coalesce(request_id, event_id), event_name
                               ORDER BY CASE log_source WHEN 'cloudtrail' THEN 0 ELSE 1 END, event_id) AS copy
  FROM events
  WHERE event_source = 's3.amazonaws.com' AND NOT network_view
    AND event_name IN ('GetObject', 'SelectObjectContent', 'HeadObject')
),
role_ids AS ( -- role unique id (AROA…) → role ARN, from any event made with the role
  SELECT DISTINCT split_part(principal_id, ':', 1) AS role_id, role_arn
  FROM events WHERE principal_type = 'AssumedRole' AND principal_id LIKE 'AROA%' AND role_arn IS NOT NULL
),
located AS ( -- the catalog table whose location is the longest prefix of the object
  SELECT r.event_id, t.database_name, t.table_name
  FROM reads r JOIN catalog_tables t
    ON starts_with('s3://' || r.s3_bucket || '/' || coalesce(r.s3_key, ''), t.location)
   AND r.event_time >= t.valid_from AND (t.valid_to IS NULL OR r.event_time < t.valid_to)
  QUALIFY row_number() OVER (PARTITION BY r.event_id ORDER BY length(t.location) DESC) = 1
),
by_session AS ( -- the latest credential request that vended this session
  SELECT r.event_id, l.caused_by_profile, l.caused_by_principal, l.engine, l.event_id AS lf_event_id, l.query_id
  FROM reads r JOIN lf_calls l ON r.lf_session = l.lf_session AND l.event_time <= r.event_time + INTERVAL 5 MINUTE
  QUALIFY row_number() OVER (PARTITION BY r.event_id ORDER BY l.event_time DESC) = 1
),
by_v2 AS ( -- Lake Formation's own sourceIdentity names the initiating role
  SELECT r.event_id, l.caused_by_profile, l.caused_by_principal, l.engine, l.event_id AS lf_event_id, l.query_id
  FROM reads r
  JOIN role_ids i ON r.source_identity = 'V2.' || r.account_id || '.' || i.role_id
  JOIN lf_calls l ON l.role_arn = i.role_arn AND l.event_time <= r.event_time + INTERVAL 5 MINUTE
  WHERE r.source_identity LIKE 'V2.%'
  QUALIFY row_number() OVER (PARTITION BY r.event_id ORDER BY l.event_time DESC) = 1
)
SELECT r.event_id, r.event_time, r.log_source, r.event_name, r.outcome, r.s3_bucket, r.s3_key, r.bytes,
       r.principal_arn, r.role_arn, r.session_name, r.lf_session, r.source_identity, r.source_ip,
       r.vpc_endpoint_id, r.request_id, r.s3_host_id,
       loc.database_name, loc.table_name,
       (r.lf_session IS NOT NULL OR coalesce(r.source_identity, '') LIKE 'V2.%') AS via_lake_formation,
       (loc.table_name IS NOT NULL AND r.lf_session IS NULL AND coalesce(r.source_identity, '') NOT LIKE 'V2.%') AS lf_bypass,
       coalesce(s.engine, v.engine, 's3') AS engine,
       coalesce(s.lf_event_id, v.lf_event_id) AS lf_event_id,
       coalesce(s.query_id, v.query_id) AS query_id,
       coalesce(s.caused_by_profile, v.caused_by_profile, r.studio_profile) AS studio_profile,
       coalesce(s.caused_by_principal, v.caused_by_principal, r.principal_arn) AS attributed_principal,
       CASE WHEN s.event_id IS NOT NULL THEN 'lf_session' WHEN v.event_id IS NOT NULL THEN 'lf_source_identity'
            WHEN r.studio_profile IS NOT NULL THEN 'caller' END AS attributed_via
FROM reads r
LEFT JOIN located loc ON loc.event_id = r.event_id
LEFT JOIN by_session s ON s.event_id = r.event_id
LEFT JOIN by_v2 v ON v.event_id = r.event_id
WHERE r.copy = 1
