package disasm

// External oracle: GNU objdump 2.40 (riscv64-unknown-elf-objdump) and the
// assembler that feeds it (riscv64-unknown-elf-as). Words are written as
// .insn directives into one object whose .riscv.attributes say
// rv64imac_zicsr_zifencei, so objdump decodes exactly our profile, and the
// two disassemblies are compared line by line: address, raw bytes and text.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/spec"
)

var updateGNUCases = flag.Bool("update-gnucases", false, "regenerate testdata/gnucases.txt from riscv64-unknown-elf-objdump")

const (
	gnuAS      = "riscv64-unknown-elf-as"
	gnuObjdump = "riscv64-unknown-elf-objdump"
)

// encodeInsns lays the words out as objdump will see them: each word is 2
// or 4 bytes by its low bits.
func encodeInsns(words []uint32) []byte {
	var code []byte
	for _, w := range words {
		if w&3 != 3 {
			code = binary.LittleEndian.AppendUint16(code, uint16(w))
		} else {
			code = binary.LittleEndian.AppendUint32(code, w)
		}
	}
	return code
}

// gnuDisassemble assembles the words into .text and returns objdump's
// instruction lines (those after the symbol header) for each option set.
func gnuDisassemble(t *testing.T, words []uint32, modes [][]string) [][]string {
	t.Helper()
	as, objdump := testtool.Tool(t, gnuAS), testtool.Tool(t, gnuObjdump)
	dir := t.TempDir()
	var src bytes.Buffer
	src.WriteString(".text\n")
	for _, w := range words {
		n := 4
		if w&3 != 3 {
			n = 2
		}
		fmt.Fprintf(&src, ".insn %d, 0x%x\n", n, w)
	}
	s, o := filepath.Join(dir, "w.s"), filepath.Join(dir, "w.o")
	if err := os.WriteFile(s, src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-march=rv64imac_zicsr_zifencei", "-o", o, s).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", gnuAS, err, out)
	}
	var res [][]string
	for _, m := range modes {
		out, err := exec.Command(objdump, append(append([]string{"-d"}, m...), o)...).Output()
		if err != nil {
			t.Fatalf("%s: %v", gnuObjdump, err)
		}
		var lines []string
		started := false
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			l := sc.Text()
			if strings.HasSuffix(l, ">:") {
				started = true
				continue
			}
			if started && l != "" {
				lines = append(lines, l)
			}
		}
		res = append(res, lines)
	}
	return res
}

// textSymbolizer names addresses as objdump does in an object whose .text
// (at 0) has no symbols: by the section.
func textSymbolizer(a uint64) string {
	if a == 0 {
		return ".text"
	}
	return fmt.Sprintf(".text+0x%x", a)
}

var modes = []struct {
	name string
	args []string
	opts Options
}{
	{"default", nil, Options{Symbolizer: textSymbolizer}},
	{"no-aliases", []string{"-M", "no-aliases"}, Options{NoAliases: true, Symbolizer: textSymbolizer}},
	{"numeric", []string{"-M", "numeric"}, Options{Numeric: true, Symbolizer: textSymbolizer}},
	{"no-aliases,numeric", []string{"-M", "no-aliases,numeric"}, Options{NoAliases: true, Numeric: true, Symbolizer: textSymbolizer}},
}

