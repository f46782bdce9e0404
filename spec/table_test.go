package spec

import (
	"math/rand"
	"testing"
)

// TestNoOverlap fails when two rows can match the same word, as Spike's
// encoding test does for riscv-opcodes.
func TestNoOverlap(t *testing.T) {
	// Compressed: every 16-bit word, exhaustively.
	for w := uint32(0); w < 1<<16; w++ {
		if w&3 == 3 {
			continue
		}
		var hits []string
		for i := range Insts {
			if Insts[i].Ext == ExtC && Insts[i].Matches(w) {
				hits = append(hits, Insts[i].Name)
			}
		}
		if len(hits) > 1 {
			t.Errorf("word %#04x matches %v", w, hits)
		}
	}
	// 32-bit: two rows overlap when their fixed bits agree, unless one
	// row's exclusions cover everything the other matches.
	covers := func(p Pattern, in *Inst) bool {
		return p.Mask&^in.Mask == 0 && in.Match&p.Mask == p.Match
	}
	for i := range Insts {
		a := &Insts[i]
		if a.Ext == ExtC {
			continue
		}
		for j := i + 1; j < len(Insts); j++ {
			b := &Insts[j]
			if b.Ext == ExtC || (a.Match^b.Match)&a.Mask&b.Mask != 0 {
				continue
			}
			excluded := false
			for _, p := range a.Not {
				excluded = excluded || covers(p, b)
			}
			for _, p := range b.Not {
				excluded = excluded || covers(p, a)
			}
			if !excluded {
				t.Errorf("%s and %s can match the same word", a.Name, b.Name)
			}
		}
	}
	// And a random sample through Decode, which must agree with a scan.
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 200000; n++ {
		w := r.Uint32() | 3
		count := 0
		for i := range Insts {
			if Insts[i].Ext != ExtC && Insts[i].Matches(w) {
				count++
			}
		}
		if count > 1 {
			t.Fatalf("word %#08x matches %d rows", w, count)
		}
		if (count == 1) != (Decode(w) != nil) {
			t.Fatalf("word %#08x: Decode disagrees with a linear scan", w)
		}
	}
}

// TestRowsWellFormed checks each row: operands never overlap the fixed
// bits, and compressed rows expand to a real 32-bit row.
func TestRowsWellFormed(t *testing.T) {
	if numInsts != len(Insts) {
		t.Fatalf("zdecode.go was generated for %d rows, the table has %d: run go generate ./spec", numInsts, len(Insts))
	}
	for i := range Insts {
		in := &Insts[i]
		if in.Match&^in.Mask != 0 {
			t.Errorf("%s: match has bits outside the mask", in.Name)
		}
		var seen uint32
		for _, a := range in.Args {
			if a.Mask()&in.Mask != 0 && a != ArgCRs1 && a != ArgCRd {
				t.Errorf("%s: operand %s overlaps fixed bits", in.Name, ArgSpecs[a].Name)
			}
			if a.Mask()&seen != 0 {
				t.Errorf("%s: operand %s overlaps another operand", in.Name, ArgSpecs[a].Name)
			}
			seen |= a.Mask()
		}
		if in.Ext == ExtC {
			if in.Expand == "" {
				t.Errorf("%s: compressed row without expansion", in.Name)
			} else if Lookup(firstWord(in.Expand)) == nil {
				t.Errorf("%s: expands to unknown %q", in.Name, in.Expand)
			}
		}
		if Lookup(in.Name) != in {
			t.Errorf("%s: Lookup does not find the row", in.Name)
		}
	}
}

