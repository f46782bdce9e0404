package asm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/vcheck-dev/vcheck/spec/load"
)

// Object is an assembled and linked program.
type Object struct {
	Entry    uint64
	RVC      bool      // the ELF's EF_RISCV_RVC flag
	Sections []Section // allocated sections, in address order
	Symbols  []Symbol  // labels and .equ symbols, without .L locals, in definition order
}

// Section is one allocated output section.
type Section struct {
	Name   string
	Addr   uint64
	Size   uint64
	Data   []byte // nil for NoBits
	Flags  elf.SectionFlag
	NoBits bool // .bss-like: occupies memory, not file space
	Align  uint64
}

// Symbol is one symbol-table entry.
type Symbol struct {
	Name    string
	Value   uint64
	Section string // "" for an absolute (.equ) symbol
	Global  bool
	Type    elf.SymType
}

// Symbol returns a symbol's value.
func (o *Object) Symbol(name string) (uint64, bool) {
	for _, s := range o.Symbols {
		if s.Name == name {
			return s.Value, true
		}
	}
	return 0, false
}

// segment is one PT_LOAD: consecutive sections with the same permissions.
type segment struct {
	flags    elf.ProgFlag
	addr     uint64
	data     []byte
	memSize  uint64
	sections []int // indexes into Object.Sections
}

func (o *Object) segments() []segment {
	var segs []segment
	for i, s := range o.Sections {
		if s.Size == 0 {
			continue
		}
		fl := elf.PF_R
		if s.Flags&elf.SHF_WRITE != 0 {
			fl |= elf.PF_W
		}
		if s.Flags&elf.SHF_EXECINSTR != 0 || s.Flags&elf.SHF_WRITE == 0 {
			fl |= elf.PF_X // read-only data shares the text segment
		}
		n := len(segs)
		if n == 0 || segs[n-1].flags != fl || segs[n-1].addr+segs[n-1].memSize > s.Addr ||
			s.Addr-(segs[n-1].addr+segs[n-1].memSize) >= pageSize ||
			(uint64(len(segs[n-1].data)) < segs[n-1].memSize && !s.NoBits) {
			segs = append(segs, segment{flags: fl, addr: s.Addr})
			n++
		}
		g := &segs[n-1]
		if !s.NoBits {
			for uint64(len(g.data)) < s.Addr-g.addr {
				g.data = append(g.data, 0)
			}
			g.data = append(g.data, s.Data...)
		}
		g.memSize = s.Addr + s.Size - g.addr
		g.sections = append(g.sections, i)
	}
	return segs
}

// Program returns the loadable image, as spec/load would read it from
// the ELF file.
func (o *Object) Program(name string) *load.Program {
	p := &load.Program{Name: name, Entry: o.Entry, Symbols: map[string]uint64{}}
	for _, g := range o.segments() {
		p.Segments = append(p.Segments, load.Segment{Addr: g.addr, Data: g.data, MemSize: g.memSize})
	}
	for _, s := range o.Symbols {
		p.Symbols[s.Name] = s.Value
	}
	return p
}

// The RISC-V ELF psABI values this writer needs.
const (
	efRISCVRVC          = 0x1        // e_flags: uses compressed instructions (float ABI soft = 0)
	shtRISCVAttributes  = 0x70000003 // SHT_RISCV_ATTRIBUTES
	ptRISCVAttributes   = 0x70000003 // PT_RISCV_ATTRIBUTES
	tagFile             = 1          // Tag_file
	tagRISCVStackAlign  = 4
	tagRISCVArch        = 5
	archString          = "rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0"
	elfHeaderSize       = 64
	programHeaderSize   = 56
	sectionHeaderSize   = 64
	symbolSize          = 24
	attributesStackAlgn = 16
)

// attributes builds .riscv.attributes (RISC-V ELF psABI, "Attributes"):
// format 'A', one "riscv" vendor subsection holding a Tag_file
// sub-subsection with the stack alignment and the arch string.
func attributes() []byte {
	var body []byte
	body = append(body, tagRISCVStackAlign, attributesStackAlgn)
	body = append(body, tagRISCVArch)
	body = append(body, archString...)
	body = append(body, 0)
	var file []byte
	file = append(file, tagFile)
	file = binary.LittleEndian.AppendUint32(file, uint32(1+4+len(body)))
	file = append(file, body...)
	vendor := []byte("riscv\x00")
	var out []byte
	out = append(out, 'A')
	out = binary.LittleEndian.AppendUint32(out, uint32(4+len(vendor)+len(file)))
	out = append(out, vendor...)
	return append(out, file...)
}