// edgeWords are the encodings where GNU and the spec have choices to make:
// HINTs, reserved compressed encodings, FENCE fields, CSR aliases.
var edgeWords = []uint32{
	0x0001, 0x0071, 0x0505, 0x0501, 0x4001, 0x407d, 0x6001, 0x6005, 0x6501, 0x6101, 0x7101, 0x6105,
	0x0002, 0x0006, 0x0502, 0x8001, 0x8401, 0x9001, 0x9401, 0x8002, 0x8082, 0x8502, 0x9002, 0x9082,
	0x8006, 0x807a, 0x9006, 0x907a, 0x2001, 0x2081, 0x2501, 0x4002, 0x6002, 0x0000, 0x0004, 0x0010,
	0x0000000f, 0x0ff0000f, 0x0110000f, 0x0100000f, 0x8330000f, 0x8ff0000f, 0x0ff0008f, 0x0ff5000f,
	0x8330008f, 0x0000100f, 0x0010100f, 0x0000108f, 0x0005100f,
	0x00000073, 0x00100073, 0x00000873, 0x00200073, 0x10200073, 0x30200073, 0x7b200073, 0x10500073,
	0x10400073, 0x10450073, 0x12000073, 0x12050073, 0x12b50073, 0x12000573, 0x22000073, 0x16000073,
	0xc0001073, 0xc0101073, 0xc0002573, 0xc0102573, 0xc0202573, 0xc8002573, 0xc0002073, 0x00002073,
	0x30046073, 0x3000e073, 0x30006573, 0x00401073, 0x3005a073, 0x3005b073, 0x30059073, 0x30047073, 0x30045073,
	0x00000067, 0x00050067, 0x00450067, 0x000500e7, 0x004500e7, 0x00050567, 0x00450567, 0x00008067,
	0x0ff57513, 0x00153513, 0xfff54513, 0x40a00533, 0x40a0053b, 0x00002533, 0x00003533,
	0x0000051b, 0x0005051b, 0x00a0051b, 0x00050513, 0x00000513, 0x00000013,
	0x00005063, 0x00004063, 0x00000063, 0x00001063, 0x0000006f, 0x000000ef, 0x0000056f,
	// Each branch and set alias with a nonzero register (the zero-register cases are above).
	0x00055063, 0x00054063, 0x00a04063, 0x00a05063, 0x00050063, 0x00051063, 0x00a02533, 0x00052533, 0x00a03533,
	// lui/auipc followed by the instructions that turn them into address comments.
	0x80000537, 0x00150513, 0x80000517, 0x00150513, 0x00000517, 0x00052503, 0x00000517, 0x00a50567,
	0x00000217, 0x00a20267, 0x00a22023, 0x00a2051b, 0x80000537, 0x0005051b, 0x00a5051b,
	0x12345537, 0x0536, 0x157d, 0x2501, 0x6505, 0x0505, 0x6505, 0x2505, 0x00000537, 0x00a50023,
	0x00000013,
}

// genWords returns the test words: every row's Match with the bits outside
// its Mask randomized (so reserved and HINT encodings inside a row's
// pattern come up too), uniform 32- and 16-bit words, every CSR number,
// and the edge words.
func genWords(r *rand.Rand, perRow, uniform int) []uint32 {
	var words []uint32
	for i := range spec.Insts {
		in := &spec.Insts[i]
		for k := 0; k < perRow; k++ {
			w := in.Match | r.Uint32()&^in.Mask
			if in.Len() == 2 {
				w &= 0xffff
			}
			words = append(words, w)
		}
	}
	for k := 0; k < uniform; k++ {
		w := r.Uint32() | 3
		if w&0x1f == 0x1f { // a 48-bit or longer length prefix: not a 32-bit word
			w &^= 4
		}
		words = append(words, w)
		h := r.Uint32() & 0xffff
		if h&3 == 3 {
			h &^= uint32(1 + r.Intn(3)&1)
		}
		words = append(words, h)
	}
	// Shuffle so that every kind of instruction follows every other, as
	// objdump's lui/auipc state needs.
	r.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	words = append(words, addressPairs(r, perRow*4)...)
	// Every CSR number, so that zcsrnames.go is checked name by name.
	for n := uint32(0); n < 4096; n++ {
		words = append(words, n<<20|0x2573) // csrrs a0, n, zero
		if r.Intn(4) == 0 {
			words = append(words, n<<20|uint32(r.Intn(32))<<15|0x1073|uint32(r.Intn(32))<<7) // csrrw
		}
	}
	return append(words, edgeWords...)
}

// addressPairs returns n pairs of a lui, auipc or c.lui followed by an
// instruction that may turn its register into an address comment (addi,
// addiw, loads, stores, jalr, c.addi, c.addiw, and others that must not),
// using the same register, or zero, gp or tp.
func addressPairs(r *rand.Rand, n int) []uint32 {
	users := []string{"addi", "addiw", "ld", "lw", "lbu", "sd", "sb", "jalr", "c.addi", "c.addiw", "c.lw", "c.jr",
		"c.jalr", "ori", "slli", "add", "c.mv", "lui", "auipc"}
	var words []uint32
	for k := 0; k < n; k++ {
		rd := uint32(r.Intn(32))
		if r.Intn(4) == 0 {
			rd = []uint32{0, 3, 4}[r.Intn(3)] // zero, gp, tp
		}
		var hi uint32
		switch r.Intn(3) {
		case 0:
			hi = r.Uint32()&^0xfff | rd<<7 | 0x37 // lui
		case 1:
			hi = r.Uint32()&^0xfff | rd<<7 | 0x17 // auipc
		default:
			hi = 0x6001 | uint32(r.Intn(64)&0x1f)<<2 | uint32(r.Intn(2))<<12 | max(rd, 3)<<7 // c.lui (rd != 0, 2)
			rd = hi >> 7 & 0x1f
		}
		in := spec.Lookup(users[r.Intn(len(users))])
		w := in.Match | r.Uint32()&^in.Mask
		if in.Len() == 2 {
			w &= 0xffff
			if in.Format == spec.FmtCI || in.Format == spec.FmtCR {
				w = w&^(0x1f<<7) | rd<<7
			}
		} else {
			w = w&^(0x1f<<15) | rd<<15
		}
		words = append(words, hi, w)
	}
	return words
}

