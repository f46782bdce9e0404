#!/usr/bin/env bash
# Runs the whole vcheck test suite on a Debian machine, installing first
# what the tests need (Debian packages for the external oracles, and the
# npm TLA+ checker). Safe to run again: it installs only what is missing.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh ./spec/... # only these packages
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, each with a file that proves it is installed.
declare -A pkgs=(
	[binutils-riscv64-unknown-elf]=/usr/bin/riscv64-unknown-elf-objdump
	[gcc-riscv64-unknown-elf]=/usr/bin/riscv64-unknown-elf-gcc
	[qemu-system-misc]=/usr/bin/qemu-system-riscv64
	[opensbi]=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
	[u-boot-qemu]=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf
	[gdb-multiarch]=/usr/bin/gdb-multiarch
	[device-tree-compiler]=/usr/bin/dtc
)
missing=()
for p in "${!pkgs[@]}"; do
	[ -e "${pkgs[$p]}" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "test.sh: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The TLA+ checker (npm tla-checker), for the tla/ models.
bash .ci/tla-deps.sh

# Everything is installed now, so a test that cannot find its tool must
# fail, not skip: the tests treat CI=true as "tools are required".
export CI=true

go vet ./...
if [ $# -eq 0 ]; then
	# The README's first command: impl against refmodel on the corpus.
	go run ./cmd/vcheck check
	# P&G analysis on the profile (Theorem 1 holds) and on the POPF-like
	# variant (it must fail, with witnesses); exit 0 means observation
	# agrees with the declared classes.
	go run ./cmd/vcheck pg
	go run ./cmd/vcheck pg --variant popf
	# Proof that the differential fuzzer finds bugs: build-tagged engine
	# and VMM mutants must each be found and shrunk (production builds have
	# none).
	go test -count=1 -tags vcheck_mutant -run 'TestMutants|TestVMMMutants|TestNoMutantsInProduction' ./fuzz
fi
go test -count=1 -timeout 20m "${@:-./...}"
