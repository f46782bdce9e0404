package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/vcheck-dev/vcheck/spec"
)

// Raw returns a raw image loaded at addr and entered at its first byte,
// as QEMU loads a non-ELF -bios or -kernel (load_image_targphys). An empty
// image has no segments.
func Raw(name string, data []byte, addr uint64) *Program {
	p := &Program{Name: name, Entry: addr, Symbols: map[string]uint64{}}
	if len(data) > 0 {
		p.Segments = []Segment{{Addr: addr, Data: bytes.Clone(data), MemSize: uint64(len(data))}}
	}
	return p
}

// File reads path as an ELF executable when it starts with the ELF magic
// number, and otherwise as a raw image at rawAddr. A file that claims to
// be ELF but is malformed is an error, never silently a raw image.
func File(path string, rawAddr uint64) (*Program, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Bytes(filepath.Base(path), data, rawAddr)
}

// Bytes is File on the file's content; name names it in messages. Tell
// the user when IsELF(data) is false: the file is loaded as a raw image,
// which is what they asked for only if they meant it.
func Bytes(name string, data []byte, rawAddr uint64) (*Program, error) {
	if IsELF(data) {
		return ELFBytes(name, data)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if rawAddr+(uint64(len(data))-1) < rawAddr {
		return nil, fmt.Errorf("%s: %#x bytes at %#x wrap around the address space", name, len(data), rawAddr)
	}
	return Raw(name, data, rawAddr), nil
}

// LoadBase is the lowest address p loads anything at (0 without
// segments). QEMU 7.2 passes it, not the ELF entry point, to the firmware
// as a -kernel's entry (riscv_load_kernel's kernel_load_base), so that an
// ELF kernel starts where a raw one of the same bytes would.
func (p *Program) LoadBase() uint64 {
	if len(p.Segments) == 0 {
		return 0
	}
	low := p.Segments[0].Addr
	for _, s := range p.Segments[1:] {
		low = min(low, s.Addr)
	}
	return low
}

// Dropped is a part of a segment that lies where the machine has no
// memory to load it into (outside the boot ROM and RAM), left out by Fit.
type Dropped struct {
	Segment   int    // index in the Program's Segments
	Addr, End uint64 // the part left out: [Addr, End)
	Where     string // what lies there, e.g. "below RAM (device registers and unmapped space)"
	Headers   bool   // the part holds the ELF file and program headers (it begins with the ELF magic)
}

func (d Dropped) String() string {
	s := fmt.Sprintf("not loading [%#x, %#x) of segment %d (%#x bytes): it lies %s", d.Addr, d.End, d.Segment, d.End-d.Addr, d.Where)
	if d.Headers {
		s += "; it holds the ELF headers, which the default linker script maps in front of the code (harmless; QEMU drops them too)"
	}
	return s
}

// Fit returns p with every byte that lies outside cfg's loadable regions
// (the boot ROM and RAM, Loadable) left out, and what was left out. This
// is what QEMU 7.2's virt does with a -bios or -kernel ELF: load_elf
// registers each PT_LOAD segment whole as a ROM blob at its address
// (rom_add_elf_program), and at reset rom_reset copies it in with
// address_space_write_rom, which skips every part that is not RAM or ROM.
// The standard link line `riscv64-unknown-elf-gcc -nostdlib
// -Ttext=0x80000000` makes such a file: its first segment starts with the
// ELF headers, a page below RAM. p itself is not changed.
func Fit(p *Program, cfg spec.Config) (*Program, []Dropped) {
	regions := Loadable(cfg)
	sort.Slice(regions, func(i, j int) bool { return regions[i].Base < regions[j].Base })
	out := &Program{Name: p.Name, Entry: p.Entry, Symbols: p.Symbols}
	var dropped []Dropped
	for i, s := range p.Segments {
		if fitsIn(regions, s.Addr, s.MemSize) {
			out.Segments = append(out.Segments, s)
			continue
		}
		// Inclusive bounds: a segment may end exactly at 2^64.
		last := s.Addr + (s.MemSize - 1)
		drop := func(from, to uint64) { // [from, to], inclusive
			d := Dropped{Segment: i, Addr: from, End: to + 1, Where: gapName(regions, from)}
			d.Headers = from == s.Addr && IsELF(s.Data)
			dropped = append(dropped, d)
		}
		at, done := s.Addr, false
		for _, r := range regions {
			rLast := r.Base + (r.Size - 1)
			if done || rLast < at || r.Base > last {
				continue
			}
			if at < r.Base {
				drop(at, r.Base-1)
				at = r.Base
			}
			keepLast := min(last, rLast)
			off := at - s.Addr
			piece := Segment{Addr: at, MemSize: keepLast - at + 1, Data: []byte{}}
			if off < uint64(len(s.Data)) {
				piece.Data = s.Data[off:min(keepLast-s.Addr+1, uint64(len(s.Data)))]
			}
			out.Segments = append(out.Segments, piece)
			if keepLast == last {
				done = true
			} else {
				at = keepLast + 1
			}
		}
		if !done {
			drop(at, last)
		}
	}
	sort.SliceStable(out.Segments, func(a, b int) bool { return out.Segments[a].Addr < out.Segments[b].Addr })
	return out, dropped
}

// gapName says where addr lies among the sorted regions, none of which
// holds it.
func gapName(regions []Region, addr uint64) string {
	for _, r := range regions {
		if addr < r.Base {
			if r.Name == "RAM" {
				return fmt.Sprintf("below RAM (%#x), where there are only device registers and unmapped space", r.Base)
			}
			return fmt.Sprintf("below the %s (%#x)", r.Name, r.Base)
		}
	}
	lastR := regions[len(regions)-1]
	return fmt.Sprintf("above the end of %s (%#x)", lastR.Name, lastR.Base+lastR.Size)
}

// Region is a range of physical addresses, [Base, Base+Size).
type Region struct {
	Name       string
	Base, Size uint64
}

// Contains reports whether [addr, addr+size) lies inside r.
func (r Region) Contains(addr, size uint64) bool {
	return addr >= r.Base && addr-r.Base <= r.Size && size <= r.Size-(addr-r.Base)
}

func (r Region) String() string {
	return fmt.Sprintf("%s [%#x, %#x)", r.Name, r.Base, r.Base+r.Size)
}

// Loadable returns the regions of cfg's machine that hold memory content
// at reset: the boot ROM and RAM. Device registers are not loadable.
func Loadable(cfg spec.Config) []Region {
	return []Region{
		{"boot ROM", spec.BootROMBase, spec.BootROMSize},
		{"RAM", spec.RAMBase, cfg.RAM},
	}
}

// CheckFits reports an error when a segment of p does not lie wholly in
// the boot ROM or in cfg's RAM. A program that asks for memory the
// configured machine lacks is the user's error, not a crash.
func CheckFits(p *Program, cfg spec.Config) error {
	regions := Loadable(cfg)
	for i, s := range p.Segments {
		if !fitsIn(regions, s.Addr, s.MemSize) {
			return fmt.Errorf("%s: segment %d [%#x, %#x) lies outside the %v and the %v (RAM = %d MiB)",
				p.Name, i, s.Addr, s.Addr+s.MemSize, regions[1], regions[0], cfg.RAM>>20)
		}
	}
	return nil
}

func fitsIn(regions []Region, addr, size uint64) bool {
	for _, r := range regions {
		if r.Contains(addr, size) {
			return true
		}
	}
	return false
}
