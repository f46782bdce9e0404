package devices

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// irqProbe records the UART's interrupt line.
type irqProbe struct {
	level bool
	calls int
}

func (p *irqProbe) line() IRQLine { return func(l bool) { p.level = l; p.calls++ } }

func newTestUART(input string) (*UART, *bytes.Buffer, *irqProbe) {
	var out bytes.Buffer
	var in io.Reader
	if input != "" {
		in = strings.NewReader(input)
	}
	u := NewUART(in, &out)
	probe := &irqProbe{}
	u.SetIRQ(probe.line())
	return u, &out, probe
}

func TestUARTRegisters(t *testing.T) {
	tests := []struct {
		name string
		seq  []access
	}{
		{"reset values (QEMU serial_reset)", []access{
			ld(uartIER, 1, 0), ld(uartIIR, 1, 0x01), ld(uartLCR, 1, 0), ld(uartMCR, 1, 0x08),
			ld(uartLSR, 1, 0x60), ld(uartMSR, 1, 0xb0), ld(uartSCR, 1, 0), ld(uartRBR, 1, 0),
		}},
		{"divisor latch behind DLAB", []access{
			st(uartLCR, 1, 0x83), ld(uartRBR, 1, 12), ld(uartIER, 1, 0),
			st(uartRBR, 1, 0x01), st(uartIER, 1, 0x02), ld(uartRBR, 1, 1), ld(uartIER, 1, 2),
			st(uartLCR, 1, 0x03), ld(uartIER, 1, 0), ld(uartLCR, 1, 3),
		}},
		{"IER keeps 4 bits, MCR 5, SCR 8", []access{
			st(uartIER, 1, 0xf0), ld(uartIER, 1, 0),
			st(uartMCR, 1, 0xff), ld(uartMCR, 1, 0x1f),
			st(uartSCR, 1, 0xa5), ld(uartSCR, 1, 0xa5),
		}},
		{"LSR and MSR ignore writes", []access{
			st(uartLSR, 1, 0), ld(uartLSR, 1, 0x60), st(uartMSR, 1, 0), ld(uartMSR, 1, 0xb0),
		}},
		{"FCR: FIFO enable shows in IIR bits 7:6", []access{
			st(uartIIR, 1, 0xc7), ld(uartIIR, 1, 0xc1),
			st(uartIIR, 1, 0x00), ld(uartIIR, 1, 0x01),
		}},
		{"wider accesses reach the one register at their offset", []access{
			st(uartMCR, 4, 0x11223303), ld(uartMCR, 4, 0x03), ld(uartMCR, 1, 0x03),
			st(uartRBR, 8, 0x1122334455667700), // THR gets the low byte
			ld(uartRBR, 8, 0), ld(uartIIR, 2, 0x01), ld(uartMSR, 2, 0xb0),
			st(uartMSR, 2, 0x1234), ld(uartMSR, 2, 0xb0),
		}},
		{"misaligned loads read two registers, as QEMU", []access{
			ld(1, 2, 0x100),   // IER >> 8 | IIR << 8
			ld(2, 4, 0x80000), // RBR >> 16 | MCR << 16
			ldFault(4, 8),     // the second 8-byte load is outside
		}},
		{"misaligned stores are byte stores", []access{
			st(3, 2, 0x0300), ld(uartLCR, 1, 0), ld(uartMCR, 1, 3),
			// Bytes 6 and 7 land, byte 8 fails.
			access{store: true, off: 6, size: 4, value: 0x11223344}, ld(uartSCR, 1, 0x33),
		}},
		{"out-of-window accesses fail", []access{
			ldFault(8, 1), stFault(0xff, 1),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _, _ := newTestUART("")
			run(t, u, tt.seq)
		})
	}
}

