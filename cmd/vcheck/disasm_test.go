package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/toolchain/disasm"
)

func runDisasmCmd(args ...string) (stdout, stderr string, rc int) {
	var out, errb bytes.Buffer
	rc = run(args, &out, &errb)
	return out.String(), errb.String(), rc
}

// compareLines reports every line where ours differs from objdump's.
func compareLines(t *testing.T, what, ours, gnu string) {
	t.Helper()
	o, g := strings.Split(ours, "\n"), strings.Split(gnu, "\n")
	bad := 0
	for i := 0; i < max(len(o), len(g)); i++ {
		var ol, gl string
		if i < len(o) {
			ol = o[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if ol != gl {
			if bad++; bad <= 10 {
				t.Errorf("%s line %d:\n ours: %q\n  GNU: %q", what, i+1, ol, gl)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d lines differ", what, bad, len(g))
	}
}

// The embedded sample, with no file argument, against objdump output
// recorded in testdata (so this runs without binutils).
func TestDisasmSampleGolden(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		golden string
	}{
		{[]string{"disasm"}, "testdata/disasm/disasm_sample.objdump"},
		{[]string{"disasm", "-M", "no-aliases"}, "testdata/disasm/disasm_sample.no-aliases.objdump"},
		{[]string{"disasm", "-M", "no-aliases", sampleName}, "testdata/disasm/disasm_sample.no-aliases.objdump"},
	} {
		out, errs, rc := runDisasmCmd(tt.args...)
		if rc != exitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, rc, errs)
		}
		want, err := os.ReadFile(tt.golden)
		if err != nil {
			t.Fatal(err)
		}
		compareLines(t, strings.Join(tt.args, " "), out, string(want))
	}
}

// gcc-built programs (C at -O2, and assembly that mixes code, data and
// objects in executable sections) against the installed objdump, line by
// line, in both modes, as linked executables and as relocatable objects.
func TestDisasmMatchesObjdump(t *testing.T) {
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	objdump := testtool.Tool(t, "riscv64-unknown-elf-objdump")
	strip := testtool.Tool(t, "riscv64-unknown-elf-strip")
	dir := t.TempDir()
	flags := []string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-mcmodel=medany", "-O2", "-ffreestanding"}
	build := func(out string, extra ...string) string {
		p := filepath.Join(dir, out)
		args := append(append(append([]string{}, flags...), extra...), "-o", p)
		if b, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, b)
		}
		return p
	}
	files := []string{
		build("prog.elf", "-Wa,-mpriv-spec=1.12", "-nostdlib", "-static", "-Wl,-Ttext=0x80000000", "testdata/disasm/prog.c", "testdata/disasm/objects.S"),
		build("prog.o", "-Wa,-mpriv-spec=1.12", "-c", "testdata/disasm/prog.c"),
		build("objects.o", "-Wa,-mpriv-spec=1.12", "-c", "testdata/disasm/objects.S"),
		// gcc's default: the attributes say priv spec 1.11, and objdump
		// prints that spec's CSR names.
		build("objects11.o", "-Wa,-mpriv-spec=1.11", "-c", "testdata/disasm/objects.S"),
		sampleName,
	}
	// With no symbols at all, objdump names addresses 0x… and blocks by section.
	stripped := filepath.Join(dir, "stripped.elf")
	if b, err := exec.Command(strip, "-o", stripped, files[0]).CombinedOutput(); err != nil {
		t.Fatalf("strip: %v\n%s", err, b)
	}
	files = append(files, stripped)
	for _, f := range files {
		for _, m := range [][]string{nil, {"-M", "no-aliases"}, {"-M", "numeric,no-aliases"}} {
			gnu, err := exec.Command(objdump, append(append([]string{"-d"}, m...), f)...).Output()
			if err != nil {
				t.Fatalf("objdump %s: %v", f, err)
			}
			ours, errs, rc := runDisasmCmd(append(append([]string{"disasm"}, m...), f)...)
			if rc != exitOK {
				t.Fatalf("vcheck disasm %s: exit %d: %s", f, rc, errs)
			}
			if n := strings.Count(string(gnu), "\n"); n < 20 {
				t.Fatalf("%s: objdump printed only %d lines", f, n)
			}
			compareLines(t, filepath.Base(f)+" "+strings.Join(m, " "), ours, string(gnu))
		}
	}
}

