#!/usr/bin/env bash
# realistic.sh: the ingest measurement of ARCHITECTURE.md §9 on the
# realistic trail, side by side with its baselines, in one run.
#
#   pipeline/internal/trailgen/realistic.sh [WORKDIR] [ROUNDS] [OTHER_INGEST_BINARY]
#
# Generates the realistic trail with the project's generator (100 trail
# objects of 2,000 events from 200 Studio profiles over 50 tables, one
# day), builds the ingest CLI and the DuckDB baseline, then runs ROUNDS
# interleaved rounds of: zcat of the objects; DuckDB's read_json →
# Parquet COPY of them (duckcopy, DuckDB's default maximum_object_size);
# ingest into a fresh lake; and, when given, another ingest binary (an
# earlier build, for a before/after). Each line of results.tsv is one
# command: label, wall seconds, user and system CPU seconds, peak RSS,
# and for ingest the data files per day it left.
# Run it from the repository root on a quiet machine.
set -euo pipefail
W=${1:-/tmp/realistic}
ROUNDS=${2:-3}
OTHER=${3:-}
mkdir -p "$W/bin"
go build -o "$W/bin/" ./cmd/ingest ./pipeline/internal/trailgen/cmd/trailgen ./pipeline/internal/trailgen/cmd/duckcopy
B=$W/bin
if [ ! -d "$W/trail" ]; then
	"$B/trailgen" -out "$W/trail" -files 100 -records 2000 -mb 1000 -profiles 200 -tables 50 -days 1 -seed 1
fi
objects=$(find "$W/trail" -name '*.json.gz' | sort)
: >"$W/results.tsv"

timed() { # timed LABEL CMD...
	local label=$1
	shift
	/usr/bin/time -f "$label	%e	%U	%S	%M" -o "$W/time.tmp" "$@" >"$W/out.tmp" 2>"$W/err.tmp" || {
		cat "$W/err.tmp" >&2
		return 1
	}
	printf '%s' "$(cat "$W/time.tmp")" >>"$W/results.tsv"
}
files_per_day() {
	find "$W/lake/auditlake/events/data" -name '*.parquet' | sed 's#/[^/]*$##' | sort | uniq -c | awk '{print $1}' | sort -n | tail -1
}
for r in $(seq "$ROUNDS"); do
	timed zcat sh -c 'zcat "$@" >/dev/null' zcat $objects
	echo >>"$W/results.tsv"
	timed duckdb "$B/duckcopy" -in "$W/trail/**/*.json.gz" -out "$W/duck.parquet"
	echo >>"$W/results.tsv"
	for bin in "$B/ingest" $OTHER; do
		rm -rf "$W/lake"
		timed "$(basename "$bin")" "$bin" "$W/trail" --lake "$W/lake" --json
		printf '\t%s files/day\n' "$(files_per_day)" >>"$W/results.tsv"
	done
done
printf 'label\twall s\tuser s\tsys s\tpeak RSS KB\n'
cat "$W/results.tsv"
