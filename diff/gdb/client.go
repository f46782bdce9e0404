package gdb

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// DefaultTimeout bounds every exchange with a stub: a stub that does not
// answer a request or finish a single step within it is reported as
// hung, not waited for.
const DefaultTimeout = 10 * time.Second

// Client speaks the GDB remote serial protocol to a stub (QEMU's
// gdbstub, OpenOCD, a simulator's). It is not safe for concurrent use.
type Client struct {
	Addr    string
	Timeout time.Duration // per exchange; DefaultTimeout when zero
	// Console receives the stub's 'O' output packets (QEMU sends none for
	// the guest's UART; some stubs forward a console this way).
	Console io.Writer

	conn     net.Conn
	r        *bufio.Reader
	noAck    bool
	qemu     bool // the stub answered qqemu.sstepbits: QEMU's gdbstub
	physMode bool // QEMU's Qqemu.PhyMemMode is on
	physOK   bool // the stub has Qqemu.PhyMemMode (QEMU's, and ours)
	features map[string]string
	Regs     *Registers
	gRegs    int       // how many registers the 'g' packet holds
	threads  []string  // thread ids, one per hart, in qfThreadInfo order
	curG     string    // the thread Hg last selected
	pending  []byte    // acknowledgements not sent yet
	closed   error     // set once the connection failed: every later call fails with it
	lastRX   time.Time // when the stub last sent anything
}

// Dial connects to a stub at addr (HOST:PORT) and performs the
// handshake: qSupported, no-ack mode where offered, the target
// description, and the thread list. It retries the connection until
// timeout, since a stub that was just started may not listen yet.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	var conn net.Conn
	var err error
	for {
		conn, err = net.DialTimeout("tcp", addr, time.Until(deadline))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("gdb: connecting to %s: %w", addr, err)
	}
	c, err := NewClient(conn, addr, timeout)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// NewClient performs the handshake over an open connection.
func NewClient(conn net.Conn, addr string, timeout time.Duration) (*Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Client{Addr: addr, Timeout: timeout, conn: conn, r: bufio.NewReaderSize(conn, 1<<16), features: map[string]string{}}
	sup, err := c.Request("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+;xmlRegisters=riscv")
	if err != nil {
		return nil, fmt.Errorf("gdb %s: handshake: %w", addr, err)
	}
	for _, f := range strings.Split(sup, ";") {
		switch {
		case strings.HasSuffix(f, "+"):
			c.features[strings.TrimSuffix(f, "+")] = "+"
		case strings.Contains(f, "="):
			k, v, _ := strings.Cut(f, "=")
			c.features[k] = v
		}
	}
	if c.features["QStartNoAckMode"] == "+" {
		if r, err := c.Request("QStartNoAckMode"); err == nil && r == "OK" {
			c.noAck = true
		}
	}
	if r, err := c.Request("qqemu.sstepbits"); err == nil && strings.Contains(r, "NOIRQ") {
		c.qemu = true
	}
	if r, err := c.Request("qqemu.PhyMemMode"); err == nil && (r == "0" || r == "1") {
		c.physOK = true
	}
	if c.closed != nil {
		return nil, c.closed
	}
	c.Regs = DefaultRegisters()
	if c.features["qXfer:features:read"] == "+" {
		main, err := c.readXfer("features", "target.xml")
		if err != nil {
			return nil, fmt.Errorf("gdb %s: reading the target description: %w", addr, err)
		}
		regs, err := ParseTargetXML(main, func(name string) ([]byte, error) { return c.readXfer("features", name) })
		if err != nil {
			return nil, fmt.Errorf("gdb %s: %w", addr, err)
		}
		c.Regs = regs
	}
	for i, name := range []string{"pc"} {
		if _, ok := c.Regs.Lookup(name); !ok {
			return nil, fmt.Errorf("gdb %s: the target description has no %s register (%d listed): not a RISC-V stub?", addr, name, i+len(c.Regs.List))
		}
	}
	if err := c.listThreads(); err != nil {
		return nil, fmt.Errorf("gdb %s: %w", addr, err)
	}
	return c, nil
}

