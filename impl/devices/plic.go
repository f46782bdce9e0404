package devices

import "github.com/vcheck-dev/vcheck/spec"

// PLIC is the SiFive PLIC with QEMU virt's spec.PLICSources sources and
// two contexts per hart, M then S (hw/intc/sifive_plic.c): context 2h
// drives hart h's MEIP, context 2h+1 its SEIP. Its sources are
// level-triggered; SetLevel drives a source's line.
type PLIC struct {
	priority  [spec.PLICSources]uint32
	pending   [spec.PLICSources]bool
	claimed   [spec.PLICSources]bool
	level     [spec.PLICSources]bool // the source's interrupt line
	npending  int                    // how many pending bits are set
	enable    [][spec.PLICSources / 32]uint32
	threshold []uint32
}

const (
	plicPending   = 0x1000
	plicEnable    = 0x2000
	plicEnableStr = 0x80
	plicContext   = 0x200000
	plicCtxStride = 0x1000
	plicPrioMask  = 7 // VIRT_IRQCHIP_NUM_PRIO_BITS = 3
)

// NewPLIC returns the PLIC of harts harts at reset.
func NewPLIC(harts int) *PLIC {
	return &PLIC{
		enable:    make([][spec.PLICSources / 32]uint32, 2*harts),
		threshold: make([]uint32, 2*harts),
	}
}

// MEIP is hart's machine external interrupt line: its M context has a
// source to claim.
func (p *PLIC) MEIP(hart int) bool { return p.line(2 * hart) }

// SEIP is hart's supervisor external interrupt line: its S context has a
// source to claim.
func (p *PLIC) SEIP(hart int) bool { return p.line(2*hart + 1) }

// SetLevel drives source id's interrupt line (id 1 to
// spec.PLICSources-1; others have no line) and passes it through the
// source's gateway.
func (p *PLIC) SetLevel(id int, level bool) {
	if id <= 0 || id >= spec.PLICSources {
		return
	}
	p.level[id] = level
	p.gateway(id)
}

// gateway is the PLIC's interrupt gateway for a level-triggered source
// (PLIC spec 1.0.0 §5): a high line sets the pending bit unless a request
// of that source is in service (claimed, not yet completed); the pending
// bit then stays set until a claim, even if the line drops. QEMU 7.2
// instead lets pending follow the line.
func (p *PLIC) gateway(id int) {
	if p.level[id] && !p.claimed[id] && !p.pending[id] {
		p.pending[id] = true
		p.npending++
	}
}

// best returns the source a claim on ctx would get, or 0.
func (p *PLIC) best(ctx int) int {
	bestID, bestPrio := 0, p.threshold[ctx]
	for id := 1; id < spec.PLICSources; id++ {
		if p.pending[id] && !p.claimed[id] && p.enable[ctx][id/32]>>(id%32)&1 != 0 && p.priority[id] > bestPrio {
			bestID, bestPrio = id, p.priority[id]
		}
	}
	return bestID
}

func (p *PLIC) line(ctx int) bool {
	if ctx >= len(p.threshold) || p.npending == 0 {
		return false // the usual case, at the price of one compare
	}
	return p.best(ctx) != 0
}

// Load reads the 4-byte register at offset off (the bus allows only
// aligned 4-byte accesses). A read of a context's claim register claims.
// Offsets with no register read 0.
func (p *PLIC) Load(off uint64) uint64 {
	switch {
	case off < plicPending:
		if id := off / 4; id < spec.PLICSources {
			return uint64(p.priority[id])
		}
	case off < plicEnable:
		w := (off - plicPending) / 4
		var v uint64
		for b := uint64(0); b < 32; b++ {
			if id := w*32 + b; id < spec.PLICSources && p.pending[id] {
				v |= 1 << b
			}
		}
		return v
	case off < plicContext:
		ctx := int((off - plicEnable) / plicEnableStr)
		w := (off - plicEnable) % plicEnableStr / 4
		if ctx < len(p.enable) && w < spec.PLICSources/32 {
			return uint64(p.enable[ctx][w])
		}
	default:
		ctx := int((off - plicContext) / plicCtxStride)
		if ctx >= len(p.threshold) {
			return 0
		}
		switch (off - plicContext) % plicCtxStride {
		case 0:
			return uint64(p.threshold[ctx])
		case 4: // claim
			id := p.best(ctx)
			if id != 0 {
				p.pending[id] = false
				p.npending--
				p.claimed[id] = true
			}
			return uint64(id)
		}
	}
	return 0
}

// Store writes the 4-byte register at offset off. A write of a context's
// claim register completes. Offsets with no register ignore it.
func (p *PLIC) Store(off, v uint64) {
	switch {
	case off < plicPending:
		if id := off / 4; id < spec.PLICSources && id != 0 {
			p.priority[id] = uint32(v) & plicPrioMask
		}
	case off < plicEnable: // pending bits are read-only
	case off < plicContext:
		ctx := int((off - plicEnable) / plicEnableStr)
		w := (off - plicEnable) % plicEnableStr / 4
		if ctx < len(p.enable) && w < spec.PLICSources/32 {
			// Every bit is stored, source 0's too: the enables are WARL
			// (PLIC spec 1.0.0 §6) and QEMU 7.2 keeps bit 0 (its probe
			// answer in refmodel/devices/testdata/qemu/golden.txt). Source
			// 0 never pends, so the bit has no effect.
			p.enable[ctx][w] = uint32(v)
		}
	default:
		ctx := int((off - plicContext) / plicCtxStride)
		if ctx >= len(p.threshold) {
			return
		}
		switch (off - plicContext) % plicCtxStride {
		case 0:
			p.threshold[ctx] = uint32(v) & plicPrioMask
		case 4: // complete
			// PLIC spec 1.0.0 §8: a completion ID that is not enabled for
			// the context is ignored. (QEMU 7.2 completes any ID.)
			if v < spec.PLICSources && p.enable[ctx][v/32]>>(v%32)&1 != 0 {
				p.claimed[v] = false
				p.gateway(int(v))
			}
		}
	}
}