// disagreement explains a word on whose legality the spec table and GNU
// differ; docs/disasm.md lists the same cases. "" means they must agree.
func disagreement(w uint32, oursOK, gnuKnown bool) string {
	switch {
	case oursOK && !gnuKnown:
		row := spec.Decode(w)
		switch row.Name {
		case "fence", "fence.tso", "fence.i":
			return row.Name + " with reserved fields set (spec: ignore them; GNU: unknown)"
		}
	case !oursOK && gnuKnown:
		for _, g := range gnuOnly {
			if g.Matches(w) {
				return "GNU-only: " + strings.Fields(g.form[len(g.form)-1].name)[0]
			}
		}
	}
	return ""
}

func compareWithGNU(t *testing.T, words []uint32) {
	code := encodeInsns(words)
	hits := map[*form]int{}
	formHook = func(fs []form, i int) { hits[&fs[i]]++ }
	defer func() { formHook = nil }()
	var args [][]string
	for _, m := range modes {
		args = append(args, m.args)
	}
	gnu := gnuDisassemble(t, words, args)
	digits := AddrDigits(0, uint64(len(code)))
	perRow := map[string]int{}
	unknown, comments, reasons := 0, 0, map[string]int{}
	for mi, m := range modes {
		d := NewDecoder(m.opts)
		ours := d.Block(code, 0, nil, uint64(len(code)))
		if len(ours) != len(gnu[mi]) {
			t.Errorf("%s: %d lines, GNU has %d", m.name, len(ours), len(gnu[mi]))
		}
		bad := 0
		for i := 0; i < min(len(ours), len(gnu[mi])); i++ {
			got, want := ours[i].Format(digits), gnu[mi][i]
			if got != want {
				if bad++; bad <= 30 {
					t.Errorf("%s: mismatch\n ours: %q\n  GNU: %q", m.name, got, want)
				}
				continue
			}
			l := ours[i]
			if l.Skip {
				continue
			}
			gnuKnown := !strings.HasPrefix(l.Text, ".2byte") && !strings.HasPrefix(l.Text, ".4byte")
			w := uint32(l.Bytes[0]) | uint32(l.Bytes[1])<<8
			if len(l.Bytes) == 4 {
				w = binary.LittleEndian.Uint32(l.Bytes)
			}
			if l.OK != gnuKnown {
				why := disagreement(w, l.OK, gnuKnown)
				if why == "" {
					t.Errorf("%s: %08x: spec table says instruction=%v, GNU says %v (%q)", m.name, w, l.OK, gnuKnown, l.Text)
				}
				if mi == 0 {
					reasons[why]++
				}
			}
			if mi == 0 {
				if strings.Contains(l.Text, " # ") {
					comments++
				}
				if row := spec.Decode(w); row != nil {
					perRow[row.Name]++
				} else {
					unknown++
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d lines differ from GNU objdump", m.name, bad, len(ours))
		}
	}
	// Coverage: how many words each row got, and the documented disagreements.
	var b strings.Builder
	fmt.Fprintf(&b, "%d words, %d unknown to the spec table, %d with an address comment; per row:", len(words), unknown, comments)
	min := len(words)
	for i := range spec.Insts {
		n := perRow[spec.Insts[i].Name]
		min = minInt(min, n)
		fmt.Fprintf(&b, " %s=%d", spec.Insts[i].Name, n)
		if n == 0 {
			t.Errorf("row %s never hit", spec.Insts[i].Name)
		}
	}
	fmt.Fprintf(&b, "\nfewest words for a row: %d", min)
	// Every form (alias or not) must have been compared at least once.
	check := func(where string, fs []form) {
		for i := range fs {
			if hits[&fs[i]] == 0 {
				t.Errorf("%s: form %d (%q %q) never compared with GNU", where, i, fs[i].name, fs[i].args)
			}
		}
	}
	for name, fs := range forms {
		check(name, fs)
	}
	for _, g := range gnuOnly {
		check(fmt.Sprintf("gnuOnly %08x/%08x", g.Match, g.Mask), g.form)
	}
	var rs []string
	for r, n := range reasons {
		rs = append(rs, fmt.Sprintf("%s: %d", r, n))
	}
	sort.Strings(rs)
	fmt.Fprintf(&b, "\nlegality disagreements (documented): %s", strings.Join(rs, "; "))
	t.Log(b.String())
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// TestGNUObjdump compares ours with GNU objdump on random and edge words in
// both modes. Needs riscv64-unknown-elf-as and riscv64-unknown-elf-objdump.
// -seeds=N repeats the comparison with N fresh seeds, to look further
// than CI does (go test -run GNUObjdump -seeds=N).
func TestGNUObjdump(t *testing.T) {
	perRow, uniform := 100, 3000
	if testing.Short() {
		perRow, uniform = 20, 500
	}
	words := genWords(rand.New(rand.NewSource(1)), perRow, uniform)
	compareWithGNU(t, words)
	for s := 0; s < *seeds; s++ {
		compareWithGNU(t, genWords(rand.New(rand.NewSource(int64(100+s))), 100, 3000))
	}
}

var seeds = flag.Int("seeds", 0, "extra random seeds for TestGNUObjdump")

// TestDisagreementsOnQEMU runs the words on which the table and GNU
// disagree on QEMU 7.2, the project's reference for the spec's choices:
// the fences with reserved fields execute (as the table says, and GNU
// does not decode them), the others trap as illegal (the table rejects
// them, GNU names them). Needs riscv64-unknown-elf-gcc and
// qemu-system-riscv64.
func TestDisagreementsOnQEMU(t *testing.T) {
	gcc, qemu := testtool.Tool(t, "riscv64-unknown-elf-gcc"), testtool.Tool(t, "qemu-system-riscv64")
	elf := filepath.Join(t.TempDir(), "legality.elf")
	if out, err := exec.Command(gcc, "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib", "-static",
		"-Wl,-Ttext=0x80000000", "-o", elf, "testdata/legality.S").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, qemu, "-M", "virt", "-bios", "none", "-kernel", elf,
		"-nographic", "-monitor", "none", "-serial", "stdio").Output()
	if err != nil {
		t.Fatalf("qemu: %v (output %q)", err, out)
	}
	got := strings.TrimSpace(string(out))
	words := []uint32{0x8ff0000f, 0x4ff5008f, 0x8335008f, 0x0015108f, 0x6101, 0x00200073, 0x7b200073, 0x10400073, 0x0000, 0x0ff0000f}
	if len(got) != len(words) {
		t.Fatalf("QEMU printed %q, want one letter per word", got)
	}
	for i, w := range words {
		_, ok := Inst(w, 0, Options{})
		if executed := got[i] == 'E'; executed != ok {
			t.Errorf("%#x: QEMU executed=%v, spec table says instruction=%v", w, executed, ok)
		}
	}
}

// TestGNUCSRNamesByPrivSpec checks every CSR number's name under each priv
// spec objdump knows (-M priv-spec=V), in both modes' csrrs form.
func TestGNUCSRNamesByPrivSpec(t *testing.T) {
	var words []uint32
	for n := uint32(0); n < 4096; n++ {
		words = append(words, n<<20|0x2573) // csrrs a0, n, zero
	}
	var args [][]string
	for _, v := range PrivSpecs {
		args = append(args, []string{"-M", "no-aliases,priv-spec=" + v})
	}
	gnu := gnuDisassemble(t, words, args)
	for vi, v := range PrivSpecs {
		if len(gnu[vi]) != len(words) {
			t.Fatalf("priv spec %s: %d lines", v, len(gnu[vi]))
		}
		d := NewDecoder(Options{NoAliases: true, PrivSpec: v})
		bad := 0
		for i, w := range words {
			got, _ := d.Decode(w, uint64(4*i))
			if want := strings.SplitN(gnu[vi][i], "\t", 3)[2]; got != want {
				if bad++; bad < 10 {
					t.Errorf("priv spec %s: %#x: %q, GNU %q", v, w, got, want)
				}
			}
		}
	}
}
