package devices

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// UART register offsets.
const (
	rbr, ier, iir, lcr, mcr, lsr, msr, scr = 0, 1, 2, 3, 4, 5, 6, 7
	fcr                                    = 2
)

// line is console input that delivers its bytes one at a time, holding
// back the rest: (0, nil) once it is empty unless closed.
type line struct {
	data   []byte
	closed bool
	reads  int
}

func (l *line) Read(p []byte) (int, error) {
	l.reads++
	if len(l.data) == 0 {
		if l.closed {
			return 0, io.EOF
		}
		return 0, nil
	}
	p[0] = l.data[0]
	l.data = l.data[1:]
	return 1, nil
}

// newTestUART returns a UART whose interrupt output the test watches.
func newTestUART() (*UART, *bool) {
	level := new(bool)
	return NewUART(func(l bool) { *level = l }), level
}

func TestUARTReset(t *testing.T) {
	u, _ := newTestUART()
	want := map[uint64]uint64{rbr: 0, ier: 0, iir: 0x01, lcr: 0, mcr: 0x08, lsr: 0x60, msr: 0xb0, scr: 0}
	for off, v := range want {
		if got := u.Load(off); got != v {
			t.Errorf("register %d reads %#x at reset, want %#x", off, got, v)
		}
	}
	u.Store(lcr, 0x80) // DLAB
	if dll, dlm := u.Load(0), u.Load(1); dll != 0x0c || dlm != 0 {
		t.Errorf("divisor %#x:%#x, want 0:0x0c", dlm, dll)
	}
	u.Store(0, 0x34)
	u.Store(1, 0x12)
	if dll, dlm := u.Load(0), u.Load(1); dll != 0x34 || dlm != 0x12 {
		t.Errorf("divisor %#x:%#x after writing 0x1234", dlm, dll)
	}
}

func TestUARTTransmit(t *testing.T) {
	u, level := newTestUART()
	var out bytes.Buffer
	u.SetConsole(nil, &out)
	u.Store(ier, 0x02) // THRI: THR is empty, so it is armed at once
	if !*level || u.Load(iir) != 0x02 {
		t.Fatalf("THRI on with THR empty: level %v", *level)
	}
	// Reading IIR showing THRI acknowledged it.
	if *level || u.Load(iir) != 0x01 {
		t.Fatal("reading IIR did not acknowledge THRI")
	}
	u.Store(0, 'h')
	u.Store(0, 'i')
	if out.String() != "hi" {
		t.Errorf("output %q", out.String())
	}
	if !*level || u.Load(lsr)&0x60 != 0x60 {
		t.Error("after a write THR is not empty again with THRI raised")
	}
}

func TestUARTReceive(t *testing.T) {
	u, level := newTestUART()
	in := &line{data: []byte("abcdef")}
	u.SetConsole(in, nil)
	u.Store(ier, 0x01) // received data
	if !u.Ticking() {
		t.Fatal("not ticking with input open")
	}
	// FIFOs off: one byte per tick, only while RBR is empty.
	u.Tick()
	u.Tick()
	if !*level || u.Load(iir) != 0x04 {
		t.Fatalf("no received-data interrupt after a tick (level %v)", *level)
	}
	if got := u.Load(rbr); got != 'a' {
		t.Fatalf("RBR %q, want 'a'", rune(got))
	}
	if *level || u.Load(lsr)&1 != 0 {
		t.Fatal("data still ready after reading RBR")
	}
	// FIFOs on with trigger level 4: enabling them flushes; a tick
	// fills the FIFO up to the trigger level.
	u.Store(fcr, 0x41)
	u.Tick()
	if got := u.Load(iir); got != 0xc4 {
		t.Fatalf("IIR %#x with 4 bytes at trigger level 4, want 0xc4", got)
	}
	var got []byte
	for u.Load(lsr)&1 != 0 {
		got = append(got, byte(u.Load(rbr)))
	}
	if string(got) != "bcde" {
		t.Errorf("FIFO held %q, want \"bcde\"", got)
	}
	// Below the trigger level only the character timeout reports the
	// bytes, one tick of silence later.
	u.Tick()
	if *level {
		t.Fatal("interrupt with 1 byte below trigger level 4 and no timeout yet")
	}
	u.Tick()
	if !*level || u.Load(iir) != 0xcc {
		t.Fatalf("no character timeout after a silent tick")
	}
	if u.Load(rbr) != 'f' || *level {
		t.Fatal("reading RBR did not clear the timeout")
	}
	if !u.Ticking() {
		t.Error("not ticking while input is open")
	}
	in.closed = true
	u.Tick()
	if u.Ticking() {
		t.Error("ticking after the input ended with an empty FIFO")
	}
	reads := in.reads
	u.Tick()
	if in.reads != reads {
		t.Error("the receiver read its input after it ended")
	}
}

