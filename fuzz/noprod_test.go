package fuzz_test

import (
	"go/build"
	"testing"
)

// TestNoMutantsInProduction: the engine's and the VMM's fault injection
// (mutant_on.go) is only in builds with the vcheck_mutant tag; without it
// the hooks are the empty functions of mutant_off.go.
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
		for _, dir := range []string{"../impl/engine", "../impl/vmm"} {
			for name, want := range map[string]bool{"mutant_on.go": c.on, "mutant_off.go": c.off} {
				ok, err := ctxt.MatchFile(dir, name)
				if err != nil {
					t.Fatal(err)
				}
				if ok != want {
					t.Errorf("tags %v: %s/%s in the build = %v, want %v", c.tags, dir, name, ok, want)
				}
			}
		}
	}
}
