package main

import (
	"github.com/vcheck-dev/vcheck/refmodel"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// The reference model, "ref": refmodel.Machine implements machine.
func init() {
	models["ref"] = func(cfg spec.Config, img *boot.Image) (machine, error) {
		return refmodel.New(cfg, img)
	}
}
