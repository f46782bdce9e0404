// Package boot describes the machine's memory at reset, as QEMU virt
// builds it (hw/riscv/boot.c, QEMU 7.2): the boot ROM with its reset
// vector and fw_dynamic_info, the device tree near the top of RAM, and
// the program's segments. It is data, not execution, so both models use
// it (docs/architecture.md §3).
//
// The reset sequence, run by every hart from ResetPC = 0x1000:
//
//	0x1000  auipc t0, 0          t0 = 0x1000
//	0x1004  addi  a2, t0, 40     a2 = &fw_dynamic_info (0x1028)
//	0x1008  csrr  a0, mhartid    a0 = hart id
//	0x100c  ld    a1, 32(t0)     a1 = device tree address
//	0x1010  ld    t0, 24(t0)     t0 = start address (RAMBase)
//	0x1014  jr    t0
//	0x1018  .dword start address
//	0x1020  .dword device tree address
//	0x1028  fw_dynamic_info {magic, version 2, next_addr, next_mode S, options 0, boot_hart 0}
//
// docs/boot.md draws the memory map.
package boot

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/fdt"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// Image is the machine's memory content at reset and where to start.
type Image struct {
	Segments []load.Segment // boot ROM, device tree, firmware, kernel; non-overlapping, in address order
	// ResetPC is the first pc of every hart: cfg.ResetPC, or the boot
	// ROM (0x1000, as on QEMU virt) when cfg leaves it zero. A ResetPC
	// elsewhere skips the ROM code, and with it the a0/a1/a2 set-up.
	ResetPC uint64
	FDTAddr uint64 // where the device tree lies (passed in a1)
	// Entry is where the boot ROM jumps: RAMBase. QEMU 7.2 ignores a
	// -bios ELF's e_entry (riscv_load_firmware returns only the end
	// address, and virt_machine_done keeps start_addr at the start of
	// DRAM), and so do we, so that QEMU can serve as a peer; the
	// firmware's own entry is FirmwareEntry.
	Entry uint64
	// ToHost and FromHost are the HTIF mailbox addresses from the
	// firmware's ELF symbols, or 0 when it has none.
	ToHost, FromHost uint64

	FirmwareEntry uint64 // the firmware Program's Entry, for reports
	NextAddr      uint64 // fw_dynamic_info.next_addr: the kernel's entry, or 0 without a kernel
	FDT           []byte // the device tree blob at FDTAddr
}

// QEMU 7.2 constants (hw/riscv/boot.c, include/hw/riscv/boot_opensbi.h).
const (
	// ResetVectorSize is the size of the reset code and its two dwords.
	ResetVectorSize = 10 * 4
	// FWDynamicInfoAddr is where fw_dynamic_info follows the reset vector.
	FWDynamicInfoAddr = spec.BootROMBase + ResetVectorSize

	FWDynamicInfoMagic   = 0x4942534f // "OSBI"
	FWDynamicInfoVersion = 2
	NextModeS            = 1 // FW_DYNAMIC_INFO_NEXT_MODE_S

	// QEMUFDTSize is the device tree size QEMU 7.2 uses to place and
	// reserve the tree: create_device_tree makes a 1 MiB (FDT_MAX_SIZE)
	// blob, and riscv_load_fdt takes fdt_totalsize before fdt_pack
	// shrinks it. Using our packed size instead would put the tree 2 MiB
	// higher than QEMU does when RAM does not end on a 2 MiB boundary.
	QEMUFDTSize = 1 << 20
	fdtAlign    = 2 << 20
	// fdtLimit: riscv_load_fdt keeps the tree below 3 GiB so that 32-bit
	// software can reach it.
	fdtLimit = 3 << 30
	// kernelAlign: riscv_calc_kernel_start_addr puts an RV64 raw kernel
	// at the first 2 MiB boundary after the firmware.
	kernelAlign = 2 << 20
)

// FWDynamicInfo mirrors struct fw_dynamic_info of OpenSBI's
// include/sbi/fw_dynamic.h (QEMU 7.2: include/hw/riscv/boot_opensbi.h),
// for RV64: six little-endian target_long (8-byte) fields.
type FWDynamicInfo struct {
	Magic    uint64
	Version  uint64
	NextAddr uint64
	NextMode uint64
	Options  uint64
	BootHart uint64
}

