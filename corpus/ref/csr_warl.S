/* Prints, on the UART, every CSR's reset value and what it reads back
   after writing all ones and then zero: the WARL behavior, compared line
   by line with QEMU 7.2 by TestCSRWarlQEMU. Counters are only read
   (their values depend on time); mhpm* are left out: QEMU 7.2 with
   pmu-num=0 makes them illegal (docs/refmodel.md). */
#include "macros.h"


/* RESET: the value at reset. PROBE: write -1, read; write 0, read. */
.macro RESET csr
	PUTS "\csr reset "
	csrr a0, \csr
	call puthex
.endm

.macro PROBE csr
	PUTS "\csr ones "
	li t0, -1
	csrw \csr, t0
	csrr a0, \csr
	call puthex
	PUTS "\csr zero "
	csrw \csr, zero
	csrr a0, \csr
	call puthex
.endm

	HEADER
main:
	RESET sstatus
	RESET sie
	RESET stvec
	RESET scounteren
	RESET senvcfg
	RESET sscratch
	RESET sepc
	RESET scause
	RESET stval
	RESET sip
	RESET satp
	RESET mstatus
	RESET misa
	RESET medeleg
	RESET mideleg
	RESET mie
	RESET mcounteren
	RESET menvcfg
	RESET mcountinhibit
	RESET mscratch
	RESET mepc
	RESET mcause
	RESET mtval
	RESET mip
	RESET pmpcfg0
	RESET pmpcfg2
	RESET pmpaddr0
	RESET pmpaddr15
	RESET mvendorid
	RESET marchid
	RESET mimpid
	RESET mhartid
	RESET 0xf15
	RESET tselect
	RESET tdata1
	RESET tdata2
	RESET tdata3
	RESET tinfo

	PROBE sstatus
	PROBE stvec
	PROBE scounteren
	PROBE senvcfg
	PROBE sscratch
	PROBE sepc
	PROBE scause
	PROBE stval
	PROBE satp
	PROBE medeleg
	PROBE mideleg
	/* sie and sip show the delegated bits: delegate all, probe, undelegate */
	li t0, -1
	csrw mideleg, t0
	PROBE sie
	PROBE sip
	csrw mideleg, zero
	PROBE sie
	PROBE sip
	PROBE mie
	PROBE mip
	PROBE mcounteren
	PROBE menvcfg
	PROBE mscratch
	PROBE mepc
	PROBE mcause
	PROBE mtval
	PROBE misa
	PROBE tselect
	PROBE tdata1
	PROBE tdata2
	PROBE tdata3
	PROBE tinfo
	/* mstatus: all ones sets MPP=3, then zero; 0x1000 tries MPP=2 */
	PROBE mstatus
	PUTS "mstatus mpp2 "
	li t0, 0x1800
	csrs mstatus, t0
	li t0, 0x1000
	csrw mstatus, t0
	csrr a0, mstatus
	call puthex
	/* mtvec: modes 0, 1 and the reserved 2 and 3 */
	PUTS "mtvec mode1 "
	li t0, 0x80000101
	csrw mtvec, t0
	csrr a0, mtvec
	call puthex
	PUTS "mtvec mode3 "
	li t0, -1
	csrw mtvec, t0
	csrr a0, mtvec
	call puthex
	la t0, m_trap
	csrw mtvec, t0
	/* PMP: addresses first, then configurations; locking last */
	PROBE pmpaddr0
	PROBE pmpaddr7
	PROBE pmpaddr15
	PUTS "pmpcfg0 rw01 "
	li t0, 0x0202020202020202
	csrw pmpcfg0, t0
	csrr a0, pmpcfg0
	call puthex
	PUTS "pmpcfg0 x "
	li t0, 0x6464646464646464
	csrw pmpcfg0, t0
	csrr a0, pmpcfg0
	call puthex
	/* lock entry 1 as TOR over [pmpaddr0, pmpaddr1): pmpaddr0 and 1 freeze */
	li t0, 0x80000000 >> 2
	csrw pmpaddr0, t0
	li t0, 0x90000000 >> 2
	csrw pmpaddr1, t0
	li t0, 0x8f00
	csrw pmpcfg0, t0
	PUTS "pmpcfg0 locked "
	csrw pmpcfg0, zero
	csrr a0, pmpcfg0
	call puthex
	PUTS "pmpaddr0 locked "
	csrw pmpaddr0, zero
	csrr a0, pmpaddr0
	call puthex
	PUTS "pmpaddr1 locked "
	csrw pmpaddr1, zero
	csrr a0, pmpaddr1
	call puthex
	PROBE pmpaddr2
	PROBE pmpcfg2
	PROBE mcountinhibit
	/* satp with MODE = Sv48 (9) and Sv57 (10): not in rv64pg */
	PUTS "satp sv48 "
	li t0, 9 << 60
	csrw satp, t0
	csrr a0, satp
	call puthex
	csrw satp, zero
	PUTS "satp sv57 "
	li t0, 10 << 60
	csrw satp, t0
	csrr a0, satp
	call puthex
	csrw satp, zero
	PUTS "done\n"
	j pass

	PRINTING
	FOOTER
