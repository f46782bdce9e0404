package devices

// ROM is read-only memory, the boot ROM of QEMU virt ("riscv_virt_board.mrom",
// created by memory_region_init_rom in hw/riscv/virt.c). Its content is
// the reset image of spec/boot.
//
// Accesses: loads of any size 1/2/4/8 inside the window succeed, aligned
// or not (it is memory, not a register file). Stores inside the window
// succeed and change nothing: QEMU maps a ROM region read-only and its
// TLB discards writes to it (TLB_DISCARD_WRITE) instead of faulting. An
// access that runs past the end of the window fails.
type ROM struct {
	base uint64
	data []byte
}

// NewROM returns a ROM at base holding a copy of data; the window is
// len(data) bytes. To mirror QEMU virt, pass the whole region
// (spec.BootROMSize bytes), zero-padded: QEMU's ROM reads zero past the
// reset vector.
func NewROM(base uint64, data []byte) *ROM {
	return &ROM{base: base, data: append([]byte(nil), data...)}
}

// Name implements Device.
func (r *ROM) Name() string { return "rom" }

// Base implements Device.
func (r *ROM) Base() uint64 { return r.base }

// Size implements Device.
func (r *ROM) Size() uint64 { return uint64(len(r.data)) }

func (r *ROM) inside(offset uint64, size int) bool {
	return validSize(size) && offset < uint64(len(r.data)) && uint64(size) <= uint64(len(r.data))-offset
}

// Load implements Device: little-endian bytes of the image.
func (r *ROM) Load(offset uint64, size int) (uint64, bool) {
	if !r.inside(offset, size) {
		return 0, false
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(r.data[offset+uint64(i)])
	}
	return v, true
}

// Store implements Device: the write is dropped, as QEMU drops it.
func (r *ROM) Store(offset uint64, size int, value uint64) bool {
	return r.inside(offset, size)
}
