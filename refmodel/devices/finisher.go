package devices

import (
	"fmt"

	"github.com/vcheck-dev/vcheck/spec"
)

// Finisher is QEMU's sifive_test device (hw/misc/sifive_test.c), which
// virt maps at spec.TestBase with a 0x1000-byte window. A write to offset
// 0 whose low 16 bits are
//
//	FinisherPass  0x5555  exit(0)
//	FinisherFail  0x3333  exit(code), code = bits 31:16
//	FinisherReset 0x7777  reset request
//
// stops the machine; any other value, or any other offset, is ignored (QEMU
// only logs it). Reads return 0.
//
// Accesses: sizes 2 and 4 (sifive_test_ops.valid is min 2, max 4); sizes
// 1 and 8 fail. A misaligned load is two aligned loads combined (so 0);
// a misaligned store is byte stores, which fail (see the package comment).
type Finisher struct {
	exit   spec.Exit
	halted bool
}

// NewFinisher returns the finisher in its reset state (not halted).
func NewFinisher() *Finisher { return &Finisher{} }

// Name implements Device.
func (f *Finisher) Name() string { return "sifive_test" }

// Base implements Device.
func (f *Finisher) Base() uint64 { return spec.TestBase }

// Size implements Device.
func (f *Finisher) Size() uint64 { return spec.TestSize }

func finisherAccess(offset uint64, size int) bool {
	return (size == 2 || size == 4) && offset%uint64(size) == 0 && offset < spec.TestSize
}

// Load implements Device: every register reads 0.
func (f *Finisher) Load(offset uint64, size int) (uint64, bool) {
	return splitLoad(f.loadAligned, offset, size)
}

// loadAligned is Load for a naturally aligned access.
func (f *Finisher) loadAligned(offset uint64, size int) (uint64, bool) {
	return 0, finisherAccess(offset, size)
}

// Store implements Device. Only the first command counts: QEMU exits at
// once, so nothing after it is ever seen.
func (f *Finisher) Store(offset uint64, size int, value uint64) bool {
	return splitStore(f.storeAligned, offset, size, value)
}

// storeAligned is Store for a naturally aligned access.
func (f *Finisher) storeAligned(offset uint64, size int, value uint64) bool {
	if !finisherAccess(offset, size) {
		return false
	}
	if offset != 0 || f.halted {
		return true
	}
	status := value & 0xffff
	code := int(value>>16) & 0xffff // a 2-byte store gives code 0, as in QEMU
	switch status {
	case spec.FinisherPass:
		f.exit = spec.Exit{Reason: spec.HaltFinisher, Code: 0, Detail: "finisher: pass"}
	case spec.FinisherFail:
		// QEMU calls exit(code): a FAIL with code 0 exits with status 0.
		f.exit = spec.Exit{Reason: spec.HaltFinisher, Code: code,
			Detail: fmt.Sprintf("finisher: fail, code %d", code)}
	case spec.FinisherReset:
		f.exit = spec.Exit{Reason: spec.HaltReset, Code: 0, Detail: "finisher: reset requested"}
	default:
		return true
	}
	f.halted = true
	return true
}

// Halted reports whether a command stopped the machine, and how.
func (f *Finisher) Halted() (spec.Exit, bool) { return f.exit, f.halted }
