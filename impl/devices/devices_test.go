package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// TestSetWiring: the UART's interrupt reaches PLIC source 10, and
// Pending gathers every line into mip bits per hart.
func TestSetWiring(t *testing.T) {
	var n counter
	s := NewSet(2, 10, &n, 0, 0)
	s.CLINT.Store(spec.CLINTMtimecmp, 8, 100)
	s.CLINT.Store(spec.CLINTMtimecmp+8, 8, 100)
	if got := s.Pending(0) | s.Pending(1); got != 0 {
		t.Fatalf("lines %#x with nothing raised", got)
	}
	s.CLINT.Store(4, 4, 1)
	if s.Pending(1) != spec.MipMSIP || s.Pending(0) != 0 {
		t.Errorf("msip[1]: hart 0 %#x, hart 1 %#x", s.Pending(0), s.Pending(1))
	}
	s.CLINT.Store(4, 4, 0)
	s.CLINT.Store(spec.CLINTMtimecmp, 8, 0)
	if s.Pending(0) != spec.MipMTIP {
		t.Errorf("mtimecmp[0] = 0: hart 0 %#x, want MTIP", s.Pending(0))
	}
	s.CLINT.Store(spec.CLINTMtimecmp, 8, 100)
	// The UART's THR-empty interrupt, enabled for hart 1's S context.
	s.PLIC.Store(prio(spec.UARTIRQ), 1)
	enableID(s.PLIC, 3, spec.UARTIRQ)
	s.UART.Store(ier, 0x02)
	if s.Pending(1) != spec.MipSEIP || s.Pending(0) != 0 {
		t.Errorf("UART interrupt: hart 0 %#x, hart 1 %#x; want SEIP on hart 1", s.Pending(0), s.Pending(1))
	}
	enableID(s.PLIC, 2, spec.UARTIRQ)
	if s.Pending(1) != spec.MipSEIP|spec.MipMEIP {
		t.Errorf("UART interrupt enabled in both contexts of hart 1: %#x", s.Pending(1))
	}
}

// TestSetTicks: UntilEvent stops at ticks only while the UART is
// ticking, and AfterRetire runs the UART's tick only on a tick.
func TestSetTicks(t *testing.T) {
	var n counter = 3
	s := NewSet(1, 10, &n, 0, 0)
	s.CLINT.Store(spec.CLINTMtimecmp, 8, 5) // expires at retired 50
	if got := s.UntilEvent(uint64(n)); got != 47 {
		t.Errorf("UntilEvent %d with no input, want 47 (the timer)", got)
	}
	in := &line{data: []byte("x")}
	s.SetConsole(in, nil)
	if got := s.UntilEvent(uint64(n)); got != 7 {
		t.Errorf("UntilEvent %d with input open, want 7 (the next tick)", got)
	}
	s.AfterRetire(uint64(n))
	if in.reads != 0 {
		t.Error("the UART sampled its input off a tick")
	}
	n = 10
	s.AfterRetire(uint64(n))
	if in.reads == 0 || s.UART.Load(lsr)&1 == 0 {
		t.Error("the UART did not sample its input on a tick")
	}
}
