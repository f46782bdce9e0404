package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// PLIC register offsets for tests.
func prio(id int) uint64      { return plicPriorityBase + 4*uint64(id) }
func penw(w int) uint64       { return plicPendingBase + 4*uint64(w) }
func enw(ctx, w int) uint64   { return plicEnableBase + plicEnableStride*uint64(ctx) + 4*uint64(w) }
func thresh(ctx int) uint64   { return plicContextBase + plicContextStride*uint64(ctx) }
func claimReg(ctx int) uint64 { return thresh(ctx) + plicClaimOff }

func TestPLICRegisters(t *testing.T) {
	tests := []struct {
		name string
		seq  []access
	}{
		{"reset: all zero", []access{
			ld(prio(1), 4, 0), ld(prio(95), 4, 0), ld(penw(0), 4, 0), ld(enw(0, 0), 4, 0),
			ld(thresh(0), 4, 0), ld(claimReg(0), 4, 0), ld(thresh(3), 4, 0),
		}},
		{"priority is WARL: 3 bits kept", []access{
			st(prio(5), 4, 7), ld(prio(5), 4, 7),
			st(prio(5), 4, 0xf), ld(prio(5), 4, 7),
			st(prio(5), 4, 9), ld(prio(5), 4, 1),
			st(prio(0), 4, 3), ld(prio(0), 4, 0), // ID 0 has no priority
		}},
		{"threshold is WARL too", []access{
			st(thresh(1), 4, 0xff), ld(thresh(1), 4, 7),
		}},
		{"enable words keep every bit", []access{
			st(enw(0, 0), 4, 0xffffffff), ld(enw(0, 0), 4, 0xffffffff),
			st(enw(3, 2), 4, 0x80000001), ld(enw(3, 2), 4, 0x80000001), ld(enw(2, 2), 4, 0),
		}},
		{"pending is read-only", []access{
			st(penw(0), 4, 0xffffffff), ld(penw(0), 4, 0),
		}},
		{"registers past the sources read 0", []access{
			ld(prio(96), 4, 0), st(prio(96), 4, 1), ld(prio(96), 4, 0),
			ld(penw(3), 4, 0), ld(enw(0, 3), 4, 0), st(enw(0, 3), 4, 1), ld(enw(0, 3), 4, 0),
			ld(thresh(0)+8, 4, 0), ld(0x1fff00, 4, 0),
		}},
		{"4-byte accesses only", []access{
			ldFault(prio(1), 1), ldFault(prio(1), 2), ldFault(prio(1), 8), stFault(prio(1), 8),
			stFault(claimReg(0), 2),
		}},
		{"misaligned: two loads combined; stores become bytes, which fail", []access{
			st(prio(1), 4, 5), st(prio(2), 4, 3),
			ld(prio(1)+2, 4, 0x30000),
			stFault(prio(1)+1, 4),
			ld(prio(1), 4, 5),
		}},
		{"contexts of harts that do not exist read 0", []access{
			st(thresh(4), 4, 1), ld(thresh(4), 4, 0), st(enw(4, 0), 4, 1), ld(enw(4, 0), 4, 0),
			ld(spec.PLICSize-4, 4, 0), ldFault(spec.PLICSize, 4),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPLIC(2)
			if p.Size() != spec.PLICSize {
				t.Fatalf("Size = %#x, want QEMU's aperture %#x", p.Size(), spec.PLICSize)
			}
			run(t, p, tt.seq)
		})
	}
}

// setup enables the given sources for ctx and sets their priorities.
func setup(p *PLIC, ctx int, priorities map[int]uint64) {
	for id, pr := range priorities {
		p.Store(prio(id), 4, pr)
		w := enw(ctx, id/32)
		v, _ := p.Load(w, 4)
		p.Store(w, 4, v|1<<(id%32))
	}
}

