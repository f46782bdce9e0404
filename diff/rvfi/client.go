package rvfi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Memory-load commands (vcheck extension, docs/rvfi.md): set the address
// (low and high halves), write a word there and advance, and a sync that
// answers "loadack=" with the number of words written since the last one.
const (
	CmdAddrLow  = 'a'
	CmdAddrHigh = 'h'
	CmdWrite    = 'w'
	CmdSync     = 's'

	magicLoaded = "loadack="
	// LoadCapability, in an ext-ack reply, says the server takes the
	// memory-load commands.
	LoadCapability = 1 << 63
)

// Conn is a client connection to an RVFI-DII implementation, after
// version negotiation.
type Conn struct {
	Addr    string
	Timeout time.Duration
	Version int    // 1 or 2
	Ext     uint64 // extension blocks granted (Field* bits), and LoadCapability
	Vcheck  bool   // the peer is a vcheck server (it marked its version reply)

	conn   net.Conn
	r      *bufio.Reader
	closed error
}

// Options limit what a client negotiates: a lower version or no
// extension blocks, to behave as an engine that knows only those (the
// fallback tests use it).
type Options struct {
	Timeout      time.Duration // per answer; DefaultTimeout when zero
	MaxVersion   int           // 0: the newest (2)
	NoExtensions bool
}

// Dial connects to addr (HOST:PORT) and negotiates: version 2 when the
// implementation offers it (QuickCheckVEngine's rvfiNegotiateVersion),
// then vcheck's extension blocks when it is a vcheck server. It retries
// the connection until timeout.
func Dial(addr string, timeout time.Duration) (*Conn, error) {
	return DialWith(addr, Options{Timeout: timeout})
}

// DialWith is Dial with options.
func DialWith(addr string, opts Options) (*Conn, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	var nc net.Conn
	var err error
	for {
		nc, err = net.DialTimeout("tcp", addr, time.Until(deadline))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("rvfi %s: connecting: %w", addr, err)
	}
	c, err := NewConn(nc, addr, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// NewConn negotiates over an open connection.
func NewConn(nc net.Conn, addr string, opts Options) (*Conn, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxVersion := opts.MaxVersion
	if maxVersion <= 0 || maxVersion > 2 {
		maxVersion = 2
	}
	c := &Conn{Addr: addr, Timeout: timeout, conn: nc, r: bufio.NewReaderSize(nc, 1<<16), Version: 1}
	if err := c.Send(InstructionPacket{Cmd: CmdEndOfTrace, Insn: VersMagic, Time: 1}); err != nil {
		return nil, err
	}
	b, err := c.readN(V1Size)
	if err != nil {
		return nil, fmt.Errorf("rvfi %s: version negotiation: %w", addr, err)
	}
	e, _ := DecodeV1(b)
	if e.Halt == 0 {
		return nil, c.fail(protoErr("the answer to the version request is not a halt packet (halt=0, pc %#x)", e.PCRData))
	}
	c.Vcheck = e.Insn == VcheckMagic
	if offered := 1 + int(e.Halt>>1); offered >= 2 && maxVersion >= 2 {
		if err := c.Send(InstructionPacket{Cmd: CmdSetVersion, Insn: 2, Time: 1}); err != nil {
			return nil, err
		}
		b, err := c.readN(16)
		if err != nil {
			return nil, fmt.Errorf("rvfi %s: set-version: %w", addr, err)
		}
		v, err := DecodeWord(b, magicVersion)
		if err != nil {
			return nil, c.fail(err)
		}
		if v < 1 || v > 2 {
			return nil, c.fail(protoErr("the implementation answered set-version 2 with version %d", v))
		}
		c.Version = int(v)
	}
	if c.Vcheck && c.Version >= 2 && !opts.NoExtensions {
		if err := c.Send(InstructionPacket{Cmd: CmdExtensions, Insn: 7, Time: 1}); err != nil {
			return nil, err
		}
		b, err := c.readN(16)
		if err != nil {
			return nil, fmt.Errorf("rvfi %s: extension request: %w", addr, err)
		}
		if c.Ext, err = DecodeWord(b, magicExtAck); err != nil {
			return nil, c.fail(err)
		}
		if c.Ext&^(Extensions|LoadCapability) != 0 {
			return nil, c.fail(protoErr("the implementation granted unknown extensions %#x", c.Ext))
		}
	}
	return c, nil
}

// Close closes the connection.
func (c *Conn) Close() error {
	if c.closed == nil {
		c.closed = errors.New("rvfi: connection closed")
	}
	return c.conn.Close()
}

func (c *Conn) fail(err error) error {
	if c.closed == nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			err = fmt.Errorf("rvfi %s: no answer within %s: %w", c.Addr, c.Timeout, err)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
			err = fmt.Errorf("rvfi %s: the implementation closed the connection: %w", c.Addr, err)
		default:
			err = fmt.Errorf("rvfi %s: %w", c.Addr, err)
		}
		c.closed = err
		c.conn.Close()
	}
	return c.closed
}

