package fuzz_test

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// TestSourceAssembles checks that a generated program's .S form gives
// back the same bytes, through toolchain/asm and through GNU as.
func TestSourceAssembles(t *testing.T) {
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	for seed := 0; seed < 8; seed++ {
		l, err := fuzz.Gen(fuzz.Options{}).Example(seed).Layout()
		if err != nil {
			t.Fatal(err)
		}
		src := l.Source([]string{"test header"})
		want := l.Bytes()
		obj, err := asm.Assemble("gen.S", []byte(src), asm.Options{})
		if err != nil {
			t.Fatalf("seed %d: toolchain/asm: %v", seed, err)
		}
		got := flatten(obj.Program("gen").Segments[0].Addr, obj.Program("gen"))
		if !bytes.Equal(trimZeros(got), trimZeros(want)) {
			t.Errorf("seed %d: toolchain/asm bytes differ from the listing", seed)
		}
		dir := t.TempDir()
		s, e := filepath.Join(dir, "gen.S"), filepath.Join(dir, "gen.elf")
		os.WriteFile(s, []byte(src), 0o644)
		if out, err := exec.Command(gcc, "-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib", "-Ttext=0x80000000", "-o", e, s).CombinedOutput(); err != nil {
			t.Fatalf("seed %d: gcc: %v\n%s", seed, err, out)
		}
		f, err := elf.Open(e)
		if err != nil {
			t.Fatal(err)
		}
		text, err := f.Section(".text").Data()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(trimZeros(text), trimZeros(want)) {
			t.Errorf("seed %d: GNU as bytes differ from the listing", seed)
		}
	}
}

func trimZeros(b []byte) []byte { return bytes.TrimRight(b, "\x00") }
