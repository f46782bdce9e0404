package main

import (
	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// The fast engine registers as --model engine.
func init() {
	models["engine"] = func(cfg spec.Config, img *boot.Image) (machine, error) {
		return engine.New(cfg, img)
	}
}

// jitSupported reports whether the engine compiles hot blocks on this
// host (vcheck bench then also measures it with compilation off).
func jitSupported() bool { return engine.JITSupported() }
