-- title: Summary
-- layout: record
-- note: Successful data accesses count each query, credential request or S3 read once, however many columns it read. Not attributed: data accesses of any outcome that no Studio profile is attributed to. Ingestion: the objects with events in the window, the hours with no event between a source's first and last hour, the records quarantined, and the log files the CloudTrail digests of the window list.
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH ca AS (
  SELECT * FROM column_access WHERE event_time >= $1 AND event_time < $2
),
ok AS (
  SELECT * FROM ca WHERE outcome = 'success'
),
sensitive AS (
  SELECT ok.* FROM ok JOIN policy_sensitive s ON s.database_name = ok.database_name
   AND s.table_name = ok.table_name AND s.column_name = ok.column_name
),
f AS (
  SELECT severity FROM findings WHERE event_time >= $1 AND event_time < $2
),
access AS (
  SELECT event_id, studio_profile FROM ca
  UNION ALL
  SELECT event_id, studio_profile FROM s3_reads WHERE event_time >= $1 AND event_time < $2
),
h AS (
  SELECT * FROM ingest_hours WHERE hour >= date_trunc('hour', $1::TIMESTAMPTZ) AND hour < $2
),
spans AS (
  SELECT CAST(date_diff('hour', min(hour), max(hour)) + 1 - count(DISTINCT hour) AS BIGINT) AS gap_hours FROM h GROUP BY format
),
ingested AS (
  SELECT DISTINCT regexp_extract(object, '[^/]+$') AS file_name FROM ingest_objects
),
listed AS (
  SELECT DISTINCT log_file FROM digest_files WHERE start < $2 AND "end" > $1
),
n AS (
  SELECT
    (SELECT count(DISTINCT event_id) FROM ok) AS accesses,
    (SELECT count(DISTINCT studio_profile) FROM ok) AS profiles,
    (SELECT count(DISTINCT database_name || '.' || table_name) FROM ok) AS tables,
    (SELECT count(DISTINCT event_id) FROM sensitive) AS sensitive_reads,
    (SELECT count(DISTINCT coalesce(studio_profile, principal_arn)) FROM sensitive) AS sensitive_readers,
    (SELECT count(*) FROM f) AS findings,
    (SELECT count(*) FROM f WHERE severity = 'high') AS findings_high,
    (SELECT count(*) FROM f WHERE severity = 'medium') AS findings_medium,
    (SELECT count(*) FROM f WHERE severity = 'low') AS findings_low,
    (SELECT count(DISTINCT occurrence(event_source, event_name, request_id, s3_bucket, event_id)) FROM events
      WHERE outcome = 'denied' AND NOT network_view AND event_time >= $1 AND event_time < $2) AS denied_calls,
    (SELECT count(*) FROM ca WHERE outcome = 'denied') AS denied_columns,
    (SELECT count(DISTINCT event_id) FROM access) AS data_accesses,
    (SELECT count(DISTINCT event_id) FILTER (WHERE studio_profile IS NULL) FROM access) AS unattributed,
    (SELECT count(DISTINCT format) FROM h) AS sources,
    (SELECT count(DISTINCT object) FROM h) AS objects,
    (SELECT coalesce(sum(gap_hours), 0)::BIGINT FROM spans) AS gap_hours,
    (SELECT coalesce(sum(quarantined), 0)::BIGINT FROM ingest_objects WHERE object IN (SELECT object FROM h)) AS quarantined,
    (SELECT count(*) FROM listed) AS digest_listed,
    (SELECT count(*) FROM listed WHERE regexp_extract(log_file, '[^/]+$') IN (SELECT file_name FROM ingested)) AS digest_ingested
)
SELECT accesses, profiles, tables, sensitive_reads, sensitive_readers,
       findings, findings_high, findings_medium, findings_low, denied_calls, denied_columns,
       data_accesses, unattributed, round(100.0 * unattributed / nullif(data_accesses, 0), 1) AS unattributed_percent,
       sources, objects, gap_hours, quarantined, digest_listed, digest_ingested
FROM n