func TestDisasmJSON(t *testing.T) {
	text, _, _ := runDisasmCmd("disasm")
	out, errs, rc := runDisasmCmd("disasm", "--json")
	if rc != exitOK {
		t.Fatalf("exit %d: %s", rc, errs)
	}
	// One record per instruction line of the text output.
	want := 0
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "    8") {
			want++
		}
	}
	var doc disasmJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	recs := doc.Instructions
	if doc.File != sampleName || doc.Format != "elf64-littleriscv" {
		t.Errorf("file %q format %q", doc.File, doc.Format)
	}
	if len(recs) != want || want < 40 {
		t.Fatalf("%d JSON records, want %d (instruction lines)", len(recs), want)
	}
	first := disasmLine{Addr: 0x80000000, Bytes: "97020000", Text: "auipc\tt0,0x0", Valid: true, Section: ".text", Symbol: "_start"}
	if recs[0] != first {
		t.Errorf("first record %+v, want %+v", recs[0], first)
	}
	for _, r := range recs {
		if r.Text == ".word\t0x76636865" && r.Valid {
			t.Errorf("data word %#x reported as a valid instruction", r.Addr)
		}
	}
}

// Bad input gets an error that names the file and the problem, and a
// usage exit code; never a panic.
func TestDisasmErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	x86 := append([]byte(nil), sampleELF...)
	binary.LittleEndian.PutUint16(x86[18:], 62) // e_machine = EM_X86_64
	hugeSection := append([]byte(nil), sampleELF...)
	shoff := binary.LittleEndian.Uint64(hugeSection[0x28:])
	binary.LittleEndian.PutUint64(hugeSection[shoff+64+32:], 1<<40) // .text sh_size
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing", []string{"disasm", filepath.Join(dir, "nope.elf")}, "nope.elf"},
		{"not ELF", []string{"disasm", write("text.elf", []byte("hello, world\n"))}, "text.elf: not a readable ELF file"},
		{"truncated", []string{"disasm", write("trunc.elf", sampleELF[:100])}, "trunc.elf: not a readable ELF file"},
		{"x86", []string{"disasm", write("x86.elf", x86)}, "x86.elf: ELF machine is EM_X86_64, want EM_RISCV"},
		{"huge section", []string{"disasm", write("huge.elf", hugeSection)}, "huge.elf: section .text"},
		{"bad -M", []string{"disasm", "-M", "arch=rv64gc"}, `unknown -M option "arch=rv64gc"`},
		{"bad priv spec", []string{"disasm", "-M", "priv-spec=2.0"}, `unknown privileged spec "2.0"`},
		{"two files", []string{"disasm", "a", "b"}, "want at most 1 argument"},
	}
	for _, tt := range tests {
		_, errs, rc := runDisasmCmd(tt.args...)
		if rc != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tt.name, rc, errs, exitUsage, tt.want)
		}
	}
}

