// Package asm is a GNU-syntax RISC-V assembler and linker for rv64pg.
//
// It is driven by the instruction table: operand layouts come from
// spec.ArgSpecs, mnemonics and operand syntax from spec.Insts, and the
// automatic compression of .option rvc from each C row's Expand field.
// The output is bit-for-bit what GNU as (binutils 2.40, -mno-relax)
// followed by ld produces for the same source, which gnu_test.go checks.
//
//	source ──parse──▶ items per section ──relax──▶ layout ──encode──▶ Object ──▶ ELF
//
// Layout, as QEMU virt wants it:
//
//	0x80000000  read-only sections (.text first), one R+X PT_LOAD
//	next page   writable sections, then .bss-like ones, one R+W PT_LOAD
//
// See docs/asm.md for the syntax and the known differences from GNU as.
package asm
