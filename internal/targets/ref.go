package targets

import (
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/refmodel"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// ref is the reference model, refmodel.Machine: the bare machine. It is a
// Runner.
func init() {
	Register("ref", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		m, err := refmodel.New(cfg, img)
		if err != nil {
			return nil, err
		}
		return m, nil
	})
}
