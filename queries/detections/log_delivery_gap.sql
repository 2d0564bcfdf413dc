-- title: CloudTrail log delivery gap: a log file a digest lists was never ingested
-- severity: high
-- Needs the manifest tables (Report.LoadManifests). Two cases:
--  * missing delivery: a CloudTrail digest lists a log file (matched by file
--    name, which CloudTrail makes unique) that no ingested object has; one
--    finding per missing file, at the digest's start.
--  * silent hour: an hour with no CloudTrail event whose previous and next
--    hours have CloudTrail events, and that no digest covers. An hour a
--    digest covers is vouched for by it (CloudTrail delivered exactly the
--    files it lists, possibly none for a quiet hour), so it is not a gap;
--    a missing file there is the first case.
WITH ingested AS (
  SELECT DISTINCT regexp_extract(object, '[^/]+$') AS file_name FROM ingest_objects
),
missing AS (
  SELECT d.digest_object, d.start, d."end", d.log_file
  FROM digest_files d
  WHERE regexp_extract(d.log_file, '[^/]+$') NOT IN (SELECT file_name FROM ingested)
),
trail_hours AS (
  SELECT hour, sum(events) AS events FROM ingest_hours WHERE format = 'cloudtrail' GROUP BY hour
),
-- Candidates are the hours right after an hour with events: as many as
-- there are such hours, however far apart the first and last event are
-- (one record dated 9999 must not make this walk every hour to it).
span AS (
  SELECT DISTINCT hour + INTERVAL 1 HOUR AS hour FROM trail_hours
),
silent AS (
  SELECT s.hour
  FROM span s
  WHERE s.hour NOT IN (SELECT hour FROM trail_hours)
    AND s.hour - INTERVAL 1 HOUR IN (SELECT hour FROM trail_hours)
    AND s.hour + INTERVAL 1 HOUR IN (SELECT hour FROM trail_hours)
    AND NOT EXISTS (SELECT 1 FROM digest_files d WHERE d.start <= s.hour AND s.hour < d."end")
)
SELECT 'log_delivery_gap' AS rule, 'high' AS severity, m.start AS event_time,
       NULL::VARCHAR AS studio_profile, NULL::VARCHAR AS principal_arn, m.log_file AS resource,
       'listed by the CloudTrail digest of ' || strftime(m.start, '%Y-%m-%dT%H:%M:%SZ') || '–' ||
         strftime(m."end", '%Y-%m-%dT%H:%M:%SZ') || ' but never ingested' AS detail,
       [m.log_file] AS event_ids
FROM missing m
UNION ALL
SELECT 'log_delivery_gap' AS rule, 'high' AS severity, s.hour AS event_time,
       NULL::VARCHAR, NULL::VARCHAR, 'cloudtrail ' || strftime(s.hour, '%Y-%m-%dT%H') AS resource,
       'no CloudTrail event in this hour while the hours before and after have some, and no digest covers it',
       ['cloudtrail-hour:' || strftime(s.hour, '%Y-%m-%dT%H')]
FROM silent s