func claimOf(t *testing.T, p *PLIC, ctx int) int {
	t.Helper()
	v, ok := p.Load(claimReg(ctx), 4)
	if !ok {
		t.Fatal("claim read failed")
	}
	return int(v)
}

func TestPLICClaimOrder(t *testing.T) {
	p := NewPLIC(1)
	setup(p, 0, map[int]uint64{3: 2, 7: 5, 9: 5, 40: 1, 70: 5})
	for _, id := range []int{3, 7, 9, 40, 70} {
		p.SetLevel(id, true)
	}
	if v, _ := p.Load(penw(0), 4); v != 1<<3|1<<7|1<<9 {
		t.Fatalf("pending word 0 = %#x", v)
	}
	if v, _ := p.Load(penw(1), 4); v != 1<<(40-32) {
		t.Fatalf("pending word 1 = %#x", v)
	}
	// Highest priority first; ties to the lowest ID (PLIC spec §8).
	for _, want := range []int{7, 9, 70, 3, 40, 0} {
		if got := claimOf(t, p, 0); got != want {
			t.Fatalf("claim = %d, want %d", got, want)
		}
	}
	if v, _ := p.Load(penw(0), 4); v != 0 {
		t.Fatalf("claims left pending bits %#x", v)
	}
}

func TestPLICThresholdAndPriorityZero(t *testing.T) {
	p := NewPLIC(1)
	setup(p, 0, map[int]uint64{1: 0, 2: 3})
	p.SetLevel(1, true)
	p.SetLevel(2, true)
	p.Store(thresh(0), 4, 3)
	if got := claimOf(t, p, 0); got != 0 {
		t.Fatalf("claim = %d with priority 3 at threshold 3, want 0 (must exceed)", got)
	}
	if p.Pending(0) != 0 {
		t.Fatal("MEIP raised below threshold")
	}
	p.Store(thresh(0), 4, 2)
	if p.Pending(0) != spec.MipMEIP {
		t.Fatal("MEIP not raised above threshold")
	}
	if got := claimOf(t, p, 0); got != 2 {
		t.Fatalf("claim = %d, want 2", got)
	}
	p.Store(thresh(0), 4, 0)
	if got := claimOf(t, p, 0); got != 0 {
		t.Fatalf("claim = %d: priority 0 never interrupts", got)
	}
}

// TestPLICGateway is the level-triggered gateway of PLIC spec §1.4.
func TestPLICGateway(t *testing.T) {
	p := NewPLIC(1)
	setup(p, 0, map[int]uint64{10: 1})
	p.SetLevel(10, true)
	if got := claimOf(t, p, 0); got != 10 {
		t.Fatalf("claim = %d", got)
	}
	// In flight: the level stays high but the source is not pending again.
	p.SetLevel(10, true)
	if v, _ := p.Load(penw(0), 4); v != 0 || p.Pending(0) != 0 {
		t.Fatalf("in-flight source re-pended: pending %#x", v)
	}
	if got := claimOf(t, p, 0); got != 0 {
		t.Fatalf("claimed an in-flight source: %d", got)
	}
	// Completion with the level still high: a new request.
	p.Store(claimReg(0), 4, 10)
	if p.Pending(0) != spec.MipMEIP {
		t.Fatal("level still high after complete did not re-pend")
	}
	if got := claimOf(t, p, 0); got != 10 {
		t.Fatalf("claim = %d", got)
	}
	// Completion after the level dropped: nothing pending.
	p.SetLevel(10, false)
	p.Store(claimReg(0), 4, 10)
	if p.Pending(0) != 0 {
		t.Fatal("pending after complete with the level low")
	}
	// A pulse while not in flight is latched: the pending bit stays after
	// the level drops (the spec's handler finds nothing to do).
	p.SetLevel(10, true)
	p.SetLevel(10, false)
	if v, _ := p.Load(penw(0), 4); v != 1<<10 {
		t.Fatalf("pending = %#x, want the latched request", v)
	}
}

