package disasm

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"
)

// DynReloc is one dynamic relocation of an executable or shared object,
// as objdump -d uses it to name an address (find_symbol_for_address): the
// address it applies to, and its symbol, or nil when it has none or an
// absolute one (R_RISCV_RELATIVE, say), which objdump skips.
type DynReloc struct {
	Addr uint64
	Sym  *RelocSymbol
}

// RelocSymbol is the dynamic symbol a relocation names. Unlike File's
// Symbols it may be undefined: objdump then prints its name alone.
type RelocSymbol struct {
	Name      string
	Value     uint64
	Undefined bool
}

// HasRelocs reports whether BFD sets HAS_RELOC for an ELF file: whether
// one of its SHT_REL/SHT_RELA sections is a reloc section in BFD's sense
// (bfd/elf.c, bfd_section_from_shdr). One is not when it is an allocated
// section of an executable or shared object (the dynamic relocations of
// U-Boot or OpenSBI), when it is compressed, when its sh_link is not the
// symbol table (.symtab), or when its sh_info does not name a section
// that is not itself a reloc section. In a relocatable file whose sh_link
// names no symbol table, BFD first points it at the only symbol table
// there is.
func HasRelocs(f *elf.File) bool {
	symtab := 0 // elf_onesymtab: the SHT_SYMTAB section
	var tables []int
	for i, s := range f.Sections {
		switch s.Type {
		case elf.SHT_SYMTAB:
			if symtab == 0 {
				symtab = i
			}
			tables = append(tables, i)
		case elf.SHT_DYNSYM:
			tables = append(tables, i)
		}
	}
	linked := f.Type == elf.ET_EXEC || f.Type == elf.ET_DYN
	n := len(f.Sections)
	for _, s := range f.Sections {
		if s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA {
			continue
		}
		link := int(s.Link)
		if !linked && link < n && f.Sections[link].Type != elf.SHT_SYMTAB &&
			f.Sections[link].Type != elf.SHT_DYNSYM && len(tables) == 1 {
			link = tables[0]
		}
		switch {
		case linked && s.Flags&elf.SHF_ALLOC != 0,
			s.Flags&elf.SHF_COMPRESSED != 0,
			link == 0 || link != symtab,
			s.Info == 0 || int(s.Info) >= n,
			f.Sections[s.Info].Type == elf.SHT_REL || f.Sections[s.Info].Type == elf.SHT_RELA:
			continue
		}
		return true
	}
	return false
}

// DynamicRelocs reads the dynamic relocations objdump -d loads to name
// addresses (disassemble_data; BFD's _bfd_elf_canonicalize_dynamic_reloc):
// the entries of every uncompressed SHT_REL/SHT_RELA section linked to the
// dynamic symbol table, sorted by address (compare_relocs: equal addresses
// keep their order). A file with no dynamic symbol table has none.
func DynamicRelocs(f *elf.File) ([]DynReloc, error) {
	dynsym := -1
	for i, s := range f.Sections {
		if s.Type == elf.SHT_DYNSYM {
			dynsym = i
		}
	}
	if dynsym < 0 {
		return nil, nil
	}
	syms, err := f.DynamicSymbols()
	if err != nil && len(syms) == 0 {
		return nil, fmt.Errorf("dynamic symbol table: %v", err)
	}
	relSyms := make([]*RelocSymbol, len(syms))
	for i, s := range syms {
		if s.Section == elf.SHN_ABS {
			continue // absolute: objdump skips it
		}
		relSyms[i] = &RelocSymbol{Name: s.Name, Value: s.Value, Undefined: s.Section == elf.SHN_UNDEF}
		if s.Name == "" && elf.ST_TYPE(s.Info) == elf.STT_SECTION && int(s.Section) < len(f.Sections) {
			relSyms[i].Name = f.Sections[s.Section].Name // BFD names a section symbol after its section
		}
	}
	var out []DynReloc
	for _, s := range f.Sections {
		if int(s.Link) != dynsym || s.Flags&elf.SHF_COMPRESSED != 0 || (s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA) {
			continue
		}
		data, err := s.Data()
		if err != nil {
			return nil, fmt.Errorf("section %s: %v", s.Name, err)
		}
		size := relEntrySize(f.Class, s.Type)
		if len(data)%size != 0 {
			return nil, fmt.Errorf("section %s: size %#x is not a multiple of its entry size %d", s.Name, len(data), size)
		}
		for off := 0; off < len(data); off += size {
			addr, sym := relEntry(f.Class, f.ByteOrder, data[off:off+size])
			r := DynReloc{Addr: addr}
			switch {
			case sym == 0:
			case sym > uint64(len(relSyms)):
				return nil, fmt.Errorf("section %s: entry at %#x names symbol %d of %d", s.Name, off, sym, len(relSyms))
			default:
				r.Sym = relSyms[sym-1]
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out, nil
}

func relEntrySize(c elf.Class, t elf.SectionType) int {
	switch {
	case c == elf.ELFCLASS64 && t == elf.SHT_RELA:
		return 24
	case c == elf.ELFCLASS64:
		return 16
	case t == elf.SHT_RELA:
		return 12
	}
	return 8
}

// relEntry decodes r_offset and the symbol index of r_info.
func relEntry(c elf.Class, bo binary.ByteOrder, b []byte) (addr, sym uint64) {
	if c == elf.ELFCLASS64 {
		return bo.Uint64(b), bo.Uint64(b[8:]) >> 32
	}
	return uint64(bo.Uint32(b)), uint64(bo.Uint32(b[4:]) >> 8)
}
