// Package boot describes the machine's memory at reset, as QEMU virt
// builds it (hw/riscv/boot.c, QEMU 7.2): the boot ROM with its reset
// vector and fw_dynamic_info, the device tree near the top of RAM, and
// the program's segments. It is data, not execution, so both models use
// it (ARCHITECTURE.md §3).
package boot
