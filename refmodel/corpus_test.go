package refmodel

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// TestCorpus runs every corpus/ref/*.S test on the model and requires a
// pass: the finisher written with 0x5555 within the step limit.
func TestCorpus(t *testing.T) {
	for _, src := range corpusSources(t) {
		name := strings.TrimSuffix(filepath.Base(src), ".S")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			elf := assemble(t, src)
			m := newMachineFor(t, spec.DefaultConfig(), elf)
			var out bytes.Buffer
			m.SetConsole(nil, &out)
			e := m.Run(2_000_000)
			if e.Reason != spec.HaltFinisher || e.Code != 0 {
				t.Fatalf("%s: %v code %d (%s) after %d retired; console: %q", name, e.Reason, e.Code, e.Detail, m.Retired(), out.String())
			}
		})
	}
}
