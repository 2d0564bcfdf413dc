-- title: The columns every Athena query read
-- produces: query_columns
-- needs: athena_queries[-1..1], athena_starts[-1..1], lf_calls[-1..1], catalog_tables
-- step: lineage
-- The Athena queries whose SQL is known (the API's, else CloudTrail's),
-- with their default database and catalog, the principal whose grant
-- applies (Lake Formation's, else the caller's role) and when they ran.
-- The lineage step extracts the columns each one read (package lineage)
-- against the catalog versions in force and keeps those the grant let it
-- read. A query is submitted within a second of its start and asks for
-- credentials within a day of it.
SELECT coalesce(q.query_id, s.query_id) AS query_id,
       coalesce(q.query_text, s.query_text) AS query_text,
       coalesce(q.database_name, s.database_name, 'default') AS db,
       coalesce(q.catalog, 'awsdatacatalog') AS cat,
       coalesce(lp.lf_principal, s.role_arn, '') AS principal,
       coalesce(s.event_time, q.submitted_at) AS event_time
FROM athena_queries q
FULL OUTER JOIN athena_starts s ON s.query_id = q.query_id
LEFT JOIN (SELECT query_id, min(lf_principal) AS lf_principal FROM lf_calls
           WHERE lf_principal IS NOT NULL AND query_id IS NOT NULL GROUP BY query_id) lp
       ON lp.query_id = coalesce(q.query_id, s.query_id)
WHERE coalesce(q.query_text, s.query_text) IS NOT NULL
ORDER BY event_time, query_id
