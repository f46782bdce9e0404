#!/bin/sh
# Rebuilds disasm_sample.elf, the sample `vcheck disasm` embeds, from its
# source with the GNU toolchain. TestCommittedBinariesAreFresh
# (internal/testtool) reruns this script and compares the bytes.
set -e
cd "$(dirname "$0")"
riscv64-unknown-elf-gcc -march=rv64imac_zicsr_zifencei -mabi=lp64 \
	-nostdlib -static -Wl,-Ttext=0x80000000 -Wa,-mpriv-spec=1.12 \
	-o disasm_sample.elf disasm_sample.S
