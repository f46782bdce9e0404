package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// What the loader accepts, and why (each check cites the ELF-64 Object
// File Format, version 1.5, and QEMU 7.2's include/hw/elf_ops.h, whose
// load_elf is what -bios and -kernel use):
//
//   - ELFCLASS64, ELFDATA2LSB and EM_RISCV: rv64pg is a little-endian
//     RV64 machine; QEMU's load_elf rejects the rest too.
//   - ET_EXEC and ET_DYN. QEMU checks no e_type at all; a position-
//     independent (ET_DYN) image is loaded where its program headers say,
//     without relocation, exactly as QEMU does. ET_REL and ET_CORE are
//     refused: they have no meaningful load addresses.
//   - Only PT_LOAD segments with p_memsz > 0 are loaded, at p_paddr (not
//     p_vaddr), as QEMU's load_elf does when the board passes no address
//     translation (hw/riscv/boot.c passes none).
//   - e_entry is a virtual address; when it lies in an executable
//     segment whose p_vaddr differs from its p_paddr, it is moved to the
//     physical address, again as load_elf does. It need not lie in a
//     segment: QEMU does not check it, and where a program starts is the
//     boot's business (a -bios starts at RAMBase whatever its entry, a
//     -kernel at its lowest address; the CLI warns when nothing is
//     loaded where execution starts).
//   - Segments are kept whole wherever they lie; Fit (raw.go) leaves out
//     what lies outside the machine's memory, as QEMU's ROM loader does.
//   - Segments may not overlap in physical memory: QEMU's ROM loader
//     refuses overlapping blobs ("rom: requested regions overlap").
//   - Symbols come from the section headers through debug/elf. A file
//     without them is fine; a file whose section headers are malformed is
//     an error, although nothing is loaded from them.

// elf64HeaderSize and elf64PhdrSize are sizeof(Elf64_Ehdr) and
// sizeof(Elf64_Phdr) (ELF-64 Object File Format §3, §6); the structs that
// mirror those layouts are debug/elf's Header64 and Prog64.
const (
	elf64HeaderSize = 64
	elf64PhdrSize   = 56
	// pnXNum is PN_XNUM: e_phnum is in section 0's sh_info. No loader we
	// follow supports it, and no RISC-V program needs 65535 headers.
	pnXNum = 0xffff
)

// ELF reads the ELF executable at path.
func ELF(path string) (*Program, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ELFBytes(filepath.Base(path), data)
}

// ELFBytes reads an ELF executable from data; name names it in messages.
func ELFBytes(name string, data []byte) (p *Program, err error) {
	hdr, err := readELFHeader(name, data)
	if err != nil {
		return nil, err
	}
	p = &Program{Name: name, Symbols: map[string]uint64{}}
	if err := p.loadSegments(name, data, hdr); err != nil {
		return nil, err
	}
	if err := p.setEntry(name, data, hdr); err != nil {
		return nil, err
	}
	if err := p.readSymbols(name, data); err != nil {
		return nil, err
	}
	return p, nil
}

// IsELF reports whether data starts with the ELF magic number.
func IsELF(data []byte) bool { return bytes.HasPrefix(data, []byte(elf.ELFMAG)) }

func readELFHeader(name string, data []byte) (*elf.Header64, error) {
	if len(data) < elf.EI_NIDENT {
		return nil, fmt.Errorf("%s: truncated at offset %#x: e_ident needs %d bytes", name, len(data), elf.EI_NIDENT)
	}
	if !IsELF(data) {
		return nil, fmt.Errorf("%s: offset 0x0: e_ident magic % x, want 7f 45 4c 46 (not an ELF file)", name, data[:4])
	}
	if c := elf.Class(data[elf.EI_CLASS]); c != elf.ELFCLASS64 {
		return nil, fmt.Errorf("%s: offset %#x: e_ident[EI_CLASS] %v, want ELFCLASS64", name, elf.EI_CLASS, c)
	}
	if d := elf.Data(data[elf.EI_DATA]); d != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("%s: offset %#x: e_ident[EI_DATA] %v, want ELFDATA2LSB", name, elf.EI_DATA, d)
	}
	if v := elf.Version(data[elf.EI_VERSION]); v != elf.EV_CURRENT {
		return nil, fmt.Errorf("%s: offset %#x: e_ident[EI_VERSION] %v, want EV_CURRENT", name, elf.EI_VERSION, v)
	}
	if len(data) < elf64HeaderSize {
		return nil, fmt.Errorf("%s: truncated at offset %#x: the ELF header needs %d bytes", name, len(data), elf64HeaderSize)
	}
	var h elf.Header64
	if err := binary.Read(bytes.NewReader(data[:elf64HeaderSize]), binary.LittleEndian, &h); err != nil {
		return nil, fmt.Errorf("%s: ELF header: %v", name, err)
	}
	if m := elf.Machine(h.Machine); m != elf.EM_RISCV {
		return nil, fmt.Errorf("%s: offset 0x12: machine %v, want EM_RISCV", name, m)
	}
	switch t := elf.Type(h.Type); t {
	case elf.ET_EXEC, elf.ET_DYN:
	default:
		return nil, fmt.Errorf("%s: offset 0x10: type %v, want ET_EXEC or ET_DYN", name, t)
	}
	if h.Phnum == 0 {
		return nil, fmt.Errorf("%s: offset 0x38: e_phnum 0: no program headers, nothing to load", name)
	}
	if h.Phnum == pnXNum {
		return nil, fmt.Errorf("%s: offset 0x38: e_phnum PN_XNUM (0xffff) is not supported", name)
	}
	if h.Phentsize != elf64PhdrSize {
		return nil, fmt.Errorf("%s: offset 0x36: e_phentsize %d, want %d", name, h.Phentsize, elf64PhdrSize)
	}
	end, ok := addOK(h.Phoff, uint64(h.Phnum)*elf64PhdrSize)
	if !ok || end > uint64(len(data)) {
		return nil, fmt.Errorf("%s: truncated at offset %#x: %d program headers at e_phoff %#x need bytes up to %#x",
			name, len(data), h.Phnum, h.Phoff, end)
	}
	return &h, nil
}

