#!/bin/sh
# Rebuilds the loader's test ELFs from source with GNU binutils.
# TestCommittedBinariesAreFresh (internal/testtool) reruns this script
# and compares the bytes.
set -e
cd "$(dirname "$0")"
riscv64-unknown-elf-as -march=rv64imac -mabi=lp64 -o tiny.o tiny.S
riscv64-unknown-elf-ld -T tiny.ld -o tiny.elf tiny.o
riscv64-unknown-elf-ld -T tiny-vma.ld -o tiny-vma.elf tiny.o 2>/dev/null || true
riscv64-unknown-elf-objcopy --strip-all tiny.elf tiny-stripped.elf
rm -f tiny.o
