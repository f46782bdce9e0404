#!/bin/sh
# build.sh: rebuilds the benchmark ELFs committed next to their sources.
# Needs riscv64-unknown-elf-gcc. EXPECTED_CRC is coremark.c's result,
# established once on QEMU 7.2 and on the engine (both must pass).
set -e
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
FLAGS="-O2 -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -nostdlib -nostartfiles -ffreestanding -T link.ld"
$CC $FLAGS -o loop.elf crt0.S loop.c
$CC $FLAGS -DEXPECTED_CRC=${EXPECTED_CRC:-0x5249} -o coremark.elf crt0.S coremark.c
$CC $FLAGS -o paging.elf paging.S