type strtab struct {
	data []byte
	at   map[string]uint32
}

func newStrtab() *strtab { return &strtab{data: []byte{0}, at: map[string]uint32{"": 0}} }

func (t *strtab) add(s string) uint32 {
	if i, ok := t.at[s]; ok {
		return i
	}
	i := uint32(len(t.data))
	t.data = append(append(t.data, s...), 0)
	t.at[s] = i
	return i
}

// ELF writes the program as an ELF64 little-endian RISC-V executable
// (ET_EXEC, EM_RISCV): one PT_LOAD per run of sections with the same
// permissions, the sections with their names, .riscv.attributes, and a
// symbol table.
func (o *Object) ELF() ([]byte, error) {
	segs := o.segments()
	var buf bytes.Buffer
	le := binary.LittleEndian
	phnum := len(segs) + 1 // + PT_RISCV_ATTRIBUTES

	// File layout: headers, then each segment at a page-congruent
	// offset, then attributes, symtab, strtab, shstrtab, section headers.
	off := uint64(elfHeaderSize + programHeaderSize*phnum)
	segOff := make([]uint64, len(segs))
	for i, g := range segs {
		off = alignUp(off, pageSize) + g.addr%pageSize
		segOff[i] = off
		off += uint64(len(g.data))
	}
	secOff := make([]uint64, len(o.Sections))
	for i, g := range segs {
		for _, si := range g.sections {
			secOff[si] = segOff[i] + o.Sections[si].Addr - g.addr
		}
	}
	for i, s := range o.Sections {
		if secOff[i] == 0 {
			secOff[i] = off // empty sections point past the segments
		}
		_ = s
	}
	attr := attributes()
	attrOff := off
	off += uint64(len(attr))

	// Symbol table: locals first (ELF gABI: sh_info is the first global).
	shstr := newStrtab()
	str := newStrtab()
	secIndex := map[string]int{}
	for i, s := range o.Sections {
		secIndex[s.Name] = i + 1
	}
	syms := append([]Symbol(nil), o.Symbols...)
	sort.SliceStable(syms, func(i, j int) bool { return !syms[i].Global && syms[j].Global })
	var symtab []byte
	symtab = append(symtab, make([]byte, symbolSize)...)
	firstGlobal := len(syms) + 1
	for i, s := range syms {
		if s.Global && firstGlobal > i+1 {
			firstGlobal = i + 1
		}
		bind := elf.STB_LOCAL
		if s.Global {
			bind = elf.STB_GLOBAL
		}
		shndx := uint16(elf.SHN_ABS)
		if s.Section != "" {
			shndx = uint16(secIndex[s.Section])
		}
		e := make([]byte, symbolSize)
		le.PutUint32(e[0:], str.add(s.Name))
		e[4] = elf.ST_INFO(bind, s.Type)
		le.PutUint16(e[6:], shndx)
		le.PutUint64(e[8:], s.Value)
		symtab = append(symtab, e...)
	}
	off = alignUp(off, 8)
	symOff := off
	off += uint64(len(symtab))
	strOff := off
	off += uint64(len(str.data))

	type shdr struct {
		name            uint32
		typ             elf.SectionType
		flags           elf.SectionFlag
		addr, off, size uint64
		link, info      uint32
		align, entsize  uint64
	}
	shdrs := []shdr{{}}
	for i, s := range o.Sections {
		typ := elf.SHT_PROGBITS
		if s.NoBits {
			typ = elf.SHT_NOBITS
		}
		shdrs = append(shdrs, shdr{name: shstr.add(s.Name), typ: typ, flags: s.Flags, addr: s.Addr,
			off: secOff[i], size: s.Size, align: s.Align})
	}
	symIdx := uint32(len(shdrs) + 1)
	shdrs = append(shdrs,
		shdr{name: shstr.add(".riscv.attributes"), typ: shtRISCVAttributes, off: attrOff, size: uint64(len(attr)), align: 1},
		shdr{name: shstr.add(".symtab"), typ: elf.SHT_SYMTAB, off: symOff, size: uint64(len(symtab)),
			link: symIdx + 1, info: uint32(firstGlobal), align: 8, entsize: symbolSize},
		shdr{name: shstr.add(".strtab"), typ: elf.SHT_STRTAB, off: strOff, size: uint64(len(str.data)), align: 1},
	)
	shstrName := shstr.add(".shstrtab")
	shstrOff := off
	off += uint64(len(shstr.data))
	shdrs = append(shdrs, shdr{name: shstrName, typ: elf.SHT_STRTAB, off: shstrOff, size: uint64(len(shstr.data)), align: 1})
	off = alignUp(off, 8)
	shOff := off

	// ELF header (System V gABI, "ELF Header").
	h := make([]byte, elfHeaderSize)
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	h[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)
	le.PutUint16(h[16:], uint16(elf.ET_EXEC))
	le.PutUint16(h[18:], uint16(elf.EM_RISCV))
	le.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(h[24:], o.Entry)
	le.PutUint64(h[32:], elfHeaderSize)
	le.PutUint64(h[40:], shOff)
	var flags uint32
	if o.RVC {
		flags |= efRISCVRVC
	}
	le.PutUint32(h[48:], flags)
	le.PutUint16(h[52:], elfHeaderSize)
	le.PutUint16(h[54:], programHeaderSize)
	le.PutUint16(h[56:], uint16(phnum))
	le.PutUint16(h[58:], sectionHeaderSize)
	le.PutUint16(h[60:], uint16(len(shdrs)))
	le.PutUint16(h[62:], uint16(len(shdrs)-1))
	buf.Write(h)

	for i, g := range segs {
		p := make([]byte, programHeaderSize)
		le.PutUint32(p[0:], uint32(elf.PT_LOAD))
		le.PutUint32(p[4:], uint32(g.flags))
		le.PutUint64(p[8:], segOff[i])
		le.PutUint64(p[16:], g.addr)
		le.PutUint64(p[24:], g.addr)
		le.PutUint64(p[32:], uint64(len(g.data)))
		le.PutUint64(p[40:], g.memSize)
		le.PutUint64(p[48:], pageSize)
		buf.Write(p)
	}
	p := make([]byte, programHeaderSize)
	le.PutUint32(p[0:], ptRISCVAttributes)
	le.PutUint32(p[4:], uint32(elf.PF_R))
	le.PutUint64(p[8:], attrOff)
	le.PutUint64(p[32:], uint64(len(attr)))
	le.PutUint64(p[40:], uint64(len(attr)))
	le.PutUint64(p[48:], 1)
	buf.Write(p)

	pad := func(to uint64) error {
		if uint64(buf.Len()) > to {
			return fmt.Errorf("asm: internal: ELF layout overlaps at %#x", to)
		}
		buf.Write(make([]byte, to-uint64(buf.Len())))
		return nil
	}
	for i, g := range segs {
		if err := pad(segOff[i]); err != nil {
			return nil, err
		}
		buf.Write(g.data)
	}
	for _, part := range []struct {
		at   uint64
		data []byte
	}{{attrOff, attr}, {symOff, symtab}, {strOff, str.data}, {shstrOff, shstr.data}} {
		if err := pad(part.at); err != nil {
			return nil, err
		}
		buf.Write(part.data)
	}
	if err := pad(shOff); err != nil {
		return nil, err
	}
	for _, s := range shdrs {
		e := make([]byte, sectionHeaderSize)
		le.PutUint32(e[0:], s.name)
		le.PutUint32(e[4:], uint32(s.typ))
		le.PutUint64(e[8:], uint64(s.flags))
		le.PutUint64(e[16:], s.addr)
		le.PutUint64(e[24:], s.off)
		le.PutUint64(e[32:], s.size)
		le.PutUint32(e[40:], s.link)
		le.PutUint32(e[44:], s.info)
		le.PutUint64(e[48:], s.align)
		le.PutUint64(e[56:], s.entsize)
		buf.Write(e)
	}
	return buf.Bytes(), nil
}
