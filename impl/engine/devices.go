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

// uart is the 16550A of QEMU 7.2's serial.c (serial_mm, regshift 0):
// its registers, a 16-byte receive FIFO with trigger levels, overrun,
// the character timeout, loopback and the IIR priorities. Transmission is
// instant (serial_xmit runs inside the THR write), so THR is always empty
// again when the store completes.
//
// Reception is paced by the machine's time base: at every timer tick (the
// retired instruction after which the count of instructions retired over
// all harts is a multiple of TimebaseDiv, i.e. where mtime advances) the
// receive line delivers what QEMU's serial_can_receive would accept, and
// a FIFO with bytes and nothing new arriving raises the character timeout
// (see Machine.uartTick). Register accesses never read the input.
type uart struct {
	in     io.Reader
	out    io.Writer
	inDone bool // the reader returned an error (io.EOF included): no more input

	ier, lcr, mcr, scr uint8
	lsr, msr           uint8
	iir                uint8 // as serial_update_irq last set it
	fcr                uint8 // the sticky bits: trigger level, DMA mode, enable
	dll, dlm           uint8
	rbr                uint8 // the holding register while the FIFOs are off

	rxBuf      [uartFIFOSize]byte // a ring: rxLen bytes from rxHead
	rxHead     int
	rxLen      int
	rxLevel    int  // trigger level: 1, 4, 8 or 14
	thrPending bool // THR-empty interrupt armed (thr_ipending)
	ctiPending bool // character timeout raised (timeout_ipending)
}

const uartFIFOSize = 16

// The register bits the engine uses (16550 datasheet).
const (
	ierRx     = 0x01 // received data available (and the timeout)
	ierTx     = 0x02 // THR empty
	ierLine   = 0x04 // receiver line status
	ierModem  = 0x08 // modem status
	lsrReady  = 0x01 // DR
	lsrOver   = 0x02 // OE
	lsrBreak  = 0x10 // BI
	lsrErrors = 0x1e // OE, PE, FE, BI
	lsrTxIdle = 0x60 // THRE | TEMT
	lsrTHRE   = 0x20
	fcrEnable = 0x01
	fcrRxRst  = 0x02
	fcrTxRst  = 0x04
	mcrLoop   = 0x10
	lcrDLAB   = 0x80
)

// init is QEMU's serial_reset: divisor 12, MCR = OUT2, LSR = THRE|TEMT,
// MSR = DCD|DSR|CTS, IIR = no interrupt, FIFOs off.
func (u *uart) init() {
	u.dll, u.mcr = 0x0c, 0x08
	u.lsr, u.msr, u.iir = lsrTxIdle, 0xb0, 0x01
	u.rxLevel = 1
}

func (u *uart) fifoOn() bool { return u.fcr&fcrEnable != 0 }

// recalc is serial_update_irq: IIR from the highest-priority condition
// (line status, character timeout, received data, THR empty, modem status).
func (u *uart) recalc() {
	var id uint8
	switch {
	case u.ier&ierLine != 0 && u.lsr&lsrErrors != 0:
		id = 0x06
	case u.ier&ierRx != 0 && u.ctiPending:
		id = 0x0c
	case u.ier&ierRx != 0 && u.lsr&lsrReady != 0 && (!u.fifoOn() || u.rxLen >= u.rxLevel):
		id = 0x04
	case u.ier&ierTx != 0 && u.thrPending:
		id = 0x02
	case u.ier&ierModem != 0 && u.msr&0x0f != 0:
		id = 0x00
	default:
		id = 0x01
	}
	u.iir = u.iir&0xf0 | id
}

// level is the interrupt output: high while IIR names an interrupt.
func (u *uart) level() bool { return u.iir&0x01 == 0 }

// accepts is how many bytes the line may deliver now (serial_can_receive):
// with the FIFOs on, enough to reach the trigger level, or one byte past
// it, none when full; with them off, one byte when RBR is empty.
func (u *uart) accepts() int {
	if !u.fifoOn() {
		if u.lsr&lsrReady != 0 {
			return 0
		}
		return 1
	}
	switch {
	case u.rxLen == uartFIFOSize:
		return 0
	case u.rxLen > u.rxLevel:
		return 1
	}
	return u.rxLevel - u.rxLen
}

// push is serial_receive1 for one byte: into the FIFO (a full FIFO keeps
// its bytes and flags an overrun) or into RBR (overrun if unread).
func (u *uart) push(b uint8) {
	if u.fifoOn() {
		if u.rxLen < uartFIFOSize {
			u.rxBuf[(u.rxHead+u.rxLen)%uartFIFOSize] = b
			u.rxLen++
		} else {
			u.lsr |= lsrOver
		}
	} else {
		if u.lsr&lsrReady != 0 {
			u.lsr |= lsrOver
		}
		u.rbr = b
	}
	u.lsr |= lsrReady
}

func (u *uart) pop() uint8 {
	if u.rxLen == 0 {
		return 0
	}
	b := u.rxBuf[u.rxHead]
	u.rxHead = (u.rxHead + 1) % uartFIFOSize
	u.rxLen--
	return b
}

// ticking reports whether a timer tick can change the UART: input may
// still come, or the FIFO holds bytes the character timeout has not yet
// reported. When it is false the Run loop need not stop at ticks.
func (u *uart) ticking() bool {
	return u.in != nil && !u.inDone || u.fifoOn() && u.rxLen > 0 && !u.ctiPending
}

