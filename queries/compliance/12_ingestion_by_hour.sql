-- title: Ingestion by source and hour
-- note: A gap is an hour with no event between the source's first and last hour; a gap longer than 24 hours shows its first 24.
-- A section of the compliance report; $1 and $2 are the window's bounds.
WITH h AS (
  SELECT * FROM ingest_hours WHERE hour >= date_trunc('hour', $1::TIMESTAMPTZ) AND hour < $2
),
d AS (
  SELECT format, hour, count(DISTINCT object) AS objects, sum(events) AS events FROM h GROUP BY format, hour
),
runs AS (
  SELECT format, hour, lead(hour) OVER (PARTITION BY format ORDER BY hour) AS next FROM d
),
gaps AS (
  SELECT format, unnest(generate_series(hour + INTERVAL 1 HOUR, least(next - INTERVAL 1 HOUR, hour + INTERVAL 24 HOUR), INTERVAL 1 HOUR)) AS hour
  FROM runs WHERE next > hour + INTERVAL 1 HOUR
)
SELECT format AS source, hour, objects, events::BIGINT AS events, false AS gap FROM d
UNION ALL
SELECT format, hour, 0, 0::BIGINT, true FROM gaps
ORDER BY source, hour
