-- title: Findings by rule and severity
-- A section of the compliance report; $1 and $2 are the window's bounds.
SELECT rule, severity, count(*) AS findings
FROM findings WHERE event_time >= $1 AND event_time < $2
GROUP BY rule, severity
ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, rule
