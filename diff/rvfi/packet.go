// Package rvfi speaks RVFI-DII, the protocol of TestRIG (CTSRD-CHERI/
// TestRIG, RVFI-DII.md; the v2 layout is QuickCheckVEngine's
// RVFI_DII/RVFI.hs and sail-riscv's rvfi_dii.sail), both ways: a Server
// that serves one of our models to a verification engine, and a Target
// (a diff.Target) that drives any RVFI-DII implementation instruction by
// instruction. docs/rvfi.md describes the packets and vcheck's extension
// blocks.
//
// Every multi-byte field is little-endian on the wire.
package rvfi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrProtocol is wrapped by every error about malformed data from the peer.
var ErrProtocol = errors.New("rvfi-dii protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Instruction packet commands (RVFI-DII.md; 'v' is QuickCheckVEngine's
// set-version command; 'x' is vcheck's extension request, docs/rvfi.md).
const (
	CmdEndOfTrace  = 0
	CmdInstruction = 1
	CmdSetVersion  = 'v'
	CmdExtensions  = 'x'
)

// VersMagic in an EndOfTrace packet asks for the implementation's trace
// version ('V' 'E' 'R' 'S').
const VersMagic = 0x56455253

// InstructionPacket is the 8-byte packet a verification engine sends:
// insn in bytes 0-3, time in 4-5, cmd in 6, padding in 7.
type InstructionPacket struct {
	Insn uint32
	Time uint16
	Cmd  uint8
}

// InstructionSize is the size of an instruction packet.
const InstructionSize = 8

// Encode returns the packet's wire form.
func (p InstructionPacket) Encode() [InstructionSize]byte {
	var b [InstructionSize]byte
	binary.LittleEndian.PutUint32(b[0:], p.Insn)
	binary.LittleEndian.PutUint16(b[4:], p.Time)
	b[6] = p.Cmd
	return b
}

// DecodeInstruction reads an instruction packet's wire form.
func DecodeInstruction(b []byte) (InstructionPacket, error) {
	if len(b) != InstructionSize {
		return InstructionPacket{}, protoErr("instruction packet of %d bytes, not 8", len(b))
	}
	return InstructionPacket{Insn: binary.LittleEndian.Uint32(b), Time: binary.LittleEndian.Uint16(b[4:]), Cmd: b[6]}, nil
}

// Execution is one execution packet, in any version: the fields of the
// v1 packet, the v2 header, and the optional v2 blocks (nil when absent).
type Execution struct {
	Order   uint64 // instruction number: minstret after completion
	Insn    uint64
	Trap    uint8 // the instruction trapped (or an interrupt was taken)
	Halt    uint8 // last instruction before halting; in a version reply, 1+((version-1)<<1)
	Intr    uint8 // first instruction of a trap handler
	Mode    uint8 // v2: the privilege mode (0 U, 1 S, 3 M)
	IXL     uint8 // v2: 2 for 64-bit
	Valid   uint8 // v2
	PCRData uint64
	PCWData uint64
	Int     *IntData
	Mem     *MemData
	// vcheck's extension blocks (docs/rvfi.md).
	CSR      *CSRData
	TrapInfo *TrapData
	Priv     *PrivData
}

// IntData is the integer register block.
type IntData struct {
	RdWData, Rs1RData, Rs2RData uint64
	RdAddr, Rs1Addr, Rs2Addr    uint8
}

// MemData is the memory block: up to 32 bytes of read and written data
// (v1 carries the low 8) with byte masks.
type MemData struct {
	RData, WData [4]uint64
	RMask, WMask uint32
	Addr         uint64
}

// CSRData is vcheck's CSR block: the CSR a Zicsr instruction wrote and
// its value as read back.
type CSRData struct {
	Value uint64
	Addr  uint16
	Valid uint8
}

// TrapData is vcheck's trap block: the trap a step took.
type TrapData struct {
	Cause  uint64 // mcause form: bit 63 set for an interrupt
	Tval   uint64
	Target uint8 // the mode that handles it
	Valid  uint8
}

// PrivData is vcheck's privilege block: the mode after the step.
type PrivData struct {
	NextMode uint8
}

// V1Size is the size of a v1 execution packet.
const V1Size = 88

// EncodeV1 returns the 88-byte v1 packet of e (RVFI-DII.md: order in
// bytes 0-7 ... intr in byte 87). v1 has no mode and only the low 8
// bytes of memory data.
func EncodeV1(e Execution) [V1Size]byte {
	var b [V1Size]byte
	le := binary.LittleEndian
	le.PutUint64(b[0:], e.Order)
	le.PutUint64(b[8:], e.PCRData)
	le.PutUint64(b[16:], e.PCWData)
	le.PutUint64(b[24:], e.Insn)
	if i := e.Int; i != nil {
		le.PutUint64(b[32:], i.Rs1RData)
		le.PutUint64(b[40:], i.Rs2RData)
		le.PutUint64(b[48:], i.RdWData)
		b[82], b[83], b[84] = i.Rs1Addr, i.Rs2Addr, i.RdAddr
	}
	if m := e.Mem; m != nil {
		le.PutUint64(b[56:], m.Addr)
		le.PutUint64(b[64:], m.RData[0])
		le.PutUint64(b[72:], m.WData[0])
		b[80], b[81] = uint8(m.RMask), uint8(m.WMask)
	}
	b[85], b[86], b[87] = e.Trap, e.Halt, e.Intr
	return b
}

// DecodeV1 reads an 88-byte v1 packet.
func DecodeV1(b []byte) (Execution, error) {
	if len(b) != V1Size {
		return Execution{}, protoErr("v1 execution packet of %d bytes, not 88", len(b))
	}
	le := binary.LittleEndian
	e := Execution{Order: le.Uint64(b[0:]), PCRData: le.Uint64(b[8:]), PCWData: le.Uint64(b[16:]), Insn: le.Uint64(b[24:]),
		Trap: b[85], Halt: b[86], Intr: b[87], Valid: 1}
	e.Int = &IntData{Rs1RData: le.Uint64(b[32:]), Rs2RData: le.Uint64(b[40:]), RdWData: le.Uint64(b[48:]),
		Rs1Addr: b[82], Rs2Addr: b[83], RdAddr: b[84]}
	e.Mem = &MemData{Addr: le.Uint64(b[56:]), RMask: uint32(b[80]), WMask: uint32(b[81])}
	e.Mem.RData[0], e.Mem.WData[0] = le.Uint64(b[64:]), le.Uint64(b[72:])
	return e, nil
}

// Available-field bits of the v2 header (sail-riscv rvfi_dii.sail: bit 0
// integer data, bit 1 memory access data; bits 2-6 are reserved there for
// blocks not yet defined). vcheck's blocks use bits 60-62, far from those.
const (
	FieldInt  = 1 << 0
	FieldMem  = 1 << 1
	FieldCSR  = 1 << 60
	FieldTrap = 1 << 61
	FieldPriv = 1 << 62

	// Extensions are the fields a vcheck peer may negotiate.
	Extensions = FieldCSR | FieldTrap | FieldPriv
)

// Block magics and sizes (each block starts with its 8-byte magic).
const (
	magicTrace   = "trace-v2"
	magicInt     = "int-data"
	magicMem     = "mem-data"
	magicCSR     = "vcheck-c"
	magicTrap    = "vcheck-t"
	magicPriv    = "vcheck-p"
	magicVersion = "version="
	magicExtAck  = "ext-ack="

	V2HeaderSize = 64
	intSize      = 40
	memSize      = 88
	csrSize      = 24
	trapSize     = 32
	privSize     = 16

	// maxV2Size bounds a v2 packet: the header and every block we know.
	maxV2Size = V2HeaderSize + intSize + memSize + csrSize + trapSize + privSize
)

// VcheckMagic marks, in the insn field of the halt packet that answers a
// version request, a server that offers vcheck's extension blocks.
const VcheckMagic = 0x782d6b6365686376 // "vcheck-x"

// EncodeV2 returns the v2 packet of e: the header, then each block e has,
// in the order int, mem, CSR, trap, priv. The header's available fields
// say which follow.
func EncodeV2(e Execution) []byte {
	le := binary.LittleEndian
	var avail uint64
	var blocks []byte
	if i := e.Int; i != nil {
		avail |= FieldInt
		b := make([]byte, intSize)
		copy(b, magicInt)
		le.PutUint64(b[8:], i.RdWData)
		le.PutUint64(b[16:], i.Rs1RData)
		le.PutUint64(b[24:], i.Rs2RData)
		b[32], b[33], b[34] = i.RdAddr, i.Rs1Addr, i.Rs2Addr
		blocks = append(blocks, b...)
	}
	if m := e.Mem; m != nil {
		avail |= FieldMem
		b := make([]byte, memSize)
		copy(b, magicMem)
		for k := 0; k < 4; k++ {
			le.PutUint64(b[8+8*k:], m.RData[k])
			le.PutUint64(b[40+8*k:], m.WData[k])
		}
		le.PutUint32(b[72:], m.RMask)
		le.PutUint32(b[76:], m.WMask)
		le.PutUint64(b[80:], m.Addr)
		blocks = append(blocks, b...)
	}
	if c := e.CSR; c != nil {
		avail |= FieldCSR
		b := make([]byte, csrSize)
		copy(b, magicCSR)
		le.PutUint64(b[8:], c.Value)
		le.PutUint16(b[16:], c.Addr)
		b[18] = c.Valid
		blocks = append(blocks, b...)
	}
	if t := e.TrapInfo; t != nil {
		avail |= FieldTrap
		b := make([]byte, trapSize)
		copy(b, magicTrap)
		le.PutUint64(b[8:], t.Cause)
		le.PutUint64(b[16:], t.Tval)
		b[24], b[25] = t.Target, t.Valid
		blocks = append(blocks, b...)
	}
	if p := e.Priv; p != nil {
		avail |= FieldPriv
		b := make([]byte, privSize)
		copy(b, magicPriv)
		b[8] = p.NextMode
		blocks = append(blocks, b...)
	}
	h := make([]byte, V2HeaderSize, V2HeaderSize+len(blocks))
	copy(h, magicTrace)
	le.PutUint64(h[8:], uint64(V2HeaderSize+len(blocks)))
	le.PutUint64(h[16:], e.Order)
	le.PutUint64(h[24:], e.Insn)
	h[32], h[33], h[34], h[35], h[36], h[37] = e.Trap, e.Halt, e.Intr, e.Mode, e.IXL, e.Valid
	le.PutUint64(h[40:], e.PCRData)
	le.PutUint64(h[48:], e.PCWData)
	le.PutUint64(h[56:], avail)
	return append(h, blocks...)
}

// ReadV2 reads one v2 packet. Unknown available-field bits, a block with
// the wrong magic, a size that does not add up or exceeds every block we
// know are errors (QuickCheckVEngine rejects the same).
func ReadV2(r io.Reader) (Execution, error) {
	h := make([]byte, V2HeaderSize)
	if _, err := io.ReadFull(r, h); err != nil {
		return Execution{}, err
	}
	return decodeV2(h, r)
}

// DecodeV2 decodes one whole v2 packet held in b.
func DecodeV2(b []byte) (Execution, error) {
	if len(b) < V2HeaderSize {
		return Execution{}, protoErr("v2 packet of %d bytes, shorter than its 64-byte header", len(b))
	}
	rd := &sliceReader{b: b[V2HeaderSize:]}
	e, err := decodeV2(b[:V2HeaderSize], rd)
	if err == nil && len(rd.b) != 0 {
		err = protoErr("%d bytes after the v2 packet's blocks", len(rd.b))
	}
	return e, err
}

func decodeV2(h []byte, r io.Reader) (Execution, error) {
	le := binary.LittleEndian
	if string(h[:8]) != magicTrace {
		return Execution{}, protoErr("v2 packet magic %q, want %q", h[:8], magicTrace)
	}
	size := le.Uint64(h[8:])
	e := Execution{Order: le.Uint64(h[16:]), Insn: le.Uint64(h[24:]), Trap: h[32], Halt: h[33], Intr: h[34],
		Mode: h[35], IXL: h[36], Valid: h[37], PCRData: le.Uint64(h[40:]), PCWData: le.Uint64(h[48:])}
	avail := le.Uint64(h[56:])
	if unknown := avail &^ (FieldInt | FieldMem | Extensions); unknown != 0 {
		return Execution{}, protoErr("v2 packet announces unknown fields %#x", unknown)
	}
	want := uint64(V2HeaderSize)
	for _, f := range []struct {
		bit  uint64
		size uint64
	}{{FieldInt, intSize}, {FieldMem, memSize}, {FieldCSR, csrSize}, {FieldTrap, trapSize}, {FieldPriv, privSize}} {
		if avail&f.bit != 0 {
			want += f.size
		}
	}
	if size != want {
		return Execution{}, protoErr("v2 packet size %d, but its available fields %#x make %d", size, avail, want)
	}
	block := func(n int, magic string) ([]byte, error) {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if string(b[:8]) != magic {
			return nil, protoErr("block magic %q, want %q", b[:8], magic)
		}
		return b, nil
	}
	if avail&FieldInt != 0 {
		b, err := block(intSize, magicInt)
		if err != nil {
			return Execution{}, err
		}
		e.Int = &IntData{RdWData: le.Uint64(b[8:]), Rs1RData: le.Uint64(b[16:]), Rs2RData: le.Uint64(b[24:]),
			RdAddr: b[32], Rs1Addr: b[33], Rs2Addr: b[34]}
	}
	if avail&FieldMem != 0 {
		b, err := block(memSize, magicMem)
		if err != nil {
			return Execution{}, err
		}
		m := &MemData{RMask: le.Uint32(b[72:]), WMask: le.Uint32(b[76:]), Addr: le.Uint64(b[80:])}
		for k := 0; k < 4; k++ {
			m.RData[k], m.WData[k] = le.Uint64(b[8+8*k:]), le.Uint64(b[40+8*k:])
		}
		e.Mem = m
	}
	if avail&FieldCSR != 0 {
		b, err := block(csrSize, magicCSR)
		if err != nil {
			return Execution{}, err
		}
		e.CSR = &CSRData{Value: le.Uint64(b[8:]), Addr: le.Uint16(b[16:]), Valid: b[18]}
	}
	if avail&FieldTrap != 0 {
		b, err := block(trapSize, magicTrap)
		if err != nil {
			return Execution{}, err
		}
		e.TrapInfo = &TrapData{Cause: le.Uint64(b[8:]), Tval: le.Uint64(b[16:]), Target: b[24], Valid: b[25]}
	}
	if avail&FieldPriv != 0 {
		b, err := block(privSize, magicPriv)
		if err != nil {
			return Execution{}, err
		}
		e.Priv = &PrivData{NextMode: b[8]}
	}
	return e, nil
}

// EncodeWord returns a 16-byte reply of an 8-byte magic and a u64
// ("version=", "ext-ack=").
func EncodeWord(magic string, v uint64) []byte {
	b := make([]byte, 16)
	copy(b, magic)
	binary.LittleEndian.PutUint64(b[8:], v)
	return b
}

// DecodeWord reads a 16-byte magic-and-u64 reply.
func DecodeWord(b []byte, magic string) (uint64, error) {
	if len(b) != 16 {
		return 0, protoErr("%s reply of %d bytes, not 16", magic, len(b))
	}
	if string(b[:8]) != magic {
		return 0, protoErr("reply magic %q, want %q", b[:8], magic)
	}
	return binary.LittleEndian.Uint64(b[8:]), nil
}

type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}
