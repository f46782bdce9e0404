package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func TestFinisherAccesses(t *testing.T) {
	f := NewFinisher()
	run(t, f, []access{
		ld(0, 4, 0), ld(0, 2, 0), ld(0xffc, 4, 0),
		ldFault(0, 1), ldFault(0, 8),
		ld(2, 4, 0), ld(1, 2, 0), // misaligned loads: two aligned ones, as QEMU
		stFault(0, 1), stFault(0, 8),
		stFault(2, 4), stFault(1, 2), // misaligned stores: bytes, which fail
		st(0, 4, 0x1234),            // not a command: ignored
		st(4, 4, spec.FinisherPass), // not offset 0: ignored
	})
	if _, halted := f.Halted(); halted {
		t.Fatal("halted without a command")
	}
}

func TestFinisherCommands(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		value uint64
		want  spec.Exit
		halt  bool
	}{
		{"pass", 4, 0x5555, spec.Exit{Reason: spec.HaltFinisher, Code: 0}, true},
		{"pass ignores high bits", 4, 0xabcd5555, spec.Exit{Reason: spec.HaltFinisher, Code: 0}, true},
		{"fail with code", 4, 7<<16 | 0x3333, spec.Exit{Reason: spec.HaltFinisher, Code: 7}, true},
		{"fail with a 16-bit code", 4, 0xbeef<<16 | 0x3333, spec.Exit{Reason: spec.HaltFinisher, Code: 0xbeef}, true},
		{"fail with code 0 exits 0, as QEMU", 4, 0x3333, spec.Exit{Reason: spec.HaltFinisher, Code: 0}, true},
		{"2-byte fail has code 0", 2, 0x3333, spec.Exit{Reason: spec.HaltFinisher, Code: 0}, true},
		{"reset", 4, 0x7777, spec.Exit{Reason: spec.HaltReset}, true},
		{"other values ignored", 4, 0x4444, spec.Exit{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFinisher()
			if !f.Store(0, tt.size, tt.value) {
				t.Fatal("store failed")
			}
			got, halted := f.Halted()
			if halted != tt.halt || got.Reason != tt.want.Reason || got.Code != tt.want.Code {
				t.Errorf("Halted() = %+v, %v; want %+v, %v", got, halted, tt.want, tt.halt)
			}
		})
	}
}

// TestFinisherFirstCommandWins: QEMU exits at the first command, so a
// later one cannot change the outcome.
func TestFinisherFirstCommandWins(t *testing.T) {
	f := NewFinisher()
	f.Store(0, 4, 3<<16|spec.FinisherFail)
	f.Store(0, 4, spec.FinisherPass)
	if e, _ := f.Halted(); e.Code != 3 {
		t.Errorf("exit = %+v, want the first command's code 3", e)
	}
}