// QEMU reports whether the stub is QEMU's (it answers qqemu.sstepbits).
func (c *Client) QEMU() bool { return c.qemu }

// Threads returns the stub's thread ids, one per hart.
func (c *Client) Threads() []string { return append([]string(nil), c.threads...) }

// Close ends the session: it detaches (the stub resumes or stays as it
// decides), then closes the connection.
func (c *Client) Close() error {
	if c.closed == nil {
		_ = c.send("D")
		c.closed = errors.New("gdb: connection closed")
	}
	return c.conn.Close()
}

// Kill asks the stub to end the target ('k'), then closes the connection.
func (c *Client) Kill() error {
	if c.closed == nil {
		_ = c.send("k")
		c.closed = errors.New("gdb: connection closed")
	}
	return c.conn.Close()
}

func (c *Client) fail(err error) error {
	if c.closed == nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			err = fmt.Errorf("gdb %s: no answer within %s: %w", c.Addr, c.Timeout, err)
		case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
			err = fmt.Errorf("gdb %s: the stub closed the connection: %w", c.Addr, err)
		default:
			err = fmt.Errorf("gdb %s: %w", c.Addr, err)
		}
		c.closed = err
		c.conn.Close()
	}
	return c.closed
}

// send writes one packet, preceded by the acknowledgements owed.
func (c *Client) send(payload string) error {
	if c.closed != nil {
		return c.closed
	}
	buf := append(c.pending, Frame([]byte(payload))...)
	c.pending = c.pending[:0]
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.Timeout)); err != nil {
		return c.fail(err)
	}
	if _, err := c.conn.Write(buf); err != nil {
		return c.fail(err)
	}
	return nil
}

// recv reads the next packet within timeout, acknowledging it (the ack
// goes out with the next request, never while the target runs: QEMU
// takes any byte that arrives while the guest runs as an interrupt).
func (c *Client) recv(timeout time.Duration) (string, error) {
	if c.closed != nil {
		return "", c.closed
	}
	for nacks := 0; ; {
		if timeout > 0 {
			if err := c.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
				return "", c.fail(err)
			}
		} else if err := c.conn.SetReadDeadline(time.Time{}); err != nil {
			return "", c.fail(err)
		}
		it, err := readItem(c.r)
		if err != nil {
			return "", c.fail(err)
		}
		c.lastRX = time.Now()
		switch it.kind {
		case '+':
			continue
		case '-':
			// The stub did not take our last packet; we do not keep it to
			// resend (requests are idempotent up to a step, and a step
			// that was lost shows as a timeout), so this is an error.
			return "", c.fail(protoErr("the stub rejected a packet (nack)"))
		case 0x03:
			continue
		}
		if it.bad {
			if c.noAck || nacks >= 3 {
				return "", c.fail(protoErr("bad checksum on %q", truncate(string(it.payload))))
			}
			nacks++
			if _, err := c.conn.Write([]byte{'-'}); err != nil {
				return "", c.fail(err)
			}
			continue
		}
		if !c.noAck {
			c.pending = append(c.pending, '+')
		}
		return string(it.payload), nil
	}
}

// Request sends a packet and returns the reply. An "Enn" reply is
// returned as it is: callers decide what an error from the stub means.
func (c *Client) Request(payload string) (string, error) {
	if err := c.send(payload); err != nil {
		return "", err
	}
	return c.recv(c.Timeout)
}

func (c *Client) readXfer(object, annex string) ([]byte, error) {
	var out []byte
	for off := 0; ; {
		r, err := c.Request(fmt.Sprintf("qXfer:%s:read:%s:%x,%x", object, annex, off, 0xf00))
		if err != nil {
			return nil, err
		}
		if r == "" || (r[0] != 'm' && r[0] != 'l') {
			return nil, fmt.Errorf("gdb %s: %w", c.Addr, protoErr("qXfer %s %s: reply %q", object, annex, truncate(r)))
		}
		out = append(out, r[1:]...)
		off += len(r) - 1
		if len(out) > MaxPacket {
			return nil, protoErr("qXfer %s %s: more than %d bytes", object, annex, MaxPacket)
		}
		if r[0] == 'l' {
			return out, nil
		}
		if len(r) == 1 {
			return nil, protoErr("qXfer %s %s: empty 'm' reply", object, annex)
		}
	}
}

