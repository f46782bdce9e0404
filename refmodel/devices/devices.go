// Package devices holds the reference model's memory-mapped devices of the
// QEMU virt map: boot ROM, sifive_test finisher, CLINT, PLIC and 16550
// UART, plus HTIF tohost/fromhost. Written for clarity, like the rest of
// refmodel; impl has its own, written independently.
//
//	0x00001000  ROM       boot ROM (rom.go)            reads; stores ignored
//	0x00100000  Finisher  sifive_test (finisher.go)     power-off / reset
//	0x02000000  CLINT     msip, mtimecmp, mtime (clint.go)  Ticker, MSIP/MTIP
//	0x0c000000  PLIC      SiFive PLIC (plic.go)         MEIP/SEIP; SetLevel
//	0x10000000  UART      16550A (uart.go)              TimerTicker; PLIC source 10
//	tohost      HTIF      riscv-tests mailbox (htif.go) in RAM, by ELF symbol
//
// Every guest access, at any offset of a device's window and of any size
// 1, 2, 4 or 8, aligned or not, is answered: with a defined value, or with
// ok=false where QEMU 7.2 reports a bus error (which its RISC-V CPU, and
// so the hart, turns into an access fault). No access panics. Each
// device's doc comment lists which accesses fail.
//
// A misaligned access to a register device (CLINT, PLIC, UART, finisher)
// is split the way QEMU 7.2's TCG splits one to an I/O region
// (accel/tcg/cputlb.c): a load becomes two aligned loads of the same size,
// at the aligned offsets below and above, whose bytes are combined; a store
// becomes single-byte stores in address order, and the first that fails
// ends it, the earlier bytes staying written. The bus should therefore
// hand a device every access that starts in its window, even one that
// runs past the end: the device answers for the part QEMU would perform.
//
// docs/devices.md has the registers and every place where this model
// chooses differently from QEMU 7.2. The devices are not safe for
// concurrent use: the reference machine steps its harts one at a time.
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
// mtime). Tick is called once per retired instruction of the machine.
type Ticker interface {
	Tick()
}

// TimerTicker is a device that advances with the time base (the UART's
// receive line). TimerTick is called once per timer tick: right after the
// retired instruction that makes the count of instructions retired over
// all harts a multiple of Config.TimebaseDiv, which is where mtime
// advances (after the Ticks of that instruction). A guest store to mtime
// does not make a tick.
type TimerTicker interface {
	TimerTick()
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
// aligned to its size: the only accesses a register device's handler sees
// (splitLoad and splitStore break up the others).
func naturallyAligned(offset uint64, size int) bool {
	return validSize(size) && offset%uint64(size) == 0
}

// alignedLoad and alignedStore are a register device's handlers for
// naturally aligned accesses.
type (
	alignedLoad  func(offset uint64, size int) (uint64, bool)
	alignedStore func(offset uint64, size int, value uint64) bool
)

// splitLoad performs a load as QEMU 7.2 performs one on an I/O region
// (load_helper in accel/tcg/cputlb.c): an aligned load is one access; a
// misaligned one is two aligned loads of the same size, the lower first,
// combined little-endian. Either failing fails the load.
func splitLoad(load alignedLoad, offset uint64, size int) (uint64, bool) {
	if !validSize(size) {
		return 0, false
	}
	if offset%uint64(size) == 0 {
		return load(offset, size)
	}
	low := offset &^ uint64(size-1)
	high := low + uint64(size)
	if high < low {
		return 0, false
	}
	r1, ok := load(low, size)
	if !ok {
		return 0, false
	}
	r2, ok := load(high, size)
	if !ok {
		return 0, false
	}
	shift := 8 * (offset - low)
	return (r1>>shift | r2<<(8*uint64(size)-shift)) & sizeMask(size), true
}

// splitStore performs a store as QEMU 7.2 performs one on an I/O region
// (store_helper_unaligned): an aligned store is one access; a misaligned
// one is single-byte stores in address order, stopping at the first that
// fails (the bytes before it stay written).
func splitStore(store alignedStore, offset uint64, size int, value uint64) bool {
	if !validSize(size) {
		return false
	}
	if offset%uint64(size) == 0 {
		return store(offset, size, value)
	}
	for i := 0; i < size; i++ {
		if offset+uint64(i) < offset || !store(offset+uint64(i), 1, value>>(8*i)&0xff) {
			return false
		}
	}
	return true
}

// sizeMask returns the mask of the low size bytes.
func sizeMask(size int) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(size)) - 1
}
