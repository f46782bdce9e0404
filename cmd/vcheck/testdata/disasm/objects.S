/* Code and data mixed in executable sections, for the disasm oracle test:
   an STT_OBJECT in .text (objdump dumps its bytes), $d data, zero runs
   that objdump elides as "...", a second executable section, and words
   objdump cannot decode. */
	.file	"objects.S"
	.section .text.entry, "ax", @progbits
	.globl	entry
entry:
	la	a0, blob
	ld	a1, 8(gp)
	lw	a2, 16(tp)
	.insn	4, 0x02000053	/* fadd.s: not rv64pg */
	.insn	2, 0x6002	/* c.ldsp zero: reserved */
	.insn	4, 0x8ff0000f	/* fence with fm set */
	.insn	2, 0x0000
	la	a3, zzobj	/* names zzobj: objects sort before larger no-type symbols */
	csrr	a4, 0x000	/* ustatus under priv spec 1.11, no name under 1.12 */
	csrr	a5, 0x310	/* mstatush under 1.12, no name under 1.11 */
	j	entry

	.text
	.type	blob, @object
blob:
	.ascii	"rv64pg\0\1\2\3abcdefghijklmnop"
	.size	blob, . - blob
	.align	3
	.zero	16
	.type	fn, @function
fn:
	c.nop
	.word	0x12345678
	.half	0xabcd
	.byte	1, 2, 3
	.align	2
	ret
	.zero	2
	.size	fn, . - fn
weakfn:
	.weak	weakfn
	sret

	.data
	.globl	zzobj, aanotype
	.type	zzobj, @object
	.size	zzobj, 0
	.size	aanotype, 8
zzobj:
aanotype:
	.dword	0
