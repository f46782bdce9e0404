// Package devices holds the reference model's memory-mapped devices of the
// QEMU virt map: boot ROM, sifive_test finisher, CLINT, PLIC and 16550
// UART, plus HTIF tohost/fromhost. Written for clarity, like the rest of
// refmodel; impl has its own, written independently.
//
//	0x00001000  ROM       boot ROM (rom.go)            reads; stores ignored
//	0x00100000  Finisher  sifive_test (finisher.go)     power-off / reset
//	0x02000000  CLINT     msip, mtimecmp, mtime (clint.go)  Ticker, MSIP/MTIP
//	0x0c000000  PLIC      SiFive PLIC (plic.go)         MEIP/SEIP; SetLevel
//	0x10000000  UART      16550A (uart.go)              Ticker; PLIC source 10
//	tohost      HTIF      riscv-tests mailbox (htif.go) in RAM, by ELF symbol
//
// Every guest access, at any offset of a device's window and of any size
// 1, 2, 4 or 8, aligned or not, is answered: with a defined value, or with
// ok=false where QEMU 7.2 reports a bus error (which its RISC-V CPU, and
// so the hart, turns into an access fault). No access panics. Each
// device's doc comment lists which accesses fail. docs/devices.md has the
// registers and every place where this model chooses differently from
// QEMU 7.2.
package devices

// Device is a memory-mapped device. Offsets are relative to Base. Size is
// 1, 2, 4 or 8 bytes; values are little-endian and zero-extended. An
// access the device does not support returns ok=false, which the hart
// turns into an access fault.
type Device interface {
	Name() string
	Base() uint64
	Size() uint64
	Load(offset uint64, size int) (value uint64, ok bool)
	Store(offset uint64, size int, value uint64) (ok bool)
}

// Ticker is a device that advances with retired instructions (the CLINT's
// mtime, the UART's receive line). Tick is called once per retired
// instruction of the machine.
type Ticker interface {
	Tick()
}

// InterruptSource reports the interrupt lines a device drives into a hart:
// bits of mip (MSIP, MTIP, MEIP, SEIP) for that hart.
type InterruptSource interface {
	Pending(hart int) uint64
}

// IRQLine is one interrupt wire from a device into the PLIC: the device
// calls it with the level of its interrupt output whenever that output
// may have changed (as QEMU devices call qemu_set_irq). Calling it again
// with the same level has no effect. PLIC.Line makes one.
type IRQLine func(level bool)

// Memory is guest physical memory as a host-side device sees it: the HTIF
// host reads a program's syscall buffers and writes fromhost through it.
// The machine implements it over its bus.
type Memory interface {
	ReadPhys(addr uint64, size int) (value uint64, ok bool)
	WritePhys(addr uint64, size int, value uint64) (ok bool)
}

// validSize reports whether size is one of the access sizes a hart makes.
func validSize(size int) bool {
	return size == 1 || size == 2 || size == 4 || size == 8
}

// naturallyAligned reports whether an access of size bytes at offset is
// aligned to its size. QEMU's MemoryRegionOps reject unaligned accesses
// unless .valid.unaligned is set, which none of these devices sets.
func naturallyAligned(offset uint64, size int) bool {
	return validSize(size) && offset%uint64(size) == 0
}

// sizeMask returns the mask of the low size bytes.
func sizeMask(size int) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(size)) - 1
}