// Send writes instruction packets.
func (c *Conn) Send(ps ...InstructionPacket) error {
	if c.closed != nil {
		return c.closed
	}
	buf := make([]byte, 0, len(ps)*InstructionSize)
	for _, p := range ps {
		b := p.Encode()
		buf = append(buf, b[:]...)
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.Timeout))
	if _, err := c.conn.Write(buf); err != nil {
		return c.fail(err)
	}
	return nil
}

func (c *Conn) readN(n int) ([]byte, error) {
	if c.closed != nil {
		return nil, c.closed
	}
	c.conn.SetReadDeadline(time.Now().Add(c.Timeout))
	b := make([]byte, n)
	if _, err := io.ReadFull(c.r, b); err != nil {
		return nil, c.fail(err)
	}
	return b, nil
}

// Receive reads one execution packet in the negotiated version.
func (c *Conn) Receive() (Execution, error) {
	if c.closed != nil {
		return Execution{}, c.closed
	}
	if c.Version < 2 {
		b, err := c.readN(V1Size)
		if err != nil {
			return Execution{}, err
		}
		return DecodeV1(b)
	}
	c.conn.SetReadDeadline(time.Now().Add(c.Timeout))
	e, err := ReadV2(c.r)
	if err != nil {
		return Execution{}, c.fail(err)
	}
	if e.Halt == 0 && (e.CSR != nil && c.Ext&FieldCSR == 0 || e.TrapInfo != nil && c.Ext&FieldTrap == 0 || e.Priv != nil && c.Ext&FieldPriv == 0) {
		return Execution{}, c.fail(protoErr("a packet carries extension blocks that were not negotiated"))
	}
	return e, nil
}

// Reset ends the trace: the implementation resets (registers, CSRs,
// memory; pc 0x80000000) and answers with a halt packet.
func (c *Conn) Reset() error {
	if err := c.Send(InstructionPacket{Cmd: CmdEndOfTrace, Time: 1}); err != nil {
		return err
	}
	e, err := c.Receive()
	if err != nil {
		return err
	}
	if e.Halt == 0 {
		return c.fail(protoErr("the answer to EndOfTrace is not a halt packet (pc %#x)", e.PCRData))
	}
	return nil
}

// Load writes words into the implementation's memory with the
// memory-load commands (only a vcheck server has them: LoadCapability).
func (c *Conn) Load(addr uint64, words []uint32) error {
	if c.Ext&LoadCapability == 0 {
		return errors.New("rvfi: the implementation has no memory-load commands")
	}
	ps := []InstructionPacket{{Cmd: CmdAddrLow, Insn: uint32(addr)}, {Cmd: CmdAddrHigh, Insn: uint32(addr >> 32)}}
	for _, w := range words {
		ps = append(ps, InstructionPacket{Cmd: CmdWrite, Insn: w})
	}
	ps = append(ps, InstructionPacket{Cmd: CmdSync})
	if err := c.Send(ps...); err != nil {
		return err
	}
	b, err := c.readN(16)
	if err != nil {
		return err
	}
	n, err := DecodeWord(b, magicLoaded)
	if err != nil {
		return c.fail(err)
	}
	if n != uint64(len(words)) {
		return c.fail(protoErr("loaded %d words of %d at %#x (outside the implementation's RAM?)", n, len(words), addr))
	}
	return nil
}
