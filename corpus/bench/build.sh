#!/bin/sh
# build.sh: rebuilds the benchmark ELFs committed next to their sources.
# Needs riscv64-unknown-elf-gcc. EXPECTED_CRC is coremark.c's result, and
# MEMWALK_SUM and BRANCHY_SUM the checksums of memwalk.c and branchy.c,
# each established once on QEMU 7.2 and on the engine (both must pass).
# Objects are compiled one by one under fixed names, so that the ELFs are
# byte for byte reproducible (a one-step compile names crt0's STT_FILE
# symbol after gcc's temporary file); TestCommittedBinariesAreFresh
# (internal/testtool) reruns this script and compares the bytes.
set -e
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
FLAGS="-O2 -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -nostdlib -nostartfiles -ffreestanding"
$CC $FLAGS -c -o crt0.o crt0.S
$CC $FLAGS -c -o loop.o loop.c
$CC $FLAGS -DEXPECTED_CRC=${EXPECTED_CRC:-0x5249} -c -o coremark.o coremark.c
$CC $FLAGS -c -o paging.o paging.S
$CC $FLAGS -c -o crt0vm.o crt0vm.S
$CC $FLAGS -DEXPECTED=${MEMWALK_SUM:-0x30dbd654} -c -o memwalk.o memwalk.c
$CC $FLAGS -DEXPECTED=${BRANCHY_SUM:-0x0b4680a2} -c -o branchy.o branchy.c
$CC $FLAGS -T link.ld -o loop.elf crt0.o loop.o
$CC $FLAGS -T link.ld -o coremark.elf crt0.o coremark.o
$CC $FLAGS -T link.ld -o paging.elf paging.o
$CC $FLAGS -T link.ld -o memwalk.elf crt0vm.o memwalk.o
$CC $FLAGS -T link.ld -o branchy.elf crt0.o branchy.o
rm -f crt0.o loop.o coremark.o paging.o crt0vm.o memwalk.o branchy.o
