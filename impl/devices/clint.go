package devices

import "github.com/vcheck-dev/vcheck/spec"

// CLINT is the SiFive CLINT as QEMU 7.2's virt builds it from the ACLINT
// MSWI (msip, from offset 0) and MTIMER (mtimecmp from spec.CLINTMtimecmp,
// mtime at spec.CLINTMtime). It also owns the machine's time base:
// mtime, where its ticks fall (OnTick, UntilTick) and when a timer
// expires (UntilTimer).
type CLINT struct {
	clock    Clock
	div      uint64 // retired instructions per mtime tick (TimebaseDiv)
	msip     []bool
	mtimecmp []uint64 // 0 at reset: MTIP is pending from the start, as on QEMU 7.2
	mtimeAdj uint64   // added to the instruction-derived mtime by guest writes
}

// NewCLINT returns the CLINT of harts harts at reset; mtime advances once
// every div instructions clock retires.
func NewCLINT(harts int, div uint64, clock Clock) *CLINT {
	return &CLINT{
		clock:    clock,
		div:      div,
		msip:     make([]bool, harts),
		mtimecmp: make([]uint64, harts),
	}
}

// Mtime is the mtime register: one tick every div retired instructions,
// plus what guest writes to mtime added.
func (c *CLINT) Mtime() uint64 {
	return c.clock.Retired()/c.div + c.mtimeAdj
}

// MSIP is hart's machine software interrupt line: its msip register.
func (c *CLINT) MSIP(hart int) bool { return c.msip[hart] }

// MTIP is hart's machine timer interrupt line: mtime >= mtimecmp.
func (c *CLINT) MTIP(hart int) bool { return c.Mtime() >= c.mtimecmp[hart] }

// OnTick reports whether the retired count is on a timer tick: the last
// instruction retired made it a multiple of div (mtime just advanced).
func (c *CLINT) OnTick() bool { return c.onTick(c.clock.Retired()) }

func (c *CLINT) onTick(total uint64) bool { return total%c.div == 0 }

// UntilTick is how many more retired instructions reach the next timer
// tick (1 to div).
func (c *CLINT) UntilTick() uint64 { return c.untilTick(c.clock.Retired()) }

func (c *CLINT) untilTick(total uint64) uint64 { return c.div - total%c.div }

// UntilTimer is how many more retired instructions keep every timer that
// has not expired from expiring: after that many, at least one may have.
// It is at least 1, and ^0 when no timer can expire.
func (c *CLINT) UntilTimer() uint64 { return c.untilTimer(c.clock.Retired()) }

// untilTimer is UntilTimer when total instructions have retired.
func (c *CLINT) untilTimer(total uint64) uint64 {
	best := ^uint64(0)
	now := total/c.div + c.mtimeAdj
	for _, cmp := range c.mtimecmp {
		if now >= cmp {
			continue
		}
		ticks := cmp - now // >= 1
		// mtime reaches cmp when total reaches (total/div + ticks) * div.
		target := total/c.div + ticks
		hi, lo := mul64(target, c.div)
		if hi != 0 || lo < total {
			continue
		}
		if n := lo - total; n < best {
			best = n
		}
	}
	if best == 0 {
		best = 1
	}
	return best
}

// mul64 is a*b, with hi != 0 when the product overflows 64 bits.
func mul64(a, b uint64) (hi, lo uint64) {
	lo = a * b
	if a != 0 && lo/a != b {
		return 1, lo
	}
	return 0, lo
}

// Load reads size bytes at offset off (the bus allows 4 bytes in the
// msip bank, 4 or 8 in mtimecmp and mtime, aligned). msip reads its bit
// 0; mtimecmp and mtime read a 4-byte half or the whole register.
// Offsets with no register (harts the machine lacks) read 0.
func (c *CLINT) Load(off, size uint64) uint64 {
	var v uint64
	switch {
	case off < spec.CLINTMtimecmp:
		if i := off / 4; i < uint64(len(c.msip)) && off%4 == 0 {
			v = b2u(c.msip[i])
		}
		return v
	case off >= spec.CLINTMtime:
		v = c.Mtime() >> (8 * (off - spec.CLINTMtime))
	default:
		i := (off - spec.CLINTMtimecmp) / 8
		if i >= uint64(len(c.mtimecmp)) {
			return 0
		}
		v = c.mtimecmp[i] >> (8 * ((off - spec.CLINTMtimecmp) % 8))
	}
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v
}

// Store writes the low size bytes of v at offset off. msip keeps bit 0;
// a 4-byte write of half of mtimecmp or mtime keeps the other half; a
// write of mtime moves it from now on (the count keeps advancing it).
func (c *CLINT) Store(off, size, v uint64) {
	merge := func(old uint64, shift uint64) uint64 {
		mask := ^uint64(0)
		if size < 8 {
			mask = (1<<(8*size) - 1) << shift
		}
		return old&^mask | v<<shift&mask
	}
	switch {
	case off < spec.CLINTMtimecmp:
		if i := off / 4; i < uint64(len(c.msip)) && off%4 == 0 {
			c.msip[i] = v&1 != 0
		}
	case off >= spec.CLINTMtime:
		now := c.Mtime()
		nv := merge(now, 8*(off-spec.CLINTMtime))
		c.mtimeAdj += nv - now
	default:
		i := (off - spec.CLINTMtimecmp) / 8
		if i >= uint64(len(c.mtimecmp)) {
			return
		}
		c.mtimecmp[i] = merge(c.mtimecmp[i], 8*((off-spec.CLINTMtimecmp)%8))
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
