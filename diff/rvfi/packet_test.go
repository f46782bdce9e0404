package rvfi

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex reads a golden packet written as hex, spaces and newlines free.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The golden packets below are written byte by byte from the published
// layouts, not from this package: RVFI-DII.md's tables (instruction
// packet, v1 execution packet: the [n] byte indices) and
// QuickCheckVEngine's RVFI_DII/RVFI.hs decoders (v2: header, int-data and
// mem-data blocks, read little-endian in that order).

func TestInstructionPacketGolden(t *testing.T) {
	// addi a0, zero, 10 (0x00a00513) at time 1, command 1 (Instruction):
	// [0-3] insn, [4-5] time, [6] cmd, [7] padding.
	want := unhex(t, "1305a000 0100 01 00")
	p := InstructionPacket{Insn: 0x00a00513, Time: 1, Cmd: CmdInstruction}
	got := p.Encode()
	if !bytes.Equal(got[:], want) {
		t.Errorf("Encode = %x, want %x", got, want)
	}
	back, err := DecodeInstruction(want)
	if err != nil || back != p {
		t.Errorf("DecodeInstruction = %+v, %v", back, err)
	}
	// QuickCheckVEngine's version request: an EndOfTrace carrying 'VERS'.
	vers := InstructionPacket{Cmd: CmdEndOfTrace, Insn: VersMagic, Time: 1}.Encode()
	if want := unhex(t, "53524556 0100 00 00"); !bytes.Equal(vers[:], want) {
		t.Errorf("version request = %x, want %x", vers, want)
	}
}

func TestV1Golden(t *testing.T) {
	// sd a0, 8(sp) at 0x80000010, order 7, storing 0x1122334455667788.
	want := unhex(t, `
		0700000000000000 1000008000000000 1400008000000000 2334a10000000000
		0020008000000000 8877665544332211 0000000000000000 0820008000000000
		0000000000000000 8877665544332211 00 ff 02 0a 00 00 00 00`)
	if len(want) != V1Size {
		t.Fatalf("golden v1 packet is %d bytes", len(want))
	}
	e := Execution{Order: 7, PCRData: 0x80000010, PCWData: 0x80000014, Insn: 0x00a13423,
		Int: &IntData{Rs1Addr: 2, Rs2Addr: 10, Rs1RData: 0x80002000, Rs2RData: 0x1122334455667788},
		Mem: &MemData{Addr: 0x80002008, WMask: 0xff}}
	e.Mem.WData[0] = 0x1122334455667788
	got := EncodeV1(e)
	if !bytes.Equal(got[:], want) {
		t.Errorf("EncodeV1 =\n%x\nwant\n%x", got, want)
	}
	back, err := DecodeV1(want)
	if err != nil {
		t.Fatal(err)
	}
	again := EncodeV1(back)
	if !bytes.Equal(again[:], want) {
		t.Errorf("DecodeV1 then EncodeV1 changes the packet: %x", again)
	}
	// The answer to a version request from an implementation that speaks
	// v2: a halt packet whose halt byte [86] is 3.
	h := EncodeV1(Execution{Halt: 3})
	if h[86] != 3 || bytes.Count(h[:], []byte{0}) != V1Size-1 {
		t.Errorf("version answer %x", h)
	}
}