func TestPLICCompleteIgnored(t *testing.T) {
	p := NewPLIC(1)
	setup(p, 0, map[int]uint64{5: 1, 6: 1})
	p.SetLevel(5, true)
	if got := claimOf(t, p, 0); got != 5 {
		t.Fatalf("claim = %d", got)
	}
	// Disable 5, then complete it: ignored (PLIC spec §9), so it stays in flight.
	p.Store(enw(0, 0), 4, 1<<6)
	p.Store(claimReg(0), 4, 5)
	p.Store(enw(0, 0), 4, 1<<5|1<<6)
	if got := claimOf(t, p, 0); got != 0 {
		t.Fatalf("claim = %d: a completion while disabled must be ignored", got)
	}
	// Completing an ID that is not in flight, or out of range, changes nothing.
	p.Store(claimReg(0), 4, 6)
	p.Store(claimReg(0), 4, 0)
	p.Store(claimReg(0), 4, 96)
	p.Store(claimReg(0), 4, 1<<32|5) // upper bits of a wider value are not there: 4-byte register
	p.Store(claimReg(0), 4, 5)
	if got := claimOf(t, p, 0); got != 5 {
		t.Fatalf("claim = %d, want 5 after its completion", got)
	}
	// Out-of-range sources are ignored.
	p.SetLevel(0, true)
	p.SetLevel(96, true)
	p.SetLevel(-1, true)
	if v, _ := p.Load(penw(0), 4); v != 0 {
		t.Fatalf("pending = %#x", v)
	}
}

// TestPLICContexts: context 2h is hart h's M-mode (MEIP), 2h+1 its S-mode (SEIP).
func TestPLICContexts(t *testing.T) {
	p := NewPLIC(2)
	p.Store(prio(spec.UARTIRQ), 4, 1)
	line := p.Line(spec.UARTIRQ)
	line(true)
	for hart := 0; hart < 2; hart++ {
		if p.Pending(hart) != 0 {
			t.Fatalf("hart %d: interrupt with nothing enabled", hart)
		}
	}
	for ctx, want := range []struct {
		hart int
		mip  uint64
	}{{0, spec.MipMEIP}, {0, spec.MipSEIP}, {1, spec.MipMEIP}, {1, spec.MipSEIP}} {
		p.Store(enw(ctx, 0), 4, 1<<spec.UARTIRQ)
		if got := p.Pending(want.hart); got != want.mip {
			t.Errorf("context %d enabled: Pending(%d) = %#x, want %#x", ctx, want.hart, got, want.mip)
		}
		if got := p.Pending(1 - want.hart); got != 0 {
			t.Errorf("context %d enabled: Pending(%d) = %#x, want 0", ctx, 1-want.hart, got)
		}
		p.Store(enw(ctx, 0), 4, 0)
	}
	// Two contexts enabled: the first claim wins, the other sees nothing.
	p.Store(enw(1, 0), 4, 1<<spec.UARTIRQ)
	p.Store(enw(2, 0), 4, 1<<spec.UARTIRQ)
	if p.Pending(0) != spec.MipSEIP || p.Pending(1) != spec.MipMEIP {
		t.Fatal("both contexts should see the interrupt")
	}
	if got := claimOf(t, p, 2); got != spec.UARTIRQ {
		t.Fatalf("claim = %d", got)
	}
	if p.Pending(0) != 0 || p.Pending(1) != 0 || claimOf(t, p, 1) != 0 {
		t.Fatal("a claimed interrupt is still visible")
	}
	// Any context with the source enabled may complete it.
	line(false)
	p.Store(claimReg(1), 4, spec.UARTIRQ)
	line(true)
	if p.Pending(0) != spec.MipSEIP {
		t.Fatal("completion by another enabled context did not end the flight")
	}
	if p.Pending(2) != 0 || p.Pending(-1) != 0 {
		t.Fatal("a hart that does not exist has interrupts")
	}
}
