package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// machine is what `vcheck run` needs from a model. refmodel.Machine and
// the engine's machine both have these methods; neither imports this
// package.
type machine interface {
	// Step runs one step of the next hart (round-robin) and returns its record.
	Step() spec.Retire
	// Run runs up to limit steps without producing records, and returns
	// how the machine stopped (Reason Running when the limit ran out first).
	Run(limit uint64) spec.Exit
	// Exit reports how the machine stopped, or Running.
	Exit() spec.Exit
	// Retired is the number of instructions retired so far, over all harts.
	Retired() uint64
	State(hart int) spec.ArchState
	SetConsole(in io.Reader, out io.Writer)
}

// models maps a --model name to its constructor. Each model registers
// itself from its own file.
var models = map[string]func(spec.Config, *boot.Image) (machine, error){}

func modelNames() []string {
	var n []string
	for k := range models {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func newModel(name string, cfg spec.Config, img *boot.Image) (machine, error) {
	mk, ok := models[name]
	if !ok {
		return nil, usagef("unknown model %q (have %v)", name, modelNames())
	}
	m, err := mk(cfg, img)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	return m, nil
}

// lookupTargets resolves the two target names of a comparing command
// (check, diff, fuzz); an unknown name is reported with the flag that
// gave it, and ok is false.
func lookupTargets(cmd, flagA, nameA, flagB, nameB string, stderr io.Writer) (fa, fb targets.Factory, ok bool) {
	var err error
	if fa, err = targets.Lookup(nameA); err != nil {
		fmt.Fprintf(stderr, "vcheck %s: --%s: %v\n", cmd, flagA, err)
		return nil, nil, false
	}
	if fb, err = targets.Lookup(nameB); err != nil {
		fmt.Fprintf(stderr, "vcheck %s: --%s: %v\n", cmd, flagB, err)
		return nil, nil, false
	}
	return fa, fb, true
}
