#!/usr/bin/env bash
# The statement coverage of impl/ that a vcheck fuzz campaign reaches
# (docs/testing.md, "What a campaign reaches"): builds vcheck with Go's
# coverage instrumentation of impl/..., runs the campaign with --coverage,
# and prints the figure per package and the largest uncovered regions.
#
#   bash scripts/fuzz-coverage.sh [TIME] [vcheck fuzz flags...]
#   bash scripts/fuzz-coverage.sh 60s --seed 31
#
# The counters, profile.txt (go tool cover's format: `go tool cover
# -html=$dir/profile.txt`) and uncovered.txt stay in $VCHECK_COVERAGE_DIR
# (default: a new temporary directory, printed).
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-60s}
shift || true
dir=${VCHECK_COVERAGE_DIR:-$(mktemp -d -t vcheck-coverage.XXXXXX)}
mkdir -p "$dir"
bin=$(mktemp -d -t vcheck-cover-bin.XXXXXX)/vcheck
go build -cover -covermode=atomic -coverpkg=./impl/...,./cmd/vcheck -o "$bin" ./cmd/vcheck
# GOCOVERDIR: the instrumented binary writes its counters there at exit
# too (vcheck fuzz --coverage has written and read them before).
GOCOVERDIR="$dir" "$bin" fuzz --time "$time" --coverage "$dir" "$@" || code=$?
echo "coverage data in $dir"
exit "${code:-0}"