func TestUARTTransmit(t *testing.T) {
	u, out, probe := newTestUART("")
	for _, c := range []byte("hello") {
		u.Store(uartRBR, 1, uint64(c))
	}
	u.Store(uartRBR, 4, 0xff21) // a wider store sends its low byte
	if out.String() != "hello!" {
		t.Fatalf("output %q", out.String())
	}
	if v, _ := u.Load(uartLSR, 1); v != lsrTHRE|lsrTEMT {
		t.Fatalf("LSR = %#x after transmitting (instant, as QEMU)", v)
	}
	if probe.level {
		t.Fatal("interrupt without IER")
	}
	// Loopback: THR goes to the receiver, not the output; MSR mirrors MCR.
	u.Store(uartMCR, 1, mcrLOOP|mcrOUT2|mcrRTS)
	if v, _ := u.Load(uartMSR, 1); v != msrDCD|msrCTS {
		t.Fatalf("loopback MSR = %#x, want DCD|CTS", v)
	}
	u.Store(uartRBR, 1, 'x')
	if out.String() != "hello!" {
		t.Fatalf("loopback leaked to the output: %q", out.String())
	}
	if v, _ := u.Load(uartLSR, 1); v != lsrTHRE|lsrTEMT|lsrDR {
		t.Fatalf("LSR = %#x, want DR", v)
	}
	u.Store(uartRBR, 1, 'y') // RBR full: overrun
	if v, _ := u.Load(uartLSR, 1); v != lsrTHRE|lsrTEMT|lsrDR|lsrOE {
		t.Fatalf("LSR = %#x, want OE", v)
	}
	if v, _ := u.Load(uartLSR, 1); v&lsrOE != 0 {
		t.Fatal("reading LSR did not clear OE")
	}
	if v, _ := u.Load(uartRBR, 1); v != 'y' {
		t.Fatalf("RBR = %q", rune(v))
	}
}

func TestUARTReceiveIsDeterministic(t *testing.T) {
	u, _, _ := newTestUART("ab")
	if v, _ := u.Load(uartLSR, 1); v&lsrDR != 0 {
		t.Fatal("input arrived before any instruction retired")
	}
	u.TimerTick()
	if v, _ := u.Load(uartLSR, 1); v&lsrDR == 0 {
		t.Fatal("no input after a tick")
	}
	u.TimerTick() // RBR full: the line waits
	if v, _ := u.Load(uartRBR, 1); v != 'a' {
		t.Fatalf("RBR = %q", rune(v))
	}
	if v, _ := u.Load(uartLSR, 1); v&lsrDR != 0 {
		t.Fatal("DR before the next tick")
	}
	u.TimerTick()
	if v, _ := u.Load(uartRBR, 1); v != 'b' {
		t.Fatalf("RBR = %q", rune(v))
	}
	u.TimerTick() // end of input
	if v, _ := u.Load(uartLSR, 1); v&lsrDR != 0 {
		t.Fatal("DR after the end of input")
	}
}

func TestUARTFIFOTriggerLevel(t *testing.T) {
	u, _, _ := newTestUART("0123456789abcdefghij")
	u.Store(uartIIR, 1, 0x41) // FIFO on, trigger 4
	u.TimerTick()
	if n := len(u.rxFIFO); n != 4 {
		t.Fatalf("FIFO holds %d bytes, want the trigger level 4 (serial_can_receive)", n)
	}
	u.TimerTick() // at the trigger level: nothing more
	if n := len(u.rxFIFO); n != 4 {
		t.Fatalf("FIFO holds %d bytes", n)
	}
	var got []byte
	for i := 0; i < 4; i++ {
		v, _ := u.Load(uartRBR, 1)
		got = append(got, byte(v))
	}
	if string(got) != "0123" {
		t.Fatalf("read %q", got)
	}
	if v, _ := u.Load(uartRBR, 1); v != 0 {
		t.Fatalf("empty FIFO reads %#x, want 0", v)
	}
	// FCR receiver reset drops what arrived.
	u.TimerTick()
	u.Store(uartIIR, 1, 0x43)
	if v, _ := u.Load(uartLSR, 1); v&lsrDR != 0 || len(u.rxFIFO) != 0 {
		t.Fatal("FCR RFR did not flush")
	}
}

