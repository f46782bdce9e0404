package disasm

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// File is what objdump -d reads from an object file: its code sections and
// its symbols. The caller fills it from the ELF file (cmd/vcheck uses
// debug/elf); this package only reproduces how objdump lays it out.
type File struct {
	Name   string // printed in the header, as given on objdump's command line
	Format string // the BFD target name, e.g. "elf64-littleriscv"
	// HasRelocs is true when the file has relocation sections (BFD's
	// HAS_RELOC, normally an ET_REL object): symbol lookup then prefers
	// symbols of the section being disassembled.
	HasRelocs bool
	// Linked is true for an executable or shared object (BFD's EXEC_P
	// or DYNAMIC): symbol values there are addresses, not section offsets.
	Linked   bool
	Sections []Section // in file order; objdump -d disassembles those with Code set
	Symbols  []Symbol  // defined symbols, mapping symbols included
	// DynRelocs are the dynamic relocations (DynamicRelocs), sorted by
	// address: objdump names an address that one applies to after the
	// relocation's symbol.
	DynRelocs []DynReloc
}

// Section is one ELF section.
type Section struct {
	Name  string
	Index int // the ELF section index that Symbol.Section refers to
	Addr  uint64
	Data  []byte // nil for SHT_NOBITS
	Code  bool   // SHF_EXECINSTR
}

// Symbol is one defined symbol. Section, file and undefined symbols are
// left out by the caller, as objdump's remove_useless_symbols does.
type Symbol struct {
	Name    string
	Value   uint64
	Section int  // ELF section index; -1 for an absolute symbol
	Func    bool // STT_FUNC
	Object  bool // STT_OBJECT: objdump dumps its bytes instead of decoding them
	Size    uint64
	Global  bool // STB_GLOBAL
	Local   bool // STB_LOCAL (a weak symbol is neither)
}

// isMappingSymbol reports RISC-V mapping symbols ($x, $d, $xrv64i2p1...),
// which objdump uses but never prints (riscv_elf_is_mapping_symbols).
func isMappingSymbol(name string) bool {
	return name == "$x" || name == "$d" || strings.HasPrefix(name, "$xrv")
}

// valid mirrors riscv_symbol_is_valid: mapping symbols and the assembler's
// fake label are never used to name an address.
func (s *Symbol) valid() bool { return !isMappingSymbol(s.Name) && s.Name != ".L0 " }

// symbolLess orders symbols as objdump's compare_symbols does: by value,
// then those of the section being disassembled (cur) first, then file-name-like symbols last, functions first, objects
// first, locals last, globals first, larger sizes first (PR 20337),
// dot-names last, then by name.
func symbolLess(a, b *Symbol, cur int) bool {
	if a.Value != b.Value {
		return a.Value < b.Value
	}
	if ia, ib := a.Section == cur, b.Section == cur; ia != ib {
		return ia
	}
	if fa, fb := fileLike(a.Name), fileLike(b.Name); fa != fb {
		return fb
	}
	if a.Func != b.Func {
		return a.Func
	}
	if a.Object != b.Object {
		return a.Object
	}
	if a.Local != b.Local {
		return b.Local
	}
	if a.Global != b.Global {
		return a.Global
	}
	if a.Size != b.Size {
		return a.Size > b.Size
	}
	if da, db := strings.HasPrefix(a.Name, "."), strings.HasPrefix(b.Name, "."); da != db {
		return db
	}
	return a.Name < b.Name
}

func fileLike(n string) bool {
	return len(n) >= 2 && n[len(n)-2] == '.' && (n[len(n)-1] == 'o' || n[len(n)-1] == 'a')
}

// dumper holds one objdump run over a File.
type dumper struct {
	f      *File
	sorted []Symbol
	dec    *Decoder
	sec    *Section // the section being disassembled
	chunk  int      // bytes per chunk of the last instruction, for object dumps
	// riscv-dis.c's memory of its last mapping-symbol search.
	lastMapSymbol  int
	lastStopOffset uint64
}

func newDumper(f *File, opts Options) *dumper {
	d := &dumper{f: f, lastMapSymbol: -1}
	for _, s := range f.Symbols {
		if s.Name == "" {
			continue
		}
		d.sorted = append(d.sorted, s)
	}
	if len(d.sorted) > 0 {
		opts.Symbolizer = d.symbolize
	}
	d.dec = NewDecoder(opts)
	for _, s := range d.sorted {
		if s.Name == "__global_pointer$" {
			d.dec.SetGlobalPointer(s.Value)
		}
	}
	return d
}