// programHeader returns program header i and its file offset.
func programHeader(data []byte, h *elf.Header64, i int) (elf.Prog64, uint64) {
	off := h.Phoff + uint64(i)*elf64PhdrSize
	var ph elf.Prog64
	// Cannot fail: readELFHeader checked that every header is in data.
	_ = binary.Read(bytes.NewReader(data[off:off+elf64PhdrSize]), binary.LittleEndian, &ph)
	return ph, off
}

// loadedSegment remembers which program header a segment came from, for
// messages.
type loadedSegment struct {
	Segment
	index  int
	offset uint64
}

func (p *Program) loadSegments(name string, data []byte, h *elf.Header64) error {
	var segs []loadedSegment
	for i := 0; i < int(h.Phnum); i++ {
		ph, off := programHeader(data, h, i)
		if elf.ProgType(ph.Type) != elf.PT_LOAD || ph.Memsz == 0 {
			continue
		}
		where := fmt.Sprintf("%s: program header %d at offset %#x", name, i, off)
		if ph.Filesz > ph.Memsz {
			return fmt.Errorf("%s: p_filesz %#x > p_memsz %#x", where, ph.Filesz, ph.Memsz)
		}
		fileEnd, ok := addOK(ph.Off, ph.Filesz)
		if !ok || fileEnd > uint64(len(data)) {
			return fmt.Errorf("%s: p_offset %#x + p_filesz %#x runs past the end of the file (%#x bytes)",
				where, ph.Off, ph.Filesz, len(data))
		}
		// The last byte must be addressable: a segment may end exactly at
		// 2^64 but not wrap.
		if ph.Paddr+(ph.Memsz-1) < ph.Paddr {
			return fmt.Errorf("%s: p_paddr %#x + p_memsz %#x wraps around the address space", where, ph.Paddr, ph.Memsz)
		}
		seg := Segment{Addr: ph.Paddr, Data: bytes.Clone(data[ph.Off:fileEnd]), MemSize: ph.Memsz}
		if seg.Data == nil {
			seg.Data = []byte{}
		}
		segs = append(segs, loadedSegment{seg, i, off})
	}
	if len(segs) == 0 {
		return fmt.Errorf("%s: no PT_LOAD program header with p_memsz > 0: nothing to load", name)
	}
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].Addr < segs[b].Addr })
	for k := 1; k < len(segs); k++ {
		prev, cur := segs[k-1], segs[k]
		if cur.Addr-prev.Addr < prev.MemSize { // prev.Addr <= cur.Addr, so no underflow
			return fmt.Errorf("%s: program header %d at offset %#x: [%#x, +%#x) overlaps program header %d at offset %#x: [%#x, +%#x)",
				name, cur.index, cur.offset, cur.Addr, cur.MemSize, prev.index, prev.offset, prev.Addr, prev.MemSize)
		}
	}
	for _, s := range segs {
		p.Segments = append(p.Segments, s.Segment)
	}
	return nil
}

// setEntry sets p.Entry from e_entry, moved from virtual to physical as
// QEMU's load_elf does (see the comment at the top of this file).
func (p *Program) setEntry(name string, data []byte, h *elf.Header64) error {
	p.Entry = h.Entry
	for i := 0; i < int(h.Phnum); i++ {
		ph, _ := programHeader(data, h, i)
		if elf.ProgType(ph.Type) == elf.PT_LOAD && ph.Vaddr != ph.Paddr &&
			elf.ProgFlag(ph.Flags)&elf.PF_X != 0 &&
			h.Entry >= ph.Vaddr && h.Entry-ph.Vaddr < ph.Filesz {
			p.Entry = h.Entry - ph.Vaddr + ph.Paddr
			break
		}
	}
	return nil
}

// readSymbols keeps every named symbol with its st_value (a virtual
// address: HTIF's tohost and fromhost, riscv-arch-test's begin_signature
// and end_signature live in programs whose virtual and physical addresses
// agree). A file without a symbol table is fine.
func (p *Program) readSymbols(name string, data []byte) (err error) {
	// debug/elf has panicked on malformed section tables in some Go
	// releases; this is the one boundary where a panic becomes an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: malformed section headers or symbol table: %v", name, r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: section headers: %v", name, err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: symbol table: %v", name, err)
	}
	global := map[string]bool{}
	for _, s := range syms {
		if s.Name == "" || s.Section == elf.SHN_UNDEF {
			continue
		}
		switch elf.ST_TYPE(s.Info) {
		case elf.STT_SECTION, elf.STT_FILE:
			continue
		}
		isGlobal := elf.ST_BIND(s.Info) != elf.STB_LOCAL
		// A global definition wins over a local one of the same name;
		// otherwise the first one in the table wins.
		if _, seen := p.Symbols[s.Name]; !seen || (isGlobal && !global[s.Name]) {
			p.Symbols[s.Name] = s.Value
			global[s.Name] = isGlobal
		}
	}
	return nil
}

// addOK returns a+b and whether it did not overflow.
func addOK(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s >= a
}
