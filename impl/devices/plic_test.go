package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// PLIC register offsets for the tests.
func prio(id int) uint64          { return uint64(4 * id) }
func enable(ctx, word int) uint64 { return uint64(plicEnable + plicEnableStr*ctx + 4*word) }
func threshold(ctx int) uint64    { return uint64(plicContext + plicCtxStride*ctx) }
func claim(ctx int) uint64        { return threshold(ctx) + 4 }
func pendingWord(word int) uint64 { return uint64(plicPending + 4*word) }
func enableID(p *PLIC, ctx, id int) {
	p.Store(enable(ctx, id/32), p.Load(enable(ctx, id/32))|1<<(id%32))
}

func TestPLICRegisters(t *testing.T) {
	p := NewPLIC(2)
	p.Store(prio(5), 0xff)
	if got := p.Load(prio(5)); got != 7 {
		t.Errorf("priority 5 reads %#x, want 7 (3 bits)", got)
	}
	p.Store(prio(0), 3)
	if got := p.Load(prio(0)); got != 0 {
		t.Errorf("ID 0 has a priority: %#x", got)
	}
	p.Store(threshold(3), 0xf)
	if got := p.Load(threshold(3)); got != 7 {
		t.Errorf("threshold of context 3 reads %#x, want 7", got)
	}
	p.Store(enable(1, 2), 0xdeadbeef)
	if got := p.Load(enable(1, 2)); got != 0xdeadbeef {
		t.Errorf("enable word 2 of context 1 reads %#x", got)
	}
	p.Store(enable(0, 0), 1) // bit 0 is stored, as on QEMU 7.2
	if got := p.Load(enable(0, 0)); got != 1 {
		t.Errorf("enable bit 0 reads %#x, want 1", got)
	}
	// Contexts of harts the machine lacks read 0 and ignore writes.
	p.Store(threshold(4), 5)
	p.Store(enable(4, 0), 5)
	if p.Load(threshold(4)) != 0 || p.Load(enable(4, 0)) != 0 || p.Load(claim(4)) != 0 {
		t.Error("context 4 of a 2-hart PLIC holds a value")
	}
	// Pending bits are read-only.
	p.Store(pendingWord(0), ^uint64(0))
	if got := p.Load(pendingWord(0)); got != 0 {
		t.Errorf("pending word 0 reads %#x after a write", got)
	}
}

func TestPLICClaimComplete(t *testing.T) {
	p := NewPLIC(1)
	for _, id := range []int{3, 10, 40} {
		p.Store(prio(id), 2)
		enableID(p, 1, id)
	}
	p.Store(prio(40), 5)
	if p.SEIP(0) || p.MEIP(0) {
		t.Fatal("an external line is up with nothing pending")
	}
	p.SetLevel(10, true)
	p.SetLevel(3, true)
	p.SetLevel(40, true)
	if got := p.Load(pendingWord(0)); got != 1<<3|1<<10 {
		t.Errorf("pending word 0 %#x", got)
	}
	if got := p.Load(pendingWord(1)); got != 1<<8 {
		t.Errorf("pending word 1 %#x", got)
	}
	if !p.SEIP(0) || p.MEIP(0) {
		t.Fatalf("lines: SEIP %v MEIP %v, want only SEIP (only context 1 enables)", p.SEIP(0), p.MEIP(0))
	}
	// The highest priority first, then the lowest ID among equals.
	for _, want := range []uint64{40, 3, 10} {
		if got := p.Load(claim(1)); got != want {
			t.Fatalf("claim %d, want %d", got, want)
		}
	}
	if got := p.Load(claim(1)); got != 0 || p.SEIP(0) {
		t.Fatalf("claim with everything in flight: %d (SEIP %v)", got, p.SEIP(0))
	}
	// Completing an ID whose line is still high pends it again at once.
	p.Store(claim(1), 10)
	if !p.SEIP(0) || p.Load(claim(1)) != 10 {
		t.Error("10 completed with its line high does not pend again")
	}
	// A completion of an ID the context does not enable is ignored.
	p.SetLevel(3, false)
	p.Store(claim(0), 3)
	p.SetLevel(3, true)
	if got := p.Load(pendingWord(0)); got&(1<<3) != 0 {
		t.Error("3 completed through context 0, which does not enable it")
	}
	p.Store(claim(1), 3)
	if got := p.Load(pendingWord(0)); got&(1<<3) == 0 {
		t.Error("3 completed through context 1 with its line high is not pending")
	}
	// The threshold masks priorities at or below it.
	p.Store(threshold(1), 2)
	if p.SEIP(0) {
		t.Error("SEIP with the only pending ID at the threshold")
	}
}

// TestPLICGatewayLatches: the pending bit stays set when the line drops
// before the claim (PLIC spec 1.0.0; QEMU 7.2 lets it follow the line).
func TestPLICGatewayLatches(t *testing.T) {
	p := NewPLIC(1)
	p.Store(prio(spec.UARTIRQ), 1)
	enableID(p, 0, spec.UARTIRQ)
	p.SetLevel(spec.UARTIRQ, true)
	p.SetLevel(spec.UARTIRQ, false)
	if !p.MEIP(0) {
		t.Fatal("the request was lost when the line dropped")
	}
	if got := p.Load(claim(0)); got != spec.UARTIRQ {
		t.Fatalf("claim %d", got)
	}
	p.Store(claim(0), spec.UARTIRQ)
	if p.MEIP(0) {
		t.Error("MEIP after the completion with the line low")
	}
	// Lines of IDs outside 1..95 do not exist.
	p.SetLevel(0, true)
	p.SetLevel(spec.PLICSources, true)
	if p.npending != 0 {
		t.Errorf("%d pending after driving lines that do not exist", p.npending)
	}
}
