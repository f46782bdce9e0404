package refmodel

import (
	"fmt"

	"github.com/vcheck-dev/vcheck/refmodel/devices"
	"github.com/vcheck-dev/vcheck/spec"
)

// pageSize is the granule of the sparse RAM map (and of Sv39 base pages).
const pageSize = 4096

// Bus is the physical address space of QEMU virt (hw/riscv/virt.c): the
// boot ROM, the memory-mapped devices, and RAM. An address nothing
// answers is an access fault (QEMU 7.2 raises one for unassigned memory
// through riscv_cpu_do_transaction_failed).
type Bus struct {
	rom     []byte
	ramBase uint64
	ramSize uint64
	// ram holds the pages that have been written, by page number
	// (address / pageSize); a page never written reads as zeros.
	ram map[uint64]*[pageSize]byte
	// spare holds zeroed pages for page to take before allocating: the
	// pages of the program before a Reset.
	spare   []*[pageSize]byte
	devices []devices.Device
	// windows are the devices' address ranges, read once when a device
	// is added, so that a lookup is a few compares, not interface calls.
	windows []window
}

// window is the address range [base, end) of one device.
type window struct {
	base, end uint64
	dev       devices.Device
}

func newBus(cfg spec.Config) *Bus {
	return &Bus{rom: make([]byte, spec.BootROMSize), ramBase: spec.RAMBase, ramSize: cfg.RAM,
		ram: map[uint64]*[pageSize]byte{}}
}

func (b *Bus) addDevice(d devices.Device) {
	replaced := false
	for i, old := range b.devices {
		if old.Name() == d.Name() {
			b.devices[i] = d
			replaced = true
		}
	}
	if !replaced {
		b.devices = append(b.devices, d)
	}
	b.windows = b.windows[:0]
	for _, d := range b.devices {
		b.windows = append(b.windows, window{d.Base(), d.Base() + d.Size(), d})
	}
}

// loadSegment copies data to addr and zero-fills up to memSize. It is the
// reset-time image load, so the ROM is writable here.
func (b *Bus) loadSegment(addr uint64, data []byte, memSize uint64) error {
	if memSize < uint64(len(data)) {
		memSize = uint64(len(data))
	}
	if memSize == 0 {
		return nil
	}
	end := addr + memSize
	switch {
	case addr >= spec.BootROMBase && end <= spec.BootROMBase+spec.BootROMSize && end > addr:
		copy(b.rom[addr-spec.BootROMBase:], data)
	case b.inRAM(addr, memSize):
		// Page by page: a part of a page that is all zero creates no
		// page (a page never written reads as zeros), else it is copied.
		for a := addr; a < end; {
			n := min(end-a, pageSize-a%pageSize)
			var part []byte // the data for [a, a+n); shorter where the zero fill begins
			if i := a - addr; i < uint64(len(data)) {
				part = data[i:min(i+n, uint64(len(data)))]
			}
			if b.ram[a/pageSize] != nil || !allZero(part) {
				p := b.page(a)[a%pageSize : a%pageSize+n]
				clear(p[copy(p, part):])
			}
			a += n
		}
	default:
		return fmt.Errorf("segment [%#x, %#x) is neither in the boot ROM nor in RAM [%#x, %#x)",
			addr, end, b.ramBase, b.ramBase+b.ramSize)
	}
	return nil
}

// allZero reports whether every byte of p is zero.
func allZero(p []byte) bool {
	for _, v := range p {
		if v != 0 {
			return false
		}
	}
	return true
}

func (b *Bus) inRAM(addr, size uint64) bool {
	return addr >= b.ramBase && addr-b.ramBase < b.ramSize && size <= b.ramSize-(addr-b.ramBase)
}

// page returns the RAM page holding addr, creating it.
func (b *Bus) page(addr uint64) *[pageSize]byte {
	p := b.ram[addr/pageSize]
	if p == nil {
		if n := len(b.spare); n > 0 {
			p, b.spare = b.spare[n-1], b.spare[:n-1]
		} else {
			p = new([pageSize]byte)
		}
		b.ram[addr/pageSize] = p
	}
	return p
}

// reset empties the bus as newBus leaves it (RAM all zero, the boot ROM
// zero, no devices), keeping the RAM pages, zeroed, for page to reuse.
func (b *Bus) reset() {
	for n, p := range b.ram {
		*p = [pageSize]byte{}
		b.spare = append(b.spare, p)
		delete(b.ram, n)
	}
	clear(b.rom)
	b.devices = b.devices[:0]
	b.windows = b.windows[:0]
}

// device returns the device that covers [addr, addr+size), if any.
func (b *Bus) device(addr uint64, size int) devices.Device {
	for i := range b.windows {
		if w := &b.windows[i]; addr >= w.base && addr < w.end {
			return w.dev
		}
	}
	return nil
}

