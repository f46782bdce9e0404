// Package pg makes Popek and Goldberg's virtualization conditions (CACM
// 1974) machine-checkable on rv64pg: it classifies every instruction form
// of the spec table by what it is observed to do on the reference model,
// compares that with the declared classes, and decides Theorem 1
// (sensitive ⊆ privileged) and Theorem 3 (user-sensitive ⊆ privileged).
// docs/pg.md has the definitions and the results.
//
// The analysis is black-box. A probe is a small program: an M-mode
// prologue loads a State from a table (CSRs, PMP, satp, registers), and
// mret (or, for M, a jump) enters the target mode at the instruction
// under test. The probe steps the model to that instruction, snapshots
// the hart, steps it once, and snapshots again. A handler at mtvec
// ends the run through the finisher, so a probe also runs to completion
// on any target (the witness replay uses this).
//
// Physical memory of a probe (reloc r = 0, 1, 2 adds r * 1 MiB):
//
//	0x8000_0000  prologue (M-mode, bare)     0x8000_0800  handler (mtvec = stvec)
//	0x8000_1000  table: x1..x31, CSR values  (mapped only for M-mode MPRV states)
//	0x8001_0000 +r  code page: insn, ecall   mapped at VA 0x8001_0000
//	0x8001_2000 +r  two data pages (random)  mapped at VA 0x8001_2000
//	0x8002_0000 +r  Sv39 root, L1, L0 tables
//
// At relocation 0 the mapping is the identity, so M (which never
// translates fetches) sees the same addresses as S and U: mode pairs use
// relocation 0; relocation pairs compare S or U at 0 with S or U at 1/2.
package pg
