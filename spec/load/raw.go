package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

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
	name := filepath.Base(path)
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