// find mirrors objdump's find_symbol_for_address: the symbol to name vma
// by, or -1 for none (objdump then names the section).
func (d *dumper) find(vma uint64, requireSec bool) int {
	i, _ := d.findSym(vma, requireSec)
	return i
}

// findSym is find, and reports whether the symbol is one of the section
// being disassembled at the value closest to vma, which objdump returns
// before it considers anything else (dynamic relocations included).
func (d *dumper) findSym(vma uint64, requireSec bool) (int, bool) {
	syms, sec := d.sorted, d.sec
	if len(syms) == 0 {
		return -1, false
	}
	min, max := 0, len(syms)
	for min+1 < max {
		p := (max + min) / 2
		if v := syms[p].Value; v > vma {
			max = p
		} else if v < vma {
			min = p
		} else {
			min = p
			break
		}
	}
	place := min
	for place > 0 && syms[place].Value == syms[place-1].Value {
		place--
	}
	for i := place; i < max && syms[i].Value == syms[place].Value; i++ {
		if syms[i].Section == sec.Index && syms[i].valid() {
			return i, true
		}
		min = i + 1
	}
	want := d.wantSection(vma, requireSec)
	ok := func(i int) bool { return (syms[i].Section == sec.Index || !want) && syms[i].valid() }
	if (syms[place].Section != sec.Index && want) || !syms[place].valid() {
		newPlace := len(syms)
		for i := min - 1; i >= 0; i-- {
			if ok(i) {
				if newPlace == len(syms) {
					newPlace = i
				}
				if syms[i].Value != syms[newPlace].Value {
					break
				}
				newPlace = i
			}
		}
		if newPlace != len(syms) {
			place = newPlace
		} else {
			for i := place + 1; i < len(syms); i++ {
				if ok(i) {
					place = i
					break
				}
			}
		}
		if (syms[place].Section != sec.Index && want) || !syms[place].valid() {
			return -1, false
		}
	}
	return place, false
}

// symbolize is the Symbolizer for the section being disassembled: the
// text of objdump_print_addr_with_sym between < and >.
func (d *dumper) symbolize(vma uint64) string {
	i, inSection := d.findSym(vma, false)
	if i >= 0 && !inSection && !d.wantSection(vma, false) {
		if s := d.relocSymbol(i, vma); s != nil {
			switch {
			case s.Value == vma, s.Undefined && d.f.Linked:
				// an undefined symbol has no value to count from
				return s.Name
			case s.Value > vma:
				return fmt.Sprintf("%s-0x%x", s.Name, s.Value-vma)
			}
			return fmt.Sprintf("%s+0x%x", s.Name, vma-s.Value)
		}
	}
	return d.nameWithOffset(i, vma)
}

// wantSection is find_symbol_for_address's want_section: whether only
// symbols of the section being disassembled may name vma.
func (d *dumper) wantSection(vma uint64, requireSec bool) bool {
	sec := d.sec
	return requireSec || (d.f.HasRelocs && vma >= sec.Addr && vma < sec.Addr+uint64(len(sec.Data)))
}

// relocSymbol mirrors the end of find_symbol_for_address: when the symbol
// found (sorted index i) is not an exact match and a dynamic relocation
// applies to vma itself, the first such relocation whose symbol is not
// absolute names vma instead. "Exact" compares BFD's symbol value, which
// in a linked file is the offset in the symbol's section, with vma: it
// differs unless that section starts at 0, so a relocation wins even over
// a symbol at vma.
func (d *dumper) relocSymbol(i int, vma uint64) *RelocSymbol {
	rels := d.f.DynRelocs
	if len(rels) == 0 || rels[0].Addr > vma || rels[len(rels)-1].Addr < vma || d.bfdValue(&d.sorted[i]) == vma {
		return nil
	}
	for j := sort.Search(len(rels), func(j int) bool { return rels[j].Addr >= vma }); j < len(rels) && rels[j].Addr == vma; j++ {
		if rels[j].Sym != nil {
			return rels[j].Sym
		}
	}
	return nil
}

// bfdValue is a symbol's value as BFD keeps it (asymbol.value): relative
// to its section in a linked file, where ELF's st_value is an address.
func (d *dumper) bfdValue(s *Symbol) uint64 {
	if !d.f.Linked || s.Section < 0 {
		return s.Value
	}
	for i := range d.f.Sections {
		if d.f.Sections[i].Index == s.Section {
			return s.Value - d.f.Sections[i].Addr
		}
	}
	return s.Value
}