func firstWord(s string) string {
	for i := range s {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}

// TestArgRoundTrip encodes and decodes every operand value at its limits.
func TestArgRoundTrip(t *testing.T) {
	for a := Arg(0); a < NumArgs; a++ {
		s := ArgSpecs[a]
		top := a.valueBits()
		step := int64(1) << a.lowZeroBits()
		var lo, hi int64
		if s.Kind == KindSImm {
			lo, hi = -(int64(1) << (top - 1)), int64(1)<<(top-1)-step
		} else {
			lo, hi = 0, int64(1)<<top-step
		}
		lo, hi = lo+s.Offset, hi+s.Offset
		for _, v := range []int64{lo, hi, lo + step, hi - step} {
			w, err := a.Encode(v)
			if err != nil {
				t.Errorf("%s: Encode(%d): %v", s.Name, v, err)
				continue
			}
			if w&^a.Mask() != 0 {
				t.Errorf("%s: Encode(%d) sets bits outside the operand", s.Name, v)
			}
			if got := a.Value(w); got != v {
				t.Errorf("%s: Value(Encode(%d)) = %d", s.Name, v, got)
			}
		}
		if _, err := a.Encode(hi + step); err == nil {
			t.Errorf("%s: Encode(%d) accepted a value out of range", s.Name, hi+step)
		}
		if step > 1 {
			if _, err := a.Encode(lo + 1); err == nil {
				t.Errorf("%s: Encode(%d) accepted a misaligned value", s.Name, lo+1)
			}
		}
	}
}

// TestKnownEncodings pins a few words from the GNU assembler.
func TestKnownEncodings(t *testing.T) {
	for _, c := range []struct {
		word uint32
		name string
		ops  map[string]int64
	}{
		{0x00a00513, "addi", map[string]int64{"rd": 10, "rs1": 0, "imm": 10}},
		{0xfe000ee3, "beq", map[string]int64{"rs1": 0, "rs2": 0, "imm": -4}},
		{0x123452b7, "lui", map[string]int64{"rd": 5, "imm": 0x12345000}},
		{0x4505, "c.li", map[string]int64{"rd": 10, "imm": 1}},
		{0x1141, "c.addi", map[string]int64{"rd": 2, "imm": -16}},
		{0xe406, "c.sdsp", map[string]int64{"rs2": 1, "imm": 8}},
		{0x8082, "c.jr", map[string]int64{"rs1": 1}},
		{0x30200073, "mret", nil},
		{0x0c0000ef, "jal", map[string]int64{"rd": 1, "imm": 0xc0}},
	} {
		in := Decode(c.word)
		if in == nil || in.Name != c.name {
			t.Errorf("%#x: decoded %v, want %s", c.word, in, c.name)
			continue
		}
		for role, want := range c.ops {
			if got, _ := in.Operand(c.word, role); got != want {
				t.Errorf("%#x %s: %s = %d, want %d", c.word, c.name, role, got, want)
			}
		}
	}
	if Decode(0) != nil {
		t.Error("the all-zero word must be illegal")
	}
	if Decode(0xffffffff) != nil {
		t.Error("0xffffffff must be illegal")
	}
}

// TestCSRTable checks the CSR table against the address-encoded rules.
func TestCSRTable(t *testing.T) {
	for i, c := range CSRs {
		if i > 0 && CSRs[i-1].Addr >= c.Addr {
			t.Errorf("%s: table not sorted or duplicate address", c.Name)
		}
		if c.Priv != Mode(c.Addr>>8&3) {
			t.Errorf("%s: Priv %v disagrees with the address", c.Name, c.Priv)
		}
		if c.ReadOnly && c.WriteMask != 0 {
			t.Errorf("%s: read-only with a write mask", c.Name)
		}
		if LookupCSR(c.Addr) == nil || CSRByName(c.Name) == nil {
			t.Errorf("%s: lookup fails", c.Name)
		}
	}
	if LookupCSR(0x3a1) != nil || LookupCSR(0x3a3) != nil {
		t.Error("pmpcfg1 and pmpcfg3 do not exist on RV64")
	}
	if CSRByName("mstatus").Reset != 0xa00000000 {
		t.Error("mstatus reset must have UXL=SXL=2")
	}
}
