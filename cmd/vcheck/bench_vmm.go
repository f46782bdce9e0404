package main

import (
	"io"
	"math"
	"strings"
	"time"

	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// benchVMM is one program run as the guest of one VM.
type benchVMM struct {
	Seconds      float64           `json:"seconds"`
	Instructions uint64            `json:"instructions"` // guest instructions retired
	MIPS         float64           `json:"mips"`
	Error        string            `json:"error,omitempty"`
	OverEngine   float64           `json:"over_engine"`  // VMM wall time / engine wall time (1: no overhead)
	DirectShare  float64           `json:"direct_share"` // guest instructions executed directly / retired
	Emulated     uint64            `json:"emulated"`     // guest instructions retired by emulation
	Exits        map[string]uint64 `json:"exits"`        // VM exits by cause
	summary      string
}

// benchRunVMM runs img as a guest to its exit (or limit steps) and
// measures it against the engine's run.
func benchRunVMM(cfg spec.Config, img *boot.Image, limit uint64, engine benchMeasure) *benchVMM {
	m, err := targets.NewRunner("vmm", cfg, img)
	if err != nil {
		return &benchVMM{Error: err.Error()}
	}
	m.SetConsole(strings.NewReader(""), io.Discard)
	if limit == 0 {
		limit = math.MaxUint64
	}
	start := time.Now()
	m.Run(limit)
	ms := measure(m.Retired(), time.Since(start))
	b := &benchVMM{Seconds: ms.Seconds, Instructions: ms.Instructions, MIPS: ms.MIPS, Exits: map[string]uint64{}}
	if engine.Seconds > 0 {
		b.OverEngine = b.Seconds / engine.Seconds
	}
	if vm, ok := m.(*vmm.VM); ok {
		st := vm.Stats()
		b.DirectShare, b.Emulated = st.DirectShare(), st.Emulated
		for _, c := range st.Causes() {
			b.Exits[c.String()] = st.Exits[c]
		}
		b.summary = st.String()
	}
	return b
}
