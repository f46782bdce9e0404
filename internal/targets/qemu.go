package targets

import (
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// qemu starts qemu-system-riscv64 -machine virt with the rv64pg CPU
// options, -icount shift=0 and a gdbstub on a free loopback port, and
// steps it through diff/gdb (docs/external.md). The target it returns is
// an io.Closer: closing it stops QEMU.
func init() {
	Register("qemu", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		return gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: img})
	})
}

// QEMUDepartures classifies a divergence against QEMU as one of the
// documented departures of QEMU 7.2 (gdb.QEMUDepartures).
func QEMUDepartures(d *diff.Divergence) (Departure, bool) {
	dep, ok := gdb.ClassifyQEMU(d)
	return Departure{Name: dep.Name, Spec: dep.Spec}, ok
}
