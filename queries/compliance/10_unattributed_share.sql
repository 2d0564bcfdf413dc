-- title: Data access not attributed to a Studio profile
-- note: Data accesses (any outcome; each query, credential request or S3 read once, however many columns it read) with no Studio profile, over all, per source; share in percent.
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT 'column_access' AS source, count(DISTINCT event_id) AS accesses,
       count(DISTINCT event_id) FILTER (WHERE studio_profile IS NULL) AS unattributed,
       round(100.0 * count(DISTINCT event_id) FILTER (WHERE studio_profile IS NULL) / nullif(count(DISTINCT event_id), 0), 1) AS share_percent
FROM column_access WHERE event_time >= $1 AND event_time < $2
UNION ALL
SELECT 's3_reads', count(DISTINCT event_id), count(DISTINCT event_id) FILTER (WHERE studio_profile IS NULL),
       round(100.0 * count(DISTINCT event_id) FILTER (WHERE studio_profile IS NULL) / nullif(count(DISTINCT event_id), 0), 1)
FROM s3_reads WHERE event_time >= $1 AND event_time < $2
ORDER BY source
