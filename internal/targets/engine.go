package targets

import (
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// engine is the fast engine, impl/engine.Machine: the "hardware".
func init() {
	Register("engine", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		m, err := engine.New(cfg, img)
		if err != nil {
			return nil, err
		}
		return m, nil
	})
}
