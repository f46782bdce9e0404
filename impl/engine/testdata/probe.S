# probe.S: prints, over the UART, what the machine does at the points where
# the spec leaves a choice or QEMU 7.2 has its own behavior. The test runs
# it on the engine and on qemu-system-riscv64 and compares the text.
#
# Every probe sets s11 to where the trap handler resumes; the handler
# records mcause in s9 and mtval in s10 and jumps there (staying in M).

#define UART 0x10000000
#define FINISHER 0x100000

#define PROBE(n) la s11, 9f; li s9, -1; li s10, -1;
#define REPORT(n) 9: li a0, n; call putnum; mv a0, s9; call puthex; mv a0, s10; call puthex; call newline
#define SHOWCSR(n, csr) li a0, n; call putnum; csrr a0, csr; call puthex; call newline

.section .text.init
.globl _start
_start:
	la t0, handler
	csrw mtvec, t0
	la sp, stack_top

	# 1: ebreak: cause and tval
	PROBE(1) ebreak
	REPORT(1)
	# 2: c.ebreak
	PROBE(2) c.ebreak
	REPORT(2)
	# 3: illegal 32-bit instruction: tval holds its bits
	PROBE(3) .word 0xffffffff
	REPORT(3)
	# 4: illegal compressed (all zero): tval holds 16 bits
	PROBE(4) .half 0x0000
	REPORT(4)
	# 5: misaligned amoadd.w
	la a1, data
	addi a1, a1, 1
	PROBE(5) amoadd.w a2, zero, (a1)
	REPORT(5)
	# 6: misaligned lr.d
	PROBE(6) lr.d a2, (a1)
	REPORT(6)
	# 7: misaligned sc.w
	PROBE(7) sc.w a2, zero, (a1)
	REPORT(7)
	# 8: misaligned ld from RAM completes
	PROBE(8) ld s9, 0(a1)
	REPORT(8)
	# 9: load from unmapped memory
	li a1, 0x800     # unmapped on QEMU virt and on rv64pg
	PROBE(9) ld a2, 0(a1)
	REPORT(9)
	# 10: store to unmapped memory
	PROBE(10) sd a2, 0(a1)
	REPORT(10)
	# 11: jump to unmapped memory
	PROBE(11) jr a1
	REPORT(11)
	# 12: csr that does not exist
	PROBE(12) csrr a2, 0x7c0
	REPORT(12)
	# 13: write to a read-only csr
	PROBE(13) csrw mvendorid, zero
	REPORT(13)
	# 14: ecall from M
	PROBE(14) ecall
	REPORT(14)

	# WARL read-backs.
	li t0, -1
	csrw medeleg, t0
	SHOWCSR(20, medeleg)
	csrw mideleg, t0
	SHOWCSR(21, mideleg)
	csrw mie, t0
	SHOWCSR(22, mie)
	SHOWCSR(23, sie)
	csrw mcounteren, t0
	SHOWCSR(24, mcounteren)
	csrw scounteren, t0
	SHOWCSR(25, scounteren)
	csrw mscratch, t0
	SHOWCSR(26, mscratch)
	csrw mepc, t0
	SHOWCSR(27, mepc)
	csrw sepc, t0
	SHOWCSR(28, sepc)
	SHOWCSR(29, misa)
	csrw menvcfg, t0
	SHOWCSR(30, menvcfg)
	csrw senvcfg, t0
	SHOWCSR(31, senvcfg)
	li t1, 0x1802
	csrw mtvec, t1
	SHOWCSR(32, mtvec)
	la t0, handler
	csrw mtvec, t0
	li t1, 0x1001
	csrw stvec, t1
	SHOWCSR(33, stvec)
	li t1, 0x1003
	csrw stvec, t1
	SHOWCSR(34, stvec)
	li t1, 9 << 60
	csrw satp, t1
	SHOWCSR(35, satp)
	li t1, (8 << 60) | 0x12345
	csrw satp, t1
	SHOWCSR(36, satp)
	csrw satp, zero
	SHOWCSR(37, mstatus)
	li t1, 0x1000
	csrs mstatus, t1      # MPP = 2 (reserved) from 0
	SHOWCSR(38, mstatus)
	li t1, 0x1800
	csrs mstatus, t1      # MPP = 3
	li t1, 0x0800
	csrc mstatus, t1      # MPP = 2: kept
	SHOWCSR(39, mstatus)
	li t1, 0x1800
	csrs mstatus, t1      # MPP = 3 again (QEMU 7.2 keeps MPP=2)
	li t1, 0x7e0000
	csrs mstatus, t1      # MPRV SUM MXR TVM TW TSR
	SHOWCSR(40, mstatus)
	csrc mstatus, t1
	li t1, 0x0202
	csrw pmpcfg2, t1      # entry 8: W only (reserved), entry 9: W only
	SHOWCSR(41, pmpcfg2)
	csrw pmpcfg2, zero
	li t1, -1
	csrw pmpaddr3, t1
	SHOWCSR(42, pmpaddr3)
	csrw pmpaddr3, zero
	li t1, -1
	csrw sstatus, t1
	SHOWCSR(43, sstatus)
	SHOWCSR(44, mstatus)
	csrw sstatus, zero
	li t1, -1
	csrw mip, t1
	SHOWCSR(45, mip)
	csrw mip, zero
	csrw mideleg, zero
	csrw medeleg, zero
	csrw mie, zero
	li t1, -1
	csrw mcountinhibit, t1
	SHOWCSR(46, mcountinhibit)
	csrw mcountinhibit, zero
	SHOWCSR(47, mhartid)
	SHOWCSR(48, mvendorid)
	SHOWCSR(49, marchid)
	SHOWCSR(50, mimpid)
	PROBE(51) csrw mhpmcounter3, t1
	REPORT(51)
	PROBE(52) csrw mhpmevent3, t1
	REPORT(52)

	# U mode with no PMP entry: does the fetch succeed?
	la s11, 1f
	li s9, -1
	li s10, -1
	la t0, umode_ecall
	csrw mepc, t0
	li t1, 0x1800
	csrc mstatus, t1
	mret
