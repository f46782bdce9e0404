package boot

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/fdt"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// tinyELF is the loader's test program: segments at 0x80000000 and
// 0x80001000..0x80004008, tohost at 0x80001000, fromhost at 0x80001040.
var tinyELF = filepath.Join("..", "load", "testdata", "tiny.elf")

func config(ram uint64, harts int) spec.Config {
	c := spec.DefaultConfig()
	c.RAM = ram
	c.Harts = harts
	return c
}

func tiny(t *testing.T) *load.Program {
	t.Helper()
	p, err := load.ELF(tinyELF)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func segmentAt(img *Image, addr uint64) *load.Segment {
	for i := range img.Segments {
		if img.Segments[i].Addr == addr {
			return &img.Segments[i]
		}
	}
	return nil
}

func TestResetVectorWords(t *testing.T) {
	// The words of riscv_setup_rom_reset_vec, decoded by hand: they must
	// be the instructions the package comment says.
	want := []uint32{0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x00028067,
		0x80000000, 0, 0x87e00000, 0}
	b := ResetVector(0x80000000, 0x87e00000)
	if len(b) != ResetVectorSize {
		t.Fatalf("reset vector is %d bytes, want %d", len(b), ResetVectorSize)
	}
	for i, w := range want {
		if got := binary.LittleEndian.Uint32(b[4*i:]); got != w {
			t.Errorf("word %d = %#08x, want %#08x", i, got, w)
		}
	}
	// The two loads must reach exactly the two dwords after jr, and the
	// addi exactly fw_dynamic_info: check the immediates, not just bits.
	imm := func(w uint32) uint32 { return w >> 20 }
	if imm(want[1]) != ResetVectorSize || imm(want[3]) != 32 || imm(want[4]) != 24 {
		t.Errorf("immediates %d %d %d, want 40 32 24", imm(want[1]), imm(want[3]), imm(want[4]))
	}
}

func TestFDTAddr(t *testing.T) {
	for _, tt := range []struct {
		ram  uint64
		want uint64
	}{
		{128 << 20, 0x87e00000},
		{129 << 20, 0x88000000},
		// RAM ending 512 KiB past a 2 MiB boundary: QEMU's 1 MiB reserve
		// puts the tree at 0x87e00000; the packed size would give 0x88000000.
		{128<<20 + 512<<10, 0x87e00000},
		{1 << 30, 0xbfe00000},
		{4 << 30, 0xbfe00000}, // capped below 3 GiB
		{2 << 20, 0x80000000},
	} {
		got, err := FDTAddr(config(tt.ram, 1))
		if err != nil || got != tt.want {
			t.Errorf("RAM %#x: FDTAddr = %#x, %v; want %#x", tt.ram, got, err, tt.want)
		}
	}
	if _, err := FDTAddr(config(512<<10, 1)); err == nil {
		t.Error("512 KiB of RAM: no error, but the 1 MiB device tree cannot fit")
	}
}

func TestBuild(t *testing.T) {
	fw := tiny(t)
	kernel := load.Raw("Image", []byte{0x6f, 0, 0, 0}, KernelAddr(fw))
	img, err := Build(spec.DefaultConfig(), fw, kernel)
	if err != nil {
		t.Fatal(err)
	}
	if img.ResetPC != 0x1000 || img.FDTAddr != 0x87e00000 || img.Entry != 0x80000000 {
		t.Errorf("ResetPC %#x FDTAddr %#x Entry %#x", img.ResetPC, img.FDTAddr, img.Entry)
	}
	if kernel.Entry != 0x80200000 || img.NextAddr != 0x80200000 {
		t.Errorf("kernel at %#x, next_addr %#x; want both 0x80200000 (fw_jump's FW_JUMP_ADDR)", kernel.Entry, img.NextAddr)
	}
	if img.ToHost != 0x80001000 || img.FromHost != 0x80001040 {
		t.Errorf("tohost %#x fromhost %#x", img.ToHost, img.FromHost)
	}
	rom := segmentAt(img, 0x1000)
	if rom == nil || len(rom.Data) != 88 {
		t.Fatalf("boot ROM segment %+v, want 88 bytes at 0x1000", rom)
	}
	info := rom.Data[ResetVectorSize:]
	for i, want := range []uint64{0x4942534f, 2, 0x80200000, 1, 0, 0} {
		if got := binary.LittleEndian.Uint64(info[8*i:]); got != want {
			t.Errorf("fw_dynamic_info field %d = %#x, want %#x", i, got, want)
		}
	}
	dt := segmentAt(img, img.FDTAddr)
	if dt == nil || !bytes.Equal(dt.Data, img.FDT) || dt.MemSize != QEMUFDTSize {
		t.Fatalf("device tree segment missing or wrong")
	}
	if _, err := fdt.Parse(dt.Data); err != nil {
		t.Errorf("device tree in the image does not parse: %v", err)
	}
	if len(img.Segments) != 5 {
		t.Errorf("%d segments, want ROM, 2 firmware, kernel, device tree", len(img.Segments))
	}
	for i := 1; i < len(img.Segments); i++ {
		if img.Segments[i].Addr <= img.Segments[i-1].Addr {
			t.Errorf("segments not in address order at %d", i)
		}
	}

	direct := spec.DefaultConfig()
	direct.ResetPC = 0x80000000
	for resetPC, want := range map[uint64]uint64{
		0x80000000: 0x80000000,
		0:          0x1000, // a Config literal that leaves it out gets QEMU's
	} {
		direct.ResetPC = resetPC
		img, err := Build(direct, fw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if img.ResetPC != want {
			t.Errorf("cfg.ResetPC %#x: ResetPC %#x, want %#x", resetPC, img.ResetPC, want)
		}
	}

	noKernel, err := Build(spec.DefaultConfig(), fw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint64(segmentAt(noKernel, 0x1000).Data[ResetVectorSize+16:]); got != 0 {
		t.Errorf("without a kernel next_addr = %#x, want 0 as QEMU writes", got)
	}
}

func TestBuildErrors(t *testing.T) {
	fw := tiny(t)
	seg := func(name string, addr, size uint64) *load.Program {
		return &load.Program{Name: name, Entry: addr, Segments: []load.Segment{{Addr: addr, MemSize: size}}}
	}
	tests := []struct {
		name     string
		cfg      spec.Config
		fw, kern *load.Program
		want     string
	}{
		{"no firmware", spec.DefaultConfig(), nil, nil, "boot: no firmware"},
		{"bad config", config(100, 1), fw, nil, "boot: config: RAM = 100"},
		{"RAM too small for the tree", config(64<<10, 1), fw, nil, "less than the 1048576 bytes"},
		{"firmware past RAM", spec.DefaultConfig(), seg("big.elf", 0x80000000, 256<<20), nil,
			"boot: firmware big.elf segment 0 [0x80000000, +0x10000000) lies outside the RAM [0x80000000, 0x88000000)"},
		{"firmware in MMIO", spec.DefaultConfig(), seg("uart.elf", spec.UARTBase, 8), nil, "firmware uart.elf segment 0 [0x10000000, +0x8) lies outside"},
		{"firmware over the tree", spec.DefaultConfig(), seg("high.elf", 0x87e80000, 0x1000), nil,
			"boot: firmware high.elf segment 0 [0x87e80000, +0x1000) overlaps device tree [0x87e00000, +0x100000)"},
		{"firmware over the ROM code", spec.DefaultConfig(), seg("rom.elf", 0x1050, 16), nil,
			"overlaps boot ROM reset vector and fw_dynamic_info"},
		{"kernel over firmware", spec.DefaultConfig(), fw, seg("k.elf", 0x80001000, 16),
			"boot: kernel k.elf segment 0 [0x80001000, +0x10) overlaps firmware tiny.elf segment 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Build(tt.cfg, tt.fw, tt.kern)
			if err == nil {
				t.Fatalf("no error; image has %d segments", len(img.Segments))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	// Past the ROM code but inside the ROM is allowed, as QEMU allows it.
	if _, err := Build(spec.DefaultConfig(), seg("rom.elf", 0x2000, 16), nil); err != nil {
		t.Errorf("firmware in the free part of the boot ROM: %v", err)
	}
}

// qemuCPU is the QEMU 7.2 CPU closest to rv64pg.
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

var xpLine = regexp.MustCompile(`(?m)^([0-9a-f]{16}):((?: 0x[0-9a-f]{8})+)\s*$`)

// qemuMemory starts QEMU halted (-S) with the given boot files and reads
// physical memory with the monitor's xp command: the boot ROM's 22 words
// and the first word at fdtAddr. Nothing runs, so it is deterministic.
func qemuMemory(t *testing.T, qemu, mem string, harts int, bios, kernel string, fdtAddr uint64) (rom []uint32, fdtWord uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := []string{"-machine", "virt", "-cpu", qemuCPU, "-m", mem, "-smp", fmt.Sprint(harts),
		"-bios", bios, "-S", "-display", "none", "-nodefaults", "-serial", "none", "-monitor", "stdio"}
	if kernel != "" {
		args = append(args, "-kernel", kernel)
	}
	cmd := exec.CommandContext(ctx, qemu, args...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("xp /22wx 0x1000\nxp /1wx %#x\nquit\n", fdtAddr))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	var words []uint32
	var addrs []uint64
	for _, m := range xpLine.FindAllStringSubmatch(string(out), -1) {
		a, _ := strconv.ParseUint(m[1], 16, 64)
		for k, f := range strings.Fields(m[2]) {
			w, _ := strconv.ParseUint(f, 0, 32)
			words = append(words, uint32(w))
			addrs = append(addrs, a+uint64(4*k))
		}
	}
	if len(words) != 23 || addrs[22] != fdtAddr {
		t.Fatalf("could not read QEMU's memory; monitor said:\n%s", out)
	}
	return words[:22], words[22]
}

// TestBootROMMatchesQEMU compares the boot ROM, the device tree address
// and the placement of the tree with QEMU 7.2's for the same files and
// -m: with and without a kernel, on RAM sizes that do and do not end on a
// 2 MiB boundary, and above 3 GiB.
func TestBootROMMatchesQEMU(t *testing.T) {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	kernelFile := filepath.Join(t.TempDir(), "Image")
	kernelData := []byte{0x6f, 0x00, 0x00, 0x00} // j .
	if err := os.WriteFile(kernelFile, kernelData, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		mem        string
		ram        uint64
		harts      int
		withKernel bool
	}{
		{"128M", 128 << 20, 1, false},
		{"131584K", 128<<20 + 512<<10, 2, true},
		{"4G", 4 << 30, 1, true},
	} {
		t.Run(tt.mem, func(t *testing.T) {
			fw := tiny(t)
			var kernel *load.Program
			kernelArg := ""
			if tt.withKernel {
				kernel = load.Raw("Image", kernelData, KernelAddr(fw))
				kernelArg = kernelFile
			}
			img, err := Build(config(tt.ram, tt.harts), fw, kernel)
			if err != nil {
				t.Fatal(err)
			}
			theirs, fdtWord := qemuMemory(t, qemu, tt.mem, tt.harts, tinyELF, kernelArg, img.FDTAddr)
			ours := segmentAt(img, 0x1000).Data
			for i, w := range theirs {
				if got := binary.LittleEndian.Uint32(ours[4*i:]); got != w {
					t.Errorf("ROM word %d at %#x: ours %#08x, QEMU %#08x", i, 0x1000+4*i, got, w)
				}
			}
			// QEMU's reset vector loads a1 from the dword at 0x1020.
			if a1 := uint64(theirs[8]) | uint64(theirs[9])<<32; a1 != img.FDTAddr {
				t.Errorf("QEMU passes a1 = %#x, our FDTAddr is %#x", a1, img.FDTAddr)
			}
			// And QEMU's tree really is there: its magic, read as a
			// little-endian word.
			if fdtWord != 0xedfe0dd0 {
				t.Errorf("QEMU memory at %#x = %#08x, not the FDT magic", img.FDTAddr, fdtWord)
			}
		})
	}
}

// TestRealFirmwareMatchesQEMU boots the real thing the way users will:
// OpenSBI as -bios and U-Boot as -kernel, raw and ELF. Our image must
// load them without a conflict and write the same boot ROM, next_addr
// included, as QEMU does for the same files.
func TestRealFirmwareMatchesQEMU(t *testing.T) {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	const sbi = "/usr/lib/riscv64-linux-gnu/opensbi/generic/"
	const uboot = "/usr/lib/u-boot/qemu-riscv64_smode/"
	for _, tt := range []struct{ bios, kernel string }{
		{sbi + "fw_jump.elf", uboot + "u-boot.bin"},
		{sbi + "fw_dynamic.elf", uboot + "uboot.elf"},
		{sbi + "fw_jump.bin", ""},
	} {
		t.Run(filepath.Base(tt.bios)+"+"+filepath.Base(tt.kernel), func(t *testing.T) {
			bios := testtool.File(t, tt.bios)
			fw, err := load.File(bios, spec.RAMBase)
			if err != nil {
				t.Fatal(err)
			}
			var kernel *load.Program
			if tt.kernel != "" {
				kpath := testtool.File(t, tt.kernel)
				if kernel, err = load.File(kpath, KernelAddr(fw)); err != nil {
					t.Fatal(err)
				}
				if kernel.Entry != 0x80200000 {
					t.Errorf("U-Boot's entry %#x, want fw_jump's FW_JUMP_ADDR 0x80200000", kernel.Entry)
				}
			}
			img, err := Build(spec.DefaultConfig(), fw, kernel)
			if err != nil {
				t.Fatal(err)
			}
			theirs, _ := qemuMemory(t, qemu, "128M", 1, bios, tt.kernel, img.FDTAddr)
			ours := segmentAt(img, 0x1000).Data
			for i, w := range theirs {
				if got := binary.LittleEndian.Uint32(ours[4*i:]); got != w {
					t.Errorf("ROM word %d at %#x: ours %#08x, QEMU %#08x", i, 0x1000+4*i, got, w)
				}
			}
		})
	}
}
