-- title: CloudTrail digest coverage
-- note: Log files each CloudTrail digest lists, and how many of them were ingested.
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH ingested AS (SELECT DISTINCT regexp_extract(object, '[^/]+$') AS file_name FROM ingest_objects)
SELECT d.start AS digest_start, d."end" AS digest_end, count(*) AS listed,
       count(i.file_name) AS ingested, count(*) - count(i.file_name) AS missing
FROM digest_files d LEFT JOIN ingested i ON i.file_name = regexp_extract(d.log_file, '[^/]+$')
WHERE d.start < $2 AND d."end" > $1
GROUP BY d.digest_object, d.start, d."end"
ORDER BY digest_start, digest_end, listed, ingested
