package main

import (
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// The trap-and-emulate VMM registers as --model vmm: the program runs as
// the guest of one VM (its config is the guest's; the VMM sizes the host).
func init() {
	models["vmm"] = func(cfg spec.Config, img *boot.Image) (machine, error) {
		return vmm.New(cfg, img)
	}
}
