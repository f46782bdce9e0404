package refmodel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
	"github.com/vcheck-dev/vcheck/toolchain/cpp"
)

// TestCorpusSpecAsm assembles every corpus test with vcheck's own
// preprocessor and assembler (toolchain/cpp, toolchain/asm), which need no
// toolchain, and requires the same pass on the model as the GNU build.
func TestCorpusSpecAsm(t *testing.T) {
	for _, src := range corpusSources(t) {
		name := strings.TrimSuffix(filepath.Base(src), ".S")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			pre, err := cpp.Preprocess(src, b, cpp.Options{Include: func(n string) ([]byte, error) {
				return os.ReadFile(filepath.Join(corpusDir, n))
			}})
			if err != nil {
				t.Fatalf("toolchain/cpp: %v", err)
			}
			obj, err := asm.Assemble(src, pre, asm.Options{})
			if err != nil {
				t.Fatalf("toolchain/asm: %v", err)
			}
			cfg := corpusConfig(t, src)
			m, err := New(cfg, imageOf(t, cfg, obj.Program(name)))
			if err != nil {
				t.Fatal(err)
			}
			if e := m.Run(2_000_000); e.Reason != spec.HaltFinisher || e.Code != 0 {
				t.Fatalf("%v code %d (%s)", e.Reason, e.Code, e.Detail)
			}
		})
	}
}
