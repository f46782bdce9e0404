package refmodel

// The C extension (Unpriv. §16) has no semantics of its own here: every
// compressed row of spec.Insts names, in its Expand field, the 32-bit
// instruction it stands for, and decode.go builds the operands of that
// instruction from the compressed fields. The record keeps the 16-bit
// bits (Retire.Insn) while the 32-bit method runs, with the next pc at
// pc+2 (decoded.length is the compressed row's length).
//
// The reserved and HINT encodings are the table's business: a word no
// row matches is an illegal instruction (e.g. the all-zero halfword,
// c.addi4spn with a zero immediate, c.lwsp with rd=x0).
