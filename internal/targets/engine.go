package targets

import (
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// engine is the fast engine, impl/engine.Machine: the "hardware". Where it
// compiles hot blocks (engine.JITSupported), "engine-nojit" is the same
// engine with every block interpreted: what the compiler adds (vcheck
// bench), and a second opinion when the compiled code is in doubt. Both
// are Runners.
func init() {
	Register("engine", newEngine(true))
	if engine.JITSupported() {
		Register("engine-nojit", newEngine(false))
	}
}

func newEngine(jit bool) Factory {
	return func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		m, err := engine.New(cfg, img)
		if err != nil {
			return nil, err
		}
		if !jit {
			m.SetJIT(false)
		}
		return m, nil
	}
}
