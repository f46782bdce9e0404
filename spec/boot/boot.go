// Package boot describes the machine's memory at reset, as QEMU virt
// builds it (hw/riscv/boot.c, QEMU 7.2): the boot ROM with its reset
// vector and fw_dynamic_info, the device tree near the top of RAM, and
// the program's segments. It is data, not execution, so both models use
// it (ARCHITECTURE.md §3).
package boot

import (
	"errors"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// Image is the machine's memory content at reset and where to start.
type Image struct {
	Segments []load.Segment // boot ROM, device tree, firmware, kernel; non-overlapping
	ResetPC  uint64         // first pc of every hart (the boot ROM: 0x1000)
	FDTAddr  uint64         // where the device tree lies (passed in a1)
	Entry    uint64         // where the boot ROM jumps (the firmware's entry)
	// ToHost and FromHost are the HTIF mailbox addresses from the
	// firmware's ELF symbols, or 0 when it has none.
	ToHost, FromHost uint64
}

// Build lays out the reset image for cfg: firmware is what QEMU's -bios
// loads (a bare-metal test program, or OpenSBI); kernel, which may be nil,
// is what -kernel loads (e.g. U-Boot at 0x80200000).
func Build(cfg spec.Config, firmware, kernel *load.Program) (*Image, error) {
	return nil, errors.New("boot.Build: not written yet")
}
