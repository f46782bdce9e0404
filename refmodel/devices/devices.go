// Package devices holds the reference model's memory-mapped devices of the
// QEMU virt map: boot ROM, sifive_test finisher, CLINT, PLIC and 16550
// UART, plus HTIF tohost/fromhost. Written for clarity, like the rest of
// refmodel; impl has its own, written independently.
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

// InterruptSource reports the interrupt lines a device drives into a hart:
// bits of mip (MSIP, MTIP, MEIP, SEIP) for that hart.
type InterruptSource interface {
	Pending(hart int) uint64
}
