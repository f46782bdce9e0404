package devices

import (
	"fmt"

	"github.com/vcheck-dev/vcheck/spec"
)

// Finisher is the sifive_test device (hw/misc/sifive_test.c): a write of
// a command to its offset 0 asks to power off or reset. It keeps no
// state; reads of it return 0.
type Finisher struct{}

// Store handles a write of v at offset off of the device. It returns the
// exit the command asks for and true when the write is one (low 16 bits
// spec.FinisherPass, spec.FinisherFail with the code in bits 31:16, or
// spec.FinisherReset at offset 0); the user halts. Other writes do
// nothing.
func (Finisher) Store(off, v uint64) (spec.Exit, bool) {
	if off != 0 {
		return spec.Exit{}, false
	}
	code := int(v >> 16 & 0xffff)
	switch v & 0xffff {
	case spec.FinisherPass:
		return spec.Exit{Reason: spec.HaltFinisher, Detail: "finisher: pass"}, true
	case spec.FinisherFail:
		return spec.Exit{Reason: spec.HaltFinisher, Code: code, Detail: fmt.Sprintf("finisher: fail, code %d", code)}, true
	case spec.FinisherReset:
		return spec.Exit{Reason: spec.HaltReset, Detail: "finisher: reset requested"}, true
	}
	return spec.Exit{}, false
}
