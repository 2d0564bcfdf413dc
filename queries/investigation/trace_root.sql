-- title: The Athena query behind an id
-- Parameter: $1 an id. The id itself when it is a query id, else the query
-- of a credential request, or of an S3 read (by event id, the id of its
-- access-log copy, or S3 request id) made with the credentials vended for
-- it; NULL when there is none.
SELECT coalesce(
  (SELECT query_id FROM athena_starts WHERE query_id = $1),
  (SELECT query_id FROM athena_queries WHERE query_id = $1),
  (SELECT max(query_id) FROM lf_calls WHERE event_id = $1),
  (SELECT max(query_id) FROM s3_reads WHERE event_id = $1),
  (SELECT max(query_id) FROM s3_reads WHERE copy_event_id = $1),
  (SELECT max(query_id) FROM s3_reads WHERE request_id = $1))
