-- title: Findings per day
-- note: Findings per day (UTC) and severity.
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT day, severity, count(*) AS findings
FROM (SELECT strftime(timezone('UTC', event_time), '%Y-%m-%d') AS day, severity
      FROM findings WHERE event_time >= $1 AND event_time < $2)
GROUP BY day, severity
ORDER BY day, CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, severity
