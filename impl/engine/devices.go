package engine

import (
	"fmt"
	"io"

	"github.com/vcheck-dev/vcheck/spec"
)

// The virt devices, as QEMU 7.2 lays them out (hw/riscv/virt.c): each is
// a few registers decoded here; MMIO never enters a TLB, so every access
// to them arrives through devLoad/devStore.

// clint is the SiFive CLINT (QEMU's ACLINT MSWI + MTIMER).
type clint struct {
	msip     []bool
	mtimecmp []uint64 // 0 at reset: MTIP is pending from the start, as on QEMU 7.2
	mtimeAdj uint64   // added to the instruction-derived mtime by guest writes
}

func (c *clint) init(harts int) {
	c.msip = make([]bool, harts)
	c.mtimecmp = make([]uint64, harts)
}

func (c *clint) timerPending(hart int, m *Machine) bool {
	return m.mtime() >= c.mtimecmp[hart]
}

// untilTimer is how many more retired instructions keep every not yet
// expired timer from expiring: the Run loop stops there so the
// interrupt is taken exactly where Step would take it.
func (m *Machine) untilTimer() uint64 {
	best := ^uint64(0)
	total := m.Retired()
	now := total/m.cfg.TimebaseDiv + m.clint.mtimeAdj
	for _, cmp := range m.clint.mtimecmp {
		if now >= cmp {
			continue
		}
		ticks := cmp - now // >= 1
		// mtime reaches cmp when total reaches (total/div + ticks) * div.
		target := (total/m.cfg.TimebaseDiv + ticks)
		hi, lo := mul64(target, m.cfg.TimebaseDiv)
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

func mul64(a, b uint64) (hi, lo uint64) {
	lo = a * b
	if a != 0 && lo/a != b {
		return 1, lo
	}
	return 0, lo
}

// plic is the SiFive PLIC with QEMU virt's 96 sources and two contexts per
// hart, M then S (hw/intc/sifive_plic.c).
type plic struct {
	priority  [spec.PLICSources]uint32
	pending   [spec.PLICSources]bool
	claimed   [spec.PLICSources]bool
	level     [spec.PLICSources]bool // the source's interrupt line
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

func (p *plic) init(harts int) {
	p.enable = make([][spec.PLICSources / 32]uint32, 2*harts)
	p.threshold = make([]uint32, 2*harts)
}

// best returns the source a claim on ctx would get, or 0.
func (p *plic) best(ctx int) int {
	bestID, bestPrio := 0, p.threshold[ctx]
	for id := 1; id < spec.PLICSources; id++ {
		if p.pending[id] && !p.claimed[id] && p.enable[ctx][id/32]>>(id%32)&1 != 0 && p.priority[id] > bestPrio {
			bestID, bestPrio = id, p.priority[id]
		}
	}
	return bestID
}

func (p *plic) line(ctx int) bool {
	if ctx >= len(p.threshold) || !p.pending[spec.UARTIRQ] {
		return false // the UART is the only wired source
	}
	return p.best(ctx) != 0
}

func (p *plic) read(off uint64) uint64 {
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
				p.claimed[id] = true
			}
			return uint64(id)
		}
	}
	return 0
}

