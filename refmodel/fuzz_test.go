package refmodel

import (
	"encoding/binary"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// FuzzGarbage runs arbitrary bytes as code in M-mode, with mtvec at the
// start of the bytes, for a bounded number of steps: whatever they do
// (illegal words, wild jumps, CSR writes, device accesses, paging and
// PMP setups), the model must not panic, must stay on valid modes, and
// must stop at the limit with a clear report or at a device exit.
func FuzzGarbage(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x00, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x73, 0x00, 0x10, 0x00})
	f.Add(binary.LittleEndian.AppendUint32(nil, 0x30200073)) // mret
	f.Add(binary.LittleEndian.AppendUint32(nil, 0x18029073)) // csrw satp, t0
	f.Add(binary.LittleEndian.AppendUint32(nil, 0x3a029073)) // csrw pmpcfg0, t0
	f.Fuzz(func(t *testing.T, code []byte) {
		img := &boot.Image{Segments: []load.Segment{{Addr: spec.RAMBase, Data: code, MemSize: uint64(len(code))}},
			ResetPC: spec.RAMBase, Entry: spec.RAMBase}
		cfg := spec.DefaultConfig()
		cfg.Harts = 2
		m, err := New(cfg, img)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range m.harts {
			h.csr[spec.CSRMtvec] = spec.RAMBase
			for i := range h.x {
				h.x[i] = spec.RAMBase + uint64(i)*8 // plausible addresses
			}
		}
		for n := 0; n < 2000 && m.Exit().Reason == spec.Running; n++ {
			r := m.Step()
			if !r.Mode.Valid() || !r.NextMode.Valid() {
				t.Fatalf("invalid mode in %+v", r)
			}
			if r.Rd.Valid && r.Rd.Reg == 0 {
				t.Fatalf("x0 write recorded: %+v", r)
			}
		}
		e := m.Run(1000)
		if e.Reason == spec.Running {
			t.Fatalf("Run returned Running: %+v", e)
		}
	})
}
