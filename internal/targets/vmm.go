package targets

import (
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// vmm is one VM of the trap-and-emulate VMM, impl/vmm.VM: the guest's
// records (guest pc, virtual mode, virtual CSRs, guest traps). The config
// is the guest's; the VMM sizes the host machine itself.
func init() {
	Register("vmm", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		vm, err := vmm.New(cfg, img)
		if err != nil {
			return nil, err
		}
		return vm, nil
	})
}