func (d *dumper) nameWithOffset(i int, vma uint64) string {
	name, base := d.sec.Name, d.sec.Addr
	if i >= 0 {
		name, base = d.sorted[i].Name, d.sorted[i].Value
	}
	switch {
	case base > vma:
		return fmt.Sprintf("%s-0x%x", name, base-vma)
	case vma > base:
		return fmt.Sprintf("%s+0x%x", name, vma-base)
	}
	return name
}

// Block is the disassembly of one symbol's range: its header line (the
// address and <symbol>) and its lines.
type Block struct {
	Section string
	Addr    uint64
	Label   string // the text between < and > in the header
	Lines   []Line
	Digits  int // address width of the lines (AddrDigits of the section)
}

// Disassemble returns the blocks objdump -d prints, section by section.
func (f *File) Disassemble(opts Options) []Block {
	d := newDumper(f, opts)
	var blocks []Block
	for si := range f.Sections {
		sec := &f.Sections[si]
		if !sec.Code || len(sec.Data) == 0 {
			continue
		}
		d.sec = sec
		// objdump sorts the symbols again for each section, putting
		// that section's symbols first among equal values.
		sort.SliceStable(d.sorted, func(i, j int) bool { return symbolLess(&d.sorted[i], &d.sorted[j], sec.Index) })
		blocks = append(blocks, d.section()...)
	}
	return blocks
}

// section mirrors objdump's disassemble_section: it cuts the section at
// each symbol and disassembles the pieces.
func (d *dumper) section() []Block {
	sec := d.sec
	end := sec.Addr + uint64(len(sec.Data))
	digits := AddrDigits(sec.Addr, end)
	var blocks []Block
	place := d.find(sec.Addr, true)
	sym := place
	stop := uint64(len(sec.Data))
	for off := uint64(0); off < stop; {
		addr := sec.Addr + off
		b := Block{Section: sec.Name, Addr: addr, Label: d.nameWithOffset(sym, addr), Digits: digits}
		next := -1
		if sym >= 0 && d.sorted[sym].Value > addr {
			next = sym
		} else if sym >= 0 {
			symValue := d.sorted[sym].Value
			for place < len(d.sorted) && !d.validNext(place, symValue) {
				place++
			}
			if place < len(d.sorted) {
				next = place
			}
		}
		var nextStop uint64
		switch {
		case sym >= 0 && d.sorted[sym].Value > addr:
			nextStop = d.sorted[sym].Value - sec.Addr
		case next < 0:
			nextStop = stop
		default:
			nextStop = d.sorted[next].Value - sec.Addr
		}
		if nextStop > stop || nextStop <= off {
			nextStop = stop
		}
		insns := sym < 0 || d.sorted[sym].Section != sec.Index || d.sorted[sym].Value > addr ||
			!d.sorted[sym].Object || d.sorted[sym].Func
		code := sec.Data[off:nextStop]
		if insns {
			symtabPos := -1
			if sym >= 0 && d.sorted[sym].Value <= addr {
				symtabPos = sym
			}
			b.Lines = d.dec.block(code, addr, &objdumpMapper{d: d, symtabPos: symtabPos, stopOffset: nextStop})
			for _, l := range b.Lines {
				if !l.Skip {
					d.chunk = l.chunk
				}
			}
		} else {
			b.Lines = d.rawBytes(code, addr)
		}
		blocks = append(blocks, b)
		off = nextStop
		sym = next
	}
	return blocks
}

// validNext mirrors is_valid_next_sym: a later symbol of this section.
func (d *dumper) validNext(i int, after uint64) bool {
	s := &d.sorted[i]
	return s.Section == d.sec.Index && s.Value > after && s.valid()
}

