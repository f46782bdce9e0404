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
//	spec/boot        the reset image: boot ROM, device tree, loaded program
//
// The tools that read and write programs for this architecture (the
// assembler, the disassembler, the C preprocessor) live in toolchain/,
// and test helpers in internal/testtool: they use the tables, they are
// not the architecture.
package spec

//go:generate go run ./gen -o zdecode.go
