package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func newTestCLINT(harts int, div uint64) *CLINT {
	return NewCLINT(spec.Config{RAM: 1 << 20, Harts: harts, TimebaseDiv: div})
}

func TestCLINTRegisters(t *testing.T) {
	tests := []struct {
		name string
		seq  []access
	}{
		{"reset values (ACLINT spec; QEMU reset_enter)", []access{
			ld(spec.CLINTMsip, 4, 0),
			ld(spec.CLINTMtimecmp, 8, 0),
			ld(spec.CLINTMtime, 8, 0),
		}},
		{"msip keeps only bit 0", []access{
			st(0, 4, 0xffffffff), ld(0, 4, 1),
			st(0, 4, 2), ld(0, 4, 0),
		}},
		{"msip of a hart that does not exist reads 0, ignores writes", []access{
			st(8, 4, 1), ld(8, 4, 0), ld(0x3ffc, 4, 0),
		}},
		{"MSWI takes 4-byte accesses only", []access{
			ldFault(0, 1), ldFault(0, 2), ldFault(0, 8), stFault(0, 8), stFault(0, 1),
		}},
		{"misaligned: two aligned loads combined; stores become bytes, which fail", []access{
			st(0, 4, 1), st(4, 4, 1),
			ld(2, 4, 0x10000), // msip0 >> 16 | msip1 << 16
			ldFault(1, 2),     // two 2-byte loads: not allowed
			stFault(2, 4),
			ld(4, 4, 1),
		}},
		{"mtimecmp 8-byte and 4-byte halves", []access{
			st(spec.CLINTMtimecmp, 8, 0x1122334455667788),
			ld(spec.CLINTMtimecmp, 4, 0x55667788),
			ld(spec.CLINTMtimecmp+4, 4, 0x11223344),
			st(spec.CLINTMtimecmp+4, 4, 0xaabbccdd),
			ld(spec.CLINTMtimecmp, 8, 0xaabbccdd55667788),
			st(spec.CLINTMtimecmp, 4, 0x01020304),
			ld(spec.CLINTMtimecmp, 8, 0xaabbccdd01020304),
		}},
		{"mtimecmp of hart 1", []access{
			st(spec.CLINTMtimecmp+8, 8, 42), ld(spec.CLINTMtimecmp+8, 8, 42), ld(spec.CLINTMtimecmp, 8, 0),
		}},
		{"mtimecmp of a hart that does not exist", []access{
			st(spec.CLINTMtimecmp+16, 8, 42), ld(spec.CLINTMtimecmp+16, 8, 0),
		}},
		{"MTIMER takes 4 and 8 bytes", []access{
			ldFault(spec.CLINTMtimecmp, 1), ldFault(spec.CLINTMtimecmp, 2), stFault(spec.CLINTMtime, 2),
			st(spec.CLINTMtimecmp, 8, 0x1111111122222222), st(spec.CLINTMtimecmp+8, 8, 0x3333333344444444),
			ld(spec.CLINTMtimecmp+4, 8, 0x4444444411111111), // misaligned: two 8-byte loads
			ld(spec.CLINTMtimecmp+2, 4, 0x11112222),
			stFault(spec.CLINTMtimecmp+4, 8),
			ld(spec.CLINTMtimecmp, 8, 0x1111111122222222),
		}},
		{"mtime is writable; halves too", []access{
			st(spec.CLINTMtime, 8, 0x100000000), ld(spec.CLINTMtime+4, 4, 1), ld(spec.CLINTMtime, 4, 0),
			st(spec.CLINTMtime, 4, 7), ld(spec.CLINTMtime, 8, 0x100000007),
			st(spec.CLINTMtime+4, 4, 0), ld(spec.CLINTMtime, 8, 7),
		}},
		{"gaps in the MTIMER window read 0", []access{
			ld(0x5000, 8, 0), st(0x5000, 8, 1), ld(0x5000, 8, 0), ld(0xbff0, 8, 0),
		}},
		{"nothing answers from 0xc000", []access{
			ldFault(0xc000, 4), ldFault(0xc000, 8), stFault(0xfff8, 8),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, newTestCLINT(2, 1), tt.seq)
		})
	}
}

func TestCLINTTimeAdvancesEveryTimebaseDivInstructions(t *testing.T) {
	c := newTestCLINT(1, 3)
	for i, want := range []uint64{0, 0, 1, 1, 1, 2, 2, 2, 3} {
		c.Tick()
		if got, _ := c.Load(spec.CLINTMtime, 8); got != want {
			t.Fatalf("after %d ticks mtime = %d, want %d", i+1, got, want)
		}
	}
	// A write sets mtime and keeps the phase: 9 ticks were 3 whole periods.
	c.Tick() // phase 1
	c.Store(spec.CLINTMtime, 8, 100)
	c.Tick() // phase 2
	if got := c.Mtime(); got != 100 {
		t.Fatalf("mtime = %d, want 100 (the period is not over)", got)
	}
	c.Tick()
	if got := c.Mtime(); got != 101 {
		t.Fatalf("mtime = %d, want 101", got)
	}
}

func TestCLINTInterrupts(t *testing.T) {
	c := newTestCLINT(2, 1)
	if got := c.Pending(0); got != spec.MipMTIP {
		t.Fatalf("at reset Pending = %#x, want MTIP (mtime 0 >= mtimecmp 0, as QEMU)", got)
	}
	c.Store(spec.CLINTMtimecmp, 8, 3)
	c.Store(spec.CLINTMtimecmp+8, 8, ^uint64(0))
	for tick := 0; tick < 5; tick++ {
		want := uint64(0)
		if c.Mtime() >= 3 {
			want = spec.MipMTIP
		}
		if got := c.Pending(0); got != want {
			t.Fatalf("mtime %d: Pending(0) = %#x, want %#x", c.Mtime(), got, want)
		}
		if got := c.Pending(1); got != 0 {
			t.Fatalf("mtime %d: Pending(1) = %#x, want 0", c.Mtime(), got)
		}
		c.Tick()
	}
	// Writing mtime back below mtimecmp lowers MTIP (QEMU re-evaluates every hart).
	c.Store(spec.CLINTMtime, 8, 0)
	if got := c.Pending(0); got != 0 {
		t.Fatalf("after mtime=0 Pending(0) = %#x", got)
	}
	// A 4-byte write of mtimecmp's low half can raise MTIP at once.
	c.Store(spec.CLINTMtimecmp+8, 4, 0)
	c.Store(spec.CLINTMtimecmp+12, 4, 0)
	if got := c.Pending(1); got != spec.MipMTIP {
		t.Fatalf("Pending(1) = %#x, want MTIP", got)
	}
	c.Store(4, 4, 1)
	if got := c.Pending(1); got != spec.MipMTIP|spec.MipMSIP {
		t.Fatalf("Pending(1) = %#x, want MTIP|MSIP", got)
	}
	if got := c.Pending(0); got&spec.MipMSIP != 0 {
		t.Fatalf("msip of hart 1 raised MSIP on hart 0")
	}
	c.Store(4, 4, 0)
	if got := c.Pending(1); got != spec.MipMTIP {
		t.Fatalf("Pending(1) = %#x after msip=0", got)
	}
	if c.Pending(2) != 0 || c.Pending(-1) != 0 {
		t.Fatal("a hart that does not exist has interrupts")
	}
}
