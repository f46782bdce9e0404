package fuzz_test

import (
	"go/build"
	"testing"
)

// TestNoMutantsInProduction: the engine's fault injection (mutant_on.go)
// is only in builds with the vcheck_mutant tag; without it the hook is
// the empty function of mutant_off.go.
func TestNoMutantsInProduction(t *testing.T) {
	for _, c := range []struct {
		tags    []string
		on, off bool
	}{
		{nil, false, true},
		{[]string{"vcheck_mutant"}, true, false},
	} {
		ctxt := build.Default
		ctxt.BuildTags = c.tags
		for name, want := range map[string]bool{"mutant_on.go": c.on, "mutant_off.go": c.off} {
			ok, err := ctxt.MatchFile("../impl/engine", name)
			if err != nil {
				t.Fatal(err)
			}
			if ok != want {
				t.Errorf("tags %v: %s in the build = %v, want %v", c.tags, name, ok, want)
			}
		}
	}
}