// rawBytes prints an object's bytes as objdump does for STT_OBJECT
// symbols in code: 16 bytes a line in the last instruction's chunk size,
// then the printable characters.
func (d *dumper) rawBytes(code []byte, addr uint64) []Line {
	var lines []Line
	chunk := d.chunk
	if chunk == 0 {
		chunk = 1
	}
	for off := 0; off < len(code); {
		z := off
		for z < len(code) && code[z] == 0 {
			z++
		}
		if run := z - off; run >= skipZeroes || (z == len(code) && run > 0 && run < skipZeroesAtEnd) {
			if z != len(code) {
				run &^= 3
			}
			lines = append(lines, Line{Addr: addr + uint64(off), Bytes: code[off : off+run], Text: "...", Skip: true})
			off += run
			continue
		}
		n := min(16, len(code)-off)
		var text strings.Builder
		for _, c := range code[off : off+n] {
			if c >= 0x20 && c < 0x7f {
				text.WriteByte(c)
			} else {
				text.WriteByte('.')
			}
		}
		lines = append(lines, Line{Addr: addr + uint64(off), Bytes: code[off : off+n], Text: text.String(), chunk: chunk, raw: true, perLine: 16})
		off += n
	}
	return lines
}

// WriteObjdump writes what objdump -d prints for the file.
func (f *File) WriteObjdump(w io.Writer, opts Options) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "\n%s:     file format %s\n\n", f.Name, f.Format)
	section := ""
	for _, b := range f.Disassemble(opts) {
		if b.Section != section {
			fmt.Fprintf(bw, "\nDisassembly of section %s:\n", b.Section)
			section = b.Section
		}
		fmt.Fprintf(bw, "\n%016x <%s>:\n", b.Addr, b.Label)
		for _, l := range b.Lines {
			bw.WriteString(l.Format(b.Digits))
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// objdumpMapper mirrors riscv-dis.c's riscv_search_mapping_symbol and
// riscv_data_length over objdump's sorted symbols, including where they
// look: forward from the block's symbol (or from the last mapping symbol
// found), else backward to the section start. A $xrv symbol met on the
// way sets the ISA (riscv_update_map_state), so an ISA symbol that no
// search reaches (say, inside an object dumped raw) changes nothing.
type objdumpMapper struct {
	d          *dumper
	symtabPos  int    // the block's symbol in d.sorted, or -1
	stopOffset uint64 // the block's end, relative to the section
}

// mapState is riscv_get_map_state: whether symbol n is a mapping symbol
// of the section, and then whether it starts data.
func (m *objdumpMapper) mapState(n int) (isMap, data bool) {
	s := &m.d.sorted[n]
	if s.Section != m.d.sec.Index || !isMappingSymbol(s.Name) {
		return false, false
	}
	if isa, ok := strings.CutPrefix(s.Name, "$x"); ok && isa != "" {
		// A numbered ISA symbol ("$xrv64i….1") names the same ISA.
		if i := strings.IndexByte(isa, '.'); i >= 0 {
			isa = isa[:i]
		}
		m.d.dec.SetISA(isa)
	}
	return true, s.Name == "$d"
}

func (m *objdumpMapper) isData(pc uint64) bool {
	d := m.d
	data := false // a code section: instructions unless a symbol says otherwise
	if len(d.sorted) == 0 {
		return data
	}
	if pc == 0 { // "memaddr <= 0": a new section (of an object file)
		d.lastMapSymbol = -1
	}
	fromLast := d.lastMapSymbol >= 0 && m.stopOffset == d.lastStopOffset
	n := m.symtabPos + 1
	if fromLast && n >= d.lastMapSymbol {
		n = d.lastMapSymbol
	}
	symbol := -1
	for ; n < len(d.sorted); n++ {
		if d.sorted[n].Value > pc {
			break
		}
		if isMap, isData := m.mapState(n); isMap {
			symbol, data = n, isData // the last of equal ones wins
		}
	}
	if symbol < 0 {
		n = m.symtabPos
		if fromLast && n >= d.lastMapSymbol {
			n = d.lastMapSymbol
		}
		for ; n >= 0; n-- {
			if d.sorted[n].Value < d.sec.Addr {
				break
			}
			if isMap, isData := m.mapState(n); isMap {
				symbol, data = n, isData
				break
			}
		}
	}
	d.lastMapSymbol, d.lastStopOffset = symbol, m.stopOffset
	return data
}

func (m *objdumpMapper) dataLength(pc uint64) int {
	d := m.d
	length := uint64(4)
	found := false
	if d.lastMapSymbol >= 0 {
		for n := d.lastMapSymbol + 1; n < len(d.sorted); n++ {
			if a := d.sorted[n].Value; a > pc {
				if isMap, _ := m.mapState(n); isMap {
					length = min(length, a-pc)
					found = true
					break
				}
			}
		}
	}
	if !found {
		length = min(length, d.sec.Addr+uint64(len(d.sec.Data))-pc)
	}
	return int(length)
}
