package devices

import (
	"math/rand"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// counter is a Clock whose count the test sets.
type counter uint64

func (c *counter) Retired() uint64 { return uint64(*c) }

func TestCLINTTime(t *testing.T) {
	var n counter
	c := NewCLINT(1, 10, &n)
	for _, tc := range []struct{ retired, mtime uint64 }{{0, 0}, {9, 0}, {10, 1}, {25, 2}, {1000, 100}} {
		n = counter(tc.retired)
		if got := c.Mtime(); got != tc.mtime {
			t.Errorf("retired %d: mtime %d, want %d", tc.retired, got, tc.mtime)
		}
		if got := c.Load(spec.CLINTMtime, 8); got != tc.mtime {
			t.Errorf("retired %d: mtime register %d, want %d", tc.retired, got, tc.mtime)
		}
	}
	// A write of mtime moves it; the count keeps advancing it from there,
	// and the position inside the current tick period is kept.
	n = 25
	c.Store(spec.CLINTMtime, 8, 1000)
	if got := c.Mtime(); got != 1000 {
		t.Fatalf("after writing 1000: mtime %d", got)
	}
	n = 30
	if got := c.Mtime(); got != 1001 {
		t.Errorf("5 instructions later (a tick): mtime %d, want 1001", got)
	}
	// A 4-byte write of the high half keeps the low half.
	c.Store(spec.CLINTMtime+4, 4, 7)
	if got := c.Mtime(); got != 7<<32|1001 {
		t.Errorf("after writing the high half: mtime %#x, want %#x", got, uint64(7<<32|1001))
	}
	if got := c.Load(spec.CLINTMtime+4, 4); got != 7 {
		t.Errorf("high half reads %#x, want 7", got)
	}
	if got := c.Load(spec.CLINTMtime, 4); got != 1001 {
		t.Errorf("low half reads %#x, want 1001", got)
	}
}

func TestCLINTRegisters(t *testing.T) {
	var n counter
	c := NewCLINT(2, 1, &n)
	// msip: bit 0 only, one word per hart.
	c.Store(4, 4, 0xffff_ffff)
	if got := c.Load(4, 4); got != 1 {
		t.Errorf("msip[1] reads %#x, want 1", got)
	}
	if c.MSIP(0) || !c.MSIP(1) {
		t.Errorf("MSIP lines %v %v, want false true", c.MSIP(0), c.MSIP(1))
	}
	c.Store(4, 4, 2)
	if c.MSIP(1) {
		t.Error("writing 2 to msip[1] left MSIP set")
	}
	// A hart the machine lacks: reads 0, writes ignored.
	c.Store(8, 4, 1)
	if got := c.Load(8, 4); got != 0 {
		t.Errorf("msip[2] of a 2-hart CLINT reads %#x", got)
	}
	// mtimecmp: 64 bits, halves at +0 and +4.
	cmp1 := uint64(spec.CLINTMtimecmp + 8)
	c.Store(cmp1, 8, 0x1122334455667788)
	c.Store(cmp1+4, 4, 0xaabbccdd)
	if got := c.Load(cmp1, 8); got != 0xaabbccdd55667788 {
		t.Errorf("mtimecmp[1] %#x, want 0xaabbccdd55667788", got)
	}
	if got := c.Load(cmp1, 4); got != 0x55667788 {
		t.Errorf("mtimecmp[1] low half %#x", got)
	}
	if got := c.Load(spec.CLINTMtimecmp, 8); got != 0 {
		t.Errorf("mtimecmp[0] %#x, want its reset value 0", got)
	}
	c.Store(spec.CLINTMtimecmp+16, 8, 5)
	if got := c.Load(spec.CLINTMtimecmp+16, 8); got != 0 {
		t.Errorf("mtimecmp[2] of a 2-hart CLINT reads %#x", got)
	}
}

func TestCLINTTimerLine(t *testing.T) {
	var n counter
	c := NewCLINT(1, 1, &n)
	if !c.MTIP(0) {
		t.Error("MTIP is not pending at reset (mtimecmp 0, as QEMU 7.2)")
	}
	c.Store(spec.CLINTMtimecmp, 8, 5)
	for n = 0; n < 5; n++ {
		if c.MTIP(0) {
			t.Fatalf("MTIP at mtime %d < mtimecmp 5", n)
		}
	}
	if !c.MTIP(0) {
		t.Error("no MTIP at mtime 5 = mtimecmp")
	}
	// Moving mtime back below mtimecmp lowers the line at once.
	c.Store(spec.CLINTMtime, 8, 0)
	if c.MTIP(0) {
		t.Error("MTIP after mtime was written below mtimecmp")
	}
}

// TestCLINTUntilTimer checks UntilTimer against counting one instruction
// at a time: after UntilTimer() instructions a timer that had not expired
// has, and after one fewer none has.
func TestCLINTUntilTimer(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		var n counter
		div := uint64(1 + r.Intn(12))
		c := NewCLINT(1+r.Intn(3), div, &n)
		n = counter(r.Intn(500))
		if r.Intn(4) == 0 {
			c.mtimeAdj = uint64(r.Intn(50))
		}
		for h := range c.mtimecmp {
			c.mtimecmp[h] = uint64(r.Intn(120))
		}
		expired := func() []bool {
			e := make([]bool, len(c.mtimecmp))
			for h := range e {
				e[h] = c.MTIP(h)
			}
			return e
		}
		was := expired()
		want := ^uint64(0)
		for k := uint64(1); k <= 2000; k++ {
			n++
			now := expired()
			changed := false
			for h := range now {
				changed = changed || now[h] && !was[h]
			}
			if changed {
				want = k
				break
			}
		}
		n -= counter(min(want, 2000))
		got := c.UntilTimer()
		if want == ^uint64(0) {
			if got != ^uint64(0) && got <= 2000 {
				t.Fatalf("case %d (div %d, retired %d, adj %d, cmps %v): UntilTimer %d, but no timer expires within 2000", i, div, n, c.mtimeAdj, c.mtimecmp, got)
			}
			continue
		}
		if got != want {
			t.Fatalf("case %d (div %d, retired %d, adj %d, cmps %v): UntilTimer %d, want %d", i, div, n, c.mtimeAdj, c.mtimecmp, got, want)
		}
	}
}

// TestCLINTUntilTimerOverflow: a mtimecmp so far away that the count of
// instructions to it does not fit 64 bits never stops the user.
func TestCLINTUntilTimerOverflow(t *testing.T) {
	var n counter = 5
	c := NewCLINT(1, 1000, &n)
	c.mtimecmp[0] = ^uint64(0)
	if got := c.UntilTimer(); got != ^uint64(0) {
		t.Errorf("UntilTimer %d, want ^0", got)
	}
	c.mtimecmp[0] = 0 // expired: mtime is 0
	if got := c.UntilTimer(); got != ^uint64(0) {
		t.Errorf("with the only timer expired: UntilTimer %d, want ^0", got)
	}
}

func TestCLINTTicks(t *testing.T) {
	var n counter
	c := NewCLINT(1, 4, &n)
	for k := uint64(0); k < 20; k++ {
		n = counter(k)
		if got, want := c.OnTick(), k%4 == 0; got != want {
			t.Errorf("retired %d: OnTick %v", k, got)
		}
		if got, want := c.UntilTick(), 4-k%4; got != want {
			t.Errorf("retired %d: UntilTick %d, want %d", k, got, want)
		}
	}
}
