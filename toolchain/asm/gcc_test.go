package asm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

const gnuGCC = "riscv64-unknown-elf-gcc"

// TestGNUCompilerOutput: what GCC emits for testdata/cprog.c, at several
// optimization levels and code models, assembles to the same bytes as
// with GNU as + ld.
func TestGNUCompilerOutput(t *testing.T) {
	gcc := testtool.Tool(t, gnuGCC)
	for _, flags := range [][]string{
		{"-O0", "-mcmodel=medany"},
		{"-O2", "-mcmodel=medany"},
		{"-Os", "-mcmodel=medlow"},
		{"-O3", "-mcmodel=medlow", "-fno-inline"},
		{"-O1", "-mcmodel=medany", "-fcommon"},
	} {
		t.Run(flags[0]+flags[1], func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cprog.s")
			args := append([]string{"-march=rv64imac", "-mabi=lp64", "-S", "-o", out, "testdata/cprog.c"}, flags...)
			cmd := exec.Command(gcc, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("gcc: %v\n%s", err, stderr.String())
			}
			src, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			// medlow code reaches only ±2 GiB around 0, so it cannot
			// live at 0x80000000 (neither GNU ld nor we can link it there).
			opts := Options{}
			if flags[1] == "-mcmodel=medlow" {
				opts.TextBase = 0x10000
			}
			compareLinkedAt(t, string(src), opts)
		})
	}
}
