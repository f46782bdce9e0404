package asm

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// TestGNUCorpus: the project's own assembly programs (corpus/, run
// through the C preprocessor as the Makefiles do) assemble to the same
// bytes as with GNU as + ld. A file this assembler rejects is reported
// but not compared (it may use what docs/asm.md lists as unsupported);
// every file it accepts must match.
func TestGNUCorpus(t *testing.T) {
	gcc := testtool.Tool(t, gnuGCC)
	files, _ := filepath.Glob("../../corpus/*/*.S")
	if len(files) == 0 {
		t.Fatal("no corpus/*/*.S files: the corpus is part of the repository")
	}
	compared := 0
	for _, f := range files {
		cmd := exec.Command(gcc, "-E", "-x", "assembler-with-cpp", "-I", filepath.Dir(f), f)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Logf("%s: cpp: %v %s", f, err, firstLines(stderr.String(), 3))
			continue
		}
		src := out.String()
		if _, err := Assemble(f, []byte(src), Options{}); err != nil {
			t.Logf("%s: not compared: %s", f, firstLines(err.Error(), 2))
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".S"), func(t *testing.T) { compareLinked(t, src) })
		compared++
	}
	if compared*2 < len(files) {
		t.Errorf("only %d of %d corpus files could be compared", compared, len(files))
	}
}
