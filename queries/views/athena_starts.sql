-- title: Athena queries and who started them
-- produces: athena_starts
-- needs: events
-- One row per Athena query id from CloudTrail StartQueryExecution: the
-- caller (profile, sourceIdentity, principal) and the SQL when CloudTrail
-- logged it. Query text and final state come from athena_queries.
SELECT query_id, event_id, event_time, studio_profile, source_identity, principal_arn, role_arn,
       outcome, database_name, workgroup, query_text
FROM events
WHERE event_source = 'athena.amazonaws.com' AND event_name = 'StartQueryExecution' AND query_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY query_id ORDER BY event_time, event_id) = 1
