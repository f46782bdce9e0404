#!/usr/bin/env bash
# Runs the whole vcheck test suite on a Debian machine, installing first
# what the tests need: every package on internal/testtool/packages.txt
# (the one list of the tools and files tests ask for; Debian packages and
# the npm TLA+ checker). Safe to run again: it installs only what is
# missing. Then, with CI=true (a missing tool fails a test, never skips
# it): go vet, the rv64pg Linux kernel build (cached: docs/linux.md), the
# README's first command, go test, and staticcheck.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh ./spec/... # only these packages (vet and tests)
#
# Opt-in tests that CI cannot run (riscv-tests, TLC, long firmware
# runs) are compiled only under their build tags: docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

list=internal/testtool/packages.txt

# present ITEM: a program on the PATH, or a file (absolute, or relative
# to the repository root).
present() {
	case "$1" in
	*/*) [ -e "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# Debian packages with a missing item.
missing=()
while read -r manager pkg item; do
	[ "$manager" = deb ] || continue
	present "$item" && continue
	case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
if [ ${#missing[@]} -gt 0 ]; then
	echo "test.sh: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: the TLA+ checker, pinned by tla/runner/package-lock.json.
bash .ci/tla-deps.sh

# Every item must be there now, or the list names the wrong package.
while read -r manager pkg item; do
	present "$item" || { echo "test.sh: $item is still missing after installing $manager package $pkg ($list)" >&2; exit 1; }
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
echo "test.sh: everything on $list is installed (${SECONDS} s)" >&2

# Everything is installed now, so a test that cannot find its tool must
# fail, not skip: the tests treat CI=true as "tools are required".
export CI=true

go vet "${@:-./...}"
if [ $# -eq 0 ]; then
	# The rv64pg Linux kernel the corpus boots (docs/linux.md): built once
	# per machine into the cache (~10 min on 2 cores), a cache hit after
	# that; here, so that go test's timeout does not include the build.
	bash corpus/linux/build.sh >/dev/null
	# The README's first command: impl against refmodel on the corpus.
	go run ./cmd/vcheck check
	# P&G analysis on the profile (Theorem 1 holds) and on the POPF-like
	# variant (it must fail, with witnesses); exit 0 means observation
	# agrees with the declared classes.
	go run ./cmd/vcheck pg
	go run ./cmd/vcheck pg --variant popf
	# Proof that the differential fuzzer finds bugs: build-tagged engine
	# and VMM mutants, and the engine's fast-path mutants in run mode, must
	# each be found and shrunk (production builds have none).
	go test -count=1 -timeout 20m -tags vcheck_mutant -run 'TestMutants|TestVMMMutants|TestFastMutants|TestNoMutantsInProduction' ./fuzz
	# Go's own fuzzer on the ref-vs-engine property, as users run it
	# (docs/testing.md, "go test -fuzz"); a count, not a duration: Go
	# 1.26's fuzzer can fail a clean duration run (golang/go#75804).
	go test -count=1 -run XXX -fuzz '^FuzzEngineVsRef$' -fuzztime 2000x ./fuzz
fi
go test -count=1 -timeout 20m "${@:-./...}"
# staticcheck, at the version go.mod's tool directive pins.
go tool staticcheck "${@:-./...}"
echo "test.sh: passed in ${SECONDS} s" >&2