func (c *Client) listThreads() error {
	c.threads = nil
	r, err := c.Request("qfThreadInfo")
	if err != nil {
		return err
	}
	for r != "l" && r != "" {
		if r[0] != 'm' {
			return protoErr("qfThreadInfo: reply %q", truncate(r))
		}
		c.threads = append(c.threads, strings.Split(r[1:], ",")...)
		if len(c.threads) > 4096 {
			return protoErr("qfThreadInfo: more than 4096 threads")
		}
		if r, err = c.Request("qsThreadInfo"); err != nil {
			return err
		}
	}
	return nil
}

// selectThread makes tid the thread of register and memory requests.
func (c *Client) selectThread(tid string) error {
	if tid == "" || tid == c.curG {
		return nil
	}
	r, err := c.Request("Hg" + tid)
	if err != nil {
		return err
	}
	if r != "OK" {
		return fmt.Errorf("gdb %s: selecting thread %s: %q", c.Addr, tid, truncate(r))
	}
	c.curG = tid
	return nil
}

// ReadGeneral reads the 'g' packet: the registers it holds, in number
// order, as little-endian values.
func (c *Client) ReadGeneral() ([]uint64, error) {
	r, err := c.Request("g")
	if err != nil {
		return nil, err
	}
	if errorReply(r) {
		return nil, fmt.Errorf("gdb %s: reading registers: %s", c.Addr, r)
	}
	var out []uint64
	for _, reg := range c.Regs.List {
		n := reg.Bits / 4
		if len(r) < n {
			break
		}
		if reg.Bits > 64 {
			r = r[n:]
			out = append(out, 0)
			continue
		}
		field := r[:n]
		r = r[n:]
		if strings.Contains(field, "x") {
			out = append(out, 0) // unavailable
			continue
		}
		v, err := decodeLE(field)
		if err != nil {
			return nil, fmt.Errorf("gdb %s: 'g' reply: %w", c.Addr, err)
		}
		out = append(out, v)
	}
	if len(r) != 0 && c.gRegs == 0 {
		return nil, fmt.Errorf("gdb %s: %w", c.Addr, protoErr("'g' reply has %d hex digits more than the target description's registers", len(r)))
	}
	c.gRegs = len(out)
	return out, nil
}

// ReadRegister reads one register by number ('p').
func (c *Client) ReadRegister(num int) (uint64, error) {
	r, err := c.Request(fmt.Sprintf("p%x", num))
	if err != nil {
		return 0, err
	}
	if r == "" || errorReply(r) {
		return 0, fmt.Errorf("gdb %s: register %d cannot be read (%q)", c.Addr, num, r)
	}
	if len(r) > 16 {
		r = r[:16]
	}
	v, err := decodeLE(r)
	if err != nil {
		return 0, fmt.Errorf("gdb %s: register %d: %w", c.Addr, num, err)
	}
	return v, nil
}

// ReadNamed reads a register by its target-description name.
func (c *Client) ReadNamed(name string) (uint64, error) {
	reg, ok := c.Regs.Lookup(name)
	if !ok {
		return 0, fmt.Errorf("gdb %s: the stub has no register %q", c.Addr, name)
	}
	return c.ReadRegister(reg.Num)
}

// WriteRegister writes one register ('P').
func (c *Client) WriteRegister(num int, bits int, v uint64) error {
	r, err := c.Request(fmt.Sprintf("P%x=%s", num, encodeLE(v, bits/8)))
	if err != nil {
		return err
	}
	if r != "OK" {
		return fmt.Errorf("gdb %s: writing register %d: %q", c.Addr, num, truncate(r))
	}
	return nil
}