func (p *plic) write(off, v uint64) {
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
			if w == 0 {
				v &^= 1 // source 0 does not exist
			}
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

// uart is a 16550 with the registers QEMU's serial.c models, transmitting
// at once (THR is always empty) and receiving from an io.Reader.
type uart struct {
	in         io.Reader
	out        io.Writer
	rx         []byte
	eof        bool
	ier, lcr   uint8
	mcr, scr   uint8
	fcr        uint8
	dll, dlm   uint8
	thrPending bool // THR-empty interrupt pending (cleared by reading IIR or writing THR)
}

func (u *uart) init() { u.dll, u.mcr = 0x0c, 0x08 } // QEMU serial_reset: divider 12, MCR = OUT2

func (u *uart) fill() {
	if len(u.rx) > 0 || u.eof || u.in == nil {
		return
	}
	var b [1]byte
	n, err := u.in.Read(b[:])
	if n == 1 {
		u.rx = append(u.rx, b[0])
	}
	if err != nil {
		u.eof = true
	}
}

func (u *uart) level() bool {
	return u.ier&1 != 0 && len(u.rx) > 0 || u.ier&2 != 0 && u.thrPending
}

func (u *uart) read(off uint64) uint64 {
	dlab := u.lcr&0x80 != 0
	switch off {
	case 0:
		if dlab {
			return uint64(u.dll)
		}
		u.fill()
		if len(u.rx) == 0 {
			return 0
		}
		b := u.rx[0]
		u.rx = u.rx[1:]
		return uint64(b)
	case 1:
		if dlab {
			return uint64(u.dlm)
		}
		return uint64(u.ier)
	case 2:
		u.fill()
		var v uint64 = 1
		switch {
		case u.ier&1 != 0 && len(u.rx) > 0:
			v = 4
		case u.ier&2 != 0 && u.thrPending:
			v = 2
			u.thrPending = false
		}
		if u.fcr&1 != 0 {
			v |= 0xc0
		}
		return v
	case 3:
		return uint64(u.lcr)
	case 4:
		return uint64(u.mcr)
	case 5:
		u.fill()
		v := uint64(0x60) // THRE | TEMT: transmission is immediate
		if len(u.rx) > 0 {
			v |= 1
		}
		return v
	case 6:
		return 0xb0 // DCD | DSR | CTS
	case 7:
		return uint64(u.scr)
	}
	return 0
}

func (u *uart) write(off uint64, v uint8) {
	dlab := u.lcr&0x80 != 0
	switch off {
	case 0:
		if dlab {
			u.dll = v
			return
		}
		if u.out != nil {
			u.out.Write([]byte{v})
		}
		u.thrPending = true // the transmitter is empty again at once
	case 1:
		if dlab {
			u.dlm = v
			return
		}
		old := u.ier
		u.ier = v & 0x0f
		if u.ier&2 != 0 && old&2 == 0 {
			u.thrPending = true
		}
	case 2:
		u.fcr = v & 0xc9
		if v&2 != 0 {
			u.rx = nil
		}
	case 3:
		u.lcr = v
	case 4:
		u.mcr = v & 0x1f
	case 7:
		u.scr = v
	}
}

// updateIRQ moves the UART's interrupt line into the PLIC's gateway.
func (m *Machine) updateIRQ() {
	if m.uart.ier&1 != 0 {
		m.uart.fill() // input that is ready counts as received
	}
	m.plic.level[spec.UARTIRQ] = m.uart.level()
	m.plic.gateway(spec.UARTIRQ)
}

// gateway is the PLIC's interrupt gateway for a level-triggered source
// (PLIC spec 1.0.0 §5): a high line sets the pending bit unless a request
// of that source is in service (claimed, not yet completed); the pending
// bit then stays set until a claim, even if the line drops. QEMU 7.2
// instead lets pending follow the line.
func (p *plic) gateway(id int) {
	if p.level[id] && !p.claimed[id] {
		p.pending[id] = true
	}
}

// devLoad is a load from outside RAM, as QEMU 7.2's softmmu does it: an
// aligned access goes to the device as it is; a misaligned one becomes
// the two aligned accesses of its size around it (load_helper's unaligned
// path), each checked, and failAt is the address that faulted. ROM reads
// are plain memory.
func (m *Machine) devLoad(pa, size uint64) (v, failAt uint64, ok bool) {
	if pa%size == 0 || within(pa, size, spec.BootROMBase, spec.BootROMSize) {
		v, ok = m.readPhys(pa, size)
		return v, pa, ok
	}
	a1 := pa &^ (size - 1)
	a2 := a1 + size
	r1, ok := m.readPhys(a1, size)
	if !ok {
		return 0, a1, false
	}
	r2, ok := m.readPhys(a2, size)
	if !ok {
		return 0, a2, false
	}
	sh := (pa - a1) * 8
	v = r1>>sh | r2<<(size*8-sh)
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v, pa, true
}

// devStore is a store outside RAM: aligned as it is; misaligned, byte by
// byte from the lowest address (QEMU's store_helper_unaligned), faulting
// at the first byte the device refuses (earlier bytes are written).
func (m *Machine) devStore(h *Hart, pa, size, v uint64) (failAt uint64, ok bool) {
	if pa%size == 0 {
		return pa, m.writePhys(h, pa, size, v)
	}
	for i := uint64(0); i < size; i++ {
		if !m.writePhys(h, pa+i, 1, v>>(8*i)) {
			return pa + i, false
		}
	}
	return pa, true
}

// readPhys reads physical memory outside the TLB's reach.
func (m *Machine) readPhys(pa, size uint64) (uint64, bool) {
	switch {
	case m.inRAM(pa, size):
		return readRAM(m.ram, pa-spec.RAMBase, size), true
	case within(pa, size, spec.BootROMBase, spec.BootROMSize):
		return readRAM(m.rom, pa-spec.BootROMBase, size), true
	}
	if !deviceSizeOK(pa, size) {
		return 0, false
	}
	switch {
	case within(pa, size, spec.TestBase, spec.TestSize):
		return 0, true
	case within(pa, size, spec.CLINTBase, spec.CLINTSize):
		return m.clintRead(pa-spec.CLINTBase, size), true
	case within(pa, size, spec.PLICBase, spec.PLICSize):
		v := m.plic.read(pa - spec.PLICBase)
		m.markIRQChange()
		return v, true
	case within(pa, size, spec.UARTBase, uartRegs):
		// QEMU's serial_mm_read: any width reads the one byte register at pa.
		v := m.uart.read(pa - spec.UARTBase)
		m.updateIRQ()
		m.markIRQChange()
		return v, true
	}
	return 0, false
}

// uartRegs is the size of the 16550's window: QEMU maps 8 registers
// (regshift 0) at UARTBase; the rest of the 0x100 slot is unassigned.
// Any access width up to 8 is valid and reaches one register.
const uartRegs = 8

// deviceSizeOK applies the access sizes QEMU 7.2's devices accept
// (MemoryRegionOps.valid, unaligned not allowed); any other access is an
// access fault. Checked against QEMU by testdata/probe_mmio.S.
// clintMTimerEnd is where QEMU's ACLINT MTIMER ends in the CLINT window
// (0x4000 + RISCV_ACLINT_DEFAULT_MTIMER_SIZE).
const clintMTimerEnd = 0xc000

func deviceSizeOK(pa, size uint64) bool {
	switch {
	case pa >= spec.TestBase && pa < spec.TestBase+spec.TestSize: // sifive_test: 2..4 bytes
		return (size == 2 || size == 4) && pa%size == 0
	case pa >= spec.CLINTBase+clintMTimerEnd && pa < spec.CLINTBase+spec.CLINTSize:
		// QEMU virt's ACLINT MTIMER is 0x8000 bytes from 0x4000: the rest
		// of the CLINT window is unassigned, an access fault.
		return false
	case pa >= spec.CLINTBase && pa < spec.CLINTBase+spec.CLINTMtimecmp: // ACLINT MSWI: 4 bytes
		return size == 4 && pa%4 == 0
	case pa >= spec.CLINTBase && pa < spec.CLINTBase+spec.CLINTSize: // ACLINT MTIMER: 4 or 8
		return (size == 4 || size == 8) && pa%size == 0
	case pa >= spec.PLICBase && pa < spec.PLICBase+spec.PLICSize: // SiFive PLIC: 4 bytes
		return size == 4 && pa%4 == 0
	}
	return true
}

// markIRQChange makes every running loop stop after this instruction so
// that an interrupt a device access raised is taken before the next one.
func (m *Machine) markIRQChange() {
	for _, h := range m.Harts {
		h.exitLoop = true
	}
}

func (m *Machine) clintRead(off, size uint64) uint64 {
	var v uint64
	switch {
	case off < spec.CLINTMtimecmp:
		if i := off / 4; i < uint64(len(m.clint.msip)) && off%4 == 0 {
			v = b2u(m.clint.msip[i])
		}
		return v
	case off >= spec.CLINTMtime:
		v = m.mtime() >> (8 * (off - spec.CLINTMtime))
	default:
		i := (off - spec.CLINTMtimecmp) / 8
		if i >= uint64(len(m.clint.mtimecmp)) {
			return 0
		}
		v = m.clint.mtimecmp[i] >> (8 * ((off - spec.CLINTMtimecmp) % 8))
	}
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v
}

func (m *Machine) clintWrite(off, size, v uint64) {
	merge := func(old uint64, shift uint64) uint64 {
		mask := ^uint64(0)
		if size < 8 {
			mask = (1<<(8*size) - 1) << shift
		}
		return old&^mask | v<<shift&mask
	}
	switch {
	case off < spec.CLINTMtimecmp:
		if i := off / 4; i < uint64(len(m.clint.msip)) && off%4 == 0 {
			m.clint.msip[i] = v&1 != 0
		}
	case off >= spec.CLINTMtime:
		now := m.mtime()
		nv := merge(now, 8*(off-spec.CLINTMtime))
		m.clint.mtimeAdj += nv - now
	default:
		i := (off - spec.CLINTMtimecmp) / 8
		if i >= uint64(len(m.clint.mtimecmp)) {
			return
		}
		m.clint.mtimecmp[i] = merge(m.clint.mtimecmp[i], 8*((off-spec.CLINTMtimecmp)%8))
	}
}

// writePhys writes physical memory outside the TLB fast path.
func (m *Machine) writePhys(h *Hart, pa, size, v uint64) bool {
	switch {
	case m.inRAM(pa, size):
		m.writePhysRAM(pa-spec.RAMBase, size, v)
	case within(pa, size, spec.BootROMBase, spec.BootROMSize):
		// ROM: QEMU ignores the write.
	case !deviceSizeOK(pa, size):
		return false
	case within(pa, size, spec.TestBase, spec.TestSize):
		if pa == spec.TestBase {
			m.finisher(v)
		}
	case within(pa, size, spec.CLINTBase, spec.CLINTSize):
		m.clintWrite(pa-spec.CLINTBase, size, v)
		m.markIRQChange()
	case within(pa, size, spec.PLICBase, spec.PLICSize):
		m.plic.write(pa-spec.PLICBase, v)
		m.markIRQChange()
	case within(pa, size, spec.UARTBase, uartRegs):
		m.uart.write(pa-spec.UARTBase, uint8(v)) // serial_mm_write: the low byte, one register
		m.updateIRQ()
		m.markIRQChange()
	default:
		return false
	}
	return true
}

// finisher is the sifive_test device (hw/misc/sifive_test.c).
func (m *Machine) finisher(v uint64) {
	code := int(v >> 16 & 0xffff)
	switch v & 0xffff {
	case spec.FinisherPass:
		m.halt(spec.HaltFinisher, 0, "finisher: pass")
	case spec.FinisherFail:
		m.halt(spec.HaltFinisher, code, fmt.Sprintf("finisher: fail, code %d", code))
	case spec.FinisherReset:
		m.halt(spec.HaltReset, 0, "finisher: reset requested")
	}
}

// htifWrite handles a RAM write that touched an HTIF mailbox page
// (Spike's HTIF, as riscv-tests use it).
func (m *Machine) htifWrite(pa, size uint64) {
	if m.toHost == 0 || pa+size <= m.toHost || pa >= m.toHost+8 {
		return
	}
	off := m.toHost - spec.RAMBase
	v := readRAM(m.ram, off, 8)
	switch {
	case v == 0:
	case v&1 != 0 && v>>56 == 0: // device 0 (syscall), odd: exit with v>>1
		code := int(v >> 1)
		detail := fmt.Sprintf("HTIF tohost=%#x: pass", v)
		if code != 0 {
			detail = fmt.Sprintf("HTIF tohost=%#x: test %d failed", v, code)
		}
		m.halt(spec.HaltHTIF, code, detail)
	case v>>56 == 1 && v>>48&0xff == 1: // console putchar
		if m.uart.out != nil {
			m.uart.out.Write([]byte{byte(v)})
		}
		m.htifReply(off, 1<<56|1<<48)
	case v>>56 == 0: // syscall: v points at a magic_mem block; only write(2) is served
		p := v - spec.RAMBase
		if v >= spec.RAMBase && p <= m.cfg.RAM-32 {
			if readRAM(m.ram, p, 8) == 64 {
				buf, n := readRAM(m.ram, p+16, 8), readRAM(m.ram, p+24, 8)
				if buf >= spec.RAMBase && n <= m.cfg.RAM && buf-spec.RAMBase <= m.cfg.RAM-n && m.uart.out != nil {
					m.uart.out.Write(m.ram[buf-spec.RAMBase : buf-spec.RAMBase+n])
				}
				m.deviceWriteRAM(p, n)
			}
		}
		m.htifReply(off, 1)
	}
}

func (m *Machine) htifReply(toHostOff, reply uint64) {
	m.deviceWriteRAM(toHostOff, 0)
	if m.fromHost != 0 {
		m.writePhysRAM(m.fromHost-spec.RAMBase, 8, reply)
	}
}

// within reports whether [pa, pa+size) lies in [base, base+n), without
// overflow for addresses near 2^64 (a load at -1 in M-mode is legal).
func within(pa, size, base, n uint64) bool {
	return pa >= base && pa-base < n && size <= n-(pa-base)
}
