-- title: CloudTrail log files listed but not ingested
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH ingested AS (SELECT DISTINCT regexp_extract(object, '[^/]+$') AS file_name FROM ingest_objects)
SELECT d.start AS digest_start, d.log_file
FROM digest_files d
WHERE regexp_extract(d.log_file, '[^/]+$') NOT IN (SELECT file_name FROM ingested)
  AND d.start < $2 AND d."end" > $1
ORDER BY ALL
