package targets

import (
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/trace"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// trace:FILE is a commit log in Spike's format (docs/external.md), read
// by diff/trace. The log's boot ROM is skipped, so the comparison runs
// the reference from 0x80000000 too (RegisterConfig).
func init() {
	RegisterPrefix("trace", func(arg string) (Factory, error) {
		return func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
			opts := trace.Options{Config: cfg}
			if img != nil {
				opts.ToHost = img.ToHost
				for _, s := range img.Segments {
					opts.Memory = append(opts.Memory, trace.Segment{Addr: s.Addr, Data: s.Data})
				}
			}
			return trace.Open(arg, opts)
		}, nil
	})
	RegisterConfig("trace", func(cfg *spec.Config) { cfg.ResetPC = spec.RAMBase })
}
