package cpp

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

func pp(t *testing.T, src string, files map[string]string) string {
	t.Helper()
	out, err := Preprocess("t.S", []byte(src), Options{Include: func(n string) ([]byte, error) {
		if s, ok := files[n]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("no such file")
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Drop linemarkers and blank lines for comparison.
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" && !isLinemarker(l) {
			keep = append(keep, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(keep, "\n")
}

func isLinemarker(l string) bool {
	return strings.HasPrefix(l, "# ") && len(l) > 2 && l[2] >= '0' && l[2] <= '9'
}

func TestMacros(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"#define X 5\nli a0, X", "li a0, 5"},
		{"#define F(a, b) add a, b, a\nF(t0, t1)", "add t0, t1, t0"},
		{"#define A B\n#define B 7\nli a0, A", "li a0, 7"},
		{"#define R R+1\nli a0, R", "li a0, R+1"}, // no recursion
		{"#define C(n, reg, val) li gp, n; li t6, val; bne reg, t6, fail\nC(3, a0, (1<<63))", "li gp, 3; li t6, (1<<63); bne a0, t6, fail"},
		{"#define S(x) #x\n.string S(hi there)", `.string "hi there"`},
		{"#define P(a, b) a##b\nP(lab, 1):", "lab1:"},
		{"#ifdef NOPE\nbad\n#else\ngood\n#endif", "good"},
		{"#define V 2\n#if V > 1 && defined(V)\nyes\n#elif 1\nno\n#endif", "yes"},
		{"#if 0\n#if 1\nno\n#endif\n#else\nyes\n#endif", "yes"},
		{"/* multi\nline */ nop // tail\nnop", "nop\nnop"},
		{"#define LONG 1 + \\\n 2\nli a0, LONG", "li a0, 1 + 2"},
		{"#define X 1\n#undef X\nli a0, X", "li a0, X"},
		{`la a0, "X"` + "\n#define X 2\n" + `.string "X"`, `la a0, "X"` + "\n" + `.string "X"`},
		{"#define F(x) x\nF", "F"},
		{"# a comment, not a directive X\n#define X 1", "# a comment, not a directive X"},
	} {
		if got := pp(t, c.src, nil); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

func TestIncludeAndLinemarkers(t *testing.T) {
	out, err := Preprocess("main.S", []byte("a\n#include \"h.h\"\nb\n"), Options{Include: func(n string) ([]byte, error) {
		return []byte("#define H 1\nh H\n"), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := "# 1 \"main.S\"\na\n# 1 \"h.h\"\n\nh 1\n\n# 3 \"main.S\"\nb\n\n"
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
}

func TestErrors(t *testing.T) {
	inc := func(n string) ([]byte, error) { return []byte("#include \"self.h\"\n"), nil }
	for _, c := range []struct{ src, want string }{
		{"#if 1\nnop", "t.S:1: #if without #endif"},
		{"#endif", "t.S:1: #endif without #if"},
		{"#define F(a) a\nF(1, 2)", "t.S:2: macro F takes 1 arguments, got 2"},
		{"#include <stdio.h>", "t.S:1: #include expects"},
		{"#include \"self.h\"", "nested more than 32 deep"},
		{"#if 1 +\n#endif", "t.S:1: #if 1 +: expression ends early"},
		{"#if 1/0\n#endif", "division by zero"},
	} {
		_, err := Preprocess("t.S", []byte(c.src), Options{Include: inc})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

// TestAgainstGCC preprocesses every corpus source that uses the
// preprocessor both with this package and with riscv64-unknown-elf-gcc
// -E, assembles both with GNU as, and compares the object files'
// section contents. The oracle is GNU cpp.
func TestAgainstGCC(t *testing.T) {
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	srcs, _ := filepath.Glob("../../corpus/*/*.S")
	n := 0
	for _, src := range srcs {
		data, _ := os.ReadFile(src)
		if !bytes.Contains(data, []byte("#define")) && !bytes.Contains(data, []byte("#include")) {
			continue
		}
		n++
		dir := filepath.Dir(src)
		ours, err := Preprocess(filepath.Base(src), data, Options{Include: func(name string) ([]byte, error) {
			return os.ReadFile(filepath.Join(dir, name))
		}})
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		tmp := t.TempDir()
		oursS := filepath.Join(tmp, "ours.s")
		os.WriteFile(oursS, ours, 0o644)
		arch := []string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-c"}
		if out, err := exec.Command(gcc, append(arch, "-o", filepath.Join(tmp, "ours.o"), oursS)...).CombinedOutput(); err != nil {
			t.Errorf("%s: GNU as rejects our output: %v\n%s", src, err, out)
			continue
		}
		if out, err := exec.Command(gcc, append(arch, "-o", filepath.Join(tmp, "gnu.o"), src)...).CombinedOutput(); err != nil {
			t.Errorf("%s: gcc: %v\n%s", src, err, out)
			continue
		}
		a, b := sections(t, filepath.Join(tmp, "ours.o")), sections(t, filepath.Join(tmp, "gnu.o"))
		if a != b {
			t.Errorf("%s: object code differs between our preprocessor and GNU cpp", src)
		}
	}
	if n == 0 {
		t.Fatal("no corpus source uses the preprocessor: the oracle checked nothing")
	}
	t.Logf("%d sources agree with GNU cpp", n)
}

func sections(t *testing.T, path string) string {
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, s := range f.Sections {
		if s.Type == elf.SHT_PROGBITS && s.Flags&elf.SHF_ALLOC != 0 {
			d, _ := s.Data()
			fmt.Fprintf(&b, "%s %x\n", s.Name, d)
		}
	}
	return b.String()
}