// tick is one timer tick of the receive line; it reports whether IIR was
// recomputed (the interrupt line may have changed).
func (u *uart) tick() bool {
	got := false
	if u.mcr&mcrLoop == 0 && u.in != nil && !u.inDone {
		var one [1]byte
		for want := u.accepts(); want > 0; want-- {
			n, err := u.in.Read(one[:])
			if n == 1 {
				u.push(one[0])
				got = true
			}
			if err != nil {
				u.inDone = true
				break
			}
			if n != 1 {
				break // nothing on the line at this tick
			}
		}
	}
	timeout := !got && u.fifoOn() && u.rxLen > 0 && !u.ctiPending
	if timeout {
		u.ctiPending = true
	}
	if got || timeout {
		u.recalc()
		return true
	}
	return false
}

// xmit is serial_xmit: the byte leaves at once (into the receiver in
// loopback), THR is empty again and the THRE interrupt armed.
func (u *uart) xmit(b uint8) {
	if u.mcr&mcrLoop != 0 {
		u.push(b)
	} else if u.out != nil {
		u.out.Write([]byte{b})
	}
	u.lsr |= lsrTxIdle
	u.thrPending = true
	u.recalc()
}

func (u *uart) read(off uint64) uint64 {
	dlab := u.lcr&lcrDLAB != 0
	switch off {
	case 0:
		if dlab {
			return uint64(u.dll)
		}
		var b uint8
		if u.fifoOn() {
			b = u.pop()
			if u.rxLen == 0 {
				u.lsr &^= lsrReady | lsrBreak
			}
			u.ctiPending = false
		} else {
			b = u.rbr
			u.lsr &^= lsrReady | lsrBreak
		}
		u.recalc()
		return uint64(b)
	case 1:
		if dlab {
			return uint64(u.dlm)
		}
		return uint64(u.ier)
	case 2:
		v := u.iir
		if v&0x0f == 0x02 { // reading IIR that shows THRI acknowledges it
			u.thrPending = false
			u.recalc()
		}
		return uint64(v)
	case 3:
		return uint64(u.lcr)
	case 4:
		return uint64(u.mcr)
	case 5:
		v := u.lsr
		if v&(lsrOver|lsrBreak) != 0 {
			u.lsr &^= lsrOver | lsrBreak
			u.recalc()
		}
		return uint64(v)
	case 6:
		if u.mcr&mcrLoop != 0 {
			// The modem outputs loop back: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
			mc := u.mcr
			return uint64(mc&0x01<<5 | mc&0x02<<3 | mc&0x0c<<4)
		}
		v := u.msr
		if v&0x0f != 0 {
			u.msr &= 0xf0
			u.recalc()
		}
		return uint64(v)
	case 7:
		return uint64(u.scr)
	}
	return 0
}

func (u *uart) write(off uint64, v uint8) {
	dlab := u.lcr&lcrDLAB != 0
	switch off {
	case 0:
		if dlab {
			u.dll = v
			return
		}
		u.thrPending = false
		u.lsr &^= lsrTxIdle
		u.xmit(v)
	case 1:
		if dlab {
			u.dlm = v
			return
		}
		old := u.ier
		u.ier = v & 0x0f
		if (old^u.ier)&ierTx != 0 {
			// Turning THRI on re-arms it when THR is empty (QEMU, after Bochs).
			u.thrPending = u.ier&ierTx != 0 && u.lsr&lsrTHRE != 0
		}
		if old != u.ier {
			u.recalc()
		}
	case 2: // FCR
		if (v^u.fcr)&fcrEnable != 0 {
			v |= fcrRxRst | fcrTxRst // switching the FIFOs on or off flushes them
		}
		if v&fcrRxRst != 0 {
			u.rxHead, u.rxLen = 0, 0
			u.lsr &^= lsrReady | lsrBreak
			u.ctiPending = false
		}
		if v&fcrTxRst != 0 {
			u.lsr |= lsrTHRE
			u.thrPending = true
		}
		u.fcr = v & 0xc9
		if u.fifoOn() {
			u.iir |= 0xc0
			u.rxLevel = [...]int{1, 4, 8, 14}[v>>6]
		} else {
			u.iir &^= 0xc0
		}
		u.recalc()
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
	m.plic.level[spec.UARTIRQ] = m.uart.level()
	m.plic.gateway(spec.UARTIRQ)
}

// untilTick is how many more retired instructions reach the next timer
// tick (the count of retired instructions becoming a multiple of
// TimebaseDiv): the Run loop stops there while the UART is ticking.
func (m *Machine) untilTick() uint64 {
	return m.cfg.TimebaseDiv - m.Retired()%m.cfg.TimebaseDiv
}

// uartTick runs the UART's timer tick if the instructions hart h just ran
// (its count was before) ended on a tick: the last one it retired made
// the machine's retired count a multiple of TimebaseDiv. The driver
// chunks runs so that no tick is passed over while the UART is ticking;
// a tick passed while it was not would have changed nothing.
func (m *Machine) uartTick(h *Hart, before uint64) {
	if h.count == before || !m.uart.ticking() || m.Retired()%m.cfg.TimebaseDiv != 0 {
		return
	}
	if m.uart.tick() {
		m.updateIRQ()
	}
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