func TestV2Golden(t *testing.T) {
	// The same store as a v2 packet with the integer and memory blocks:
	// header (64), int-data (40), mem-data (88) = 192 bytes.
	want := unhex(t, `
		74726163652d7632 c000000000000000
		0700000000000000 2334a10000000000 000000 03 02 01 0000
		1000008000000000 1400008000000000 0300000000000000
		696e742d64617461 0000000000000000 0020008000000000 8877665544332211 00 02 0a 0000000000
		6d656d2d64617461
		0000000000000000 0000000000000000 0000000000000000 0000000000000000
		8877665544332211 0000000000000000 0000000000000000 0000000000000000
		00000000 ff000000 0820008000000000`)
	if len(want) != 192 {
		t.Fatalf("golden v2 packet is %d bytes", len(want))
	}
	e := Execution{Order: 7, Insn: 0x00a13423, Mode: 3, IXL: 2, Valid: 1, PCRData: 0x80000010, PCWData: 0x80000014,
		Int: &IntData{Rs1Addr: 2, Rs2Addr: 10, Rs1RData: 0x80002000, Rs2RData: 0x1122334455667788},
		Mem: &MemData{Addr: 0x80002008, WMask: 0xff}}
	e.Mem.WData[0] = 0x1122334455667788
	if got := EncodeV2(e); !bytes.Equal(got, want) {
		t.Errorf("EncodeV2 =\n%x\nwant\n%x", got, want)
	}
	back, err := DecodeV2(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := EncodeV2(back); !bytes.Equal(got, want) {
		t.Errorf("DecodeV2 then EncodeV2 changes the packet:\n%x", got)
	}
	// A header alone: no blocks, 64 bytes, available fields 0.
	if h := EncodeV2(Execution{Halt: 1}); len(h) != V2HeaderSize || h[8] != 64 || h[33] != 1 {
		t.Errorf("halt header %x", h)
	}
}

func TestV2ExtensionBlocks(t *testing.T) {
	e := Execution{Order: 1, Trap: 1, Mode: 0, Valid: 1, PCRData: 0x1000, PCWData: 0x80000100,
		Int: &IntData{}, Mem: &MemData{},
		CSR:      &CSRData{Valid: 1, Addr: 0x300, Value: 0xa00000080},
		TrapInfo: &TrapData{Valid: 1, Cause: 1<<63 | 7, Tval: 0x1234, Target: 3},
		Priv:     &PrivData{NextMode: 3}}
	b := EncodeV2(e)
	if len(b) != maxV2Size {
		t.Fatalf("packet with every block is %d bytes, want %d", len(b), maxV2Size)
	}
	// The available fields: int, mem and vcheck's bits 60-62.
	if got := b[56:64]; !bytes.Equal(got, unhex(t, "0300000000000070")) {
		t.Errorf("available fields %x", got)
	}
	for _, m := range []string{"vcheck-c", "vcheck-t", "vcheck-p"} {
		if !bytes.Contains(b, []byte(m)) {
			t.Errorf("no %s block", m)
		}
	}
	back, err := DecodeV2(b)
	if err != nil {
		t.Fatal(err)
	}
	if *back.CSR != *e.CSR || *back.TrapInfo != *e.TrapInfo || *back.Priv != *e.Priv {
		t.Errorf("extension blocks changed: %+v %+v %+v", back.CSR, back.TrapInfo, back.Priv)
	}
}

func TestV2Rejects(t *testing.T) {
	good := EncodeV2(Execution{Int: &IntData{}, Mem: &MemData{}})
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for name, b := range map[string][]byte{
		"magic":          mut(func(b []byte) []byte { b[0] = 'X'; return b }),
		"size":           mut(func(b []byte) []byte { b[8]++; return b }),
		"unknown field":  mut(func(b []byte) []byte { b[56] |= 1 << 3; return b }),
		"block magic":    mut(func(b []byte) []byte { b[64] = 'X'; return b }),
		"truncated":      good[:100],
		"trailing bytes": append(append([]byte(nil), good...), 0),
		"short header":   good[:10],
	} {
		if _, err := DecodeV2(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := DecodeV2(good); err != nil {
		t.Errorf("the good packet: %v", err)
	}
	_, err := DecodeV2(mut(func(b []byte) []byte { b[56] |= 1 << 3; return b }))
	if !errors.Is(err, ErrProtocol) {
		t.Errorf("unknown field: %v does not wrap ErrProtocol", err)
	}
}

func FuzzDecodeV2(f *testing.F) {
	f.Add(EncodeV2(Execution{Int: &IntData{RdAddr: 3}, Mem: &MemData{RMask: 0xf}}))
	f.Add(EncodeV2(Execution{CSR: &CSRData{}, TrapInfo: &TrapData{}, Priv: &PrivData{}}))
	f.Add([]byte("trace-v2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeV2(b)
		if err != nil {
			return
		}
		back, err := DecodeV2(EncodeV2(e))
		if err != nil {
			t.Fatalf("re-encoding a decoded packet: %v", err)
		}
		if !bytes.Equal(EncodeV2(back), EncodeV2(e)) {
			t.Fatal("decode(encode(p)) != p")
		}
	})
}

func FuzzDecodeV1(f *testing.F) {
	b := EncodeV1(Execution{Order: 1, Int: &IntData{}, Mem: &MemData{}})
	f.Add(b[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeV1(b)
		if err != nil {
			if len(b) == V1Size {
				t.Fatalf("an 88-byte packet was refused: %v", err)
			}
			return
		}
		again := EncodeV1(e)
		if !bytes.Equal(again[:], b) {
			t.Fatalf("v1 decode/encode is not the identity: %x -> %x", b, again)
		}
	})
}

func FuzzDecodeInstruction(f *testing.F) {
	f.Add([]byte{0x13, 0, 0, 0, 1, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeInstruction(b)
		if err != nil {
			return
		}
		if e := p.Encode(); !bytes.Equal(e[:7], b[:7]) {
			t.Fatalf("instruction packet round trip: %x -> %x", b, e)
		}
	})
}
