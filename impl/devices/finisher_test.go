package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func TestFinisher(t *testing.T) {
	var f Finisher
	for _, tc := range []struct {
		off, v uint64
		halt   bool
		want   spec.Exit
	}{
		{0, 0x5555, true, spec.Exit{Reason: spec.HaltFinisher, Detail: "finisher: pass"}},
		{0, 0xdead_5555, true, spec.Exit{Reason: spec.HaltFinisher, Detail: "finisher: pass"}},
		{0, 7<<16 | 0x3333, true, spec.Exit{Reason: spec.HaltFinisher, Code: 7, Detail: "finisher: fail, code 7"}},
		{0, 0xbeef_ffff<<16 | 0x3333, true, spec.Exit{Reason: spec.HaltFinisher, Code: 0xffff, Detail: "finisher: fail, code 65535"}},
		{0, 0x7777, true, spec.Exit{Reason: spec.HaltReset, Detail: "finisher: reset requested"}},
		{0, 0x1234, false, spec.Exit{}},
		{4, 0x5555, false, spec.Exit{}}, // only offset 0 is the command register
		{0, 0x5555 << 16, false, spec.Exit{}},
	} {
		e, halt := f.Store(tc.off, tc.v)
		if halt != tc.halt || e != tc.want {
			t.Errorf("store %#x at +%d: %+v, %v; want %+v, %v", tc.v, tc.off, e, halt, tc.want, tc.halt)
		}
	}
}
