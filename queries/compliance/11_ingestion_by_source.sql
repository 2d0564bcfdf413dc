-- title: Ingestion by source
-- note: Objects with events in the window; unreadable: objects with bytes that could not be read as records (skipped, each stretch quarantined), and those bytes; gap hours: hours between the source's first and last hour with no event.
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH h AS (
  SELECT * FROM ingest_hours WHERE hour >= date_trunc('hour', $1::TIMESTAMPTZ) AND hour < $2
),
o AS (
  SELECT * FROM ingest_objects WHERE object IN (SELECT object FROM h)
),
hours AS (
  SELECT format, count(DISTINCT hour) AS hours,
         CAST(date_diff('hour', min(hour), max(hour)) + 1 - count(DISTINCT hour) AS BIGINT) AS gap_hours
  FROM h GROUP BY format
)
SELECT o.format AS source, count(*) AS objects, sum(o.records_read)::BIGINT AS records_read,
       sum(o.events_written)::BIGINT AS events_written, sum(o.quarantined)::BIGINT AS quarantined,
       count(*) FILTER (WHERE o.bytes_skipped > 0) AS objects_unreadable, sum(o.bytes_skipped)::BIGINT AS bytes_unreadable,
       any_value(hours.hours) AS hours, any_value(hours.gap_hours) AS gap_hours
FROM o JOIN hours USING (format)
GROUP BY o.format
ORDER BY source
