#!/usr/bin/env bash
# Builds the four Lambda functions' bootstrap binaries where the template's
# CodeUri expects them: infra/build/<function>/bootstrap.
#
# ingest, commit and athena are pure Go (CGO_ENABLED=0) for arm64 (Graviton).
# report links DuckDB through cgo, for x86_64; its C library must not be newer
# than Amazon Linux 2023's (glibc 2.34): build it on AL2023, e.g.
#   docker run --rm -v "$PWD":/src -w /src public.ecr.aws/amazonlinux/amazonlinux:2023 \
#     sh -c "dnf install -y golang gcc-c++ findutils && GOTOOLCHAIN=auto infra/build.sh report"
# Usage: infra/build.sh [FUNCTION …]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
out=infra/build
fns=("$@")
[ ${#fns[@]} -gt 0 ] || fns=(ingest commit athena report)
for fn in "${fns[@]}"; do
	case "$fn" in
	ingest | commit | athena) env CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath -ldflags="-s -w" -o "$out/$fn/bootstrap" "./lambda/$fn" ;;
	report)
		env CGO_ENABLED=1 GOOS=linux GOARCH=amd64 go build -tags lambda.norpc -trimpath -ldflags="-s -w" -o "$out/$fn/bootstrap" "./lambda/$fn"
		# DuckDB needs libstdc++ and libgcc_s, which the provided.al2023
		# runtime may lack: ship the build machine's next to the binary
		# (Lambda puts /var/task/lib on LD_LIBRARY_PATH). They must come from
		# Amazon Linux 2023: a newer distribution's need a newer glibc.
		if grep -q '^ID="amzn"' /etc/os-release 2>/dev/null && grep -q '^VERSION_ID="2023"' /etc/os-release; then
			mkdir -p "$out/$fn/lib"
			for lib in libstdc++.so.6 libgcc_s.so.1; do cp -L "$(gcc -print-file-name=$lib)" "$out/$fn/lib/"; done
		else
			echo "build.sh: report was built on $(. /etc/os-release; echo "$PRETTY_NAME"), not Amazon Linux 2023: fine for tests, not for deployment (see the top of this file)" >&2
		fi
		;;
	*) echo "build.sh: unknown function $fn (ingest, commit, athena, report)" >&2; exit 2 ;;
	esac
	ls -l "$out/$fn/bootstrap"
done
