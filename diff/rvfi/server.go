package rvfi

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Factory builds a fresh model at reset: TestRIG's reset state is the
// pc at 0x80000000 in M-mode, registers zero, memory zero.
type Factory func() (diff.Target, diff.Memory, error)

// Server serves a model to RVFI-DII verification engines (TestRIG's
// QuickCheckVEngine, or vcheck's own Target): it executes the injected
// instructions on the model and answers each with an execution packet,
// v1 until an engine asks for v2, with vcheck's extension blocks when it
// asks for them (docs/rvfi.md).
//
// Injection: before each step the server writes the instruction word
// over the memory at the pc (through the hart's translation) and puts
// the old bytes back after it, unless the instruction stored there
// itself. A pc whose memory is not RAM cannot take an injected
// instruction: the model fetches there and faults, as it would.
type Server struct {
	New     Factory
	Log     io.Writer     // connections and protocol errors, or nil
	Timeout time.Duration // for writes to the engine; DefaultTimeout when zero
}

// DefaultTimeout bounds each write to the peer and, on the client side,
// each answer the peer owes.
const DefaultTimeout = 10 * time.Second

// Serve accepts engines on l until l is closed; each connection has a
// model of its own.
func (s *Server) Serve(l net.Listener) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if s.Log != nil {
			fmt.Fprintf(s.Log, "rvfi-dii: connection from %s\n", conn.RemoteAddr())
		}
		go func() {
			defer conn.Close()
			if err := s.ServeConn(conn); err != nil && s.Log != nil {
				fmt.Fprintf(s.Log, "rvfi-dii: %s: %v\n", conn.RemoteAddr(), err)
			}
		}()
	}
}

// serverSession is the state of one connection.
type serverSession struct {
	s       *Server
	conn    net.Conn
	w       *bufio.Writer
	version int
	ext     uint64
	m       diff.Target
	mem     diff.Memory
	x       [32]uint64 // the registers, tracked from the records
	order   uint64
	intr    bool // the previous step trapped: this one is the handler's first
	halted  bool
	addr    uint64 // the memory-load address
	loaded  uint64 // words loaded since the last sync
}

// ServeConn runs the protocol on one connection until the engine hangs
// up. Packets the server does not understand end the session with an
// error naming them.
func (s *Server) ServeConn(conn net.Conn) error {
	ss := &serverSession{s: s, conn: conn, w: bufio.NewWriterSize(conn, 1<<16), version: 1}
	if err := ss.reset(); err != nil {
		return err
	}
	r := bufio.NewReaderSize(conn, 1<<16)
	var buf [InstructionSize]byte
	for {
		// Replies are buffered while more packets are waiting, so that an
		// engine that sends a whole trace first gets its answers in bulk.
		if r.Buffered() < InstructionSize {
			if err := ss.flush(); err != nil {
				return err
			}
		}
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return ss.flush()
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return protoErr("the engine hung up in the middle of a packet")
			}
			return err
		}
		p, _ := DecodeInstruction(buf[:])
		if err := ss.handle(p); err != nil {
			ss.flush()
			return err
		}
	}
}

func (ss *serverSession) flush() error {
	t := ss.s.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	ss.conn.SetWriteDeadline(time.Now().Add(t))
	return ss.w.Flush()
}

func (ss *serverSession) reset() error {
	m, mem, err := ss.s.New()
	if err != nil {
		return fmt.Errorf("rvfi-dii: building the model: %w", err)
	}
	ss.m, ss.mem = m, mem
	ss.x = [32]uint64{}
	ss.order, ss.intr, ss.halted = 0, false, false
	return nil
}

func (ss *serverSession) handle(p InstructionPacket) error {
	switch p.Cmd {
	case CmdEndOfTrace:
		if err := ss.reset(); err != nil {
			return err
		}
		if p.Insn == VersMagic {
			// Version 2, and vcheck's extensions, are on offer: a v1 halt
			// packet whose halt field is 1 + ((2-1) << 1) (QuickCheckVEngine
			// rvfiHaltVersion), with vcheck's mark in insn.
			b := EncodeV1(Execution{Halt: 3, Insn: VcheckMagic})
			_, err := ss.w.Write(b[:])
			return err
		}
		return ss.send(Execution{Halt: 1})
	case CmdSetVersion:
		v := int(p.Insn)
		if v < 1 {
			return protoErr("set-version to %d", p.Insn)
		}
		ss.version = min(v, 2)
		_, err := ss.w.Write(EncodeWord(magicVersion, uint64(ss.version)))
		return err
	case CmdExtensions:
		if ss.version < 2 {
			return protoErr("extension request before version 2 was set")
		}
		ss.ext = extMask(p.Insn)&Extensions | LoadCapability
		_, err := ss.w.Write(EncodeWord(magicExtAck, ss.ext))
		return err
	case CmdAddrLow, CmdAddrHigh, CmdWrite, CmdSync:
		return ss.load(p)
	case CmdInstruction:
		e, err := ss.execute(p.Insn)
		if err != nil {
			return err
		}
		return ss.send(e)
	}
	return protoErr("unknown command %#x (insn %#x)", p.Cmd, p.Insn)
}

