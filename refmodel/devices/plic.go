package devices

import "github.com/vcheck-dev/vcheck/spec"

// PLIC is the SiFive Platform-Level Interrupt Controller as QEMU 7.2 virt
// configures it (hw/intc/sifive_plic.c; hw/riscv/virt.c): spec.PLICSources
// = 96 interrupt IDs, of which ID 0 means "no interrupt" (RISC-V PLIC spec
// 1.0.0 §3), 3 priority bits (VIRT_IRQCHIP_NUM_PRIO_BITS), and hart config
// "MS": context 2h is hart h's M-mode, context 2h+1 its S-mode.
//
//	offset                       register                          PLIC spec 1.0.0
//	0x000000 + 4*id              priority[id], 0..7; ID 0 reads 0  §4
//	0x001000 + 4*w               pending bits id 32w..32w+31       §5 (read-only)
//	0x002000 + 0x80*ctx + 4*w    enable bits of context ctx        §6
//	0x200000 + 0x1000*ctx        threshold of context ctx, 0..7    §7
//	0x200004 + 0x1000*ctx        claim (read) / complete (write)   §8, §9
//
// The window is the memory map's spec.PLICSize bytes, QEMU's aperture
// (VIRT_PLIC_SIZE of its 512-hart maximum). Offsets with no register,
// including the contexts of harts that do not exist, read 0 and ignore
// writes, as QEMU does.
//
// Accesses: 4 bytes (sifive_plic_ops.valid is min 4, max 4); other sizes
// fail. A misaligned 4-byte load reads two registers and combines them,
// and a misaligned store fails, as on QEMU (see the package comment).
//
// Sources are level-triggered, each behind a gateway (PLIC spec 1.0.0
// §1.4, "Interrupt Gateways"): a high level sets the pending bit unless
// the source's request is already pending or claimed (in flight); claim
// clears the pending bit and puts the source in flight; complete ends the
// flight, and a level still high pends the source again. A pending bit
// stays set if the level drops before the claim (spec: the handler must
// then find the device has nothing to do). QEMU 7.2 instead makes the
// pending bit follow every level change; docs/devices.md lists this.
type PLIC struct {
	harts     int
	priority  [spec.PLICSources]uint32
	level     [spec.PLICSources]bool // the source's input line
	pending   [spec.PLICSources]bool // IP bit: a request the gateway forwarded
	inFlight  [spec.PLICSources]bool // claimed, not yet completed
	enable    [][plicWords]uint32    // per context
	threshold []uint32               // per context
}

// PLIC layout of QEMU 7.2 virt (include/hw/riscv/virt.h).
const (
	plicPriorityBase  = 0x000000 // VIRT_PLIC_PRIORITY_BASE
	plicPendingBase   = 0x001000 // VIRT_PLIC_PENDING_BASE
	plicEnableBase    = 0x002000 // VIRT_PLIC_ENABLE_BASE
	plicEnableStride  = 0x80     // VIRT_PLIC_ENABLE_STRIDE
	plicContextBase   = 0x200000 // VIRT_PLIC_CONTEXT_BASE
	plicContextStride = 0x1000   // VIRT_PLIC_CONTEXT_STRIDE
	plicThresholdOff  = 0        // in a context's block
	plicClaimOff      = 4        // in a context's block
	plicMaxPriority   = 7        // (1 << VIRT_IRQCHIP_NUM_PRIO_BITS) - 1

	// plicWords is the number of 32-bit words of pending or enable bits.
	plicWords = (spec.PLICSources + 31) / 32
)

// NewPLIC returns the PLIC of a machine with harts harts, in its reset
// state: every priority, threshold, enable and pending bit 0
// (sifive_plic_reset).
func NewPLIC(harts int) *PLIC {
	if harts < 0 {
		harts = 0
	}
	return &PLIC{harts: harts, enable: make([][plicWords]uint32, 2*harts), threshold: make([]uint32, 2*harts)}
}

// Name implements Device.
func (p *PLIC) Name() string { return "plic" }

// Base implements Device.
func (p *PLIC) Base() uint64 { return spec.PLICBase }

// Size implements Device.
func (p *PLIC) Size() uint64 { return spec.PLICSize }

func (p *PLIC) contexts() int { return 2 * p.harts }

// SetLevel drives interrupt source id's input line (the gateway, PLIC spec
// §1.4). IDs outside 1..PLICSources-1 are ignored: 0 is "no interrupt".
func (p *PLIC) SetLevel(id int, level bool) {
	if id <= 0 || id >= spec.PLICSources {
		return
	}
	p.level[id] = level
	if level && !p.pending[id] && !p.inFlight[id] {
		p.pending[id] = true
	}
}

// Line returns the IRQLine of source id, for a device to drive.
func (p *PLIC) Line(id int) IRQLine {
	return func(level bool) { p.SetLevel(id, level) }
}

// Pending implements InterruptSource: MEIP while hart's M-mode context has
// a claimable interrupt, SEIP while its S-mode context has one (PLIC spec
// §1.3: the notification is a level, "pending and enabled and above
// threshold").
func (p *PLIC) Pending(hart int) uint64 {
	if hart < 0 || hart >= p.harts {
		return 0
	}
	var mip uint64
	if p.best(2*hart) != 0 {
		mip |= spec.MipMEIP
	}
	if p.best(2*hart+1) != 0 {
		mip |= spec.MipSEIP
	}
	return mip
}

func (p *PLIC) enabled(ctx, id int) bool {
	return p.enable[ctx][id/32]>>(id%32)&1 != 0
}

