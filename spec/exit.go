package spec

import "fmt"

// FinisherExit decodes a store of v (size bytes) to the sifive_test
// finisher's register (offset 0, QEMU hw/misc/sifive_test.c): 0x5555
// passes, 0x3333 fails with the code in bits 31:16 (0 for a 2-byte
// store), 0x7777 asks for a reset; other values are not commands. It
// serves the tools that watch an implementation from outside and must
// see where a run ends (diff/gdb, diff/rvfi, diff/trace); each model
// implements the device itself.
func FinisherExit(v uint64, size int) (Exit, bool) {
	code := int(v>>16) & 0xffff
	if size == 2 {
		code = 0
	}
	switch v & 0xffff {
	case FinisherPass:
		return Exit{Reason: HaltFinisher, Detail: "sifive_test: pass"}, true
	case FinisherFail:
		return Exit{Reason: HaltFinisher, Code: code, Detail: fmt.Sprintf("sifive_test: fail, code %d", code)}, true
	case FinisherReset:
		return Exit{Reason: HaltReset, Detail: "sifive_test: reset"}, true
	}
	return Exit{}, false
}

// HTIFExit decodes a value written to HTIF's tohost: an odd value for
// device 0 (bits 63:56) ends the run with code v>>1 (riscv-tests and
// Spike's fesvr).
func HTIFExit(v uint64) (Exit, bool) {
	if v&1 == 0 || v>>56 != 0 {
		return Exit{}, false
	}
	return Exit{Reason: HaltHTIF, Code: int(v >> 1), Detail: fmt.Sprintf("HTIF tohost=%#x", v)}, true
}
