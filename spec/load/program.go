// Package load reads programs: ELF executables (debug/elf) and raw
// images at a given address. It only describes what goes where in memory,
// so refmodel and impl may both use it (docs/architecture.md).
package load

// Segment is a piece of memory content: Data at Addr, followed by zeros
// up to MemSize (the ELF p_filesz/p_memsz split).
type Segment struct {
	Addr    uint64
	Data    []byte
	MemSize uint64 // >= len(Data)
}

// Program is a loaded program: what to put in memory and where to start.
type Program struct {
	Name     string            // file name, for messages
	Entry    uint64            // first instruction after the boot ROM
	Segments []Segment         // loadable content, in address order
	Symbols  map[string]uint64 // ELF symbols, for tohost/fromhost and reports
}

// Symbol returns the address of a symbol and whether it exists.
func (p *Program) Symbol(name string) (uint64, bool) {
	a, ok := p.Symbols[name]
	return a, ok
}
