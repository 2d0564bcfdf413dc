#!/usr/bin/env bash
# month.sh: the report-at-scale measurement of ARCHITECTURE.md §9, in one run.
#
#   pipeline/internal/trailgen/month.sh [WORKDIR] [FILES]
#
# Generates a month of a 200-profile Studio domain with the project's
# generator (FILES trail objects of 2,000 events: 5,000 make 10 M events;
# 50 tables with a Glue catalog; Athena queries with joins, CTEs, SELECT *,
# aggregates and window functions; their Lake Formation calls and the
# LF-session S3 reads; EMR runtime-role sessions), ingests it, then times,
# with peak RSS: the full `report build`, one new hour of events (14,000
# events, a 10 M month's hourly rate) and its incremental build, `who` for
# one column, `profile`, `trace`, `sql "SELECT 1"`, `violations`, and
# DuckDB over the raw .json.gz for the closest `who` question.
# Run it from the repository root on a quiet machine.
set -euo pipefail
W=${1:-/tmp/month}
FILES=${2:-5000}
mkdir -p "$W/bin"
go build -o "$W/bin/" ./cmd/ingest ./cmd/report ./pipeline/internal/trailgen/cmd/trailgen ./pipeline/internal/trailgen/cmd/duckcopy
B=$W/bin

timed() { # timed LABEL CMD...: wall seconds and peak RSS of one command
	local label=$1
	shift
	/usr/bin/time -f "$label	%e s	%M KB" -o "$W/time.tmp" "$@" >"$W/out.tmp" 2>"$W/err.tmp" || {
		cat "$W/err.tmp" >&2
		return 1
	}
	cat "$W/time.tmp" | tee -a "$W/results.tsv"
}

if [ ! -d "$W/trail" ]; then
	"$B/trailgen" -out "$W/trail" -files "$FILES" -records 2000 -mb 1000 -profiles 200 -tables 50 -days 30 -spread -seed 1 -catalog "$W/catalog.json"
fi
if [ ! -d "$W/hour" ]; then
	"$B/trailgen" -out "$W/hour" -files 7 -records 2000 -mb 1000 -profiles 200 -tables 50 -days 1 -start 2026-07-30T23:00:00Z -span 1h -seed 900001 -spread
fi
# A policy of the shape a compliance team keeps: allow-lists for 150 of the
# profiles, sensitive columns, data buckets behind an endpoint, SageMaker rules.
{
	echo "profiles:"
	for i in $(seq 6 155); do
		printf '  user-%03d:\n    tables:\n      sales.orders: "*"\n      clickstream.page_views: "*"\n      ml.features_daily: "*"\n      sales.customers: [customer_id, country, segment]\n' "$i"
	done
	echo "sensitive:"
	echo "  sales.customers: [email, first_name, last_name]"
	echo "  hr.employees: [salary, ssn_last4]"
	echo "data_buckets:"
	echo "  - bucket: acme-datalake-restricted"
	echo "    vpc_endpoints: [vpce-0a1b2c3d4e5f60001]"
	echo "sagemaker:"
	echo "  require_vpc: true"
	echo "  require_kms: true"
	echo "  approved_instance_types: [ml.m5.xlarge, ml.m5.4xlarge]"
	echo "require_source_identity: true"
} >"$W/policy.yaml"
: >"$W/results.tsv"
rm -rf "$W/lake"
timed "ingest $FILES objects" "$B/ingest" --lake "$W/lake" "$W/trail"
R=("$B/report" --lake "$W/lake" --catalog "$W/catalog.json")
timed "report build (full)" "${R[@]}" build
timed "report build (nothing new)" "${R[@]}" build
timed "ingest one hour (7 objects)" "$B/ingest" --lake "$W/lake" "$W/hour"
timed "report build (one new hour)" "${R[@]}" build
timed "report sql SELECT 1" "${R[@]}" sql "SELECT 1"
timed "report who --table sales.customers --column email" "${R[@]}" who --table sales.customers --column email
echo "who rows: $(($(wc -l <"$W/out.tmp") - 2))" | tee -a "$W/results.tsv"
timed "report profile user-042" "${R[@]}" profile user-042
echo "profile rows: $(($(wc -l <"$W/out.tmp") - 2))" | tee -a "$W/results.tsv"
Q=$("${R[@]}" --format csv sql "SELECT query_id FROM column_access WHERE database_name = 'sales' AND table_name = 'customers' AND query_id IS NOT NULL ORDER BY event_time, query_id LIMIT 1" 2>/dev/null | tail -1)
timed "report trace $Q" "${R[@]}" trace "$Q"
timed "report violations (csv)" "${R[@]}" --policy "$W/policy.yaml" --format csv violations
echo "findings: $(($(wc -l <"$W/out.tmp") - 1))" | tee -a "$W/results.tsv"
timed "duckdb on the raw .json.gz: who got credentials for sales.customers" "$B/duckcopy" -in "$W/trail/**/*.json.gz" -query \
	"SELECT eventTime, userIdentity.sessionContext.sourceIdentity AS who, requestParameters FROM {records}
	 WHERE eventSource = 'lakeformation.amazonaws.com' AND eventName = 'GetDataAccess'
	   AND CAST(requestParameters AS VARCHAR) LIKE '%sales%customers%'"
cat "$W/err.tmp" | tee -a "$W/results.tsv"
du -sh "$W/trail" "$W/lake" | tee -a "$W/results.tsv"
