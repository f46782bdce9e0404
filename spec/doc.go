// Package spec is the rv64pg architecture as data: the instruction table,
// the CSR table, the memory map, and the plain types that every
// implementation shares (Config, Mode, Retire, Trap).
//
// It describes the machine and never executes it. refmodel and impl both
// read these tables and decode from them, each in its own way, so a wrong
// row shows up against GNU binutils and QEMU rather than hiding behind two
// models that copied the same helper.
//
//	spec/            tables and types (this package)
//	spec/gen         go generate: decode and encode tables (zdecode.go)
//	spec/load        ELF and raw-image loader
//	spec/fdt         the generated flattened device tree
//	spec/asm         the assembler (GNU syntax, writes ELF)
//	spec/disasm      the disassembler (objdump-compatible text)
package spec

//go:generate go run ./gen -o zdecode.go