// ReadMemory reads n bytes at addr ('m'), in the current thread's view
// (virtual addresses, unless physical mode is on).
func (c *Client) ReadMemory(addr uint64, n int) ([]byte, error) {
	var out []byte
	for n > 0 {
		chunk := min(n, 0x400)
		r, err := c.Request(fmt.Sprintf("m%x,%x", addr, chunk))
		if err != nil {
			return nil, err
		}
		if errorReply(r) || r == "" {
			return nil, fmt.Errorf("gdb %s: memory at %#x cannot be read (%q)", c.Addr, addr, r)
		}
		b, err := hex.DecodeString(r)
		if err != nil || len(b) == 0 || len(b) > chunk {
			return nil, fmt.Errorf("gdb %s: %w", c.Addr, protoErr("memory reply %q", truncate(r)))
		}
		out = append(out, b...)
		addr += uint64(len(b))
		n -= len(b)
	}
	return out, nil
}

// WriteMemory writes data at addr ('M').
func (c *Client) WriteMemory(addr uint64, data []byte) error {
	r, err := c.Request(fmt.Sprintf("M%x,%x:%s", addr, len(data), hex.EncodeToString(data)))
	if err != nil {
		return err
	}
	if r != "OK" {
		return fmt.Errorf("gdb %s: writing memory at %#x: %q", c.Addr, addr, truncate(r))
	}
	return nil
}

// Physical reports whether the stub can read memory by physical
// address (QEMU's Qqemu.PhyMemMode, which our stub also has).
func (c *Client) Physical() bool { return c.physOK }

// SetPhysical switches the stub's memory accesses to physical addresses
// (Qqemu.PhyMemMode); most stubs do not have it.
func (c *Client) SetPhysical(on bool) error {
	if on == c.physMode {
		return nil
	}
	if !c.physOK {
		return fmt.Errorf("gdb %s: the stub has no physical memory mode", c.Addr)
	}
	v := "0"
	if on {
		v = "1"
	}
	r, err := c.Request("Qqemu.PhyMemMode:" + v)
	if err != nil {
		return err
	}
	if r != "OK" {
		return fmt.Errorf("gdb %s: Qqemu.PhyMemMode: %q", c.Addr, truncate(r))
	}
	c.physMode = on
	return nil
}

// Step single-steps thread tid (all threads when empty) and returns the
// stop reply. Output packets that arrive meanwhile go to Console.
func (c *Client) Step(tid string) (StopReply, error) {
	cmd := "s"
	if tid != "" && c.features["vContSupported"] == "+" {
		cmd = "vCont;s:" + tid
	}
	if err := c.send(cmd); err != nil {
		return StopReply{}, err
	}
	return c.waitStop(c.Timeout)
}

// Continue resumes the target and waits for it to stop, for at most
// timeout (0: no limit); on timeout it interrupts the target.
func (c *Client) Continue(timeout time.Duration) (StopReply, error) {
	if err := c.send("c"); err != nil {
		return StopReply{}, err
	}
	if timeout <= 0 {
		return c.waitStop(0)
	}
	s, err := c.waitStop(timeout)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		return StopReply{}, err
	}
	return s, err
}

func (c *Client) waitStop(timeout time.Duration) (StopReply, error) {
	for {
		r, err := c.recv(timeout)
		if err != nil {
			return StopReply{}, err
		}
		if len(r) > 1 && r[0] == 'O' && r != "OK" {
			if b, err := hex.DecodeString(r[1:]); err == nil && c.Console != nil {
				c.Console.Write(b)
			}
			continue
		}
		s, err := ParseStopReply(r)
		if err != nil {
			return StopReply{}, c.fail(err)
		}
		if s.Exited() {
			c.closed = fmt.Errorf("gdb %s: the target exited (%c%02x)", c.Addr, s.Kind, s.Signal)
		}
		return s, nil
	}
}

// Breakpoint inserts (or removes) a software breakpoint at addr ('Z0').
func (c *Client) Breakpoint(addr uint64, insert bool) error {
	op := "z0"
	if insert {
		op = "Z0"
	}
	r, err := c.Request(fmt.Sprintf("%s,%x,4", op, addr))
	if err != nil {
		return err
	}
	if r != "OK" {
		return fmt.Errorf("gdb %s: breakpoint at %#x: %q", c.Addr, addr, truncate(r))
	}
	return nil
}