// load runs the memory-load commands (vcheck extension, docs/rvfi.md).
func (ss *serverSession) load(p InstructionPacket) error {
	if ss.ext&LoadCapability == 0 {
		return protoErr("memory-load command %q before the extensions were negotiated", rune(p.Cmd))
	}
	switch p.Cmd {
	case CmdAddrLow:
		ss.addr = ss.addr&^0xffffffff | uint64(p.Insn)
	case CmdAddrHigh:
		ss.addr = ss.addr&0xffffffff | uint64(p.Insn)<<32
	case CmdWrite:
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], p.Insn)
		if ss.mem != nil && ss.mem.WriteMem(ss.addr, b[:]) == nil {
			ss.loaded++
		}
		ss.addr += 4
	case CmdSync:
		_, err := ss.w.Write(EncodeWord(magicLoaded, ss.loaded))
		ss.loaded = 0
		return err
	}
	return nil
}

// extMask turns an extension request's insn (bit 0 CSR, bit 1 trap,
// bit 2 priv) into available-field bits.
func extMask(req uint32) uint64 {
	return uint64(req&7) << 60
}

func (ss *serverSession) send(e Execution) error {
	if ss.version >= 2 {
		if ss.ext&FieldCSR == 0 {
			e.CSR = nil
		}
		if ss.ext&FieldTrap == 0 {
			e.TrapInfo = nil
		}
		if ss.ext&FieldPriv == 0 {
			e.Priv = nil
		}
		_, err := ss.w.Write(EncodeV2(e))
		return err
	}
	b := EncodeV1(e)
	_, err := ss.w.Write(b[:])
	return err
}

// execute injects insn at the pc, steps the model and returns the packet.
func (ss *serverSession) execute(insn uint32) (Execution, error) {
	if ss.halted || ss.m.Exit().Reason != spec.Running {
		ss.halted = true
		return Execution{Halt: 1}, nil
	}
	st := ss.m.State(0)
	n := 4
	if insn&3 != 3 {
		n, insn = 2, insn&0xffff
	}
	var word [4]byte
	binary.LittleEndian.PutUint32(word[:], insn)
	pa, ok := fetchAddress(st, ss.mem)
	var old []byte
	if ok {
		old = make([]byte, n)
		if ss.mem.ReadMem(pa, old) != nil || ss.mem.WriteMem(pa, word[:n]) != nil {
			old, ok = nil, false
		}
	}
	r := ss.m.Step()
	if ok {
		cur := make([]byte, n)
		if ss.mem.ReadMem(pa, cur) == nil && string(cur) == string(word[:n]) {
			ss.mem.WriteMem(pa, old)
		}
	}
	e := fromRetire(&r, &ss.x, ss.intr)
	ss.order++
	e.Order = ss.order
	ss.intr = r.Trap.Valid
	if r.Rd.Valid && r.Rd.Reg != 0 {
		ss.x[r.Rd.Reg] = r.Rd.Value
	}
	if ss.m.Exit().Reason != spec.Running {
		e.Halt = 1
		ss.halted = true
	}
	return e, nil
}

// fetchAddress translates the pc for an instruction fetch in the hart's
// mode (spec.WalkSv39, page tables read from RAM); it reports false when
// the pc does not map.
func fetchAddress(st spec.ArchState, mem diff.Memory) (uint64, bool) {
	satp := st.CSRs[spec.CSRSatp]
	if st.Mode == spec.ModeM || satp>>60 != spec.SatpModeSv39 {
		return st.PC, true
	}
	pa, _, ok := spec.WalkSv39(st.PC, satp, func(pa uint64) (uint64, bool) {
		var b [8]byte
		if mem.ReadMem(pa, b[:]) != nil {
			return 0, false
		}
		return binary.LittleEndian.Uint64(b[:]), true
	})
	return pa, ok
}

// fromRetire converts a retire record to an execution packet, with the
// pre-step registers x for the source operands.
func fromRetire(r *spec.Retire, x *[32]uint64, intr bool) Execution {
	e := Execution{Insn: uint64(r.Insn), Mode: uint8(r.Mode), IXL: 2, Valid: 1, PCRData: r.PC, PCWData: r.NextPC}
	if intr {
		e.Intr = 1
	}
	in := &IntData{}
	if r.Trap.Valid {
		e.Trap = 1
	} else if ops, ok := spec.DecodeOperands(r.Insn); ok {
		if ops.Rs1 >= 0 {
			in.Rs1Addr, in.Rs1RData = uint8(ops.Rs1), x[ops.Rs1]
		}
		if ops.Rs2 >= 0 {
			in.Rs2Addr, in.Rs2RData = uint8(ops.Rs2), x[ops.Rs2]
		}
	}
	if r.Rd.Valid {
		in.RdAddr, in.RdWData = r.Rd.Reg, r.Rd.Value
	}
	e.Int = in
	m := &MemData{}
	if r.Mem.Valid {
		m.Addr = r.Mem.Addr
		bytes := uint32(1)<<r.Mem.Size - 1
		if r.Mem.Read {
			m.RMask, m.RData[0] = bytes, r.Mem.RData
		}
		if r.Mem.Write {
			m.WMask, m.WData[0] = bytes, r.Mem.WData
		}
	}
	e.Mem = m
	e.CSR = &CSRData{Valid: b2u(r.CSR.Valid), Addr: r.CSR.Addr, Value: r.CSR.Value}
	t := &TrapData{Valid: b2u(r.Trap.Valid), Tval: r.Trap.Tval, Target: uint8(r.Trap.Target), Cause: r.Trap.Cause}
	if r.Trap.Interrupt {
		t.Cause |= 1 << 63
	}
	e.TrapInfo = t
	e.Priv = &PrivData{NextMode: uint8(r.NextMode)}
	return e
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
