package disasm

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// Hand-checked cases (each text is what objdump 2.40 prints).
func TestInst(t *testing.T) {
	sym := func(a uint64) string {
		if a == 0x80000000 {
			return "_start"
		}
		return ""
	}
	tests := []struct {
		word      uint32
		pc        uint64
		noAliases bool
		want      string
		ok        bool
	}{
		{0x4515, 0, false, "li\ta0,5", true},
		{0x4515, 0, true, "c.li\ta0,5", true},
		{0x85aa, 0, false, "mv\ta1,a0", true},
		{0x8082, 0, false, "ret", true},
		{0x8082, 0, true, "c.jr\tra", true},
		{0x30002573, 0, false, "csrr\ta0,mstatus", true},
		{0x00151073, 0, false, "csrw\tfflags,a0", true},
		{0x7b002573, 0, true, "csrrs\ta0,dcsr,zero", true},
		{0xc0002573, 0, false, "rdcycle\ta0", true},
		{0x0001, 0, false, "nop", true},
		{0x2501, 0, false, "sext.w\ta0,a0", true},
		{0x0536, 0, false, "sll\ta0,a0,0xd", true},
		{0x12345537, 0, false, "lui\ta0,0x12345", true},
		{0x1605a52f, 0, false, "lr.w.aqrl\ta0,(a1)", true},
		{0x04b6352f, 0, false, "amoadd.d.aq\ta0,a1,(a2)", true},
		{0x0ff0000f, 0, false, "fence", true},
		{0x0ff0000f, 0, true, "fence\tiorw,iorw", true},
		{0x0100000f, 0, false, "fence\tw,unknown", true},   // pause needs Zihintpause
		{0x8ff0000f, 0, false, ".4byte\t0x8ff0000f", true}, // spec: fm ignored; GNU: unknown
		{0x0000000b, 0, false, ".4byte\t0xb", false},
		{0x02000053, 0, false, ".4byte\t0x2000053", false}, // fadd.s: F is not in rv64pg
		{0x6002, 0, false, ".2byte\t0x6002", false},        // c.ldsp x0 is reserved
		{0x0000, 0, false, "unimp", false},
		{0x0000, 0, true, "c.unimp", false},
		{0x0002, 0, false, "c.slli64\tzero", true},
		{0x00200073, 0, false, "uret", false},
		{0xd545, 0x80000058, false, "beqz\ta0,0x80000000", true},
		{0xb75d, 0x8000005a, false, "j\t0x80000000", true},
		{0x00052503, 0, false, "lw\ta0,0(a0)", true},
		{0x00002503, 0, false, "lw\ta0,0(zero) # 0x0", true},
	}
	for _, tt := range tests {
		got, ok := Inst(tt.word, tt.pc, Options{NoAliases: tt.noAliases})
		if got != tt.want || ok != tt.ok {
			t.Errorf("Inst(%#x, noAliases=%v) = %q, %v; want %q, %v", tt.word, tt.noAliases, got, ok, tt.want, tt.ok)
		}
	}
	// With a symbolizer, targets print as objdump prints them in an ELF.
	got, _ := Inst(0xd545, 0x80000058, Options{Symbolizer: sym})
	if want := "beqz\ta0,80000000 <_start>"; got != want {
		t.Errorf("with symbols: %q, want %q", got, want)
	}
}

// A lui followed by an addi on the same register gets objdump's address
// comment; the register's value is used once.
func TestDecoderAddressComment(t *testing.T) {
	d := NewDecoder(Options{})
	seq := []struct {
		word uint32
		want string
	}{
		{0x80000537, "lui\ta0,0x80000"},
		{0x00150513, "add\ta0,a0,1 # 0xffffffff80000001"},
		{0x00150513, "add\ta0,a0,1"},
	}
	for _, s := range seq {
		if got, _ := d.Decode(s.word, 0); got != s.want {
			t.Errorf("%#x: %q, want %q", s.word, got, s.want)
		}
	}
}