// load reads size bytes at physical address addr, little-endian.
func (b *Bus) load(addr uint64, size int) (uint64, bool) {
	if d := b.device(addr, size); d != nil {
		off := addr - d.Base()
		if off+uint64(size) > d.Size() {
			return 0, false
		}
		return d.Load(off, size)
	}
	if b.inRAM(addr, uint64(size)) {
		var v uint64
		if addr%pageSize+uint64(size) <= pageSize {
			p := b.ram[addr/pageSize]
			if p == nil {
				return 0, true
			}
			o := addr % pageSize
			for i := size - 1; i >= 0; i-- {
				v = v<<8 | uint64(p[o+uint64(i)])
			}
			return v, true
		}
		for i := size - 1; i >= 0; i-- {
			a := addr + uint64(i)
			var c byte
			if p := b.ram[a/pageSize]; p != nil {
				c = p[a%pageSize]
			}
			v = v<<8 | uint64(c)
		}
		return v, true
	}
	if addr >= spec.BootROMBase && addr-spec.BootROMBase+uint64(size) <= spec.BootROMSize {
		var v uint64
		o := addr - spec.BootROMBase
		for i := size - 1; i >= 0; i-- {
			v = v<<8 | uint64(b.rom[o+uint64(i)])
		}
		return v, true
	}
	return 0, false
}

// store writes size bytes at physical address addr. It returns the device
// written, if any, so the machine can ask it whether to stop.
func (b *Bus) store(addr uint64, size int, v uint64) (devices.Device, bool) {
	if d := b.device(addr, size); d != nil {
		off := addr - d.Base()
		if off+uint64(size) > d.Size() {
			return nil, false
		}
		return d, d.Store(off, size, v)
	}
	if b.inRAM(addr, uint64(size)) {
		for i := 0; i < size; i++ {
			a := addr + uint64(i)
			b.page(a)[a%pageSize] = byte(v >> (8 * i))
		}
		return nil, true
	}
	if addr >= spec.BootROMBase && addr-spec.BootROMBase+uint64(size) <= spec.BootROMSize {
		// QEMU maps the boot ROM as ROM: a store is silently dropped.
		return nil, true
	}
	return nil, false
}

// loadPiece is a data load as a hart makes it: a misaligned load outside
// RAM and the boot ROM is split, as QEMU 7.2's TCG does, into the two
// aligned loads of the same size that cover it. failAt is the address of
// the part that failed, which is what mtval reports: "the virtual address
// of the portion of the access that caused the fault" (Priv. spec 1.12
// §3.1.16).
func (b *Bus) loadPiece(addr uint64, size int) (v, failAt uint64, ok bool) {
	if addr%uint64(size) == 0 || b.inRAM(addr, uint64(size)) || b.inROM(addr, uint64(size)) {
		v, ok = b.load(addr, size)
		return v, addr, ok
	}
	low := addr &^ uint64(size-1)
	high := low + uint64(size)
	lo, ok := b.load(low, size)
	if !ok {
		return 0, low, false
	}
	hi, ok := b.load(high, size)
	if !ok {
		return 0, high, false
	}
	shift := (addr - low) * 8
	v = lo>>shift | hi<<(uint64(size)*8-shift)
	if size < 8 {
		v &= 1<<(8*size) - 1
	}
	return v, addr, true
}

// storePiece is a data store as a hart makes it: a misaligned store
// outside RAM and the boot ROM is written byte by byte from the lowest
// address, as QEMU 7.2's TCG does; the bytes before a refused one stay
// written, and failAt is the refused byte's address (see loadPiece).
func (b *Bus) storePiece(addr uint64, size int, v uint64) (dev devices.Device, failAt uint64, ok bool) {
	if addr%uint64(size) == 0 || b.inRAM(addr, uint64(size)) || b.inROM(addr, uint64(size)) {
		dev, ok = b.store(addr, size, v)
		return dev, addr, ok
	}
	for i := 0; i < size; i++ {
		d, ok := b.store(addr+uint64(i), 1, v>>(8*i))
		if !ok {
			return dev, addr + uint64(i), false
		}
		if d != nil {
			dev = d
		}
	}
	return dev, addr, true
}

// inROM reports whether [addr, addr+size) lies in the boot ROM.
func (b *Bus) inROM(addr, size uint64) bool {
	return addr >= spec.BootROMBase && addr-spec.BootROMBase+size <= spec.BootROMSize
}

// fetch16 reads a halfword of code at addr, from RAM or the boot ROM.
// QEMU 7.2 cannot execute from device registers and raises an
// instruction access fault, so ok is false there.
func (b *Bus) fetch16(addr uint64) (uint16, bool) {
	if b.device(addr, 2) != nil {
		return 0, false
	}
	if b.inRAM(addr, 2) {
		p := b.ram[addr/pageSize]
		if p == nil {
			return 0, true
		}
		o := addr % pageSize
		if o+2 > pageSize {
			v, _ := b.load(addr, 2)
			return uint16(v), true
		}
		return uint16(p[o]) | uint16(p[o+1])<<8, true
	}
	if addr >= spec.BootROMBase && addr-spec.BootROMBase+2 <= spec.BootROMSize {
		o := addr - spec.BootROMBase
		return uint16(b.rom[o]) | uint16(b.rom[o+1])<<8, true
	}
	return 0, false
}