// best returns the interrupt a claim by ctx would return: the pending,
// enabled source whose priority is above ctx's threshold, the highest
// priority first and the lowest ID among equals (PLIC spec §8, as QEMU's
// sifive_plic_claimed scans); 0 when there is none.
func (p *PLIC) best(ctx int) int {
	bestID, bestPrio := 0, p.threshold[ctx]
	for id := 1; id < spec.PLICSources; id++ {
		if p.pending[id] && !p.inFlight[id] && p.enabled(ctx, id) && p.priority[id] > bestPrio {
			bestID, bestPrio = id, p.priority[id]
		}
	}
	return bestID
}

// claim is a read of ctx's claim register (PLIC spec §8).
func (p *PLIC) claim(ctx int) uint32 {
	id := p.best(ctx)
	if id != 0 {
		p.pending[id] = false
		p.inFlight[id] = true
	}
	return uint32(id)
}

// complete is a write of id to ctx's complete register (PLIC spec §9): "If
// the completion ID does not match an interrupt source that is currently
// enabled for the target, the completion is silently ignored." Completing
// a source that is not in flight changes nothing. QEMU 7.2 does not check
// the enable bit; docs/devices.md lists this.
func (p *PLIC) complete(ctx int, id uint32) {
	if id == 0 || id >= spec.PLICSources || !p.enabled(ctx, int(id)) || !p.inFlight[id] {
		return
	}
	p.inFlight[id] = false
	p.SetLevel(int(id), p.level[id]) // the gateway forwards a level still high
}

// warlPriority legalizes a priority or threshold write: QEMU 7.2 keeps the
// low 3 bits (value % (num_priorities+1) when that is a power of two).
func warlPriority(v uint64) uint32 { return uint32(v % (plicMaxPriority + 1)) }

// register decodes offset into the register it addresses.
type plicReg struct {
	kind int // one of the plic* kinds below
	id   int // priority: source; pending/enable: word
	ctx  int // enable, threshold, claim
}

const (
	plicNone = iota
	plicPriority
	plicPending
	plicEnable
	plicThreshold
	plicClaim
)

func (p *PLIC) decode(offset uint64) plicReg {
	switch {
	case offset >= plicContextBase:
		ctx := int((offset - plicContextBase) / plicContextStride)
		if ctx >= p.contexts() {
			return plicReg{}
		}
		switch (offset - plicContextBase) % plicContextStride {
		case plicThresholdOff:
			return plicReg{kind: plicThreshold, ctx: ctx}
		case plicClaimOff:
			return plicReg{kind: plicClaim, ctx: ctx}
		}
	case offset >= plicEnableBase:
		ctx := int((offset - plicEnableBase) / plicEnableStride)
		w := int((offset - plicEnableBase) % plicEnableStride / 4)
		if ctx < p.contexts() && w < plicWords {
			return plicReg{kind: plicEnable, id: w, ctx: ctx}
		}
	case offset >= plicPendingBase:
		if w := int((offset - plicPendingBase) / 4); w < plicWords {
			return plicReg{kind: plicPending, id: w}
		}
	default:
		// ID 0 has no priority register (PLIC spec §4: reserved); QEMU
		// 7.2's priorities start at VIRT_PLIC_PRIORITY_BASE = 4.
		if id := int(offset / 4); id > 0 && id < spec.PLICSources {
			return plicReg{kind: plicPriority, id: id}
		}
	}
	return plicReg{}
}

func (p *PLIC) accessOK(offset uint64, size int) bool {
	return size == 4 && offset%4 == 0 && offset < p.Size()
}

// Load implements Device. A read of a claim register claims.
func (p *PLIC) Load(offset uint64, size int) (uint64, bool) {
	return splitLoad(p.loadAligned, offset, size)
}

// loadAligned is Load for a naturally aligned access.
func (p *PLIC) loadAligned(offset uint64, size int) (uint64, bool) {
	if !p.accessOK(offset, size) {
		return 0, false
	}
	r := p.decode(offset)
	switch r.kind {
	case plicPriority:
		return uint64(p.priority[r.id]), true
	case plicPending:
		var w uint32
		for b := 0; b < 32; b++ {
			if id := 32*r.id + b; id < spec.PLICSources && p.pending[id] {
				w |= 1 << b
			}
		}
		return uint64(w), true
	case plicEnable:
		return uint64(p.enable[r.ctx][r.id]), true
	case plicThreshold:
		return uint64(p.threshold[r.ctx]), true
	case plicClaim:
		return uint64(p.claim(r.ctx)), true
	}
	return 0, true
}

// Store implements Device. Pending bits are read-only (writes ignored, as
// QEMU); a write to a claim register is a completion.
func (p *PLIC) Store(offset uint64, size int, value uint64) bool {
	return splitStore(p.storeAligned, offset, size, value)
}

// storeAligned is Store for a naturally aligned access.
func (p *PLIC) storeAligned(offset uint64, size int, value uint64) bool {
	if !p.accessOK(offset, size) {
		return false
	}
	r := p.decode(offset)
	switch r.kind {
	case plicPriority:
		p.priority[r.id] = warlPriority(value)
	case plicEnable:
		// Every bit is writable, as in QEMU, including ID 0's, which
		// never pends.
		p.enable[r.ctx][r.id] = uint32(value)
	case plicThreshold:
		p.threshold[r.ctx] = warlPriority(value)
	case plicClaim:
		p.complete(r.ctx, uint32(value))
	}
	return true
}