// FuzzDisasmELF feeds mutated ELF files through the loader and printer:
// whatever the bytes, vcheck disasm returns an exit code, never panics.
func FuzzDisasmELF(f *testing.F) {
	f.Add(sampleELF)
	f.Add(sampleELF[:64])
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, _, err := loadDisasmFile("fuzz.elf", data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := ef.WriteObjdump(&out, disasm.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

// randomAsm writes an assembly file that mixes, in executable sections,
// what makes objdump's layout interesting: symbols of every type and
// binding, .insn words, data directives ($d), zero runs and alignment.
func randomAsm(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("\t.file\t\"r.S\"\n\t.option norelax\n\t.text\n\t.globl _start\n_start:\n")
	// Branches go to _start or to the label of the latest section switch,
	// which may be in another section (a relocation in the .o).
	nsym, afterCode, target := 0, true, "_start"
	for i := 0; i < 60+r.Intn(60); i++ {
		k := r.Intn(20)
		if k >= 11 && k < 13 && !afterCode {
			// A symbol right after data can cut a datum in two, and then
			// objdump's "out of bounds" line is not even stable from run
			// to run (it reads state it never set); keep symbols after code.
			k = 0
		}
		afterCode = k < 11 || k == 18
		if k < 11 || k == 18 {
			b.WriteString("\t.balign 2\n") // code after odd-sized data
		}
		switch {
		case k < 9:
			if r.Intn(2) == 0 {
				w := r.Uint32() | 3
				if w&0x1f == 0x1f { // a 48-bit length prefix: not a 32-bit word
					w &^= 4
				}
				fmt.Fprintf(&b, "\t.insn 4, 0x%08x\n", w)
			} else {
				h := r.Uint32() & 0xffff
				if h&3 == 3 {
					h &^= 1
				}
				fmt.Fprintf(&b, "\t.insn 2, 0x%04x\n", h)
			}
		case k < 11:
			fmt.Fprintf(&b, "\tlui a%d, %d\n\taddi a%d, a%d, %d\n", i%8, r.Intn(1<<20), i%8, i%8, r.Intn(4096)-2048)
		case k < 13:
			nsym++
			name := fmt.Sprintf("s%d", nsym)
			switch r.Intn(4) {
			case 0:
				fmt.Fprintf(&b, "\t.globl %s\n\t.type %s, @function\n", name, name)
			case 1:
				fmt.Fprintf(&b, "\t.type %s, @object\n\t.size %s, %d\n", name, name, r.Intn(16))
			case 2:
				fmt.Fprintf(&b, "\t.weak %s\n", name)
			}
			fmt.Fprintf(&b, "%s:\n", name)
		case k < 15:
			// Whole halfwords only: RISC-V code alignment pads with nops
			// and cannot fix an odd address.
			size := r.Intn(4)
			d := []string{".byte", ".half", ".word", ".dword"}[size]
			v := r.Uint64() & (1<<(8<<size) - 1)
			if size == 0 {
				fmt.Fprintf(&b, "\t.byte 0x%x, 0x%x\n", v, r.Intn(256))
			} else {
				fmt.Fprintf(&b, "\t%s 0x%x\n", d, v)
			}
		case k < 17:
			fmt.Fprintf(&b, "\t.zero %d\n", 2*r.Intn(10))
		case k < 18:
			fmt.Fprintf(&b, "\t.align %d\n", 1+r.Intn(3))
		case k < 19:
			to := target
			if r.Intn(2) == 0 {
				to = "_start"
			}
			fmt.Fprintf(&b, "\tj %s\n\tbeqz a0, %s\n\tcall %s\n\tla a1, %s\n", to, to, to, to)
		case k == 19 && r.Intn(2) == 0:
			// An ISA switch: a $xrv mapping symbol, which objdump follows.
			isas := []string{"rv64i", "rv64ic", "rv64i_zmmul", "rv64imac_zicsr", "rv64imac_zicsr_zifencei", "rv64ima_zifencei", "rv64i2p0"}
			fmt.Fprintf(&b, "\t.option arch, %s\n", isas[r.Intn(len(isas))])
		default:
			target = fmt.Sprintf("t%d", i)
			fmt.Fprintf(&b, "\t.section .text.%d, \"ax\", @progbits\n\t.balign 2\n\tnop\n%s:\n", r.Intn(3), target)
		}
	}
	b.WriteString("\t.data\nd0:\t.word 1\n")
	return b.String()
}

var (
	disasmSeed     = flag.Int64("disasm-seed", 3, "seed for TestDisasmRandomPrograms")
	disasmPrograms = flag.Int("disasm-programs", 12, "programs for TestDisasmRandomPrograms")
)

// Random programs, assembled and linked, against objdump: the layout
// rules (symbol blocks, $d data, zero runs, objects) on inputs nobody
// wrote by hand.
func TestDisasmRandomPrograms(t *testing.T) {
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	objdump := testtool.Tool(t, "riscv64-unknown-elf-objdump")
	dir := t.TempDir()
	r := rand.New(rand.NewSource(*disasmSeed))
	n := *disasmPrograms
	if testing.Short() {
		n = 3
	}
	for i := 0; i < n; i++ {
		src := filepath.Join(dir, fmt.Sprintf("r%d.S", i))
		if err := os.WriteFile(src, []byte(randomAsm(r)), 0o644); err != nil {
			t.Fatal(err)
		}
		obj, exe := src+".o", src+".elf"
		for _, args := range [][]string{
			{"-c", "-o", obj, src},
			{"-nostdlib", "-static", "-Wl,-Ttext=0x80000000", "-o", exe, src},
		} {
			args = append([]string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64"}, args...)
			if b, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
				t.Fatalf("gcc %v: %v\n%s", args, err, b)
			}
		}
		for _, f := range []string{obj, exe} {
			gnu, err := exec.Command(objdump, "-d", f).Output()
			if err != nil {
				t.Fatalf("objdump %s: %v", f, err)
			}
			ours, errs, rc := runDisasmCmd("disasm", f)
			if rc != exitOK {
				t.Fatalf("vcheck disasm %s: exit %d: %s", f, rc, errs)
			}
			compareLines(t, filepath.Base(f), ours, string(gnu))
		}
	}
}

// -M priv-spec applies when the file has no priv-spec attribute; the
// attribute wins otherwise, with objdump's warning.
func TestDisasmPrivSpecOption(t *testing.T) {
	out, errs, rc := runDisasmCmd("disasm", "-M", "priv-spec=1.11")
	if rc != exitOK || !strings.Contains(errs, "mis-matched privilege spec set by priv-spec=1.11, the elf privilege attribute is 1.12") {
		t.Errorf("sample with -M priv-spec=1.11: exit %d, stderr %q", rc, errs)
	}
	if !strings.Contains(out, "csrr\ta0,mhartid") {
		t.Errorf("sample output lacks its CSR names")
	}
	if got := disasm.CSRNameFor(0x000, "1.11"); got != "ustatus" {
		t.Errorf("CSR 0x000 under 1.11: %q", got)
	}
	if got := disasm.CSRNameFor(0x310, "1.11"); got != "0x310" {
		t.Errorf("CSR 0x310 under 1.11: %q", got)
	}
}

func TestAttributesPrivSpec(t *testing.T) {
	// The sample's own section: Tag_RISCV_arch, then priv spec 1.12.0.
	_, a, err := loadDisasmFile("s", sampleELF)
	if err != nil || a.privSpec != "1.12" || a.arch != "rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0_zmmul1p0" {
		t.Fatalf("sample: %+v, %v", a, err)
	}
	if extra, missing := archDifference(a.arch); extra != nil || missing != nil {
		t.Errorf("sample arch: extra %v, missing %v", extra, missing)
	}
	extra, missing := archDifference("rv64i2p1_m2p0_a2p1_f2p2_d2p2_zicsr2p0_zba1p0_zcmp1p0")
	if fmt.Sprint(extra, missing) != "[f d zba zcmp] [c zifencei]" {
		t.Errorf("rv64imafd_zba: extra %v, missing %v", extra, missing)
	}
	for _, bad := range [][]byte{{'B'}, {'A', 1, 2}, {'A', 0xff, 0, 0, 0}, append([]byte{'A', 12, 0, 0, 0}, "riscv\x00\x01\x30"...)} {
		if _, err := readRISCVAttributes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// Real firmware, built by others for rv64gc, against objdump line by line:
// OpenSBI (the Debian opensbi package; stripped PIEs with only dynamic
// symbols) and U-Boot (u-boot-qemu; an executable with only dynamic
// symbols, dynamic relocations, and code sections that abut). objdump's
// symbol choice shows in every branch target and address comment: next
// to a section boundary (<__efi_runtime_stop+0x2c>, not the next
// section's symbol), and where a dynamic relocation applies (a pointer in
// .data named after the symbol it is relocated against). Every line must
// match but the F and D instructions, which rv64pg does not have: those
// we print as .4byte or .2byte.
func TestDisasmRealBinaries(t *testing.T) {
	objdump := testtool.Tool(t, "riscv64-unknown-elf-objdump")
	for _, fw := range []string{
		"/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf",
		"/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.elf",
		"/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf",
	} {
		name := filepath.Base(filepath.Dir(fw)) + "/" + filepath.Base(fw)
		t.Run(name, func(t *testing.T) {
			path := testtool.File(t, fw)
			gnu, err := exec.Command(objdump, "-d", path).Output()
			if err != nil {
				t.Fatalf("objdump %s: %v", path, err)
			}
			ours, errs, rc := runDisasmCmd("disasm", path)
			if rc != exitOK {
				t.Fatalf("vcheck disasm %s: exit %d: %s", path, rc, errs)
			}
			o, g := strings.Split(ours, "\n"), strings.Split(string(gnu), "\n")
			if len(o) != len(g) || len(g) < 10000 {
				t.Fatalf("%d lines, objdump %d", len(o), len(g))
			}
			fp, bad := 0, 0
			for i := range g {
				if o[i] == g[i] {
					continue
				}
				if isFPDifference(o[i], g[i]) {
					fp++
					continue
				}
				if bad++; bad <= 10 {
					t.Errorf("line %d:\n ours: %q\n  GNU: %q", i+1, o[i], g[i])
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d lines differ", bad, len(g))
			}
			t.Logf("%d lines, identical but for %d F/D instructions", len(g), fp)
		})
	}
}

// isFPDifference reports whether a line differs from objdump's only in
// that objdump decodes an F or D instruction (fld, fsd, fmadd.d, ...)
// where rv64pg, which has neither, prints .4byte or .2byte.
func isFPDifference(ours, gnu string) bool {
	of, gf := strings.Split(ours, "\t"), strings.Split(gnu, "\t")
	if len(of) < 3 || len(gf) < 3 || of[0] != gf[0] || of[1] != gf[1] {
		return false
	}
	raw := strings.HasPrefix(of[2], ".4byte") || strings.HasPrefix(of[2], ".2byte")
	fp := strings.HasPrefix(gf[2], "f") && !strings.HasPrefix(gf[2], "fence")
	return raw && fp
}

// A program linked with picolibc: thousands of instructions of real
// library code, objects built for rv64imac without Zicsr (their $xrv
// mapping symbols change the ISA objdump decodes), and constant data in
// .text without $d symbols.
func TestDisasmPicolibc(t *testing.T) {
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	objdump := testtool.Tool(t, "riscv64-unknown-elf-objdump")
	testtool.File(t, "/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs")
	exe := filepath.Join(t.TempDir(), "libc.elf")
	cmd := exec.Command(gcc, "--specs=picolibc.specs", "--oslib=semihost", "-march=rv64imac", "-mabi=lp64",
		"-mcmodel=medany", "-O2", "-Wl,--defsym=__flash=0x80000000", "-Wl,--defsym=__flash_size=0x200000",
		"-Wl,--defsym=__ram=0x80200000", "-Wl,--defsym=__ram_size=0x200000", "-o", exe, "testdata/disasm/libc.c")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	gnu, err := exec.Command(objdump, "-d", exe).Output()
	if err != nil {
		t.Fatalf("objdump: %v", err)
	}
	ours, errs, rc := runDisasmCmd("disasm", exe)
	if rc != exitOK {
		t.Fatalf("vcheck disasm: exit %d: %s", rc, errs)
	}
	if n := strings.Count(string(gnu), "\n"); n < 1000 {
		t.Fatalf("objdump printed only %d lines", n)
	}
	compareLines(t, "libc.elf", ours, string(gnu))
}