1:	li a0, 60
	call putnum
	mv a0, s9
	call puthex
	csrr a0, mepc
	la t0, umode_ecall
	sub a0, a0, t0
	call puthex
	call newline

	# Grant everything with one NAPOT entry, then U-mode probes.
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0
	SHOWCSR(61, pmpcfg0)
	.irp probe, umode_ecall, umode_wfi, umode_csr, umode_mret, umode_sret, umode_sfence, umode_cycle
	la s11, 1f
	li s9, -1
	li s10, -1
	la t0, \probe
	csrw mepc, t0
	li t1, 0x1800
	csrc mstatus, t1
	mret
1:	li a0, 62
	call putnum
	mv a0, s9
	call puthex
	mv a0, s10
	call puthex
	call newline
	.endr

	# S mode probes without trap bits, then with TVM, TW and TSR set.
	.irp probe, smode_cycle, smode_satp_tvm
	la s11, 1f
	li s9, -1
	li s10, -1
	la t0, \probe
	csrw mepc, t0
	li t1, 0x1800
	csrc mstatus, t1
	li t1, 0x0800
	csrs mstatus, t1
	mret
1:	li a0, 63
	call putnum
	mv a0, s9
	call puthex
	mv a0, s10
	call puthex
	call newline
	.endr
	.irp probe, smode_wfi, smode_sret_tsr, smode_satp_tvm
	la s11, 1f
	li s9, -1
	li s10, -1
	la t0, \probe
	csrw mepc, t0
	li t1, 0x1800
	csrc mstatus, t1
	li t1, 0x700800
	csrs mstatus, t1
	mret
1:	li a0, 64
	call putnum
	mv a0, s9
	call puthex
	mv a0, s10
	call puthex
	call newline
	li t1, 0x700000
	csrc mstatus, t1
	.endr

	li t0, FINISHER
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b

umode_ecall:
	ecall
umode_wfi:
	wfi
	ecall
umode_csr:
	csrr a0, sstatus
	ecall
umode_mret:
	mret
umode_sret:
	sret
umode_sfence:
	sfence.vma
umode_cycle:
	rdcycle a0
	ecall
smode_wfi:
	wfi
	ecall
smode_sret_tsr:
	sret
smode_satp_tvm:
	csrr a0, satp
	ecall
smode_cycle:
	rdcycle a0
	ecall

.align 2
handler:
	csrr s9, mcause
	csrr s10, mtval
	jr s11

# puthex prints a0 as 16 hex digits and a space.
puthex:
	li t2, 60
1:	srl t3, a0, t2
	andi t3, t3, 15
	li t4, 10
	blt t3, t4, 2f
	addi t3, t3, 'a' - 10
	j 3f
2:	addi t3, t3, '0'
3:	li t5, UART
4:	lbu t6, 5(t5)
	andi t6, t6, 0x20
	beqz t6, 4b
	sb t3, 0(t5)
	addi t2, t2, -4
	bgez t2, 1b
	li t3, ' '
	sb t3, 0(t5)
	ret

# putnum prints a0 (< 100) as two decimal digits and ": ".
putnum:
	li t5, UART
	li t4, 10
	divu t3, a0, t4
	addi t3, t3, '0'
	sb t3, 0(t5)
	remu t3, a0, t4
	addi t3, t3, '0'
	sb t3, 0(t5)
	li t3, ':'
	sb t3, 0(t5)
	li t3, ' '
	sb t3, 0(t5)
	ret

newline:
	li t5, UART
	li t3, '\n'
	sb t3, 0(t5)
	ret

.data
.align 4
data: .dword 0x1122334455667788, 0x99aabbccddeeff00
.align 4
stack: .space 1024
stack_top:
