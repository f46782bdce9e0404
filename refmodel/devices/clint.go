package devices

import "github.com/vcheck-dev/vcheck/spec"

// CLINT is the SiFive CLINT as QEMU 7.2 virt builds it from two ACLINT
// devices (hw/intc/riscv_aclint.c, hw/riscv/virt.c):
//
//	offset           device   register                     access
//	0x0000 + 4*h     MSWI     msip[h]: bit 0 drives MSIP   4 bytes
//	0x4000 + 8*h     MTIMER   mtimecmp[h]                  4 (lo/hi) or 8 bytes
//	0xbff8           MTIMER   mtime                        4 (lo/hi) or 8 bytes
//	0xc000..0xffff   -        nothing (unassigned)         fails
//
// The MSWI window is 0x0000..0x3fff (RISCV_ACLINT_SWI_SIZE) and the MTIMER
// window is 0x4000..0xbfff (RISCV_ACLINT_DEFAULT_MTIMER_SIZE). Inside a
// window, a register that does not exist (a hart beyond Config.Harts, a
// gap) reads 0 and ignores writes, as QEMU does (it only logs them).
//
// Accesses that fail (QEMU's MemoryRegionOps.valid): in the MSWI window
// any size but 4; in the MTIMER window sizes 1 and 2; anything at 0xc000
// and above. A misaligned load is two aligned loads combined and a
// misaligned store is byte stores, which always fail here (see the
// package comment), as on QEMU.
//
// Time is deterministic: mtime counts ticks, one tick every
// Config.TimebaseDiv calls of Tick (retired instructions). QEMU derives
// mtime from the host clock instead; the registers behave the same.
//
// Reset (ACLINT spec; QEMU riscv_aclint_*_reset_enter and
// riscv_aclint_mtimer_create): msip = 0, mtime = 0, mtimecmp = 0. So MTIP
// is pending from reset until software raises mtimecmp, as on QEMU.
type CLINT struct {
	harts    int
	div      uint64   // Config.TimebaseDiv: retired instructions per tick
	phase    uint64   // retired instructions since the last tick, 0..div-1
	mtime    uint64   // the time register
	mtimecmp []uint64 // per hart
	msip     []bool   // per hart: bit 0 of the msip register
}

// CLINT windows and strides (QEMU 7.2 include/hw/intc/riscv_aclint.h).
const (
	clintMSWISize    = 0x4000 // RISCV_ACLINT_SWI_SIZE
	clintMTimerEnd   = 0xc000 // CLINTMtimecmp + RISCV_ACLINT_DEFAULT_MTIMER_SIZE (0x8000)
	clintMsipStride  = 4
	clintMtimecmpLen = 8
)

// NewCLINT returns the CLINT of a machine built from cfg (Harts and
// TimebaseDiv), in its reset state. A TimebaseDiv of 0 counts as 1.
func NewCLINT(cfg spec.Config) *CLINT {
	harts := cfg.Harts
	if harts < 0 {
		harts = 0
	}
	div := cfg.TimebaseDiv
	if div == 0 {
		div = 1
	}
	return &CLINT{harts: harts, div: div, mtimecmp: make([]uint64, harts), msip: make([]bool, harts)}
}

// Name implements Device.
func (c *CLINT) Name() string { return "clint" }

// Base implements Device.
func (c *CLINT) Base() uint64 { return spec.CLINTBase }

// Size implements Device.
func (c *CLINT) Size() uint64 { return spec.CLINTSize }

// Tick implements Ticker: one retired instruction. mtime advances by one
// every TimebaseDiv ticks.
func (c *CLINT) Tick() {
	c.phase++
	if c.phase >= c.div {
		c.phase = 0
		c.mtime++
	}
}

// Pending implements InterruptSource: MSIP while msip[hart] is set, MTIP
// while mtime >= mtimecmp[hart] (Priv. spec 3.2.1; QEMU raises MTIP exactly
// then and lowers it when mtimecmp or mtime is rewritten above/below).
func (c *CLINT) Pending(hart int) uint64 {
	if hart < 0 || hart >= c.harts {
		return 0
	}
	var p uint64
	if c.msip[hart] {
		p |= spec.MipMSIP
	}
	if c.mtime >= c.mtimecmp[hart] {
		p |= spec.MipMTIP
	}
	return p
}

// Mtime returns the time register, for the hart's time CSR (QEMU's
// provide_rdtime: rdtime reads the same counter).
func (c *CLINT) Mtime() uint64 { return c.mtime }

// accessOK applies QEMU's .valid rules of the window holding offset.
func (c *CLINT) accessOK(offset uint64, size int) bool {
	if !naturallyAligned(offset, size) {
		return false
	}
	switch {
	case offset < clintMSWISize:
		return size == 4 // riscv_aclint_swi_ops: min 4, max 4
	case offset < clintMTimerEnd:
		return size == 4 || size == 8 // riscv_aclint_mtimer_ops: min 4, max 8
	}
	return false // unassigned: no device answers
}

// timerHart returns the hart whose mtimecmp covers offset.
func (c *CLINT) timerHart(offset uint64) (int, bool) {
	if offset < spec.CLINTMtimecmp {
		return 0, false
	}
	h := (offset - spec.CLINTMtimecmp) / clintMtimecmpLen
	if h >= uint64(c.harts) {
		return 0, false
	}
	return int(h), true
}

// read64 returns the 8-byte register holding offset and whether one
// exists there.
func (c *CLINT) read64(offset uint64) (uint64, bool) {
	if h, ok := c.timerHart(offset); ok {
		return c.mtimecmp[h], true
	}
	if offset&^7 == spec.CLINTMtime {
		return c.mtime, true
	}
	return 0, false
}

// Load implements Device.
func (c *CLINT) Load(offset uint64, size int) (uint64, bool) {
	return splitLoad(c.loadAligned, offset, size)
}

// loadAligned is Load for a naturally aligned access.
func (c *CLINT) loadAligned(offset uint64, size int) (uint64, bool) {
	if !c.accessOK(offset, size) {
		return 0, false
	}
	if offset < clintMSWISize {
		h := offset / clintMsipStride
		if h < uint64(c.harts) && c.msip[h] {
			return 1, true
		}
		return 0, true
	}
	reg, ok := c.read64(offset)
	if !ok {
		return 0, true
	}
	if size == 4 {
		return (reg >> (8 * (offset & 4))) & 0xffffffff, true // lo or hi half
	}
	return reg, true
}

// Store implements Device. A 4-byte store replaces one half of a 64-bit
// register and keeps the other, as QEMU does. A store to mtime sets the
// counter; the position inside the current tick (the TimebaseDiv phase) is
// kept, as QEMU keeps its clock and only moves time_delta.
func (c *CLINT) Store(offset uint64, size int, value uint64) bool {
	return splitStore(c.storeAligned, offset, size, value)
}

// storeAligned is Store for a naturally aligned access.
func (c *CLINT) storeAligned(offset uint64, size int, value uint64) bool {
	if !c.accessOK(offset, size) {
		return false
	}
	if offset < clintMSWISize {
		if h := offset / clintMsipStride; h < uint64(c.harts) {
			c.msip[h] = value&1 != 0 // only bit 0 exists
		}
		return true
	}
	old, ok := c.read64(offset)
	if !ok {
		return true
	}
	v := value
	if size == 4 {
		shift := 8 * (offset & 4)
		v = old&^(0xffffffff<<shift) | (value&0xffffffff)<<shift
	}
	if h, ok := c.timerHart(offset); ok {
		c.mtimecmp[h] = v
	} else {
		c.mtime = v
	}
	return true
}