func TestUARTInterrupts(t *testing.T) {
	t.Run("THR empty", func(t *testing.T) {
		u, _, probe := newTestUART("")
		u.Store(uartIER, 1, ierTHRI)
		if !probe.level {
			t.Fatal("enabling THRI with THR empty did not interrupt")
		}
		if v, _ := u.Load(uartIIR, 1); v != iirTHRI {
			t.Fatalf("IIR = %#x, want THRI", v)
		}
		// That IIR read acknowledged it.
		if v, _ := u.Load(uartIIR, 1); v != iirNoInt || probe.level {
			t.Fatalf("IIR = %#x, line %v after the acknowledging read", v, probe.level)
		}
		u.Store(uartRBR, 1, 'x')
		if !probe.level {
			t.Fatal("transmitting did not re-arm THRE")
		}
		u.Store(uartIER, 1, 0)
		if probe.level {
			t.Fatal("line high with IER 0")
		}
	})
	t.Run("received data", func(t *testing.T) {
		u, _, probe := newTestUART("z")
		u.Store(uartIER, 1, ierRDI)
		if probe.level {
			t.Fatal("RDI before data")
		}
		u.TimerTick()
		if v, _ := u.Load(uartIIR, 1); v != iirRDI || !probe.level {
			t.Fatalf("IIR = %#x, line %v", v, probe.level)
		}
		u.Load(uartRBR, 1)
		if probe.level {
			t.Fatal("line high after reading the data")
		}
	})
	t.Run("FIFO below trigger: character timeout", func(t *testing.T) {
		u, _, probe := newTestUART("xy")
		u.Store(uartIIR, 1, 0x81) // trigger 8
		u.Store(uartIER, 1, ierRDI)
		u.TimerTick() // two bytes arrive, the input ends
		if probe.level {
			t.Fatal("RDI below the trigger level")
		}
		u.TimerTick() // nothing arrives: timeout
		if v, _ := u.Load(uartIIR, 1); v != 0xc0|iirCTI || !probe.level {
			t.Fatalf("IIR = %#x, line %v: want the character timeout", v, probe.level)
		}
		u.Load(uartRBR, 1)
		if probe.level {
			t.Fatal("reading RBR did not clear the timeout")
		}
		u.TimerTick()
		if !probe.level {
			t.Fatal("timeout did not fire again with a byte left")
		}
		u.Load(uartRBR, 1)
		u.TimerTick()
		if probe.level {
			t.Fatal("timeout with an empty FIFO")
		}
	})
	t.Run("line status has priority", func(t *testing.T) {
		u, _, probe := newTestUART("")
		u.Store(uartIER, 1, ierRLSI|ierTHRI)
		u.Load(uartIIR, 1) // acknowledge THRE
		u.Store(uartMCR, 1, mcrLOOP)
		u.Store(uartRBR, 1, 1)
		u.Store(uartRBR, 1, 2) // overrun
		if v, _ := u.Load(uartIIR, 1); v != iirRLSI {
			t.Fatalf("IIR = %#x, want RLSI over THRI", v)
		}
		u.Load(uartLSR, 1)
		if !probe.level {
			t.Fatal("line low after the LSR read; THRE is still armed")
		}
		if v, _ := u.Load(uartIIR, 1); v != iirTHRI {
			t.Fatalf("IIR = %#x after LSR read, want THRI", v)
		}
	})
}

// TestUARTOnPLIC wires the UART to PLIC source 10 and takes the
// interrupt the way a driver does.
func TestUARTOnPLIC(t *testing.T) {
	p := NewPLIC(1)
	u := NewUART(strings.NewReader("k"), io.Discard)
	u.SetIRQ(p.Line(10))
	p.Store(prio(10), 4, 1)
	p.Store(enw(1, 0), 4, 1<<10) // hart 0, S-mode
	u.Store(uartIER, 1, ierRDI)
	u.TimerTick()
	if p.Pending(0) != 1<<9 {
		t.Fatalf("Pending = %#x, want SEIP", p.Pending(0))
	}
	if id := claimOf(t, p, 1); id != 10 {
		t.Fatalf("claim = %d", id)
	}
	if v, _ := u.Load(uartRBR, 1); v != 'k' {
		t.Fatalf("RBR = %#x", v)
	}
	p.Store(claimReg(1), 4, 10)
	if p.Pending(0) != 0 {
		t.Fatalf("Pending = %#x after the handler", p.Pending(0))
	}
}
