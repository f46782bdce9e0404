package engine

import (
	"github.com/vcheck-dev/vcheck/impl/devices"
	"github.com/vcheck-dev/vcheck/spec"
)

// The physical bus outside the TLB's reach: RAM, the boot ROM and the
// virt devices (impl/devices) at QEMU 7.2's addresses (hw/riscv/virt.c).
// MMIO never enters a TLB, so every device access arrives here through
// devLoad/devStore (or readPhys/writePhys for the parts of a split
// access). The bus decides which device an address reaches and which
// access sizes it accepts (ioRead, ioWrite, deviceSizeOK), and how a
// misaligned access is split (devLoad, devStore); the devices see only
// checked accesses. ioRead and ioWrite take the set of devices as an
// argument, so a VMM can route a VM's devices through the same rules.

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
func (m *Machine) devStore(pa, size, v uint64) (failAt uint64, ok bool) {
	if pa%size == 0 {
		return pa, m.writePhys(pa, size, v)
	}
	for i := uint64(0); i < size; i++ {
		if !m.writePhys(pa+i, 1, v>>(8*i)) {
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
	v, ok, irq := ioRead(&m.dev, pa, size)
	if irq {
		m.markIRQChange()
	}
	return v, ok
}

// writePhys writes physical memory outside the TLB fast path.
func (m *Machine) writePhys(pa, size, v uint64) bool {
	switch {
	case m.inRAM(pa, size):
		m.writePhysRAM(pa-spec.RAMBase, size, v)
		return true
	case within(pa, size, spec.BootROMBase, spec.BootROMSize):
		return true // ROM: QEMU ignores the write.
	}
	ok, irq, e, halt := ioWrite(&m.dev, pa, size, v)
	if halt {
		m.halt(e)
	}
	if irq {
		m.markIRQChange()
	}
	return ok
}

// ioRead is one access of size bytes at pa, outside RAM and the ROM, to
// the devices d: false when no device answers there or the device does
// not take the access (an access fault). irq reports that the access may
// have changed an interrupt line. It depends on nothing but d, so a set
// of devices other than the machine's (a VM's) can be routed the same way.
func ioRead(d *devices.Set, pa, size uint64) (v uint64, ok, irq bool) {
	if !deviceSizeOK(pa, size) {
		return 0, false, false
	}
	switch {
	case within(pa, size, spec.TestBase, spec.TestSize):
		return 0, true, false
	case within(pa, size, spec.CLINTBase, spec.CLINTSize):
		return d.CLINT.Load(pa-spec.CLINTBase, size), true, false
	case within(pa, size, spec.PLICBase, spec.PLICSize):
		return d.PLIC.Load(pa - spec.PLICBase), true, true
	case within(pa, size, spec.UARTBase, uartRegs):
		// QEMU's serial_mm_read: any width reads the one byte register at pa.
		return d.UART.Load(pa - spec.UARTBase), true, true
	}
	return 0, false, false
}

// ioWrite is ioRead's store: ok, whether an interrupt line may have
// changed, and the exit the finisher asks for when halt.
func ioWrite(d *devices.Set, pa, size, v uint64) (ok, irq bool, e spec.Exit, halt bool) {
	if !deviceSizeOK(pa, size) {
		return false, false, e, false
	}
	switch {
	case within(pa, size, spec.TestBase, spec.TestSize):
		e, halt = d.Finisher.Store(pa-spec.TestBase, v)
		return true, false, e, halt
	case within(pa, size, spec.CLINTBase, spec.CLINTSize):
		d.CLINT.Store(pa-spec.CLINTBase, size, v)
	case within(pa, size, spec.PLICBase, spec.PLICSize):
		d.PLIC.Store(pa-spec.PLICBase, v)
	case within(pa, size, spec.UARTBase, uartRegs):
		d.UART.Store(pa-spec.UARTBase, uint8(v)) // serial_mm_write: the low byte, one register
	default:
		return false, false, e, false
	}
	return true, true, e, false
}

// uartRegs is the size of the 16550's window: QEMU maps 8 registers
// (regshift 0) at UARTBase; the rest of the 0x100 slot is unassigned.
// Any access width up to 8 is valid and reaches one register.
const uartRegs = 8

// clintMTimerEnd is where QEMU's ACLINT MTIMER ends in the CLINT window
// (0x4000 + RISCV_ACLINT_DEFAULT_MTIMER_SIZE).
const clintMTimerEnd = 0xc000

// deviceSizeOK applies the access sizes QEMU 7.2's devices accept
// (MemoryRegionOps.valid, unaligned not allowed); any other access is an
// access fault. Checked against QEMU by testdata/probe_mmio.S.
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

// afterRetire gives the devices the timer tick the instructions h just
// ran may have ended on (its count was before); a tick passed while the
// UART was not ticking changes nothing, so only then is the count summed.
func (m *Machine) afterRetire(h *Hart, before uint64) {
	if h.count != before && m.dev.UART.Ticking() {
		m.dev.AfterRetire(m.Retired())
	}
}

// markIRQChange makes every running loop stop after this instruction so
// that an interrupt a device access raised is taken before the next one.
func (m *Machine) markIRQChange() {
	for _, h := range m.Harts {
		h.exitLoop = true
	}
}

// htifWrite runs the HTIF device after a RAM write that touched an HTIF
// mailbox page.
func (m *Machine) htifWrite(pa, size uint64) {
	if e, halt := m.dev.HTIF.Written(pa, size, htifRAM{m}); halt {
		m.halt(e)
	}
}

// htifRAM is RAM as the HTIF device sees it (devices.Memory).
type htifRAM struct{ m *Machine }

func (r htifRAM) Bytes(pa, n uint64) ([]byte, bool) {
	c := r.m.cfg.RAM
	if pa < spec.RAMBase || n > c || pa-spec.RAMBase > c-n {
		return nil, false
	}
	off := pa - spec.RAMBase
	return r.m.ram[off : off+n], true
}

func (r htifRAM) Store64(pa, v uint64) { r.m.deviceWriteRAM(pa-spec.RAMBase, v) }

var _ devices.Memory = htifRAM{}

// within reports whether [pa, pa+size) lies in [base, base+n), without
// overflow for addresses near 2^64 (a load at -1 in M-mode is legal).
func within(pa, size, base, n uint64) bool {
	return pa >= base && pa-base < n && size <= n-(pa-base)
}