func TestBlockFormat(t *testing.T) {
	code := []byte{
		0x15, 0x45, // li a0,5
		0x73, 0x25, 0x00, 0x30, // csrr a0,mstatus
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 10 zero bytes: objdump skips 8
		0x13, 0x00, 0x00, 0x00, // nop
		0x2a, 0x00, 0x00, 0x00, // data under $d
	}
	maps := []MappingSymbol{{Addr: 0x1000}, {Addr: 0x1014, Data: true}}
	lines := NewDecoder(Options{}).Block(code, 0x1000, maps, 0x1018)
	digits := AddrDigits(0x1000, 0x1018)
	var got []string
	for _, l := range lines {
		got = append(got, l.Format(digits))
	}
	want := []string{
		"    1000:\t4515                \tli\ta0,5",
		"    1002:\t30002573          \tcsrr\ta0,mstatus",
		"\t...",
		"    100e:\t0000                \tunimp",
		"    1010:\t00000013          \tnop",
		"    1014:\t0000002a          \t.word\t0x0000002a",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAddrDigits(t *testing.T) {
	for _, tt := range []struct {
		start, end uint64
		want       int
	}{{0, 0x66, 4}, {0x80000000, 0x80000100, 12}, {0, 0x12345, 8}} {
		if got := AddrDigits(tt.start, tt.end); got != tt.want {
			t.Errorf("AddrDigits(%#x, %#x) = %d, want %d", tt.start, tt.end, got, tt.want)
		}
	}
}

// ok is exactly the spec table's verdict, for any word.
func TestOKIsSpecDecode(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for i := 0; i < 300000; i++ {
		w := r.Uint32()
		if i%2 == 0 {
			w &= 0xffff
		}
		_, ok := Inst(w, 0, Options{})
		if want := spec.Decode(w) != nil; ok != want {
			t.Fatalf("Inst(%#x) ok=%v, spec.Decode says %v", w, ok, want)
		}
	}
}

// FuzzInst: any word, any pc, either mode: no panic, and some text.
func FuzzInst(f *testing.F) {
	f.Add(uint32(0x00000013), uint64(0), false)
	f.Add(uint32(0x0000), uint64(0x80000000), true)
	f.Fuzz(func(t *testing.T, w uint32, pc uint64, noAliases bool) {
		text, _ := Inst(w, pc, Options{NoAliases: noAliases, Symbolizer: func(uint64) string { return "x" }})
		if text == "" {
			t.Fatalf("Inst(%#x) printed nothing", w)
		}
	})
}

func BenchmarkInst(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	words := make([]uint32, 4096)
	for i := range words {
		in := &spec.Insts[r.Intn(len(spec.Insts))]
		words[i] = in.Match | r.Uint32()&^in.Mask
	}
	d := NewDecoder(Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Decode(words[i%len(words)], uint64(i)*4)
	}
}

// Encodings longer than 32 bits, and the 0xffff prefix that
// riscv_insn_length calls 2 bytes: text checked against objdump 2.40 on a
// stripped object holding these bytes.
func TestLongEncodings(t *testing.T) {
	code := []byte{
		0x1f, 0x10, 0x20, 0x30, 0x40, 0x50, // 48-bit
		0x3f, 1, 2, 3, 4, 5, 6, 7, // 64-bit
		0x7f, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, // 80-bit
		0xff, 0xff,
		0x01, 0x00,
	}
	want := []string{
		"   0:\t101f 3020 5040      \t.byte\t0x1f, 0x10, 0x20, 0x30, 0x40, 0x50",
		"   6:\t0302013f 07060504 \t.8byte\t0x70605040302013f",
		"   e:\t017f 0201 0403 0605 \t.byte\t0x7f, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08\n  16:\t0807 ",
		"  18:\tffff                \t.2byte\t0xffff",
		"  1a:\t0001                \tnop",
	}
	lines := NewDecoder(Options{}).Block(code, 0, nil, uint64(len(code)))
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for i, l := range lines {
		if got := l.Format(AddrDigits(0, uint64(len(code)))); got != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, got, want[i])
		}
	}
}

// Outside the ISA a file declares, objdump prints the words of missing
// extensions as unknown. Expected texts are objdump 2.40's for objects
// assembled with -march=rv64i, rv64i_zmmul, rv64i2p0 and rv64ic.
func TestISA(t *testing.T) {
	words := []uint32{0x30002573, 0x02b50533, 0x02b54533, 0x1005a52f, 0x0000100f, 0xc0001073, 0x00200073, 0x10500073, 0x0505}
	for _, tt := range []struct {
		arch string
		want []string
	}{
		{"rv64i2p1", []string{".4byte\t0x30002573", ".4byte\t0x2b50533", ".4byte\t0x2b54533", ".4byte\t0x1005a52f", ".4byte\t0x100f", "unimp", "uret", "wfi", ".2byte\t0x505"}},
		{"rv64i2p1_zmmul1p0", []string{".4byte\t0x30002573", "mul\ta0,a0,a1", ".4byte\t0x2b54533", ".4byte\t0x1005a52f", ".4byte\t0x100f", "unimp", "uret", "wfi", ".2byte\t0x505"}},
		{"rv64i2p0_zicsr2p0_zifencei2p0", []string{"csrr\ta0,mstatus", ".4byte\t0x2b50533", ".4byte\t0x2b54533", ".4byte\t0x1005a52f", "fence.i", "unimp", "uret", "wfi", ".2byte\t0x505"}},
		{"rv64i2p0", []string{"csrr\ta0,mstatus", ".4byte\t0x2b50533", ".4byte\t0x2b54533", ".4byte\t0x1005a52f", "fence.i", "unimp", "uret", "wfi", ".2byte\t0x505"}},
		{"rv64i2p1_c2p0", []string{".4byte\t0x30002573", ".4byte\t0x2b50533", ".4byte\t0x2b54533", ".4byte\t0x1005a52f", ".4byte\t0x100f", "unimp", "uret", "wfi", "add\ta0,a0,1"}},
		{"", []string{"csrr\ta0,mstatus", "mul\ta0,a0,a1", "div\ta0,a0,a1", "lr.w\ta0,(a1)", "fence.i", "unimp", "uret", "wfi", "add\ta0,a0,1"}},
	} {
		d := NewDecoder(Options{ISA: tt.arch})
		for i, w := range words {
			got, ok := d.Decode(w, 0)
			if got != tt.want[i] {
				t.Errorf("%s: %#x: %q, want %q", tt.arch, w, got, tt.want[i])
			}
			if want := spec.Decode(w) != nil; ok != want {
				t.Errorf("%s: %#x: ok=%v, the spec table says %v whatever the ISA", tt.arch, w, ok, want)
			}
		}
	}
}

func TestNumeric(t *testing.T) {
	for _, tt := range []struct {
		word      uint32
		noAliases bool
		want      string
	}{
		{0x85aa, false, "mv\tx11,x10"},
		{0x30002573, false, "csrr\tx10,mstatus"},
		{0x7101, false, "add\tx2,x2,-512"},
		{0x7101, true, "c.addi16sp\tx2,-512"},
		{0x1605a52f, false, "lr.w.aqrl\tx10,(x11)"},
	} {
		if got, _ := Inst(tt.word, 0, Options{Numeric: true, NoAliases: tt.noAliases}); got != tt.want {
			t.Errorf("%#x: %q, want %q", tt.word, got, tt.want)
		}
	}
}
