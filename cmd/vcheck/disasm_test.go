package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec/disasm"
)

// disasmTool returns the path of a GNU tool. Under CI=true a missing tool
// fails the test; elsewhere the test is skipped and says what it needs.
func disasmTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := "this test needs " + name + " (GNU binutils/gcc 2.40/12 for riscv64-unknown-elf)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

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
	gcc := disasmTool(t, "riscv64-unknown-elf-gcc")
	objdump := disasmTool(t, "riscv64-unknown-elf-objdump")
	strip := disasmTool(t, "riscv64-unknown-elf-strip")
	dir := t.TempDir()
	flags := []string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-mcmodel=medany", "-O2",
		"-ffreestanding", "-Wa,-mpriv-spec=1.12"}
	build := func(out string, extra ...string) string {
		p := filepath.Join(dir, out)
		args := append(append(append([]string{}, flags...), extra...), "-o", p)
		if b, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, b)
		}
		return p
	}
	files := []string{
		build("prog.elf", "-nostdlib", "-static", "-Wl,-Ttext=0x80000000", "testdata/disasm/prog.c", "testdata/disasm/objects.S"),
		build("prog.o", "-c", "testdata/disasm/prog.c"),
		build("objects.o", "-c", "testdata/disasm/objects.S"),
		sampleName,
	}
	// With no symbols at all, objdump names addresses 0x… and blocks by section.
	stripped := filepath.Join(dir, "stripped.elf")
	if b, err := exec.Command(strip, "-o", stripped, files[0]).CombinedOutput(); err != nil {
		t.Fatalf("strip: %v\n%s", err, b)
	}
	files = append(files, stripped)
	for _, f := range files {
		for _, m := range [][]string{nil, {"-M", "no-aliases"}} {
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

// The committed sample ELF is what its source builds to.
func TestSampleUpToDate(t *testing.T) {
	gcc := disasmTool(t, "riscv64-unknown-elf-gcc")
	out := filepath.Join(t.TempDir(), "s.elf")
	cmd := exec.Command(gcc, "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib", "-static",
		"-Wl,-Ttext=0x80000000", "-Wa,-mpriv-spec=1.12", "-o", out, "samples/disasm_sample.S")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sampleELF) {
		t.Errorf("samples/disasm_sample.elf is stale: rebuild it with the command in samples/disasm_sample.S")
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
	var recs []disasmLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r disasmLine
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != want || want < 40 {
		t.Fatalf("%d JSON records, want %d (instruction lines)", len(recs), want)
	}
	first := disasmLine{Addr: "0x80000000", Bytes: "97020000", Text: "auipc\tt0,0x0", Valid: true, Section: ".text", Symbol: "_start"}
	if recs[0] != first {
		t.Errorf("first record %+v, want %+v", recs[0], first)
	}
	for _, r := range recs {
		if r.Text == ".word\t0x76636865" && r.Valid {
			t.Errorf("data word %s reported as a valid instruction", r.Addr)
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
		{"bad -M", []string{"disasm", "-M", "numeric"}, `unknown -M option "numeric"`},
		{"two files", []string{"disasm", "a", "b"}, "at most one FILE"},
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
		ef, err := loadDisasmFile("fuzz.elf", data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := ef.WriteObjdump(&out, disasm.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}