// Bytes encodes i as QEMU's riscv_rom_copy_firmware_info writes it.
func (i FWDynamicInfo) Bytes() []byte {
	b := make([]byte, 0, 48)
	for _, v := range []uint64{i.Magic, i.Version, i.NextAddr, i.NextMode, i.Options, i.BootHart} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// ResetVector returns the reset code of riscv_setup_rom_reset_vec (QEMU
// 7.2, RV64 variant) with its start and device tree addresses.
func ResetVector(startAddr, fdtAddr uint64) []byte {
	words := []uint32{
		0x00000297, // auipc t0, %pcrel_hi(fw_dyn)
		0x02828613, // addi  a2, t0, %pcrel_lo(1b)
		0xf1402573, // csrr  a0, mhartid
		0x0202b583, // ld    a1, 32(t0)
		0x0182b283, // ld    t0, 24(t0)
		0x00028067, // jr    t0
		uint32(startAddr), uint32(startAddr >> 32),
		uint32(fdtAddr), uint32(fdtAddr >> 32),
	}
	b := make([]byte, 0, ResetVectorSize)
	for _, w := range words {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

// FDTAddr returns where QEMU 7.2's riscv_load_fdt puts the device tree
// for cfg's RAM: the highest 2 MiB boundary that leaves QEMUFDTSize bytes
// below the end of RAM or 3 GiB, whichever is lower. It is an error when
// that is below RAM.
func FDTAddr(cfg spec.Config) (uint64, error) {
	top := uint64(spec.RAMBase) + cfg.RAM
	if top > fdtLimit {
		top = fdtLimit
	}
	if top < spec.RAMBase+QEMUFDTSize {
		return 0, fmt.Errorf("boot: RAM = %d bytes: less than the %d bytes QEMU reserves for the device tree", cfg.RAM, QEMUFDTSize)
	}
	return (top - QEMUFDTSize) &^ (fdtAlign - 1), nil
}

// KernelAddr returns where QEMU 7.2 loads a raw (non-ELF) -kernel after
// this firmware: the first 2 MiB boundary at or after its end
// (riscv_calc_kernel_start_addr). For OpenSBI's fw_jump that is
// 0x80200000, its FW_JUMP_ADDR. Load a raw kernel with
// load.Raw(name, data, KernelAddr(firmware)).
func KernelAddr(firmware *load.Program) uint64 {
	end := uint64(spec.RAMBase)
	for _, s := range firmware.Segments {
		if e := s.Addr + s.MemSize; e > end {
			end = e
		}
	}
	return (end + kernelAlign - 1) &^ (kernelAlign - 1)
}

// Options are the boot inputs that are not programs.
type Options struct {
	Bootargs string // /chosen/bootargs, as QEMU's -append
}

// Build lays out the reset image for cfg: firmware is what QEMU's -bios
// loads (a bare-metal test program, or OpenSBI); kernel, which may be nil,
// is what -kernel loads (e.g. U-Boot at 0x80200000).
func Build(cfg spec.Config, firmware, kernel *load.Program) (*Image, error) {
	return BuildWith(cfg, firmware, kernel, Options{})
}

// labeled is a segment with the name of what it belongs to, for messages.
type labeled struct {
	load.Segment
	what string
}

// BuildWith is Build with boot arguments for the device tree.
func BuildWith(cfg spec.Config, firmware, kernel *load.Program, opts Options) (*Image, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("boot: %w", err)
	}
	if firmware == nil {
		return nil, fmt.Errorf("boot: no firmware: the boot ROM jumps to RAM at %#x and needs something there", uint64(spec.RAMBase))
	}
	dtb, err := fdt.BuildWith(cfg, fdt.Options{Bootargs: opts.Bootargs})
	if err != nil {
		return nil, fmt.Errorf("boot: %w", err)
	}
	if len(dtb) > QEMUFDTSize {
		return nil, fmt.Errorf("boot: device tree is %d bytes, more than the %d QEMU reserves", len(dtb), QEMUFDTSize)
	}
	fdtAddr, err := FDTAddr(cfg)
	if err != nil {
		return nil, err
	}
	img := &Image{
		ResetPC:       cfg.ResetPC,
		FDTAddr:       fdtAddr,
		Entry:         spec.RAMBase,
		FirmwareEntry: firmware.Entry,
		FDT:           dtb,
	}
	if img.ResetPC == 0 {
		img.ResetPC = spec.BootROMBase
	}
	if kernel != nil {
		img.NextAddr = kernel.Entry
	}
	img.ToHost, _ = firmware.Symbol("tohost")
	img.FromHost, _ = firmware.Symbol("fromhost")

	rom := append(ResetVector(img.Entry, fdtAddr), FWDynamicInfo{
		Magic:    FWDynamicInfoMagic,
		Version:  FWDynamicInfoVersion,
		NextAddr: img.NextAddr,
		NextMode: NextModeS,
		Options:  0,
		BootHart: 0,
	}.Bytes()...)
	segs := []labeled{
		{load.Segment{Addr: spec.BootROMBase, Data: rom, MemSize: uint64(len(rom))}, "boot ROM reset vector and fw_dynamic_info"},
		{load.Segment{Addr: fdtAddr, Data: dtb, MemSize: QEMUFDTSize}, "device tree"},
	}
	for i, s := range firmware.Segments {
		segs = append(segs, labeled{s, fmt.Sprintf("firmware %s segment %d", firmware.Name, i)})
	}
	if kernel != nil {
		for i, s := range kernel.Segments {
			segs = append(segs, labeled{s, fmt.Sprintf("kernel %s segment %d", kernel.Name, i)})
		}
	}
	if err := place(cfg, segs); err != nil {
		return nil, err
	}
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].Addr < segs[b].Addr })
	for _, s := range segs {
		img.Segments = append(img.Segments, s.Segment)
	}
	return img, nil
}

// place checks that every segment lies in the boot ROM or RAM and that no
// two overlap, as QEMU's rom_check_and_register_reset refuses overlapping
// blobs ("rom: requested regions overlap").
func place(cfg spec.Config, segs []labeled) error {
	regions := load.Loadable(cfg)
	for _, s := range segs {
		if uint64(len(s.Data)) > s.MemSize {
			return fmt.Errorf("boot: %s: %#x bytes of data in a %#x-byte segment", s.what, len(s.Data), s.MemSize)
		}
		ok := false
		for _, r := range regions {
			ok = ok || r.Contains(s.Addr, s.MemSize)
		}
		if !ok {
			return fmt.Errorf("boot: %s [%#x, +%#x) lies outside the %v and the %v",
				s.what, s.Addr, s.MemSize, regions[1], regions[0])
		}
	}
	sorted := append([]labeled(nil), segs...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].Addr < sorted[b].Addr })
	for i := 1; i < len(sorted); i++ {
		prev, cur := sorted[i-1], sorted[i]
		if cur.Addr-prev.Addr < prev.MemSize {
			return fmt.Errorf("boot: %s [%#x, +%#x) overlaps %s [%#x, +%#x)",
				cur.what, cur.Addr, cur.MemSize, prev.what, prev.Addr, prev.MemSize)
		}
	}
	return nil
}