// TestUARTHoldsBackInput: a FIFO at its trigger level takes no more
// bytes until the guest reads (QEMU's serial_can_receive); they stay on
// the line, so console input never overruns.
func TestUARTHoldsBackInput(t *testing.T) {
	u, _ := newTestUART()
	in := &line{data: bytes.Repeat([]byte{'x'}, 40)}
	u.SetConsole(in, nil)
	u.Store(fcr, 0xc1) // trigger level 14
	for i := 0; i < 10; i++ {
		u.Tick()
	}
	if u.rxLen != 14 || len(in.data) != 26 {
		t.Errorf("FIFO %d bytes, line %d: want 14 and 26", u.rxLen, len(in.data))
	}
	u.Load(rbr)
	u.Tick() // refills to the trigger level, and no further
	u.Tick()
	if u.rxLen != 14 || len(in.data) != 25 {
		t.Errorf("after one read and two ticks: FIFO %d bytes, line %d: want 14 and 25", u.rxLen, len(in.data))
	}
	if u.Load(lsr)&0x02 != 0 {
		t.Error("overrun from console input")
	}
}

func TestUARTLoopback(t *testing.T) {
	u, _ := newTestUART()
	var out bytes.Buffer
	in := &line{data: []byte("z")}
	u.SetConsole(in, &out)
	u.Store(mcr, 0x10|0x0f) // loopback, all modem outputs
	if got := u.Load(msr); got != 0xf0 {
		t.Errorf("MSR in loopback %#x, want 0xf0", got)
	}
	u.Tick()
	if u.Load(lsr)&1 != 0 || len(in.data) != 1 {
		t.Error("console input reached the receiver in loopback")
	}
	u.Store(0, 'a')
	u.Store(0, 'b') // RBR unread: overrun
	if out.Len() != 0 {
		t.Errorf("loopback output left the UART: %q", out.String())
	}
	if got := u.Load(lsr); got&0x03 != 0x03 {
		t.Errorf("LSR %#x, want DR and OE", got)
	}
	if got := u.Load(lsr); got&0x02 != 0 {
		t.Error("reading LSR did not clear OE")
	}
	if got := u.Load(rbr); got != 'b' {
		t.Errorf("RBR %q, want the second byte", rune(got))
	}
}

func TestUARTInputError(t *testing.T) {
	u, _ := newTestUART()
	u.SetConsole(errReader{}, nil)
	u.Tick()
	if u.Ticking() {
		t.Error("ticking after the input failed")
	}
	u.SetConsole(errReader{}, nil)
	if !u.Ticking() {
		t.Error("SetConsole did not reopen the input")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken") }

// TestUARTTickingFollowsState: Ticking, which the user asks before and
// after every run of instructions, follows every register access and tick.
func TestUARTTickingFollowsState(t *testing.T) {
	u, _ := newTestUART()
	u.Store(fcr, 0x01) // FIFOs on
	u.Store(mcr, 0x10) // loopback: bytes without an input line
	if u.Ticking() {
		t.Fatal("ticking with no input and an empty FIFO")
	}
	u.Store(0, 'a')
	if !u.Ticking() {
		t.Error("not ticking with a byte the character timeout has not reported")
	}
	u.Tick() // the timeout reports it
	if u.Ticking() {
		t.Error("ticking after the timeout reported the byte")
	}
	u.Load(rbr)
	u.Store(0, 'b')
	if !u.Ticking() {
		t.Error("not ticking with a new byte after RBR was read")
	}
	u.Load(rbr)
	if u.Ticking() {
		t.Error("ticking after the FIFO was emptied")
	}
	u.SetConsole(&line{}, nil)
	if !u.Ticking() {
		t.Error("not ticking with input open")
	}
}
